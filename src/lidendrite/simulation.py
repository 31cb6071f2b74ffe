"""Run one case: config → Case → mesh → time loop → recorder.

:func:`run` is what ``lidendrite run`` calls. It is collective over ``comm``; every rank returns
the same :class:`RunResult`. The time loop is :class:`lidendrite.engine.loop.Stepper`.
"""

from __future__ import annotations

import logging
import math
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mpi4py import MPI

from lidendrite.case import Case
from lidendrite.config import Config, config_to_dict
from lidendrite.engine.callbacks import CallbackList
from lidendrite.engine.loop import RunResult, Stepper
from lidendrite.engine.metrics import extra_columns
from lidendrite.engine.signals import StopRequest
from lidendrite.errors import ConfigError, GeometryError, SolverError
from lidendrite.fem import versions
from lidendrite.io.checkpoint import newest_checkpoint
from lidendrite.io.recorder import Recorder
from lidendrite.io.results_dir import FINISHED, clear_results, existing_results, refusal
from lidendrite.malloc_tuning import tune_malloc
from lidendrite.plausibility import config_warnings

__all__ = ["RunResult", "resolved_config", "run"]

log = logging.getLogger("lidendrite")


def resolved_config(case: Case, comm: MPI.Comm) -> dict:
    """Resolved config, versions, hash and the resolved case, as saved next to the results."""
    data = config_to_dict(case.config)
    data["_provenance"] = {
        "config_hash": case.config_hash,
        "versions": versions(),
        "mpi_ranks": comm.size,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    data["_derived"] = {k: {"value": v[0], "unit": v[1]} for k, v in case.derived.items()}
    data["_case"] = case.summary()
    return data


def run(
    cfg: Config,
    out_dir: Path | None = None,
    comm: MPI.Comm = MPI.COMM_WORLD,
    *,
    callbacks: Iterable[Any] = (),
    catch_errors: bool = False,
    frames: bool = True,
    resume: bool = False,
    overwrite: bool = False,
) -> RunResult:
    """Run one configured case and write its results to ``out_dir`` (default ``output.dir``).

    Args:
        cfg: Validated configuration.
        out_dir: Output directory.
        comm: Communicator of the run (collective).
        callbacks: Objects with hooks of :class:`~lidendrite.engine.callbacks.Callback`.
        catch_errors: End the case with ``status: failed`` and the reason (traceback in
            ``run.log``) on any unexpected error instead of raising — for sweeps that run many
            cases. Numerical and geometric failures always end that way.
        frames: Write field frames (and VTX files); benchmarks switch them off.
        resume: Continue the run in ``out_dir`` from its newest valid checkpoint (on any
            number of ranks). A run that already finished is returned as it ended.
        overwrite: Delete the results of an earlier run in ``out_dir`` first.

    Returns:
        How the run ended. SIGTERM/SIGINT end it after the current step with a checkpoint and
        ``status: interrupted``.

    Raises:
        ConfigError: ``out_dir`` holds results and neither flag is given, both flags are
            given, or there is no checkpoint to resume from (or it is of another config).
    """
    out = Path(out_dir) if out_dir is not None else Path(cfg.output.dir)
    t_wall = time.perf_counter()
    tune_malloc()  # sparse factorisations reuse heap memory (see lidendrite.malloc_tuning)
    case = Case.from_config(cfg)
    previous, checkpoint = _prepare_dir(out, case.config_hash, comm, resume, overwrite)
    if previous is not None and checkpoint is None:  # resume of a finished run
        log.info("%s: the run is already complete (%s)", out, previous.get("status"))
        return RunResult(
            str(previous["status"]),
            str(previous.get("reason", "")),
            float(previous.get("time_s", math.nan)),
            int(previous.get("steps", 0)),
            out,
            {"already_complete": True},
        )
    meta = None if checkpoint is None else checkpoint["meta"]
    recorder = Recorder(
        out,
        comm,
        resolved_config(case, comm),
        frames=frames,
        vtx=cfg.output.vtx,
        moving=case.moving,
        resume=None
        if meta is None
        else {
            **meta["recorder"],
            "segment": meta["counters"]["remesh_count"],
            "step": meta["step"],
            "time_s": meta["time_s"],
        },
        history=None if previous is None else previous.get("history", []),
        extra_columns=extra_columns(case),
    )
    recorder.warnings = config_warnings(cfg, case.derived)  # saved in status.json
    for warning in recorder.warnings:
        log.warning("warning: %s", warning)  # console and run.log
    hooks = CallbackList(callbacks)
    stepper = Stepper(case, recorder, comm, hooks)
    try:
        with StopRequest() as stop:
            result = stepper.run(out, resume=checkpoint, stop=stop)
    except (SolverError, GeometryError) as err:
        # time_s: the last accepted step (how far the run got), as for any other failure
        result = RunResult("failed", str(err), stepper.time_s, stepper.step, out)
    except KeyboardInterrupt as err:
        reason = str(err) or "interrupted (KeyboardInterrupt): no checkpoint written"
        result = RunResult("interrupted", reason, stepper.time_s, stepper.step, out)
    except Exception as err:
        reason = f"{type(err).__name__}: {err}"
        recorder.append_log(traceback.format_exc())
        if not catch_errors:
            recorder.write_status("failed", reason=reason, config_hash=case.config_hash)
            recorder.close()
            if stepper.state is not None:
                stepper.state.close()  # frees its solvers (collective: every rank raised)
            raise
        result = RunResult("failed", reason, stepper.time_s, stepper.step, out)
    if stepper.state is not None:
        stepper.state.close()
    earlier_wall_s = 0.0 if meta is None else float(meta["recorder"]["wall_time_s"])
    result.info.setdefault("wall_time_s", time.perf_counter() - t_wall + earlier_wall_s)
    result.info.setdefault("timings_s", dict(stepper.timings_s))
    result.info.setdefault("checkpoints_written", stepper.checkpoints_written)
    if stepper.counters.filler_contact_log:
        result.info.setdefault("filler_contacts", stepper.counters.filler_contact_log)
    recorder.write_status(
        result.status,
        reason=result.reason,
        time_s=result.time_s,
        steps=result.steps,
        remesh_count=stepper.counters.remesh_count,
        config_hash=case.config_hash,
        **result.info,
    )
    hooks("on_end", stepper, result)
    log.info(
        "%s: %s (t = %.4g s, %d steps)", result.status, result.reason, result.time_s, result.steps
    )
    recorder.close()
    return result


def _prepare_dir(
    out: Path, config_hash: str, comm: MPI.Comm, resume: bool, overwrite: bool
) -> tuple[dict | None, dict | None]:
    """Check ``out`` against the flags (rank 0 decides, collective).

    Returns the status of the earlier run (``None`` if there is none or it was cleared) and the
    checkpoint to resume from (``None``: start afresh, or the earlier run already finished).
    """
    if resume and overwrite:
        raise ConfigError("--resume and --overwrite exclude each other: pass one of them")
    answer: tuple = (None, None, None)
    if comm.rank == 0:
        try:
            previous = existing_results(out)
            checkpoint = None
            if previous is not None and overwrite:
                removed = clear_results(out)
                log.info("%s: removed %d files/directories of the earlier run", out, len(removed))
                previous = None
            elif previous is not None and not resume:
                raise refusal(out, previous, config_hash)
            elif resume:
                finished = (
                    previous is not None
                    and previous.get("status") in FINISHED
                    and previous.get("config_hash") == config_hash
                )
                if not finished:
                    path, checkpoint = newest_checkpoint(out, config_hash)
                    log.info("%s: resuming from %s", out, path.name)
                previous = previous or {}
            answer = (previous, checkpoint, None)
        except ConfigError as err:
            answer = (None, None, str(err))
    previous, checkpoint, error = comm.bcast(answer, root=0)
    if error is not None:
        raise ConfigError(error)
    return previous, checkpoint
