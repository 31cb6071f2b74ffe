"""The ``lidendrite render`` sub-command.

Examples::

    lidendrite render runs/lpc              # last frame -> runs/lpc/render/flux_00042.png
    lidendrite render runs/lpc --time 3600 --format pdf --layout double
    lidendrite render runs/lpc --all --field concentration --unit M
    lidendrite render runs/lpc --animate mp4 --fps 15
    lidendrite render runs/lpc runs/lpc_pba --grid --unit mmol/m2/s --clim 0,50 --out figures/
    lidendrite render sweeps/tplus --grid   # a sweep directory: every case's final frame

(``lidendrite plot`` is in :mod:`lidendrite.render.plot_cli`, re-exported here).

This module imports PyVista and Matplotlib only when a command runs.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from lidendrite.errors import ConfigError
from lidendrite.render.fields import FIELDS, field_spec, resolve_unit
from lidendrite.render.figure_options import LAYOUTS, parse_size
from lidendrite.render.plot_cli import add_plot_parser, run_plot

__all__ = [
    "add_parser",
    "add_plot_parser",
    "check_time",
    "parse_clim",
    "parse_size",
    "run_plot",
    "run_render",
]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``render`` on the sub-parsers of the main command line."""
    parser = subparsers.add_parser(
        "render",
        help="draw frames of runs as images or movies (PyVista)",
        description=(
            "Render the frames a run has written (RUN_DIR/frames/*.npz): Li+ flux, "
            "concentration, potential or ionic current density, with flux streamlines, the Li "
            "metal and a scale bar. Files go to RUN_DIR/render/ unless --out is given; the paths "
            "written are printed."
        ),
    )
    parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="run directory")
    parser.add_argument(
        "--field", default="flux", help=f"field to colour by: {', '.join(FIELDS)} (default flux)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--time", type=float, metavar="T", help="render the frame nearest T seconds")
    which.add_argument("--all", action="store_true", help="render every frame")
    parser.add_argument(
        "--format",
        choices=["png", "svg", "pdf"],
        default="png",
        dest="image_format",
        help="image format of stills (default png; pdf/svg are vector, the field an image)",
    )
    parser.add_argument(
        "--animate", choices=["mp4", "gif"], help="write a movie of all frames instead of stills"
    )
    parser.add_argument("--fps", type=float, default=12.0, help="movie frame rate (default 12)")
    parser.add_argument(
        "--min-duration",
        type=float,
        default=8.0,
        metavar="S",
        help="shortest movie in seconds; frames are held to reach it (default 8; 0: no hold)",
    )
    parser.add_argument(
        "--layout",
        choices=list(LAYOUTS),
        default="column",
        help="print size: column (85 mm, 7 pt, 300 dpi; default), double (180 mm, 8 pt), "
        "slide (240 mm, 14 pt, 150 dpi)",
    )
    parser.add_argument(
        "--unit",
        default=None,
        help="colour-bar unit, e.g. mmol/m2/s, umol/m2/s, mV, mA/cm2, M (default: one fixed "
        "unit per field, the same in every figure)",
    )
    parser.add_argument(
        "--size",
        default=None,
        metavar="WxH",
        help="width x largest height in pixels at 100 dpi, instead of the layout's size "
        "(--dpi scales it; fonts keep the layout's pt size); movies: pixels",
    )
    parser.add_argument(
        "--dpi", type=int, default=None, help="resolution (default: the layout's, 300 for print)"
    )
    parser.add_argument(
        "--clim",
        default=None,
        metavar="LO,HI|run|frame",
        help="colour range in the unit shown on the colour bar; 'run' (default): the range over "
        "all frames of a run, the same for stills and the movie (over all runs with --grid); "
        "'frame': each still its own range",
    )
    parser.add_argument("--title", default=None, help="title above the cell")
    parser.add_argument(
        "--streamlines",
        type=int,
        default=24,
        metavar="N",
        help="number of flux streamlines of vector fields (0: none; default 24)",
    )
    parser.add_argument(
        "--seeding",
        choices=["line", "density"],
        default="line",
        help="streamline seeds evenly below the counter electrode (line), or on the Li "
        "surface at equal shares of the deposition flux (density)",
    )
    parser.add_argument(
        "--legend",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="legend for Li metal, the initial surface, flux lines and fillers (default on)",
    )
    parser.add_argument(
        "--grid",
        action="store_true",
        help="the last frame of every RUN_DIR as panels of one figure",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output directory")
    parser.set_defaults(func=run_render)
    return parser


def parse_clim(text: str | None) -> tuple[float, float] | str | None:
    """``"0,1e-4"`` -> ``(0.0, 1e-4)``; ``"run"`` / ``"frame"`` -> themselves; ``None``.

    Raises:
        ConfigError: Not ``run``, ``frame`` or two finite numbers, low < high.
    """
    if text is None:
        return None
    if text.strip().lower() in ("run", "frame"):
        return text.strip().lower()
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(
            f"--clim {text!r} must be LO,HI (two numbers), 'run' or 'frame'"
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ConfigError(f"--clim {text!r} must be two finite numbers with LO < HI")
    return lo, hi


def _size_options(args: argparse.Namespace) -> dict[str, Any]:
    """FigureOptions overrides from --size/--dpi (size in pixels at 100 dpi, scaled by dpi)."""
    out: dict[str, Any] = {}
    if args.dpi is not None:
        out["dpi"] = args.dpi
    if args.size is not None:
        width, height = parse_size(args.size)
        out["width_mm"], out["max_height_mm"] = width * 0.254, height * 0.254
        out.setdefault("dpi", 100)
    return out


def _prefix(run: Path, args: argparse.Namespace, n_runs: int) -> str:
    """File-name prefix: the run's name when several runs write into one ``--out``."""
    return f"{run.resolve().name}_" if args.out is not None and n_runs > 1 else ""


def check_time(times: Any, time_s: float) -> int:
    """Index of the frame nearest ``time_s``.

    Raises:
        ConfigError: ``time_s`` lies outside the frames' times (by more than half a frame).
    """
    from lidendrite.render.rundir import nearest_frame

    t0, t1 = float(times[0]), float(times[-1])
    slack = 0.5 * (t1 - t0) / max(len(times) - 1, 1)
    if not (t0 - slack <= time_s <= t1 + slack):
        raise ConfigError(
            f"--time {time_s:g} s is outside the run: its frames go from {t0:g} to {t1:g} s"
        )
    return nearest_frame(times, time_s)


def run_render(args: argparse.Namespace) -> int:
    """Run ``lidendrite render``; prints the paths written and returns 0.

    Raises:
        ConfigError: Missing run directory, no frames, bad option values (unknown field or
            unit, a time outside the run).
    """
    from lidendrite.render.rundir import frame_times, require_frames

    runs = [Path(r) for r in args.run_dirs]
    labels = None
    if args.grid and len(runs) == 1 and _is_sweep(runs[0]):
        from lidendrite.sweep.plots import sweep_gallery_runs

        if args.out is None:
            args.out = runs[0] / "render"
        runs, labels = sweep_gallery_runs(runs[0])
    frame_lists = [require_frames(r) for r in runs]  # checks every run before any work
    field_spec(args.field)
    _, factor = resolve_unit(args.field, args.unit)
    clim = parse_clim(args.clim)
    if isinstance(clim, tuple):  # given in the display unit
        clim = (clim[0] / factor, clim[1] / factor)
    if args.time is not None:
        for paths in frame_lists:
            check_time(frame_times(paths), args.time)
    if not args.fps > 0:
        raise ConfigError(f"--fps must be positive, got {args.fps}")
    if args.streamlines < 0:
        raise ConfigError(f"--streamlines must be 0 or more, got {args.streamlines}")
    if args.dpi is not None and args.dpi <= 0:
        raise ConfigError(f"--dpi must be positive, got {args.dpi}")
    style = {
        "streamlines": args.streamlines > 0,
        "n_streamlines": args.streamlines,
        "seeding": args.seeding,
        "unit": args.unit,
        "layout": args.layout,
        "legend": args.legend,
    }
    if args.grid:
        written = [_render_grid(args, runs, clim, style, labels)]
    elif args.animate:
        written = [_render_movie(args, run, len(runs), clim, style) for run in runs]
    else:
        written = [
            path
            for run, paths in zip(runs, frame_lists, strict=True)
            for path in _render_stills(args, run, paths, len(runs), clim, style)
        ]
    for path in written:
        print(path)
    return 0


def _is_sweep(path: Path) -> bool:
    from lidendrite.sweep.state import is_sweep_dir

    return is_sweep_dir(path)


def _render_grid(
    args: argparse.Namespace,
    runs: list[Path],
    clim: Any,
    style: dict[str, Any],
    labels: list[str] | None = None,
) -> Path:
    from lidendrite.render.gallery import gallery

    if args.animate or args.all:
        raise ConfigError("--grid makes one image; it cannot be combined with --animate/--all")
    out_dir = args.out if args.out is not None else runs[0] / "render"
    # one row up to 4 panels, then rows of up to 5 (a sweep gallery has many)
    ncols = len(runs) if len(runs) <= 4 else min(5, math.ceil(len(runs) / math.ceil(len(runs) / 5)))
    return gallery(
        runs,
        args.field,
        out=out_dir / f"grid_{args.field}.{args.image_format}",
        ncols=ncols,
        labels=labels
        if labels is not None
        else (None if args.title is None else [args.title] * len(runs)),
        clim=clim if isinstance(clim, tuple) else "shared",
        time_s=args.time,
        **style,
        **_size_options(args),
    )


def _render_movie(
    args: argparse.Namespace, run: Path, n_runs: int, clim: Any, style: dict[str, Any]
) -> Path:
    from lidendrite.render.animate import animate

    out_dir = args.out if args.out is not None else run / "render"
    size = None
    if args.size is not None:
        w, h = parse_size(args.size)
        scale = (args.dpi or 100) / 100.0
        size = (round(w * scale), round(h * scale))
    return animate(
        run,
        args.field,
        args.animate,
        fps=args.fps,
        size=size,
        clim=None if clim == "frame" else "run" if clim is None else clim,
        out=out_dir / f"{_prefix(run, args, n_runs)}{args.field}.{args.animate}",
        min_duration_s=args.min_duration,
        progress=True,
        title=args.title,
        **style,
    )


def _render_stills(
    args: argparse.Namespace,
    run: Path,
    paths: list[Path],
    n_runs: int,
    clim: Any,
    style: dict[str, Any],
) -> list[Path]:
    from lidendrite.io.frames import read_frame
    from lidendrite.render.animate import Progress, initial_anode_height, resolve_clim, run_view
    from lidendrite.render.figure import save_figure
    from lidendrite.render.figure_options import FigureOptions
    from lidendrite.render.rundir import frame_times

    if args.all:
        indices = list(range(len(paths)))
    elif args.time is not None:
        indices = [check_time(frame_times(paths), args.time)]
    else:
        indices = [len(paths) - 1]
    fixed = resolve_clim(
        None if clim == "frame" else "run" if clim is None else clim,
        (read_frame(p) for p in paths),
        args.field,
    )
    extra: dict[str, Any] = {}
    if args.all:  # one camera for the whole series
        y0 = initial_anode_height(read_frame(paths[0]))
        extra = {"view": run_view((read_frame(p) for p in paths), y0), "initial_anode_y_um": y0}
    out_dir = args.out if args.out is not None else run / "render"
    prefix = _prefix(run, args, n_runs)
    options = FigureOptions(
        field=args.field, clim=fixed, title=args.title, **style, **extra, **_size_options(args)
    )
    report = Progress(f"render {run.name}", len(indices)) if len(indices) > 1 else None
    written = []
    for k, i in enumerate(indices):
        path = out_dir / f"{prefix}{args.field}_{i:05d}.{args.image_format}"
        written.append(save_figure(read_frame(paths[i]), path, options))
        if report is not None:
            report(k + 1)
    return written
