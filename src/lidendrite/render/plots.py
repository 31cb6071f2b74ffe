"""Line plots of the metrics a run records (``metrics.csv``): tip height, tip current, voltage.

One panel per metric column, one line per run, drawn with Matplotlib's Agg canvas (no GUI,
no global pyplot state). Axis labels carry units derived from the column name suffix
(``tip_height_um`` -> "Tip height (µm)", ``cell_voltage_V`` -> "Cell voltage (V)").

Columns go by today's names (:mod:`lidendrite.io.names`): a ``metrics.csv`` written before a
rename is read with the new names, and an old name asked for (``--y
current_density_A_per_m2``) means the column that replaced it.
"""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.names import LEGACY_METRIC_COLUMNS, upgrade_metrics
from lidendrite.render.rundir import METRICS_FILE, require_run_dir, run_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_COLUMNS",
    "TIME_UNITS",
    "axis_label",
    "canonical_column",
    "column_unit",
    "default_plot_path",
    "metrics_figure",
    "plot_metrics",
    "read_metrics_columns",
]

#: Columns plotted when none are asked for.
DEFAULT_COLUMNS = ("protrusion_height_um", "tip_current_ratio")

#: Seconds per unit of the time axis.
TIME_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}

#: Unit suffixes of column names and how they are written on an axis (longest match wins).
_UNIT_SUFFIXES = {
    "_mol_per_m2_s": "mol m⁻² s⁻¹",
    "_mol_per_m3": "mol m⁻³",
    "_mol_per_m2": "mol m⁻²",
    "_mol_per_m": "mol m⁻¹",
    "_A_per_m2": "A m⁻²",
    "_J_per_m2": "J m⁻²",
    "_m2_per_s": "m² s⁻¹",
    "_S_per_m": "S m⁻¹",
    "_um": "µm",
    "_eV": "eV",
    "_V": "V",
    "_K": "K",
    "_s": "s",
}

#: Readable names of the recorded metrics (others: the column name without its unit).
_NAMES = {
    "time_s": "Time",
    "dt_s": "Time step",
    "tip_height_um": "Tip height",
    "protrusion_height_um": "Protrusion (tip above mean surface)",
    "tip_current_ratio": "Tip / mean current density",
    "cell_voltage_V": "Cell voltage",
    "anode_current_density_A_per_m2": "Anode current density",
    "anode_overpotential_V": "Plating overpotential",
    "counter_overpotential_V": "Counter overpotential",
    "c_anode_min_mol_per_m3": "Min. Li⁺ concentration at anode",
    "c_anode_mean_mol_per_m3": "Mean Li⁺ concentration at anode",
    "i_anode_max_A_per_m2": "Max. current density at anode",
    "i_anode_min_A_per_m2": "Min. current density at anode",
    "li_plated_um": "Li plated",
    "mean_height_um": "Mean anode height",
    "roughness_rms_um": "RMS roughness",
    "anode_length_ratio": "Anode length / width",
    "min_element_quality": "Min. element quality",
}

#: Okabe-Ito colours: distinguishable with colour-vision deficiencies and in greyscale.
_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_STYLE = {
    "font.size": 10.0,
    "axes.labelsize": 10.0,
    "axes.titlesize": 10.0,
    "xtick.labelsize": 9.0,
    "ytick.labelsize": 9.0,
    "legend.fontsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "xtick.direction": "out",
    "ytick.direction": "out",
    "lines.linewidth": 1.6,
    "legend.frameon": False,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
    "mathtext.default": "regular",
}

_FORMATS = (".png", ".svg", ".pdf")


def column_unit(column: str) -> str:
    """The unit of a metrics column from its name suffix (``""``: dimensionless).

    ``tip_height_um`` -> ``"µm"``, ``anode_current_density_A_per_m2`` -> ``"A m⁻²"``,
    ``tip_current_ratio`` -> ``""``.
    """
    for suffix in sorted(_UNIT_SUFFIXES, key=len, reverse=True):
        if column.endswith(suffix) and len(column) > len(suffix):
            return _UNIT_SUFFIXES[suffix]
    return ""


def canonical_column(column: str) -> str:
    """Today's name of a metrics column: legacy names map to the column that replaced them."""
    return LEGACY_METRIC_COLUMNS.get(column, column)


