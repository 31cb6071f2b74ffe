"""One panel of a paper figure: a frame drawn into a Matplotlib axes.

Draws from the same data as the PyVista scene (:mod:`lidendrite.render.scene`): the electrolyte
triangles coloured by the field (Gouraud shading, rasterized in PDF/SVG at the figure's dpi),
Li metal below the anode polyline and above a Li counter electrode (vector polygons) with their
outlines, the dashed initial Li surface inside a grown deposit, conducting fillers coloured by
the field with an outline in their material's colour, blocking fillers (holes) white with a dark
outline, internal facets, and streamlines with arrowheads (integrated by VTK as in
the scene, drawn as vector lines). Returns what it drew, for the legend and for tests.
:func:`annotate_panel` writes the time stamp, the scale bar and the panel title above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lidendrite.geometry.tags import ANODE, COUNTER
from lidendrite.io.frames import FrameData
from lidendrite.render.fields import field_values, field_vectors, format_time, nice_length
from lidendrite.render.figure_options import FigureOptions
from lidendrite.render.overlays import (
    INITIAL_ANODE_COLOR,
    INTERNAL_FACET_TAG,
    METAL_COLOR,
    OUTLINE_COLOR,
    MaterialStyle,
    boundary_edges,
    boundary_polyline,
    material_styles,
)
from lidendrite.render.polydata import line_cells
from lidendrite.render.streamlines import STREAMLINE_COLOR
from lidendrite.render.view import ViewBox, initial_anode_y, li_counter

__all__ = ["PanelInfo", "annotate_panel", "draw_panel"]


@dataclass
class PanelInfo:
    """What :func:`draw_panel` drew.

    Attributes:
        metal: Li metal was drawn.
        initial_surface: The dashed initial surface was drawn.
        materials: Names of the other materials drawn (fillers, ...).
        styles: How each of them was drawn (outline colour, blocking), for the legend.
        streamlines: The streamlines as (K, 2) polylines in µm, each ordered downstream.
    """

    metal: bool = False
    initial_surface: bool = False
    materials: list[str] = field(default_factory=list)
    styles: list[MaterialStyle] = field(default_factory=list)
    streamlines: list[np.ndarray] = field(default_factory=list)


def draw_panel(
    ax: Any,
    frame: FrameData,
    opts: FigureOptions,
    *,
    view: ViewBox,
    factor: float,
    norm: Any,
    cmap: Any,
    line_pt: float,
) -> PanelInfo:
    """Draw ``frame`` into ``ax`` (equal aspect, no axes frame, limits = ``view``)."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Polygon
    from matplotlib.tri import Triangulation

    info = PanelInfo()
    xy = frame.points_um
    values = field_values(frame, opts.field) * factor
    # every conducting region; blocking fillers are holes (white)
    tri = Triangulation(xy[:, 0], xy[:, 1], frame.triangles)
    ax.tripcolor(tri, values, shading="gouraud", cmap=cmap, norm=norm, rasterized=True, zorder=1)

    anode = boundary_polyline(frame, "anode", ANODE)
    if anode is not None:
        bottom = min(view.y_min_um, float(anode[:, 1].min())) - 0.05 * view.height_um
        fill = np.vstack([anode, [[anode[-1, 0], bottom], [anode[0, 0], bottom]]])
        ax.add_patch(Polygon(fill, closed=True, fc=METAL_COLOR, ec="none", zorder=2))
        ax.plot(anode[:, 0], anode[:, 1], color=OUTLINE_COLOR, lw=1.2 * line_pt, zorder=5)
        info.metal = True
        y0 = initial_anode_y(frame, opts.initial_anode_y_um)
        depth = 0.02 * view.height_um
        if (
            opts.show_initial_anode
            and y0 is not None
            and view.y_min_um < y0 < float(anode[:, 1].min()) - depth
        ):
            ax.plot(
                [anode[0, 0], anode[-1, 0]],
                [y0, y0],
                color=INITIAL_ANODE_COLOR,
                lw=line_pt,
                ls=(0, (4, 3)),
                zorder=3,
            )
            info.initial_surface = True
    counter = boundary_polyline(frame, "counter", COUNTER)
    if counter is not None and li_counter(frame):
        top = max(view.y_max_um, float(counter[:, 1].max())) + 0.05 * view.height_um
        fill = np.vstack([counter, [[counter[-1, 0], top], [counter[0, 0], top]]])
        ax.add_patch(Polygon(fill, closed=True, fc=METAL_COLOR, ec="none", zorder=2))
        ax.plot(counter[:, 0], counter[:, 1], color=OUTLINE_COLOR, lw=1.2 * line_pt, zorder=5)
        info.metal = True

    info.styles = material_styles(frame)
    info.materials = [s.name for s in info.styles]
    # larger regions first, so that a core's outline lies over its shell's inner one
    for style in sorted(info.styles, key=lambda s: -int(np.sum(frame.cell_tags == s.tag))):
        if not style.blocking:
            edges = boundary_edges(frame.triangles[frame.cell_tags == style.tag])
            ax.add_collection(
                LineCollection(xy[edges], colors=style.color, lw=1.2 * line_pt, zorder=7)
            )
    internal = frame.facets[frame.facet_tags >= INTERNAL_FACET_TAG]
    if len(internal):
        ax.add_collection(LineCollection(xy[internal], colors=OUTLINE_COLOR, lw=line_pt, zorder=7))

    vectors = field_vectors(frame, opts.field)
    if opts.streamlines and vectors is not None and opts.n_streamlines > 0:
        info.streamlines = _draw_streamlines(
            ax, frame, vectors, opts, view, anode, counter, line_pt
        )

    ax.set_xlim(view.x_min_um, view.x_max_um)
    ax.set_ylim(view.y_min_um, view.y_max_um)
    ax.set_aspect("equal", adjustable="box", anchor="C")
    ax.set_axis_off()
    return info


