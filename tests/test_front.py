"""The front motion as pure NumPy: Faraday-consistent steps, spacing, cleaning (no DOLFINx).

References are written here from the geometry: a flat front under a uniform current advances by
exactly step × i; the swept area equals ∫ step ds; a resampled front keeps its area.
"""

import subprocess
import sys

import numpy as np
import pytest

from lidendrite.geometry.polyline import polyline_normals
from lidendrite.moving.front import (
    arc_fraction,
    area_under,
    clean_front,
    front_step,
    keep_spacing,
    mean_height,
    rms_height,
)

pytestmark = pytest.mark.serial


def _bump(n=81, width=4.0, height=0.3):
    x = np.linspace(0.0, width, n)
    return np.column_stack([x, height * np.exp(-((x - width / 2) ** 2) / 0.3)])


def test_importing_the_front_needs_no_dolfinx():
    code = (
        "import sys, lidendrite.moving.front, lidendrite.case; "
        "print('dolfinx' in sys.modules, 'petsc4py' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_flat_front_uniform_current_advances_by_step_times_current():
    xy = np.column_stack([np.linspace(0, 2, 21), np.zeros(21)])
    normals = polyline_normals(xy, side=+1)
    d = front_step(
        xy, normals, np.full(21, 3.0), step_per_current=0.01, width_um=2.0, side=+1, periodic=False
    )
    assert np.allclose(d[:, 0], 0.0, atol=1e-15)
    assert np.allclose(d[:, 1], 0.03, rtol=1e-13)


@pytest.mark.parametrize("side", [+1, -1])
def test_swept_area_equals_faraday_volume(side):
    xy = _bump()
    if side == -1:
        xy = xy * [1, -1] + [0, 5.0]  # a counter electrode above the electrolyte
    normals = polyline_normals(xy, side=side)
    rng = np.random.default_rng(3)
    current = 1.0 + 0.5 * rng.random(len(xy))
    step = 0.002
    d = front_step(
        xy, normals, current, step_per_current=step, width_um=4.0, side=side, periodic=False
    )
    swept = area_under(xy + d) - area_under(xy)
    ds = np.hypot(*np.diff(xy, axis=0).T)
    faraday = side * np.sum(0.5 * (current[1:] + current[:-1]) * step * ds)
    assert swept == pytest.approx(faraday, rel=1e-12)


def test_galvanostatic_shift_matches_the_applied_mean():
    xy = _bump()
    normals = polyline_normals(xy, side=+1)
    current = np.linspace(0.5, 1.5, len(xy))
    d = front_step(
        xy,
        normals,
        current,
        step_per_current=1e-3,
        width_um=4.0,
        side=+1,
        periodic=False,
        applied_mean=2.0,
    )
    # the swept area is the applied charge: W × applied × step
    assert area_under(xy + d) - area_under(xy) == pytest.approx(4.0 * 2.0 * 1e-3, rel=1e-12)


def test_keep_spacing_restores_relative_arc_length():
    xy = _bump()
    moved = xy + np.column_stack([0.05 * np.sin(xy[:, 0] * 3), 0.02 * np.cos(xy[:, 0])])
    out = keep_spacing(xy, moved)
    assert np.allclose(arc_fraction(out), arc_fraction(xy), atol=2e-3)
    assert np.allclose(out[[0, -1]], moved[[0, -1]])


def test_clean_front_keeps_the_area_and_spacing():
    xy = _bump(n=333)
    out = clean_front(xy, 0.05)
    assert area_under(out) == pytest.approx(area_under(xy), rel=1e-12)
    seg = np.hypot(*np.diff(out, axis=0).T)
    assert seg.max() <= 0.05 + 1e-12


def test_periodic_ends_move_alike():
    x = np.linspace(0, 2, 41)
    xy = np.column_stack([x, 0.1 * np.cos(np.pi * x)])
    normals = polyline_normals(xy, side=+1, periodic=True)
    d = front_step(
        xy,
        normals,
        1 + 0.3 * np.cos(np.pi * x),
        step_per_current=0.01,
        width_um=2.0,
        side=+1,
        periodic=True,
    )
    assert np.array_equal(d[0], d[-1])


def test_heights():
    x = np.linspace(0, 2, 2001)
    xy = np.column_stack([x, 1.0 + 0.2 * np.sin(np.pi * x)])
    m = mean_height(xy, 2.0)
    assert m == pytest.approx(1.0, abs=1e-9)
    assert rms_height(xy, 2.0, m) == pytest.approx(0.2 / np.sqrt(2), rel=1e-5)


def test_min_distance_to_segments():
    from lidendrite.moving.front import min_distance

    line = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0]])
    assert min_distance(np.array([[1.0, 0.7]]), line) == pytest.approx(0.7)
    assert min_distance(np.array([[-3.0, 4.0]]), line) == pytest.approx(5.0)  # to the end point
    many = np.column_stack([np.linspace(-1, 5, 1201), np.full(1201, 3.0)])  # > one block, x = 2 in
    assert min_distance(many, line) == pytest.approx(1.0)  # from (2, 3) to (2, 2)


