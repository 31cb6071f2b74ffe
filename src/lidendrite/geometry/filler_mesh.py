"""The Gmsh model of a cell with fillers (built-in kernel, rank 0 only; lengths in µm).

Every region is described by its oriented boundary: straight lines and circular arcs (each under
half a turn, so that Gmsh's ``addCircleArc`` is unambiguous). The surface of a region is its own
boundary minus the boundaries of the regions directly inside it (the chains cancel along shared
curves), split into loops: the outer loop and the holes. The electrolyte is the cell (anode
polyline, right wall, counter polyline, left wall) minus the top-level fillers; a blocking filler
has no surface and leaves a hole whose boundary is tagged ``fillers``. With periodic sides a
filler that crosses a side wall is cut there and its image enters through the other wall; the
side walls are split at the same heights on both sides and meshed as periodic copies. Circles
stay exact circles (mesh nodes on them), polygons keep their vertices: remeshing the same shapes
reproduces the same filler boundaries.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import gmsh
import numpy as np

from lidendrite.errors import GeometryError
from lidendrite.geometry import tags
from lidendrite.geometry.filler_layouts import clip_halfplane, polygon_area
from lidendrite.geometry.fillers import Shape

__all__ = ["graded_size_field", "mesh_cell_with_fillers"]

Pt = tuple[float, float]
Edge = tuple  # ("L", p, q) or ("A", p, q, centre)


def graded_size_field(
    curves: list[int], size_min_um: float, size_max_um: float, distance_um: float
) -> int:
    """Threshold field: ``size_min`` on the curves, growing linearly to ``size_max``."""
    field = gmsh.model.mesh.field
    distance = field.add("Distance")
    field.setNumbers(distance, "CurvesList", curves)
    field.setNumber(distance, "Sampling", 10)
    threshold = field.add("Threshold")
    field.setNumber(threshold, "InField", distance)
    field.setNumber(threshold, "SizeMin", size_min_um)
    field.setNumber(threshold, "SizeMax", size_max_um)
    field.setNumber(threshold, "DistMin", 0.0)
    field.setNumber(threshold, "DistMax", distance_um)
    return threshold


def _arcs(c: Pt, r: float, t0: float, t1: float, start: Pt, end: Pt, dx: float) -> list[Edge]:
    """Counter-clockwise arcs from angle t0 to t1 (each under a quarter turn), moved by dx."""
    n = max(2, math.ceil((t1 - t0) / (0.5 * math.pi) - 1e-9))
    pts = [start]
    for k in range(1, n):
        t = t0 + (t1 - t0) * k / n
        pts.append((c[0] + r * math.cos(t) + dx, c[1] + r * math.sin(t)))
    pts.append(end)
    centre = (c[0] + dx, c[1])
    return [("A", pts[k], pts[k + 1], centre) for k in range(n)]


def _circle_piece(s: Shape, lo: float, hi: float, dx: float) -> list[Edge] | None:
    """Boundary of the part of circle ``s`` with lo <= x <= hi, then moved by dx."""
    (xc, yc), r = s.center, s.radius
    if xc - r >= hi or xc + r <= lo:
        return None
    if xc - r >= lo and xc + r <= hi:
        q = [(xc + r + dx, yc), (xc + dx, yc + r), (xc - r + dx, yc), (xc + dx, yc - r)]
        return [("A", q[k], q[(k + 1) % 4], (xc + dx, yc)) for k in range(4)]
    if xc - r < lo:
        w = lo - xc
        h, tc = math.sqrt(r * r - w * w), math.acos(w / r)
        a, b = (lo + dx, yc - h), (lo + dx, yc + h)
        return [*_arcs((xc, yc), r, -tc, tc, a, b, dx), ("L", b, a)]
    w = hi - xc
    h, tc = math.sqrt(r * r - w * w), math.acos(w / r)
    a, b = (hi + dx, yc + h), (hi + dx, yc - h)
    return [*_arcs((xc, yc), r, tc, 2.0 * math.pi - tc, a, b, dx), ("L", b, a)]


def _polygon_piece(s: Shape, lo: float, hi: float, dx: float) -> list[Edge] | None:
    v = np.asarray(s.vertices, dtype=float)
    v = clip_halfplane(v, np.array([-1.0, 0.0]), -lo)
    v = clip_halfplane(v, np.array([1.0, 0.0]), hi)
    if len(v) < 3:
        return None
    pts = []
    for x, y in v:
        x = lo if abs(x - lo) <= 1e-12 * max(1.0, abs(lo)) else x
        x = hi if abs(x - hi) <= 1e-12 * max(1.0, abs(hi)) else x
        pts.append((float(x) + dx, float(y)))
    return [("L", pts[k], pts[(k + 1) % len(pts)]) for k in range(len(pts))]


def _key(e: Edge) -> tuple[tuple, int]:
    p, q = e[1], e[2]
    sign = 1 if p < q else -1
    a, b = (p, q) if sign > 0 else (q, p)
    return (e[0], a, b, *e[3:]), sign


def _loops(chain: Counter) -> list[list[tuple[tuple, int]]]:
    """Split a chain of net-oriented curves into closed loops."""
    out_of: dict[Pt, list[tuple[tuple, int]]] = defaultdict(list)
    for key, n in chain.items():
        if n == 0:
            continue
        if abs(n) != 1:
            raise GeometryError("fillers overlap: a curve is shared by more than two regions")
        sign = 1 if n > 0 else -1
        start = key[1] if sign > 0 else key[2]
        out_of[start].append((key, sign))
    loops = []
    while out_of:
        start = next(iter(out_of))
        loop, point = [], start
        while True:
            edges = out_of.get(point)
            if not edges:
                raise GeometryError("fillers touch: a region boundary does not close")
            key, sign = edges.pop()
            if not edges:
                del out_of[point]
            loop.append((key, sign))
            point = key[2] if sign > 0 else key[1]
            if point == start:
                break
        loops.append(loop)
    return loops


def _loop_polygon(loop: list[tuple[tuple, int]]) -> np.ndarray:
    """Vertices of a loop (arcs through their midpoints), in its orientation."""
    pts = []
    for key, sign in loop:
        p, q = (key[1], key[2]) if sign > 0 else (key[2], key[1])
        pts.append(p)
        if key[0] == "A":
            c = np.asarray(key[3])
            m = 0.5 * (np.asarray(p) + np.asarray(q)) - c
            r = math.hypot(p[0] - c[0], p[1] - c[1])
            m = c + m / max(float(np.linalg.norm(m)), 1e-300) * r
            pts.append((float(m[0]), float(m[1])))
    return np.asarray(pts)


def _contains(v: np.ndarray, p: np.ndarray) -> bool:
    """Point in polygon (even-odd rule)."""
    x, y = v[:, 0], v[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    crosses = (y > p[1]) != (yn > p[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x + (p[1] - y) * (xn - x) / (yn - y)
    return bool(np.count_nonzero(crosses & (p[0] < xi)) % 2)


def _surfaces(loops: list[list[tuple[tuple, int]]]) -> list[tuple[int, list[int]]]:
    """Group loops into surfaces: each counter-clockwise loop with the clockwise ones inside it.

    Returns (index of the outer loop, indices of its holes) per surface.
    """
    polys = [_loop_polygon(lp) for lp in loops]
    areas = [polygon_area(v) for v in polys]
    outers = sorted((k for k, a in enumerate(areas) if a > 0), key=lambda k: areas[k])
    out = {k: [] for k in outers}
    for k, a in enumerate(areas):
        if a > 0:
            continue
        probe = polys[k][0]
        home = next((o for o in outers if _contains(polys[o], probe)), None)
        if home is None:
            raise GeometryError("a filler boundary lies outside every region")
        out[home].append(k)
    return list(out.items())


def mesh_cell_with_fillers(
    anode: np.ndarray,
    counter: np.ndarray,
    shapes: Sequence[Shape],
    size_at_anode_um: float,
    size_bulk_um: float,
    grading_distance_um: float,
    refine_counter: bool,
    periodic: bool,
    wrap_size_field: Callable[[int, list[int]], int] | None = None,
) -> None:
    """Build and mesh the cell with its fillers in the current Gmsh model (rank 0 only).

    ``wrap_size_field(field, counter_curves)`` returns the size field to use instead of the
    window's ``field`` (the far field of a thick membrane).
    """
    lo, hi = float(anode[0, 0]), float(anode[-1, 0])
    width = hi - lo
    anode_pts = [(float(x), float(y)) for x, y in anode]
    counter_pts = [(float(x), float(y)) for x, y in counter]
    anode_edges = [("L", anode_pts[k], anode_pts[k + 1]) for k in range(len(anode_pts) - 1)]
    counter_edges = [("L", counter_pts[k + 1], counter_pts[k]) for k in range(len(counter_pts) - 1)]

    pieces: list[tuple[Shape, float, list[Edge]]] = []  # shape, image shift, boundary
    images = ((0.0, lo, hi), (-width, hi, hi + width), (width, lo - width, lo))
    for s in shapes:
        if s.kind == "layer":
            y0, y1 = s.y_um
            if y0 <= 0.0:
                if float(anode[:, 1].max()) >= y1:
                    raise GeometryError(
                        f"the anode reaches y = {anode[:, 1].max():.4g} um, through the top of "
                        f"the layer on it (y = {y1:g} um)"
                    )
                top = [("L", (hi, anode_pts[-1][1]), (hi, y1)), ("L", (hi, y1), (lo, y1))]
                edges = anode_edges + top + [("L", (lo, y1), (lo, anode_pts[0][1]))]
            else:
                c = [(lo, y0), (hi, y0), (hi, y1), (lo, y1)]
                edges = [("L", c[k], c[(k + 1) % 4]) for k in range(4)]
            pieces.append((s, 0.0, edges))
            continue
        make = _circle_piece if s.kind == "circle" else _polygon_piece
        for dx, a, b in images if periodic else images[:1]:
            edges = make(s, a, b, dx)
            if edges is not None:
                pieces.append((s, dx, edges))

    # split each side wall at every height where a region or an electrode end meets it;
    # periodic walls are meshed as copies, so there both get the heights of either
    def on_wall(p: Pt) -> bool:
        return p[0] == lo or p[0] == hi

    breaks: dict[float, set[float]] = {lo: set(), hi: set()}
    for p in (anode_pts[0], anode_pts[-1], counter_pts[0], counter_pts[-1]):
        breaks.setdefault(p[0], set()).add(p[1])
    for _, _, edges in pieces:
        for e in edges:
            for p in e[1:3]:
                if on_wall(p):
                    breaks.setdefault(p[0], set()).add(p[1])
    if periodic:
        breaks[lo] = breaks[hi] = breaks[lo] | breaks[hi]
    heights = {side: np.array(sorted(ys)) for side, ys in breaks.items()}

    def split(e: Edge) -> list[Edge]:
        p, q = e[1], e[2]
        if e[0] != "L" or p[0] != q[0] or not on_wall(p):
            return [e]
        wall = heights[p[0]]
        inner = wall[(wall > min(p[1], q[1])) & (wall < max(p[1], q[1]))]
        ys = [p[1], *(inner if q[1] > p[1] else inner[::-1]), q[1]]
        return [("L", (p[0], float(a)), (p[0], float(b))) for a, b in zip(ys, ys[1:], strict=False)]

    def chain(edges: list[Edge]) -> Counter:
        out: Counter = Counter()
        for e in edges:
            for part in split(e):
                key, sign = _key(part)
                out[key] += sign
        return out

    cell_edges = anode_edges + [("L", anode_pts[-1], counter_pts[-1])] + counter_edges
    cell_edges.append(("L", counter_pts[0], anode_pts[0]))
    regions: list[tuple[int, Counter]] = [(tags.ELECTROLYTE, chain(cell_edges))]
    index = {(s.id, dx): k for k, (s, dx, _) in enumerate(pieces)}
    own = [chain(edges) for _, _, edges in pieces]
    surface_chains = [c.copy() for c in own]
    blocking_keys: set[tuple] = set()
    sizes: dict[float, set[tuple]] = defaultdict(set)
    for k, (s, dx, _) in enumerate(pieces):
        parent = index.get((s.parent, dx)) if s.parent >= 0 else None
        target = regions[0][1] if parent is None else surface_chains[parent]
        target.subtract(own[k])
        if s.blocking:
            blocking_keys.update(own[k])
        # sizes on a ladder of ratio 1.25 (rounded down): a few size fields, not one per filler
        level = 1.25 ** math.floor(math.log(s.size_um) / math.log(1.25) + 1e-9)
        sizes[level].update(key for key in own[k] if not _wall_key(key, lo, hi))
    for k, (s, _, _) in enumerate(pieces):
        if not s.blocking:
            regions.append((s.tag, surface_chains[k]))

    geo = gmsh.model.geo
    points: dict[Pt, int] = {}
    curves: dict[tuple, int] = {}

    def point(p: Pt) -> int:
        if p not in points:
            points[p] = geo.addPoint(p[0], p[1], 0.0)
        return points[p]

    def curve(key: tuple) -> int:
        if key not in curves:
            if key[0] == "L":
                curves[key] = geo.addLine(point(key[1]), point(key[2]))
            else:
                curves[key] = geo.addCircleArc(point(key[1]), point(key[3]), point(key[2]))
        return curves[key]

    surfaces: dict[int, list[int]] = defaultdict(list)
    for tag, ch in regions:
        loops = _loops(ch)
        for outer, holes in _surfaces(loops):
            loop_tags = [
                geo.addCurveLoop([sign * curve(key) for key, sign in loops[k]])
                for k in (outer, *holes)
            ]
            surfaces[tag].append(geo.addPlaneSurface(loop_tags))
    geo.synchronize()

    model = gmsh.model
    anode_keys = [_key(e)[0] for e in anode_edges]
    counter_keys = [_key(e)[0] for e in counter_edges]
    for key in anode_keys + counter_keys:
        model.mesh.setTransfiniteCurve(curves[key], 2)
    names = {v: k for k, v in _registry_names(shapes).items()}
    for tag, surf in sorted(surfaces.items()):
        model.addPhysicalGroup(2, surf, tag, name=names.get(tag, f"material_{tag}"))
    left = sorted((k for k in curves if k[0] == "L" and k[1][0] == k[2][0] == lo), key=_ymin)
    right = sorted((k for k in curves if k[0] == "L" and k[1][0] == k[2][0] == hi), key=_ymin)
    groups = {
        tags.ANODE: [curves[k] for k in anode_keys],
        tags.COUNTER: [curves[k] for k in counter_keys],
        tags.LEFT: [curves[k] for k in left],
        tags.RIGHT: [curves[k] for k in right],
        tags.FILLERS: [
            curves[k] for k in blocking_keys if k in curves and not _wall_key(k, lo, hi)
        ],
    }
    for tag, members in groups.items():
        if members:
            name = tags.FACET_NAMES.get(tag, tags.FILLERS_NAME)
            model.addPhysicalGroup(1, members, tag, name=name)

    fields = [
        graded_size_field(groups[tags.ANODE], size_at_anode_um, size_bulk_um, grading_distance_um)
    ]
    if refine_counter:
        fields.append(
            graded_size_field(
                groups[tags.COUNTER], size_at_anode_um, size_bulk_um, grading_distance_um
            )
        )
    for size, keys in sorted(sizes.items()):
        members = [curves[k] for k in keys if k in curves]
        if members and size < size_bulk_um:
            spread = 3.0 * (size_bulk_um - size)
            fields.append(graded_size_field(members, size, size_bulk_um, spread))
    smallest = model.mesh.field.add("Min")
    model.mesh.field.setNumbers(smallest, "FieldsList", fields)
    if wrap_size_field is not None:
        smallest = wrap_size_field(smallest, groups[tags.COUNTER])
    model.mesh.field.setAsBackgroundMesh(smallest)
    if periodic:
        if [_yrange(k) for k in left] != [_yrange(k) for k in right]:
            raise GeometryError("periodic sides: the side walls are split at different heights")
        translation = [1, 0, 0, width, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        model.mesh.setPeriodic(
            1, [curves[k] for k in right], [curves[k] for k in left], translation
        )
    # integrating the size field along hundreds of filler curves to 1e-9 took seconds
    saved = gmsh.option.getNumber("Mesh.LcIntegrationPrecision")
    gmsh.option.setNumber("Mesh.LcIntegrationPrecision", 1e-3)
    try:
        model.mesh.generate(2)
    finally:
        gmsh.option.setNumber("Mesh.LcIntegrationPrecision", saved)
    element_types, _, _ = model.mesh.getElements(2)
    if len(element_types) == 0:
        raise RuntimeError("Gmsh produced no triangles")


def _registry_names(shapes: Sequence[Shape]) -> dict[str, int]:
    names = {tags.CELL_NAMES[tags.ELECTROLYTE]: tags.ELECTROLYTE}
    names.update({s.material: s.tag for s in shapes})
    return names


def _wall_key(key: tuple, lo: float, hi: float) -> bool:
    return key[0] == "L" and key[1][0] == key[2][0] and key[1][0] in (lo, hi)


def _ymin(key: tuple) -> float:
    return min(key[1][1], key[2][1])


def _yrange(key: tuple) -> tuple[float, float]:
    return key[1][1], key[2][1]
