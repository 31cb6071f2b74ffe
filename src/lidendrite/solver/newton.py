"""One time step's nonlinear solve: Newton to its tolerances, or a linearly implicit step.

The transport problem is only mildly nonlinear over a time step (Butler–Volmer kinetics, the
migration term c∇φ): from the previous step's state one Newton iteration cuts the residual
norm by 1e-4 to 1e-5 on the seed cases, and full Newton needs a second one (and a second
Jacobian and LU) only to reach round-off. A *linearly implicit* step keeps the first iterate
when it cut the residual by a given factor, and goes on with Newton where it did not (the first
steps after a start or a jump of the control, a sharp transient). It stays implicit (the
Jacobian is of the new time level), so the stability of the time scheme is unchanged; its error
is the remaining Newton error, quadratic in the change over the step.
"""

from __future__ import annotations

from collections.abc import Callable

from lidendrite.fem import PETSc

_MAX_IT = PETSc.SNES.ConvergedReason.DIVERGED_MAX_IT


def newton_solve(
    snes: PETSc.SNES, run: Callable[[], None], one_iteration_reduction: float | None = None
) -> tuple[bool, int]:
    """Run ``run`` (which calls ``snes.solve``); returns (converged, Newton iterations).

    With ``one_iteration_reduction`` the solve first stops after one iteration, and that
    iterate is the step if it cut the residual norm ‖F‖ by at least this factor. Otherwise
    Newton goes on from it to the SNES tolerances (the iterations add up). A PETSc error (a
    failed factorisation) counts as not converged; the caller restores the unknowns.
    """
    if one_iteration_reduction is None:
        if not _ran(run):
            return False, snes.getIterationNumber()
        return snes.getConvergedReason() > 0, snes.getIterationNumber()
    max_it = snes.getTolerances()[3]
    snes.setTolerances(max_it=1)
    try:
        ran = _ran(run)
    finally:
        snes.setTolerances(max_it=max_it)
    first = snes.getIterationNumber()
    if not ran:
        return False, first
    reason = snes.getConvergedReason()
    if reason > 0:
        return True, first
    norms = snes.getConvergenceHistory()[0]
    if reason == _MAX_IT and len(norms) >= 2 and norms[1] <= one_iteration_reduction * norms[0]:
        return True, first
    if not _ran(run):
        return False, first + snes.getIterationNumber()
    return snes.getConvergedReason() > 0, first + snes.getIterationNumber()


def keep_history(snes: PETSc.SNES) -> None:
    """Make ``snes`` record its residual norms of each solve (what :func:`newton_solve` reads)."""
    snes.setConvergenceHistory(reset=True)


def _ran(run: Callable[[], None]) -> bool:
    try:
        run()
    except PETSc.Error:
        return False
    return True
