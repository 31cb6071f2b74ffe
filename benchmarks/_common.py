"""Helpers shared by the benchmark scripts: rank-0 printing, scratch directories, step timing.

Everything here is collective over the communicator it is given, like the library itself, so
the scripts run unchanged under ``mpirun -n N``.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

import lidendrite.fem  # noqa: F401  (loads the bundled PETSc before anything else)
from lidendrite.engine.callbacks import Callback
from lidendrite.fem import PETSc, dolfinx
from lidendrite.simulation import run
from lidendrite.solver.problem import CellProblem, SolverSettings

#: The cell of seed 002 (Zhu et al., PNAS 2023, Fig. 4G-H): a 5 um x 3 um Li|LPC|Li cell with a
#: defect of radius 0.5 um at the centre of the plating electrode, 3 A/m^2 at 318 K.
SEED_CELL: dict[str, Any] = {
    "title": "benchmark: seed-002 cell",
    "cell": {
        "width_um": 5.0,
        "thickness_um": 3.0,
        "sides": "insulating",
        "counter_electrode": "lithium",
        "anode": {"shape": "defect", "defect_radius_um": 0.5},
    },
    "mesh": {"size_at_anode_um": 0.05, "size_bulk_um": 0.2, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "LPC"},
    "kinetics": {"alpha_anodic": 0.5, "alpha_cathodic": 0.5, "surface_energy_J_per_m2": 0.5},
    "operation": {
        "mode": "galvanostatic",
        "temperature_K": 318.0,
        "current_density_A_per_m2": 3.0,
        "duration_s": 7200.0,
    },
    "numerics": {"time_scheme": "bdf2", "dt_initial_s": 0.01, "dt_max_s": 120.0},
    "output": {"every_s": 180.0, "vtx": False},
}

#: Area of the seed cell's electrolyte, um^2 (rectangle minus the half-disc of the defect).
SEED_CELL_AREA_UM2 = 5.0 * 3.0 - 0.5 * math.pi * 0.5**2


def say(comm: MPI.Comm, *args: Any) -> None:
    """Print on rank 0 only, flushed at once (collective-free)."""
    if comm.rank == 0:
        print(*args, flush=True)


@contextmanager
def scratch_dir(comm: MPI.Comm, keep: str | None = None) -> Iterator[Path]:
    """A directory shared by all ranks: ``keep`` if given, else a temporary one removed after.

    Collective: rank 0 creates (and removes) it, the others receive its path.
    """
    path = None
    if comm.rank == 0:
        if keep is not None:
            Path(keep).mkdir(parents=True, exist_ok=True)
            path = str(Path(keep).resolve())
        else:
            path = tempfile.mkdtemp(prefix="lidendrite-bench-")
    path = Path(comm.bcast(path, root=0))
    try:
        yield path
    finally:
        comm.barrier()
        if comm.rank == 0 and keep is None:
            shutil.rmtree(path, ignore_errors=True)


def write_json(comm: MPI.Comm, path: str | None, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` on rank 0 (nothing if ``path`` is None)."""
    if path is not None and comm.rank == 0:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=2, default=float) + "\n")
        print(f"results written to {path}", flush=True)


