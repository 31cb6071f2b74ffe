"""Run the cases of a sweep, each as its own process group, J at a time.

The executor is :class:`concurrent.futures.ThreadPoolExecutor`: a case is an external process
(``mpiexec -n K python -m lidendrite.cli run ... --isolate``, or ``srun`` inside a Slurm
allocation), so a worker thread only starts it and waits; the GIL is not in the way, and a case
that crashes, aborts in PETSc or hangs ends its own process group and nothing else. (A
``ProcessPoolExecutor`` would add a Python worker per case that a hard crash can break the pool
with; a queue inside one ``mpirun`` would share one MPI job between cases.)

SIGTERM/SIGINT to the sweep: no new case starts, every running case's process group gets
SIGTERM (a second signal, or the grace period, sends SIGKILL); they are recorded
``interrupted`` and run again next time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import IO, Any

from lidendrite.sweep.spec import CaseSpec
from lidendrite.sweep.state import (
    FINAL_OK,
    case_state,
    move_aside,
    read_json,
    read_record,
    write_record,
)

__all__ = ["RunOptions", "SweepRunner", "case_command", "in_shard", "launcher"]

_MPI_ENV_PREFIXES = ("PMI_", "PMIX_", "HYDRA_", "MPIR_", "OMPI_")


@dataclasses.dataclass
class RunOptions:
    """How a sweep runs its cases."""

    jobs: int = 1
    ranks_per_case: int = 1
    case_timeout_s: float | None = None
    retry_failed: bool = False
    grace_s: float = 30.0
    progress: bool = True


def in_shard(case_id: str, shard: tuple[int, int] | None) -> bool:
    """Whether a case belongs to shard ``(i, n)`` (stable under adding cases)."""
    if shard is None:
        return True
    i, n = shard
    return int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % n == i


def launcher(ranks: int) -> list[str]:
    """The launcher prefix: ``srun`` inside Slurm, else ``mpiexec -n K`` (nothing for K = 1)."""
    if os.environ.get("SLURM_JOB_ID") and shutil.which("srun"):
        return ["srun", f"--ntasks={ranks}", "--exact", "--kill-on-bad-exit=1", "--quiet"]
    if ranks == 1:
        return []
    local = Path(sys.executable).parent / "mpiexec"
    return [
        str(local) if local.exists() else shutil.which("mpiexec") or "mpiexec",
        "-n",
        str(ranks),
    ]


def case_command(out: Path, case_id: str, ranks: int, resume: bool = False) -> list[str]:
    """The command line of one case."""
    cmd = [*launcher(ranks), sys.executable, "-m", "lidendrite.cli", "run"]
    cmd += [str(out / "inputs" / f"{case_id}.yaml"), "--out", str(out / "cases" / case_id)]
    cmd += ["--isolate", "-q"]
    return cmd + (["--resume"] if resume else [])


def _environment() -> dict[str, str]:
    """The sweep's environment, less an enclosing MPI launch's; one BLAS thread per rank."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_MPI_ENV_PREFIXES)}
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def resumable(case_dir: Path, config_hash: str) -> bool:
    """Whether an unfinished case has a valid checkpoint of its own config to resume from."""
    from lidendrite.errors import ConfigError
    from lidendrite.io.checkpoint import newest_checkpoint

    try:
        newest_checkpoint(case_dir, config_hash)
    except (ConfigError, OSError):
        return False
    return True


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _reap_orphan(record: dict[str, Any], grace_s: float) -> None:
    """End the process group of an attempt a killed sweep left running."""
    last = record["attempts"][-1] if record["attempts"] else {}
    pgid = last.get("pgid")
    if last.get("outcome") != "running" or not pgid or not _signal_group(pgid, 0):
        return
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _signal_group(pgid, 0):
        time.sleep(0.2)
    _signal_group(pgid, signal.SIGKILL)