def test_cut_at_walls_removes_what_crosses_a_side_wall():
    from lidendrite.moving.front import area_under, cut_at_walls

    # the front leaves through the left wall and comes back: cut at the crossing, x = 0 at
    # t = 1/3 of the segment (-0.1, 0.5) -> (0.2, 1.0), y = 0.5 + 0.5/3
    xy = np.array([[0.0, 0.0], [-0.1, 0.5], [0.2, 1.0], [1.0, 1.0], [2.0, 1.0]])
    cut, n = cut_at_walls(xy, 2.0, smooth_halfwidth=0)
    assert n == 1
    np.testing.assert_allclose(cut, [[0.0, 0.5 + 0.5 / 3], [0.2, 1.0], [1.0, 1.0], [2.0, 1.0]])
    # mirrored on the right wall: the same cut
    mirrored = np.column_stack([2.0 - xy[::-1, 0], xy[::-1, 1]])
    cut_r, n_r = cut_at_walls(mirrored, 2.0, smooth_halfwidth=0)
    assert n_r == 1
    np.testing.assert_allclose(cut_r, np.column_stack([2.0 - cut[::-1, 0], cut[::-1, 1]]))
    # the area under the front loses the triangle beyond the wall, (0, 0), (-0.1, 0.5),
    # (0, 2/3): 0.5 · 0.1 · 2/3 (the deposit accounting records it as a loop)
    removed = area_under(xy) - area_under(cut)
    assert removed == pytest.approx(0.5 * 0.1 * (2.0 / 3.0), abs=1e-12)
    # a front inside the cell is untouched
    same, none = cut_at_walls(cut, 2.0)
    assert none == 0 and np.array_equal(same, cut)


def test_untangle_tells_a_pocket_from_a_swallowtail():
    from lidendrite.moving.front import area_under, remove_loops
    from lidendrite.moving.untangle import untangle

    # the front runs right, up, back left over itself and down through its own path: it
    # closes over the unit square (1, 0)-(2, 1) of electrolyte (above the front: its left)
    pocket = np.array(
        [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, -0.5], [3.0, -0.5], [4.0, -0.5]]
    )
    u = untangle(pocket, 4.0, periodic=True)
    assert u.cuts == 1 and len(u.pockets) == 1
    assert u.pocket_area_um2 == pytest.approx(1.0, abs=1e-12)
    # the Li under the front is unchanged; the deposit gains the pocket (a void, not Li)
    assert area_under(u.xy) == pytest.approx(area_under(pocket) + 1.0, abs=1e-12)
    # a swallowtail: the front doubles back below itself, round the unit square
    # (1, -1)-(2, 0) clockwise: its inside is on the Li side (Li swept twice)
    tail = np.array(
        [[0.0, 0.0], [2.0, 0.0], [2.0, -1.0], [1.0, -1.0], [1.0, 0.5], [3.0, 0.5], [4.0, 0.5]]
    )
    u = untangle(tail, 4.0, periodic=True)
    assert u.cuts == 1 and not u.pockets and u.pocket_area_um2 == 0.0
    cut, _ = remove_loops(tail, smooth_halfwidth=0)
    assert area_under(tail) - area_under(cut) == pytest.approx(1.0, abs=1e-12)  # the square
    smoothed, _ = remove_loops(tail)  # the cusp smoothed: what untangle gives back
    assert u.swallowtail_area_um2 == pytest.approx(area_under(tail) - area_under(smoothed))
    assert area_under(u.xy) == pytest.approx(area_under(tail), abs=1e-12)  # given back


def _crossing_pairs_brute_force(xy):
    """Every pair (i, j), j ≥ i + 2, of properly crossing segments, by exact orientation tests."""

    def orient(u, v, w):
        return (v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0])

    pairs = []
    for i in range(len(xy) - 1):
        for j in range(i + 2, len(xy) - 1):
            p, q, a, b = xy[i], xy[i + 1], xy[j], xy[j + 1]
            if (orient(p, q, a) * orient(p, q, b) < 0) and (orient(a, b, p) * orient(a, b, q) < 0):
                pairs.append((i, j))
    return pairs


@pytest.mark.parametrize("seed", range(6))
def test_first_self_intersection_is_the_first_crossing_pair(seed, monkeypatch):
    import lidendrite.moving.front as front

    rng = np.random.default_rng(seed)
    n = 40 + 30 * seed
    # a random walk folds over itself many times; odd seeds: a graph over x but for one step back
    xy = np.cumsum(rng.normal(size=(n, 2)), axis=0)
    if seed % 2:
        xy = np.column_stack([np.arange(n, dtype=float), rng.normal(size=n)])
        xy[n // 2 :, 0] -= 3.5  # a step back in x: a few folds
    pairs = _crossing_pairs_brute_force(xy)
    expected = min(pairs) if pairs else None
    monkeypatch.setattr(front, "_PAIR_BLOCK", 7)  # several blocks of rows
    assert front.first_self_intersection(xy) == expected
    monkeypatch.setattr(front, "_PAIR_BLOCK", 256)
    assert front.first_self_intersection(xy) == expected


def test_closer_than_agrees_with_the_distance():
    from lidendrite.moving.front import closer_than, min_distance

    rng = np.random.default_rng(3)
    line = np.column_stack([np.linspace(0.0, 5.0, 50), 3.0 + 0.1 * rng.normal(size=50)])
    for _ in range(200):
        pts = rng.uniform([-1.0, 0.0], [6.0, 4.5], size=(rng.integers(1, 30), 2))
        d = rng.uniform(0.0, 2.0)
        assert closer_than(pts, line, d) == (min_distance(pts, line) < d)
