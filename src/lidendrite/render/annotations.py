"""Text on a figure: colour bar, scale bar, time stamp and title.

Owns the figure font (DejaVu Sans through FreeType, see :mod:`lidendrite.render._backend`),
text placed at normalised viewport coordinates, the colour bar (round tick values with just
enough decimals, the quantity and its display unit as two title lines above the bar, placed
right of the cell), the scale bar below the lower right corner of the cell, and the time stamp
and title above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lidendrite.render._backend import font_file
from lidendrite.render.fields import format_time, nice_length
from lidendrite.render.view import Layout, ViewBox

__all__ = [
    "ColorBar",
    "add_colorbar",
    "add_scale_bar",
    "add_text",
    "add_time_and_title",
    "nice_ticks",
    "text_width_px",
    "tick_format",
]

TEXT_COLOR = "black"


def nice_ticks(lo: float, hi: float, target: int = 5) -> np.ndarray:
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


def tick_format(ticks: np.ndarray) -> str:
    """C format string with just enough decimals for the tick step (1, 2, 2.5 or 5 x 10^k)."""
    if len(ticks) < 2:
        return "%.3g"
    step = float(np.min(np.diff(ticks)))
    exponent = math.floor(math.log10(step) + 1e-9)
    extra = 1 if abs(step / 10.0**exponent - 2.5) < 1e-6 else 0
    return f"%.{max(0, extra - exponent)}f"


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


def text_width_px(text: str, font_px: int) -> int:
    """Width in pixels of a line of text in the figure font."""
    import vtkmodules.vtkRenderingFreeType  # noqa: F401  (registers the text renderer)
    from vtkmodules.vtkRenderingCore import vtkTextRenderer

    box = [0, 0, 0, 0]
    renderer = vtkTextRenderer.GetInstance()
    if renderer is None or not renderer.GetBoundingBox(_text_property(font_px), text, box, 72):
        return round(0.6 * font_px * len(text))  # pragma: no cover - no FreeType
    return box[1] - box[0] + 1


def add_text(
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
class ColorBar:
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
    ) -> ColorBar:
        """Ticks, titles and sizes for a colour range in display units."""
        ticks = nice_ticks(*display_clim)
        fmt = tick_format(ticks)
        titles = (label, f"({unit})")
        return cls(
            ticks=ticks,
            tick_format=fmt,
            titles=titles,
            font_px=font_px,
            bar_px=round(1.2 * font_px),
            pad_px=max(2, font_px // 3),
            ticks_px=max(text_width_px(fmt % t, font_px) for t in ticks),
            titles_px=max(text_width_px(t, font_px) for t in titles),
        )

    @property
    def gap_px(self) -> int:
        """Space between the cell and the bar."""
        return round(1.2 * self.font_px)

    @property
    def block_px(self) -> int:
        """Width right of the cell that the colour bar needs."""
        return self.gap_px + max(self.bar_px + self.pad_px + self.ticks_px, self.titles_px)


def add_colorbar(
    plotter: Any, lookup_table: Any, layout: Layout, bar: ColorBar, size: tuple[int, int]
) -> None:
    """The colour bar right of the cell, vertically centred, with its two title lines."""
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
    add_text(plotter, bar.titles[1], (centre, top), bar.font_px, halign="center", name="cb_unit")
    add_text(
        plotter, bar.titles[0], (centre, top + line), bar.font_px, halign="center", name="cb_label"
    )


def add_scale_bar(
    plotter: Any, pv: Any, layout: Layout, view: ViewBox, font_px: int, z: float
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
    add_text(
        plotter, text, (u, v - 0.012), font_px, halign="center", valign="top", name="scale_text"
    )
    return length


def add_time_and_title(
    plotter: Any,
    layout: Layout,
    *,
    time_s: float | None,
    title: str | None,
    font_px: int,
    height: int,
) -> None:
    """``t = ...`` at the top left of the cell (unless ``time_s`` is ``None``), the title above."""
    u0, _, u1, v1 = layout.domain
    if time_s is not None:
        add_text(plotter, format_time(time_s), (u0, v1 + 0.012), font_px, name="time")
    if title:
        add_text(
            plotter,
            title,
            (0.5 * (u0 + u1), v1 + 0.012 + 1.5 * font_px / height),
            round(1.15 * font_px),
            halign="center",
            name="title",
        )
