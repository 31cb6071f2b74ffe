"""Streamlines of a vector field (the Li⁺ flux, the ionic current) and their arrowheads.

Owns where streamlines start (``line``: evenly below the counter electrode; ``density``: on the
Li surface at equal shares of the flux into it), their integration over the whole mesh with
VTK, their orientation (each polyline ordered downstream), the arrowheads at half their length,
and drawing both layers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData
from lidendrite.render.polydata import line_cells, pad3
from lidendrite.render.view import ViewBox

__all__ = ["STREAMLINE_COLOR", "add_streamlines", "arrowheads", "streamline_seeds", "streamlines"]

STREAMLINE_COLOR = "white"


def streamline_seeds(
    pv: Any,
    frame: FrameData,
    grid: Any,
    n: int,
    seeding: str,
    anode: np.ndarray | None,
    counter: np.ndarray | None,
) -> tuple[np.ndarray, str]:
    """Seed points (n, 3) and the integration direction."""
    x = frame.points_um[:, 0]
    y = frame.points_um[:, 1]
    height = float(y.max() - y.min())
    x_lo, x_hi = float(x.min()), float(x.max())
    if seeding == "line":
        top = float(counter[:, 1].min()) if counter is not None else float(y.max())
        xs = x_lo + (np.arange(n) + 0.5) * (x_hi - x_lo) / n
        return pad3(np.column_stack([xs, np.full(n, top - 0.02 * height)])), "forward"
    if seeding != "density":
        raise ConfigError(f"unknown seeding {seeding!r}; choose 'line' or 'density'")
    if anode is None:
        raise ConfigError("seeding='density' needs the anode polyline of the frame")
    # Seeds on the Li surface, one per equal share of the flux into it: the streamlines then
    # crowd where the deposition current is high (tube of equal flux between two lines).
    tangent = np.gradient(anode, axis=0)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-300)
    probe_points = anode + 0.01 * height * normal
    probe = pv.PolyData(pad3(probe_points)).sample(grid)
    flux = np.asarray(probe.point_data["_stream_vectors"])[:, :2]
    inflow = np.maximum(-np.einsum("ij,ij->i", flux, normal), 0.0)
    seg = np.linalg.norm(np.diff(probe_points, axis=0), axis=1)
    weight = np.concatenate([[0.0], np.cumsum(0.5 * (inflow[1:] + inflow[:-1]) * seg)])
    if not weight[-1] > 0.0:
        weight = np.concatenate([[0.0], np.cumsum(seg)])
    targets = (np.arange(n) + 0.5) / n * weight[-1]
    seeds = np.column_stack([np.interp(targets, weight, probe_points[:, k]) for k in range(2)])
    return pad3(seeds), "backward"


def streamlines(
    pv: Any,
    frame: FrameData,
    vectors: np.ndarray,
    n: int,
    seeding: str,
    anode: np.ndarray | None,
    counter: np.ndarray | None,
) -> Any:
    """Streamlines of ``vectors`` (integrated on the whole mesh), or ``None``."""
    grid = pv.UnstructuredGrid({pv.CellType.TRIANGLE: frame.triangles}, pad3(frame.points_um))
    peak = float(np.max(np.hypot(vectors[:, 0], vectors[:, 1]))) if len(vectors) else 0.0
    if not peak > 0.0 or n <= 0:
        return None
    grid.point_data["_stream_vectors"] = pad3(vectors / peak)
    seeds, direction = streamline_seeds(pv, frame, grid, n, seeding, anode, counter)
    size = float(np.ptp(frame.points_um, axis=0).max())
    lines = grid.streamlines_from_source(
        pv.PolyData(seeds),
        vectors="_stream_vectors",
        integration_direction=direction,
        step_unit="l",
        initial_step_length=2e-3 * size,
        min_step_length=2e-4 * size,
        max_step_length=5e-3 * size,
        max_steps=20000,
        max_length=10.0 * size,
        terminal_speed=1e-6,
        compute_vorticity=False,
    )
    if not lines.n_points:
        return None
    return _reverse_lines(pv, lines) if direction == "backward" else lines


def _reverse_lines(pv: Any, lines: Any) -> Any:
    """The same polylines with their points in reverse order (downstream first -> last)."""
    cells = []
    for ids in line_cells(lines):
        cells += [len(ids), *ids[::-1].tolist()]
    return pv.PolyData(np.asarray(lines.points), lines=np.array(cells, dtype=np.int64))


def arrowheads(pv: Any, lines: Any, size_um: float, z: float) -> Any:
    """Filled triangles pointing along each streamline, at half its length."""
    pts = np.asarray(lines.points, dtype=np.float64)[:, :2]
    tris = []
    for ids in line_cells(lines):
        if len(ids) < 3:
            continue
        p = pts[ids]
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
        if s[-1] < 4.0 * size_um:
            continue
        mid = np.array([np.interp(0.5 * s[-1], s, p[:, k]) for k in range(2)])
        j = int(np.clip(np.searchsorted(s, 0.5 * s[-1]), 1, len(p) - 1))
        d = p[j] - p[j - 1]
        if not np.linalg.norm(d) > 0:
            continue
        d /= np.linalg.norm(d)
        nrm = np.array([-d[1], d[0]])
        tip = mid + 0.6 * size_um * d
        base = mid - 0.4 * size_um * d
        tris.append([tip, base + 0.35 * size_um * nrm, base - 0.35 * size_um * nrm])
    if not tris:
        return None
    xy = np.asarray(tris).reshape(-1, 2)
    faces = np.column_stack([np.full(len(tris), 3), np.arange(3 * len(tris)).reshape(-1, 3)])
    return pv.PolyData(pad3(xy, z), faces=faces.ravel())


def add_streamlines(
    plotter: Any,
    pv: Any,
    frame: FrameData,
    vectors: np.ndarray,
    view: ViewBox,
    *,
    n: int,
    seeding: str,
    arrows: bool,
    anode: np.ndarray | None,
    counter: np.ndarray | None,
    line_px: float,
    dz: float,
) -> Any:
    """Draw the streamlines of ``vectors`` (and arrowheads); returns them, or ``None``.

    The returned poly data lies in the z = 0 plane; the drawn copy is lifted above the metal.
    """
    lines = streamlines(pv, frame, vectors, n, seeding, anode, counter)
    if lines is None:
        return None
    shown = lines.copy()
    shown.points[:, 2] = 2.0 * dz
    plotter.add_mesh(
        shown,
        color=STREAMLINE_COLOR,
        line_width=1.2 * line_px,
        opacity=0.9,
        lighting=False,
        name="streamlines",
        reset_camera=False,
    )
    # arrowheads about 2 % of the view, and narrower than the streamline spacing
    head_um = min(0.022 * view.height_um, 0.8 * view.width_um / max(n, 1))
    heads = arrowheads(pv, lines, head_um, 3.0 * dz) if arrows else None
    if heads is not None:
        plotter.add_mesh(
            heads,
            color=STREAMLINE_COLOR,
            lighting=False,
            name="arrowheads",
            reset_camera=False,
        )
    return lines
