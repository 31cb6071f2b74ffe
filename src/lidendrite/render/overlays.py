"""Geometry layers drawn over the coloured electrolyte: Li metal, surfaces, other materials.

Owns the boundary polylines of a frame (the saved ``frame.boundaries``, else the tagged facets
chained into a path) and the layers drawn from them: the Li deposit fill below the anode and,
for a Li counter electrode, the metal above the counter polyline, with their outlines; the
dashed initial Li surface inside a grown deposit; the outline of every conducting material
other than the matrix (fillers, shells, layers, grain boundaries: cell tag != 1) in its own
colour (:func:`material_styles`; the field colours them like the electrolyte); internal facets
(tag >= 5: the boundaries of blocking fillers, which are holes and stay white) as dark lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lidendrite.geometry.tags import ELECTROLYTE, FILLERS
from lidendrite.io.frames import FrameData
from lidendrite.render.polydata import polygon, polyline_data, polyline_pieces, segment_lines
from lidendrite.render.view import ViewBox

__all__ = [
    "INITIAL_ANODE_COLOR",
    "INTERNAL_FACET_TAG",
    "MATERIAL_COLORS",
    "METAL_COLOR",
    "add_material_legend",
    "OUTLINE_COLOR",
    "MaterialStyle",
    "add_anode_metal",
    "add_counter_metal",
    "add_other_materials",
    "boundary_edges",
    "boundary_polyline",
    "chain_facets",
    "initial_surface_dashes",
    "material_styles",
]

METAL_COLOR = "#b8bcc2"
"""Fill colour of Li metal (light silver)."""
OUTLINE_COLOR = "#262626"
"""Colour of the Li surface, filler outlines and internal facets."""
INITIAL_ANODE_COLOR = "#70757d"
"""Colour of the dashed initial Li surface."""
INTERNAL_FACET_TAG = 5
"""Facet tags from this value upwards are internal boundaries (drawn as lines)."""
MATERIAL_COLORS = ("#d81b60", "#1e88e5", "#ffb000", "#00897b", "#8e24aa", "#f4511e")
"""Outline colours of the conducting materials, by cell tag (2, 3, ...), cycling."""


@dataclass(frozen=True)
class MaterialStyle:
    """How one material other than the matrix is drawn (and named in a legend)."""

    name: str
    tag: int
    color: str
    """Outline colour (white fill and a dark outline for a blocking one)."""
    blocking: bool


def material_styles(frame: FrameData) -> list[MaterialStyle]:
    """The materials of a frame other than the matrix electrolyte, in tag order.

    Conducting ones are those with cells; blocking ones (holes) are named in
    ``meta['blocking_materials']`` and drawn only when the frame has filler-hole facets.
    """
    registry = dict(frame.meta.get("tags", {}).get("materials", {}))
    present = {int(t) for t in np.unique(frame.cell_tags)} - {ELECTROLYTE}
    named = {int(t): str(n) for n, t in registry.items()}
    out = [
        MaterialStyle(
            named.get(t, f"material {t}").replace("_", " "),
            t,
            MATERIAL_COLORS[(t - 2) % len(MATERIAL_COLORS)],
            False,
        )
        for t in sorted(present)
    ]
    if np.any(frame.facet_tags == FILLERS):
        for name in frame.meta.get("blocking_materials", []):
            tag = int(registry.get(name, -1))
            out.append(MaterialStyle(str(name).replace("_", " "), tag, OUTLINE_COLOR, True))
    return out


def chain_facets(frame: FrameData, tag: int) -> np.ndarray | None:
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


def boundary_polyline(frame: FrameData, name: str, tag: int) -> np.ndarray | None:
    """Boundary polyline from ``frame.boundaries`` (or chained facets), ordered left to right."""
    line = frame.boundaries.get(name)
    if line is None or len(line) < 2:
        line = chain_facets(frame, tag)
    if line is None or len(line) < 2:
        return None
    line = np.asarray(line, dtype=np.float64)
    return line[::-1] if line[0, 0] > line[-1, 0] else line


def initial_surface_dashes(
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


def boundary_edges(triangles: np.ndarray) -> np.ndarray:
    """(E, 2) edges that belong to exactly one triangle of ``triangles``."""
    edges = np.sort(triangles[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    unique, counts = np.unique(edges, axis=0, return_counts=True)
    return unique[counts == 1]


def _add_outline(
    plotter: Any, poly: Any, line_px: float, name: str, color: str = OUTLINE_COLOR
) -> None:
    plotter.add_mesh(
        poly,
        color=color,
        line_width=line_px,
        render_lines_as_tubes=True,  # no gaps at polyline joints
        lighting=False,
        name=name,
        reset_camera=False,
    )


def add_anode_metal(
    plotter: Any,
    pv: Any,
    anode: np.ndarray,
    view: ViewBox,
    *,
    initial_y_um: float | None,
    show_initial_anode: bool,
    line_px: float,
    dz: float,
) -> Any:
    """Li metal below the anode polyline, its outline and the dashed initial surface.

    The dashes are drawn when ``show_initial_anode`` and the deposit has grown past the
    initial height ``initial_y_um`` (by 2 % of the view height) everywhere.

    Returns:
        The outline poly data (actor ``anode_outline``).
    """
    bottom = min(view.y_min_um, float(anode[:, 1].min()))
    fill = np.vstack([anode, [[anode[-1, 0], bottom], [anode[0, 0], bottom]]])
    plotter.add_mesh(
        polygon(pv, fill, 0.0),
        color=METAL_COLOR,
        lighting=False,
        name="anode_metal",
        reset_camera=False,
    )
    outline = polyline_data(pv, anode, dz)
    _add_outline(plotter, outline, 1.5 * line_px, "anode_outline")
    if show_initial_anode and initial_y_um is not None:
        dashes = initial_surface_dashes(anode, initial_y_um, bottom, 0.02 * view.height_um)
        if dashes is not None:
            plotter.add_mesh(
                polyline_pieces(pv, dashes, dz),
                color=INITIAL_ANODE_COLOR,
                line_width=line_px,
                render_lines_as_tubes=True,
                lighting=False,
                name="initial_anode",
                reset_camera=False,
            )
    return outline


def add_counter_metal(
    plotter: Any, pv: Any, counter: np.ndarray, view: ViewBox, *, line_px: float, dz: float
) -> None:
    """Li metal above the counter polyline (a Li counter electrode) and its outline."""
    top = max(view.y_max_um, float(counter[:, 1].max()))
    fill = np.vstack([counter, [[counter[-1, 0], top], [counter[0, 0], top]]])
    plotter.add_mesh(
        polygon(pv, fill, 0.0),
        color=METAL_COLOR,
        lighting=False,
        name="counter_metal",
        reset_camera=False,
    )
    _add_outline(plotter, polyline_data(pv, counter, dz), 1.5 * line_px, "counter_outline")


def add_other_materials(
    plotter: Any, pv: Any, frame: FrameData, *, line_px: float, dz: float
) -> list[MaterialStyle]:
    """The outline of every conducting material in its colour, and internal facets.

    Actors ``outline_<name>`` (one per conducting material) and ``internal_facets`` (the
    boundaries of blocking fillers and other internal facets). Returns the styles drawn.
    """
    styles = material_styles(frame)
    # larger regions first, so that a core's outline lies over its shell's inner one
    for style in sorted(styles, key=lambda s: -int(np.sum(frame.cell_tags == s.tag))):
        if style.blocking:
            continue
        edges = boundary_edges(frame.triangles[frame.cell_tags == style.tag])
        _add_outline(
            plotter,
            segment_lines(pv, edges, frame.points_um, 5 * dz),
            line_px,
            f"outline_{style.name}",
            color=style.color,
        )
    internal = frame.facets[frame.facet_tags >= INTERNAL_FACET_TAG]
    if len(internal):
        _add_outline(
            plotter,
            segment_lines(pv, internal, frame.points_um, 5 * dz),
            line_px,
            "internal_facets",
        )
    return styles


def add_material_legend(plotter: Any, styles: list[MaterialStyle], metal: bool) -> None:
    """A legend in the lower right naming Li metal and every other material by its colour.

    Blocking materials are listed with their dark outline colour (they are drawn white with it).
    Nothing is added for a cell of one material.
    """
    if not styles:
        return
    labels = [["Li metal", METAL_COLOR]] if metal else []
    labels += [[s.name + (" (blocking)" if s.blocking else ""), s.color] for s in styles]
    plotter.add_legend(
        labels=labels,
        bcolor="white",
        border=True,
        face="rectangle",
        loc="lower right",
        size=(0.22, 0.05 * len(labels)),
        name="materials_legend",
    )
