"""Synthetic frames and run directories with analytic fields, for the frame and render tests.

The electrolyte is a structured triangulation of a W x T cell whose bottom (the anode) is
``y = y0 + a cos(2 pi (x - W/2) / W)`` and whose top (the counter electrode) is ``y = T``.

Fields:
- flat anode (a = 0): uniform downward Li+ flux (0, -q);
- wavy anode: the flux ``-q grad(y - A cos(kx') exp(-k y))`` (divergence-free, converging on the
  tip at x = W/2);
- concentration linear in y: ``c = c0 (1 + beta (y - T/2) / T)``; potential linear in y;
- ionic current density ``F x flux``, named ``ionic_current_density_A_per_m2`` (or, with
  ``legacy_names=True``, ``current_density_A_per_m2`` as in frames written before the rename).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import yaml

from lidendrite.constants import FARADAY_C_PER_MOL
from lidendrite.io.frames import FrameData, write_frame
from lidendrite.io.vtk_xml import write_pvd, write_vtu

FLUX_MOL_PER_M2_S = 3.0 / FARADAY_C_PER_MOL  # 0.3 mA/cm^2
C0_MOL_PER_M3 = 1000.0
BETA = 0.2


def anode_height_um(x_um: np.ndarray, width_um: float, amplitude_um: float, y0_um: float):
    """Analytic bottom boundary."""
    return y0_um + amplitude_um * np.cos(2.0 * np.pi * (x_um - 0.5 * width_um) / width_um)


def make_frame(
    *,
    width_um: float = 5.0,
    thickness_um: float = 3.0,
    nx: int = 25,
    ny: int = 15,
    amplitude_um: float = 0.0,
    y0_um: float = 0.0,
    time_s: float = 0.0,
    step: int = 0,
    segment: int = 0,
    flux_mol_per_m2_s: float = FLUX_MOL_PER_M2_S,
    counter_electrode: str = "lithium",
    filler: bool = False,
    particles: bool = False,
    jitter: float = 0.0,
    seed: int = 0,
    legacy_names: bool = False,
) -> FrameData:
    """A synthetic frame (see the module docstring)."""
    W, T = width_um, thickness_um
    xs = np.linspace(0.0, W, nx + 1)
    if jitter:  # a different (but still valid) mesh, as after a remesh
        rng = np.random.default_rng(seed)
        xs[1:-1] += rng.uniform(-jitter, jitter, nx - 1) * (W / nx)
    yb = anode_height_um(xs, W, amplitude_um, y0_um)
    s = np.linspace(0.0, 1.0, ny + 1)
    X = np.repeat(xs[None, :], ny + 1, axis=0)
    Y = yb[None, :] + s[:, None] * (T - yb[None, :])
    points = np.column_stack([X.ravel(), Y.ravel()])

    def vid(i, j):
        return j * (nx + 1) + i

    tris = []
    for j in range(ny):
        for i in range(nx):
            a, b, c, d = vid(i, j), vid(i + 1, j), vid(i, j + 1), vid(i + 1, j + 1)
            tris += [[a, b, d], [a, d, c]]
    triangles = np.array(tris, dtype=np.int64)

    cell_tags = np.ones(len(triangles), dtype=np.int32)
    if filler:
        centroid = points[triangles].mean(axis=1)
        r = np.hypot(centroid[:, 0] - 0.3 * W, centroid[:, 1] - 0.6 * T)
        cell_tags[r < 0.12 * T] = 2

    hole_facets = np.zeros((0, 2), dtype=np.int64)
    if particles:  # a conducting disc "pba" in a shell "shell", and a blocking hole "ins"
        centroid = points[triangles].mean(axis=1)
        r = np.hypot(centroid[:, 0] - 0.3 * W, centroid[:, 1] - 0.6 * T)
        cell_tags[r < 0.16 * T] = 3  # the shell
        cell_tags[r < 0.1 * T] = 2  # the core
        hole = np.hypot(centroid[:, 0] - 0.75 * W, centroid[:, 1] - 0.6 * T) < 0.12 * T
        kept, gone = triangles[~hole], triangles[hole]

        def edge_set(t):
            return {tuple(e) for e in np.sort(t[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)}

        hole_facets = np.array(sorted(edge_set(kept) & edge_set(gone)), dtype=np.int64)
        triangles, cell_tags = kept, cell_tags[~hole]

    x, y = points[:, 0], points[:, 1]
    q = flux_mol_per_m2_s
    current_name = "current_density_A_per_m2" if legacy_names else "ionic_current_density_A_per_m2"
    if amplitude_um == 0.0:
        flux = np.column_stack([np.zeros_like(x), np.full_like(x, -q)])
    else:
        k = 2.0 * np.pi / W
        damp = amplitude_um * k * np.exp(-k * (y - y0_um))
        xp = x - 0.5 * W
        flux = -q * np.column_stack([damp * np.sin(k * xp), 1.0 + damp * np.cos(k * xp)])
    c_cation = C0_MOL_PER_M3 * (1.0 + BETA * (y - 0.5 * T) / T)
    potential = 0.01 * (y / T) - 0.005

    bottom = [(vid(i, 0), vid(i + 1, 0)) for i in range(nx)]
    top = [(vid(i, ny), vid(i + 1, ny)) for i in range(nx)]
    left = [(vid(0, j), vid(0, j + 1)) for j in range(ny)]
    right = [(vid(nx, j), vid(nx, j + 1)) for j in range(ny)]
    facets = np.array(bottom + top + left + right, dtype=np.int64)
    facet_tags = np.repeat(np.array([1, 2, 3, 4], dtype=np.int32), [nx, nx, ny, ny])
    if len(hole_facets):
        facets = np.vstack([facets, hole_facets])
        facet_tags = np.r_[facet_tags, np.full(len(hole_facets), 5, dtype=np.int32)]

    return FrameData(
        time_s=time_s,
        step=step,
        segment=segment,
        points_um=points,
        triangles=triangles,
        cell_tags=cell_tags,
        point_data={
            "c_cation_mol_per_m3": c_cation,
            "c_anion_mol_per_m3": c_cation.copy(),
            "potential_V": potential,
            "flux_cation_mol_per_m2_s": flux,
            current_name: FARADAY_C_PER_MOL * flux,
        },
        boundaries={
            "anode": points[[vid(i, 0) for i in range(nx + 1)]],
            "counter": points[[vid(i, ny) for i in range(nx + 1)]],
        },
        facets=facets,
        facet_tags=facet_tags,
        meta={
            "title": "synthetic cell",
            "width_um": W,
            "thickness_um": T,
            "current_density_A_per_m2": 3.0,
            "temperature_K": 318.0,
            "counter_electrode": counter_electrode,
            "initial_anode_y_um": 0.0,
            "units": {"c_cation_mol_per_m3": "mol/m^3", "potential_V": "V"},
        }
        | (
            {
                "tags": {
                    "materials": {"electrolyte": 1, "pba": 2, "shell": 3, "ins": 4},
                    "electrodes": {"anode": 1, "counter": 2},
                    "walls": {"left": 3, "right": 4, "fillers": 5},
                },
                "blocking_materials": ["ins"],
            }
            if particles
            else {}
        ),
    )


def make_run(
    run_dir: Path,
    n_frames: int = 4,
    *,
    remesh_at: int | None = None,
    title: str = "synthetic run",
    preset: str = "LPC",
    growth_um: float = 0.4,
    vtu: bool = False,
) -> list[FrameData]:
    """Write a run directory of ``n_frames`` frames with a growing bump.

    From frame ``remesh_at`` on, the mesh is a different one (segment 1), as after a remesh.
    Also writes ``metrics.csv``, ``status.json`` and ``config.resolved.yaml``.
    """
    run_dir = Path(run_dir)
    frames = []
    entries = []
    for i in range(n_frames):
        remeshed = remesh_at is not None and i >= remesh_at
        frame = make_frame(
            amplitude_um=growth_um * i / max(n_frames - 1, 1),
            y0_um=0.05 * i,
            time_s=30.0 * i,
            step=10 * i,
            segment=1 if remeshed else 0,
            nx=31 if remeshed else 25,
            ny=17 if remeshed else 15,
            jitter=0.3 if remeshed else 0.0,
            seed=i,
        )
        write_frame(run_dir, i, frame)
        if vtu:
            name = f"fields/frame_{i:05d}.vtu"
            write_vtu(run_dir / name, frame)
            entries.append((frame.time_s, name))
            write_pvd(run_dir / "fields.pvd", entries)
        frames.append(frame)
    with open(run_dir / "metrics.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time_s", "tip_height_um", "voltage_V", "note"])
        for f in frames:
            tip = float(f.boundaries["anode"][:, 1].max())
            w.writerow([f.time_s, tip, 0.01 + 1e-4 * f.time_s, "ok"])
    (run_dir / "status.json").write_text(json.dumps({"state": "finished", "frames": n_frames}))
    config = {"title": title, "electrolyte": {"preset": preset}, "cell": {"width_um": 5.0}}
    (run_dir / "config.resolved.yaml").write_text(yaml.safe_dump(config))
    return frames
