"""Throughput of ``lidendrite sweep``: cases per hour with J = 1 and J = 2, parallel
efficiency, and the per-case overhead (process start + imports, form compilation).

Runs, each through the real command line (``python -m lidendrite.cli sweep``):

1. imports: ``python -c "import lidendrite.simulation"`` (``--repeats`` times, median);
2. form compilation: one short case with an empty DOLFINx/FFCx JIT cache (``XDG_CACHE_HOME`` in
   a scratch directory) and the same case with the warm cache; the difference is compilation;
3. throughput: ``--cases`` equal cases (the dendrite showcase cell, shortened to take ~20 s;
   they differ only in ``cell.anode.seed``, which a defect anode ignores, so the ids differ and
   the work is the same) with ``--jobs 1`` and with ``--jobs 2``. Per case the overhead is the
   sweep's wall time of the case process minus the run's own ``wall_time_s`` (status.json).

    .venv/bin/python benchmarks/sweep_throughput.py [--cases 4] [--json out.json]

The machine's other users share the cores: the header prints the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOWCASE = ROOT / "configs" / "dendrite_showcase.yaml"
SHORT = {
    "operation.duration_s": 450,
    "mesh.size_at_anode_um": 0.2,
    "operation.current_density_A_per_m2": 50,
    "output.every_s": 45,
    "output.vtx": False,
}
TINY = {
    "cell": {"width_um": 4.0, "thickness_um": 4.0, "anode": {"shape": "flat"}},
    "mesh": {"size_at_anode_um": 0.5, "size_bulk_um": 1.0, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "NH2-Li-G62"},
    "operation": {"current_density_A_per_m2": 50.0, "duration_s": 1.0},
    "numerics": {"dt_initial_s": 0.05, "dt_max_s": 0.5},
    "output": {"every_s": 0.5, "vtx": False},
}


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return {**env, **extra}


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def _sweep(tmp: Path, name: str, n_cases: int, jobs: int) -> dict:
    sweep = {
        "base": str(SHOWCASE),
        "mode": "zip",
        "set": SHORT,
        "axes": {"cell.anode.seed": list(range(1, n_cases + 1))},
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(sweep))
    out = tmp / name
    cmd = [sys.executable, "-m", "lidendrite.cli", "sweep", str(path), "--out", str(out), "-q"]
    wall = _timed([*cmd, "--jobs", str(jobs)], _env())
    overheads, runs = [], []
    for rec in sorted((out / "records").glob("*.json")):
        attempt = json.loads(rec.read_text())["attempts"][-1]
        status = json.loads((out / "cases" / rec.stem / "status.json").read_text())
        runs.append(status["wall_time_s"])
        overheads.append(attempt["wall_s"] - status["wall_time_s"])
    return {
        "jobs": jobs,
        "cases": n_cases,
        "wall_s": wall,
        "cases_per_hour": 3600.0 * n_cases / wall,
        "run_wall_s_median": statistics.median(runs),
        "overhead_s_median": statistics.median(overheads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4, help="equal cases per sweep")
    parser.add_argument("--repeats", type=int, default=3, help="import timings")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    args = parser.parse_args()
    load0 = os.getloadavg()
    print(f"cores: {os.cpu_count()}, load average before: {load0[0]:.2f}", flush=True)
    result: dict = {"load_before": load0}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        imp = [
            _timed([sys.executable, "-c", "import lidendrite.simulation"], _env())
            for _ in range(args.repeats)
        ]
        result["import_s"] = statistics.median(imp)
        print(f"process start + import lidendrite.simulation: {result['import_s']:.2f} s")
        (tmp / "tiny.yaml").write_text(yaml.safe_dump(TINY))
        run = [sys.executable, "-m", "lidendrite.cli", "run", str(tmp / "tiny.yaml"), "-q"]
        cold = _timed([*run, "--out", str(tmp / "cold")], _env(XDG_CACHE_HOME=str(tmp / "c")))
        warm = _timed([*run, "--out", str(tmp / "warm")], _env(XDG_CACHE_HOME=str(tmp / "c")))
        result.update(tiny_case_cold_cache_s=cold, tiny_case_warm_cache_s=warm)
        print(
            f"1-s flat case, whole process: {cold:.2f} s with an empty JIT cache, {warm:.2f} s "
            f"warm -> form compilation {cold - warm:.2f} s (once per machine and form set)"
        )
        for jobs in (1, 2):
            r = _sweep(tmp, f"j{jobs}", args.cases, jobs)
            result[f"j{jobs}"] = r
            print(
                f"J = {jobs}: {r['cases']} cases in {r['wall_s']:.1f} s -> "
                f"{r['cases_per_hour']:.0f} cases/h; run {r['run_wall_s_median']:.1f} s, "
                f"overhead {r['overhead_s_median']:.2f} s per case (median)",
                flush=True,
            )
    eff = result["j2"]["cases_per_hour"] / (2 * result["j1"]["cases_per_hour"])
    result["parallel_efficiency_j2"] = eff
    result["load_after"] = os.getloadavg()
    print(f"parallel efficiency J = 2 vs J = 1: {eff:.2f}")
    print(f"load average after: {result['load_after'][0]:.2f} (other users share the cores)")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