def source_revision() -> str:
    """Git revision of the source tree (``+dirty`` with local changes), or ``unknown``."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    if rev.returncode != 0:
        return "unknown"
    return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def machine_line(comm: MPI.Comm) -> str:
    """One line describing where and on what the benchmark ran (collective-free)."""
    import os
    import platform

    petsc = ".".join(str(v) for v in PETSc.Sys.getVersion())
    return (
        f"{platform.node()} ({platform.machine()}, {os.cpu_count()} cores), {comm.size} MPI "
        f"rank(s), lidendrite {source_revision()}, Python {sys.version.split()[0]}, "
        f"DOLFINx {dolfinx.__version__}, PETSc {petsc}, {time.strftime('%Y-%m-%d %H:%M')}"
    )


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log(y) against log(x) (NaN with fewer than two points)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    if len(lx) < 2 or np.ptp(lx) == 0.0:
        return math.nan
    return float(np.polyfit(lx, ly, 1)[0])


# --------------------------------------------------------------------------------------------
# Timing the accepted steps of a run
# --------------------------------------------------------------------------------------------


@dataclass
class StepRecord:
    """What was measured for one accepted time step (wall times on rank 0, seconds)."""

    wall_s: float
    solve_s: float
    newton_iterations: int
    linear_iterations: int


class StepTimer(Callback):
    """A run callback that records the wall time of every accepted step.

    ``on_step_end`` fires once per recorded row, at the end of each accepted step (and at
    t = 0), so the time between two calls is everything the stepper does for one step: boundary
    motion (if any), the Newton solve (including rejected attempts, which are counted), history
    update, time-step control and metrics. After the run, ``state`` is the last mesh state and
    ``settings`` the solver settings.
    """

    def __init__(self) -> None:
        self.records: list[StepRecord] = []
        self.rejected_steps = 0
        self.state: Any = None
        self.settings: SolverSettings | None = None
        self._last: tuple[float, float] | None = None

    def on_step_end(self, stepper: Any, row: dict[str, float]) -> None:  # noqa: D102
        now = time.perf_counter()
        snes = newton_solver(stepper.state.problem)
        solve_total = stepper.timings_s["solve"]
        if self._last is not None:
            self.records.append(
                StepRecord(
                    wall_s=now - self._last[0],
                    solve_s=solve_total - self._last[1],
                    newton_iterations=int(snes.getIterationNumber()),
                    linear_iterations=int(snes.getLinearSolveIterations()),
                )
            )
        self._last = (now, solve_total)

    def on_step_rejected(self, stepper: Any, dt_s: float) -> None:  # noqa: D102
        self.rejected_steps += 1

    def on_end(self, stepper: Any, result: Any) -> None:  # noqa: D102
        self.state = stepper.state
        self.settings = stepper.settings


def run_timed(
    comm: MPI.Comm, cfg: Any, out_dir: Path, frames: bool = False
) -> tuple[StepTimer, str]:
    """Run a case with a :class:`StepTimer` (no field output by default); returns it, status."""
    timer = StepTimer()
    result = run(cfg, out_dir, comm, callbacks=[timer], frames=frames)
    return timer, result.status


@dataclass
class StepSummary:
    """Median cost of the accepted steps of one benchmark run."""

    unknowns: int
    vertices: int
    steps: int
    step_s: float
    solve_s: float
    newton_iterations: float
    linear_iterations: float
    status: str
    rejected_steps: int = 0
    case_wall_s: float = math.nan
    records: list[StepRecord] = field(default_factory=list, repr=False)


def summarise(sim: StepTimer, status: str, skip: int = 1) -> StepSummary:
    """Medians over the recorded steps, leaving out the first ``skip`` (start-up) steps.

    The first interval also contains writing the t = 0 row and frame, so it is always skipped.
    """
    recs = sim.records[skip:] if len(sim.records) > skip else sim.records
    vertices = sim.state.mesh.topology.index_map(0).size_global
    med = statistics.median
    return StepSummary(
        unknowns=unknowns_of(sim.state.problem),
        vertices=vertices,
        steps=len(recs),
        step_s=med(r.wall_s for r in recs) if recs else math.nan,
        solve_s=med(r.solve_s for r in recs) if recs else math.nan,
        newton_iterations=med(r.newton_iterations for r in recs) if recs else math.nan,
        linear_iterations=med(r.linear_iterations for r in recs) if recs else math.nan,
        status=status,
        rejected_steps=sim.rejected_steps,
        records=recs,
    )


def newton_solver(problem: CellProblem) -> PETSc.SNES:
    """The SNES that solves ``problem`` (the reduced one on a periodic cell)."""
    reduced = getattr(problem, "reduced", None)
    return reduced.snes if reduced is not None else problem.problem.solver


def unknowns_of(problem: CellProblem) -> int:
    """Global number of unknowns of the Newton system (c, phi and the cell voltage V)."""
    return int(problem.problem.A.getSize()[0])


# --------------------------------------------------------------------------------------------
# One linear solve with the Jacobian of the current state
# --------------------------------------------------------------------------------------------


@dataclass
class LinearSolveTiming:
    """Medians (seconds, rank 0) of assembling and solving one Newton linear system."""

    residual_s: float
    jacobian_s: float
    fresh_solve_s: float
    #: the fastest of the fresh solves (the least disturbed by other work on the machine)
    fresh_solve_min_s: float
    refactor_solve_s: float
    iterations: int
    converged: bool


def time_linear_solve(
    problem: CellProblem, settings: SolverSettings, repeats: int = 5
) -> LinearSolveTiming:
    """Time one linear solve J dx = -F at the current state of ``problem`` (collective).

    The residual and the Jacobian are assembled with the problem's own SNES callbacks. A fresh
    KSP with the problem's KSP/PC options then solves the system ``repeats`` times, each time
    from scratch (for LU: symbolic analysis + numeric factorisation + triangular solves); a
    last series re-solves with one KSP after re-assembling the Jacobian, which reuses the
    symbolic factorisation as SNES does from its second Newton iteration on.
    """
    nlp = problem.problem
    snes = nlp.solver
    comm = nlp.A.comm.tompi4py()
    x = nlp.x
    dolfinx.fem.petsc.assign(nlp.u, x)
    b = nlp.b
    A = nlp.A
    P = nlp.P_mat if nlp.P_mat is not None else A

    def timed(fn) -> float:
        comm.barrier()
        t0 = time.perf_counter()
        fn()
        comm.barrier()
        return time.perf_counter() - t0

    t_res = [timed(lambda: snes.computeFunction(x, b)) for _ in range(repeats)]
    t_jac = [timed(lambda: snes.computeJacobian(x, A, P)) for _ in range(repeats)]
    rhs = b.copy()
    rhs.scale(-1.0)
    dx = rhs.duplicate()

    ksp_options = {k: v for k, v in settings.petsc_options().items() if not k.startswith("snes_")}
    prefix = f"bench_ksp_{id(problem)}_"
    opts = PETSc.Options()
    for k, v in ksp_options.items():
        opts[prefix + k] = v

    def new_ksp() -> PETSc.KSP:
        ksp = PETSc.KSP().create(A.comm)
        ksp.setOptionsPrefix(prefix)
        ksp.setFromOptions()
        ksp.setOperators(A, P)
        return ksp

    t_fresh = []
    iterations, converged = 0, True
    for _ in range(repeats):
        ksp = new_ksp()
        dx.set(0.0)
        t_fresh.append(timed(lambda ksp=ksp: ksp.solve(rhs, dx)))
        iterations = ksp.getIterationNumber()
        converged = converged and ksp.getConvergedReason() > 0
        ksp.destroy()

    ksp = new_ksp()
    ksp.solve(rhs, dx)  # set-up once (symbolic analysis), then time refactorisations
    t_re = []
    for _ in range(repeats):
        snes.computeJacobian(x, A, P)
        dx.set(0.0)
        t_re.append(timed(lambda: ksp.solve(rhs, dx)))
    ksp.destroy()
    for k in ksp_options:
        del opts[prefix + k]
    rhs.destroy()
    dx.destroy()
    med = statistics.median
    return LinearSolveTiming(
        residual_s=med(t_res),
        jacobian_s=med(t_jac),
        fresh_solve_s=med(t_fresh),
        fresh_solve_min_s=min(t_fresh),
        refactor_solve_s=med(t_re),
        iterations=int(iterations),
        converged=bool(converged),
    )
