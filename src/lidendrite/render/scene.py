"""Render one frame with PyVista: the coloured field, flux streamlines, Li metal, fillers.

The look follows the finite-element snapshots of Zhu et al., PNAS 2023, Fig. 4G–J: colour is
the magnitude of the Li⁺ flux, streamlines show its direction, Li metal is at the bottom, fillers
are white, and a scale bar gives the length. The view is 2D (camera on +z, parallel
projection), the background white. Everything is drawn from a :class:`~lidendrite.io.frames.
FrameData`; nothing here needs MPI or DOLFINx.

This module owns the top level: :func:`render_frame` (colour range, window, the electrolyte
coloured by the field, stacking the layers, the 2D camera), :class:`SceneInfo`, and writing
images (:func:`save_frame`, :func:`save_plotter`). The layers come from
:mod:`~lidendrite.render.overlays` (Li metal, initial surface, fillers, internal facets),
:mod:`~lidendrite.render.streamlines` and :mod:`~lidendrite.render.annotations` (colour bar,
scale bar, time, title); the framing from :mod:`~lidendrite.render.view`.

Layers, back to front: every conducting region (electrolyte and conducting fillers) coloured by
the field; Li metal (below the anode polyline and, for a Li counter electrode, above the counter
polyline) and its outline; streamlines and arrowheads; the outline of every material other than
the matrix in its own colour, and internal facets (tag >= 5: blocking fillers are holes, white
with a dark outline); text (time, title, colour bar, scale bar).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from lidendrite.errors import ConfigError
from lidendrite.geometry.tags import ANODE, COUNTER
from lidendrite.io.frames import FrameData
from lidendrite.render._backend import pyvista
from lidendrite.render.annotations import (
    ColorBar,
    add_colorbar,
    add_scale_bar,
    add_time_and_title,
)
from lidendrite.render.fields import (
    data_range,
    field_spec,
    field_values,
    field_vectors,
    point_fields,
    resolve_unit,
)
from lidendrite.render.options import FrameOptions, frame_options
from lidendrite.render.overlays import (
    METAL_COLOR,
    add_anode_metal,
    add_counter_metal,
    add_material_legend,
    add_other_materials,
    boundary_polyline,
)
from lidendrite.render.polydata import pad3
from lidendrite.render.streamlines import add_streamlines
from lidendrite.render.view import ViewBox, fit_layout, initial_anode_y, li_counter, view_box

__all__ = [
    "METAL_COLOR",
    "FrameOptions",
    "SceneInfo",
    "ViewBox",
    "frame_to_grid",
    "render_frame",
    "save_frame",
    "save_plotter",
    "view_box",
]

_RASTER = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
_VECTOR = {".svg", ".pdf", ".eps", ".ps", ".tex"}


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
        materials: The materials other than the matrix, with their outline colours.
    """

    field: str
    clim: tuple[float, float]
    unit: str
    unit_factor: float
    view: ViewBox
    anode_outline: Any = None
    streamlines: Any = None
    scale_bar_um: float = 0.0
    materials: list = dataclass_field(default_factory=list)


def frame_to_grid(frame: FrameData) -> Any:
    """The frame as a :class:`pyvista.UnstructuredGrid` (µm, z = 0).

    All point data are attached by today's names (legacy names replaced; 2D vectors padded to
    3 components) and the cell tags are the cell array ``cell_tags``.
    """
    pv = pyvista()
    grid = pv.UnstructuredGrid({pv.CellType.TRIANGLE: frame.triangles}, pad3(frame.points_um))
    for name, values in point_fields(frame).items():
        grid.point_data[name] = pad3(values) if values.ndim == 2 else values
    grid.cell_data["cell_tags"] = frame.cell_tags
    return grid


