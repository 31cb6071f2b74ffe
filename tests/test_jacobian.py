"""One-process assembly: the Jacobian block by block into CSR, the transport as one P1² form.

Reference: DOLFINx's own blocked assembly of the same forms into the same PETSc matrix
(``dolfinx.fem.petsc.assemble_jacobian``), at a state away from equilibrium on a moved mesh:
block by block the two must give the same matrix entry by entry, and with the salt and potential
blocks from one P1² form the same matrix to round-off. Cells: one electrolyte with a Li counter
electrode (galvanostatic, the global voltage unknown couples to the anode), an electrolyte with
a laminate of a second material (cell-wise coefficient fields), and periodic walls (the reduced
Newton restricts the full Jacobian). Where the faster path does not apply (more than one
process, Dirichlet conditions) DOLFINx's assembly is chosen.
"""

from __future__ import annotations

import numpy as np
import pytest

from lidendrite.case import Case
from lidendrite.config import config_from_dict
from lidendrite.engine.state import MeshState
from lidendrite.fem import PETSc, dolfinx
from lidendrite.geometry.cell import cell_from_config
from lidendrite.solver.interleaved import InterleavedTransport, interleaved_transport
from lidendrite.solver.jacobian import SerialBlockedJacobian, _dolfinx_jacobian, jacobian_assembler
from lidendrite.solver.problem import SolverSettings
from lidendrite.solver.residual import assemble_residual_no_bcs
from validation_utils import SMALL_DEFECT_CELL, merge

BASE = merge(SMALL_DEFECT_CELL, {"title": "jacobian"})
# immobile anions: the salt equation does not couple to the potential (an empty block)
SINGLE_ION = {"electrolyte": {"transference_number": 1.0}}
LAMINATE = {
    "cell": {"fillers": [{"kind": "layer", "y_um": [1.0, 1.5], "material": "fast"}]},
    "materials": {"fast": {"conductivity_S_per_m": 0.1, "transference_number": 0.8}},
}


def _state(comm, change: dict) -> MeshState:
    cfg = config_from_dict(merge(BASE, change))
    case = Case.from_config(cfg)
    state = MeshState(case, cell_from_config(comm, cfg), SolverSettings.from_numerics(cfg.numerics))
    state.initial_guess(3.0)
    p = state.problem
    p.control.value = case.controls_scaled[0]
    p.set_bdf(2, 0.7, 1.1)
    rng = np.random.default_rng(comm.rank)
    # away from equilibrium and from the initial mesh: every term of every block contributes
    for f, scale in ((p.c, 0.2), (p.phi, 0.5), (p.v, 0.1)):
        f.x.array[:] += scale * rng.uniform(-1.0, 1.0, f.x.array.size)
        f.x.scatter_forward()
    return state


@pytest.mark.serial
@pytest.mark.parametrize(
    "change",
    [{}, LAMINATE, SINGLE_ION, {"cell": {"sides": "periodic"}}],
    ids=["li", "laminate", "single-ion", "periodic"],
)
def test_serial_assembly_equals_dolfinx(comm, change):
    state = _state(comm, change)
    nlp = state.problem.problem
    try:
        x = nlp.x
        dolfinx.fem.petsc.assign(nlp.u, x)
        _dolfinx_jacobian(x, nlp.A, u=nlp.u, forms=nlp.J, bcs=[])
        reference = nlp.A.copy()
        nlp.A.zeroEntries()
        scale = reference.norm(3)  # the largest entry
        assert scale > 0.0
        p = state.problem
        for interleaved in (None, InterleavedTransport(p.residual, p.c, p.phi)):
            nlp.A.zeroEntries()
            fast = SerialBlockedJacobian(nlp.J, nlp.u, interleaved)
            fast.assemble(x, nlp.A)
            diff = nlp.A.copy()
            diff.axpy(-1.0, reference)
            # block by block: the same kernels; one P1² form: the same integrands, to round-off
            assert diff.norm(3) <= (0.0 if interleaved is None else 1e-14 * scale)
            # the whole pattern: as many stored entries as DOLFINx's matrix, none of them lost
            assert nlp.A.getInfo()["nz_used"] == reference.getInfo()["nz_used"]
        # and the solver uses it: the problem's SNES assembles the same matrix
        nlp.A.zeroEntries()
        nlp.solver.computeJacobian(x, nlp.A)
        diff = nlp.A.copy()
        diff.axpy(-1.0, reference)
        assert diff.norm(3) <= 1e-14 * scale
        reference.destroy()
    finally:
        state.close()


