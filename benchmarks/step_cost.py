"""Cost of one time step: against one linear solve, and against the number of unknowns.

Two measurements, both on the seed-002 cell (5 um x 3 um, defect of radius 0.5 um at the centre
of the plating electrode, LPC electrolyte, 3 A/m^2 at 318 K, Li counter electrode) with a
static mesh and a fixed time step:

1. **Step / linear solve.** The median wall time of an accepted time step (everything the
   stepper does: Newton solve, history update, step control, metrics; no output frames) divided
   by the wall time of one linear solve with the Jacobian of the same state (a fresh KSP with
   the solver's options: for MUMPS LU, analysis + factorisation + solve). A Newton step costs
   one Jacobian assembly and one factorisation per iteration, so with two Newton iterations the
   ratio should be about 2-3.
2. **Step cost vs unknowns.** Median step time, Newton and linear iterations on uniform meshes
   from ``--min-unknowns`` to ``--max-unknowns`` (N = 2 x vertices + 1: c, phi and V), for the
   direct and the iterative solver, with the log-log least-squares exponent of time vs N.

Run serially or under MPI::

    python benchmarks/step_cost.py
    python benchmarks/step_cost.py --max-unknowns 1e6 --json results/bench/step_cost.json
    mpirun -n 2 python benchmarks/step_cost.py
"""

from __future__ import annotations

import argparse
import copy
import gc
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    SEED_CELL,
    SEED_CELL_AREA_UM2,
    StepSummary,
    StepTimer,
    loglog_slope,
    machine_line,
    run_timed,
    say,
    scratch_dir,
    summarise,
    time_linear_solve,
    write_json,
)
from lidendrite.config import config_from_dict  # noqa: E402
from lidendrite.logs import setup_logging  # noqa: E402

#: Target of the step / linear-solve ratio with the direct solver.
RATIO_TARGET = 3.0
#: Target exponent of the step time of the iterative solver vs the number of unknowns.
EXPONENT_TARGET = 1.15


def benchmark_config(
    *,
    size_at_anode_um: float,
    size_bulk_um: float,
    solver: str,
    dt_s: float,
    steps: int,
) -> dict[str, Any]:
    """The seed-002 cell on a static mesh, run for ``steps`` fixed steps of ``dt_s``.

    ``dt_initial_s = dt_max_s = dt_s`` and a concentration-change limit of 1 keep the step size
    fixed, so that every step solves the same kind of system.
    """
    data = copy.deepcopy(SEED_CELL)
    data["title"] = f"benchmark: step cost ({solver})"
    data["mesh"] = {
        "size_at_anode_um": size_at_anode_um,
        "size_bulk_um": size_bulk_um,
        "grading_distance_um": 1.0,
    }
    data["operation"]["duration_s"] = steps * dt_s
    data["numerics"] = {
        "time_scheme": "bdf2",
        "dt_initial_s": dt_s,
        "dt_max_s": dt_s,
        "max_concentration_change": 1.0,
        "solver": solver,
        "moving_boundary": False,
    }
    data["output"] = {"every_s": steps * dt_s, "vtx": False, "progress_every_s": 1e9}
    return data


def uniform_size_um(unknowns: float) -> float:
    """Uniform element size that gives about ``unknowns`` unknowns in the seed cell.

    A Gmsh frontal mesh of size h has about 2 A / (sqrt(3) h^2) vertices in an area A.
    """
    vertices = max((unknowns - 1.0) / 2.0, 10.0)
    return math.sqrt(2.0 * SEED_CELL_AREA_UM2 / (math.sqrt(3.0) * vertices))


def timed_run(comm: MPI.Comm, data: dict[str, Any], out_dir: Path) -> tuple[StepTimer, str]:
    """Run a benchmark case; returns the step timer (last state kept) and the run status."""
    return run_timed(comm, config_from_dict(data), out_dir)


# --------------------------------------------------------------------------------------------
# 1. step / linear solve
# --------------------------------------------------------------------------------------------


