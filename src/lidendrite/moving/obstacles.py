"""Fillers as obstacles of the moving Li front: gaps, contacts and holding the front (NumPy, µm).

Every filler region is fixed in space (the mesh motion holds blocking holes and the interfaces
between materials; a remesh re-creates them from the same shapes), so the front can not enter
one: it stops at a *contact distance* from the outermost boundary of every filler — the hole of
a blocking particle, the outer surface of a shell, a conducting particle, the face of a layer it
grows towards. :func:`hold_front` limits the displacement of one explicit step accordingly and
puts the Li that the held vertices do not take onto the free part of the front (a uniform
vertical shift), so the swept area — the Faraday volume — is unchanged. No DOLFINx.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lidendrite.errors import SolverError
from lidendrite.moving.front import area_under, crosses_at, first_self_intersection

__all__ = ["Obstacle", "contact_distance_um", "gaps", "hold_front", "obstacles_from_shapes"]

#: Smallest contact distance (µm), and the fraction of the anode element size it is otherwise.
MIN_CONTACT_DISTANCE_UM = 0.02
CONTACT_DISTANCE_PER_ELEMENT = 0.5
#: A vertex within (1 + this) × the distance touches the filler (it was stopped on it).
TOUCH_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Obstacle:
    """The outer boundary of one filler (an item of ``CellMesh.source['fillers']``).

    ``kind``: ``circle`` (``center``, ``radius``), ``polygon`` (convex, CCW ``vertices``) or
    ``line`` (a layer face at height ``y``, the front below it).
    """

    id: int
    item: int
    material: str
    blocking: bool
    kind: str
    center: tuple[float, float] | None = None
    radius: float | None = None
    vertices: np.ndarray | None = None
    y: float | None = None


def contact_distance_um(size_at_anode_um: float) -> float:
    """Distance from a filler at which the front stops: max(0.5 h, 0.02 µm)."""
    return max(CONTACT_DISTANCE_PER_ELEMENT * size_at_anode_um, MIN_CONTACT_DISTANCE_UM)


def obstacles_from_shapes(
    shapes: Sequence[Mapping[str, Any]], anode_xy: np.ndarray
) -> list[Obstacle]:
    """The outermost shapes (``parent < 0``) of ``CellMesh.source['fillers']`` as obstacles.

    A blocking core inside a shell is reached through the shell, so the shell is the obstacle
    (with the core's ``blocking``).
    A layer the anode starts in (its bottom at or below the lowest anode point) is an obstacle
    at its top face, any other layer at its bottom face.
    """
    by_id = {int(s["id"]): s for s in shapes}
    blocking_inside = {int(s["parent"]) for s in shapes if s["parent"] >= 0 and s["blocking"]}
    y_min = float(np.min(anode_xy[:, 1]))
    out = []
    for sid, s in by_id.items():
        if s["parent"] >= 0:
            continue
        common = dict(
            id=sid,
            item=int(s["item"]),
            material=str(s["material"]),
            blocking=bool(s["blocking"]) or sid in blocking_inside,
            kind=s["kind"],
        )
        if s["kind"] == "circle":
            out.append(Obstacle(**common, center=tuple(s["center"]), radius=float(s["radius"])))
        elif s["kind"] == "polygon":
            out.append(Obstacle(**common, vertices=np.asarray(s["vertices"], dtype=float)))
        else:
            y0, y1 = (float(v) for v in s["y_um"])
            common["kind"] = "line"
            out.append(Obstacle(**common, y=y1 if y0 <= y_min + 1e-9 else y0))
    return out


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from points ``p`` (K, 2) to the segment a→b."""
    d = b - a
    t = np.clip(((p - a) @ d) / max(float(d @ d), 1e-300), 0.0, 1.0)
    return np.hypot(*(p - (a + t[:, None] * d)).T)


def signed_gap(points: np.ndarray, obstacle: Obstacle, width_um: float | None = None) -> np.ndarray:
    """Distance of ``points`` (K, 2) from the obstacle's boundary, negative inside it.

    With ``width_um`` (periodic sides) the images shifted by ±W count too.
    """
    shifts = (0.0,) if width_um is None else (0.0, -width_um, width_um)
    best = np.full(len(points), np.inf)
    for dx in shifts:
        p = points - np.array([dx, 0.0])
        if obstacle.kind == "circle":
            g = np.hypot(p[:, 0] - obstacle.center[0], p[:, 1] - obstacle.center[1])
            g = g - obstacle.radius
        elif obstacle.kind == "polygon":
            v = obstacle.vertices
            w = np.roll(v, -1, axis=0)
            dist = np.min([_segment_distance(p, a, b) for a, b in zip(v, w, strict=True)], axis=0)
            edge = w - v
            cross = edge[:, 0] * (p[:, None, 1] - v[:, 1]) - edge[:, 1] * (p[:, None, 0] - v[:, 0])
            inside = np.all(cross >= 0.0, axis=1)
            g = np.where(inside, -dist, dist)
        else:
            return obstacle.y - points[:, 1]
        best = np.minimum(best, g)
    return best


def gaps(
    xy: np.ndarray, obstacles: Sequence[Obstacle], width_um: float | None = None
) -> np.ndarray:
    """Signed gaps (K, N) of the front vertices to every obstacle (``width_um``: periodic)."""
    if not obstacles:
        return np.full((len(xy), 0), np.inf)
    return np.column_stack([signed_gap(xy, o, width_um) for o in obstacles])


def _min_gap(xy: np.ndarray, obstacles: Sequence[Obstacle], width_um: float | None) -> np.ndarray:
    return gaps(xy, obstacles, width_um).min(axis=1, initial=np.inf)


def _gap_gradient(
    xy: np.ndarray, obstacles: Sequence[Obstacle], width_um: float | None, eps_um: float = 1e-6
) -> np.ndarray:
    """Unit gradient of the smallest gap (pointing away from the nearest filler), (K, 2)."""
    grad = np.column_stack(
        [
            _min_gap(xy + e, obstacles, width_um) - _min_gap(xy - e, obstacles, width_um)
            for e in (np.array([eps_um, 0.0]), np.array([0.0, eps_um]))
        ]
    )
    norm = np.hypot(grad[:, 0], grad[:, 1])
    return grad / np.where(norm > 0, norm, 1.0)[:, None]


def _area_weights(x: np.ndarray) -> np.ndarray:
    """∂(∫ y dx)/∂y_k of a polyline with vertex abscissae ``x`` (trapezoid rule)."""
    dx = np.diff(x)
    return 0.5 * (np.r_[dx, 0.0] + np.r_[0.0, dx])


def _capped_lift(
    area: float, weights: np.ndarray, free: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Vertical shifts of the ``free`` vertices that add ``area``, none beyond its ``room``.

    A uniform shift where every free vertex has the room; otherwise the vertices that would
    come within the contact distance of a filler (``room``: their gap beyond it, a bound on how
    far they may move) take only their room and the others share the rest. Falls back to the
    uniform shift when the others cannot take it (their width is not positive).
    """
    shift = np.zeros(len(weights))
    uniform = area / float(weights[free].sum())
    capped = np.zeros(len(weights), dtype=bool)
    level = uniform
    for _ in range(len(weights)):
        newly = free & ~capped & (room < abs(level))
        if not newly.any():
            break
        capped |= newly
        shift[capped] = np.sign(area) * room[capped]
        open_ = free & ~capped
        width = float(weights[open_].sum())
        if width <= 0.0:
            shift[:] = 0.0
            shift[free] = uniform
            return shift
        level = (area - float(weights[capped] @ shift[capped])) / width
    shift[free & ~capped] = level
    return shift


def hold_front(
    xy: np.ndarray,
    step: np.ndarray,
    obstacles: Sequence[Obstacle],
    distance_um: float,
    *,
    width_um: float,
    periodic: bool = False,
    passes: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """Limit one step of the front so that no vertex comes closer than ``distance_um`` to a filler.

    A vertex already within the distance that would come closer slides along the filler (the
    component of its step towards the filler is removed; where that still brings it closer, at
    a corner, it keeps its place); a vertex that would cross the distance is stopped on it
    (bisection along its step). The swept area the
    held vertices lose goes to the free vertices as a uniform vertical shift (the area under a
    polyline is linear in its ordinates, so the total is exact); free vertices that the shift
    brings to a filler are held in the next pass.

    Returns the new displacement (K, 2) and the mask of held vertices.

    Raises:
        SolverError: fillers hold the front over (almost) its whole width.
    """
    wrap = width_um if periodic else None
    step = np.array(step, dtype=float)
    held = np.zeros(len(xy), dtype=bool)
    if not obstacles:
        return step, held
    target = area_under(xy + step) - area_under(xy)
    g0 = _min_gap(xy, obstacles, wrap)
    touching = distance_um * (1.0 + TOUCH_TOLERANCE)  # a vertex stopped on d slides next
    for _ in range(passes):
        g1 = _min_gap(xy + step, obstacles, wrap)
        stuck = ~held & (g0 <= touching) & (g1 < g0)
        crossing = ~held & (g0 > touching) & (g1 < distance_um)
        if not (stuck.any() or crossing.any()) and held.any():
            break
        if stuck.any():  # slide along the filler: no motion towards it
            k = np.flatnonzero(stuck)
            n = _gap_gradient(xy[k], obstacles, wrap)
            inward = np.minimum(np.sum(step[k] * n, axis=1), 0.0)
            step[k] -= inward[:, None] * n
            closer = _min_gap(xy[k] + step[k], obstacles, wrap) < np.minimum(g0[k], distance_um)
            step[k[closer]] = 0.0
        idx = np.flatnonzero(crossing)
        lo, hi = np.zeros(idx.size), np.ones(idx.size)
        for _ in range(50):  # the largest fraction of the step that keeps the distance
            mid = 0.5 * (lo + hi)
            ok = _min_gap(xy[idx] + mid[:, None] * step[idx], obstacles, wrap) >= distance_um
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
        step[idx] *= lo[:, None]
        held |= stuck | crossing
        if not held.any():
            return step, held
        free = ~held
        weights = _area_weights((xy + step)[:, 0])
        free_width = float(weights[free].sum())
        if free_width < 1e-3 * width_um:
            raise SolverError(
                "fillers hold the Li front over its whole width (no free surface left to plate "
                "on); set numerics.on_filler_contact = 'stop' or move the fillers"
            )
        step[free, 1] += (target - (area_under(xy + step) - area_under(xy))) / free_width
    return step, held


def nearest(
    xy: np.ndarray, obstacles: Sequence[Obstacle], width_um: float | None = None
) -> list[tuple[float, int]]:
    """For every obstacle, the smallest gap of the front and the vertex where it is."""
    g = gaps(xy, obstacles, width_um)
    k = np.argmin(g, axis=0) if g.size else np.zeros(0, dtype=int)
    return [(float(g[j, i]), int(j)) for i, j in enumerate(k)]


def below_front(points: np.ndarray, front_xy: np.ndarray) -> np.ndarray:
    """Whether points lie under an open front polyline (an odd number of crossings above)."""
    a, b = front_xy[:-1], front_xy[1:]
    x, y = points[:, None, 0], points[:, None, 1]
    spans = (a[:, 0] <= x) != (b[:, 0] <= x)
    dx = np.where(b[:, 0] != a[:, 0], b[:, 0] - a[:, 0], 1.0)
    y_at = a[:, 1] + (x - a[:, 0]) * (b[:, 1] - a[:, 1]) / dx
    return (np.sum(spans & (y_at > y), axis=1) % 2) == 1


def drop_engulfed(
    shapes: Sequence[Mapping[str, Any]], front_xy: np.ndarray
) -> tuple[list[Mapping[str, Any]], list[int]]:
    """The shapes that are not buried under the front, and the ids of the buried outer ones.

    A particle the front has closed over (a loop cut out above it) lies in the Li: it leaves
    the electrolyte mesh, with everything inside it (a core in its shell).
    """
    outer = [s for s in shapes if s["parent"] < 0 and s["kind"] != "layer"]
    if not outer:
        return list(shapes), []
    centres = np.array(
        [s["center"] if s["kind"] == "circle" else np.mean(s["vertices"], axis=0) for s in outer]
    )
    buried = {int(s["id"]) for s, b in zip(outer, below_front(centres, front_xy), strict=True) if b}
    gone = set(buried)
    while True:
        more = {int(s["id"]) for s in shapes if s["parent"] in gone} - gone
        if not more:
            break
        gone |= more
    return [s for s in shapes if int(s["id"]) not in gone], sorted(buried)


def keep_clear(
    xy: np.ndarray,
    obstacles: Sequence[Obstacle],
    distance_um: float,
    *,
    width_um: float,
    periodic: bool = False,
    passes: int = 6,
) -> np.ndarray:
    """A front (resampled for a remesh) with every vertex at least ``distance_um`` from a filler.

    Resampling puts vertices on the chords between the held ones, which lie closer to a curved
    filler; those are pushed out along the gap's gradient (the end vertices only vertically),
    and the area under the front is restored by a vertical shift of the other vertices,
    uniform where they all have the room, else none beyond its gap past ``distance_um``
    (:func:`_capped_lift`; repeated while the shift brings more vertices inside). Where pushing
    a vertex would make the front cross itself (a narrow neck), that vertex stays; the others
    are pushed. A shift that would make it cross itself is not applied.
    """
    out = np.array(xy, dtype=float)
    wrap = width_um if periodic else None
    if not obstacles:
        return out
    area = area_under(out)
    pushed = np.zeros(len(out), dtype=bool)
    for _ in range(passes):
        g = _min_gap(out, obstacles, wrap)
        near = np.flatnonzero(g < distance_um * (1.0 - TOUCH_TOLERANCE))
        if near.size == 0:
            break
        before = out.copy()
        n = _gap_gradient(out[near], obstacles, wrap)
        ends = (near == 0) | (near == len(out) - 1)
        n[ends, 0] = 0.0
        ny = np.where(ends, np.maximum(n[:, 1], 0.1), 1.0)
        target = out[near] + ((distance_um - g[near]) / ny)[:, None] * n
        out[near] = target
        if first_self_intersection(out) is not None:  # a neck: push the others one by one
            out[near] = before[near]
            for v, xy_v in zip(near, target, strict=True):
                out[v] = xy_v
                if crosses_at(out, v):
                    out[v] = before[v]
        pushed |= np.any(out != before, axis=1)
        free = ~pushed
        weights = _area_weights(out[:, 0])
        if float(weights[free].sum()) <= 0.0:
            return before
        room = np.maximum(_min_gap(out, obstacles, wrap) - distance_um, 0.0)
        out[:, 1] += _capped_lift(area - area_under(out), weights, free, room)
        if first_self_intersection(out) is not None:  # the shift would fold the front
            return before
    return out
