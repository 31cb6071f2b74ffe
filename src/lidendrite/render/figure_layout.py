"""Where the panels, colour bar and legend of a paper figure go, in inches.

Owns the geometry of :mod:`lidendrite.render.figure`: the panels fill the width of the layout
preset less what sticks out of the panel grid (the colour bar and its label on the right, the
time stamps, scale bars and titles above, the legend below) plus a margin of :data:`PAD_IN`;
their height follows from the cells' aspect ratio, and a tall cell is narrowed to keep the
figure below the preset's height. :func:`fit_layout` measures what sticks out (Matplotlib's
tight bounding boxes) and solves again, a few times; :func:`place` applies a geometry.
"""

from __future__ import annotations

from typing import Any

from lidendrite.errors import ConfigError
from lidendrite.render.figure_options import MM_PER_INCH, FigureOptions

__all__ = ["PAD_IN", "fit_layout", "place", "solve_layout"]

#: Margin around the content of a figure, in inches (0.8 mm: 1 % of a column).
PAD_IN = 0.03


def solve_layout(
    opts: FigureOptions, nc: int, nr: int, aspect: float, out: dict[str, float]
) -> dict[str, float]:
    """Panel size and figure height for the content sticking out of the panel grid by ``out``."""
    preset = opts.preset
    width = preset.width_mm / MM_PER_INCH
    max_height = preset.max_height_mm / MM_PER_INCH
    gap_x = out["gap_x"]
    gap_y = out["gap_y"]
    panel_w = (width - out["left"] - out["right"] - (nc - 1) * gap_x) / nc
    if panel_w <= 0.2:
        raise ConfigError(
            f"the figure is too narrow ({preset.width_mm:g} mm) for {nc} panels and a colour bar"
        )
    panel_h = panel_w * aspect
    fixed_h = out["bottom"] + out["top"] + (nr - 1) * gap_y
    if fixed_h + nr * panel_h > max_height:  # a tall cell: narrow it
        panel_h = max((max_height - fixed_h) / nr, 0.2)
        panel_w = panel_h / aspect
    grid_w = nc * panel_w + (nc - 1) * gap_x
    x0 = out["left"] + 0.5 * (width - out["left"] - out["right"] - grid_w)
    return {
        **out,
        "width": width,
        "height": fixed_h + nr * panel_h,
        "panel_w": panel_w,
        "panel_h": panel_h,
        "x0": x0,
    }


def fit_layout(
    fig: Any,
    axes: list[Any],
    cax: Any,
    legend: Any,
    opts: FigureOptions,
    nc: int,
    nr: int,
    aspect: float,
) -> dict[str, float]:
    """Fit the content into the layout width with margins of :data:`PAD_IN` (a few passes)."""
    f = opts.preset.font_pt / 72.0
    out = {
        "left": PAD_IN,
        "right": PAD_IN + 6.0 * f,
        "bottom": PAD_IN + (1.6 * f if legend is not None else 0.0),
        "top": PAD_IN + 1.6 * f,
        "gap_x": 1.5 * f,
        "gap_y": 1.8 * f,
    }
    for _ in range(3):
        geom = solve_layout(opts, nc, nr, aspect, out)
        place(fig, axes, cax, legend, opts, nc, nr, geom)
        renderer = fig.canvas.get_renderer()
        box = fig.get_tightbbox(renderer)
        grid = _grid_box(axes, fig)
        out = dict(out)
        out["left"] = PAD_IN + max(grid[0] - box.x0, 0.0)
        out["right"] = PAD_IN + max(box.x1 - grid[2], 0.0)
        out["bottom"] = PAD_IN + max(grid[1] - box.y0, 0.0)
        out["top"] = PAD_IN + max(box.y1 - grid[3], 0.0)
        if nr > 1:
            out["gap_y"] = max(_row_overhang(axes, renderer, fig, nc) + 0.5 * f, out["gap_y"])

    return solve_layout(opts, nc, nr, aspect, out)


def _grid_box(axes: list[Any], fig: Any) -> tuple[float, float, float, float]:
    w, h = fig.get_size_inches()
    boxes = [ax.get_position() for ax in axes]
    return (
        min(b.x0 for b in boxes) * w,
        min(b.y0 for b in boxes) * h,
        max(b.x1 for b in boxes) * w,
        max(b.y1 for b in boxes) * h,
    )


def _row_overhang(axes: list[Any], renderer: Any, fig: Any, nc: int) -> float:
    """Height of the text above the panels of the second row (inches)."""
    h = fig.get_size_inches()[1]
    ax = axes[nc] if len(axes) > nc else axes[-1]
    return max(ax.get_tightbbox(renderer).y1 / fig.dpi - ax.get_position().y1 * h, 0.0)


def place(
    fig: Any,
    axes: list[Any],
    cax: Any,
    legend: Any,
    opts: FigureOptions,
    nc: int,
    nr: int,
    g: dict[str, float],
) -> None:
    """Size the figure and position the panels, colour bar and legend for geometry ``g``."""
    width, height = g["width"], g["height"]
    fig.set_size_inches(width, height)
    pw, ph = g["panel_w"], g["panel_h"]
    y_top = height - g["top"]
    for i, ax in enumerate(axes):
        r, c = divmod(i, nc)
        x = g["x0"] + c * (pw + g["gap_x"])
        y = y_top - ph - r * (ph + g["gap_y"])
        ax.set_position((x / width, y / height, pw / width, ph / height))
    grid_x1 = g["x0"] + nc * pw + (nc - 1) * g["gap_x"]
    grid_y0 = y_top - nr * ph - (nr - 1) * g["gap_y"]
    f = opts.preset.font_pt / 72.0
    if cax is not None:
        bar_h = y_top - grid_y0
        cax.set_position(
            ((grid_x1 + 0.6 * f) / width, grid_y0 / height, 0.9 * f / width, bar_h / height)
        )
    if legend is not None:
        centre = 0.5 * (g["x0"] + grid_x1)
        legend.set_bbox_to_anchor((centre / width, PAD_IN / height), transform=fig.transFigure)
