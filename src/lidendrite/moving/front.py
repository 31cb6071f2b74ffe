"""The moving front as pure NumPy on polylines (µm): explicit steps and keeping them valid.

:func:`front_step` turns the plating current at the vertices of an electrode polyline into the
displacement of those vertices over one step (Faraday-consistent swept area, arc-length spacing
kept); :func:`clean_front` prepares a front for remeshing. No DOLFINx: unit-tested on arrays.

Loop removal:
Where a surface moving along its normal is concave (a valley between two growing bumps, the
foot of a protrusion), neighbouring vertices converge and the polyline folds over itself: the
swallowtail of front propagation. The physical front is the outer envelope, so the loop is cut
out at the crossing point (Huygens' principle / the entropy solution of the front equation).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from lidendrite.geometry.polyline import polyline_length, resample_polyline
from lidendrite.moving.capillary import implicit_capillary_step


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
    """Indices (i, j), i + 1 < j, of the first pair of crossing segments ``i`` and ``j``.

    "First": the smallest ``i``, then the smallest ``j``. All pairs with overlapping bounding
    boxes are tested at once, in blocks of rows (memory ``O(block × segments)``).
    """
    n = len(xy) - 1
    if n < 3:
        return None
    if np.all(np.diff(xy[:, 0]) > 0.0):  # a graph over x: segments i and j ≥ i + 2 are apart
        return None
    a, b = xy[:-1], xy[1:]
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    seg = np.arange(n)
    for start in range(0, n - 2, _PAIR_BLOCK):
        i = seg[start : min(start + _PAIR_BLOCK, n - 2)]
        candidate = (
            (seg[None, :] >= i[:, None] + 2)
            & (lo[None, :, 0] <= hi[i, None, 0])
            & (hi[None, :, 0] >= lo[i, None, 0])
            & (lo[None, :, 1] <= hi[i, None, 1])
            & (hi[None, :, 1] >= lo[i, None, 1])
        )
        rows, js = np.nonzero(candidate)  # row-major: by i, then by j
        if rows.size == 0:
            continue
        hit = _segments_cross(a[i[rows]], b[i[rows]], a[js], b[js])
        if np.any(hit):
            k = int(np.argmax(hit))
            return int(i[rows[k]]), int(js[k])
    return None


#: Rows of segment pairs tested at once by :func:`first_self_intersection`.
_PAIR_BLOCK = 256


def crosses_at(xy: np.ndarray, vertex: int) -> bool:
    """Whether a segment next to ``vertex`` crosses another segment of the polyline."""
    n = len(xy) - 1
    a, b = xy[:-1], xy[1:]
    for i in (vertex - 1, vertex):
        if 0 <= i < n:
            js = np.flatnonzero(np.abs(np.arange(n) - i) >= 2)
            if np.any(_segments_cross(a[i], b[i], a[js], b[js])):
                return True
    return False


def remove_loops(
    xy: np.ndarray,
    max_loops: int = 10_000,
    smooth_halfwidth: int = 3,
    loops_out: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """Cut every self-intersection loop out of an open polyline.

    The crossing point left by a cut is a cusp; the few vertices around it are smoothed (a
    [1, 2, 1]/4 filter, ``smooth_halfwidth`` vertices each side, three passes) so that the remeshed
    boundary has no needle-shaped elements. Returns the loop-free polyline and the number of
    loops removed. The end points are kept. Each loop cut is appended to ``loops_out`` as a
    closed polygon (first vertex repeated at the end) in the order the front runs through it
    (:func:`loop_integral` tells a pocket from a swallowtail).
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
        if loops_out is not None:
            loops_out.append(np.vstack([cross[None, :], xy[i + 1 : j + 1], cross[None, :]]))
        xy = np.vstack([xy[: i + 1], cross[None, :], xy[j + 1 :]])
        cuts = [c if c <= i else c - (j - i - 1) for c in cuts if not i < c <= j]
        cuts.append(i + 1)
        removed += 1
    if cuts and smooth_halfwidth > 0:
        xy = smooth_around(xy, cuts, smooth_halfwidth)
    return xy, removed


def loop_integral(polygon: np.ndarray) -> float:
    """∮ y dx around a closed polygon: what cutting the loop takes from the area under the front.

    Positive: Li the front swept twice (a swallowtail, traversed clockwise); negative: electrolyte
    the front closed over (a pocket: traversed counter-clockwise, the electrolyte side of the
    front, its left, inside).
    """
    return area_under(np.asarray(polygon, dtype=float))


