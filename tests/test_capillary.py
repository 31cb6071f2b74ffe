"""The semi-implicit capillary step as pure NumPy (no DOLFINx).

References are written here: dense linear algebra for the (cyclic) tridiagonal solves, and the
second difference of a zigzag (−4/h² times the zigzag) for the mode that limits explicit steps.
"""

import numpy as np
import pytest

from lidendrite.moving.capillary import (
    implicit_capillary_step,
    solve_cyclic_tridiagonal,
    solve_tridiagonal,
)

pytestmark = pytest.mark.serial


def _random_system(n, seed):
    rng = np.random.default_rng(seed)
    lower, upper = -rng.random(n), -rng.random(n)
    diag = 1.0 + np.abs(lower) + np.abs(upper) + rng.random(n)
    return lower, diag, upper, rng.standard_normal(n)


def test_thomas_matches_a_dense_solve():
    lower, diag, upper, rhs = _random_system(9, 1)
    dense = np.diag(diag) + np.diag(lower[1:], -1) + np.diag(upper[:-1], 1)
    assert np.allclose(solve_tridiagonal(lower, diag, upper, rhs), np.linalg.solve(dense, rhs))


def test_cyclic_solve_matches_a_dense_solve():
    lower, diag, upper, rhs = _random_system(11, 2)
    dense = np.diag(diag) + np.diag(lower[1:], -1) + np.diag(upper[:-1], 1)
    dense[0, -1], dense[-1, 0] = lower[0], upper[-1]
    assert np.allclose(
        solve_cyclic_tridiagonal(lower, diag, upper, rhs), np.linalg.solve(dense, rhs)
    )


@pytest.mark.parametrize("periodic", [True, False])
def test_uniform_steps_pass_unchanged(periodic):
    x = np.linspace(0.0, 2.0, 21)
    xy = np.column_stack([x, 1e-3 * np.cos(np.pi * x)])
    out = implicit_capillary_step(xy, np.full(21, 0.3), np.full(21, 5.0), periodic=periodic)
    assert np.allclose(out, 0.3)


def test_the_zigzag_is_damped_at_any_stiffness():
    # explicit: the zigzag z changes the curvature by 4 z/h^2 and the step by -sigma 4 z/h^2;
    # implicit: (1 + 4 sigma/h^2) dn = explicit step, so dn -> 0 as sigma grows
    n, h = 20, 0.1
    x = np.arange(n + 1) * h
    zig = (-1.0) ** np.arange(n + 1)
    xy = np.column_stack([x, np.zeros(n + 1)])
    for sigma in (1e-3, 1.0, 1e3):
        out = implicit_capillary_step(xy, zig, np.full(n + 1, sigma), periodic=True)
        assert np.allclose(out, zig / (1.0 + 4.0 * sigma / h**2))


def test_a_resolved_mode_is_changed_at_first_order_only():
    n, width = 80, 2.0
    x = np.linspace(0.0, width, n + 1)
    k = 2.0 * np.pi / width
    xy = np.column_stack([x, np.zeros(n + 1)])
    sigma = 1e-4
    out = implicit_capillary_step(xy, np.cos(k * x), np.full(n + 1, sigma), periodic=True)
    # discrete -D2 of cos(kx): (4/h^2) sin^2(kh/2)
    h = width / n
    assert np.allclose(out, np.cos(k * x) / (1.0 + sigma * 4.0 / h**2 * np.sin(k * h / 2) ** 2))
