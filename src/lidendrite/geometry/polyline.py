"""Pure-NumPy geometry of open polylines (µm): resampling, normals, curvature, length.

No DOLFINx here: the front motion and its unit tests use these on ``(K, 2)`` vertex arrays.
Orientation: ``side = +1`` means the electrolyte lies to the left of the direction of travel
(the anode ordered by increasing ``x``), ``side = -1`` to the right (the counter electrode
ordered by increasing ``x``). Normals point into the electrolyte; the curvature is positive where
the boundary bulges into the electrolyte.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from lidendrite.errors import GeometryError

__all__ = [
    "check_cell_polylines",
    "carry_along",
    "polyline_curvature",
    "polyline_length",
    "distance_to_polyline",
    "points_in_polygon",
    "polyline_normals",
    "resample_polyline",
]


def _drop_repeated(xy: np.ndarray) -> np.ndarray:
    keep = np.ones(xy.shape[0], dtype=bool)
    keep[1:] = np.hypot(*np.diff(xy, axis=0).T) > 0.0
    return xy[keep]


def resample_polyline(
    xy: np.ndarray, spacing_um: float, *, corner_angle_deg: float = 30.0
) -> np.ndarray:
    """Resample a polyline at equal arc-length steps of at most ``spacing_um``.

    The end points are kept, and so are the corners: vertices where the direction turns by more
    than ``corner_angle_deg``. Each stretch between kept vertices is divided into equal
    arc-length steps, the new vertices lying on the old polyline (linear interpolation).

    Args:
        xy: Array ``(K, 2)`` of ordered vertices (µm).
        spacing_um: Largest arc-length step (µm).
        corner_angle_deg: Turning angle above which a vertex is kept as a corner (degrees).

    Returns:
        Array ``(M, 2)`` of the new vertices.

    Raises:
        GeometryError: Bad array shape, non-positive spacing, or a polyline of zero length.
    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
        raise GeometryError(f"a polyline needs an array of shape (K >= 2, 2), got {xy.shape}")
    if not spacing_um > 0.0:
        raise GeometryError(f"spacing_um must be positive, got {spacing_um}")
    xy = _drop_repeated(xy)
    if xy.shape[0] < 2:
        raise GeometryError("cannot resample a polyline of zero length")
    seg = np.diff(xy, axis=0)
    cross = seg[:-1, 0] * seg[1:, 1] - seg[:-1, 1] * seg[1:, 0]
    dot = np.sum(seg[:-1] * seg[1:], axis=1)
    turning = np.abs(np.arctan2(cross, dot))
    corners = 1 + np.flatnonzero(turning > math.radians(corner_angle_deg))
    kept = np.concatenate([[0], corners, [xy.shape[0] - 1]])
    pieces = []
    for start, stop in itertools.pairwise(kept.tolist()):
        part = xy[start : stop + 1]
        s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(part, axis=0).T))])
        n = max(1, math.ceil(s[-1] / spacing_um - 1e-9))
        s_new = np.linspace(0.0, s[-1], n + 1)
        new = np.column_stack([np.interp(s_new, s, part[:, 0]), np.interp(s_new, s, part[:, 1])])
        new[0], new[-1] = part[0], part[-1]
        pieces.append(new if not pieces else new[1:])
    return np.vstack(pieces)


def _with_mirrored_ends(xy: np.ndarray, mirror_ends: bool, periodic: bool = False) -> np.ndarray:
    """The vertices, with a ghost point mirrored about the vertical line through each end.

    With ``periodic`` the ghost points are the periodic images of the neighbours of the other
    end (the polyline continues with period W = x_K - x_0).
    """
    if periodic:
        shift = np.array([xy[-1, 0] - xy[0, 0], 0.0])
        return np.vstack([xy[-2] - shift, xy, xy[1] + shift])
    if not mirror_ends:
        return xy
    first = np.array([2.0 * xy[0, 0] - xy[1, 0], xy[1, 1]])
    last = np.array([2.0 * xy[-1, 0] - xy[-2, 0], xy[-2, 1]])
    return np.vstack([first, xy, last])