def cut_at_walls(
    xy: np.ndarray, width_um: float, smooth_halfwidth: int = 3
) -> tuple[np.ndarray, int]:
    """Cut the parts of an open front that cross an insulating side wall (a mirror plane).

    A valley centred on a wall closes there: the front meets its mirror image, a loop through
    the wall that :func:`remove_loops` cannot see, and the vertices next to the wall move out
    of the cell. Everything from the wall end to the front's last crossing of the wall is cut;
    the crossing point becomes the end vertex on the wall (smoothed like a loop cut). Returns
    the polyline and the number of walls cut (0–2).
    """
    xy = np.asarray(xy, dtype=float)
    tol = 1e-9 * width_um
    cuts = 0
    for side in (0, 1):
        pts = xy if side == 0 else xy[::-1]
        wall = 0.0 if side == 0 else width_um
        beyond = (pts[1:-1, 0] <= wall + tol) if side == 0 else (pts[1:-1, 0] >= wall - tol)
        if not np.any(beyond):
            continue
        j = int(np.flatnonzero(beyond).max()) + 1  # the last vertex at or beyond the wall
        p, q = pts[j], pts[j + 1]
        t = (wall - p[0]) / (q[0] - p[0]) if q[0] != p[0] else 0.0
        cross = p + np.clip(t, 0.0, 1.0) * (q - p)
        cross[0] = wall
        rest = pts[j + 1 :]
        if np.hypot(*(rest[0] - cross)) <= tol:
            rest = rest[1:]
        pts = np.vstack([cross[None, :], rest])
        if smooth_halfwidth > 0:
            pts = smooth_around(pts, [0], smooth_halfwidth)
        xy = pts if side == 0 else pts[::-1]
        cuts += 1
    return xy, cuts


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


# --------------------------------------------------------------------------------------------
# Front motion: where the electrode vertices go in one step (pure NumPy, µm)
# --------------------------------------------------------------------------------------------


def area_under(xy: np.ndarray) -> float:
    """Signed area ∫ y dx between a polyline and y = 0 (valid for overhanging fronts too)."""
    return float(np.sum(0.5 * (xy[1:, 1] + xy[:-1, 1]) * np.diff(xy[:, 0])))


def boundary_integral(xy: np.ndarray, values: np.ndarray) -> float:
    """∫ f ds along a polyline for vertex values f (trapezoid rule)."""
    ds = np.hypot(*np.diff(xy, axis=0).T)
    return float(np.sum(0.5 * (values[1:] + values[:-1]) * ds))


def arc_fraction(xy: np.ndarray) -> np.ndarray:
    """Cumulative arc length along a polyline, from 0 at the first vertex to 1 at the last."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return s / s[-1]


def mean_height(xy: np.ndarray, width_um: float) -> float:
    """Mean height ∫ y dx / W of a polyline over the cell width."""
    return float(np.trapezoid(xy[:, 1], xy[:, 0]) / width_um)


def rms_height(xy: np.ndarray, width_um: float, mean_um: float) -> float:
    """Root-mean-square height about ``mean_um``."""
    return float(np.sqrt(max(np.trapezoid((xy[:, 1] - mean_um) ** 2, xy[:, 0]) / width_um, 0.0)))


def min_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest distance from the vertices of polyline ``a`` to the segments of polyline ``b``."""
    p0, d = b[:-1], np.diff(b, axis=0)
    L2 = np.maximum((d**2).sum(axis=1), 1e-300)
    best = np.inf
    for start in range(0, len(a), 256):  # vectorised over blocks of vertices (bounded memory)
        pts = a[start : start + 256, None, :]
        tt = np.clip(((pts - p0) * d).sum(axis=2) / L2, 0.0, 1.0)
        gap = pts - (p0 + tt[..., None] * d)
        best = min(best, float(np.sqrt((gap**2).sum(axis=2)).min()))
    return best


def closer_than(a: np.ndarray, b: np.ndarray, distance: float) -> bool:
    """Whether a vertex of polyline ``a`` lies within ``distance`` of a segment of ``b``.

    The gap between the bounding boxes is a lower bound of :func:`min_distance`: where it is
    already ``distance`` or more (an anode far below its counter electrode) nothing else runs.
    """
    gap = np.maximum(0.0, np.maximum(b.min(axis=0) - a.max(axis=0), a.min(axis=0) - b.max(axis=0)))
    if float(np.hypot(*gap)) >= distance:
        return False
    return min_distance(a, b) < distance


