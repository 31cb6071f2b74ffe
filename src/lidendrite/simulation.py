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
from lidendrite.errors import GeometryError, SolverError
from lidendrite.fem import versions
from lidendrite.io.recorder import Recorder
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

    Returns:
        How the run ended.
    """
    out = Path(out_dir) if out_dir is not None else Path(cfg.output.dir)
    t_wall = time.perf_counter()
    case = Case.from_config(cfg)
    recorder = Recorder(
        out,
        comm,
        resolved_config(case, comm),
        frames=frames,
        vtx=cfg.output.vtx,
        moving=case.moving,
    )
    recorder.warnings = config_warnings(cfg, case.derived)  # saved in status.json
    for warning in recorder.warnings:
        log.warning("warning: %s", warning)  # console and run.log
    hooks = CallbackList(callbacks)
    stepper = Stepper(case, recorder, comm, hooks)
    try:
        result = stepper.run(out)
    except (SolverError, GeometryError) as err:
        result = RunResult("failed", str(err), math.nan, stepper.step, out)
    except Exception as err:
        reason = f"{type(err).__name__}: {err}"
        recorder.append_log(traceback.format_exc())
        if not catch_errors:
            recorder.write_status("failed", reason=reason, config_hash=case.config_hash)
            recorder.close()
            raise
        result = RunResult("failed", reason, stepper.time_s, stepper.step, out)
    if stepper.state is not None:
        stepper.state.close()
    result.info.setdefault("wall_time_s", time.perf_counter() - t_wall)
    result.info.setdefault("timings_s", dict(stepper.timings_s))
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
