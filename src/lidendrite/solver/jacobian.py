"""Jacobian assembly of the blocked cell problem, with a faster path on one process.

DOLFINx assembles a blocked Jacobian into one PETSc matrix through a local sub-matrix per block
(``MatSetValuesLocal`` on ``MATLOCALREF``), element by element: on the 3 k-unknown seed mesh the
whole assembly costs about 0.6 of a fresh LU factorisation of the same matrix, a third of it in
that insertion. On one process :class:`SerialBlockedJacobian` assembles each block into a
DOLFINx CSR matrix instead (the kernels and a cheap insertion) and copies the values into the
PETSc matrix in one row-wise ``MatSetValuesCSR``: the same matrix (the same kernels, summed in
the same order) in about three quarters of the time; with the salt and potential blocks from one
P1² form (:mod:`lidendrite.solver.interleaved`) in half (1.5 against 3.0 ms on the seed mesh).
Its own PETSc matrix is built on its value array (:func:`adopt_operator` makes it the problem's
operator), so the values land in the operator without a copy: ``MatSetValuesCSR`` (a search per
row) cost 0.2-0.35 ms of the 1.3 ms. In parallel and with Dirichlet conditions DOLFINx's own
assembly is used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from lidendrite.fem import PETSc, dolfinx
from lidendrite.solver.interleaved import InterleavedTransport

#: ``assemble(x, A)``: the Jacobian at the point ``x`` (a PETSc vector of the blocked unknowns)
#: into ``A``, assembled and ready to factorise.
JacobianAssembler = Callable[[PETSc.Vec, PETSc.Mat], None]


class SerialBlockedJacobian:
    """Blocked Jacobian forms assembled block by block into CSR, then copied into PETSc.

    One process, no Dirichlet conditions. The PETSc matrix must have the sparsity of the
    blocked forms (DOLFINx's ``create_matrix(forms, kind="mpi")``): the blocks follow each
    other in the order of the unknowns, each in its own dof order. :attr:`matrix` is such a
    matrix whose values are this object's array: assembled into, it is written in place.

    Args:
        forms: the compiled blocked Jacobian forms (rows of blocks, ``None`` for empty blocks).
        u: the unknowns the forms are evaluated at (one function per block).
        interleaved: the salt and potential equations on one P1² space
            (:class:`~lidendrite.solver.interleaved.InterleavedTransport`): its one form
            replaces the four blocks of the first two unknowns.
    """

    def __init__(
        self,
        forms: Sequence[Sequence[dolfinx.fem.Form | None]],
        u: Sequence[dolfinx.fem.Function],
        interleaved: InterleavedTransport | None = None,
    ):
        self.u = list(u)
        self.interleaved = interleaved
        sizes = [
            f.function_space.dofmap.index_map.size_local * f.function_space.dofmap.index_map_bs
            for f in self.u
        ]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        # (form, fields of its rows, fields of its columns): its CSR blocks interleave them
        parts = [
            (form, (i,), (j,))
            for i, row in enumerate(forms)
            for j, form in enumerate(row)
            if form is not None and not (interleaved is not None and i < 2 and j < 2)
        ]
        if interleaved is not None:
            parts.insert(0, (interleaved.jacobian, (0, 1), (0, 1)))
        self.blocks: list[tuple[dolfinx.fem.Form, dolfinx.la.MatrixCSR]] = []
        self.kept: list[np.ndarray | None] = []  # its entries in the matrix (None: all)
        rows, cols = [], []
        for form, row_fields, col_fields in parts:
            csr = dolfinx.fem.create_matrix(form)
            self.blocks.append((form, csr))
            # entry (a, b) of the k-th stored block of block row r sits at data[k, a, b]
            block_row = np.repeat(np.arange(len(csr.indptr) - 1), np.diff(csr.indptr))
            shape = (len(csr.indices), len(row_fields), len(col_fields))
            row_offsets = offsets[list(row_fields)][None, :, None]
            col_offsets = offsets[list(col_fields)][None, None, :]
            row = np.broadcast_to(row_offsets + block_row[:, None, None], shape).ravel()
            col = np.broadcast_to(col_offsets + csr.indices[:, None, None], shape).ravel()
            kept = None
            if len(row_fields) > 1:
                # only the entries in the pattern of the separate blocks: the others are zero
                # (a pair of fields the equations do not couple, or not on those elements)
                size = offsets[-1]
                pattern = np.sort(_pattern(forms, row_fields, offsets))
                key = row * size + col
                at = np.minimum(np.searchsorted(pattern, key), max(len(pattern) - 1, 0))
                inside = pattern[at] == key if len(pattern) else np.zeros(len(key), bool)
                if not inside.all():
                    kept = np.flatnonzero(inside)
                    row, col = row[kept], col[kept]
            self.kept.append(kept)
            rows.append(row)
            cols.append(col)
        # the entries of all blocks in the row-major order of the whole matrix
        rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
        order = np.lexsort((cols_all, rows_all))
        self.indices = cols_all[order].astype(PETSc.IntType)
        counts = np.bincount(rows_all, minlength=offsets[-1])
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(PETSc.IntType)
        self.values = np.zeros(len(order), dtype=PETSc.ScalarType)
        # where each block's (kept) entries sit in ``values``
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        bounds = np.cumsum([0] + [len(r) for r in rows])
        self.targets = [position[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        size = int(offsets[-1])
        #: the operator on ``values`` itself (PETSc keeps the arrays, it does not copy them)
        self.matrix = PETSc.Mat().createAIJWithArrays(
            (size, size), (self.indptr, self.indices, self.values), comm=PETSc.COMM_SELF
        )

    def assemble(self, x: PETSc.Vec, A: PETSc.Mat) -> None:
        """Assemble the Jacobian at ``x`` into ``A`` (see :data:`JacobianAssembler`)."""
        dolfinx.fem.petsc.assign(x, self.u)
        if self.interleaved is not None:
            self.interleaved.update()
        for (form, csr), target, kept in zip(self.blocks, self.targets, self.kept, strict=True):
            csr.data[:] = 0.0
            dolfinx.fem.assemble_matrix(csr, form)
            self.values[target] = csr.data if kept is None else csr.data[kept]
        if A.handle != self.matrix.handle:
            A.setValuesCSR(self.indptr, self.indices, self.values)
        A.assemble()  # also marks the values as changed for the factorisation


def adopt_operator(
    problem: dolfinx.fem.petsc.NonlinearProblem, assemble: JacobianAssembler
) -> None:
    """Make the serial assembler's own matrix the operator of ``problem``, assembled in place.

    Call it before the SNES is given ``problem.A``. Any other assembler (DOLFINx's, in
    parallel) leaves ``problem`` as it is. DOLFINx's ``NonlinearProblem`` keeps its operator as
    ``_A`` (0.10, 0.11); without it nothing changes and the values are copied.
    """
    fast = getattr(assemble, "__self__", None)
    if not isinstance(fast, SerialBlockedJacobian) or not isinstance(
        getattr(problem, "_A", None), PETSc.Mat
    ):
        return
    old = problem._A
    # DOLFINx's blocked assembly into it (tests, diagnostics) inserts by local numbers
    fast.matrix.setLGMap(*old.getLGMap())
    problem._A = fast.matrix
    old.destroy()  # the SNES keeps its own reference until it is given the new operator


def _pattern(
    forms: Sequence[Sequence[dolfinx.fem.Form | None]], fields: Sequence[int], offsets: np.ndarray
) -> np.ndarray:
    """Keys ``row × size + column`` of the sparsity of the blocks among ``fields``."""
    keys = []
    for i in fields:
        for j in fields:
            if forms[i][j] is None:
                continue
            csr = dolfinx.fem.create_matrix(forms[i][j])
            rows = offsets[i] + np.repeat(np.arange(len(csr.indptr) - 1), np.diff(csr.indptr))
            keys.append(rows * offsets[-1] + offsets[j] + csr.indices)
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)


def jacobian_assembler(
    problem: dolfinx.fem.petsc.NonlinearProblem,
    bcs: Sequence,
    interleaved: InterleavedTransport | None = None,
) -> JacobianAssembler:
    """The fastest Jacobian assembly of a blocked ``problem`` with Dirichlet conditions ``bcs``.

    ``interleaved`` (one process only): the transport equations on one P1² space, whose one
    form then gives the four salt/potential blocks.
    """
    if problem.A.getComm().getSize() == 1 and not bcs:
        return SerialBlockedJacobian(problem.J, problem.u, interleaved).assemble
    return functools.partial(_dolfinx_jacobian, u=problem.u, forms=problem.J, bcs=list(bcs))


def _dolfinx_jacobian(x: PETSc.Vec, A: PETSc.Mat, *, u, forms, bcs) -> None:
    dolfinx.fem.petsc.assemble_jacobian(None, x, A, None, u, forms, None, bcs)


def snes_jacobian(assemble: JacobianAssembler) -> Callable:
    """An ``SNES.setJacobian`` callback that assembles with ``assemble`` (into the operator)."""
    return functools.partial(_snes_callback, assemble=assemble)


def _snes_callback(_snes, x: PETSc.Vec, J: PETSc.Mat, _P, *, assemble: JacobianAssembler) -> None:
    assemble(x, J)
