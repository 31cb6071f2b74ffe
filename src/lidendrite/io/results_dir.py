"""Results are never overwritten by accident: what a run directory holds, and clearing it.

A directory holds the results of a run when it has a ``status.json`` or a ``metrics.csv``.
``lidendrite run`` into such a directory refuses unless it is told to ``--overwrite`` (clear
everything a run writes, then start afresh) or to ``--resume`` (continue from the newest
checkpoint). Files that no run writes are left alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from lidendrite.errors import ConfigError

#: Files and directories that a run writes (globs relative to the run directory).
RUN_FILES = (
    "status.json",
    "status.json.tmp",
    "metrics.csv",
    "run.log",
    "config.resolved.yaml",
    "fields.pvd",
    "fields_seg*.bp",
    "frames",
    "fields",
    "checkpoints",
    "render",
)
#: Final statuses that mean the run reached its end.
FINISHED = (
    "completed",
    "depleted",
    "short_circuit",
    "filler_contact",
    "filler_at_counter",
)


def existing_results(out_dir: Path) -> dict[str, Any] | None:
    """``status.json`` of the run in ``out_dir`` (``{}`` if unreadable), or ``None`` if none."""
    out_dir = Path(out_dir)
    status = out_dir / "status.json"
    if not status.exists() and not (out_dir / "metrics.csv").exists():
        return None
    try:
        data = json.loads(status.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def refusal(out_dir: Path, status: dict[str, Any], config_hash: str) -> ConfigError:
    """The one-line error of a run into a directory that holds results, without a flag."""
    state = status.get("status", "unknown")
    same = status.get("config_hash") == config_hash
    if state in FINISHED and same:
        what = f"the run is already complete ({state}, same config)"
    else:
        config = "same config" if same else "another config" if status else "unknown config"
        what = f"it holds the results of a run (status: {state}, {config})"
    return ConfigError(
        f"{out_dir}: {what}; pass --overwrite to delete them and run afresh, "
        "or --resume to continue from its newest checkpoint"
    )


def clear_results(out_dir: Path) -> list[Path]:
    """Delete every file and directory a run writes in ``out_dir``; returns what was removed."""
    removed = []
    for pattern in RUN_FILES:
        for path in sorted(Path(out_dir).glob(pattern)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed
