"""A front that folded over itself, made a simple curve again (pure NumPy, µm).

An explicit front step can fold the Li surface: in a concave corner the flanks overtake each
other and sweep some Li twice (a *swallowtail*), and a valley whose flanks meet closes over the
electrolyte in it (a *pocket*). At an insulating side wall the front can also meet its mirror
image. :func:`untangle` cuts all of these out and says what was cut:

- swallowtails (and what crosses a wall, and the smoothing of the cusps): Li counted twice;
  the cut front is shifted up uniformly by that area over the width, so the Li volume stays
  the Faraday charge exactly;
- pockets: electrolyte the Li closed over. The region is a void in the deposit, not Li: the
  deposit under the front is the Faraday charge plus the pocket area, and the pocket's salt
  leaves the electrolyte with it (the remesh accounts for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lidendrite.moving.front import area_under, cut_at_walls, loop_integral, remove_loops


@dataclass
class Untangled:
    """The untangled front and what cutting it changed."""

    xy: np.ndarray
    cuts: int = 0
    """Loops and wall crossings cut out."""
    swallowtail_area_um2: float = 0.0
    """Li area cut out (swept twice, crossing a wall, smoothing), given back as a uniform shift."""
    pockets: list[np.ndarray] = field(default_factory=list)
    """Closed polygons of the electrolyte pockets the front closed over (µm)."""
    pocket_area_um2: float = 0.0
    """Their total area."""


def untangle(xy: np.ndarray, width_um: float, periodic: bool) -> Untangled:
    """Cut the loops of a moved front (and, with insulating walls, what crosses a wall)."""
    xy = np.asarray(xy, dtype=float)
    loops: list[np.ndarray] = []
    out, cuts = remove_loops(xy, loops_out=loops)
    if not periodic:
        out, wall_cuts = cut_at_walls(out, width_um)
        cuts += wall_cuts
    if cuts == 0:
        return Untangled(out)
    pockets = [p for p in loops if loop_integral(p) < 0.0]
    pocket_area = -sum(loop_integral(p) for p in pockets)
    swallowtail = area_under(xy) - area_under(out) + pocket_area
    out = out.copy()
    out[:, 1] += swallowtail / width_um
    return Untangled(out, cuts, swallowtail, pockets, pocket_area)
