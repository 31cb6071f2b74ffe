"""The engine's seams: callbacks, per-case isolation, run.log, PETSc options, one BV for two.

- the NumPy Butler–Volmer used for the front motion and the UFL form of the solver read the same
  coefficient fields: their currents at the anode nodes agree to round-off on a curved, moving
  state;
- callbacks see every recorded row, every remesh and the end; no PETSc option of a finished
  run stays in the global table (they used to pile up at every remesh);
- with ``catch_errors`` an exception inside a case ends it as ``failed`` with the reason in
  status.json and the traceback in run.log; without it the exception propagates.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.engine.metrics import COLUMN_NAMES, RunCounters, evaluate
from lidendrite.errors import GeometryError
from lidendrite.fem import PETSc, dolfinx
from lidendrite.io.recorder import METRIC_COLUMNS
from lidendrite.simulation import run
from moving_utils import moving_cell, remeshing_defect_cell, shared_dir


def _remeshing_case(**changes):
    return config_from_dict(
        remeshing_defect_cell(current_A_per_m2=300.0, duration_s=12.0, **changes)
    )


class Spy:
    """Counts the hooks and checks the BV copies at every remesh."""

    def __init__(self):
        self.rows, self.remeshes, self.ended, self.started = [], 0, None, 0
        self.bv_errors = []

    def on_start(self, stepper):
        self.started += 1

    def on_step_end(self, stepper, row):
        self.rows.append(row["time_s"])

    def on_remesh(self, stepper):
        self.remeshes += 1
        self.bv_errors.append(_bv_mismatch(stepper.state))

    def on_end(self, stepper, result):
        self.ended = result.status
        self.bv_errors.append(_bv_mismatch(stepper.state))
        self.counters = RunCounters(**vars(stepper.counters))
        self.row = evaluate(stepper.state, self.counters)


def _bv_mismatch(state) -> float:
    """Largest relative difference of the UFL and the NumPy plating current at anode nodes."""
    from lidendrite.physics.cell import electrode_current

    p = state.problem
    expr = dolfinx.fem.Expression(
        electrode_current(p.c, p.phi, p.anode, p.coefficients),
        p.V.element.interpolation_points,
    )
    f = dolfinx.fem.Function(p.V)
    f.interpolate(expr)
    ufl_nodes = state.layout.values(f)[state.anode.nodes]
    numpy_vertices = state.plating_current_nodal(state.anode, state.cell_voltage_scaled())
    numpy_nodes = numpy_vertices[state.anode.to_poly]
    scale = np.abs(numpy_vertices).max()
    local = float(np.max(np.abs(ufl_nodes - numpy_nodes))) / scale if len(ufl_nodes) else 0.0
    return state.mesh.comm.allreduce(local, op=max_op())


def max_op():
    from mpi4py import MPI

    return MPI.MAX


def test_callbacks_bv_copies_and_petsc_options(comm, tmp_path):
    out = shared_dir(comm, tmp_path) / "run"
    spy = Spy()
    result = run(_remeshing_case(), out, comm, callbacks=[spy])
    assert result.status == "completed"
    assert spy.started == 1 and spy.ended == "completed"
    assert spy.remeshes >= 1
    rows = np.loadtxt(out / "metrics.csv", delimiter=",", skiprows=1, usecols=0, ndmin=1)
    assert np.allclose(spy.rows, rows, rtol=1e-11)
    # the same function on the same data: the UFL and NumPy currents agree to round-off
    assert max(spy.bv_errors) < 1e-12, spy.bv_errors
    leftover = [k for k in PETSc.Options().getAll() if k.startswith("lidendrite_")]
    assert leftover == []
    # every metric column is defined in one table, the recorder writes exactly those
    assert METRIC_COLUMNS == list(COLUMN_NAMES)
    assert set(spy.row) <= set(COLUMN_NAMES)
    log = (out / "run.log").read_text() if comm.rank == 0 else ""
    if comm.rank == 0:
        assert "remesh 1:" in log and "completed: protocol finished" in log


class Boom:
    def on_step_end(self, stepper, row):
        if row["step"] == 2:
            raise RuntimeError("injected failure")


def test_catch_errors_isolates_a_failing_case(comm, tmp_path):
    root = shared_dir(comm, tmp_path)
    cfg = config_from_dict(moving_cell(operation={"current_density_A_per_m2": 30, "duration_s": 2}))
    result = run(cfg, root / "caught", comm, callbacks=[Boom()], catch_errors=True)
    assert result.status == "failed" and "injected failure" in result.reason
    if comm.rank == 0:
        status = json.loads((root / "caught" / "status.json").read_text())
        assert status["status"] == "failed" and "RuntimeError: injected failure" in status["reason"]
        assert "Traceback" in (root / "caught" / "run.log").read_text()
    with pytest.raises(RuntimeError, match="injected failure"):
        run(cfg, root / "raised", comm, callbacks=[Boom()])
    if comm.rank == 0:
        status = json.loads((root / "raised" / "status.json").read_text())
        assert status["status"] == "failed"


class Fold:
    """Raises a geometry failure (as a remesh that cannot be done does) after step 2."""

    def on_step_end(self, stepper, row):
        if row["step"] == 2:
            self.time_s = row["time_s"]
            raise GeometryError("injected geometry failure")


def test_a_failed_run_records_how_far_it_got(comm, tmp_path):
    out = shared_dir(comm, tmp_path) / "fold"
    cfg = config_from_dict(moving_cell(operation={"current_density_A_per_m2": 30, "duration_s": 2}))
    fold = Fold()
    result = run(cfg, out, comm, callbacks=[fold])
    assert result.status == "failed" and result.reason == "injected geometry failure"
    assert result.time_s == fold.time_s > 0.0 and result.steps == 2
    if comm.rank == 0:
        status = json.loads((out / "status.json").read_text())
        assert status["time_s"] == fold.time_s and status["steps"] == 2


def test_anode_current_cv_of_a_sinusoidal_current():
    from lidendrite.engine.metrics import current_cv

    x = np.linspace(0.0, 4.0, 4001)
    xy = np.column_stack([x, np.zeros_like(x)])
    assert current_cv(xy, 2.0 + 0.3 * np.cos(np.pi * x)) == pytest.approx(
        0.3 / 2 / np.sqrt(2), rel=1e-5
    )
    assert current_cv(xy, np.full_like(x, 5.0)) == pytest.approx(0.0, abs=1e-7)
