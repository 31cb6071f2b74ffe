"""Render one frame with PyVista: the coloured field, flux streamlines, Li metal, fillers.

The look follows the finite-element snapshots of Zhu et al., PNAS 2023, Fig. 4G–J: colour is
the magnitude of the Li⁺ flux, streamlines show its direction, Li metal is at the bottom, fillers
are white, and a scale bar gives the length. The view is 2D (camera on +z, parallel
projection), the background white. Everything is drawn from a :class:`~lidendrite.io.frames.
FrameData`; nothing here needs MPI or DOLFINx.

Layers, back to front: the electrolyte coloured by the field; Li metal (below the anode polyline
and, for a Li counter electrode, above the counter polyline) and its outline; streamlines and
arrowheads; non-electrolyte subdomains (cell tag != 1) as white fills with their outlines, and
internal facets (tag >= 5); text (time, title, colour bar, scale bar).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.geometry.tags import ANODE, COUNTER, ELECTROLYTE
from lidendrite.io.frames import FrameData
from lidendrite.render._backend import font_file, pyvista
from lidendrite.render.fields import (
    data_range,
    display_unit,
    field_spec,
    field_values,
    field_vectors,
    format_time,
    nice_length,
)

__all__ = [
    "METAL_COLOR",
    "SceneInfo",
    "ViewBox",
    "frame_to_grid",
    "render_frame",
    "save_frame",
    "view_box",
]

METAL_COLOR = "#b8bcc2"
"""Fill colour of Li metal (light silver)."""
OUTLINE_COLOR = "#262626"
"""Colour of the Li surface, filler outlines and internal facets."""
TEXT_COLOR = "black"
STREAMLINE_COLOR = "white"
INITIAL_ANODE_COLOR = "#70757d"
INTERNAL_FACET_TAG = 5
"""Facet tags from this value upwards are internal boundaries (drawn as lines)."""

_RASTER = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
_VECTOR = {".svg", ".pdf", ".eps", ".ps", ".tex"}


@dataclass(frozen=True)
class ViewBox:
    """Rectangle of the cell plane (µm) that a figure shows."""

    x_min_um: float
    x_max_um: float
    y_min_um: float
    y_max_um: float

    @property
    def width_um(self) -> float:
        """Width of the box in µm."""
        return self.x_max_um - self.x_min_um

    @property
    def height_um(self) -> float:
        """Height of the box in µm."""
        return self.y_max_um - self.y_min_um

    def union(self, other: ViewBox) -> ViewBox:
        """Smallest box holding both boxes."""
        return ViewBox(
            min(self.x_min_um, other.x_min_um),
            max(self.x_max_um, other.x_max_um),
            min(self.y_min_um, other.y_min_um),
            max(self.y_max_um, other.y_max_um),
        )


@dataclass
class SceneInfo:
    """What :func:`render_frame` drew, for tests and callers (``plotter.lidendrite``).

    Attributes:
        field: Field name.
        clim: Colour range in the SI units of the frame array (e.g. mol m⁻² s⁻¹).
        unit: Display unit of the colour bar.
        unit_factor: Display value = SI value x ``unit_factor``.
        view: Region of the cell shown.
        anode_outline: Polyline drawn along the Li surface (``None`` without an anode).
        streamlines: Streamline poly data in the z = 0 plane, each polyline ordered along the
            flux (``None`` if none were drawn).
        scale_bar_um: Length of the scale bar in µm.
    """

    field: str
    clim: tuple[float, float]
    unit: str
    unit_factor: float
    view: ViewBox
    anode_outline: Any = None
    streamlines: Any = None
    scale_bar_um: float = 0.0


# --- geometry helpers (numpy) ----------------------------------------------------------------


def _pad3(xy: np.ndarray, z: float = 0.0) -> np.ndarray:
    out = np.empty((len(xy), 3), dtype=np.float64)
    out[:, :2] = xy
    out[:, 2] = z
    return out


def _chain_facets(frame: FrameData, tag: int) -> np.ndarray | None:
    """Order the facets of one tag into a polyline (left to right); ``None`` if not a path."""
    edges = frame.facets[frame.facet_tags == tag]
    if len(edges) == 0:
        return None
    neighbours: dict[int, list[int]] = {}
    for a, b in edges.tolist():
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    ends = [v for v, n in neighbours.items() if len(n) == 1]
    if len(ends) != 2 or any(len(n) > 2 for n in neighbours.values()):
        return None
    order, previous, current = [ends[0]], -1, ends[0]
    while len(order) < len(neighbours):
        nxt = [v for v in neighbours[current] if v != previous]
        if not nxt:
            break
        previous, current = current, nxt[0]
        order.append(current)
    return frame.points_um[order]


def _polyline(frame: FrameData, name: str, tag: int) -> np.ndarray | None:
    """Boundary polyline from ``frame.boundaries`` (or chained facets), ordered left to right."""
    line = frame.boundaries.get(name)
    if line is None or len(line) < 2:
        line = _chain_facets(frame, tag)
    if line is None or len(line) < 2:
        return None
    line = np.asarray(line, dtype=np.float64)
    return line[::-1] if line[0, 0] > line[-1, 0] else line


def _initial_anode_y(frame: FrameData, initial_anode_y_um: float | None) -> float | None:
    if initial_anode_y_um is not None:
        return float(initial_anode_y_um)
    value = frame.meta.get("initial_anode_y_um")
    return None if value is None else float(value)


def _li_counter(frame: FrameData) -> bool:
    return str(frame.meta.get("counter_electrode", "")).lower() in {"lithium", "li"}


def view_box(frame: FrameData, *, initial_anode_y_um: float | None = None) -> ViewBox:
    """Region a figure of ``frame`` shows.

    That is the cell, a strip of Li metal below the lowest of the anode and its initial
    position, and a strip above a Li counter electrode; the strips are 10 % of the cell height.
    """
    x, y = frame.points_um[:, 0], frame.points_um[:, 1]
    pad = 0.1 * float(y.max() - y.min())
    bottom = float(y.min())
    y0 = _initial_anode_y(frame, initial_anode_y_um)
    if y0 is not None:
        bottom = min(bottom, y0)
    top = float(y.max())
    return ViewBox(
        float(x.min()), float(x.max()), bottom - pad, top + (pad if _li_counter(frame) else 0.0)
    )


def _dashes(
    anode: np.ndarray, y0: float, bottom: float, min_depth_um: float
) -> list[np.ndarray] | None:
    """Dashed horizontal line at ``y0`` where it lies inside the metal below ``anode``.

    ``None`` if the initial surface is not at least ``min_depth_um`` below the current one
    everywhere or lies outside the view.
    """
    if not (bottom < y0 < float(anode[:, 1].min()) - min_depth_um):
        return None
    x0, x1 = float(anode[0, 0]), float(anode[-1, 0])
    n = 40  # dashes
    period = (x1 - x0) / n
    starts = x0 + period * (np.arange(n) + 0.25)
    return [np.array([[a, y0], [a + 0.5 * period, y0]]) for a in starts]


def _boundary_edges(triangles: np.ndarray) -> np.ndarray:
    """(E, 2) edges that belong to exactly one triangle of ``triangles``."""
    edges = np.sort(triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    unique, counts = np.unique(edges, axis=0, return_counts=True)
    return unique[counts == 1]


def _nice_ticks(lo: float, hi: float, target: int = 5) -> np.ndarray:
    """Round tick values inside [lo, hi] (about ``target`` of them)."""
    span = hi - lo
    if not span > 0.0:
        return np.array([lo])
    raw = span / max(target - 1, 1)
    base = 10.0 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * base >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = first + step * np.arange(int(math.floor((hi - first) / step + 1e-9)) + 1)
    ticks[np.abs(ticks) < 1e-12 * step] = 0.0
    return ticks


def _tick_format(ticks: np.ndarray) -> str:
    """C format string with just enough decimals for the tick step (1, 2, 2.5 or 5 x 10^k)."""
    if len(ticks) < 2:
        return "%.3g"
    step = float(np.min(np.diff(ticks)))
    exponent = math.floor(math.log10(step) + 1e-9)
    extra = 1 if abs(step / 10.0**exponent - 2.5) < 1e-6 else 0
    return f"%.{max(0, extra - exponent)}f"


# --- pyvista objects ------------------------------------------------------------------------


def frame_to_grid(frame: FrameData) -> Any:
    """The frame as a :class:`pyvista.UnstructuredGrid` (µm, z = 0).

    All point data are attached (2D vectors padded to 3 components) and the cell tags are the
    cell array ``cell_tags``.
    """
    pv = pyvista()
    grid = pv.UnstructuredGrid({pv.CellType.TRIANGLE: frame.triangles}, _pad3(frame.points_um))
    for name, values in frame.point_data.items():
        grid.point_data[name] = _pad3(values) if values.ndim == 2 else values
    grid.cell_data["cell_tags"] = frame.cell_tags
    return grid


def _polygon(pv: Any, outline: np.ndarray, z: float) -> Any:
    """Triangulated simple polygon."""
    n = len(outline)
    poly = pv.PolyData(_pad3(outline, z), faces=np.concatenate([[n], np.arange(n)]))
    return poly.triangulate()


def _lines(pv: Any, segments: np.ndarray, points: np.ndarray, z: float) -> Any:
    """Poly data of the segments ``(E, 2)`` of vertex pairs into ``points``.

    The segments are joined into polylines, so that wide lines have no gaps at their joints.
    """
    used, inverse = np.unique(segments.ravel(), return_inverse=True)
    cells = np.column_stack([np.full(len(segments), 2), inverse.reshape(-1, 2)])
    return pv.PolyData(_pad3(points[used], z), lines=cells.ravel()).strip(join=True)


def _polyline_pieces(pv: Any, pieces: list[np.ndarray], z: float) -> Any:
    """Several polylines (each (K, 2)) in one poly data."""
    points = np.vstack(pieces)
    cells, start = [], 0
    for piece in pieces:
        cells += [len(piece), *range(start, start + len(piece))]
        start += len(piece)
    return pv.PolyData(_pad3(points, z), lines=np.array(cells))


def _polyline_data(pv: Any, line: np.ndarray, z: float) -> Any:
    """One polyline cell through the points of ``line`` (K, 2), keeping their coordinates."""
    n = len(line)
    return pv.PolyData(_pad3(line, z), lines=np.concatenate([[n], np.arange(n)]))


def _streamline_seeds(
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
        return _pad3(np.column_stack([xs, np.full(n, top - 0.02 * height)])), "forward"
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
    probe = pv.PolyData(_pad3(probe_points)).sample(grid)
    flux = np.asarray(probe.point_data["_stream_vectors"])[:, :2]
    inflow = np.maximum(-np.einsum("ij,ij->i", flux, normal), 0.0)
    seg = np.linalg.norm(np.diff(probe_points, axis=0), axis=1)
    weight = np.concatenate([[0.0], np.cumsum(0.5 * (inflow[1:] + inflow[:-1]) * seg)])
    if not weight[-1] > 0.0:
        weight = np.concatenate([[0.0], np.cumsum(seg)])
    targets = (np.arange(n) + 0.5) / n * weight[-1]
    seeds = np.column_stack([np.interp(targets, weight, probe_points[:, k]) for k in range(2)])
    return _pad3(seeds), "backward"


def _streamlines(
    pv: Any,
    frame: FrameData,
    vectors: np.ndarray,
    n: int,
    seeding: str,
    anode: np.ndarray | None,
    counter: np.ndarray | None,
) -> Any:
    """Streamlines of ``vectors`` (integrated on the whole mesh), or ``None``."""
    grid = pv.UnstructuredGrid({pv.CellType.TRIANGLE: frame.triangles}, _pad3(frame.points_um))
    peak = float(np.max(np.hypot(vectors[:, 0], vectors[:, 1]))) if len(vectors) else 0.0
    if not peak > 0.0 or n <= 0:
        return None
    grid.point_data["_stream_vectors"] = _pad3(vectors / peak)
    seeds, direction = _streamline_seeds(pv, frame, grid, n, seeding, anode, counter)
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
    for ids in _line_cells(lines):
        cells += [len(ids), *ids[::-1].tolist()]
    return pv.PolyData(np.asarray(lines.points), lines=np.array(cells, dtype=np.int64))


def _line_cells(lines: Any) -> list[np.ndarray]:
    """Point-index arrays of the polyline cells of poly data."""
    raw = np.asarray(lines.lines)
    out, i = [], 0
    while i < len(raw):
        k = int(raw[i])
        out.append(raw[i + 1 : i + 1 + k])
        i += k + 1
    return out


def _arrowheads(pv: Any, lines: Any, size_um: float, z: float) -> Any:
    """Filled triangles pointing along each streamline, at half its length."""
    pts = np.asarray(lines.points, dtype=np.float64)[:, :2]
    tris = []
    for ids in _line_cells(lines):
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
    return pv.PolyData(_pad3(xy, z), faces=faces.ravel())


@dataclass(frozen=True)
class _Layout:
    """Camera and positions (normalised viewport coordinates) of a figure."""

    focal: tuple[float, float]
    parallel_scale: float
    aspect: float
    domain: tuple[float, float, float, float]  # u0, v0, u1, v1 of the view box

    def to_viewport(self, x: float, y: float) -> tuple[float, float]:
        """World (µm) to normalised viewport coordinates."""
        s = self.parallel_scale
        return (
            0.5 + (x - self.focal[0]) / (2.0 * s * self.aspect),
            0.5 + (y - self.focal[1]) / (2.0 * s),
        )


def _layout(view: ViewBox, size: tuple[int, int], *, top: float, right_block: float) -> _Layout:
    """Fit the view box into the window below ``top``, leaving ``right_block`` on its right.

    The cell and the block on its right are centred horizontally together.
    """
    aspect = size[0] / size[1]
    bottom = 0.11
    avail_w = 0.96 - right_block
    avail_h = top - bottom
    s = max(view.height_um / (2.0 * avail_h), view.width_um / (2.0 * aspect * avail_w))
    dw = view.width_um / (2.0 * s * aspect)
    dh = view.height_um / (2.0 * s)
    u0 = 0.5 - 0.5 * (dw + right_block)
    v0 = bottom + 0.5 * (avail_h - dh)
    cx = 0.5 * (view.x_min_um + view.x_max_um)
    cy = 0.5 * (view.y_min_um + view.y_max_um)
    uc, vc = u0 + 0.5 * dw, v0 + 0.5 * dh
    focal = (cx - (uc - 0.5) * 2.0 * s * aspect, cy - (vc - 0.5) * 2.0 * s)
    return _Layout(focal, s, aspect, (u0, v0, u0 + dw, v0 + dh))


def _text_property(font_px: int, *, bold: bool = False) -> Any:
    from vtkmodules.vtkCommonCore import VTK_FONT_FILE
    from vtkmodules.vtkRenderingCore import vtkTextProperty

    prop = vtkTextProperty()
    prop.SetFontSize(int(font_px))
    prop.SetColor(0.0, 0.0, 0.0)
    prop.SetBold(bold)
    prop.SetItalic(False)
    prop.SetShadow(False)
    path = font_file()
    if path is not None:
        prop.SetFontFamily(VTK_FONT_FILE)
        prop.SetFontFile(path)
    return prop


def _text_width_px(text: str, font_px: int) -> int:
    """Width in pixels of a line of text in the figure font."""
    import vtkmodules.vtkRenderingFreeType  # noqa: F401  (registers the text renderer)
    from vtkmodules.vtkRenderingCore import vtkTextRenderer

    box = [0, 0, 0, 0]
    renderer = vtkTextRenderer.GetInstance()
    if renderer is None or not renderer.GetBoundingBox(_text_property(font_px), text, box, 72):
        return round(0.6 * font_px * len(text))  # pragma: no cover - no FreeType
    return box[1] - box[0] + 1


def _add_text(
    plotter: Any,
    text: str,
    position: tuple[float, float],
    font_px: int,
    *,
    halign: Literal["left", "center", "right"] = "left",
    valign: Literal["bottom", "center", "top"] = "bottom",
    name: str | None = None,
    bold: bool = False,
) -> Any:
    """Text at normalised viewport coordinates."""
    from vtkmodules.vtkRenderingCore import vtkTextActor

    actor = vtkTextActor()
    actor.SetInput(text)
    coordinate = actor.GetPositionCoordinate()
    coordinate.SetCoordinateSystemToNormalizedViewport()
    coordinate.SetValue(float(position[0]), float(position[1]))
    prop = _text_property(font_px, bold=bold)
    {"left": prop.SetJustificationToLeft, "center": prop.SetJustificationToCentered}.get(
        halign, prop.SetJustificationToRight
    )()
    {
        "bottom": prop.SetVerticalJustificationToBottom,
        "top": prop.SetVerticalJustificationToTop,
    }.get(valign, prop.SetVerticalJustificationToCentered)()
    actor.SetTextProperty(prop)
    plotter.add_actor(actor, name=name, reset_camera=False, pickable=False)
    return actor


@dataclass(frozen=True)
class _ColorBar:
    """Colour-bar texts and sizes (pixels)."""

    ticks: np.ndarray
    tick_format: str
    titles: tuple[str, str]
    font_px: int
    bar_px: int
    pad_px: int
    ticks_px: int
    titles_px: int

    @classmethod
    def build(
        cls, display_clim: tuple[float, float], label: str, unit: str, font_px: int
    ) -> _ColorBar:
        ticks = _nice_ticks(*display_clim)
        fmt = _tick_format(ticks)
        titles = (label, f"({unit})")
        return cls(
            ticks=ticks,
            tick_format=fmt,
            titles=titles,
            font_px=font_px,
            bar_px=round(1.2 * font_px),
            pad_px=max(2, font_px // 3),
            ticks_px=max(_text_width_px(fmt % t, font_px) for t in ticks),
            titles_px=max(_text_width_px(t, font_px) for t in titles),
        )

    @property
    def gap_px(self) -> int:
        """Space between the cell and the bar."""
        return round(1.2 * self.font_px)

    @property
    def block_px(self) -> int:
        """Width right of the cell that the colour bar needs."""
        return self.gap_px + max(self.bar_px + self.pad_px + self.ticks_px, self.titles_px)


def _add_colorbar(
    plotter: Any, lookup_table: Any, layout: _Layout, bar: _ColorBar, size: tuple[int, int]
) -> None:
    from vtkmodules.vtkCommonCore import vtkDoubleArray
    from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor

    width, height = size
    u0, v0, u1, v1 = layout.domain
    bar_h = min(0.6, 0.75 * (v1 - v0))
    x = u1 + bar.gap_px / width
    title_h = 2.4 * bar.font_px / height
    y = v0 + 0.5 * (v1 - v0) - 0.5 * (bar_h + title_h)
    actor_px = bar.bar_px + bar.pad_px + bar.ticks_px + 4
    actor = vtkScalarBarActor()
    actor.SetLookupTable(lookup_table)
    actor.SetOrientationToVertical()
    actor.SetTextPositionToSucceedScalarBar()
    actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    actor.SetPosition(x, y)
    actor.SetWidth(actor_px / width)
    actor.SetHeight(bar_h)
    actor.SetBarRatio(bar.bar_px / actor_px)
    actor.SetUnconstrainedFontSize(True)
    actor.SetMaximumNumberOfColors(256)
    actor.SetTitle("")
    actor.SetDrawFrame(False)
    actor.SetDrawBackground(False)
    actor.SetTextPad(bar.pad_px)
    values = vtkDoubleArray()
    for t in bar.ticks:
        values.InsertNextValue(float(t))
    actor.SetUseCustomLabels(True)
    actor.SetCustomLabels(values)
    actor.SetLabelFormat(bar.tick_format)
    actor.SetLabelTextProperty(_text_property(bar.font_px))
    actor.SetTitleTextProperty(_text_property(bar.font_px))
    plotter.add_actor(actor, name="colorbar", reset_camera=False, pickable=False)
    centre = x + 0.5 * max(bar.bar_px + bar.pad_px + bar.ticks_px, bar.titles_px) / width
    top = y + bar_h + 0.6 * bar.font_px / height
    line = 1.25 * bar.font_px / height
    _add_text(plotter, bar.titles[1], (centre, top), bar.font_px, halign="center", name="cb_unit")
    _add_text(
        plotter, bar.titles[0], (centre, top + line), bar.font_px, halign="center", name="cb_label"
    )


def _add_scale_bar(
    plotter: Any, pv: Any, layout: _Layout, view: ViewBox, font_px: int, z: float
) -> float:
    """A line below the lower right corner of the cell, with its label; returns its length.

    The length is a round number near a fifth of the larger side of the view (1 µm for the
    5 µm x 3 µm cell of the seed model), and at most half the width.
    """
    length = nice_length(min(0.5 * view.width_um, max(view.width_um, view.height_um) / 5.0))
    s = layout.parallel_scale
    y = view.y_min_um - 0.035 * 2.0 * s
    x1 = view.x_max_um
    x0 = x1 - length
    line = pv.Line((x0, y, z), (x1, y, z))
    plotter.add_mesh(
        line,
        color="black",
        line_width=max(2, round(font_px / 5)),
        render_lines_as_tubes=True,  # no gaps at polyline joints
        lighting=False,
        name="scale_bar",
        reset_camera=False,
    )
    u, v = layout.to_viewport(0.5 * (x0 + x1), y)
    text = f"{length:g} µm" if length >= 1.0 or length < 1e-3 else f"{length * 1e3:g} nm"
    _add_text(
        plotter, text, (u, v - 0.012), font_px, halign="center", valign="top", name="scale_text"
    )
    return length


def render_frame(
    frame: FrameData,
    field: str = "flux",
    *,
    clim: tuple[float, float] | None = None,
    size: tuple[int, int] = (1600, 1200),
    title: str | None = None,
    streamlines: bool = True,
    n_streamlines: int = 30,
    show_time: bool = True,
    cmap: str | None = None,
    seeding: Literal["line", "density"] = "line",
    view: ViewBox | None = None,
    initial_anode_y_um: float | None = None,
    arrows: bool = True,
    scale_bar: bool = True,
    colorbar: bool = True,
    show_initial_anode: bool = True,
) -> Any:
    """Draw one frame into an off-screen :class:`pyvista.Plotter`.

    Args:
        frame: The frame.
        field: ``flux`` (|Li⁺ flux|), ``concentration`` (Li⁺), ``potential`` or ``current``
            (|current density|). Vector fields get streamlines.
        clim: Colour range in the SI unit of the field (mol m⁻² s⁻¹, mol m⁻³, V, A m⁻²);
            default: the data range of the frame's electrolyte.
        size: Window size in pixels (width, height).
        title: Title above the cell.
        streamlines: Draw streamlines of vector fields.
        n_streamlines: Number of streamlines.
        show_time: Write ``t = ...`` at the top left.
        cmap: Matplotlib colour-map name (default per field).
        seeding: ``line``: seeds evenly along a line just below the counter electrode,
            integrated along the flux down to the anode; ``density``: seeds on the Li surface
            at equal shares of the flux into it (lines crowd where deposition is fast),
            integrated back up the flux.
        view: Region to show (default :func:`view_box` of the frame); fix it for animations.
        initial_anode_y_um: Initial Li surface height, kept in view (default
            ``frame.meta["initial_anode_y_um"]``).
        arrows: Arrowheads on the streamlines.
        scale_bar: Draw a scale bar.
        colorbar: Draw the colour bar.
        show_initial_anode: Draw a dashed line inside the Li metal at the initial surface
            height (where the deposit has grown past it), separating plated Li from the
            substrate.

    Returns:
        The plotter (not shown). ``plotter.lidendrite`` is a :class:`SceneInfo` and
        ``plotter.lidendrite_clim`` the colour range used (SI units of the field).

    Raises:
        ConfigError: Unknown field, missing data, or a bad ``clim``/``size``.
    """
    pv = pyvista()
    spec = field_spec(field)
    width, height = _check_size(size)
    values = field_values(frame, field)
    if clim is None:
        clim = data_range([frame], field)
    else:
        clim = (float(clim[0]), float(clim[1]))
        if not (math.isfinite(clim[0]) and math.isfinite(clim[1]) and clim[0] <= clim[1]):
            raise ConfigError(f"colour range {clim} must be two finite numbers, low <= high")
    unit, factor = display_unit(field, clim)
    lo, hi = clim[0] * factor, clim[1] * factor
    if hi <= lo:  # a uniform field: widen the colour range so that a colour map exists
        pad = 0.05 * abs(lo) if lo != 0.0 else 1.0
        lo, hi = lo - pad, hi + pad
    view = view or view_box(frame, initial_anode_y_um=initial_anode_y_um)
    font_px = max(10, round(0.026 * height))
    bar = _ColorBar.build((lo, hi), spec.label, unit, font_px) if colorbar else None
    layout = _layout(
        view,
        (width, height),
        top=(0.86 if title else 0.91),
        right_block=(bar.block_px / width if bar else 0.0),
    )
    line_px = max(1.0, height / 700.0)
    dz = 1e-3 * max(view.width_um, view.height_um)

    plotter = pv.Plotter(off_screen=True, window_size=(width, height))
    plotter.set_background("white")
    plotter.enable_anti_aliasing("msaa")

    # Electrolyte, coloured.
    electrolyte = frame.triangles[frame.cell_tags == ELECTROLYTE]
    grid = pv.UnstructuredGrid({pv.CellType.TRIANGLE: electrolyte}, _pad3(frame.points_um))
    grid.point_data["shown"] = values * factor
    mesh_actor = plotter.add_mesh(
        grid,
        scalars="shown",
        cmap=cmap or spec.cmap,
        clim=(lo, hi),
        show_scalar_bar=False,
        lighting=False,
        name="field",
        reset_camera=False,
    )

    # Li metal.
    anode = _polyline(frame, "anode", ANODE)
    counter = _polyline(frame, "counter", COUNTER)
    outline = None
    if anode is not None:
        bottom = min(view.y_min_um, float(anode[:, 1].min()))
        fill = np.vstack([anode, [[anode[-1, 0], bottom], [anode[0, 0], bottom]]])
        plotter.add_mesh(
            _polygon(pv, fill, 0.0),
            color=METAL_COLOR,
            lighting=False,
            name="anode_metal",
            reset_camera=False,
        )
        outline = _polyline_data(pv, anode, dz)
        plotter.add_mesh(
            outline,
            color=OUTLINE_COLOR,
            line_width=1.5 * line_px,
            render_lines_as_tubes=True,  # no gaps at polyline joints
            lighting=False,
            name="anode_outline",
            reset_camera=False,
        )
        y0 = _initial_anode_y(frame, initial_anode_y_um)
        if show_initial_anode and y0 is not None:
            dashes = _dashes(anode, y0, bottom, 0.02 * view.height_um)
            if dashes is not None:
                plotter.add_mesh(
                    _polyline_pieces(pv, dashes, dz),
                    color=INITIAL_ANODE_COLOR,
                    line_width=line_px,
                    render_lines_as_tubes=True,
                    lighting=False,
                    name="initial_anode",
                    reset_camera=False,
                )
    if counter is not None and _li_counter(frame):
        top = max(view.y_max_um, float(counter[:, 1].max()))
        fill = np.vstack([counter, [[counter[-1, 0], top], [counter[0, 0], top]]])
        plotter.add_mesh(
            _polygon(pv, fill, 0.0),
            color=METAL_COLOR,
            lighting=False,
            name="counter_metal",
            reset_camera=False,
        )
        plotter.add_mesh(
            _polyline_data(pv, counter, dz),
            color=OUTLINE_COLOR,
            line_width=1.5 * line_px,
            render_lines_as_tubes=True,  # no gaps at polyline joints
            lighting=False,
            name="counter_outline",
            reset_camera=False,
        )

    # Other materials (fillers, ...) in white, and internal boundaries.
    others = frame.triangles[frame.cell_tags != ELECTROLYTE]
    if len(others):
        plotter.add_mesh(
            pv.UnstructuredGrid({pv.CellType.TRIANGLE: others}, _pad3(frame.points_um, 4 * dz)),
            color="white",
            lighting=False,
            name="subdomains",
            reset_camera=False,
        )
        plotter.add_mesh(
            _lines(pv, _boundary_edges(others), frame.points_um, 5 * dz),
            color=OUTLINE_COLOR,
            line_width=line_px,
            render_lines_as_tubes=True,  # no gaps at polyline joints
            lighting=False,
            name="subdomain_outlines",
            reset_camera=False,
        )
    internal = frame.facets[frame.facet_tags >= INTERNAL_FACET_TAG]
    if len(internal):
        plotter.add_mesh(
            _lines(pv, internal, frame.points_um, 5 * dz),
            color=OUTLINE_COLOR,
            line_width=line_px,
            render_lines_as_tubes=True,  # no gaps at polyline joints
            lighting=False,
            name="internal_facets",
            reset_camera=False,
        )

    # Streamlines of the vector field.
    lines = None
    vectors = field_vectors(frame, field)
    if streamlines and vectors is not None:
        lines = _streamlines(pv, frame, vectors, n_streamlines, seeding, anode, counter)
        if lines is not None:
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
            head_um = min(0.022 * view.height_um, 0.8 * view.width_um / max(n_streamlines, 1))
            heads = _arrowheads(pv, lines, head_um, 3.0 * dz) if arrows else None
            if heads is not None:
                plotter.add_mesh(
                    heads,
                    color=STREAMLINE_COLOR,
                    lighting=False,
                    name="arrowheads",
                    reset_camera=False,
                )

    # Annotations.
    u0, v0, u1, v1 = layout.domain
    if bar is not None:
        _add_colorbar(plotter, mesh_actor.mapper.lookup_table, layout, bar, (width, height))
    bar_um = _add_scale_bar(plotter, pv, layout, view, font_px, dz) if scale_bar else 0.0
    if show_time:
        _add_text(plotter, format_time(frame.time_s), (u0, v1 + 0.012), font_px, name="time")
    if title:
        _add_text(
            plotter,
            title,
            (0.5 * (u0 + u1), v1 + 0.012 + 1.5 * font_px / height),
            round(1.15 * font_px),
            halign="center",
            name="title",
        )

    # 2D camera.
    fx, fy = layout.focal
    plotter.camera_position = [(fx, fy, 10.0 * view.height_um), (fx, fy, 0.0), (0.0, 1.0, 0.0)]
    plotter.enable_parallel_projection()
    plotter.camera.parallel_scale = layout.parallel_scale
    plotter.renderer.ResetCameraClippingRange()

    info = SceneInfo(
        field=field,
        clim=(float(clim[0]), float(clim[1])),
        unit=unit,
        unit_factor=factor,
        view=view,
        anode_outline=outline,
        streamlines=lines,
        scale_bar_um=bar_um,
    )
    pv.set_new_attribute(plotter, "lidendrite", info)
    pv.set_new_attribute(plotter, "lidendrite_clim", info.clim)
    return plotter


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ConfigError(f"size {size!r} must be two integers (width, height)") from None
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise ConfigError(f"size {width}x{height} must be 16..16384 pixels on each side")
    return width, height


def save_plotter(plotter: Any, path: Path) -> Path:
    """Write a plotter to an image file; the suffix picks the format.

    ``.png`` (and other raster formats) are screenshots; ``.svg``, ``.pdf`` and ``.eps`` are
    vector exports (GL2PS).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in _RASTER:
        plotter.screenshot(str(path))
    elif suffix in _VECTOR:
        plotter.save_graphic(str(path), raster=True, painter=True)
    else:
        raise ConfigError(f"unknown image format {suffix!r} of {path}; use png, svg or pdf")
    return path


def save_frame(
    frame: FrameData,
    path: Path,
    field: str = "flux",
    *,
    dpi: int | None = None,
    size: tuple[int, int] = (1600, 1200),
    **kwargs: Any,
) -> Path:
    """Render a frame (see :func:`render_frame`) and write it to ``path`` (png, svg or pdf).

    Args:
        frame: The frame.
        path: Output file; its suffix picks the format.
        field: Field to show.
        dpi: Resolution relative to 100 dpi: the window is ``dpi / 100 x size`` pixels, so text
            and lines keep their proportions.
        size: Window size in pixels at 100 dpi.
        **kwargs: Passed to :func:`render_frame`.

    Returns:
        The path written.
    """
    if dpi is not None:
        if not dpi > 0:
            raise ConfigError(f"dpi must be positive, got {dpi}")
        size = (round(size[0] * dpi / 100.0), round(size[1] * dpi / 100.0))
    plotter = render_frame(frame, field, size=size, **kwargs)
    try:
        return save_plotter(plotter, path)
    finally:
        plotter.close()
