"""What part of the cell plane a figure shows, and where it sits in the window.

Owns the framing of a figure: :class:`ViewBox` and :func:`view_box` (the cell plus strips of
Li metal below the anode and above a Li counter electrode), the frame lookups the framing
depends on (initial Li surface height, Li counter electrode), and :class:`Layout` with
:func:`fit_layout`: the parallel camera and the normalised viewport rectangle of the view box,
leaving room for the title above and the colour bar on the right. Pure numpy; no VTK.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lidendrite.io.frames import FrameData

__all__ = ["Layout", "ViewBox", "fit_layout", "initial_anode_y", "li_counter", "view_box"]


@dataclass(frozen=True)
class ViewBox:
    """Rectangle of the cell plane (µm) that a figure shows."""

    x_min_um: float
    x_max_um: float
    y_min_um: float
    y_max_um: float

    @property
    def width_um(self) -> float:
        """Width of the box in µm."""
        return self.x_max_um - self.x_min_um

    @property
    def height_um(self) -> float:
        """Height of the box in µm."""
        return self.y_max_um - self.y_min_um

    def union(self, other: ViewBox) -> ViewBox:
        """Smallest box holding both boxes."""
        return ViewBox(
            min(self.x_min_um, other.x_min_um),
            max(self.x_max_um, other.x_max_um),
            min(self.y_min_um, other.y_min_um),
            max(self.y_max_um, other.y_max_um),
        )


def initial_anode_y(frame: FrameData, initial_anode_y_um: float | None) -> float | None:
    """Initial Li surface height in µm: the given value, else ``meta["initial_anode_y_um"]``."""
    if initial_anode_y_um is not None:
        return float(initial_anode_y_um)
    value = frame.meta.get("initial_anode_y_um")
    return None if value is None else float(value)


def li_counter(frame: FrameData) -> bool:
    """Whether the counter electrode of the frame is Li metal (drawn above the cell)."""
    return str(frame.meta.get("counter_electrode", "")).lower() in {"lithium", "li"}


def view_box(frame: FrameData, *, initial_anode_y_um: float | None = None) -> ViewBox:
    """Region a figure of ``frame`` shows.

    That is the cell, a strip of Li metal below the lowest of the anode and its initial
    position, and a strip above a Li counter electrode; the strips are 10 % of the cell height.
    With the far field of a thick membrane (``membrane_thickness_um`` in the frame's meta larger
    than ``thickness_um``) it is the meshed window: up to ``thickness_um`` above the highest
    point of the anode.
    """
    x, y = frame.points_um[:, 0], frame.points_um[:, 1]
    bottom = float(y.min())
    top = float(y.max())
    counter_pad = li_counter(frame)
    meta = frame.meta or {}
    window = meta.get("thickness_um")
    anode = frame.boundaries.get("anode") if frame.boundaries else None
    if window and meta.get("membrane_thickness_um", window) > window and anode is not None:
        top, counter_pad = min(top, float(np.max(anode[:, 1])) + float(window)), False
    pad = 0.1 * (top - bottom)
    y0 = initial_anode_y(frame, initial_anode_y_um)
    if y0 is not None:
        bottom = min(bottom, y0)
    return ViewBox(
        float(x.min()), float(x.max()), bottom - pad, top + (pad if counter_pad else 0.0)
    )


@dataclass(frozen=True)
class Layout:
    """Camera and positions (normalised viewport coordinates) of a figure."""

    focal: tuple[float, float]
    parallel_scale: float
    aspect: float
    domain: tuple[float, float, float, float]  # u0, v0, u1, v1 of the view box

    def to_viewport(self, x: float, y: float) -> tuple[float, float]:
        """World (µm) to normalised viewport coordinates."""
        s = self.parallel_scale
        return (
            0.5 + (x - self.focal[0]) / (2.0 * s * self.aspect),
            0.5 + (y - self.focal[1]) / (2.0 * s),
        )


def fit_layout(view: ViewBox, size: tuple[int, int], *, top: float, right_block: float) -> Layout:
    """Fit the view box into the window below ``top``, leaving ``right_block`` on its right.

    The cell and the block on its right are centred horizontally together.
    """
    aspect = size[0] / size[1]
    bottom = 0.11
    avail_w = 0.96 - right_block
    avail_h = top - bottom
    s = max(view.height_um / (2.0 * avail_h), view.width_um / (2.0 * aspect * avail_w))
    dw = view.width_um / (2.0 * s * aspect)
    dh = view.height_um / (2.0 * s)
    u0 = 0.5 - 0.5 * (dw + right_block)
    v0 = bottom + 0.5 * (avail_h - dh)
    cx = 0.5 * (view.x_min_um + view.x_max_um)
    cy = 0.5 * (view.y_min_um + view.y_max_um)
    uc, vc = u0 + 0.5 * dw, v0 + 0.5 * dh
    focal = (cx - (uc - 0.5) * 2.0 * s * aspect, cy - (vc - 0.5) * 2.0 * s)
    return Layout(focal, s, aspect, (u0, v0, u0 + dw, v0 + dh))