def boundary_displacement(normal_step_um: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Displacement of boundary vertices that advances them by ``normal_step_um`` along ``normals``.

    Only the normal component is physical. Where the surface is a graph over x (|n_y| large) the
    vertices move vertically, so they keep their x positions and do not drift along the surface
    (which would bunch them in valleys and spread them on crests); where the surface is steep
    they move along the normal. The two are blended smoothly for 0.3 < |n_y| < 0.7.
    """
    ny = normals[:, 1]
    w = np.clip((np.abs(ny) - 0.3) / 0.4, 0.0, 1.0)
    along_normal = normal_step_um[:, None] * normals
    vertical = np.zeros_like(normals)
    safe = np.where(np.abs(ny) > 1e-12, ny, 1.0)
    vertical[:, 1] = normal_step_um / safe
    return (1.0 - w)[:, None] * along_normal + w[:, None] * vertical


def keep_spacing(old_xy: np.ndarray, moved_xy: np.ndarray) -> np.ndarray:
    """Vertices placed on the moved polyline at the relative arc lengths of the old one.

    A moved polyline that folds over itself is returned unchanged (the loop is cut later).
    """
    if first_self_intersection(moved_xy) is not None:
        return moved_xy
    s_new = arc_fraction(moved_xy)
    if np.any(np.diff(s_new) <= 0.0):
        return moved_xy
    target = arc_fraction(old_xy)
    out = np.column_stack(
        [np.interp(target, s_new, moved_xy[:, 0]), np.interp(target, s_new, moved_xy[:, 1])]
    )
    out[0], out[-1] = moved_xy[0], moved_xy[-1]
    return out


def front_step(
    xy: np.ndarray, normals: np.ndarray, plating_current: np.ndarray, **options: Any
) -> np.ndarray:
    """Displacement (µm) of every vertex of an electrode polyline over one explicit step.

    :func:`front_motion` (the same arguments) without the normally moved polyline.
    """
    return front_motion(xy, normals, plating_current, **options).displacement


class FrontMotion(NamedTuple):
    """One explicit front step: the vertex displacement and the material points' polyline."""

    displacement: np.ndarray
    """Final displacement of every vertex (µm): normal motion, sliding, the area shift."""
    normal_xy: np.ndarray
    """The vertices moved along their true normals (where the surface's material points go;
    the vertices themselves move vertically where the surface is a graph, then slide back to
    their spacing, then shift uniformly)."""
    area_shift_um: float
    """The uniform vertical shift that makes the swept area the Faraday one (included in the
    displacement, not in ``normal_xy``)."""
    normal_step: np.ndarray
    """The normal step of every vertex (µm; capillarity included)."""


def front_motion(
    xy: np.ndarray,
    normals: np.ndarray,
    plating_current: np.ndarray,
    *,
    step_per_current: float,
    width_um: float,
    side: int,
    periodic: bool,
    applied_mean: float | None = None,
    capillary_stiffness: np.ndarray | None = None,
    lagged_step: np.ndarray | None = None,
) -> FrontMotion:
    """Displacement (µm) of every vertex of an electrode polyline over one explicit step.

    ``v_n = iΩ/F``: the vertices advance by ``step_per_current × i`` along the normal
    (:func:`boundary_displacement`) and then slide along the moved surface back to their
    relative arc-length spacing (only the normal motion is physical, and a surface that shrinks
    locally — a filling valley — would otherwise squeeze its vertices together). A uniform
    vertical shift then makes the swept area equal exactly the Li volume ``Ω/F ∫ i ds Δt``.

    Args:
        xy: Vertices ``(K, 2)``.
        normals: Unit vertex normals ``(K, 2)`` into the electrolyte.
        plating_current: Plating current density at the vertices (any consistent unit).
        step_per_current: Normal displacement per unit current over the step (µm).
        width_um: Projected width W.
        side: +1 for the anode (electrolyte above), -1 for the counter electrode.
        periodic: The two ends are one point of a periodic surface.
        applied_mean: In a galvanostatic cell, the mean current per unit projected width that is
            applied now (it may just have changed: plating → stripping); the vertex currents
            are shifted uniformly so that their mean matches it.
        capillary_stiffness: σ per vertex (µm², :mod:`lidendrite.moving.capillary`): the
            curvature term is taken at the end of the step (linearly implicit), which keeps
            capillarity stable at any step; the swept area is still that of the explicit
            current (Faraday).
        lagged_step: With a second-order (Adams–Bashforth) current: the previous normal step
            times Δt/Δt_prev at these vertices; the implicit capillary correction then acts on
            the difference only.
    """
    i_p = plating_current
    if applied_mean is not None:
        mean = boundary_integral(xy, i_p) / width_um
        i_p = i_p + (applied_mean - mean) * width_um / polyline_length(xy)
    step = step_per_current * i_p
    target = side * boundary_integral(xy, step)  # swept area, signed as ∫ y dx
    if capillary_stiffness is not None:
        # (I − σD₂)(Δn − L) = Δn_explicit − L: with L the previous normal step (× Δt ratio)
        # the implicit correction σD₂(Δn − L) is O(Δt³) per step and keeps a second-order step
        # second order (the capillary term becomes a Crank–Nicolson-like average)
        lag = np.zeros_like(step) if lagged_step is None else np.asarray(lagged_step, float)
        step = lag + implicit_capillary_step(xy, step - lag, capillary_stiffness, periodic=periodic)
    d = keep_spacing(xy, xy + boundary_displacement(step, normals)) - xy
    shift = (target - (area_under(xy + d) - area_under(xy))) / width_um
    d[:, 1] += shift
    if periodic:
        d[0] = d[-1] = 0.5 * (d[0] + d[-1])
    return FrontMotion(d, xy + step[:, None] * normals, float(shift), step)


def clean_front(xy: np.ndarray, spacing_um: float) -> np.ndarray:
    """A front polyline ready for meshing: uniform spacing, no loops, same area under it.

    Resampling cuts across convex arcs and fills concave ones; a uniform shift along y restores
    the area (the Li volume), and loops that resampling may create are cut out.
    """
    area = area_under(xy)
    out = resample_polyline(xy, spacing_um, corner_angle_deg=179.0)
    out, _ = remove_loops(out)
    out[:, 1] += (area - area_under(out)) / (xy[-1, 0] - xy[0, 0])
    return out
