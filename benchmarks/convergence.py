"""Mesh and time-step convergence of the showcase regime: observed orders and Richardson limits.

Runs a config (default ``configs/dendrite_showcase.yaml``, shortened to ``--duration-s``) on
three mesh levels (every element size divided by 1, 2, 4 from ``--h-um``; fixed step
``--mesh-dt-s``) and on three time levels (fixed steps dt, dt/2, dt/4 with anode size
``--time-h-um``, for each scheme: ``bdf2``, ``bdf1`` transport with the Euler front, ``ab2`` =
BDF2 transport with the Adams–Bashforth front),
and prints for the tip height above the mean height (``protrusion_height_um``) and the tip
current ratio at the end: the values, the observed order p = log2(|q₁ − q₂| / |q₂ − q₃|) and the
Richardson limit q₃ + (q₃ − q₂)/(2^p − 1). Every run's steps and remeshes are listed: a run with
more steps than duration/dt had its steps shortened by the boundary-motion limit (then the
levels are not a factor 2 apart), and remeshes at different times on different levels add an
error of their own to the study.

    python benchmarks/convergence.py           # the README's table: ~22 min on one core
    python benchmarks/convergence.py --studies time --schemes bdf2,ab2 --json conv.json
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

from mpi4py import MPI

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_line, say, scratch_dir, write_json  # noqa: E402
from lidendrite.config import config_from_dict  # noqa: E402
from lidendrite.logs import setup_logging  # noqa: E402
from lidendrite.simulation import run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
QUANTITIES = ("protrusion_height_um", "tip_current_ratio")


def level_config(
    base: dict[str, Any], scale: float, dt_s: float, duration_s: float, scheme: str
) -> dict[str, Any]:
    """``base`` with element sizes × ``scale``, fixed steps of ``dt_s``, no frames.

    ``scheme`` is ``bdf2`` or ``bdf1`` (transport; Euler front) or ``ab2`` (BDF2 transport and
    the Adams–Bashforth front).
    """
    cfg = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    mesh = dict(cfg["mesh"])
    mesh["size_at_anode_um"] *= scale
    mesh["size_bulk_um"] *= scale
    cfg["mesh"] = mesh
    op = dict(cfg["operation"])
    op["duration_s"] = duration_s
    op.pop("protocol", None)
    cfg["operation"] = op
    num = dict(cfg.get("numerics", {}))
    num.update(
        time_scheme="bdf2" if scheme == "ab2" else scheme,
        front_scheme="ab2" if scheme == "ab2" else "euler",
        dt_initial_s=dt_s,
        dt_max_s=dt_s,
        max_concentration_change=1.0,
        target_newton_iterations=20,
    )
    cfg["numerics"] = num
    cfg["output"] = {"every_s": duration_s, "vtx": False, "progress_every_s": 1e9}
    return cfg


def final_row(path: Path) -> dict[str, float]:
    """The last row of a ``metrics.csv``."""
    lines = path.read_text().splitlines()
    keys, values = lines[0].split(","), lines[-1].split(",")
    return {k: float(v) if v else math.nan for k, v in zip(keys, values, strict=True)}


def observed_order(q: list[float]) -> float:
    """p = log2(|q₁ − q₂| / |q₂ − q₃|) (NaN if the levels do not converge monotonically)."""
    d1, d2 = q[0] - q[1], q[1] - q[2]
    if d2 == 0.0 or d1 == 0.0:
        return math.nan
    return math.log2(abs(d1 / d2))


def richardson(q: list[float], p: float) -> float:
    """q₃ + (q₃ − q₂)/(2^p − 1); NaN for p ≤ 0."""
    if not p > 0.0:
        return math.nan
    return q[2] + (q[2] - q[1]) / (2.0**p - 1.0)


def main(argv: list[str] | None = None) -> int:
    """Run the study and print its table (collective)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", default=str(REPO / "configs" / "dendrite_showcase.yaml"))
    ap.add_argument("--duration-s", type=float, default=300.0)
    ap.add_argument("--h-um", type=float, default=0.1, help="coarsest anode element size")
    ap.add_argument(
        "--time-h-um", type=float, default=0.1, help="anode element size of the time study"
    )
    ap.add_argument("--dt-s", type=float, default=2.0, help="coarsest fixed step")
    ap.add_argument("--mesh-dt-s", type=float, default=None, help="mesh study step (dt)")
    ap.add_argument("--schemes", default="bdf2,bdf1,ab2", help="bdf2, bdf1, ab2")
    ap.add_argument("--studies", default="mesh,time", help="mesh, time or both")
    ap.add_argument("--keep", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    comm = MPI.COMM_WORLD
    setup_logging(comm, logging.WARNING)
    base = yaml.safe_load(Path(args.config).read_text())
    scale0 = args.h_um / base["mesh"]["size_at_anode_um"]
    schemes = args.schemes.split(",")
    say(comm, machine_line(comm))
    say(
        comm,
        f"{args.config}: {args.duration_s:g} s, h = {args.h_um:g} um / 2^k, dt = "
        f"{args.dt_s:g} s / 2^k",
    )
    mesh_dt = args.mesh_dt_s or args.dt_s
    studies = args.studies.split(",")
    plan = [("mesh", 2**-k, mesh_dt, schemes[0]) for k in range(3)]
    time_k = args.time_h_um / args.h_um
    plan += [("time", time_k, args.dt_s / 2**k, s) for s in schemes for k in range(3)]
    plan = [step for step in plan if step[0] in studies]
    results: dict[tuple[float, float, str], dict[str, float]] = {}
    say(
        comm,
        "| study | h at anode (um) | dt (s) | scheme | steps | remeshes | wall (s) | "
        "tip - mean (um) | tip current ratio |",
    )
    say(comm, "|---|---|---|---|---|---|---|---|---|")
    with scratch_dir(comm, args.keep) as root:
        for study, k, dt, scheme in plan:
            key = (scale0 * k, dt, scheme)
            if key not in results:
                cfg = level_config(base, scale0 * k, dt, args.duration_s, scheme)
                out = root / f"h{args.h_um * k:g}_dt{dt:g}_{scheme}"
                t0 = time.perf_counter()
                res = run(config_from_dict(cfg), out, comm, frames=False)
                wall = time.perf_counter() - t0
                row = final_row(out / "metrics.csv") if comm.rank == 0 else {}
                row = comm.bcast(row, root=0)
                row.update(status=res.status, wall_s=wall)
                results[key] = row
            row = results[key]
            say(
                comm,
                f"| {study} | {args.h_um * k:g} | {dt:g} | {scheme} | {row['step']:.0f} | "
                f"{row['remesh_count']:.0f} | {row['wall_s']:.0f} | "
                f"{row['protrusion_height_um']:.5f} | {row['tip_current_ratio']:.5f} |"
                + ("" if row["status"] == "completed" else f" {row['status']}"),
            )
    summary = {}
    say(comm, "\n| quantity | study | levels | observed order p | Richardson limit |")
    say(comm, "|---|---|---|---|---|")
    for q in QUANTITIES:
        levels_of = {}
        if "mesh" in studies:
            levels_of["mesh"] = [results[scale0 * 2**-k, mesh_dt, schemes[0]][q] for k in range(3)]
        if "time" in studies:
            for s in schemes:
                levels_of[f"time ({s})"] = [
                    results[scale0 * time_k, args.dt_s / 2**k, s][q] for k in range(3)
                ]
        for name, levels in levels_of.items():
            p = observed_order(levels)
            limit = richardson(levels, p)
            summary[f"{q} {name}"] = {"levels": levels, "order": p, "limit": limit}
            say(
                comm,
                f"| {q} | {name} | {', '.join(f'{v:.5f}' for v in levels)} | {p:.2f} | "
                f"{limit:.5f} |",
            )
    write_json(
        comm, args.json, {"runs": {str(k): v for k, v in results.items()}, "orders": summary}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
