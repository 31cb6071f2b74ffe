"""The ``lidendrite sweep`` sub-command.

::

    lidendrite sweep SWEEP.yaml --out OUT [--jobs J] [--ranks-per-case K] [--dry-run]
                     [--emit slurm] [--shard i/n] [--retry-failed] [--case-timeout-s S]
                     [--summary-only]

Exit status: 0 when no case failed, 1 when some did (the tables are written all the same),
2 for a bad sweep file or option (one line, nothing written), 3 when a signal stopped it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from lidendrite.errors import ConfigError
from lidendrite.sweep.runner import RunOptions, SweepRunner, in_shard
from lidendrite.sweep.spec import CaseSpec, SweepSpec, expand_cases, load_sweep, show_value
from lidendrite.sweep.state import case_state, write_json
from lidendrite.sweep.summary import write_tables

__all__ = ["add_parser", "run_sweep"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sweep`` on the sub-parsers of the main command line."""
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid or zip of config keys), resumable",
        description=(
            "Run every case of a sweep file as its own process group (mpiexec -n K, or srun "
            "inside Slurm), J at a time, into OUT/cases/<config hash>/; write OUT/manifest.csv "
            "and OUT/summary.csv. Running the same command again skips finished cases."
        ),
    )
    p.add_argument("sweep_file", type=Path, metavar="SWEEP.yaml", help="sweep file")
    p.add_argument("--out", type=Path, required=True, metavar="OUT", help="sweep directory")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="J", help="cases at a time")
    p.add_argument(
        "--ranks-per-case", type=int, default=1, metavar="K", help="MPI ranks of each case"
    )
    p.add_argument("--dry-run", action="store_true", help="list the cases; write nothing")
    p.add_argument("--emit", choices=["slurm"], help="write an sbatch job-array script into OUT")
    p.add_argument("--shards", type=int, default=None, help="array tasks of --emit slurm")
    p.add_argument("--throttle", type=int, default=4, help="array tasks at once (--emit slurm)")
    p.add_argument("--time", default="04:00:00", help="time limit of an array task (sbatch)")
    p.add_argument("--shard", default=None, metavar="i/n", help="run shard i (0..n-1) of n")
    p.add_argument("--retry-failed", action="store_true", help="run failed cases again")
    p.add_argument(
        "--case-timeout-s", type=float, default=None, metavar="S", help="per-case time limit"
    )
    p.add_argument(
        "--summary-only", action="store_true", help="rebuild manifest and summary; run nothing"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=run_sweep)
    return p


def _check_options(args: argparse.Namespace) -> tuple[int, int] | None:
    if args.jobs < 1:
        raise ConfigError(f"--jobs {args.jobs}: must be 1 or more")
    if args.ranks_per_case < 1:
        raise ConfigError(f"--ranks-per-case {args.ranks_per_case}: must be 1 or more")
    if args.case_timeout_s is not None and not args.case_timeout_s > 0:
        raise ConfigError(f"--case-timeout-s {args.case_timeout_s:g}: must be positive")
    if args.shard is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", args.shard)
    if m is None or not int(m[1]) < int(m[2]):
        raise ConfigError(f"--shard {args.shard!r}: must be i/n with 0 <= i < n, e.g. 0/4")
    return int(m[1]), int(m[2])


def _record_spec(spec: SweepSpec, out: Path) -> None:
    data = {
        "source": str(spec.path.resolve()),
        "title": spec.title,
        "mode": spec.mode,
        "axes": spec.axes,
        "repeats": spec.repeats,
        "set": spec.fixed,
        "base": spec.base,
    }
    text = yaml.safe_dump(data, sort_keys=False)
    path = out / "sweep.yaml"
    if not path.exists() or path.read_text() != text:
        tmp = out / ".sweep.yaml.tmp"
        tmp.write_text(text)
        tmp.replace(path)


