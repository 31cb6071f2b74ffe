"""Figures of a sweep directory (``lidendrite plot OUT``) and its gallery (``render OUT --grid``).

Written into ``OUT/plots/`` (PNG and PDF of each):

- ``headline_vs_<axis>``: each headline output against the first swept key, one line per value
  of the other keys (grid) or of the repeats (zip: the other axes move with the first); a
  categorical axis when the values are not numbers;
- ``heatmap``: for a 2-D grid, one heat map per headline output (rows: the second key);
- ``tip_height_vs_time``: tip height above the mean surface against time, one line per case.

Matplotlib is imported when a figure is drawn (Agg canvas, no pyplot state).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lidendrite.errors import ConfigError
from lidendrite.sweep.summary import read_metrics, read_table

__all__ = ["PLOTTED_OUTPUTS", "plot_sweep", "sweep_axes", "sweep_gallery_runs"]

#: Headline outputs drawn against the swept keys.
PLOTTED_OUTPUTS = (
    ("tip_height_above_mean_um", "Tip height above mean (µm)"),
    ("tip_current_ratio", "Tip current ratio"),
    ("event_time_s", "Time to short circuit / depletion (s)"),
    ("roughness_growth_rate_um_per_s", "Roughness growth rate (µm/s)"),
    ("mean_cell_voltage_V", "Mean cell voltage (V)"),
    ("anode_current_cv", "CV of anode current"),
)


def sweep_axes(out: Path) -> tuple[list[str], str, list[str]]:
    """The swept keys (axes, then repeats), the mode and the repeat keys of a sweep directory."""
    data = yaml.safe_load((out / "sweep.yaml").read_text()) or {}
    repeats = list(data.get("repeats") or {})
    return [*(data.get("axes") or {}), *repeats], str(data.get("mode", "grid")), repeats


def _num(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


#: Compact names of common swept keys for panel titles.
_SYMBOLS = {"transference_number": "t+", "current_density_A_per_m2": "i"}


def _panel_label(key: str, value: str) -> str:
    name = _short(key)
    return f"{_SYMBOLS.get(name, name)} = {value}"


def _value_names(rows: list[dict[str, str]], key: str) -> dict[str, str]:
    """Legend names of a key's values: the value, or ``#1, #2, …`` (sweep order) when long.

    A whole sub-section as a value (a filler layout) is unreadable in a legend; the numbers
    follow the order of the cases in the summary (the sweep file's order).
    """
    values = list(dict.fromkeys(r[key] for r in rows))
    if all(len(v) <= 24 for v in values):
        return {v: v for v in values}
    return {v: f"#{i + 1}" for i, v in enumerate(values)}


def _positions(values: list[str]) -> tuple[dict[str, float], bool]:
    """Where each distinct value of a key goes on an axis; whether the axis is numeric."""
    distinct = list(dict.fromkeys(values))
    if all(math.isfinite(_num(v)) for v in distinct):
        return {v: _num(v) for v in distinct}, True
    return {v: float(i) for i, v in enumerate(distinct)}, False


def _save(fig: Any, out_dir: Path, name: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.png", out_dir / f"{name}.pdf"]
    for p in paths:
        fig.savefig(p, dpi=100)
    return paths


def _figure(n_panels: int, ncols: int = 3) -> tuple[Any, list[Any]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ncols = min(ncols, n_panels)
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(4.2 * ncols, 3.3 * nrows + 0.4), dpi=100)
    FigureCanvasAgg(fig)
    axes = list(np.ravel(fig.subplots(nrows, ncols, squeeze=False)))
    for ax in axes[n_panels:]:
        fig.delaxes(ax)
    fig.set_layout_engine("constrained")
    return fig, axes[:n_panels]


def _outputs(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [
        (col, label)
        for col, label in PLOTTED_OUTPUTS
        if any(math.isfinite(_num(r.get(col, ""))) for r in rows)
    ]


def _lines(
    rows: list[dict[str, str]], keys: list[str], others: list[str], out_dir: Path
) -> list[Path]:
    """Outputs vs ``keys[0]``, one line per value of ``others``."""
    first = keys[0]
    pos, numeric = _positions([r[first] for r in rows])
    outputs = _outputs(rows)
    if not outputs:
        return []
    fig, axes = _figure(len(outputs))
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in others), []).append(r)
    names = {k: _value_names(rows, k) for k in others}
    for ax, (col, label) in zip(axes, outputs, strict=True):
        for group, members in groups.items():
            members = sorted(members, key=lambda r: pos[r[first]])
            x = [pos[r[first]] for r in members]
            y = [_num(r.get(col, "")) for r in members]
            name = ", ".join(
                f"{_short(k)}={names[k][v]}" for k, v in zip(others, group, strict=True)
            )
            ax.plot(x, y, marker="o", label=name or None)
        ax.set_xlabel(_short(first))
        ax.set_ylabel(label)
        if not numeric:
            ax.set_xticks(list(pos.values()), [v[:28] for v in pos], rotation=20)
    if others and len(groups) > 1:
        axes[0].legend(fontsize=7)
    fig.suptitle(f"sweep outputs vs {first}", fontsize=11)
    return _save(fig, out_dir, f"headline_vs_{_short(first)}")


def _heatmap(rows: list[dict[str, str]], keys: list[str], out_dir: Path) -> list[Path]:
    kx, ky = keys
    xs = list(dict.fromkeys(r[kx] for r in rows))
    ys = list(dict.fromkeys(r[ky] for r in rows))
    outputs = _outputs(rows)
    if not outputs or len(xs) < 2 or len(ys) < 2:
        return []
    fig, axes = _figure(len(outputs))
    for ax, (col, label) in zip(axes, outputs, strict=True):
        grid = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            grid[ys.index(r[ky]), xs.index(r[kx])] = _num(r.get(col, ""))
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for (i, j), v in np.ndenumerate(grid):
            if math.isfinite(v):
                ax.text(j, i, f"{v:.4g}", ha="center", va="center", fontsize=7, color="w")
        ax.set_xticks(range(len(xs)), [v[:12] for v in xs])
        ax.set_yticks(range(len(ys)), [v[:12] for v in ys])
        ax.set_xlabel(_short(kx))
        ax.set_ylabel(_short(ky))
        ax.set_title(label, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8)
    return _save(fig, out_dir, "heatmap")


def plot_sweep(out: Path, out_dir: Path | None = None) -> list[Path]:
    """Draw the figures of a sweep directory; the paths written (PNG and PDF).

    Raises:
        ConfigError: No ``summary.csv`` yet, or no case with results.
    """
    summary = out / "summary.csv"
    if not summary.exists():
        raise ConfigError(f"{out}: no summary.csv (run `lidendrite sweep` first)")
    keys, mode, repeats = sweep_axes(out)
    rows = read_table(summary)
    if not rows:
        raise ConfigError(f"{summary}: no cases")
    target = out_dir if out_dir is not None else out / "plots"
    # zip: the other axes move with the first one; only repeats make separate lines
    written = _lines(rows, keys, keys[1:] if mode == "grid" else repeats, target)
    varying = [k for k in keys if len({r[k] for r in rows}) > 1]
    if mode == "grid" and len(varying) == 2:
        written += _heatmap(rows, varying, target)
    fig_rows = [r for r in rows if (out / "cases" / r["case_id"] / "metrics.csv").exists()]
    written += _tip_vs_time(fig_rows, keys, out, target)
    if not written:
        raise ConfigError(f"{out}: no case has results to plot yet")
    return written


def _tip_vs_time(
    rows: list[dict[str, str]], keys: list[str], out: Path, target: Path
) -> list[Path]:
    fig, (ax,) = _figure(1)
    fig.set_size_inches(7.5, 4.5)
    drawn = 0
    for r in rows:
        m = read_metrics(out / "cases" / r["case_id"] / "metrics.csv")
        if "time_s" not in m or "tip_height_um" not in m:
            continue
        tip = m["tip_height_um"] - m.get("mean_height_um", 0.0)
        ax.plot(m["time_s"], tip, label=", ".join(f"{_short(k)}={r[k]}" for k in keys))
        drawn += 1
    if not drawn:
        return []
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Tip height above mean (µm)")
    ax.legend(fontsize=6, ncols=2 if drawn > 8 else 1)
    return _save(fig, target, "tip_height_vs_time")


def sweep_gallery_runs(out: Path) -> tuple[list[Path], list[str]]:
    """The case directories of a sweep that have frames, and a label of swept values for each.

    ``lidendrite render OUT --grid`` draws their final frames as one gallery.
    """
    keys = sweep_axes(out)[0]
    rows = read_table(out / "summary.csv") if (out / "summary.csv").exists() else []
    runs, labels = [], []
    for r in rows:
        case = out / "cases" / r["case_id"]
        if any((case / "frames").glob("*.npz")):
            runs.append(case)
            labels.append(", ".join(_panel_label(k, r[k]) for k in keys))
    if not runs:
        raise ConfigError(f"{out}: no case has frames to render yet")
    return runs, labels
