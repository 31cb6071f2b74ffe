"""The ``lidendrite`` command.

Sub-commands::

    lidendrite run CONFIG.yaml [--set key=value ...] [--out DIR] [--resume | --overwrite]
    lidendrite check CONFIG.yaml [--set key=value ...] [--no-mesh]
    lidendrite presets
    lidendrite effective CONFIG.yaml [--json OUT]
    lidendrite render ...
    lidendrite plot ...
    lidendrite sweep SWEEP.yaml --out OUT [--jobs J] [--ranks-per-case K] ...

Invalid input (a configuration error, a missing file) prints one line,
``lidendrite: error: <message>``, on rank 0 and exits with status 2; other lidendrite errors
exit with status 1. ``run`` exits with 0 (completed, depleted, short circuit), 1 (failed), 2 (bad
input, or an output directory that holds results without ``--resume``/``--overwrite``) or 3
(interrupted by SIGTERM/SIGINT: resume it with ``--resume``). Under MPI every rank returns the
same exit status and only rank 0 prints.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from lidendrite import __version__
from lidendrite.check_report import check_report, table
from lidendrite.config import config_hash, load_config
from lidendrite.errors import ConfigError, LidendriteError
from lidendrite.materials import PRESETS
from lidendrite.plausibility import config_warnings

__all__ = ["build_parser", "config_warnings", "main"]

#: Exit status of ``lidendrite run`` for each final status of a simulation.
RUN_EXIT_CODES = {
    "completed": 0,
    "depleted": 0,
    "short_circuit": 0,
    "filler_contact": 0,
    "filler_at_counter": 0,
    "failed": 1,
    "interrupted": 3,
}
#: Test hook: ``STEP:SIGNAL`` (e.g. ``12:TERM``) makes every rank send itself SIGNAL right after
#: accepted step STEP, through the real signal path (handlers, checkpoint, exit status).
TEST_SIGNAL_ENV = "LIDENDRITE_TEST_SIGNAL"


def _comm() -> Any:
    from mpi4py import MPI

    return MPI.COMM_WORLD


def _is_root() -> bool:
    return _comm().rank == 0


def _echo(text: str = "", file: IO[str] | None = None) -> None:
    """Print on rank 0 only."""
    if _is_root():
        print(text, file=file or sys.stdout, flush=True)


def _error(message: str) -> None:
    _echo(f"lidendrite: error: {' '.join(message.split())}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """Argument parser that prints (usage, errors, --version) on rank 0 only."""

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if _is_root():
            super()._print_message(message, file)


# --------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------


def _cmd_check(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, args.overrides or ())
    for line in check_report(args.config, cfg, _comm(), mesh=args.mesh):
        _echo(line)
    return 0


# --------------------------------------------------------------------------------------------
# run, presets, render
# --------------------------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = list(args.overrides or ())
    if args.out is not None:
        overrides.append(f"output.dir={json.dumps(str(args.out))}")
    cfg = load_config(args.config, overrides)
    try:
        from lidendrite import simulation
    except ImportError as exc:
        raise LidendriteError(f"the solver is not available: {exc}") from None
    out_dir = Path(cfg.output.dir)
    _echo(f"lidendrite {__version__}: {args.config} (config hash {config_hash(cfg)}) -> {out_dir}")
    from lidendrite.logs import setup_logging

    setup_logging(_comm(), logging.WARNING if args.quiet else logging.INFO)
    result = simulation.run(
        cfg,
        out_dir=out_dir,
        comm=_comm(),
        catch_errors=args.isolate,
        callbacks=_test_hooks(),
        resume=args.resume,
        overwrite=args.overwrite,
    )
    status = str(getattr(result, "status", "failed"))
    if getattr(result, "info", {}).get("already_complete"):
        _echo(f"lidendrite: {out_dir}: the run is already complete ({status})")
    _echo(f"lidendrite: run {status}")
    return RUN_EXIT_CODES.get(status, 1)


def _test_hooks() -> list[Any]:
    """Callbacks of the test hook :data:`TEST_SIGNAL_ENV` (none when it is not set)."""
    spec = os.environ.get(TEST_SIGNAL_ENV, "")
    if not spec:
        return []
    step_text, _, name = spec.partition(":")
    at_step, sig = int(step_text), getattr(signal, f"SIG{name or 'TERM'}")

    class SendSignal:
        def on_step_end(self, stepper: Any, row: dict) -> None:
            if stepper.step == at_step:
                os.kill(os.getpid(), sig)

    return [SendSignal()]


def _cmd_presets(args: argparse.Namespace) -> int:
    header = ("name", "sigma (S/m)", "t+", "E_a (eV)", "i0 (A/m^2)", "c0 (M)", "L (um)", "source")
    rows = [header]
    for p in PRESETS.values():
        i0 = (
            "-"
            if p.exchange_current_density_A_per_m2 is None
            else f"{p.exchange_current_density_A_per_m2:g}"
        )
        rows.append(
            (
                p.name,
                f"{p.conductivity_S_per_m:.3g}",
                f"{p.transference_number:g}",
                f"{p.activation_energy_eV:g}",
                i0,
                "1 (assumed)"
                if p.salt_concentration_mol_per_m3 is None
                else f"{p.salt_concentration_mol_per_m3 / 1000:.3g}",
                "-" if p.membrane_thickness_um is None else f"{p.membrane_thickness_um:g}",
                p.source,
            )
        )
    for line in table(rows, indent=""):
        _echo(line)
    _echo()
    _echo(
        "Values at 298.15 K (sigma, i0). c0 is electrolyte.salt_concentration_mol_per_m3 unless "
        "set; L is the membrane thickness the paper reports (for cell.membrane_thickness_um). "
        "Notes:"
    )
    for p in PRESETS.values():
        _echo(textwrap.fill(f"{p.name}: {p.notes}", width=100, subsequent_indent="    "))
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from lidendrite.config import config_json_schema

    text = json.dumps(config_json_schema(), indent=2) + "\n"
    if args.out is None:
        _echo(text.rstrip("\n"))
    elif _is_root():
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise LidendriteError(f"{args.out}: cannot write the schema ({exc})") from None
    return 0


def _add_render(subparsers: Any) -> None:
    """Register ``render`` from :mod:`lidendrite.render.cli`, or a stub saying it is missing."""
    try:
        from lidendrite.render import cli as render_cli
    except ImportError as exc:
        reason = str(exc)
    else:
        render_cli.add_parser(subparsers)
        render_cli.add_plot_parser(subparsers)
        return

    def unavailable(args: argparse.Namespace) -> int:
        raise LidendriteError(f"render is not available ({reason})")

    p = subparsers.add_parser("render", help="render results (not available)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=unavailable)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lidendrite`` command."""
    parser = _Parser(
        prog="lidendrite",
        description="Finite-element simulation of Li dendrite growth in quasi-solid electrolytes.",
    )
    parser.add_argument("--version", action="version", version=f"lidendrite {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def config_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("config", type=Path, help="YAML configuration file")
        p.add_argument(
            "--set",
            "-s",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a value, e.g. --set operation.current_density_A_per_m2=20 "
            "(repeatable; VALUE is parsed as YAML)",
        )

    p = sub.add_parser("run", help="run a simulation")
    config_args(p)
    p.add_argument("--out", type=Path, default=None, help="output directory (output.dir)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.add_argument(
        "--isolate",
        action="store_true",
        help="end the case with status 'failed' (reason in status.json, traceback in run.log) "
        "on any unexpected error instead of aborting the MPI job (for sweeps)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in the output directory from its newest checkpoint "
        "(on any number of ranks)",
    )
    mode.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the results of an earlier run in the output directory and run afresh",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("check", help="validate a configuration and print derived quantities")
    config_args(p)
    p.add_argument("--no-mesh", dest="mesh", action="store_false", help="do not build the mesh")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("presets", help="list the electrolyte presets")
    p.set_defaults(func=_cmd_presets)

    p = sub.add_parser("schema", help="print the JSON Schema of the configuration (for editors)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE", help="write it to FILE")
    p.set_defaults(func=_cmd_schema)

    from lidendrite import effective_cli
    from lidendrite.sweep import cli as sweep_cli

    effective_cli.add_parser(sub, config_args)

    sweep_cli.add_parser(sub)
    _add_render(sub)
    return parser


def _dispatch(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else list(argv)):
        if _is_root():
            parser.print_help()
        return 0
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        _error(str(exc))
        return 2
    except LidendriteError as exc:
        _error(str(exc))
        return 1
    except BrokenPipeError:
        raise  # handled in main()
    except Exception:
        # An unexpected error on one rank would leave the others waiting in a collective
        # call forever: print it and take the whole MPI job down.
        comm = _comm()
        if comm.size > 1:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
            comm.Abort(1)
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lidendrite`` command.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The exit status, the same on every MPI rank (collective when run under MPI).
    """
    try:
        code = _dispatch(argv)
    except BrokenPipeError:
        # The reader went away (``lidendrite check ... | head -1``): stop quietly, and point
        # stdout at /dev/null so that the flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    comm = _comm()
    if comm.size > 1:
        from mpi4py import MPI

        code = comm.allreduce(code, op=MPI.MAX)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