def _write_inputs(cases: list[CaseSpec], out: Path) -> None:
    """``OUT/inputs/<id>.yaml``: what each case runs (written only when it changes)."""
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    for case in cases:
        if case.error is not None:
            continue
        data = dict(case.data)
        label = ", ".join(f"{k.rsplit('.', 1)[-1]}={show_value(v)}" for k, v in case.params.items())
        data["title"] = f"{data.get('title') or 'sweep case'} [{label}]"
        text = yaml.safe_dump(data, sort_keys=False)
        path = out / "inputs" / f"{case.case_id}.yaml"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def _dry_run(spec: SweepSpec, cases: list[CaseSpec], out: Path, shard: Any) -> int:
    mine = [c for c in cases if in_shard(c.case_id, shard)]
    print(f"{spec.path}: {len(cases)} cases ({spec.mode}), {len(mine)} in this shard")
    for c in mine:
        if c.error is not None:
            state = f"invalid: {c.error}"
        elif (out / "cases").is_dir():
            state = case_state(out, c.case_id)[1]
        else:
            state = "new"
        params = "  ".join(f"{k}={show_value(v)}" for k, v in c.params.items())
        print(f"  {c.case_id}  {state:<13}  {params}")
    print("dry run: nothing written")
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    """Run ``lidendrite sweep``; the exit status (see the module docstring).

    Raises:
        ConfigError: A bad sweep file or option (before anything is written).
    """
    shard = _check_options(args)
    spec = load_sweep(args.sweep_file)
    cases = expand_cases(spec)
    out: Path = args.out
    if args.dry_run:
        return _dry_run(spec, cases, out, shard)
    if args.emit == "slurm":
        extra = ["--retry-failed"] if args.retry_failed else []
        if args.case_timeout_s is not None:
            extra += ["--case-timeout-s", f"{args.case_timeout_s:g}"]
        _, howto = emit_slurm_script(args, len(cases), extra)
        print(howto)
        return 0
    out.mkdir(parents=True, exist_ok=True)
    _record_spec(spec, out)
    _write_inputs(cases, out)
    (out / "cases").mkdir(exist_ok=True)
    mine = [c for c in cases if in_shard(c.case_id, shard)]
    if args.summary_only:
        counts = write_tables(out, cases, spec.keys)
        print(out / "summary.csv")
        return 1 if counts["failed"] else 0
    todo = []
    for c in mine:
        if c.error is not None:
            continue
        state = case_state(out, c.case_id)[0]
        if state == "pending" or (state == "failed" and args.retry_failed):
            todo.append(c)
    print(
        f"sweep: {len(cases)} cases, {len(mine)} in this shard, {len(todo)} to run "
        f"(J = {args.jobs}, K = {args.ranks_per_case}) -> {out}",
        flush=True,
    )
    options = RunOptions(
        jobs=args.jobs,
        ranks_per_case=args.ranks_per_case,
        case_timeout_s=args.case_timeout_s,
        retry_failed=args.retry_failed,
        progress=not args.quiet,
    )
    runner = SweepRunner(out.resolve(), mine, options)
    write_tables(out, cases, spec.keys)
    runner.run(todo, on_change=lambda: write_tables(out, cases, spec.keys))
    counts = write_tables(out, cases, spec.keys)
    write_json(out / "sweep_status.json", {"interrupted": runner.interrupted, **counts})
    print(out / "summary.csv")
    if runner.interrupted:
        print("sweep: interrupted; run the same command again to continue", file=sys.stderr)
        return 3
    failed_here = sum(
        1 for c in mine if c.error is not None or case_state(out, c.case_id)[0] == "failed"
    )
    return 1 if failed_here else 0


def emit_slurm_script(args: argparse.Namespace, n_cases: int, extra: list[str]) -> tuple[Path, str]:
    """Write the sbatch script for ``args`` (see :func:`lidendrite.sweep.slurm.emit_slurm`)."""
    from lidendrite.sweep.slurm import emit_slurm

    return emit_slurm(
        args.sweep_file,
        args.out,
        n_cases=n_cases,
        jobs=args.jobs,
        ranks_per_case=args.ranks_per_case,
        shards=args.shards,
        throttle=args.throttle,
        time_limit=args.time,
        extra_args=extra,
    )
