"""When the stepper writes checkpoints, and the loop state they carry.

The files themselves are :mod:`lidendrite.io.checkpoint`. A checkpoint is written after an
accepted step when ``output.checkpoint_every_s`` of simulated time or
``output.checkpoint_every_wall_s`` of wall time have passed since the last one, and when a stop
signal arrived. Checkpoints never change the time steps, so a run gives the same results
whatever the checkpoint settings.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

from lidendrite.engine import metrics as metric_table
from lidendrite.engine.state import MeshState
from lidendrite.geometry.cell import build_cell
from lidendrite.io.checkpoint import restore_nodes, write_checkpoint

log = logging.getLogger("lidendrite")


@dataclass
class LoopState:
    """The variables of the time loop between two accepted steps."""

    dt: float
    dt_prev: float | None = None
    order: int = 1
    segment_index: int = 0
    next_output: float = 0.0
    previous: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoopState:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


class CheckpointSchedule:
    """Decides, identically on every rank, when a checkpoint is due."""

    def __init__(self, every_s: float | None, every_wall_s: float | None, time_s: float):
        self.every_s = every_s
        self.every_wall_s = every_wall_s
        self.next_s = math.inf
        self.written(time_s)

    def written(self, time_s: float) -> None:
        """A checkpoint of time ``time_s`` was written (or the run starts there)."""
        if self.every_s is not None:
            self.next_s = (math.floor(time_s / self.every_s + 1e-9) + 1) * self.every_s
        self.last_wall = time.perf_counter()

    def check(self, comm: MPI.Comm, time_s: float, stop: bool) -> tuple[bool, bool]:
        """(write a checkpoint now, stop now) after an accepted step (collective)."""
        wall = self.every_wall_s is not None and (
            time.perf_counter() - self.last_wall >= self.every_wall_s
        )
        flags = np.array([stop, wall], dtype=np.int32)
        if comm.size > 1:
            comm.Allreduce(MPI.IN_PLACE, flags, op=MPI.MAX)
        stop_all = bool(flags[0])
        due = stop_all or bool(flags[1]) or time_s >= self.next_s * (1 - 1e-12)
        return due, stop_all


def restore_stepper(stepper: Any, checkpoint: dict) -> LoopState:
    """Mesh a checkpoint's Gmsh input on the stepper's communicator and set its state."""
    meta = checkpoint["meta"]
    if "mesh_file" in checkpoint["source"]:  # a user mesh: read it again (same node numbers)
        from lidendrite.geometry.user_mesh import cell_from_mesh_file

        cell = cell_from_mesh_file(stepper.comm, stepper.case.config)
    else:
        cell = build_cell(stepper.comm, **checkpoint["source"])
    stepper.state = MeshState(stepper.case, cell, stepper.settings)
    restore_nodes(stepper.state, checkpoint["nodes"], checkpoint["v"])
    stepper.state.fresh_quality = meta["fresh_quality"]
    stepper.state.filler_offset_um = float(meta.get("filler_offset_um", 0.0))
    history = meta.get("front_history") or {}
    stepper.state.front_history = {
        name: (*(np.asarray(a, dtype=float) for a in values[:3]), float(values[3]))
        for name, values in history.items()
    } or None
    stepper.time_s, stepper.step = float(meta["time_s"]), int(meta["step"])
    stepper.counters = metric_table.RunCounters(**meta["counters"])
    stepper.timings_s.update(meta["timings_s"])
    log.info(
        "resumed at t = %.6g s, step %d (%d cells)",
        stepper.time_s,
        stepper.step,
        stepper.state.num_cells(),
    )
    return LoopState.from_dict(meta["loop"])


def write_stepper_checkpoint(stepper: Any, out_dir: Path, loop: LoopState) -> None:
    """Write a checkpoint of the state after the current step (collective)."""
    t0 = time.perf_counter()
    stepper.timings_s.setdefault("checkpoint", 0.0)
    meta = {
        "config_hash": stepper.case.config_hash,
        "time_s": stepper.time_s,
        "step": stepper.step,
        "ranks": stepper.comm.size,
        "loop": loop.to_dict(),
        "counters": asdict(stepper.counters),
        "timings_s": stepper.timings_s,
        "fresh_quality": stepper.state.fresh_quality,
        "recorder": stepper.recorder.resume_info(),
        "filler_offset_um": stepper.state.filler_offset_um,
        # the last front step, for a second-order (Adams-Bashforth) front step after a resume
        "front_history": {
            name: [np.asarray(a).tolist() for a in values[:3]] + [float(values[3])]
            for name, values in (stepper.state.front_history or {}).items()
        },
    }
    write_checkpoint(out_dir, stepper.state, meta)
    stepper.checkpoints_written += 1
    stepper.timings_s["checkpoint"] += time.perf_counter() - t0
