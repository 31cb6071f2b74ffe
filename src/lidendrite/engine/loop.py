"""The time loop: adaptive steps through the protocol, front motion, remeshing, events.

A :class:`Stepper` advances one :class:`~lidendrite.engine.state.MeshState` from t = 0 to the end
of the protocol (or an event), handing every accepted step to the recorder and the callbacks.
It owns the step controller and the run counters; everything it calls lives in its own module.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from mpi4py import MPI

import numpy as np

from lidendrite.case import Case
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.engine import metrics as metric_table
from lidendrite.engine.callbacks import CallbackList
from lidendrite.engine.checkpointing import (
    CheckpointSchedule,
    LoopState,
    restore_stepper,
    write_stepper_checkpoint,
)
from lidendrite.engine.contact import record_contacts
from lidendrite.engine.events import events_for
from lidendrite.engine.motion import apply_motion, boundary_steps, motion_dt_limit, undo_motion
from lidendrite.engine.remesh import remesh_threshold, remeshed_state
from lidendrite.engine.signals import StopRequest
from lidendrite.engine.state import ElectrodeCurrents, MeshState
from lidendrite.errors import SolverError
from lidendrite.geometry.cell import cell_from_config
from lidendrite.io.recorder import Recorder
from lidendrite.moving.front import area_under, mean_height
from lidendrite.moving.untangle import untangle
from lidendrite.solver.control import StepController
from lidendrite.solver.problem import SolverSettings
from lidendrite.solver.protocol import segment_at

log = logging.getLogger("lidendrite")


@dataclass
class RunResult:
    """How a run ended."""

    status: str  # completed | depleted | short_circuit | filler_contact | failed | interrupted
    reason: str
    time_s: float
    steps: int
    out_dir: Path
    info: dict = field(default_factory=dict)


class Stepper:
    """Runs one Case through its protocol (collective over the mesh communicator)."""

    def __init__(
        self, case: Case, recorder: Recorder, comm: MPI.Comm, callbacks: CallbackList
    ) -> None:
        num = case.config.numerics
        self.case = case
        self.recorder = recorder
        self.comm = comm
        self.callbacks = callbacks
        self.settings = SolverSettings.from_numerics(num)
        self.controller = StepController(
            dt_min_s=num.dt_min_s,
            dt_max_s=num.dt_max_s,
            growth_max=num.dt_growth_max,
            target_iterations=num.target_newton_iterations,
            max_change=num.max_concentration_change,
        )
        self.counters = metric_table.RunCounters()
        self.timings_s = {"solve": 0.0, "motion": 0.0, "remesh": 0.0, "output": 0.0}
        self.state: MeshState | None = None
        self.checkpoints_written = 0
        self.time_s = 0.0
        self.step = 0

    # -- recording ------------------------------------------------------------------------
    def record(
        self, dt_s: float, iterations: int, currents: ElectrodeCurrents | None = None
    ) -> dict[str, float]:
        """Evaluate and write the metrics row of the state that a step of ``dt_s`` reached.

        The Li plated over the step (Faraday, from the mean anode current at its end) is
        added to the counters first, and so are fillers the front has reached. ``currents``:
        the electrodes' currents of the state, where the caller has them.
        """
        record_contacts(self.state, self.counters.filler_contact_log, self.time_s)
        row = metric_table.evaluate(self.state, self.counters, currents)
        self.counters.li_plated_um += (
            dt_s
            * row["anode_current_density_A_per_m2"]
            * self.case.config.kinetics.molar_volume_m3_per_mol
            / F
            * 1e6
        )
        row.update(
            time_s=self.time_s,
            dt_s=dt_s,
            step=self.step,
            newton_iterations=iterations,
            li_plated_um=self.counters.li_plated_um,
        )
        self.recorder.metrics(row)
        self.callbacks("on_step_end", self, row)
        return row

    def write_fields(self) -> None:
        """Write a frame of the current state."""
        t0 = time.perf_counter()
        self.recorder.fields(self.state, self.time_s, self.step, self.counters.remesh_count)
        self.timings_s["output"] += time.perf_counter() - t0

    # -- start, restart, checkpoint ------------------------------------------------------
    def start(self) -> LoopState:
        """Mesh the initial cell, solve the consistent state at t = 0 and record it."""
        case, num = self.case, self.case.config.numerics
        t_mesh = time.perf_counter()
        self.state = MeshState(case, cell_from_config(self.comm, case.config), self.settings)
        self.counters.initial_mean_height_um = mean_height(self.state.anode.xy, case.width_um)
        log.info(
            "mesh: %d cells, %d vertices (%.2f s)",
            self.state.num_cells(),
            self.state.mesh.topology.index_map(0).size_global,
            time.perf_counter() - t_mesh,
        )
        first = case.segments[0]
        i_guess = (first.current_density_A_per_m2 or 0.0) if case.galvanostatic else 0.0
        self.state.initial_guess(i_guess)
        # t = 0: solve the initial (consistent) state with a tiny step so that φ and V match.
        # The smallest step scales the storage term by 1/dt_min: where that puts the residual's
        # round-off floor above the Newton tolerance the line search stalls, and a step a
        # thousand times shorter than the first one is tried instead.
        self.state.problem.control.value = case.controls_scaled[0]
        ok = False
        for dt in (num.dt_min_s, 1e-3 * num.dt_initial_s):
            ok, _, _ = self.solve_step(dt, None, order=1, move=False)
            if ok:
                break
            self.state.initial_guess(i_guess)
        if not ok:
            raise SolverError(
                "could not find a consistent initial state (Newton diverged at t = 0)"
            )
        self.state.problem.accept()
        previous = self.record(0.0, 0)
        self.write_fields()
        # the last frame at the latest, also when output.every_s exceeds the protocol
        first_output = min(case.frame_interval_s, case.t_end_s)
        return LoopState(dt=num.dt_initial_s, next_output=first_output, previous=previous)

    def restore(self, checkpoint: dict) -> LoopState:
        """Mesh the checkpoint's Gmsh input on this communicator and set its state."""
        return restore_stepper(self, checkpoint)

    def checkpoint(self, out_dir: Path, loop: LoopState) -> None:
        """Write a checkpoint of the state after the current step (collective)."""
        write_stepper_checkpoint(self, out_dir, loop)

    # -- the loop -------------------------------------------------------------------------
    def run(
        self, out_dir: Path, resume: dict | None = None, stop: StopRequest | None = None
    ) -> RunResult:
        """Solve the initial state (or restore ``resume``), then step to the end or an event.

        With ``stop`` (installed signal handlers) a SIGTERM/SIGINT ends the run after the
        current step with a checkpoint and ``status: interrupted``.
        """
        case, num = self.case, self.case.config.numerics
        loop = self.start() if resume is None else self.restore(resume)
        self.callbacks("on_start", self)
        events = events_for(self.state)
        t_end = case.t_end_s
        eps = 1e-12 * t_end
        out = case.config.output
        schedule = CheckpointSchedule(
            out.checkpoint_every_s, out.checkpoint_every_wall_s, self.time_s
        )
        last_progress = -math.inf
        # the electrodes' currents of the state a step starts from: the metrics of the step
        # that reached it, the step limit and the front motion read the same ones
        currents: ElectrodeCurrents | None = None
        while self.time_s < t_end - eps:
            k = segment_at(list(case.segments), self.time_s, eps)
            seg = case.segments[k]
            self.state.problem.control.value = case.controls_scaled[k]
            if k != loop.segment_index:
                loop.segment_index = k
                loop.order, loop.dt_prev = 1, None  # restart BDF at a jump of the control
                loop.dt = min(loop.dt, num.dt_initial_s)  # and resolve the new transient
            if case.moving and currents is None:
                currents = self.state.electrode_currents()
            dt = min(loop.dt, num.dt_max_s, motion_dt_limit(self.state, currents))
            dt = land_on(self.time_s, dt, min(seg.end_s, loop.next_output), eps)
            ok, its, _ = self.solve_step(
                dt, loop.dt_prev, order=loop.order, move=case.moving, currents=currents
            )
            currents = None  # of the state before the attempt
            if not ok:
                self.callbacks("on_step_rejected", self, dt)
                loop.dt = self.controller.after_failure(dt)
                if loop.dt < num.dt_min_s:
                    return RunResult(
                        "failed",
                        f"time step fell below numerics.dt_min_s = {num.dt_min_s:g} s "
                        f"at t = {self.time_s:.6g} s (Newton did not converge)",
                        self.time_s,
                        self.step,
                        out_dir,
                    )
                continue
            change = self.state.max_change()
            self.state.problem.accept()
            self.time_s += dt
            self.step += 1
            currents = self.state.electrode_currents() if case.moving else None
            row = self.record(dt, its, currents)
            if abs(self.time_s - loop.next_output) <= eps or self.time_s >= loop.next_output:
                self.write_fields()
                loop.next_output = min(loop.next_output + case.frame_interval_s, t_end)
            now = time.perf_counter()
            if now - last_progress >= out.progress_every_s:
                last_progress = now
                self.progress(row, dt, its)
            for event in events:
                fired = event.check(self.state, loop.previous, row)
                if fired is not None:
                    self.write_fields()
                    self.callbacks("on_event", self, fired)
                    return RunResult(
                        fired.status, fired.reason, self.time_s, self.step, out_dir, fired.info
                    )
            loop.dt_prev, loop.order = dt, (2 if num.time_scheme == "bdf2" else 1)
            loop.dt = self.controller.next_dt(dt, its, change)
            loop.previous = row
            due, stop_now = schedule.check(
                self.comm, self.time_s, stop is not None and stop.pending
            )
            if due and self.time_s < t_end - eps:
                self.checkpoint(out_dir, loop)
                schedule.written(self.time_s)
            if stop_now and self.time_s < t_end - eps:
                name = (stop.signal_name if stop is not None else None) or "a signal"
                return RunResult(
                    "interrupted",
                    f"stopped by {name} at t = {self.time_s:.6g} s (checkpoint written)",
                    self.time_s,
                    self.step,
                    out_dir,
                )
        return RunResult("completed", "protocol finished", self.time_s, self.step, out_dir)

    def progress(self, row: dict[str, float], dt: float, its: int) -> None:
        """One progress line, with the wall time so far and an ETA (linear in simulated time)."""
        elapsed = time.perf_counter() - self.recorder.t_start
        done = self.time_s / self.case.t_end_s
        eta = f"ETA {elapsed * (1.0 - done) / done:.0f} s" if done > 0 else "ETA ?"
        log.info(
            "t = %-10.4g s (%5.1f%%, %.0f s elapsed, %s)  dt = %-9.3g s  Newton %2d  "
            "V = %+.4f V  c_min = %.4g mol/m3%s",
            self.time_s,
            100 * done,
            elapsed,
            eta,
            dt,
            its,
            row["cell_voltage_V"],
            row["c_anode_min_mol_per_m3"],
            f"  tip = {row['tip_height_um']:.3f} um" if self.case.moving else "",
        )

    # -- one step -------------------------------------------------------------------------
    def solve_step(
        self,
        dt: float,
        dt_prev: float | None,
        *,
        order: int,
        move: bool,
        currents: ElectrodeCurrents | None = None,
    ) -> tuple[bool, int, bool]:
        """Attempt one step; returns (converged, Newton iterations, remeshed).

        With a moving boundary the electrodes are first advanced explicitly and the mesh follows
        (ALE). If that would fold the front over itself or degrade the mesh below the remesh
        threshold, the cell is remeshed at the new boundary position instead (loops cut out) and
        the fields are transferred. On failure everything is left as before the attempt.
        """
        s = self.case.scaling
        dt_hat = dt / s.time_s
        old_state = self.state
        remeshed = False
        untangled = None
        if move:
            t0 = time.perf_counter()
            steps = boundary_steps(self.state, dt_hat, currents)
            st = self.state
            moved = {"anode": st.anode.xy + steps["anode"]}
            if "counter" in steps:
                moved["counter"] = st.counter.xy + steps["counter"]
            untangled = untangle(moved["anode"], self.case.width_um, self.case.periodic)
            if untangled.cuts == 0:
                apply_motion(st, steps, dt_hat)
                if st.min_quality() < remesh_threshold(st):
                    undo_motion(st)
                    remeshed = True
            else:
                remeshed = True
            self.timings_s["motion"] += time.perf_counter() - t0
            if remeshed:
                t0 = time.perf_counter()
                max_step = max(float(np.abs(d).max()) for d in steps.values())
                shift = (area_under(moved["anode"]) - area_under(st.anode.xy)) / self.case.width_um
                material = (moved["anode"], st.material_step[1]) if self.case.patterned else None
                self.state = remeshed_state(
                    old_state,
                    self.settings,
                    untangled.xy,
                    moved.get("counter"),
                    max_step,
                    shift,
                    anode_material=material,
                    pockets=untangled.pockets,
                )
                self.timings_s["remesh"] += time.perf_counter() - t0
                order, dt_prev = 1, None
        p = self.state.problem
        p.save()
        p.set_bdf(order, dt_hat, None if dt_prev is None else dt_prev / s.time_s)
        t0 = time.perf_counter()
        ok, its = p.solve()
        self.timings_s["solve"] += time.perf_counter() - t0
        if not ok:
            p.restore()
            if remeshed:
                self.state.close()
                self.state = old_state
            elif move:
                undo_motion(self.state)
        elif move:  # the Adams-Bashforth front step looks back at this one
            self.state.front_history = old_state.front_pending
        if ok and remeshed:
            self.recorder.new_segment()
            old_state.close()
            self.counters.remesh_count += 1
            self.counters.inventory_correction = self.state.pending_correction
            self.counters.salt_correction_cumulative_mol_per_m += (
                self.state.pending_salt_added_mol_per_m
            )
            self.counters.loop_area_removed_um2 += untangled.swallowtail_area_um2
            self.counters.pocket_area_um2 += untangled.pocket_area_um2
            self.counters.pocket_salt_mol_per_m += self.state.pending_pocket_salt_mol_per_m
            log.info(
                "remesh %d: %d cells, salt inventory correction %.2e",
                self.counters.remesh_count,
                self.state.num_cells(),
                self.counters.inventory_correction,
            )
            self.callbacks("on_remesh", self)
        return ok, its, remeshed


def land_on(t: float, dt: float, target: float, eps: float) -> float:
    """Shorten ``dt`` so that steps land exactly on ``target`` without a sliver step before it."""
    remaining = target - t
    if dt >= remaining - eps:
        return remaining
    if dt > 0.5 * remaining:
        return 0.5 * remaining
    return dt
