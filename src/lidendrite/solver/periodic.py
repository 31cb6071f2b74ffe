"""Periodic side walls by elimination: Newton on the space of periodic functions.

The mesh of a periodic cell has matching nodes on its left (x = 0) and right (x = W) walls
(Gmsh ``setPeriodic``). A periodic function takes the same value at each pair. With the
prolongation ``P`` (reduced → full: every right-wall degree of freedom copies its left partner)
the periodic problem is ``Pᵀ F(P x_r) = 0`` with Jacobian ``Pᵀ J P``: the residual and Jacobian
are assembled by DOLFINx on the full space exactly as for insulating walls, and the fluxes
through the two walls cancel in ``Pᵀ``. This is what multi-point-constraint libraries do, in a
few lines of PETSc, so that the binary DOLFINx wheel suffices.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np

from lidendrite.errors import GeometryError
from lidendrite.fem import PETSc, dolfinx
from lidendrite.solver.jacobian import JacobianAssembler


def periodic_prolongation(spaces, x: PETSc.Vec, width_um: float, tol_um: float = 1e-8):
    """Prolongation matrix of the monolithic block vector ``x`` of ``spaces`` (collective).

    Args:
        spaces: the function spaces of the blocks (P1 spaces are made periodic in x; a space
            whose dofs have no coordinates on the walls, e.g. a Real space, is left as is).
        x: a block vector of kind ``mpi`` of these spaces (gives the layout).
        width_um: the period W.
        tol_um: matching tolerance of wall coordinates.

    Returns:
        ``P``, an (N_full × N_reduced) PETSc matrix with one unit entry per row, and this rank's
        number of reduced entries of each block (their layout in the reduced vector).
    """
    comm = x.getComm().tompi4py()
    rstart, _ = x.getOwnershipRange()
    off_owned, _ = x.getAttr("_blocks")
    keep_local: list[np.ndarray] = []  # monolithic local index of kept owned entries
    right_rows: list[tuple[int, np.ndarray, np.ndarray]] = []  # (block, local rows, y)
    left_y: list[np.ndarray] = []
    left_rows: list[np.ndarray] = []
    for b, V in enumerate(spaces):
        n_owned = V.dofmap.index_map.size_local * V.dofmap.index_map_bs
        local = np.arange(n_owned) + off_owned[b]
        if V.element.basix_element.discontinuous or V.dofmap.index_map_bs != 1:
            keep_local.append(local)
            continue
        try:
            coords = V.tabulate_dof_coordinates()[:n_owned]
        except RuntimeError:  # a Real space: no coordinates
            keep_local.append(local)
            continue
        on_right = np.abs(coords[:, 0] - width_um) < tol_um
        on_left = np.abs(coords[:, 0]) < tol_um
        keep_local.append(local[~on_right])
        right_rows.append((b, local[on_right], coords[on_right, 1]))
        left_rows.append(local[on_left])
        left_y.append(coords[on_left, 1])
    kept_per_block = [int(k.size) for k in keep_local]
    keep = np.concatenate(keep_local)
    n_red_local = keep.size
    red_start = comm.scan(n_red_local) - n_red_local
    n_red = comm.allreduce(n_red_local)
    # reduced index of every owned full row that is kept
    red_of_local = np.full(x.getLocalSize(), -1, dtype=np.int64)
    red_of_local[keep] = red_start + np.arange(n_red_local)
    # partners: gather the left-wall entries (block, y, reduced index) from every rank
    blocks_with_walls = [rb[0] for rb in right_rows]
    gathered = comm.allgather(
        [
            (b, y, red_of_local[rows])
            for b, y, rows in zip(blocks_with_walls, left_y, left_rows, strict=True)
        ]
    )
    n_full_local = x.getLocalSize()
    cols = red_of_local.copy()
    for (b, rows, y_right), _ in zip(right_rows, left_rows, strict=True):
        ys = np.concatenate([y for part in gathered for (bb, y, _) in part if bb == b])
        reds = np.concatenate([r for part in gathered for (bb, _, r) in part if bb == b])
        order = np.argsort(ys)
        ys, reds = ys[order], reds[order]
        pos = np.clip(np.searchsorted(ys, y_right), 1, max(len(ys) - 1, 1))
        near = np.where(
            np.abs(ys[pos - 1] - y_right) <= np.abs(ys[np.minimum(pos, len(ys) - 1)] - y_right),
            pos - 1,
            np.minimum(pos, len(ys) - 1),
        )
        if len(ys) == 0 or np.any(np.abs(ys[near] - y_right) > tol_um):
            raise GeometryError(
                "periodic sides: the nodes of the left and right walls do not match"
            )
        cols[rows] = reds[near]
    P = PETSc.Mat().createAIJ(
        ((n_full_local, PETSc.DETERMINE), (n_red_local, n_red)), nnz=(1, 1), comm=comm
    )
    P.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)
    rows = (rstart + np.arange(n_full_local)).astype(PETSc.IntType)
    for r, c in zip(rows, cols.astype(PETSc.IntType), strict=True):
        P.setValue(r, c, 1.0)
    P.assemble()
    return P, kept_per_block


class ReducedNewton:
    """SNES on the periodic (reduced) space of a :class:`dolfinx.fem.petsc.NonlinearProblem`.

    The full-space residual and Jacobian are assembled by the problem's own forms; this class
    only restricts them with ``P``. Call :meth:`solve` instead of ``problem.solve()``.
    ``assemble_residual``: the problem's residual callback where it has no Dirichlet
    conditions (:func:`~lidendrite.solver.residual.residual_assembler`); without it DOLFINx's,
    lifted by ``bcs``.
    """

    def __init__(
        self,
        problem,
        P: PETSc.Mat,
        bcs,
        petsc_options: dict,
        prefix: str,
        assemble_jacobian: JacobianAssembler,
        assemble_residual: Callable[[PETSc.SNES, PETSc.Vec, PETSc.Vec], None] | None = None,
    ):
        self.problem = problem
        self.assemble_jacobian = assemble_jacobian
        self.assemble_residual = assemble_residual
        self.P = P
        self.bcs = bcs
        self.xr = P.createVecRight()
        self.fr = P.createVecRight()
        self.weights = P.createVecRight()
        ones = P.createVecLeft()
        ones.set(1.0)
        P.multTranspose(ones, self.weights)
        ones.destroy()  # parallel PETSc objects are freed explicitly: see destroy()
        self.Jr: PETSc.Mat | None = None
        self.after_first_jacobian = None  # hook: e.g. set up a fieldsplit preconditioner
        comm = P.getComm()
        self.snes = PETSc.SNES().create(comm)
        self.snes.setOptionsPrefix(prefix)
        opts = PETSc.Options()
        opts.prefixPush(prefix)
        for k, v in petsc_options.items():
            opts[k] = v
        self.snes.setFromOptions()
        for k in petsc_options:
            del opts[k]
        opts.prefixPop()
        # the SNES holds its callbacks; through a weak reference, so that it does not keep
        # this object (and the problem, its mesh and communicators) alive in a cycle that the
        # garbage collector cannot see
        self.snes.setFunction(_call, self.fr, args=(weakref.ref(self), "_residual"))
        self._blocks = problem.b.getAttr("_blocks")

    def destroy(self) -> None:
        """Free the reduced SNES, matrices and vectors now (collective).

        Left to Python's garbage collector, a parallel PETSc object is only put aside until a
        collective clean-up on its own communicator, which nothing calls: its LU factors and
        MPI communicators would outlive the mesh.
        """
        for obj in (self.snes, self.Jr, self.P, self.xr, self.fr, self.weights):
            if obj is not None:
                obj.destroy()
        self.Jr = None

    def _full(self, xr: PETSc.Vec) -> PETSc.Vec:
        x = self.problem.x
        self.P.mult(xr, x)
        return x

    def _residual(self, snes, xr, fr) -> None:
        x = self._full(xr)
        if self.assemble_residual is not None:
            self.assemble_residual(snes, x, self.problem.b)
        else:
            dolfinx.fem.petsc.assemble_residual(
                snes,
                x,
                self.problem.b,
                self.problem.u,
                self.problem.F,
                self.problem.J,
                self.bcs,
                self._blocks,
            )
        self.P.multTranspose(self.problem.b, fr)

    def _jacobian(self, snes, xr, J, Pm) -> None:
        x = self._full(xr)
        self.assemble_jacobian(x, self.problem.A)
        self.problem.A.PtAP(self.P, result=self.Jr)

    def solve(self) -> None:
        """Newton from the current values of the unknowns; leaves the solution in them."""
        from dolfinx.fem.petsc import assign

        x = self.problem.x
        assign(self.problem.u, x)
        if self.Jr is None:
            self.assemble_jacobian(x, self.problem.A)
            self.Jr = self.problem.A.PtAP(self.P)
            self.snes.setJacobian(_call, self.Jr, args=(weakref.ref(self), "_jacobian"))
            self.snes.getKSP().setOperators(self.Jr)
            if self.after_first_jacobian is not None:
                self.after_first_jacobian(self.snes, self.Jr)
        # restriction: average of the full values mapped onto each reduced entry
        self.P.multTranspose(x, self.xr)
        self.xr.pointwiseDivide(self.xr, self.weights)
        self.snes.solve(None, self.xr)
        x = self._full(self.xr)
        dolfinx.la.petsc._ghost_update(x, PETSc.InsertMode.INSERT, PETSc.ScatterMode.FORWARD)
        assign(x, self.problem.u)


def _call(snes, *args) -> None:
    """SNES callback: ``args`` ends with (weak reference to the owner, method name)."""
    *rest, owner, name = args
    getattr(owner(), name)(snes, *rest)
