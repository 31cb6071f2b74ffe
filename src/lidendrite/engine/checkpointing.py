"""When the stepper writes checkpoints, and the loop state they carry.

The files themselves are :mod:`lidendrite.io.checkpoint`. A checkpoint is written after an
accepted step when ``output.checkpoint_every_s`` of simulated time or
``output.checkpoint_every_wall_s`` of wall time have passed since the last one, and when a stop
signal arrived. Checkpoints never change the time steps, so a run gives the same results
whatever the checkpoint settings.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from mpi4py import MPI

import numpy as np


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
