"""How to draw a frame: :class:`FrameOptions`, the settings :func:`render_frame` takes.

Owns the options of a figure (field, colour range, window size and resolution, title,
streamlines, colour map, view, and which annotations to draw), their defaults and their
checks, and :func:`frame_options`, which turns the call styles of the renderer
(``render_frame(frame, options)``, ``render_frame(frame, "flux", size=...)``, keyword
overrides of an options object) into one :class:`FrameOptions`. Pure Python; no VTK.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from lidendrite.errors import ConfigError
from lidendrite.render.view import ViewBox

__all__ = ["FrameOptions", "frame_options"]


@dataclass(frozen=True)
class FrameOptions:
    """Options of one rendered frame; every field has a default.

    Attributes:
        field: ``flux`` (|Li⁺ flux|), ``concentration`` (Li⁺), ``potential`` or ``current``
            (|ionic current density|). Vector fields get streamlines.
        unit: Colour-bar unit (``None``: the field's fixed default, see
            :data:`~lidendrite.render.fields.DEFAULT_UNITS`); ``mmol/m2/s`` style works.
        clim: Colour range in the SI unit of the field (mol m⁻² s⁻¹, mol m⁻³, V, A m⁻²);
            ``None``: the data range of the frame's electrolyte.
        size: Window size in pixels (width, height) at 100 dpi.
        dpi: Resolution relative to 100 dpi: the window is ``dpi / 100 x size`` pixels, so text
            and lines keep their proportions (``None``: 100).
        title: Title above the cell.
        streamlines: Draw streamlines of vector fields.
        n_streamlines: Number of streamlines.
        seeding: ``line``: seeds evenly along a line just below the counter electrode,
            integrated along the flux down to the anode; ``density``: seeds on the Li surface
            at equal shares of the flux into it (lines crowd where deposition is fast),
            integrated back up the flux.
        arrows: Arrowheads on the streamlines.
        cmap: Matplotlib colour-map name (``None``: the field's default).
        view: Region to show (``None``: :func:`~lidendrite.render.view.view_box` of the
            frame); fix it for animations.
        initial_anode_y_um: Initial Li surface height, kept in view (``None``:
            ``frame.meta["initial_anode_y_um"]``).
        show_time: Write ``t = ...`` at the top left.
        show_initial_anode: Draw a dashed line inside the Li metal at the initial surface
            height (where the deposit has grown past it), separating plated Li from the
            substrate.
        scale_bar: Draw a scale bar.
        colorbar: Draw the colour bar.
        legend: In a cell of several materials, name Li metal and each material by its
            outline colour (lower right).

    Raises:
        ConfigError: A bad ``clim``, ``size`` or ``dpi`` (the field name is checked when a
            frame is drawn).
    """

    field: str = "flux"
    unit: str | None = None
    clim: tuple[float, float] | None = None
    size: tuple[int, int] = (1600, 1200)
    dpi: int | None = None
    title: str | None = None
    streamlines: bool = True
    n_streamlines: int = 30
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
        if self.dpi is not None and not self.dpi > 0:
            raise ConfigError(f"dpi must be positive, got {self.dpi}")
        object.__setattr__(self, "clim", checked_clim(self.clim))
        _check_size(self.pixel_size)

    @property
    def pixel_size(self) -> tuple[int, int]:
        """Window size in pixels: ``size`` scaled by ``dpi / 100``."""
        width, height = _check_size(self.size, any_size=True)
        if self.dpi is None:
            return width, height
        return round(width * self.dpi / 100.0), round(height * self.dpi / 100.0)


def checked_clim(clim: Any) -> tuple[float, float] | None:
    """A colour range as two finite floats, low <= high (``None`` stays ``None``).

    Raises:
        ConfigError: Not two finite numbers in order.
    """
    if clim is None:
        return None
    lo, hi = (float(v) for v in clim)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ConfigError(f"colour range {(lo, hi)} must be two finite numbers, low <= high")
    return lo, hi


def _check_size(size: Any, *, any_size: bool = False) -> tuple[int, int]:
    """``size`` as two ints; unless ``any_size``, each side 16..16384 pixels."""
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ConfigError(f"size {size!r} must be two integers (width, height)") from None
    if not any_size and not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise ConfigError(f"size {width}x{height} must be 16..16384 pixels on each side")
    return width, height


def frame_options(options: FrameOptions | str | None = None, **overrides: Any) -> FrameOptions:
    """One :class:`FrameOptions` from the ways the renderer is called.

    Args:
        options: Options to start from; a string is the field name; ``None``: the defaults.
        **overrides: :class:`FrameOptions` fields replacing those of ``options``.

    Raises:
        TypeError: An override that is not a field of :class:`FrameOptions`.
        ConfigError: See :class:`FrameOptions`.
    """
    if options is None:
        return FrameOptions(**overrides)
    if isinstance(options, str):
        return FrameOptions(field=options, **overrides)
    if not isinstance(options, FrameOptions):
        raise TypeError(f"options must be FrameOptions or a field name, got {options!r}")
    return dataclasses.replace(options, **overrides) if overrides else options
