"""Placement and plane geometry of fillers (pure NumPy, lengths in µm).

Lattices, random sequential addition to an area fraction, CSV centres, fibre strips, Voronoi
and brick grains (convex polygons from half-plane clipping, no SciPy), and distances between
circles and convex polygons. Everything random draws from the generator it is given, so the
same seed gives the same geometry on every rank.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lidendrite.errors import ConfigError

__all__ = [
    "clip_halfplane",
    "distance",
    "grain_polygons",
    "lattice_centres",
    "polygon_area",
    "random_centres",
    "read_centres",
    "strip",
]

#: Densest area fraction random sequential addition of equal discs reaches (jamming), -.
RSA_JAMMING = 0.547
_ATTEMPTS = 5000


def polygon_area(v: np.ndarray) -> float:
    """Signed area (positive counter-clockwise)."""
    x, y = v[:, 0], v[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def clip_halfplane(v: np.ndarray, normal: np.ndarray, offset: float) -> np.ndarray:
    """The part of a convex polygon where ``normal · p <= offset`` (Sutherland–Hodgman)."""
    if len(v) == 0:
        return v
    out = []
    d = v @ normal - offset
    for k in range(len(v)):
        p, q, dp, dq = v[k], v[(k + 1) % len(v)], d[k], d[(k + 1) % len(v)]
        if dp <= 0.0:
            out.append(p)
        if (dp < 0.0 < dq) or (dq < 0.0 < dp):
            out.append(p + (q - p) * (dp / (dp - dq)))
    return np.asarray(out, dtype=float).reshape(-1, 2)


def strip(
    centre: np.ndarray, length_um: float, width_um: float, angle_deg: float
) -> tuple[tuple[float, float], ...]:
    """A rectangle (counter-clockwise vertices) of given length along ``angle_deg``."""
    a = math.radians(angle_deg)
    u = np.array([math.cos(a), math.sin(a)]) * (length_um / 2.0)
    n = np.array([-math.sin(a), math.cos(a)]) * (width_um / 2.0)
    c = np.asarray(centre, dtype=float)
    pts = (c - u - n, c + u - n, c + u + n, c - u + n)
    return tuple((float(p[0]), float(p[1])) for p in pts)


def _region(lay: Any, width_um: float, thickness_um: float) -> tuple[float, float, float, float]:
    if lay.region_um is None:
        return 0.0, 0.0, width_um, thickness_um
    (x0, y0), (x1, y1) = lay.region_um
    if not (x0 < x1 and y0 < y1):
        raise ConfigError(
            f"layout.region_um = [[{x0:g}, {y0:g}], [{x1:g}, {y1:g}]]: needs x0 < x1 and y0 < y1"
        )
    return x0, y0, x1, y1


def lattice_centres(lay: Any, width_um: float, thickness_um: float) -> np.ndarray:
    """Square or hexagonal lattice points in the half-open region box."""
    x0, y0, x1, y1 = _region(lay, width_um, thickness_um)
    s = lay.spacing_um
    dy = s if lay.pattern == "square" else s * math.sqrt(3.0) / 2.0
    ox, oy = lay.offset_um if lay.offset_um is not None else (x0 + s / 2.0, y0 + dy / 2.0)
    rows = np.arange(math.floor((y0 - oy) / dy) - 1, math.ceil((y1 - oy) / dy) + 2)
    out = []
    for j in rows:
        shift = (s / 2.0) * (j % 2) if lay.pattern == "hexagonal" else 0.0
        y = oy + j * dy
        cols = np.arange(math.floor((x0 - ox - shift) / s) - 1, math.ceil((x1 - ox) / s) + 2)
        for i in cols:
            x = ox + shift + i * s
            if x0 - 1e-12 <= x < x1 - 1e-12 and y0 - 1e-12 <= y < y1 - 1e-12:
                out.append((x, y))
    return np.asarray(out, dtype=float).reshape(-1, 2)


def read_centres(path: Path, key: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Centres (and radii, if a third column is there) from a CSV file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{key} = '{path}': cannot read it ({exc.strerror})") from None
    rows = []
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            rows.append([float(v) for v in text.split(",")])
        except ValueError:
            if rows:  # only a header line may be non-numeric
                raise ConfigError(f"{key} = '{path}': line {n} is not numbers: {text!r}") from None
    widths = {len(r) for r in rows}
    if not rows or len(widths) != 1 or widths.pop() not in (2, 3):
        raise ConfigError(f"{key} = '{path}': needs rows x_um, y_um[, radius_um]")
    data = np.asarray(rows, dtype=float)
    if data.shape[1] == 3 and np.any(data[:, 2] <= 0):
        raise ConfigError(f"{key} = '{path}': radii must be positive")
    return data[:, :2], (data[:, 2] if data.shape[1] == 3 else None)


def random_centres(
    lay: Any,
    key: str,
    radii: Callable[[int], np.ndarray],
    shell_um: float,
    width_um: float,
    thickness_um: float,
    periodic: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Random sequential addition up to ``lay.area_fraction`` of the region (core areas).

    Returns the centres, core radii and the realised area fraction (the closest to the target
    that whole particles give).
    """
    x0, y0, x1, y1 = _region(lay, width_um, thickness_um)
    area = (x1 - x0) * (y1 - y0)
    target = lay.area_fraction * area
    if lay.area_fraction > RSA_JAMMING:
        raise ConfigError(
            f"{key}.area_fraction = {lay.area_fraction:g}: random sequential addition cannot "
            f"exceed ~{RSA_JAMMING} (the jamming limit); use a lattice layout"
        )
    wrap = periodic and x0 <= 0.0 and x1 >= width_um
    lo_y = max(y0, lay.keep_out_um)
    hi_y = min(y1, thickness_um - lay.keep_out_um)
    pool = radii(4096)
    rng = np.random.default_rng(lay.seed + 1)
    centres: list[np.ndarray] = []
    rs: list[float] = []
    placed = 0.0
    k = 0
    while placed < target:
        r = float(pool[k % len(pool)])
        k += 1
        reach = r + shell_um
        ax, bx = (x0, x1) if wrap else (x0 + reach, x1 - reach)
        ay, by = lo_y + reach, hi_y - reach
        if ax >= bx or ay >= by:
            raise ConfigError(
                f"{key}: a particle of outer radius {reach:g} um does not fit in the region "
                f"({x1 - x0:g} x {hi_y - lo_y:g} um after keep_out_um)"
            )
        ok = False
        if centres:
            c_arr, r_arr = np.asarray(centres), np.asarray(rs) + shell_um
        for _ in range(_ATTEMPTS):
            p = np.array([rng.uniform(ax, bx), rng.uniform(ay, by)])
            if not centres:
                ok = True
                break
            d = c_arr - p
            if wrap:
                d[:, 0] -= width_um * np.round(d[:, 0] / width_um)
            gap = np.hypot(d[:, 0], d[:, 1]) - r_arr - reach
            if gap.min() > lay.min_gap_um:
                ok = True
                break
        if not ok:
            raise ConfigError(
                f"{key}.area_fraction = {lay.area_fraction:g}: impossible; random placement "
                f"stopped at {placed / area:.3f} after {_ATTEMPTS} attempts (lower it, or "
                "min_gap_um, or use smaller particles)"
            )
        a = math.pi * r * r
        if placed + a - target > target - placed:  # closer to the target without this one
            break
        centres.append(p)
        rs.append(r)
        placed += a
    return np.asarray(centres).reshape(-1, 2), np.asarray(rs), placed / area