def _check(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
        raise GeometryError(f"a polyline needs an array of shape (K >= 2, 2), got {xy.shape}")
    if np.any(np.hypot(*np.diff(xy, axis=0).T) == 0.0):
        raise GeometryError("the polyline has two consecutive identical vertices")
    return xy


def polyline_normals(
    xy: np.ndarray, side: int = +1, mirror_ends: bool = True, periodic: bool = False
) -> np.ndarray:
    """Unit vertex normals pointing into the electrolyte.

    The normal at a vertex is the normalised average of the unit normals of its two segments.
    With ``mirror_ends`` the end points get a ghost neighbour mirrored about the vertical wall
    through them, which makes the end normals exactly vertical (zero slope at the insulating
    side walls); without it an end takes the normal of its only segment.

    Args:
        xy: Array ``(K, 2)`` of ordered vertices.
        side: +1 if the electrolyte lies left of the direction of travel, -1 if right.
        mirror_ends: Mirror the ends about the side walls.
        periodic: The polyline is one period of a periodic curve (periodic side walls); the
            ends take their neighbours from the other end (overrides ``mirror_ends``).

    Returns:
        Array ``(K, 2)`` of unit normals.
    """
    xy = _check(xy)
    ext = _with_mirrored_ends(xy, mirror_ends, periodic)
    mirror_ends = mirror_ends or periodic
    seg = np.diff(ext, axis=0)
    seg_length = np.hypot(seg[:, 0], seg[:, 1])
    # A ghost segment has zero length when an end segment is vertical: it adds nothing.
    seg = np.divide(seg, seg_length[:, None], out=np.zeros_like(seg), where=seg_length[:, None] > 0)
    seg_normal = float(np.sign(side)) * np.column_stack([-seg[:, 1], seg[:, 0]])
    if mirror_ends:
        total = seg_normal[:-1] + seg_normal[1:]
    else:
        total = np.vstack([seg_normal[:1], seg_normal[:-1] + seg_normal[1:], seg_normal[-1:]])
    length = np.hypot(total[:, 0], total[:, 1])
    # A vertex where the polyline folds back on itself has no average: use the incoming segment.
    cusp = length < 1e-12
    if np.any(cusp):
        incoming = seg_normal[:-1] if mirror_ends else np.vstack([seg_normal[:1], seg_normal])
        total[cusp] = incoming[: xy.shape[0]][cusp]
        length[cusp] = 1.0
    return total / length[:, None]


def polyline_curvature(
    xy: np.ndarray, side: int = +1, mirror_ends: bool = True, periodic: bool = False
) -> np.ndarray:
    """Discrete (Menger) curvature at each vertex, in 1/µm.

    ``κ = 2 (P - Q) × (R - P) / (|P - Q| |R - P| |R - Q|)`` for a vertex ``P`` with neighbours
    ``Q`` and ``R``: the inverse radius of the circle through the three points, exact for
    vertices on a circle. The sign is positive where the boundary bulges into the electrolyte
    (a circle of radius R bulging into the electrolyte has ``κ = +1/R``). With ``mirror_ends``
    the ends use a ghost neighbour mirrored about the vertical wall (zero-slope condition);
    without it an end copies the curvature of its neighbour.

    Args:
        xy: Array ``(K, 2)`` of ordered vertices.
        side: +1 if the electrolyte lies left of the direction of travel, -1 if right.
        mirror_ends: Mirror the ends about the side walls.
        periodic: The polyline is one period of a periodic curve (periodic side walls); the
            ends take their neighbours from the other end (overrides ``mirror_ends``).

    Returns:
        Array ``(K,)`` of curvatures (1/µm).
    """
    xy = _check(xy)
    ext = _with_mirrored_ends(xy, mirror_ends, periodic)
    mirror_ends = mirror_ends or periodic
    q, p, r = ext[:-2], ext[1:-1], ext[2:]
    a = p - q
    b = r - p
    c = r - q
    cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    denom = np.hypot(a[:, 0], a[:, 1]) * np.hypot(b[:, 0], b[:, 1]) * np.hypot(c[:, 0], c[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.where(denom > 0.0, -float(np.sign(side)) * 2.0 * cross / denom, 0.0)
    if mirror_ends:
        return inner
    if inner.size == 0:
        return np.zeros(xy.shape[0])
    return np.concatenate([inner[:1], inner, inner[-1:]])


def polyline_length(xy: np.ndarray) -> float:
    """Total length of a polyline (µm).

    Args:
        xy: Array ``(K, 2)`` of ordered vertices.

    Returns:
        The sum of the segment lengths.
    """
    d = np.diff(np.asarray(xy, dtype=np.float64), axis=0)
    return float(np.sum(np.hypot(d[:, 0], d[:, 1])))


#: Grid (µm) to which every Gmsh input coordinate is rounded. Gmsh turns a 1e-14 µm change of
#: its input into a different mesh, and the electrode polylines carry round-off that depends on
#: the partition (the solution values that move them); on the grid, every rank count meshes the
#: same polylines.
GMSH_GRID_UM = 1e-9


def snap_to_grid(xy_um: np.ndarray, grid_um: float = GMSH_GRID_UM) -> np.ndarray:
    """Coordinates rounded to the nearest multiple of ``grid_um`` (float64 copy)."""
    return np.round(np.asarray(xy_um, dtype=np.float64) / grid_um) * grid_um


# ------------------------------------------------------------------ the two electrodes of a cell


def _point_segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    len2 = np.sum(ab * ab, axis=1)
    t = np.divide(np.sum((p - a) * ab, axis=1), len2, out=np.zeros_like(len2), where=len2 > 0)
    closest = a + np.clip(t, 0.0, 1.0)[:, None] * ab
    return np.hypot(*(p - closest).T)


def _segments_meet(
    a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray, tol: float
) -> np.ndarray:
    """Whether segments ``a0-a1`` and ``b0-b1`` intersect or come closer than ``tol``."""

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return (q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0])

    crossing = (orient(a0, a1, b0) * orient(a0, a1, b1) < 0.0) & (
        orient(b0, b1, a0) * orient(b0, b1, a1) < 0.0
    )
    distance = np.minimum.reduce(
        [
            _point_segment_distance(a0, b0, b1),
            _point_segment_distance(a1, b0, b1),
            _point_segment_distance(b0, a0, a1),
            _point_segment_distance(b1, a0, a1),
        ]
    )
    return crossing | (distance <= tol)


def _first_contact(polygon: np.ndarray, tol: float) -> tuple[int, int] | None:
    """First pair of non-adjacent edges of a closed polygon that meet, or None if it is simple.

    Candidate pairs are those whose bounding boxes overlap, found by sorting the edges by their
    smallest x, so the cost grows with the number of overlapping pairs rather than quadratically.
    """
    n = polygon.shape[0]
    p0 = polygon
    p1 = np.roll(polygon, -1, axis=0)
    lo = np.minimum(p0, p1) - tol
    hi = np.maximum(p0, p1) + tol
    order = np.argsort(lo[:, 0], kind="stable")
    lo_x_sorted = lo[order, 0]
    last = np.searchsorted(lo_x_sorted, hi[order, 0], side="right")
    counts = np.maximum(last - np.arange(n) - 1, 0)
    total = int(counts.sum())
    if total == 0:
        return None
    first_of = np.repeat(np.arange(n), counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    i = order[first_of]
    j = order[first_of + 1 + offset]
    gap = np.abs(i - j)
    candidate = (gap != 1) & (gap != n - 1)
    candidate &= (lo[i, 1] <= hi[j, 1]) & (lo[j, 1] <= hi[i, 1])
    i, j = i[candidate], j[candidate]
    meet = _segments_meet(p0[i], p1[i], p0[j], p1[j], tol)
    if not np.any(meet):
        return None
    k = np.flatnonzero(meet)
    pairs = np.sort(np.column_stack([i[k], j[k]]), axis=1)
    first = np.lexsort((pairs[:, 1], pairs[:, 0]))[0]
    return int(pairs[first, 0]), int(pairs[first, 1])


def check_cell_polylines(anode: np.ndarray, counter: np.ndarray) -> None:
    """Raise GeometryError unless anode, walls and counter bound one simple region."""
    for name, xy in (("anode", anode), ("counter", counter)):
        if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
            raise GeometryError(f"the {name} polyline needs shape (K >= 2, 2), got {xy.shape}")
        if not np.all(np.isfinite(xy)):
            raise GeometryError(f"the {name} polyline has non-finite coordinates")
        if np.any(np.hypot(*np.diff(xy, axis=0).T) == 0.0):
            raise GeometryError(f"the {name} polyline has two identical consecutive vertices")
    scale = float(np.ptp(np.vstack([anode, counter]), axis=0).max())
    tol = 1e-9 * scale
    for end, label in ((0, "left"), (-1, "right")):
        if abs(anode[end, 0] - counter[end, 0]) > tol:
            raise GeometryError(
                f"the {label} ends of the anode (x = {anode[end, 0]:.6g} µm) and the counter "
                f"electrode (x = {counter[end, 0]:.6g} µm) are not on one vertical side wall"
            )
        if counter[end, 1] - anode[end, 1] <= tol:
            raise GeometryError(
                f"the anode reaches the counter electrode at the {label} side wall "
                f"(y = {anode[end, 1]:.6g} µm >= {counter[end, 1]:.6g} µm)"
            )
    # The boundary counter-clockwise: anode, right wall, counter (right to left), left wall.
    polygon = np.vstack([anode, counter[::-1]])
    k_a = anode.shape[0]
    names = ["anode"] * (k_a - 1) + ["right side wall"]
    names += ["counter electrode"] * (counter.shape[0] - 1) + ["left side wall"]
    contact = _first_contact(polygon, tol)
    if contact is not None:
        i, j = contact
        x, y = polygon[i]
        if names[i] == names[j]:
            raise GeometryError(
                f"the {names[i]} crosses or touches itself near ({x:.6g}, {y:.6g}) µm"
            )
        if {names[i], names[j]} == {"anode", "counter electrode"}:
            raise GeometryError(
                f"the anode reaches the counter electrode near ({x:.6g}, {y:.6g}) µm"
            )
        raise GeometryError(
            f"the {names[i]} and the {names[j]} cross or touch near ({x:.6g}, {y:.6g}) µm"
        )
    x, y = polygon[:, 0], polygon[:, 1]
    if 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) <= 0.0:
        raise GeometryError("the anode lies above the counter electrode")


# ------------------------------------------------------- values attached to a moving surface


def carry_along(points: np.ndarray, xy: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values of a polyline at the nearest point on it of each of ``points``.

    ``values`` are given at the vertices of ``xy`` and interpolated linearly in arc length along
    the segment that holds the nearest point: how a quantity attached to a surface (the material
    coordinate) is carried onto the vertices of a remeshed surface.
    """
    a, b = xy[:-1], xy[1:]
    d = b - a
    length2 = np.maximum((d**2).sum(axis=1), 1e-300)
    out = np.empty(len(points))
    for k, p in enumerate(np.asarray(points, dtype=float)):
        t = np.clip(((p - a) * d).sum(axis=1) / length2, 0.0, 1.0)
        dist2 = ((a + t[:, None] * d - p) ** 2).sum(axis=1)
        j = int(np.argmin(dist2))
        out[k] = (1.0 - t[j]) * values[j] + t[j] * values[j + 1]
    return out


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point lies inside a closed polygon (even–odd rule, vectorised)."""
    pts = np.asarray(points, dtype=float)
    poly = np.asarray(polygon, dtype=float)
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    a, b = poly[:-1], poly[1:]
    straddle = (a[:, 1] > y) != (b[:, 1] > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = a[:, 0] + (y - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
    return (np.count_nonzero(straddle & (x < x_cross), axis=1) % 2) == 1


def distance_to_polyline(points: np.ndarray, xy: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Euclidean distance of each point to an open polyline (vectorised in chunks of points)."""
    pts = np.asarray(points, dtype=float)
    a = np.asarray(xy, dtype=float)[:-1]
    d = np.asarray(xy, dtype=float)[1:] - a
    length2 = np.maximum((d**2).sum(axis=1), 1e-300)
    out = np.empty(len(pts))
    for k in range(0, len(pts), chunk):
        p = pts[k : k + chunk, None, :]
        t = np.clip(((p - a) * d).sum(axis=2) / length2, 0.0, 1.0)
        out[k : k + chunk] = np.sqrt(((a + t[..., None] * d - p) ** 2).sum(axis=2).min(axis=1))
    return out