def _quantity_name(column: str) -> str:
    column = canonical_column(column)
    if column in _NAMES:
        return _NAMES[column]
    name = column
    for suffix in sorted(_UNIT_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    name = name.replace("_", " ").strip()
    return name[:1].upper() + name[1:]


def axis_label(column: str, time_unit: str | None = None) -> str:
    """Axis label with unit: ``"Tip height (µm)"``; dimensionless columns have none.

    Args:
        column: Metrics column name.
        time_unit: For columns in seconds, the unit they are shown in (``s``, ``min``, ``h``).
    """
    unit = column_unit(column)
    if unit == "s" and time_unit is not None:
        unit = time_unit
    name = _quantity_name(column)
    return f"{name} ({unit})" if unit else name


def read_metrics_columns(run_dir: Path | str) -> dict[str, np.ndarray]:
    """Numeric columns of a run's ``metrics.csv`` by header name (empty entries: NaN).

    Columns holding anything but numbers are left out; legacy column names are replaced by
    today's (:func:`lidendrite.io.names.upgrade_metrics`).

    Raises:
        ConfigError: The run directory or its ``metrics.csv`` is missing, or it has no rows.
    """
    path = require_run_dir(Path(run_dir)) / METRICS_FILE
    if not path.is_file():
        raise ConfigError(f"run directory {run_dir} has no {METRICS_FILE}")
    with open(path, newline="") as fh:
        rows = [row for row in csv.reader(fh) if row]
    if len(rows) < 2:
        raise ConfigError(f"{path} has no rows of metrics yet")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        try:
            values = [float(r[j]) if j < len(r) and r[j].strip() else math.nan for r in body]
        except ValueError:
            continue
        columns[name] = np.asarray(values, dtype=np.float64)
    columns = upgrade_metrics(columns)
    if "protrusion_height_um" not in columns and {"tip_height_um", "mean_height_um"} <= set(
        columns
    ):
        # runs written before the column existed
        columns["protrusion_height_um"] = columns["tip_height_um"] - columns["mean_height_um"]
    return columns


def _require_column(column: str, columns: dict[str, np.ndarray], run_dir: Path | str) -> None:
    if column in columns:
        return
    close = difflib.get_close_matches(column, list(columns), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "columns: " + ", ".join(columns)
    raise ConfigError(
        f"unknown metrics column {column!r} in {Path(run_dir) / METRICS_FILE} ({hint})"
    )


def _labels(run_dirs: Sequence[Path], labels: Sequence[str] | None) -> list[str]:
    if labels is None:
        return [run_label(r) for r in run_dirs]
    if len(labels) != len(run_dirs):
        raise ConfigError(
            f"--labels: {len(labels)} label(s) given for {len(run_dirs)} run(s); give one per run"
        )
    return [str(s) for s in labels]


def default_plot_path(run_dir: Path | str, columns: Sequence[str]) -> Path:
    """``RUN_DIR/render/plot_<col1>-<col2>.png``: where a plot of one run goes by default."""
    return Path(run_dir) / "render" / f"plot_{'-'.join(columns)}.png"


def _grid(n_panels: int) -> tuple[int, int]:
    ncols = min(n_panels, 3)
    return math.ceil(n_panels / ncols), ncols


def metrics_figure(
    run_dirs: Sequence[Path | str],
    columns: Sequence[str] | None = None,
    *,
    x: str = "time_s",
    time_unit: str = "s",
    labels: Sequence[str] | None = None,
    size: tuple[int, int] | None = None,
    title: str | None = None,
) -> Figure:
    """Build the figure: one panel per column, one line per run (nothing is written).

    Args:
        run_dirs: Run directories holding ``metrics.csv`` (and ``config.resolved.yaml`` for the
            line labels).
        columns: Metrics columns, one panel each (default :data:`DEFAULT_COLUMNS`); legacy
            names mean the columns that replaced them.
        x: Column on the horizontal axis.
        time_unit: Unit the x axis is shown in when ``x`` is in seconds: ``s``, ``min`` or ``h``.
        labels: Line labels, one per run (default: each run's title, else electrolyte preset).
        size: Figure size in pixels at 100 dpi (default: 480 x 360 per panel).
        title: Figure title.

    Returns:
        A Matplotlib figure on an Agg canvas. Panel ``k`` is ``fig.axes[k]``; its lines are the
        runs in order, with data in the units of the axis labels.

    Raises:
        ConfigError: No run, missing run directory or metrics, unknown column (with a
            did-you-mean), bad time unit, wrong number of labels.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    runs = [Path(r) for r in run_dirs]
    if not runs:
        raise ConfigError("no run directory given")
    columns = [canonical_column(c) for c in (DEFAULT_COLUMNS if not columns else columns)]
    x = canonical_column(x)
    if time_unit not in TIME_UNITS:
        raise ConfigError(f"--time-unit {time_unit!r}: must be one of {', '.join(TIME_UNITS)}")
    data = [read_metrics_columns(r) for r in runs]
    for run, cols in zip(runs, data, strict=True):  # every run checked before drawing
        for column in [x, *columns]:
            _require_column(column, cols, run)
    names = _labels(runs, labels)
    x_scale = TIME_UNITS[time_unit] if column_unit(x) == "s" else 1.0
    nrows, ncols = _grid(len(columns))
    width_px, height_px = size if size is not None else (480 * ncols, 360 * nrows + 40)

    with rc_context(_STYLE):
        fig = Figure(figsize=(width_px / 100.0, height_px / 100.0), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax in axes[len(columns) :]:
            fig.delaxes(ax)
        for k, (ax, column) in enumerate(zip(axes, columns, strict=False)):
            for i, (cols, name) in enumerate(zip(data, names, strict=True)):
                ax.plot(
                    cols[x] / x_scale, cols[column], color=_COLORS[i % len(_COLORS)], label=name
                )
            ax.set_xlabel(axis_label(x, time_unit))
            ax.set_ylabel(axis_label(column))
            ax.margins(x=0)
            if len(columns) > 1:
                ax.set_title(chr(ord("a") + k), loc="left", fontweight="bold", fontsize=11)
        if len(runs) > 1:
            axes[0].legend(loc="best")
        if title is None and len(runs) == 1:
            title = names[0]
        if title:
            fig.suptitle(title, fontsize=11)
        fig.set_layout_engine("constrained")
    return fig


def plot_metrics(
    run_dirs: Sequence[Path | str],
    columns: Sequence[str] | None = None,
    out: Path | str | None = None,
    *,
    x: str = "time_s",
    time_unit: str = "s",
    labels: Sequence[str] | None = None,
    size: tuple[int, int] | None = None,
    dpi: int | None = None,
    title: str | None = None,
) -> Path:
    """Plot metrics columns of one or several runs into an image file.

    Args:
        run_dirs: Run directories (see :func:`metrics_figure`).
        columns: Metrics columns, one panel each (default :data:`DEFAULT_COLUMNS`).
        out: Image file (``.png``, ``.svg`` or ``.pdf``); default for one run
            ``RUN_DIR/render/plot_<columns>.png``; required for several runs.
        x: Column on the horizontal axis.
        time_unit: Unit of the time axis: ``s``, ``min`` or ``h``.
        labels: Line labels, one per run.
        size: Image size in pixels at 100 dpi (default: 480 x 360 per panel).
        dpi: Resolution; a png is ``size * dpi / 100`` pixels (text scales with it). Default 100.
        title: Figure title (default for one run: its label).

    Returns:
        The path written.

    Raises:
        ConfigError: See :func:`metrics_figure`; also no ``out`` for several runs, an
            unsupported file type or a non-positive dpi.
    """
    runs = [Path(r) for r in run_dirs]
    columns = [canonical_column(c) for c in (DEFAULT_COLUMNS if not columns else columns)]
    if out is None:
        if len(runs) != 1:
            raise ConfigError("--out FILE is required when plotting several runs")
        out = default_plot_path(runs[0], columns)
    out = Path(out)
    if out.suffix.lower() not in _FORMATS:
        raise ConfigError(f"--out {out}: the file must end in {', '.join(_FORMATS)}")
    if dpi is not None and dpi <= 0:
        raise ConfigError(f"--dpi must be positive, got {dpi}")
    fig = metrics_figure(
        runs, columns, x=x, time_unit=time_unit, labels=labels, size=size, title=title
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    save_kwargs: dict[str, Any] = {"dpi": 100 if dpi is None else dpi}
    if out.suffix.lower() == ".png":
        save_kwargs["pil_kwargs"] = {"optimize": True}
    fig.savefig(out, **save_kwargs)
    return out
