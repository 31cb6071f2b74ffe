"""Paper figures with Matplotlib: one or several frames, tightly framed, at print size.

Owns the figure as a whole: the panels (:func:`~lidendrite.render.figure_panel.draw_panel`) on
a grid, the time stamp and scale bar above each panel, one colour bar for all panels (one unit,
one range, ticks at both ends), the legend below, and the fitting of all of it into the width of
a layout preset (:data:`~lidendrite.render.figure_options.LAYOUTS`) with margins of
:data:`PAD_IN`: the height follows from the cells' aspect ratio. Text, outlines, colour bar,
scale bar and streamlines are vector artists in PDF/SVG (fonts embedded as TrueType, SVG text
kept as text); only the coloured field is a raster at the figure's dpi.

:func:`save_figure` writes PNG (with its dpi in the file), PDF or SVG; :func:`figure_image`
returns the RGB pixels (movies). Uses the Agg canvas directly (no pyplot, no GUI).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import FrameData
from lidendrite.render.annotations import nice_ticks, tick_format
from lidendrite.render.fields import data_range, field_spec, resolve_unit
from lidendrite.render.figure_layout import PAD_IN, fit_layout, place
from lidendrite.render.figure_options import FigureOptions, figure_options
from lidendrite.render.figure_panel import PanelInfo, annotate_panel, draw_panel
from lidendrite.render.overlays import INITIAL_ANODE_COLOR, METAL_COLOR, OUTLINE_COLOR
from lidendrite.render.view import ViewBox, view_box

__all__ = ["PAD_IN", "FigureInfo", "draw_figure", "figure_image", "save_figure"]

_FORMATS = {".png", ".pdf", ".svg"}


@dataclass
class FigureInfo:
    """What :func:`draw_figure` drew (``figure.lidendrite``).

    Attributes:
        clim: Colour range in SI units.
        unit: Display unit of the colour bar; ``factor``: display = SI x factor.
        ticks: Colour-bar ticks (display unit); the first and last are the range's ends.
        size_in: Figure size (width, height) in inches; ``font_pt``: size of its text.
        geometry: The fitted layout, to draw further frames of a movie at the same place.
        panels: What each panel drew.
    """

    clim: tuple[float, float]
    unit: str
    factor: float
    ticks: np.ndarray
    size_in: tuple[float, float]
    font_pt: float
    geometry: dict[str, float]
    panels: list[PanelInfo] = field(default_factory=list)


def colorbar_ticks(lo: float, hi: float) -> np.ndarray:
    """Round ticks inside (lo, hi), plus both ends (interior ticks too close to an end left out)."""
    span = hi - lo
    inner = [t for t in nice_ticks(lo, hi) if lo + 0.18 * span < t < hi - 0.18 * span]
    return np.array([lo, *inner, hi])


def _tick_labels(ticks: np.ndarray) -> list[str]:
    fmt = tick_format(nice_ticks(float(ticks[0]), float(ticks[-1])))
    inner = [fmt % t for t in ticks[1:-1]]
    ends = [_end_label(float(t)) for t in (ticks[0], ticks[-1])]
    return [ends[0].replace("-", "−"), *(s.replace("-", "−") for s in inner), ends[1]]


def _end_label(value: float) -> str:
    """A colour-bar end: 3 significant digits, no exponent from 1e-3 to 1e6."""
    if value == 0 or 1e-3 <= abs(value) < 100:
        return f"{value:.3g}"
    if 100 <= abs(value) < 1e6:
        return f"{value:.0f}"
    return f"{value:.2e}"


def _grid_shape(n: int, ncols: int | None) -> tuple[int, int]:
    ncols = min(n, int(ncols)) if ncols else n
    if ncols < 1:
        raise ConfigError(f"ncols must be at least 1, got {ncols}")
    return ncols, math.ceil(n / ncols)


def _rc(font_pt: float) -> dict[str, Any]:
    return {
        "font.family": "DejaVu Sans",
        "font.size": font_pt,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        "axes.linewidth": 0.5,
        "savefig.transparent": False,
    }


def draw_figure(
    frames: Sequence[FrameData],
    options: FigureOptions | str | None = None,
    *,
    ncols: int | None = None,
    geometry: dict[str, float] | None = None,
    **overrides: Any,
) -> Any:
    """Draw frames as the panels of one figure (a :class:`matplotlib.figure.Figure`).

    Args:
        frames: One frame per panel, row by row.
        options: :class:`~lidendrite.render.figure_options.FigureOptions` or a field name.
        ncols: Panels per row (default: all in one row).
        geometry: A fitted layout from an earlier figure (``figure.lidendrite.geometry``):
            the same size and placement, for the frames of a movie.
        **overrides: Fields of :class:`FigureOptions`.

    Returns:
        The figure; ``figure.lidendrite`` is a :class:`FigureInfo`.

    Raises:
        ConfigError: Unknown field or unit, no frames, bad options.
    """
    import matplotlib as mpl

    opts = figure_options(options, **overrides)
    frames = list(frames)
    if not frames:
        raise ConfigError("a figure needs at least one frame")
    with mpl.rc_context(_rc(opts.preset.font_pt)):
        return _draw(frames, opts, ncols, geometry)


def _draw(
    frames: list[FrameData],
    opts: FigureOptions,
    ncols: int | None,
    geometry: dict[str, float] | None,
) -> Any:
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    spec = field_spec(opts.field)
    unit, factor = resolve_unit(opts.field, opts.unit)
    clim = opts.clim if opts.clim is not None else data_range(frames, opts.field)
    lo, hi = clim[0] * factor, clim[1] * factor
    if hi <= lo:  # a uniform field: widen the range so that a colour map exists
        pad = 0.05 * abs(lo) if lo != 0.0 else 1.0
        lo, hi = lo - pad, hi + pad
    norm, cmap = Normalize(lo, hi), colormaps[opts.cmap or spec.cmap]
    preset = opts.preset
    font, dpi = preset.font_pt, preset.dpi
    views = [opts.view or view_box(f, initial_anode_y_um=opts.initial_anode_y_um) for f in frames]
    widths = [v.width_um for v in views]
    if max(widths) - min(widths) <= 0.01 * max(widths):  # one cell size: one scale, one box
        views = [_union(views)] * len(views)
    nc, nr = _grid_shape(len(frames), ncols)
    aspect = max(v.height_um / v.width_um for v in views)
    titles = list(opts.panel_titles) if opts.panel_titles else [None] * len(frames)
    if len(titles) != len(frames):
        raise ConfigError(f"got {len(titles)} panel titles for {len(frames)} panels")

    fig = Figure(dpi=dpi)
    FigureCanvasAgg(fig)
    line_pt = 0.6 if font < 10 else 1.0
    axes = [fig.add_axes((0, 0, 1, 1)) for _ in frames]
    infos = []
    for ax, frame, view, title in zip(axes, frames, views, titles, strict=True):
        infos.append(
            draw_panel(
                ax, frame, opts, view=view, factor=factor, norm=norm, cmap=cmap, line_pt=line_pt
            )
        )
        annotate_panel(ax, frame, view, opts, title, font, line_pt)
    cax = fig.add_axes((0, 0, 1, 1)) if opts.colorbar else None
    ticks = colorbar_ticks(lo, hi)
    if cax is not None:
        from matplotlib.cm import ScalarMappable

        bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax)
        bar.set_ticks(ticks, labels=_tick_labels(ticks))
        bar.ax.tick_params(labelsize=font, width=0.5, length=2.5, pad=1.5)
        bar.outline.set_linewidth(0.5)
        bar.solids.set_rasterized(False)  # the colour bar stays vector in PDF/SVG
        bar.set_label(f"{spec.label} ({unit})", size=font, labelpad=2)
    legend = _legend(fig, infos, font, line_pt) if opts.legend else None
    if opts.title:
        fig.suptitle(opts.title, fontsize=font + 1, y=1.0, va="top")

    geom = (
        dict(geometry)
        if geometry is not None
        else fit_layout(fig, axes, cax, legend, opts, nc, nr, aspect)
    )
    place(fig, axes, cax, legend, opts, nc, nr, geom)
    fig.lidendrite = FigureInfo(
        clim=(float(clim[0]), float(clim[1])),
        unit=unit,
        factor=factor,
        ticks=ticks,
        size_in=(geom["width"], geom["height"]),
        font_pt=font,
        geometry=geom,
        panels=infos,
    )
    return fig


def _union(views: list[ViewBox]) -> ViewBox:
    box = views[0]
    for other in views[1:]:
        box = box.union(other)
    return box


def _legend(fig: Any, infos: list[PanelInfo], font: float, line_pt: float) -> Any:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    if any(i.metal for i in infos):
        handles.append(Patch(fc=METAL_COLOR, ec=OUTLINE_COLOR, lw=0.5, label="Li metal"))
    if any(i.initial_surface for i in infos):
        handles.append(
            Line2D(
                [],
                [],
                color=INITIAL_ANODE_COLOR,
                lw=line_pt,
                ls=(0, (4, 3)),
                label="initial Li surface",
            )
        )
    if any(i.streamlines for i in infos):
        line = Line2D([], [], color="white", lw=1.2, label="Li⁺ flux lines")
        import matplotlib.patheffects as pe

        line.set_path_effects([pe.Stroke(linewidth=2.2, foreground="#555555"), pe.Normal()])
        handles.append(line)
    styles = {s.name: s for i in infos for s in i.styles}
    for style in sorted(styles.values(), key=lambda s: (s.blocking, s.tag)):
        if style.blocking:  # white, as in the paper's figures
            handles.append(Patch(fc="white", ec=OUTLINE_COLOR, lw=0.5, label=style.name))
        else:
            handles.append(Patch(fc="none", ec=style.color, lw=1.2, label=style.name))
    if not handles:
        return None
    return fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 4),
        frameon=False,
        fontsize=font,
        handlelength=1.6,
        handleheight=0.8,
        handletextpad=0.4,
        columnspacing=1.0,
        borderaxespad=0.0,
        borderpad=0.0,
    )


def save_figure(
    frames: FrameData | Sequence[FrameData],
    path: Path,
    options: FigureOptions | str | None = None,
    *,
    ncols: int | None = None,
    **overrides: Any,
) -> Path:
    """Draw frames (:func:`draw_figure`) and write PNG, PDF or SVG; returns the path.

    PNGs carry their dpi; PDF/SVG keep text, colour bar, outlines and streamlines as vectors
    (the field is an image at the dpi of the layout).
    """
    import matplotlib as mpl

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ConfigError(f"unknown image format {suffix!r} of {path}; use png, svg or pdf")
    frames = [frames] if isinstance(frames, FrameData) else list(frames)
    opts = figure_options(options, **overrides)
    fig = draw_figure(frames, opts, ncols=ncols)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Creator": "lidendrite"} if suffix != ".png" else {"Software": "lidendrite"}
    with mpl.rc_context(_rc(opts.preset.font_pt)):
        fig.savefig(path, dpi=opts.preset.dpi, metadata=metadata)
    return path


def figure_image(fig: Any, *, even: bool = False) -> np.ndarray:
    """RGB pixels (H, W, 3) of a figure at its dpi; ``even``: sizes rounded up to even numbers."""
    if even:
        w, h = (round(v) for v in fig.get_size_inches() * fig.dpi)
        w, h = w + w % 2, h + h % 2
        fig.set_size_inches((w + 1e-3) / fig.dpi, (h + 1e-3) / fig.dpi)
    fig.canvas.draw()
    return np.ascontiguousarray(np.asarray(fig.canvas.buffer_rgba())[:, :, :3])
