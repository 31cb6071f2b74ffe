"""Run the shipped cases and compare their metrics.csv with the stored reference rows.

The references in ``benchmarks/reference_metrics/`` were written by the engine before the
architecture change (commit d187053, the engine of f911c25). Every column except the wall time
is compared relative to the largest magnitude of that column in the reference; columns renamed
since are compared under their new name.

Two tolerances: up to the first remesh every row must agree to ``--rtol`` (1e-6). A remesh
hands the electrode polylines to Gmsh, whose frontal mesher turns a round-off difference of its
input into a different mesh (measured: polylines that differ by 4.5e-14 um give interior nodes
that differ by 8.6e-3 um). The coefficient fields of today's forms (DG0/P1 functions instead of
literal constants) change the round-off of the assembled residual, so after the first remesh the
rows agree only to the mesher's sensitivity; ``--rtol-after-remesh`` (1e-3) bounds that. The
old engine itself shows the same spread: with the surface energy perturbed by 1e-14 (relative)
its demo run differs from its own reference by 8.0e-5 (this engine: 8.3e-5).

Since then the remesh transfer carries the electrolyte along with the growth (it used to
interpolate at fixed points and renormalise, which removed ~0.5 % of the salt at every remesh):
a deliberate change of the results after the first remesh. Rows after it are therefore
reported, not judged, unless ``--rtol-after-remesh`` is given. Measured at the architecture
commit (before that fix): after the first remesh demo 8.3e-5, showcase 5.7e-5, seed-002 pair
≤ 8e-11; before it ≤ 1e-10 everywhere.

The references of the seed-002 pair also predate the corrected LPC presets (E_a = 0.33 eV
instead of 0 for LPC, c0 = 2.65 M from the paper's recipe instead of 1 M): those cases differ
from them on purpose from the first row on (the voltage by the conductivity at 318 K); the demo
and the showcase (Cl-/NH2-Li-G62 presets, unchanged) are the engine comparison.

    python benchmarks/compare_reference.py [--cases demo seed002_lpc ...]

Exit status 0 when every case agrees, 1 otherwise. Prints one line per case with the worst
column and its relative difference before and after the first remesh, and the wall time.
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


def compare(
    new: dict[str, np.ndarray], ref: dict[str, np.ndarray], rows: slice = slice(None)
) -> tuple[str, float]:
    """Worst column and its relative difference over ``rows`` (inf if row counts differ)."""
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
        diff = np.where(both_nan, 0.0, np.abs(got - expected))[rows]
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
    parser.add_argument("--rtol", type=float, default=1e-6, help="before the first remesh")
    parser.add_argument("--rtol-after-remesh", type=float, default=None)
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
            remeshed = np.flatnonzero(ref["remesh_count"] > 0)
            first = int(remeshed[0]) if remeshed.size else len(ref["time_s"])
            col_a, err_a = compare(new, ref, slice(0, first))
            col_b, err_b = compare(new, ref, slice(first, None))
            limit_b = args.rtol_after_remesh
            good = err_a <= args.rtol and (limit_b is None or err_b <= limit_b)
            ok &= good
            print(
                f"{name:18s} {result.status:9s} rows {len(new['time_s']):4d}/"
                f"{len(ref['time_s']):4d}  before remesh {err_a:8.1e} ({col_a or '-'})  "
                f"after {err_b:8.1e} ({col_b or '-'})  {'ok' if good else 'DIFFERS'}  "
                f"wall {wall:5.1f} s",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
