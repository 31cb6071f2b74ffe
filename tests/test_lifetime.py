"""A mesh state is freed when the last reference to it goes.

PETSc objects hold their Python callbacks where the garbage collector cannot see them; a callback
that refers back to its owner (a bound method, a lambda over ``self``) makes a cycle that is
never collected, and with it the mesh, its PETSc objects and its MPI communicators. A long
session (a sweep, the test suite on two ranks) then runs out of communicators and dies. Checked
for the cell problem of a moving cell with a Li counter electrode, with insulating and with
periodic walls (the periodic Newton has its own SNES), and a reservoir cell, solved once.

On more than one rank a second trap: a parallel PETSc object that Python's collector frees is
only put aside (its destruction is collective), with its LU factors and communicators, until
a collective clean-up on its own communicator. Whole runs are therefore checked for the MPI
communicators they leave behind, counted as the communicators that can still be created (MPICH
has about 2000; each leaked mesh state cost 16).
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from lidendrite.case import Case
from lidendrite.config import config_from_dict
from lidendrite.engine.state import MeshState
from lidendrite.geometry.cell import cell_from_config
from lidendrite.simulation import run
from lidendrite.solver.problem import SolverSettings
from validation_utils import merge

BASE = {
    "title": "lifetime",
    "cell": {"width_um": 2.0, "thickness_um": 2.0, "counter_electrode": "lithium"},
    "mesh": {"size_at_anode_um": 0.2, "size_bulk_um": 0.4, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "NH2-Li-G62"},
    "numerics": {"moving_boundary": True},
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"cell": {"sides": "periodic"}},
        {"cell": {"counter_electrode": "reservoir"}, "numerics": {"moving_boundary": False}},
        {"numerics": {"linearly_implicit": True, "mesh_motion": "elastic"}},
    ],
    ids=["insulating", "periodic", "reservoir", "linearly-implicit-elastic"],
)
def test_mesh_state_is_freed(comm, change):
    cfg = config_from_dict(merge(BASE, change))
    case = Case.from_config(cfg)
    # A form compiled for the first time (not found in the JIT cache) keeps its mesh alive on
    # the Python 3.13 releases before the fix of CPython gh-127750 (3.13.0 here): UFL's
    # derivative rules are dispatched by functools.singledispatchmethod, whose cache holds on to
    # its instances. A warm-up state compiles the forms, so that what is checked is lidendrite's
    # own references.
    warm_up = MeshState(
        case, cell_from_config(comm, cfg), SolverSettings.from_numerics(cfg.numerics)
    )
    warm_up.close()
    del warm_up
    state = MeshState(case, cell_from_config(comm, cfg), SolverSettings.from_numerics(cfg.numerics))
    state.initial_guess(3.0)
    state.problem.control.value = case.controls_scaled[0]
    state.problem.set_bdf(1, 1e-3 / case.scaling.time_s, None)
    ok, _ = state.problem.solve()
    assert ok
    refs = [weakref.ref(o) for o in (state, state.problem, state.mesh)]
    state.close()
    del state
    gc.collect()
    assert [r() is None for r in refs] == [True, True, True]


@pytest.mark.parametrize("sides", ["insulating", "periodic"])
def test_runs_leave_no_communicators_behind(comm, tmp_path, sides):
    from mpi4py import MPI

    def count() -> int:
        gc.collect()
        comm.barrier()
        made = []
        try:
            while len(made) < 5000:
                made.append(MPI.COMM_SELF.Dup())
        except MPI.Exception:
            pass
        for c in made:
            c.Free()
        return comm.allreduce(len(made), op=MPI.MIN)

    cfg = config_from_dict(
        merge(
            BASE,
            {
                "cell": {"sides": sides},
                "operation": {"current_density_A_per_m2": 10.0, "duration_s": 3.0},
                "numerics": {"dt_initial_s": 1.0},
            },
        )
    )
    out = Path(comm.bcast(str(tmp_path), root=0))
    run(cfg, out / "warm-up", comm, frames=False)  # caches built once per process
    before = count()
    runs = 3
    for i in range(runs):
        assert run(cfg, out / f"run{i}", comm, frames=False).status == "completed"
    leaked = before - count()
    # 16 per run when the solvers were left to the collector; MUMPS may keep one of its own
    assert leaked <= runs, leaked