def _draw_streamlines(
    ax: Any,
    frame: FrameData,
    vectors: np.ndarray,
    opts: FigureOptions,
    view: ViewBox,
    anode: np.ndarray | None,
    counter: np.ndarray | None,
    line_pt: float,
) -> list[np.ndarray]:
    from matplotlib.collections import LineCollection, PolyCollection

    from lidendrite.render._backend import pyvista
    from lidendrite.render.streamlines import arrowheads, streamlines

    pv = pyvista()
    lines = streamlines(pv, frame, vectors, opts.n_streamlines, opts.seeding, anode, counter)
    if lines is None:
        return []
    points = np.asarray(lines.points)[:, :2]
    pieces = [points[ids] for ids in line_cells(lines) if len(ids) > 1]
    ax.add_collection(
        LineCollection(pieces, colors=STREAMLINE_COLOR, lw=0.8 * line_pt, alpha=0.9, zorder=4)
    )
    if opts.arrows:
        head = min(0.03 * view.height_um, 0.8 * view.width_um / max(opts.n_streamlines, 1))
        heads = arrowheads(pv, lines, head, 0.0)
        if heads is not None:
            faces = np.asarray(heads.faces).reshape(-1, 4)[:, 1:]
            tris = np.asarray(heads.points)[:, :2][faces]
            ax.add_collection(PolyCollection(tris, fc=STREAMLINE_COLOR, ec="none", zorder=4))
    return pieces


def annotate_panel(
    ax: Any,
    frame: FrameData,
    view: ViewBox,
    opts: FigureOptions,
    title: str | None,
    font: float,
    line_pt: float,
) -> None:
    """Time stamp (top left), scale bar (top right) and panel title, above the panel."""
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    fig = ax.figure
    lift = ScaledTranslation(0, 2.5 / 72, fig.dpi_scale_trans)
    top = blended_transform_factory(ax.transData, ax.transAxes) + lift
    row_pt = 0.0
    if opts.show_time:
        ax.text(
            view.x_min_um,
            1.0,
            format_time(frame.time_s),
            transform=top,
            va="bottom",
            ha="left",
            fontsize=font,
        )
        row_pt = 1.2 * font
    if opts.scale_bar:
        length = nice_length(min(0.4 * view.width_um, max(view.width_um, view.height_um) / 5.0))
        x1, x0 = view.x_max_um, view.x_max_um - length
        ax.plot(
            [x0, x1],
            [1.0, 1.0],
            transform=top,
            color="black",
            lw=1.5 * line_pt + 0.4,
            solid_capstyle="butt",
            clip_on=False,
        )
        text = f"{length:g} µm" if length >= 1.0 or length < 1e-3 else f"{length * 1e3:g} nm"
        bar_lift = ScaledTranslation(0, 1.5 / 72, fig.dpi_scale_trans)
        ax.text(
            0.5 * (x0 + x1),
            1.0,
            text,
            transform=top + bar_lift,
            va="bottom",
            ha="center",
            fontsize=font,
        )
        row_pt = 1.2 * font + 1.5
    if title:
        above = ScaledTranslation(0, (row_pt + 2.0) / 72, fig.dpi_scale_trans)
        ax.text(
            0.5,
            1.0,
            title,
            transform=ax.transAxes + lift + above,
            va="bottom",
            ha="center",
            fontsize=font + 1,
        )
