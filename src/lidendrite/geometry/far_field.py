"""The far field of a thick membrane: the meshed window continued by a coarse graded strip.

With ``cell.membrane_thickness_um`` larger than the window ``cell.thickness_um`` the counter
electrode sits at the top of the membrane and the same mesh continues above the window: the
element size there grows geometrically, by :data:`GROWTH` per element, from the bulk size at the
window top up to ``max_size_um`` (the cell width, or the bulk size if larger), so the strip is
effectively 1-D and costs a few elements per width across. Near a Li counter electrode the usual
refinement towards it returns. The window's own sizes are left as configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gmsh

from lidendrite.geometry.filler_mesh import graded_size_field

if TYPE_CHECKING:
    from lidendrite.config import Config

__all__ = [
    "GROWTH",
    "far_counter_spacing_um",
    "far_field_of",
    "far_field_size_field",
    "far_field_size_um",
    "membrane_thickness_um",
]

#: Relative growth of the element size per element above the window.
GROWTH = 0.25
#: Slope (1/µm) with which the growing size drops away below the window top (so that it never
#: coarsens the window).
_STEEP = 50.0


def far_field_size_um(distance_um: float, size_bulk_um: float, max_size_um: float) -> float:
    """Element size at ``distance_um`` above the window top (or beyond a counter's grading)."""
    return min(max_size_um, size_bulk_um + GROWTH * max(distance_um, 0.0))


def _growing(distance: str, size_bulk_um: float, max_size_um: float) -> int:
    """MathEval field growing from the bulk size with ``distance`` ≥ 0, dropping away below 0."""
    field = gmsh.model.mesh.field
    f = field.add("MathEval")
    expr = (
        f"Min({max_size_um!r}, {size_bulk_um!r} + {GROWTH!r}*({distance}) "
        f"+ {_STEEP!r}*Min({distance}, 0))"
    )
    field.setString(f, "F", expr)
    return f


def _combine(kind: str, fields: list[int]) -> int:
    field = gmsh.model.mesh.field
    f = field.add(kind)
    field.setNumbers(f, "FieldsList", fields)
    return f


def far_field_size_field(
    near: int,
    counter_curves: list[int] | None,
    *,
    window_um: float,
    counter_y_um: float,
    size_at_anode_um: float,
    size_bulk_um: float,
    grading_distance_um: float,
    max_size_um: float,
) -> int:
    """The size field of window + far field (rank 0, current Gmsh model).

    ``near`` is the field of the window (the anode grading, fillers); ``counter_curves`` the
    Li counter electrode's curves (refined as near the anode), or ``None`` for a reservoir.
    Sizes: min(max(near, grow(y − window)), max(counter grading, grow(y_c − y − grading))).
    """
    up = _growing(f"y - {window_um!r}", size_bulk_um, max_size_um)
    out = _combine("Max", [near, up])
    if counter_curves:
        counter = graded_size_field(
            counter_curves, size_at_anode_um, size_bulk_um, grading_distance_um
        )
        down = _growing(
            f"{counter_y_um!r} - y - {grading_distance_um!r}", size_bulk_um, max_size_um
        )
        out = _combine("Min", [out, _combine("Max", [counter, down])])
    return out


def membrane_thickness_um(cfg: Config) -> float:
    """Plating electrode to counter electrode through the whole membrane, µm."""
    return cfg.cell.membrane_thickness_um or cfg.cell.thickness_um


def far_field_of(cfg: Config) -> dict[str, float]:
    """The :func:`build_cell` arguments of the far field ({} when the window is the cell)."""
    if membrane_thickness_um(cfg) <= cfg.cell.thickness_um:
        return {}
    return {
        "window_um": cfg.cell.thickness_um,
        "far_field_max_size_um": max(cfg.cell.width_um, cfg.mesh.size_bulk_um),
    }


def far_counter_spacing_um(cfg: Config) -> float:
    """Vertex spacing of a reservoir counter electrode at the top of the far field, µm."""
    return far_field_size_um(
        membrane_thickness_um(cfg) - cfg.cell.thickness_um,
        cfg.mesh.size_bulk_um,
        max(cfg.cell.width_um, cfg.mesh.size_bulk_um),
    )
