"""The discrete cell problem on one mesh: function spaces, unknowns, history and the SNES solver.

A :class:`CellProblem` lives as long as its mesh. Moving the mesh (ALE) keeps it; a remesh builds
a new one and the stepper transfers the fields. The physics comes from
:func:`lidendrite.physics.cell.cell_residual`; this module only owns the state and the solver.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import basix.ufl
import numpy as np
import ufl

from lidendrite import fem
from lidendrite.fem import PETSc, dolfinx, remove_options
from lidendrite.geometry import tags
from lidendrite.physics.cell import Electrode, cell_residual
from lidendrite.physics.closures import anion_concentration
from lidendrite.physics.transport import storage
from lidendrite.solver.coefficients import build_coefficients
from lidendrite.solver.interleaved import interleaved_transport
from lidendrite.solver.jacobian import adopt_operator, jacobian_assembler, snes_jacobian
from lidendrite.solver.newton import keep_history, newton_solve
from lidendrite.solver.residual import residual_assembler

if TYPE_CHECKING:
    from lidendrite.case import Case

_prefix_counter = itertools.count()

DIRECT_OPTIONS = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
}
ITERATIVE_OPTIONS = {
    # Krylov on the whole Newton system, preconditioned field by field: algebraic multigrid on
    # the salt and on the potential block, Jacobi on the cell-voltage unknown. The iteration
    # count stays about constant under mesh refinement (unlike ILU).
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    "ksp_type": "fgmres",
    "ksp_gmres_restart": 200,
    "ksp_rtol": 1e-10,
    "ksp_max_it": 2000,
    "pc_type": "fieldsplit",
    "pc_fieldsplit_type": "multiplicative",
}
FIELDSPLIT_OPTIONS = {
    "fieldsplit_c_ksp_type": "preonly",
    "fieldsplit_c_pc_type": "gamg",
    # rebuild the multigrid hierarchy with the operator: dt and the fields change it
    "fieldsplit_c_pc_gamg_reuse_interpolation": False,
    "fieldsplit_phi_ksp_type": "preonly",
    "fieldsplit_phi_pc_type": "gamg",
    "fieldsplit_phi_pc_gamg_reuse_interpolation": False,
    "fieldsplit_V_ksp_type": "preonly",
    "fieldsplit_V_pc_type": "jacobi",
}


def set_field_split(snes, matrix, block_sizes: list[int]) -> None:
    """Tell a fieldsplit preconditioner where c, φ and V sit in a monolithic vector.

    ``block_sizes`` are this rank's owned rows of ``matrix`` in the three blocks, in order; the
    sub-solver options (:data:`FIELDSPLIT_OPTIONS`) are put in the options database under the
    SNES prefix, where PETSc reads them when it sets the preconditioner up.
    """
    ksp = snes.getKSP()
    comm = ksp.getComm()
    start = matrix.getOwnershipRange()[0]
    splits = []
    for name, size in zip(("c", "phi", "V"), block_sizes, strict=True):
        splits.append((name, PETSc.IS().createStride(size, start, 1, comm=comm)))
        start += size
    pc = ksp.getPC()
    pc.setType("fieldsplit")
    pc.setFieldSplitIS(*splits)
    opts = PETSc.Options()
    for key, value in FIELDSPLIT_OPTIONS.items():
        opts[snes.getOptionsPrefix() + key] = value


@dataclass(frozen=True)
class SolverSettings:
    """Nonlinear/linear solver settings (from ``numerics``)."""

    kind: str = "direct"
    rtol: float = 1e-10
    atol: float = 1e-12
    max_iterations: int = 25
    #: accept one Newton iteration when it cuts the residual norm by this factor (None: off)
    one_iteration_reduction: float | None = None

    @classmethod
    def from_numerics(cls, num) -> SolverSettings:
        """Settings of the ``numerics`` config section."""
        return cls(
            kind=num.solver,
            rtol=num.newton_rtol,
            atol=num.newton_atol,
            max_iterations=num.newton_max_iterations,
            one_iteration_reduction=(
                num.linearly_implicit_reduction if num.linearly_implicit else None
            ),
        )

    def petsc_options(self) -> dict:
        """PETSc options for SNES and its KSP/PC."""
        base = dict(DIRECT_OPTIONS if self.kind == "direct" else ITERATIVE_OPTIONS)
        base.update(
            {
                "snes_rtol": self.rtol,
                "snes_atol": self.atol,
                "snes_stol": 1e-11,
                "snes_max_it": self.max_iterations,
                "snes_error_if_not_converged": False,
            }
        )
        return base


class CellProblem:
    """Unknowns, BDF history and SNES solver of the cell model on one mesh.

    Args:
        mesh, facet_tags, cell_tags: the cell mesh (µm) and its tags.
        case: the resolved case (coefficients, electrodes, control mode, flags).
        solver: solver settings.
        anode_length_um: the length of the plating electrode where the caller knows it (its
            polyline); otherwise it is integrated over the mesh.
    """

    def __init__(
        self,
        mesh: dolfinx.mesh.Mesh,
        facet_tags: dolfinx.mesh.MeshTags,
        cell_tags: dolfinx.mesh.MeshTags,
        case: Case,
        *,
        solver: SolverSettings,
        anode_length_um: float | None = None,
    ):
        self.mesh = mesh
        self.facet_tags = facet_tags
        self.params = case.params
        self.coefficients = build_coefficients(mesh, cell_tags, facet_tags, case)
        self.counter_is_lithium = case.counter_is_lithium
        self.galvanostatic = case.galvanostatic
        self.moving = case.moving
        self.width_um = case.width_um
        moving = case.moving
        cell = mesh.basix_cell()
        p1 = basix.ufl.element("Lagrange", cell.name, 1)
        # c and φ get distinct space objects so that Dirichlet conditions (reservoir) are
        # attached to the right block.
        self.V = dolfinx.fem.functionspace(mesh, p1)
        self.Vp = dolfinx.fem.functionspace(mesh, p1)
        self.R = dolfinx.fem.functionspace(mesh, basix.ufl.real_element(cell.name, ()))
        self.vector_space = dolfinx.fem.functionspace(
            mesh, basix.ufl.element("Lagrange", cell.name, 1, shape=(mesh.geometry.dim,))
        )
        fn = dolfinx.fem.Function
        self.c = fn(self.V, name="c")
        self.phi = fn(self.Vp, name="phi")
        self.v = fn(self.R, name="V")
        self.c_n = fn(self.V, name="c_n")
        self.c_nm1 = fn(self.V, name="c_nm1")
        self.curvature_anode = fn(self.V, name="curvature_anode")
        self.curvature_counter = fn(self.V, name="curvature_counter")
        self.disp1 = fn(self.vector_space, name="disp_n")  # mesh displacement, level n to n+1
        self.disp2 = fn(self.vector_space, name="disp_nm1")  # mesh displacement, n-1 to n
        const = lambda value: dolfinx.fem.Constant(mesh, PETSc.ScalarType(value))  # noqa: E731
        self.dt = const(1.0)
        self.a0, self.a1, self.a2 = const(1.0), const(-1.0), const(0.0)
        self.control = const(0.0)
        self.width_over_length = const(1.0)
        self.electrolyte_velocity = dolfinx.fem.Constant(
            mesh, np.zeros(mesh.geometry.dim, dtype=PETSc.ScalarType)
        )
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)

        # With immobile anions (t+ = 1) the salt is fixed to the electrolyte and stays uniform:
        # there is nothing to transport, on a fixed or on a moving mesh.
        region = self.coefficients.region
        c_minus = lambda c: anion_concentration(c, region)  # noqa: E731
        if moving and case.mobile_anions:
            eye = ufl.Identity(mesh.geometry.dim)
            jac1 = ufl.det(eye - ufl.grad(self.disp1))
            jac2 = ufl.det(eye - ufl.grad(self.disp1 + self.disp2))
            history = [(self.a1, c_minus(self.c_n) * jac1), (self.a2, c_minus(self.c_nm1) * jac2)]
            # transport is relative to the mesh, and the electrolyte moves as a whole with the
            # mean growth velocity of the anode (set by the stepper)
            mesh_velocity = self.disp1 / self.dt - self.electrolyte_velocity
        else:
            history = [(self.a1, c_minus(self.c_n)), (self.a2, c_minus(self.c_nm1))]
            mesh_velocity = None
        storage_term = storage(c_minus(self.c), history, self.a0, self.dt)
        coef = self.coefficients
        surface = {
            "exchange_current": coef.exchange_current,
            "film_resistance": coef.film_resistance,
        }
        self.anode = Electrode(
            tags.ANODE, self.v, self.curvature_anode if moving else None, **surface
        )
        self.counter = (
            Electrode(tags.COUNTER, 0.0, self.curvature_counter if moving else None, **surface)
            if case.counter_is_lithium
            else None
        )
        tests = (ufl.TestFunction(self.V), ufl.TestFunction(self.Vp), ufl.TestFunction(self.R))
        self.residual = cell_residual(
            self.c,
            self.phi,
            self.v,
            tests,
            coef,
            ds=self.ds,
            storage_term=storage_term,
            anode=self.anode,
            counter=self.counter,
            galvanostatic=case.galvanostatic,
            control=self.control,
            width_over_length=self.width_over_length,
            mesh_velocity=mesh_velocity,
            anions_mobile=case.mobile_anions,
        )
        self.bcs = self._reservoir_bcs() if not case.counter_is_lithium else []
        self.prefix = f"lidendrite_cell_{next(_prefix_counter)}_"
        unknowns = [self.c, self.phi, self.v]
        # compiled here form by form, each into its shard of lidendrite's JIT cache
        jacobian = dolfinx.fem.forms.derivative_block(self.residual, unknowns)
        self.problem = dolfinx.fem.petsc.NonlinearProblem(
            fem.form(list(self.residual)),
            unknowns,
            J=fem.form(jacobian),
            bcs=self.bcs,
            kind="mpi",
            petsc_options_prefix=self.prefix,
            petsc_options=solver.petsc_options(),
            jit_options=fem.JIT_OPTIONS,
        )
        # on one process the salt and potential equations are assembled as one P1² form
        self.interleaved = (
            None if self.bcs else interleaved_transport(self.residual, self.c, self.phi)
        )
        assemble_residual = None
        if not self.bcs:
            assemble_residual = residual_assembler(self.problem, self.interleaved)
            self.problem.solver.setFunction(assemble_residual, self.problem.b)
        assemble_jacobian = jacobian_assembler(self.problem, self.bcs, self.interleaved)
        adopt_operator(self.problem, assemble_jacobian)
        self.problem.solver.setJacobian(snes_jacobian(assemble_jacobian), self.problem.A)
        self.reduced = None
        if case.periodic:
            from lidendrite.solver.periodic import ReducedNewton, periodic_prolongation

            P, kept = periodic_prolongation(
                [self.V, self.Vp, self.R], self.problem.x, case.width_um
            )
            self.reduced = ReducedNewton(
                self.problem,
                P,
                self.bcs,
                solver.petsc_options(),
                self.prefix + "periodic_",
                assemble_jacobian,
                assemble_residual,
            )
            if solver.kind == "iterative":
                self.reduced.after_first_jacobian = lambda snes, J: set_field_split(snes, J, kept)
        elif solver.kind == "iterative":
            sizes = [
                sp.dofmap.index_map.size_local * sp.dofmap.index_map_bs
                for sp in (self.V, self.Vp, self.R)
            ]
            set_field_split(self.problem.solver, self.problem.A, sizes)
        self.one_iteration = solver.one_iteration_reduction
        if self.one_iteration is not None:
            keep_history(self.problem.solver if self.reduced is None else self.reduced.snes)
        self._saved: list[np.ndarray] | None = None
        self._length_form = None  # ∫ ds over the anode, compiled when first needed
        self.update_geometry_constants(anode_length_um)

    def close(self) -> None:
        """Remove this problem's entries from PETSc's options table; free the periodic SNES.

        Every problem sets its options under its own prefix; without this they pile up, one
        set per remesh, for the lifetime of the process (a sweep runs many cases). Collective.
        The full-space problem's PETSc objects are DOLFINx's, freed with it.
        """
        remove_options(self.prefix)
        if self.reduced is not None:
            self.reduced.destroy()
            self.reduced = None

    # -- set-up ---------------------------------------------------------------------------
    def _reservoir_bcs(self) -> list:
        fdim = self.mesh.topology.dim - 1
        facets = self.facet_tags.find(tags.COUNTER)
        dofs_c = dolfinx.fem.locate_dofs_topological(self.V, fdim, facets)
        dofs_p = dolfinx.fem.locate_dofs_topological(self.Vp, fdim, facets)
        one = dolfinx.fem.Constant(self.mesh, PETSc.ScalarType(1.0))
        zero = dolfinx.fem.Constant(self.mesh, PETSc.ScalarType(0.0))
        return [
            dolfinx.fem.dirichletbc(one, dofs_c, self.V),
            dolfinx.fem.dirichletbc(zero, dofs_p, self.Vp),
        ]

    def anode_length_um(self) -> float:
        """Length of the plating electrode boundary (collective)."""
        if self._length_form is None:
            one = dolfinx.fem.Constant(self.mesh, PETSc.ScalarType(1.0))
            self._length_form = fem.form(one * self.ds(tags.ANODE))
        local = float(dolfinx.fem.assemble_scalar(self._length_form))
        return self.mesh.comm.allreduce(local)

    def update_geometry_constants(self, anode_length_um: float | None = None) -> None:
        """Refresh the constants that depend on the mesh geometry (call after moving it).

        ``anode_length_um``: the length of the plating electrode where the caller knows it (the
        length of its polyline, the same facets; collective otherwise).
        """
        length = self.anode_length_um() if anode_length_um is None else anode_length_um
        self.width_over_length.value = self.width_um / length

    # -- time levels ----------------------------------------------------------------------
    def set_bdf(self, order: int, dt: float, dt_prev: float | None) -> None:
        """Variable-step BDF1/BDF2 coefficients for the step ``dt`` (scaled time)."""
        self.dt.value = dt
        if order == 1 or dt_prev is None:
            self.a0.value, self.a1.value, self.a2.value = 1.0, -1.0, 0.0
        else:
            w = dt / dt_prev
            self.a0.value = (1 + 2 * w) / (1 + w)
            self.a1.value = -(1 + w)
            self.a2.value = w * w / (1 + w)

    def save(self) -> None:
        """Remember the current unknowns (to restore after a rejected step)."""
        self._saved = [self.c.x.array.copy(), self.phi.x.array.copy(), self.v.x.array.copy()]

    def restore(self) -> None:
        """Restore the unknowns saved by :meth:`save`."""
        assert self._saved is not None
        for f, a in zip((self.c, self.phi, self.v), self._saved, strict=True):
            f.x.array[:] = a

    def accept(self) -> None:
        """Shift the history after an accepted step."""
        self.c_nm1.x.array[:] = self.c_n.x.array
        self.c_n.x.array[:] = self.c.x.array
        self.disp2.x.array[:] = self.disp1.x.array
        self.disp1.x.array[:] = 0.0

    # -- solve ----------------------------------------------------------------------------
    def solve(self) -> tuple[bool, int]:
        """Solve the step; returns (converged, Newton iterations). Never raises on divergence.

        Newton, or a linearly implicit step (:func:`~lidendrite.solver.newton.newton_solve`).
        """
        if self.reduced is None:
            ok, its = newton_solve(self.problem.solver, self.problem.solve, self.one_iteration)
        else:
            ok, its = newton_solve(self.reduced.snes, self.reduced.solve, self.one_iteration)
        ok = ok and bool(np.all(np.isfinite(self.c.x.array)))
        if ok:
            local_min = float(self.c.x.array.min()) if self.c.x.array.size else np.inf
            # the salt activity must stay positive (so do c₊ and c₋)
            ok = self.mesh.comm.allreduce(local_min, op=_mpi_min()) > 0.0
        return bool(ok), int(its)


def _mpi_min():
    from mpi4py import MPI

    return MPI.MIN