def ratio_benchmark(comm: MPI.Comm, args: argparse.Namespace, scratch: Path) -> list[dict]:
    """Step cost against one linear solve, for each requested solver."""
    rows = []
    for solver in args.ratio_solvers:
        data = benchmark_config(
            size_at_anode_um=args.ratio_mesh[0],
            size_bulk_um=args.ratio_mesh[1],
            solver=solver,
            dt_s=args.dt_s,
            steps=args.steps,
        )
        sim, status = timed_run(comm, data, scratch / f"ratio_{solver}")
        s = summarise(sim, status)
        lin = time_linear_solve(sim.state.problem, sim.settings, repeats=args.repeats)
        rows.append(
            {
                "solver": solver,
                "unknowns": s.unknowns,
                "vertices": s.vertices,
                "status": status,
                "steps_measured": s.steps,
                "step_s": s.step_s,
                "step_solve_s": s.solve_s,
                "newton_iterations": s.newton_iterations,
                "linear_iterations": s.linear_iterations,
                "residual_assembly_s": lin.residual_s,
                "jacobian_assembly_s": lin.jacobian_s,
                "fresh_linear_solve_s": lin.fresh_solve_s,
                "refactor_linear_solve_s": lin.refactor_solve_s,
                "linear_solve_iterations": lin.iterations,
                "linear_solve_converged": lin.converged,
                "ratio_step_to_linear_solve": s.step_s / lin.fresh_solve_s,
                "ratio_step_to_newton_iteration": s.step_s
                / (lin.jacobian_s + lin.residual_s + lin.refactor_solve_s),
            }
        )
        del sim
        gc.collect()
    return rows


def print_ratio(comm: MPI.Comm, args: argparse.Namespace, rows: list[dict]) -> None:
    ha, hb = args.ratio_mesh
    say(comm, "")
    say(
        comm,
        f"1. Step cost / one linear solve  (seed-002 cell, mesh {ha:g} um at the electrodes, "
        f"{hb:g} um bulk, static, galvanostatic, dt = {args.dt_s:g} s)",
    )
    head = (
        f"  {'solver':<9} {'N':>8} {'step[s]':>8} {'solve[s]':>8} {'Newton':>6} {'lin.it':>6} "
        f"{'F asm[s]':>8} {'J asm[s]':>8} {'KSP[s]':>8} {'reKSP[s]':>8} {'step/KSP':>8} "
        f"{'step/Nit':>8}"
    )
    say(comm, head)
    for r in rows:
        say(
            comm,
            f"  {r['solver']:<9} {r['unknowns']:>8d} {r['step_s']:>8.4f} {r['step_solve_s']:>8.4f} "
            f"{r['newton_iterations']:>6.1f} {r['linear_iterations']:>6.0f} "
            f"{r['residual_assembly_s']:>8.4f} {r['jacobian_assembly_s']:>8.4f} "
            f"{r['fresh_linear_solve_s']:>8.4f} {r['refactor_linear_solve_s']:>8.4f} "
            f"{r['ratio_step_to_linear_solve']:>8.2f} {r['ratio_step_to_newton_iteration']:>8.2f}",
        )
    say(
        comm,
        "  step = median accepted step (Newton solve + step control + metrics, no frames); "
        "solve = its Newton part.\n"
        "  KSP = one linear solve with a fresh KSP (LU: analysis + factorisation + solve); "
        "reKSP = re-solve after\n"
        "  re-assembling J (symbolic factorisation reused, as within SNES); "
        "step/Nit = step / (F asm + J asm + reKSP).",
    )
    for r in rows:
        if r["solver"] == "direct":
            verdict = "meets" if r["ratio_step_to_linear_solve"] <= RATIO_TARGET else "MISSES"
            say(
                comm,
                f"  direct solver: step / linear solve = {r['ratio_step_to_linear_solve']:.2f} "
                f"({verdict} the target <= {RATIO_TARGET:g}; "
                f"{r['newton_iterations']:.0f} Newton iterations per step)",
            )


# --------------------------------------------------------------------------------------------
# 2. step cost vs unknowns
# --------------------------------------------------------------------------------------------


def targets(args: argparse.Namespace) -> list[float]:
    """Unknown counts to aim at: geometric from min to max, ``--points-per-decade``."""
    lo, hi = args.min_unknowns, args.max_unknowns
    if hi <= lo:
        return [lo]
    num = max(2, round(math.log10(hi / lo) * args.points_per_decade) + 1)
    return [float(v) for v in np.geomspace(lo, hi, num)]


