"""Where a sweep keeps things on disk, and what state each case is in.

Layout of a sweep directory ``OUT``::

    OUT/sweep.yaml              the sweep file as last run (what `plot` and `render` read)
    OUT/manifest.csv            one row per case: id, status, attempts, swept values
    OUT/summary.csv (.parquet)  one row per case: status, swept values, headline outputs
    OUT/inputs/<id>.yaml        the configuration each case runs
    OUT/records/<id>.json       the sweep's record of a case: every attempt, its exit, reason
    OUT/logs/<id>.<n>.log       stdout and stderr of attempt n (a PETSc abort lands here)
    OUT/cases/<id>/             the run directory (``lidendrite run --out``), nothing else but
    OUT/cases/<id>/attempts/<n>/  earlier unfinished attempts, moved aside, never deleted

A case is *done* when its ``status.json`` says completed, depleted or short_circuit with the
case's config hash; *failed* when ``status.json`` says failed or the sweep recorded a failure
(a crash without a final status, a timeout, invalid values); otherwise it is *pending* (never
started, or interrupted: those run again).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

__all__ = [
    "FINAL_OK",
    "case_state",
    "failure_reason",
    "is_sweep_dir",
    "move_aside",
    "read_json",
    "read_record",
    "write_json",
    "write_record",
]

#: Final statuses of a run that count as done (never run again).
FINAL_OK = (
    "completed",
    "depleted",
    "short_circuit",
    "filler_contact",
    "filler_at_counter",
)


def is_sweep_dir(path: str | Path) -> bool:
    """Whether ``path`` is a sweep output directory (has ``sweep.yaml`` and ``cases/``)."""
    p = Path(path)
    return (p / "sweep.yaml").is_file() and (p / "cases").is_dir()


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or ``None`` when missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_record(out: Path, case_id: str) -> dict[str, Any]:
    """The sweep's record of a case (``{"attempts": [...]}``)."""
    return read_json(out / "records" / f"{case_id}.json") or {"case_id": case_id, "attempts": []}


def write_record(out: Path, record: dict[str, Any]) -> None:
    """Write the sweep's record of a case."""
    write_json(out / "records" / f"{record['case_id']}.json", record)


def case_state(out: Path, case_id: str) -> tuple[str, str]:
    """``(state, detail)``: state is ``done``, ``failed`` or ``pending``; detail the status.

    ``detail`` is the run's final status (``completed``, ...), ``failed``, ``interrupted``,
    ``new`` (never started) or ``running`` (a status left by a run that did not end).
    """
    status = read_json(out / "cases" / case_id / "status.json")
    attempts = read_record(out, case_id)["attempts"]
    last = attempts[-1] if attempts else {}
    if status is not None:
        if status.get("status") in FINAL_OK and status.get("config_hash") == case_id:
            return "done", str(status["status"])
        if status.get("status") == "failed":
            return "failed", "failed"
    if last.get("outcome") == "failed":
        return "failed", "failed"
    if last.get("outcome") == "interrupted" or (status or {}).get("status") == "interrupted":
        return "pending", "interrupted"
    if status is None and not attempts:
        return "pending", "new"
    return "pending", str((status or {}).get("status", "interrupted"))


def failure_reason(out: Path, case_id: str) -> str:
    """Why a case failed: the run's reason, else the sweep's."""
    status = read_json(out / "cases" / case_id / "status.json") or {}
    attempts = read_record(out, case_id)["attempts"]
    last = attempts[-1] if attempts else {}
    if last.get("outcome") == "failed" and last.get("reason"):
        if status.get("status") != "failed" or not status.get("reason"):
            return str(last["reason"])
    return str(status.get("reason") or last.get("reason") or "")


def move_aside(case_dir: Path) -> Path | None:
    """Move an unfinished attempt into ``case_dir/attempts/<n>/``; the emptied dir stays.

    Returns:
        Where it went, or ``None`` when there was nothing to move.
    """
    entries = [p for p in case_dir.iterdir() if p.name != "attempts"] if case_dir.is_dir() else []
    if not entries:
        return None
    attempts = case_dir / "attempts"
    n = 1 + max((int(p.name) for p in attempts.glob("*") if p.name.isdigit()), default=0)
    dest = attempts / str(n)
    dest.mkdir(parents=True)
    for p in entries:
        shutil.move(str(p), dest / p.name)
    return dest
