"""``manifest.csv`` and ``summary.csv``: one row per case, rebuilt from what is on disk.

Headline outputs of a case, from its ``metrics.csv`` and ``status.json``:

- ``tip_height_above_mean_um``: final ``tip_height_um - mean_height_um`` (the tip above the
  mean surface, not above the initial one);
- ``tip_current_ratio``: final ``tip_current_ratio``;
- ``event_time_s``: ``short_circuit_time_s``, ``depletion_time_s`` or
  ``filler_contact_time_s`` of ``status.json`` (empty when the protocol finished);
- ``roughness_growth_rate_um_per_s``: least-squares slope of ``roughness_rms_um`` against
  ``time_s`` over the whole run;
- ``mean_cell_voltage_V``: time average of ``cell_voltage_V`` (weighted by ``dt_s``);
- ``anode_current_cv``: coefficient of variation of the local plating current along the anode at
  the end (the ``anode_current_cv`` column of metrics.csv, length-weighted). Runs written before
  that column existed get an estimate from the range: ``(i_anode_max - i_anode_min) / sqrt(12) /
  i_mean`` (exact only for a uniform spread), with the mean per unit *surface*;
- ``simulated_time_s``, ``wall_time_s``, ``steps``, ``remeshes`` from ``status.json``.

Both files are written atomically; Parquet too when pyarrow is installed.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from lidendrite.sweep.spec import CaseSpec, show_value
from lidendrite.sweep.state import case_state, failure_reason, read_json, read_record

__all__ = [
    "HEADLINE_COLUMNS",
    "headline_outputs",
    "read_metrics",
    "read_table",
    "write_tables",
]

#: Headline outputs of a case, in the order of ``summary.csv``.
HEADLINE_COLUMNS = (
    "tip_height_above_mean_um",
    "tip_current_ratio",
    "event_time_s",
    "roughness_growth_rate_um_per_s",
    "mean_cell_voltage_V",
    "anode_current_cv",
    "simulated_time_s",
    "wall_time_s",
    "steps",
    "remeshes",
)


def read_metrics(path: Path) -> dict[str, np.ndarray]:
    """Columns of a ``metrics.csv`` as float arrays (empty when the file is missing)."""
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError:
        return {}
    out: dict[str, np.ndarray] = {}
    for key in rows[0] if rows else []:
        vals = []
        for r in rows:
            try:
                vals.append(float(r[key]))
            except (TypeError, ValueError):
                vals.append(math.nan)
        out[key] = np.asarray(vals)
    return out


def _last(m: dict[str, np.ndarray], key: str) -> float:
    v = m.get(key)
    return float(v[-1]) if v is not None and len(v) else math.nan


def headline_outputs(run_dir: Path) -> dict[str, float]:
    """The headline outputs of one run directory (NaN where a value is not available)."""
    m = read_metrics(run_dir / "metrics.csv")
    status = read_json(run_dir / "status.json") or {}
    out = dict.fromkeys(HEADLINE_COLUMNS, math.nan)
    out["tip_height_above_mean_um"] = _last(m, "tip_height_um") - _last(m, "mean_height_um")
    out["tip_current_ratio"] = _last(m, "tip_current_ratio")
    for key in ("short_circuit_time_s", "depletion_time_s", "filler_contact_time_s"):
        if status.get(key) is not None:
            out["event_time_s"] = float(status[key])
    t, rough = m.get("time_s"), m.get("roughness_rms_um")
    if t is not None and rough is not None and len(t) >= 2 and np.ptp(t) > 0:
        ok = np.isfinite(t) & np.isfinite(rough)
        if ok.sum() >= 2:
            out["roughness_growth_rate_um_per_s"] = float(np.polyfit(t[ok], rough[ok], 1)[0])
    v, dt = m.get("cell_voltage_V"), m.get("dt_s")
    if v is not None and dt is not None and np.nansum(dt) > 0:
        out["mean_cell_voltage_V"] = float(np.nansum(v * dt) / np.nansum(dt))
    ratio = _last(m, "anode_length_ratio")
    i_mean = _last(m, "anode_current_density_A_per_m2") / (ratio if ratio > 0 else 1.0)
    spread = _last(m, "i_anode_max_A_per_m2") - _last(m, "i_anode_min_A_per_m2")
    if "anode_current_cv" in m:
        out["anode_current_cv"] = _last(m, "anode_current_cv")
    elif i_mean != 0 and math.isfinite(i_mean):
        out["anode_current_cv"] = abs(spread / math.sqrt(12.0) / i_mean)
    out["simulated_time_s"] = float(status.get("time_s", _last(m, "time_s")))
    out["wall_time_s"] = float(status.get("wall_time_s", math.nan))
    out["steps"] = float(status.get("steps", _last(m, "step")))
    out["remeshes"] = float(status.get("remesh_count", _last(m, "remesh_count")))
    return out


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.10g}"
    return show_value(value)


def _write_csv(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k, math.nan)) for k in header})
    tmp.replace(path)


def _write_parquet(path: Path, header: list[str], rows: list[dict[str, Any]]) -> bool:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    columns = {
        k: [r.get(k) if isinstance(r.get(k), float | int) else _cell(r.get(k)) for r in rows]
        for k in header
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(pa.table(columns), tmp)
    tmp.replace(path)
    return True


def write_tables(out: Path, cases: list[CaseSpec], keys: list[str]) -> dict[str, int]:
    """Write ``manifest.csv`` and ``summary.csv`` (and ``summary.parquet``) from disk state.

    Returns:
        How many cases are done, failed and pending.
    """
    manifest, summary = [], []
    counts = {"done": 0, "failed": 0, "pending": 0}
    for case in cases:
        if case.error is not None:
            state, status, reason = "failed", "failed", f"invalid values: {case.error}"
        else:
            state, status = case_state(out, case.case_id)
            status = "pending" if status == "new" else status
            reason = failure_reason(out, case.case_id) if state == "failed" else ""
        counts[state] += 1
        attempts = len(read_record(out, case.case_id)["attempts"])
        base = {"case_id": case.case_id, "status": status, **case.params}
        manifest.append(
            {**base, "attempts": attempts, "dir": f"cases/{case.case_id}", "reason": reason}
        )
        outputs = dict.fromkeys(HEADLINE_COLUMNS, math.nan)
        if case.error is None and (out / "cases" / case.case_id / "metrics.csv").exists():
            outputs = headline_outputs(out / "cases" / case.case_id)
        summary.append({**base, **outputs, "reason": reason})
    _write_csv(
        out / "manifest.csv", ["case_id", "status", *keys, "attempts", "dir", "reason"], manifest
    )
    header = ["case_id", "status", *keys, *HEADLINE_COLUMNS, "reason"]
    _write_csv(out / "summary.csv", header, summary)
    _write_parquet(out / "summary.parquet", header, summary)
    return counts


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts of strings."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))