def scaling_benchmark(
    comm: MPI.Comm, args: argparse.Namespace, scratch: Path
) -> tuple[dict[str, list[StepSummary]], list[dict[str, Any]]]:
    """Step cost on uniform meshes of increasing size, for each requested solver.

    A case is skipped when the previous case of the same solver, scaled by (N / N_prev)^1.5,
    predicts a wall time above ``--case-limit-s``; the skipped cases are returned as well.
    """
    out: dict[str, list[StepSummary]] = {s: [] for s in args.solvers}
    skipped: list[dict[str, Any]] = []
    previous: dict[str, tuple[float, float]] = {}
    for target in targets(args):
        h = uniform_size_um(target)
        for solver in args.solvers:
            if args.case_limit_s > 0 and solver in previous:
                n_prev, wall_prev = previous[solver]
                predicted = wall_prev * (target / n_prev) ** 1.5
                if predicted > args.case_limit_s:
                    skipped.append({"solver": solver, "unknowns": target, "predicted_s": predicted})
                    say(
                        comm,
                        f"  ... {solver:<9} N ~ {target:>8.3g}  skipped: predicted "
                        f"{predicted:.0f} s > --case-limit-s {args.case_limit_s:g}",
                    )
                    continue
            data = benchmark_config(
                size_at_anode_um=h, size_bulk_um=h, solver=solver, dt_s=args.dt_s, steps=args.steps
            )
            t0 = time.perf_counter()
            sim, status = timed_run(comm, data, scratch / f"scaling_{solver}_{int(target)}")
            s = summarise(sim, status)
            del sim
            gc.collect()
            s.case_wall_s = comm.bcast(time.perf_counter() - t0, root=0)
            previous[solver] = (float(s.unknowns), s.case_wall_s)
            out[solver].append(s)
            say(
                comm,
                f"  ... {solver:<9} h = {h:.4f} um  N = {s.unknowns:>8d}  "
                f"step = {s.step_s:.4f} s  ({status}, {s.rejected_steps} rejected, "
                f"whole case {s.case_wall_s:.1f} s)",
            )
    return out, skipped


def print_scaling(
    comm: MPI.Comm, args: argparse.Namespace, results: dict[str, list[StepSummary]]
) -> dict[str, dict[str, float]]:
    say(comm, "")
    say(
        comm,
        f"2. Step cost vs unknowns  (seed-002 cell, uniform mesh, static, dt = {args.dt_s:g} s, "
        f"median of {args.steps - 1} steps)",
    )
    fits: dict[str, dict[str, float]] = {}
    for solver, rows in results.items():
        say(comm, f"  {solver} solver")
        say(
            comm,
            f"    {'N':>9} {'vertices':>9} {'step[s]':>9} {'solve[s]':>9} {'Newton':>6} "
            f"{'lin.it':>7} {'s/Newton it':>11} {'rejected':>8} {'case[s]':>8} {'status':>10}",
        )
        for s in rows:
            per_newton = s.step_s / s.newton_iterations if s.newton_iterations else math.nan
            say(
                comm,
                f"    {s.unknowns:>9d} {s.vertices:>9d} {s.step_s:>9.4f} {s.solve_s:>9.4f} "
                f"{s.newton_iterations:>6.1f} {s.linear_iterations:>7.0f} {per_newton:>11.4f} "
                f"{s.rejected_steps:>8d} {s.case_wall_s:>8.1f} {s.status:>10}",
            )
        ok = [s for s in rows if s.status == "completed" and math.isfinite(s.step_s)]
        n = [s.unknowns for s in ok]
        slope = loglog_slope(n, [s.step_s for s in ok])
        slope_solve = loglog_slope(n, [s.solve_s for s in ok])
        slope_newton = loglog_slope(n, [s.step_s / max(s.newton_iterations, 1) for s in ok])
        fits[solver] = {
            "exponent_step": slope,
            "exponent_solve": slope_solve,
            "exponent_per_newton_iteration": slope_newton,
        }
        line = (
            f"    fitted: step time ~ N^{slope:.2f}  (Newton solve ~ N^{slope_solve:.2f}, "
            f"per Newton iteration ~ N^{slope_newton:.2f})"
        )
        if solver == "iterative" and math.isfinite(slope):
            verdict = "meets" if slope <= EXPONENT_TARGET else "MISSES"
            line += f"  [{verdict} the target <= N^{EXPONENT_TARGET:g}]"
        say(comm, line)
    return fits