class SweepRunner:
    """Runs pending cases with a thread pool; records every attempt."""

    def __init__(self, out: Path, cases: list[CaseSpec], options: RunOptions):
        self.out = out
        self.cases = cases
        self.opt = options
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen] = {}
        self._durations: list[float] = []
        self._signals = 0
        self._stopped_at: float | None = None
        self.counts = {"done": 0, "running": 0, "failed": 0, "left": 0}
        self._last_line = ""

    # -- signals ------------------------------------------------------------------------------
    def _on_signal(self, signum: int, frame: Any) -> None:
        self._signals += 1
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
        self._stop.set()
        self._signal_all(signal.SIGTERM if self._signals == 1 else signal.SIGKILL)

    def _signal_all(self, sig: int) -> None:
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            _signal_group(proc.pid, sig)

    @property
    def interrupted(self) -> bool:
        """Whether a signal stopped the sweep."""
        return self._stop.is_set()

    # -- one case -----------------------------------------------------------------------------
    def _prepare(self, case_id: str, record: dict[str, Any]) -> bool:
        """Make the case directory ready; whether the run resumes from checkpoints."""
        _reap_orphan(record, self.opt.grace_s)
        if record["attempts"] and record["attempts"][-1].get("outcome") == "running":
            record["attempts"][-1].update(
                outcome="interrupted", reason="the sweep that ran it was killed"
            )
        case_dir = self.out / "cases" / case_id
        if resumable(case_dir, case_id):  # the case id is its config hash
            return True
        moved = move_aside(case_dir)
        if moved is not None:
            record.setdefault("moved_aside", []).append(str(moved.relative_to(self.out)))
        case_dir.mkdir(parents=True, exist_ok=True)
        return False

    def _wait(self, proc: subprocess.Popen) -> str | None:
        """Wait for a case; the reason when the sweep had to end it (timeout)."""
        try:
            proc.wait(timeout=self.opt.case_timeout_s)
            return None
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=self.opt.grace_s)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
            return f"timed out after {self.opt.case_timeout_s:g} s (--case-timeout-s)"

    def _outcome(self, case_id: str, rc: int, timeout: str | None, log: str) -> tuple[str, str]:
        status = read_json(self.out / "cases" / case_id / "status.json") or {}
        final = status.get("status")
        if timeout is not None:
            return "failed", timeout
        if final in FINAL_OK or final == "failed":
            return str(final), str(status.get("reason", ""))
        if self._stop.is_set() or final == "interrupted":
            return "interrupted", "stopped by a signal to the sweep"
        how = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit code {rc}"
        return "failed", f"crashed ({how}) without a final status; see {log}"

    def run_case(self, case: CaseSpec) -> str:
        """Run one case to its end; its outcome (``interrupted`` if it never started)."""
        if self._stop.is_set():
            return "interrupted"
        record = read_record(self.out, case.case_id)
        resume = self._prepare(case.case_id, record)
        n = len(record["attempts"]) + 1
        log = Path("logs") / f"{case.case_id}.{n}.log"
        (self.out / "logs").mkdir(exist_ok=True)
        cmd = case_command(self.out, case.case_id, self.opt.ranks_per_case, resume)
        t0 = time.time()
        with open(self.out / log, "w") as fh, self._lock:
            if self._stop.is_set():
                return "interrupted"
            proc = subprocess.Popen(
                cmd,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_environment(),
                start_new_session=True,  # its own process group
            )
            self._procs[case.case_id] = proc
        attempt: dict[str, Any] = {"n": n, "command": cmd, "pgid": proc.pid, "log": str(log)}
        attempt.update(started=time.strftime("%Y-%m-%dT%H:%M:%S"), outcome="running")
        record["attempts"].append(attempt)
        write_record(self.out, record)
        timeout = self._wait(proc)
        with self._lock:
            self._procs.pop(case.case_id, None)
        outcome, reason = self._outcome(case.case_id, proc.returncode, timeout, str(log))
        attempt.update(outcome=outcome, reason=reason, exit_code=proc.returncode)
        attempt["wall_s"] = round(time.time() - t0, 3)
        write_record(self.out, record)
        if outcome != "interrupted":
            with self._lock:
                self._durations.append(time.time() - t0)
        return outcome

    # -- the pool -----------------------------------------------------------------------------
    def _progress(self, stream: IO[str], final: bool = False) -> None:
        if not self.opt.progress:
            return
        c = self.counts
        eta = ""
        if self._durations and (c["left"] or c["running"]):
            mean = sum(self._durations) / len(self._durations)
            secs = int(mean * (c["left"] + c["running"] / 2) / max(1, self.opt.jobs))
            eta = f", ETA {secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"
        line = (
            f"sweep: {c['done']} done, {c['running']} running, {c['failed']} failed, "
            f"{c['left']} left{eta}"
        )
        if line == self._last_line and not (final and stream.isatty()):
            return
        self._last_line = line
        if stream.isatty():
            stream.write("\r" + line.ljust(78) + ("\n" if final else ""))
        else:
            stream.write(line + "\n")
        stream.flush()

    def run(self, todo: list[CaseSpec], on_change: Any = None) -> dict[str, int]:
        """Run the cases in ``todo``; the counts at the end.

        ``counts`` starts from the state of every case of the sweep (those not in ``todo``
        included), so the progress line covers the whole sweep.
        """
        for case in self.cases:
            state = case_state(self.out, case.case_id)[0] if case.error is None else "failed"
            key = "left" if any(case is t for t in todo) else state
            self.counts[key if key in self.counts else "left"] += 1
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            with ThreadPoolExecutor(max_workers=self.opt.jobs) as pool:
                futures = {pool.submit(self._tracked, c): c for c in todo}
                pending = set(futures)
                self._progress(sys.stderr)
                while pending:
                    finished, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                    stopped = self._stopped_at
                    if stopped is not None and time.monotonic() - stopped > self.opt.grace_s:
                        self._signal_all(signal.SIGKILL)  # cases that ignore SIGTERM
                    for fut in finished:
                        outcome = fut.result()
                        key = {"interrupted": "left", "failed": "failed"}.get(outcome, "done")
                        self.counts[key] += 1
                        if on_change is not None:
                            on_change()
                    self._progress(sys.stderr)
        finally:
            for s, handler in old.items():
                with contextlib.suppress(ValueError):
                    signal.signal(s, handler)
        self._progress(sys.stderr, final=True)
        return self.counts

    def _tracked(self, case: CaseSpec) -> str:
        with self._lock:
            started = not self._stop.is_set()
            if started:
                self.counts["left"] -= 1
                self.counts["running"] += 1
        if not started:
            with self._lock:
                self.counts["left"] -= 1
            return "interrupted"
        try:
            return self.run_case(case)
        except Exception as exc:  # a sweep-side error (disk full, ...) fails this case only
            record = read_record(self.out, case.case_id)
            record["attempts"].append({"outcome": "failed", "reason": f"sweep error: {exc!r}"})
            with contextlib.suppress(OSError):
                write_record(self.out, record)
            return "failed"
        finally:
            with self._lock:
                self.counts["running"] -= 1