def grain_polygons(f: Any, rng: np.random.Generator) -> list[tuple[tuple[float, float], ...]]:
    """Grains (convex, counter-clockwise) of a grain-boundary item, inset by half the boundary.

    ``bricks``: an aligned grid of rectangles of about ``grain_size_um``; ``voronoi``: Voronoi
    cells of uniformly random seeds (one per grain area), clipped to the region.
    """
    (x0, y0), (x1, y1) = f.region_um
    h = f.thickness_um / 2.0
    box = np.array([[x0 + h, y0 + h], [x1 - h, y0 + h], [x1 - h, y1 - h], [x0 + h, y1 - h]])
    out = []
    if f.pattern == "bricks":
        nx = max(1, round((x1 - x0) / f.grain_size_um))
        ny = max(1, round((y1 - y0) / f.grain_size_um))
        xs, ys = np.linspace(x0, x1, nx + 1), np.linspace(y0, y1, ny + 1)
        for j in range(ny):
            for i in range(nx):
                a, b = (xs[i] + h, ys[j] + h), (xs[i + 1] - h, ys[j + 1] - h)
                out.append((a, (b[0], a[1]), b, (a[0], b[1])))
        return [tuple((float(x), float(y)) for x, y in p) for p in out]
    n = max(1, round((x1 - x0) * (y1 - y0) / f.grain_size_um**2))
    seeds = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    for i, s in enumerate(seeds):
        poly = box.copy()
        for j, t in enumerate(seeds):
            if i == j:
                continue
            u = t - s
            norm = float(np.hypot(*u))
            if norm == 0.0:
                continue
            u = u / norm
            poly = clip_halfplane(poly, u, float(u @ (0.5 * (s + t))) - h)
        if len(poly) >= 3 and polygon_area(poly) > (2 * h) ** 2:
            out.append(_dedupe(poly, 1e-3 * h))
    return out


