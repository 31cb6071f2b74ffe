"""What ``lidendrite check`` prints: the resolved case, derived numbers, regions, warnings.

Builds the report as lines (the CLI prints them on rank 0); only the optional mesh line is
collective (it meshes the cell).
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Sequence
from typing import Any

from lidendrite.case import Case
from lidendrite.config import Config, config_hash
from lidendrite.plausibility import applicable_derived, config_warnings

__all__ = ["check_report", "table"]


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows as left-aligned columns."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    ]


def _mesh_report(comm: Any, cfg: Config) -> str:
    """Build the cell mesh (collective) and describe it in one line."""
    try:
        from lidendrite.geometry.cell import cell_from_config
    except ImportError as exc:
        return f"mesh: not built (the geometry module is not available: {exc})"
    built = cell_from_config(comm, cfg)
    mesh = getattr(built, "mesh", None)
    if mesh is None and isinstance(built, tuple | list):
        mesh = built[0]
    mesh = mesh if mesh is not None else built
    try:
        topology = mesh.topology
        n_cells = topology.index_map(topology.dim).size_global
        n_vertices = topology.index_map(0).size_global
    except AttributeError:
        return f"mesh: built ({type(built).__name__}), sizes not available"
    return f"mesh: {n_cells} cells, {n_vertices} vertices"


def _numerics_line(cfg: Config) -> str:
    """The resolved numerics and output settings in one line (what a run will use)."""
    num, every = cfg.numerics, cfg.output.every_s
    items = [f"{k} {v}" for k, v in dataclasses.asdict(num).items()]
    items.append(f"output every {every:g} s" if every is not None else "output: 40 frames")
    return ", ".join(items)


def check_report(path: str, cfg: Config, comm: Any = None, mesh: bool = False) -> list[str]:
    """The lines of ``lidendrite check`` for a loaded config (``mesh``: build it, collective)."""
    out: list[str] = []
    derived = Case.from_config(cfg).derived  # no mesh, no DOLFINx
    el = cfg.electrolyte
    source = f"preset {el.preset}" if el.preset else "given transport properties"
    out.append(f"{path}: valid (config hash {config_hash(cfg)})")
    out.append(f"title: {cfg.title}")
    out.append(
        f"cell: {cfg.cell.width_um:g} x {cfg.cell.thickness_um:g} um"
        + (
            f" (window of a {m:g} um membrane: far field above it)"
            if (m := cfg.cell.membrane_thickness_um) and m > cfg.cell.thickness_um
            else ""
        )
        + ", anode "
        f"{cfg.cell.anode.shape}, counter electrode {cfg.cell.counter_electrode}; "
        f"electrolyte: {source}; {cfg.operation.mode}, {len(cfg.operation.protocol)} step(s) "
        f"x {cfg.operation.repeat}, {cfg.total_duration_s:g} s"
    )
    for i, f in enumerate(cfg.cell.fillers):
        if (phi := getattr(getattr(f, "layout", None), "realised_area_fraction", None)) is not None:
            out.append(
                f"cell.fillers[{i}]: realised area fraction {phi:.4f} "
                f"(target {f.layout.area_fraction:g})"
            )
    out.append("derived quantities:")
    shown = applicable_derived(derived)
    out += table([(name, f"{v:.6g}", unit, desc) for name, (v, unit, desc) in shown.items()])
    if cfg.materials:
        from lidendrite.regions import region_rows

        out.append("regions (at the cell temperature, in equilibrium with the matrix):")
        out += table(region_rows(cfg))
    out.append("numerics (resolved):")
    out += [f"  {line}" for line in textwrap.wrap(_numerics_line(cfg), width=96)]
    if mesh:
        out.append(_mesh_report(comm, cfg))
    warnings = config_warnings(cfg, derived)
    out += [f"warning: {w}" for w in warnings] or ["no warnings"]
    return out
