"""Run the shipped cases and compare their metrics.csv with the stored reference rows.

The references in ``benchmarks/reference_metrics/`` were written by the engine before the
architecture change (commit d187053, the engine of f911c25). Every column except the wall time
must agree to ``--rtol`` relative to the largest magnitude of that column in the reference;
columns renamed since are compared under their new name.

    python benchmarks/compare_reference.py [--cases demo seed002_lpc ...] [--rtol 1e-6]

Exit status 0 when every case agrees, 1 otherwise. Prints one line per case with the worst
column and its relative difference, and the wall time of the run.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import lidendrite.fem  # noqa: F401  (loads the bundled PETSc before anything else)
from lidendrite.config import load_config
from lidendrite.io.names import upgrade_metrics
from lidendrite.simulation import run

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = Path(__file__).resolve().parent / "reference_metrics"
CASES = ("seed002_lpc", "seed002_lpc_ucpba", "demo", "dendrite_showcase")


def read_columns(path: Path) -> dict[str, np.ndarray]:
    """metrics.csv as float columns, legacy names upgraded."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows]) for k in rows[0]}
    return upgrade_metrics(cols)


def compare(new: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> tuple[str, float]:
    """Worst column and its relative difference (inf if the row counts differ)."""
    worst, worst_err = "", 0.0
    for name, expected in ref.items():
        if name == "wall_time_s":
            continue
        got = new.get(name)
        if got is None or got.shape != expected.shape:
            return name, float("inf")
        both_nan = np.isnan(got) & np.isnan(expected)
        scale = max(
            float(np.nanmax(np.abs(expected))) if np.any(~np.isnan(expected)) else 0, 1e-300
        )
        diff = np.where(both_nan, 0.0, np.abs(got - expected))
        err = float(np.max(diff)) / scale if diff.size else 0.0
        if not np.isfinite(err):
            err = float("inf")
        if err > worst_err:
            worst, worst_err = name, err
    return worst, worst_err


def main(argv: list[str] | None = None) -> int:
    """Run the cases and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--rtol", type=float, default=1e-6)
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.cases:
            cfg = load_config(ROOT / "configs" / f"{name}.yaml")
            t0 = time.perf_counter()
            result = run(cfg, out_dir=Path(tmp) / name)
            wall = time.perf_counter() - t0
            new = read_columns(Path(tmp) / name / "metrics.csv")
            ref = read_columns(REFERENCE_DIR / f"{name}.csv")
            column, err = compare(new, ref)
            good = err <= args.rtol
            ok &= good
            print(
                f"{name:20s} {result.status:10s} rows {len(new['time_s']):4d}/"
                f"{len(ref['time_s']):4d}  worst {column or '-':32s} {err:9.2e}  "
                f"{'ok' if good else 'DIFFERS'}  wall {wall:6.1f} s",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
