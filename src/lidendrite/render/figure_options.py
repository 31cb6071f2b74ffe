"""How to draw a paper figure: :class:`FigureOptions` and the journal layouts.

Owns the print geometry of the Matplotlib figures (:mod:`lidendrite.render.figure`): the layout
presets (:data:`LAYOUTS`: a journal column, a double column, a slide), their widths in mm, font
sizes in pt and resolutions, and every other option of a figure or movie (field, display unit,
colour range, streamlines, legend). Pure Python; no Matplotlib, no VTK.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from lidendrite.errors import ConfigError
from lidendrite.render.options import checked_clim
from lidendrite.render.view import ViewBox

__all__ = [
    "LAYOUTS",
    "MM_PER_INCH",
    "FigureOptions",
    "LayoutPreset",
    "figure_options",
    "parse_size",
]

_SIZE = re.compile(r"^\s*(\d+)\s*[xX×,]\s*(\d+)\s*$")

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class LayoutPreset:
    """Print size of a figure.

    Attributes:
        width_mm: Width of the figure.
        max_height_mm: Tallest the figure may get (a tall cell is narrowed to fit).
        font_pt: Size of all text (tick labels, time, scale bar, legend); titles 1 pt more.
        dpi: Resolution of PNGs and of the field raster inside PDF/SVG.
    """

    width_mm: float
    max_height_mm: float
    font_pt: float
    dpi: float


#: Layout presets: one journal column (85 mm), a full page width (180 mm), a slide.
LAYOUTS: dict[str, LayoutPreset] = {
    "column": LayoutPreset(85.0, 120.0, 7.0, 300),
    "double": LayoutPreset(180.0, 170.0, 8.0, 300),
    "slide": LayoutPreset(240.0, 135.0, 14.0, 150),
}


@dataclass(frozen=True)
class FigureOptions:
    """Options of a paper figure (one or several panels) or movie; every field has a default.

    Attributes:
        field: ``flux``, ``concentration``, ``potential`` or ``current``.
        unit: Display unit (``None``: the field's default, e.g. µmol m⁻² s⁻¹ for the flux);
            ASCII spellings work (``mmol/m2/s``).
        clim: Colour range in the SI unit of the field; ``None``: the data range of the
            panels. (The command line takes it in the display unit.)
        layout: ``column`` (85 mm), ``double`` (180 mm) or ``slide`` (240 mm).
        width_mm, max_height_mm, font_pt, dpi: Override the layout's values.
        title: Title above the panels.
        panel_titles: One title per panel (above its time stamp).
        streamlines, n_streamlines, seeding, arrows: Streamlines of vector fields (see
            :class:`~lidendrite.render.options.FrameOptions`).
        cmap: Matplotlib colour map (``None``: the field's default).
        view: Region to show (``None``: every panel's own; fix it for movies).
        initial_anode_y_um: Initial Li surface height (``None``: from the frame).
        show_time, show_initial_anode, scale_bar, colorbar: Which annotations to draw.
        legend: A legend below the panels for Li metal, the initial surface, the flux lines and
            other materials (fillers).

    Raises:
        ConfigError: Unknown layout, bad sizes or colour range.
    """

    field: str = "flux"
    unit: str | None = None
    clim: tuple[float, float] | None = None
    layout: Literal["column", "double", "slide"] = "column"
    width_mm: float | None = None
    max_height_mm: float | None = None
    font_pt: float | None = None
    dpi: float | None = None
    title: str | None = None
    panel_titles: tuple[str, ...] | None = None
    streamlines: bool = True
    n_streamlines: int = 24
    seeding: Literal["line", "density"] = "line"
    arrows: bool = True
    cmap: str | None = None
    view: ViewBox | None = None
    initial_anode_y_um: float | None = None
    show_time: bool = True
    show_initial_anode: bool = True
    scale_bar: bool = True
    colorbar: bool = True
    legend: bool = True

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ConfigError(f"unknown layout {self.layout!r}; choose one of {', '.join(LAYOUTS)}")
        for name in ("width_mm", "max_height_mm", "font_pt", "dpi"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be positive, got {value}")
        object.__setattr__(self, "clim", checked_clim(self.clim))
        if self.panel_titles is not None:
            object.__setattr__(self, "panel_titles", tuple(self.panel_titles))

    @property
    def preset(self) -> LayoutPreset:
        """The layout preset with this figure's overrides applied."""
        base = LAYOUTS[self.layout]
        return LayoutPreset(
            self.width_mm or base.width_mm,
            self.max_height_mm or base.max_height_mm,
            self.font_pt or base.font_pt,
            self.dpi or base.dpi,
        )


def figure_options(options: FigureOptions | str | None = None, **overrides: Any) -> FigureOptions:
    """One :class:`FigureOptions` from options, a field name or ``None``, plus overrides."""
    if options is None:
        return FigureOptions(**overrides)
    if isinstance(options, str):
        return FigureOptions(field=options, **overrides)
    if not isinstance(options, FigureOptions):
        raise TypeError(f"options must be FigureOptions or a field name, got {options!r}")
    return dataclasses.replace(options, **overrides) if overrides else options


def parse_size(text: str | None, default: tuple[int, int] = (1600, 1200)) -> tuple[int, int]:
    """``"1600x1200"`` -> ``(1600, 1200)``.

    Raises:
        ConfigError: Not two positive integers.
    """
    if text is None:
        return default
    m = _SIZE.match(text)
    if not m or min(int(m.group(1)), int(m.group(2))) < 16:
        raise ConfigError(f"--size {text!r} must be WIDTHxHEIGHT in pixels, e.g. 1600x1200")
    return int(m.group(1)), int(m.group(2))
