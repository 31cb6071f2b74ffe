"""Read what a run directory holds besides the frames: config, metrics, status.

A run directory (``lidendrite run`` output) contains ``frames/frame_XXXXX.npz``,
``fields/frame_XXXXX.vtu`` with ``fields.pvd``, ``metrics.csv``, ``status.json`` and
``config.resolved.yaml``. Pure Python and numpy; no VTK.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.frames import list_frames, read_frame_time
from lidendrite.io.names import upgrade_metrics

__all__ = [
    "frame_times",
    "nearest_frame",
    "read_config",
    "read_metrics",
    "read_status",
    "require_frames",
    "require_run_dir",
    "run_label",
]

CONFIG_FILE = "config.resolved.yaml"
METRICS_FILE = "metrics.csv"
STATUS_FILE = "status.json"


def require_run_dir(run_dir: Path) -> Path:
    """``run_dir`` as a path, checked to be a directory.

    Raises:
        ConfigError: It does not exist or is not a directory.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise ConfigError(f"run directory {path} does not exist")
    return path


def require_frames(run_dir: Path) -> list[Path]:
    """Frame files of a run, sorted.

    Raises:
        ConfigError: No run directory, or no frames in it.
    """
    path = require_run_dir(run_dir)
    frames = list_frames(path)
    if not frames:
        raise ConfigError(f"run directory {path} has no frames (expected {path}/frames/*.npz)")
    return frames


def frame_times(frames: list[Path]) -> np.ndarray:
    """Simulated times (s) of frame files."""
    return np.array([read_frame_time(p) for p in frames], dtype=np.float64)


def nearest_frame(times: np.ndarray, time_s: float) -> int:
    """Index of the time closest to ``time_s`` (the earlier one on a tie)."""
    if len(times) == 0:
        raise ConfigError("no frames to choose from")
    return int(np.argmin(np.abs(np.asarray(times) - float(time_s))))


def read_config(run_dir: Path) -> dict[str, Any]:
    """The resolved configuration of a run (``{}`` if the run has none).

    Raises:
        ConfigError: The file exists but is not a YAML mapping.
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"{path} is not valid YAML: {err}".splitlines()[0]) from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping, got {type(data).__name__}")
    return data


def read_status(run_dir: Path) -> dict[str, Any]:
    """The status of a run (``{}`` if the run has none or it cannot be read yet)."""
    path = Path(run_dir) / STATUS_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_metrics(run_dir: Path) -> dict[str, np.ndarray]:
    """Columns of ``metrics.csv`` by header name (``{}`` if the file is absent).

    Columns whose entries all parse as numbers become float arrays (empty entries: NaN);
    other columns stay arrays of strings. Columns of runs written before a rename carry
    today's names (:func:`lidendrite.io.names.upgrade_metrics`).
    """
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return {}
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return {}
    header, body = rows[0], [r for r in rows[1:] if r]
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        raw = [r[j] if j < len(r) else "" for r in body]
        try:
            columns[name] = np.array(
                [float(v) if v.strip() else np.nan for v in raw], dtype=np.float64
            )
        except ValueError:
            columns[name] = np.array(raw, dtype=str)
    return upgrade_metrics(columns)


def run_label(run_dir: Path, config: dict[str, Any] | None = None) -> str:
    """Label of a run for figure panels.

    That is its ``title``, else its electrolyte preset, else the directory name.
    """
    config = read_config(run_dir) if config is None else config
    title = config.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    electrolyte = config.get("electrolyte")
    if isinstance(electrolyte, dict) and electrolyte.get("preset"):
        return str(electrolyte["preset"])
    return Path(run_dir).resolve().name
