"""Residual assembly for SNES without Dirichlet lifting, for cells without Dirichlet conditions.

DOLFINx's :func:`dolfinx.fem.petsc.assemble_residual` lifts the residual by the Jacobian forms
of every block even when there is no Dirichlet condition to lift: it packs the coefficients of
all Jacobian blocks and runs their assembly kernels, only to add zeros. A cell with a Li counter
electrode has no Dirichlet condition at all (the reservoir cell has two), and there this costs
about a third of every residual evaluation. :func:`assemble_residual_no_bcs` assembles the same
vector without it; on one process :func:`assemble_residual_interleaved` also takes the salt and
charge balances from one P1² form (:mod:`lidendrite.solver.interleaved`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from lidendrite.fem import PETSc, dolfinx
from lidendrite.solver.interleaved import InterleavedTransport


def assemble_residual_no_bcs(
    _snes: PETSc.SNES,
    x: PETSc.Vec,
    b: PETSc.Vec,
    u: Sequence[dolfinx.fem.Function],
    residual: Sequence[dolfinx.fem.Form],
    blocks: tuple | None,
) -> None:
    """Assemble the blocked residual at ``x`` into ``b`` (an ``SNES.setFunction`` callback).

    The same vector as :func:`dolfinx.fem.petsc.assemble_residual` with ``bcs=[]``: assign
    ``x`` to the unknowns ``u``, assemble the residual forms, sum the ghost contributions.
    """
    ghost_update = dolfinx.la.petsc._ghost_update
    ghost_update(x, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
    dolfinx.fem.petsc.assign(x, u)
    if blocks is not None:
        b.setAttr("_blocks", blocks)
        x.setAttr("_blocks", blocks)
    dolfinx.la.petsc._zero_vector(b)
    dolfinx.fem.petsc.assemble_vector(b, residual)
    ghost_update(b, PETSc.InsertMode.ADD, PETSc.ScatterMode.REVERSE)
    ghost_update(b, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)


def assemble_residual_interleaved(
    _snes: PETSc.SNES,
    x: PETSc.Vec,
    b: PETSc.Vec,
    u: Sequence[dolfinx.fem.Function],
    interleaved: InterleavedTransport,
    control: dolfinx.fem.Form,
) -> None:
    """:func:`assemble_residual_no_bcs` on one process, the transport from one P1² form.

    The salt and charge balances come from
    :class:`~lidendrite.solver.interleaved.InterleavedTransport`, the cell-control equation
    from its own form ``control`` (an ``SNES.setFunction`` callback).
    """
    dolfinx.fem.petsc.assign(x, u)
    with b.localForm() as local:
        out = local.array_w
        interleaved.assemble_residual(out)
        n = 2 * u[0].x.array.size
        out[n:] = 0.0
        dolfinx.fem.assemble_vector(out[n:], control)


def residual_assembler(
    problem: dolfinx.fem.petsc.NonlinearProblem,
    interleaved: InterleavedTransport | None = None,
) -> Callable[[PETSc.SNES, PETSc.Vec, PETSc.Vec], None]:
    """The residual callback of ``problem`` (blocked, no Dirichlet conditions), no lifting.

    With ``interleaved`` (one process) the salt and charge balances come from one P1² form.
    """
    # bind the forms, not the problem: the SNES must not hold its owner (a reference cycle
    # keeps every problem of a long session, with its PETSc objects and communicators, alive)
    if interleaved is not None:
        return functools.partial(
            assemble_residual_interleaved,
            u=problem.u,
            interleaved=interleaved,
            control=problem.F[2],
        )
    return functools.partial(
        assemble_residual_no_bcs,
        u=problem.u,
        residual=problem.F,
        blocks=problem.b.getAttr("_blocks"),
    )