def render_frame(
    frame: FrameData, options: FrameOptions | str | None = None, **overrides: Any
) -> Any:
    """Draw one frame into an off-screen :class:`pyvista.Plotter`.

    Called as ``render_frame(frame, FrameOptions(...))``, or with the field name and keyword
    options, ``render_frame(frame, "flux", size=(800, 600), title="...")``.

    Args:
        frame: The frame.
        options: How to draw it (see :class:`~lidendrite.render.options.FrameOptions`); a
            string is the field name; ``None``: the defaults.
        **overrides: :class:`~lidendrite.render.options.FrameOptions` fields replacing those
            of ``options`` (``field``, ``clim``, ``size``, ``title``, ``n_streamlines``, ...).

    Returns:
        The plotter (not shown). ``plotter.lidendrite`` is a :class:`SceneInfo` and
        ``plotter.lidendrite_clim`` the colour range used (SI units of the field).

    Raises:
        ConfigError: Unknown field, missing data, or a bad ``clim``/``size``/``dpi``.
        TypeError: An override that is not an option.
    """
    opts = frame_options(options, **overrides)
    field = opts.field
    pv = pyvista()
    spec = field_spec(field)
    width, height = opts.pixel_size
    values = field_values(frame, field)
    clim = opts.clim if opts.clim is not None else data_range([frame], field)
    unit, factor = resolve_unit(field, opts.unit)
    lo, hi = clim[0] * factor, clim[1] * factor
    if hi <= lo:  # a uniform field: widen the colour range so that a colour map exists
        pad = 0.05 * abs(lo) if lo != 0.0 else 1.0
        lo, hi = lo - pad, hi + pad
    view = opts.view or view_box(frame, initial_anode_y_um=opts.initial_anode_y_um)
    font_px = max(10, round(0.026 * height))
    bar = ColorBar.build((lo, hi), spec.label, unit, font_px) if opts.colorbar else None
    layout = fit_layout(
        view,
        (width, height),
        top=(0.86 if opts.title else 0.91),
        right_block=(bar.block_px / width if bar else 0.0),
    )
    line_px = max(1.0, height / 700.0)
    dz = 1e-3 * max(view.width_um, view.height_um)

    plotter = pv.Plotter(off_screen=True, window_size=(width, height))
    plotter.set_background("white")
    plotter.enable_anti_aliasing("msaa")

    # Every conducting region (electrolyte, conducting fillers, shells, layers), coloured;
    # blocking fillers are holes of the mesh and stay white.
    grid = pv.UnstructuredGrid({pv.CellType.TRIANGLE: frame.triangles}, pad3(frame.points_um))
    grid.point_data["shown"] = values * factor
    mesh_actor = plotter.add_mesh(
        grid,
        scalars="shown",
        cmap=opts.cmap or spec.cmap,
        clim=(lo, hi),
        show_scalar_bar=False,
        lighting=False,
        name="field",
        reset_camera=False,
    )

    # Li metal; the outline of every other material, and internal boundaries.
    anode = boundary_polyline(frame, "anode", ANODE)
    counter = boundary_polyline(frame, "counter", COUNTER)
    outline = None
    if anode is not None:
        outline = add_anode_metal(
            plotter,
            pv,
            anode,
            view,
            initial_y_um=initial_anode_y(frame, opts.initial_anode_y_um),
            show_initial_anode=opts.show_initial_anode,
            line_px=line_px,
            dz=dz,
        )
    if counter is not None and li_counter(frame):
        add_counter_metal(plotter, pv, counter, view, line_px=line_px, dz=dz)
    materials = add_other_materials(plotter, pv, frame, line_px=line_px, dz=dz)
    if opts.legend:
        add_material_legend(plotter, materials, metal=anode is not None)

    # Streamlines of the vector field.
    lines = None
    vectors = field_vectors(frame, field)
    if opts.streamlines and vectors is not None:
        lines = add_streamlines(
            plotter,
            pv,
            frame,
            vectors,
            view,
            n=opts.n_streamlines,
            seeding=opts.seeding,
            arrows=opts.arrows,
            anode=anode,
            counter=counter,
            line_px=line_px,
            dz=dz,
        )

    # Annotations.
    if bar is not None:
        add_colorbar(plotter, mesh_actor.mapper.lookup_table, layout, bar, (width, height))
    bar_um = add_scale_bar(plotter, pv, layout, view, font_px, dz) if opts.scale_bar else 0.0
    add_time_and_title(
        plotter,
        layout,
        time_s=frame.time_s if opts.show_time else None,
        title=opts.title,
        font_px=font_px,
        height=height,
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
        materials=materials,
    )
    pv.set_new_attribute(plotter, "lidendrite", info)
    pv.set_new_attribute(plotter, "lidendrite_clim", info.clim)
    return plotter


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
    options: FrameOptions | str | None = None,
    **overrides: Any,
) -> Path:
    """Render a frame (see :func:`render_frame`) and write it to ``path`` (png, svg or pdf).

    Args:
        frame: The frame.
        path: Output file; its suffix picks the format.
        options: How to draw it (:class:`~lidendrite.render.options.FrameOptions`, or the
            field name); ``options.dpi`` scales the window, so that text and lines keep their
            proportions.
        **overrides: Options replacing those of ``options`` (see :func:`render_frame`).

    Returns:
        The path written.
    """
    plotter = render_frame(frame, frame_options(options, **overrides))
    try:
        return save_plotter(plotter, path)
    finally:
        plotter.close()
