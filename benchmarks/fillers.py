"""Wall time of a filled cell: 10 µm × 10 µm, 40 particles with interphase shells, 2 h plating.

The seed-002 conditions (``configs/seed002_lpc.yaml``: LPC matrix, 318 K, 3 A/m², a Li
counter electrode, a moving Li anode with a defect of radius 0.5 µm at its centre), in a cell of
10 µm × 10 µm holding 40 blocking particles (radius 0.25 µm, white in the paper's Fig. 4I–J)
each in a 0.1 µm shell of a fast Li⁺ interphase (σ ten times the matrix's, t₊ = 0.6: assumed,
the paper gives no numbers), on a jittered 8 × 5 lattice from y = 2 µm up (seed 0). Prints the
wall time, its split into solve / mesh motion / remesh / output (``status.json`` timings_s),
the steps, remeshes, filler contacts and the Li⁺ flux share of the shells at the end.

Run on one core (the target is 2 minutes)::

    python benchmarks/fillers.py
    python benchmarks/fillers.py --keep results/bench/fillers --json results/bench/fillers.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SEED_CELL, machine_line, say, scratch_dir, write_json  # noqa: E402
from lidendrite.config import config_from_dict  # noqa: E402
from lidendrite.simulation import run  # noqa: E402

#: Wall-time target on one core, s.
TARGET_WALL_S = 120.0
PHASES = ("solve", "motion", "remesh", "output")
WIDTH_UM = THICKNESS_UM = 10.0
RADIUS_UM, SHELL_UM = 0.25, 0.1
LPC_CONDUCTIVITY_S_PER_M = 1.2e-2  # the LPC preset's σ (about 1.2e-4 S/cm)


def centres(seed: int = 0) -> list[list[float]]:
    """40 particle centres: an 8 × 5 lattice from y = 2 µm up, jittered by ±0.2 µm."""
    rng = np.random.default_rng(seed)
    xs = (np.arange(8) + 0.5) * WIDTH_UM / 8
    ys = 2.0 + np.arange(5) * 1.6
    grid = np.array([[x, y] for y in ys for x in xs])
    return (grid + rng.uniform(-0.2, 0.2, grid.shape)).round(4).tolist()


def config(
    size_at_anode_um: float = 0.05, size_bulk_um: float = 0.2, motion: str = "with_electrolyte"
) -> dict[str, Any]:
    """The benchmark cell (a config mapping); the seed config's mesh sizes by default."""
    cfg = json.loads(json.dumps(SEED_CELL))
    cfg["mesh"] |= {"size_at_anode_um": size_at_anode_um, "size_bulk_um": size_bulk_um}
    cfg["title"] = "benchmark: 40 particles with shells, seed-002 conditions"
    cfg["cell"] |= {"width_um": WIDTH_UM, "thickness_um": THICKNESS_UM, "filler_motion": motion}
    cfg["cell"]["fillers"] = [
        {
            "kind": "disc",
            "material": "pba",
            "radius_um": RADIUS_UM,
            "shell": {"thickness_um": SHELL_UM, "material": "interphase"},
            "layout": {"kind": "explicit", "centers_um": centres()},
        }
    ]
    cfg["materials"] = {
        "pba": {"blocking": True},
        "interphase": {
            "conductivity_S_per_m": 10 * LPC_CONDUCTIVITY_S_PER_M,
            "transference_number": 0.6,
        },
    }
    cfg["numerics"] |= {"moving_boundary": True}
    cfg["output"] |= {"progress_every_s": 30.0}
    return cfg


def last_row(path: Path) -> dict[str, str]:
    """The last row of ``metrics.csv``."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))[-1]


def main(argv: list[str] | None = None) -> int:
    comm = MPI.COMM_WORLD
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep", metavar="DIR", help="keep the run directory in DIR")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--size-at-anode-um", type=float, default=0.05, help="default: 0.05")
    p.add_argument("--size-bulk-um", type=float, default=0.2, help="default: 0.2")
    p.add_argument(
        "--filler-motion",
        choices=("with_electrolyte", "fixed"),
        default="with_electrolyte",
        help="cell.filler_motion (default: with_electrolyte, the particles move with the polymer)",
    )
    args = p.parse_args(argv)
    say(comm, "lidendrite fillers benchmark")
    say(comm, f"  {machine_line(comm)}")
    out: dict[str, Any] = {"machine": machine_line(comm)}
    with scratch_dir(comm, args.keep) as scratch:
        comm.barrier()
        t0, cpu0 = time.perf_counter(), time.process_time()
        cfg = config_from_dict(config(args.size_at_anode_um, args.size_bulk_um, args.filler_motion))
        result = run(cfg, scratch / "fillers", comm, frames=False)
        comm.barrier()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if comm.rank == 0:
            status = json.loads((scratch / "fillers" / "status.json").read_text())
            row = last_row(scratch / "fillers" / "metrics.csv")
            tm = status.get("timings_s", {})
            share = float(row.get("li_flux_share_interphase") or "nan")
            other = wall - sum(tm.get(k, 0.0) for k in PHASES)
            say(
                comm,
                f"  mesh: h = {args.size_at_anode_um:g} um at the anode, "
                f"{args.size_bulk_um:g} um in the bulk; fillers {args.filler_motion}",
            )
            say(comm, f"  status {result.status}: {result.reason}")
            say(
                comm,
                f"  simulated {float(row['time_s']):.6g} s in {wall:.1f} s wall, {cpu:.1f} s CPU "
                f"of this process (a loaded machine: CPU < wall) ({status['steps']} "
                f"steps, {status['remesh_count']} remeshes, {row['filler_contacts']} filler "
                f"contacts, Li⁺ flux share of the shells {share:.3f})",
            )
            say(
                comm,
                "  split: "
                + "  ".join(f"{k} {tm.get(k, 0.0):.1f} s" for k in PHASES)
                + f"  other {other:.1f} s (meshing, set-up, metrics)",
            )
            verdict = "meets" if wall <= TARGET_WALL_S else "MISSES"
            say(comm, f"  {verdict} the target of {TARGET_WALL_S:.0f} s (one core: no mpirun)")
            out |= {"status": status, "wall_s": wall, "cpu_s": cpu, "last_row": row}
    write_json(comm, args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