def test_dolfinx_assembly_where_the_serial_path_does_not_apply(comm):
    state = _state(comm, {})
    try:
        p = state.problem
        chosen = jacobian_assembler(p.problem, p.bcs)
        assert isinstance(getattr(chosen, "__self__", None), SerialBlockedJacobian) == (
            comm.size == 1
        )
        # the problem's own SNES assembles through the one P1² form on one process
        assert (p.interleaved is not None) == (comm.size == 1)
    finally:
        state.close()
    reservoir = _state(
        comm, {"cell": {"counter_electrode": "reservoir"}, "numerics": {"moving_boundary": False}}
    )
    try:
        assert reservoir.problem.bcs
        assert reservoir.problem.interleaved is None
        chosen = jacobian_assembler(reservoir.problem.problem, reservoir.problem.bcs)
        assert not isinstance(getattr(chosen, "__self__", None), SerialBlockedJacobian)
    finally:
        reservoir.close()


@pytest.mark.serial
def test_factorisation_sees_jacobians_assembled_in_place(comm):
    """The operator is written in place: a kept LU must still be refreshed at the next state.

    SNES keeps its factorisation while the operator's state is unchanged; the values are
    written straight into the operator's arrays, so the assembly must mark them as changed.
    Reference: a fresh LU of a copy of the second Jacobian.
    """
    state = _state(comm, {})
    nlp = state.problem.problem
    try:
        snes, x = nlp.solver, nlp.x
        dolfinx.fem.petsc.assign(nlp.u, x)
        callback = snes.getJacobian()[2][0]
        # the operator is the serial assembler's own matrix (no copy into a second one)
        assert callback.keywords["assemble"].__self__.matrix.handle == nlp.A.handle

        def lu(A):
            ksp = PETSc.KSP().create(A.comm)
            ksp.setType("preonly")
            ksp.getPC().setType("lu")
            ksp.getPC().setFactorSolverType("mumps")
            ksp.setOperators(A)
            return ksp

        kept = lu(nlp.A)
        rhs = x.duplicate()
        rhs.setRandom()
        first, second, reference = rhs.duplicate(), rhs.duplicate(), rhs.duplicate()
        snes.computeJacobian(x, nlp.A)
        kept.solve(rhs, first)
        x.array[:] += 0.3 * np.random.default_rng(1).uniform(-1.0, 1.0, x.array.size)
        snes.computeJacobian(x, nlp.A)
        kept.solve(rhs, second)
        copy = nlp.A.copy()
        fresh = lu(copy)
        fresh.solve(rhs, reference)
        scale = reference.norm()
        assert (second - first).norm() > 1e-3 * scale  # the two states differ
        assert (second - reference).norm() <= 1e-10 * scale
        for obj in (kept, fresh, copy, rhs, first, second, reference):
            obj.destroy()
    finally:
        state.close()


@pytest.mark.serial
@pytest.mark.parametrize("change", [{}, LAMINATE, SINGLE_ION], ids=["li", "laminate", "single-ion"])
def test_serial_residual_equals_dolfinx(comm, change):
    """The residual with the salt and charge balances from one P1² form, against DOLFINx's."""
    state = _state(comm, change)
    nlp = state.problem.problem
    try:
        assert state.problem.interleaved is not None
        x = nlp.x
        dolfinx.fem.petsc.assign(nlp.u, x)
        reference, got = nlp.b.duplicate(), nlp.b.duplicate()
        assemble_residual_no_bcs(None, x, reference, nlp.u, nlp.F, nlp.b.getAttr("_blocks"))
        nlp.solver.computeFunction(x, got)  # the problem's own SNES callback
        scale = reference.norm(3)  # the largest entry
        assert scale > 0.0
        got.axpy(-1.0, reference)
        assert got.norm(3) <= 1e-14 * scale
        reference.destroy()
        got.destroy()
    finally:
        state.close()


@pytest.mark.serial
def test_interleaving_needs_one_node_numbering(comm):
    """Unknowns numbered otherwise (here a P2 'potential') fall back to the separate blocks."""
    state = _state(comm, {})
    try:
        p = state.problem
        assert interleaved_transport(p.residual, p.c, p.phi) is not None
        p2 = dolfinx.fem.Function(dolfinx.fem.functionspace(p.mesh, ("Lagrange", 2)))
        assert interleaved_transport(p.residual, p.c, p2) is None
    finally:
        state.close()
