"""How close the Li front comes to the filler shapes (pure NumPy).

A remesh puts the moved front and every filler into one Gmsh model; a front vertex on or inside
a filler, or closer to it than a fraction of an element, makes Gmsh fail or search forever.
:func:`front_clearance` gives the smallest gap and the filler it is to, so that the remesh can
stop the run with a one-line reason first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lidendrite.geometry.fillers import Shape

__all__ = ["front_clearance"]


def _polygon_distance(points: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Distance of points to a closed polygon's edges, negative inside (convex, CCW)."""
    a = vertices
    b = np.roll(vertices, -1, axis=0)
    ab = b - a
    t = np.clip(
        np.einsum("pkd,kd->pk", points[:, None, :] - a[None], ab) / np.einsum("kd,kd->k", ab, ab),
        0.0,
        1.0,
    )
    nearest = a[None] + t[..., None] * ab[None]
    dist = np.linalg.norm(points[:, None, :] - nearest, axis=2).min(axis=1)
    cross = ab[None, :, 0] * (points[:, None, 1] - a[None, :, 1]) - ab[None, :, 1] * (
        points[:, None, 0] - a[None, :, 0]
    )
    inside = np.all(cross >= 0.0, axis=1)
    return np.where(inside, -dist, dist)


def front_clearance(
    front_xy: np.ndarray, shapes: Sequence[Shape]
) -> tuple[float, Shape | None, np.ndarray | None]:
    """Smallest signed gap (µm; negative: inside) from the front's vertices to a filler.

    Returns the gap, the filler and the front vertex where it is smallest.

    Layers whose bottom is the anode (``y0 = 0``) are left out: the front lies on them by
    design; for the others the gap is to the layer's bottom line.
    """
    best, which, where = math.inf, None, None
    pts = np.asarray(front_xy, dtype=float)
    for s in shapes:
        if s.kind == "circle":
            gaps = np.hypot(*(pts - np.asarray(s.center)).T) - s.radius
        elif s.kind == "polygon":
            gaps = _polygon_distance(pts, np.asarray(s.vertices, dtype=float))
        elif s.y_um[0] > 0.0:
            gaps = s.y_um[0] - pts[:, 1]
        else:
            continue
        k = int(np.argmin(gaps))
        if gaps[k] < best:
            best, which, where = float(gaps[k]), s, pts[k]
    return best, which, where