def _dedupe(poly: np.ndarray, tol: float) -> tuple[tuple[float, float], ...]:
    keep = [p for k, p in enumerate(poly) if np.hypot(*(p - poly[k - 1])) > tol]
    return tuple((float(x), float(y)) for x, y in keep)


def _point_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = min(max(float((p - a) @ ab) / float(ab @ ab), 0.0), 1.0)
    return float(np.hypot(*(a + t * ab - p)))


def _inside(p: np.ndarray, v: np.ndarray) -> bool:
    """Point strictly inside a counter-clockwise convex polygon."""
    e = np.roll(v, -1, axis=0) - v
    cross = e[:, 0] * (p[1] - v[:, 1]) - e[:, 1] * (p[0] - v[:, 0])
    return bool(np.all(cross > 0.0))


def _poly_distance(v: np.ndarray, w: np.ndarray) -> float:
    if any(_inside(p, w) for p in v) or any(_inside(p, v) for p in w):
        return -1.0
    best = math.inf
    for a_poly, b_poly in ((v, w), (w, v)):
        for p in a_poly:
            for k in range(len(b_poly)):
                best = min(best, _point_segment(p, b_poly[k], b_poly[k - 1]))
    return best  # crossing edges of convex polygons put a vertex inside: handled above


def distance(a: Any, b: Any, shift_x: float = 0.0) -> float:
    """Gap between two shapes (b moved by ``shift_x``); <= 0 where they touch or overlap."""
    if a.kind == "layer" or b.kind == "layer":
        lay, other = (a, b) if a.kind == "layer" else (b, a)
        if other.kind == "layer":
            return min(b.y_um[0] - a.y_um[1], a.y_um[0] - b.y_um[1])
        _, lo, _, hi = other.bbox()
        return max(lo - lay.y_um[1], lay.y_um[0] - hi)
    if a.kind == "circle" and b.kind == "circle":
        d = math.hypot(a.center[0] - b.center[0] - shift_x, a.center[1] - b.center[1])
        return d - a.radius - b.radius
    if a.kind == "circle" or b.kind == "circle":
        circ, poly, sign = (a, b, 1.0) if a.kind == "circle" else (b, a, -1.0)
        v = np.asarray(poly.vertices) + (np.array([shift_x, 0.0]) * (1.0 if sign > 0 else 0.0))
        c = np.asarray(circ.center) + (np.array([shift_x, 0.0]) * (0.0 if sign > 0 else 1.0))
        if _inside(c, v):
            return -1.0
        return min(_point_segment(c, v[k], v[k - 1]) for k in range(len(v))) - circ.radius
    w = np.asarray(b.vertices) + np.array([shift_x, 0.0])
    return _poly_distance(np.asarray(a.vertices), w)
