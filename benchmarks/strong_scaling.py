"""Strong scaling: one moving-boundary case on 1 and 2 (or more) ranks, per part of a step.

The seed-002 cell (5 um x 3 um, defect, LPC, 3 A/m^2, moving boundary) on a uniform mesh of about
``--unknowns`` unknowns (default 2e5; 1e6 on a cluster node), run for ``--steps`` fixed steps with
the direct (MUMPS) and the iterative (GMRES + field split / AMG) solver, each under
``mpirun -n R`` for every R of ``--ranks``. Reported per part: assembly (PETSc's
SNESFunctionEval + SNESJacobianEval, residual and Jacobian), linear solve (the rest of the Newton
time), mesh motion (ALE), remesh, output (frames), total wall time — and the speed-up and
parallel efficiency against the smallest rank count.

    python benchmarks/strong_scaling.py                        # 2e5 unknowns, 1 and 2 ranks
    python benchmarks/strong_scaling.py --unknowns 1e6 --ranks 1 2 4 8 16 --json scaling.json
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

PARTS = ("assembly", "linear_solve", "motion", "remesh", "output", "total")


def case(unknowns: float, steps: int, solver: str) -> dict[str, Any]:
    """The seed cell on a uniform mesh of about ``unknowns`` unknowns, ``steps`` steps of 10 s."""
    from _common import SEED_CELL, SEED_CELL_AREA_UM2

    h = math.sqrt(2.0 * SEED_CELL_AREA_UM2 / (math.sqrt(3.0) * unknowns / 2.0))
    data = json.loads(json.dumps(SEED_CELL))
    data["mesh"] = {"size_at_anode_um": h, "size_bulk_um": h, "grading_distance_um": 1.0}
    data["operation"]["duration_s"] = 10.0 * steps
    data["numerics"].update(dt_initial_s=10.0, dt_max_s=10.0, moving_boundary=True, solver=solver)
    data["output"] = {"every_s": 10.0 * steps, "vtx": False, "progress_every_s": 1e9}
    return data


def worker(args: argparse.Namespace) -> None:
    """One run under the current MPI launch; rank 0 prints one JSON line of timings."""
    from mpi4py import MPI

    from lidendrite.config import config_from_dict
    from lidendrite.fem import PETSc
    from lidendrite.simulation import run

    comm = MPI.COMM_WORLD
    PETSc.Log.begin()
    out = Path(comm.bcast(tempfile.mkdtemp(prefix="scaling-") if comm.rank == 0 else None))
    cfg = config_from_dict(case(args.unknowns, args.steps, args.solver))
    result = run(cfg, out / "run", comm, overwrite=True)
    t = result.info["timings_s"]
    assembly = sum(
        PETSc.Log.Event(name).getPerfInfo().get("time", 0.0)
        for name in ("SNESFunctionEval", "SNESJacobianEval")
    )
    assembly = comm.allreduce(assembly, op=MPI.MAX)
    if comm.rank == 0:
        parts = {
            "assembly": assembly,
            "linear_solve": max(t["solve"] - assembly, 0.0),
            "motion": t["motion"],
            "remesh": t["remesh"],
            "output": t["output"],
            "total": result.info["wall_time_s"],
        }
        print("RESULT " + json.dumps({"status": result.status, "steps": result.steps, **parts}))


def main() -> None:
    """Launch the workers and print the scaling table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unknowns", type=float, default=2e5)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--solvers", nargs="+", default=["direct", "iterative"])
    parser.add_argument("--solver", default="direct", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    mpirun = Path(sys.executable).parent / "mpirun"
    rows: dict[str, dict[int, dict]] = {}
    print(
        f"strong scaling: seed cell, ~{args.unknowns:.3g} unknowns, {args.steps} steps", flush=True
    )
    for solver in args.solvers:
        for ranks in args.ranks:
            cmd = [str(mpirun), "-n", str(ranks), sys.executable, __file__, "--worker"]
            cmd += [
                "--solver",
                solver,
                "--unknowns",
                str(args.unknowns),
                "--steps",
                str(args.steps),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            if proc.returncode != 0 or not line:
                print(f"{solver} on {ranks} ranks failed:\n{proc.stderr[-2000:]}", flush=True)
                continue
            rows.setdefault(solver, {})[ranks] = json.loads(line[0][len("RESULT ") :])
            print(f"  {solver:9s} {ranks:2d} ranks: {rows[solver][ranks]}", flush=True)
    for solver, by_ranks in rows.items():
        base_r = min(by_ranks)
        base = by_ranks[base_r]
        print(f"\n{solver}: seconds per part (speed-up, efficiency vs {base_r} rank)")
        print("ranks  " + "  ".join(f"{p:>22s}" for p in PARTS))
        for r, row in sorted(by_ranks.items()):
            cells = []
            for p in PARTS:
                s = base[p] / row[p] if row[p] > 0 else math.nan
                cells.append(f"{row[p]:8.2f} ({s:4.2f}x, {100 * s * base_r / r:3.0f}%)")
            print(f"{r:5d}  " + "  ".join(f"{c:>22s}" for c in cells))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