def summary_dict(s: StepSummary) -> dict[str, Any]:
    return {
        "unknowns": s.unknowns,
        "vertices": s.vertices,
        "steps_measured": s.steps,
        "step_s": s.step_s,
        "step_solve_s": s.solve_s,
        "newton_iterations": s.newton_iterations,
        "linear_iterations": s.linear_iterations,
        "status": s.status,
        "rejected_steps": s.rejected_steps,
        "case_wall_s": s.case_wall_s,
        "step_wall_s": [r.wall_s for r in s.records],
    }


def _solver_list(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    bad = [n for n in names if n not in ("direct", "iterative")]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"unknown solver(s) {bad}: use direct and/or iterative")
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Cost of a time step: vs one linear solve, and vs the number of unknowns.",
    )
    p.add_argument("--max-unknowns", type=float, default=3e5, help="largest N (default 3e5)")
    p.add_argument("--min-unknowns", type=float, default=1e4, help="smallest N (default 1e4)")
    p.add_argument(
        "--points-per-decade", type=float, default=2.0, help="mesh sizes per decade of N"
    )
    p.add_argument(
        "--solvers",
        default="direct,iterative",
        type=_solver_list,
        help="solvers of the step-vs-N part, comma-separated (default direct,iterative)",
    )
    p.add_argument(
        "--ratio-solvers",
        default="direct",
        type=_solver_list,
        help="solvers of the step/linear-solve part (default direct; direct,iterative for both)",
    )
    p.add_argument(
        "--steps", type=int, default=4, help="time steps per case (the first is not counted)"
    )
    p.add_argument("--dt-s", type=float, default=10.0, help="fixed time step, s (default 10)")
    p.add_argument("--repeats", type=int, default=5, help="repetitions of the linear solve")
    p.add_argument(
        "--ratio-mesh",
        default="0.01,0.05",
        type=lambda s: tuple(float(x) for x in s.split(",")),
        help="mesh of the ratio benchmark: size at the electrodes, bulk size in um "
        "(default 0.01,0.05)",
    )
    p.add_argument(
        "--case-limit-s",
        type=float,
        default=120.0,
        help="skip a step-vs-N case predicted to take longer than this (s); 0 = run all "
        "(default 120)",
    )
    p.add_argument("--skip-ratio", action="store_true", help="skip the step/linear-solve part")
    p.add_argument("--skip-scaling", action="store_true", help="skip the step-vs-N part")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--keep", metavar="DIR", help="keep the run directories in DIR")
    p.add_argument("-v", "--verbose", action="store_true", help="show the runs' progress log")
    args = p.parse_args(argv)
    if args.steps < 2:
        p.error("--steps must be at least 2 (the first step is not counted)")
    if len(args.ratio_mesh) != 2:
        p.error("--ratio-mesh takes two sizes: AT_ELECTRODES,BULK")
    return args


def main(argv: list[str] | None = None) -> int:
    comm = MPI.COMM_WORLD
    args = parse_args(argv)
    if args.verbose:
        setup_logging(comm, logging.INFO)
    say(comm, "lidendrite step-cost benchmark")
    say(comm, f"  {machine_line(comm)}")
    t_start = time.perf_counter()
    report: dict[str, Any] = {
        "machine": machine_line(comm),
        "mpi_ranks": comm.size,
        "dt_s": args.dt_s,
        "steps": args.steps,
    }
    with scratch_dir(comm, args.keep) as scratch:
        if not args.skip_ratio:
            rows = ratio_benchmark(comm, args, scratch)
            print_ratio(comm, args, rows)
            report["step_vs_linear_solve"] = {"mesh_um": list(args.ratio_mesh), "rows": rows}
        if not args.skip_scaling:
            say(comm, "")
            say(comm, "  running the scaling cases ...")
            results, skipped = scaling_benchmark(comm, args, scratch)
            fits = print_scaling(comm, args, results)
            for case in skipped:
                say(
                    comm,
                    f"  {case['solver']} at N ~ {case['unknowns']:.3g} was skipped (predicted "
                    f"{case['predicted_s']:.0f} s); run with --case-limit-s 0 to include it",
                )
            report["step_vs_unknowns"] = {
                solver: {"rows": [summary_dict(s) for s in rows], **fits[solver]}
                for solver, rows in results.items()
            }
            report["step_vs_unknowns"]["skipped"] = skipped
    total = time.perf_counter() - t_start
    report["benchmark_wall_s"] = total
    say(comm, "")
    say(comm, f"total benchmark time {total:.1f} s")
    write_json(comm, args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
