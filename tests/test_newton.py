"""Linearly implicit steps (``numerics.linearly_implicit``): one Newton iteration where it suffices.

* On a small nonlinear system (x + a x³ = b, componentwise) with a PETSc SNES:
  - mildly nonlinear: the one iteration cuts ‖F‖ more than 100-fold and is kept, and it is exactly
    the Newton step x₀ − F(x₀)/F′(x₀);
  - strongly nonlinear: it does not (the line search backtracks), so Newton goes on to its
    tolerance, and the iterations add up.
* A whole run (a defect at 200 A/m², insulating and periodic walls, where the periodic cell
  solves on the reduced space): the metrics at the end stay within 1e-5 (relative) of full
  Newton, and the run needs one iteration at most steps, at most 0.8 of Newton's in all.

The order in time with linearly implicit steps is checked in ``test_convergence.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lidendrite.fem import PETSc
from lidendrite.solver.newton import keep_history, newton_solve
from validation_utils import COMPARED_COLUMNS, DEFECT_CELL_200, merge, run_variants, shared_dir

N = 3


def _snes(a: float, b: np.ndarray, x0: np.ndarray) -> tuple[PETSc.SNES, PETSc.Vec]:
    comm = PETSc.COMM_SELF
    x = PETSc.Vec().createSeq(N, comm=comm)
    x.setArray(x0)
    f = x.duplicate()
    jac = PETSc.Mat().createDense((N, N), comm=comm)
    jac.setUp()

    def residual(_snes, x, f):
        v = x.getArray(readonly=True)
        f.setArray(v + a * v**3 - b)

    def jacobian(_snes, x, _J, P):
        v = x.getArray(readonly=True)
        P.zeroEntries()
        for i in range(N):
            P.setValue(i, i, 1.0 + 3.0 * a * v[i] ** 2)
        P.assemble()

    snes = PETSc.SNES().create(comm)
    snes.setFunction(residual, f)
    snes.setJacobian(jacobian, jac)
    snes.setType("newtonls")
    snes.getLineSearch().setType("bt")
    snes.getKSP().setType("preonly")
    snes.getKSP().getPC().setType("lu")
    snes.setTolerances(rtol=1e-12, atol=1e-14, max_it=25)
    keep_history(snes)
    return snes, x


def test_one_iteration_is_kept_where_it_cuts_the_residual():
    a, x0 = 0.01, np.ones(N)
    b = np.array([1.05, 1.1, 1.2])
    snes, x = _snes(a, b, x0)
    ok, its = newton_solve(snes, lambda: snes.solve(None, x), one_iteration_reduction=1e-2)
    assert (ok, its) == (True, 1)
    newton_step = x0 - (x0 + a * x0**3 - b) / (1.0 + 3.0 * a * x0**2)
    assert np.allclose(x.getArray(), newton_step, rtol=0, atol=1e-15)
    norms = snes.getConvergenceHistory()[0]
    assert norms[1] < 1e-2 * norms[0]
    assert norms[1] > 1e-8  # not converged: the first iterate itself was kept


def test_newton_goes_on_where_one_iteration_is_not_enough():
    a, b = 1.0, np.array([10.0, 12.0, 20.0])
    snes, x = _snes(a, b, np.ones(N))
    ok, its = newton_solve(snes, lambda: snes.solve(None, x), one_iteration_reduction=1e-2)
    v = x.getArray()
    assert ok and its > 2
    assert np.max(np.abs(v + a * v**3 - b)) < 1e-12
    # without the option: the same solution, one residual evaluation fewer
    snes2, x2 = _snes(a, b, np.ones(N))
    ok2, its2 = newton_solve(snes2, lambda: snes2.solve(None, x2))
    assert ok2 and its2 == its
    assert np.allclose(x2.getArray(), v, rtol=0, atol=1e-14)


BASE = merge(DEFECT_CELL_200, {"title": "linearly implicit steps"})
COLUMNS = COMPARED_COLUMNS


@pytest.mark.parametrize("sides", ["insulating", "periodic"])
def test_linearly_implicit_run_matches_newton(comm, tmp_path, sides):
    root = shared_dir(tmp_path, comm)
    variants = {
        li: {"cell": {"sides": sides}, "numerics": {"linearly_implicit": li}}
        for li in (False, True)
    }
    newton, linear = run_variants(BASE, variants, root, comm).values()
    steps = len(newton["time_s"]) - 1
    assert steps >= 10
    assert len(linear["time_s"]) == steps + 1 and linear["time_s"][-1] == newton["time_s"][-1]
    for col in COLUMNS:  # (the adaptive steps differ by 1e-4: compare the end of the run)
        a, b = newton[col][-1], linear[col][-1]
        assert abs(a - b) <= 1e-5 * abs(a), f"{col}: {b} against {a} with Newton"
    its_newton, its = np.sum(newton["newton_iterations"]), np.sum(linear["newton_iterations"])
    assert its <= 0.8 * its_newton, f"{its} Newton iterations against {its_newton}"
    assert np.sum(linear["newton_iterations"][1:] == 1) >= steps // 2
