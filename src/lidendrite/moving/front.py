"""Keeping a moving front polyline valid: removal of the loops that normal motion creates.

Where a surface moving along its normal is concave (a valley between two growing bumps, the
foot of a protrusion), neighbouring vertices converge and the polyline folds over itself: the
swallowtail of front propagation. The physical front is the outer envelope, so the loop is cut
out at the crossing point (Huygens' principle / the entropy solution of the front equation).
"""

from __future__ import annotations

import numpy as np


def _segments_cross(p: np.ndarray, q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether segment p→q properly crosses each of the segments a[k]→b[k]."""

    def orient(u, v, w):
        return (v[..., 0] - u[..., 0]) * (w[..., 1] - u[..., 1]) - (v[..., 1] - u[..., 1]) * (
            w[..., 0] - u[..., 0]
        )

    d1 = orient(a, b, p)
    d2 = orient(a, b, q)
    d3 = orient(p, q, a)
    d4 = orient(p, q, b)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


def first_self_intersection(xy: np.ndarray) -> tuple[int, int] | None:
    """Indices (i, j), i + 1 < j, of the first pair of crossing segments ``i`` and ``j``."""
    n = len(xy) - 1
    if n < 3:
        return None
    a, b = xy[:-1], xy[1:]
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    for i in range(n - 2):
        js = np.arange(i + 2, n)
        overlap = np.all(lo[js] <= hi[i], axis=1) & np.all(hi[js] >= lo[i], axis=1)
        js = js[overlap]
        if js.size == 0:
            continue
        hit = _segments_cross(a[i], b[i], a[js], b[js])
        if np.any(hit):
            return i, int(js[np.argmax(hit)])
    return None


def remove_loops(
    xy: np.ndarray, max_loops: int = 10_000, smooth_halfwidth: int = 3
) -> tuple[np.ndarray, int]:
    """Cut every self-intersection loop out of an open polyline.

    The crossing point left by a cut is a cusp; the few vertices around it are smoothed (a
    [1, 2, 1]/4 filter, ``smooth_halfwidth`` vertices each side, three passes) so that the remeshed
    boundary has no needle-shaped elements. Returns the loop-free polyline and the number of
    loops removed. The end points are kept.
    """
    xy = np.asarray(xy, dtype=float)
    removed = 0
    cuts: list[int] = []
    while removed < max_loops:
        hit = first_self_intersection(xy)
        if hit is None:
            break
        i, j = hit
        p, q, a, b = xy[i], xy[i + 1], xy[j], xy[j + 1]
        r, s = q - p, b - a
        denom = r[0] * s[1] - r[1] * s[0]
        t = ((a[0] - p[0]) * s[1] - (a[1] - p[1]) * s[0]) / denom
        cross = p + t * r
        xy = np.vstack([xy[: i + 1], cross[None, :], xy[j + 1 :]])
        cuts = [c if c <= i else c - (j - i - 1) for c in cuts if not i < c <= j]
        cuts.append(i + 1)
        removed += 1
    if cuts and smooth_halfwidth > 0:
        xy = smooth_around(xy, cuts, smooth_halfwidth)
    return xy, removed


def smooth_around(xy: np.ndarray, centres, halfwidth: int, passes: int = 3) -> np.ndarray:
    """Smooth the interior vertices within ``halfwidth`` of each index in ``centres``."""
    xy = xy.copy()
    n = len(xy)
    mask = np.zeros(n, dtype=bool)
    for c in centres:
        mask[max(1, c - halfwidth) : min(n - 1, c + halfwidth + 1)] = True
    idx = np.flatnonzero(mask)
    for _ in range(passes):
        xy[idx] = 0.25 * xy[idx - 1] + 0.5 * xy[idx] + 0.25 * xy[idx + 1]
    return xy
