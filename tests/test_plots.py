"""``lidendrite plot``: metrics of run directories drawn with Matplotlib.

The run directories are synthetic (a ``metrics.csv`` and a ``config.resolved.yaml`` written
here from analytic curves); the references are those curves, the file written by the csv
module, and an image reader.
"""

import csv

import numpy as np
import pytest
import yaml

from lidendrite.cli import main
from lidendrite.errors import ConfigError

pytest.importorskip("matplotlib")
imageio = pytest.importorskip("imageio.v2")

from lidendrite.render.plots import (  # noqa: E402
    axis_label,
    column_unit,
    metrics_figure,
    plot_metrics,
)

pytestmark = pytest.mark.serial

HEADER = [
    "time_s",
    "cell_voltage_V",
    "tip_height_um",
    "mean_height_um",
    "tip_current_ratio",
    "status",
]


def curves(n, rate_um_per_h):
    """Analytic metrics: linear tip growth, exponential voltage decay, a saturating ratio."""
    t = np.linspace(0.0, 7200.0, n)
    return {
        "time_s": t,
        "cell_voltage_V": -0.03 * np.exp(-t / 1800.0),
        "tip_height_um": 0.5 + rate_um_per_h * t / 3600.0,
        "mean_height_um": 0.8 * rate_um_per_h * t / 3600.0,
        "tip_current_ratio": 1.0 + 0.5 * (1.0 - np.exp(-t / 3600.0)),
    }


def make_run(path, config, n=25, rate_um_per_h=1.45):
    path.mkdir(parents=True)
    data = curves(n, rate_um_per_h)
    with open(path / "metrics.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(n):
            writer.writerow([repr(float(data[c][i])) for c in HEADER[:-1]] + ["ok"])
    (path / "config.resolved.yaml").write_text(yaml.safe_dump(config))
    return path, data


@pytest.fixture
def runs(tmp_path):
    a = make_run(tmp_path / "lpc", {"title": "LPC (filler-free)", "electrolyte": {}})
    b = make_run(
        tmp_path / "pba",
        {"title": "", "electrolyte": {"preset": "LPC@2%UCPBA"}},
        n=31,
        rate_um_per_h=2.0,
    )
    return a, b


def test_png_has_requested_size_and_content(runs, tmp_path):
    (run, _), _ = runs
    out = plot_metrics([run], out=tmp_path / "fig.png", size=(640, 300))
    image = imageio.imread(out)
    assert image.shape[:2] == (300, 640)
    rgb = image[..., :3].reshape(-1, 3)
    assert image[..., :3].std() > 5
    assert len(np.unique(rgb, axis=0)) > 20  # lines, text, antialiasing: not a flat image
    # Both Okabe-Ito blue (first run) and dark axes/text are present.
    assert np.any(np.all(np.abs(rgb.astype(int) - [0, 114, 178]) < 30, axis=1))
    assert np.any(rgb.max(axis=1) < 60)


def test_dpi_scales_pixels(runs, tmp_path):
    (run, _), _ = runs
    out = plot_metrics([run], ["tip_height_um"], tmp_path / "fig.png", size=(400, 250), dpi=200)
    assert imageio.imread(out).shape[:2] == (500, 800)


def test_line_data_equal_csv_columns(runs):
    (run_a, data_a), (run_b, data_b) = runs
    cols = ["tip_height_um", "tip_current_ratio", "cell_voltage_V"]
    fig = metrics_figure([run_a, run_b], cols, time_unit="h")
    axes = fig.axes
    assert len(axes) == len(cols)
    for ax, col in zip(axes, cols, strict=True):
        lines = ax.get_lines()
        assert len(lines) == 2
        for line, data in zip(lines, (data_a, data_b), strict=True):
            np.testing.assert_allclose(line.get_xdata(), data["time_s"] / 3600.0, rtol=1e-15)
            np.testing.assert_allclose(line.get_ydata(), data[col], rtol=1e-15)
    # Final tip heights: 0.5 um + rate x 2 h.
    tips = [line.get_ydata()[-1] for line in axes[0].get_lines()]
    np.testing.assert_allclose(tips, [0.5 + 1.45 * 2, 0.5 + 2.0 * 2], rtol=1e-12)
    # Labels: the title, else the electrolyte preset; units from the column suffixes.
    assert [line.get_label() for line in axes[0].get_lines()] == [
        "LPC (filler-free)",
        "LPC@2%UCPBA",
    ]
    assert axes[0].get_ylabel() == "Tip height (µm)"
    assert axes[1].get_ylabel() == "Tip / mean current density"
    assert axes[2].get_ylabel() == "Cell voltage (V)"
    assert axes[0].get_xlabel() == "Time (h)"


def test_time_units_and_custom_labels(runs):
    (run_a, data_a), _ = runs
    for unit, scale in (("s", 1.0), ("min", 60.0)):
        fig = metrics_figure([run_a], ["tip_height_um"], time_unit=unit, labels=["mine"])
        (line,) = fig.axes[0].get_lines()
        np.testing.assert_allclose(line.get_xdata(), data_a["time_s"] / scale)
        assert line.get_label() == "mine"
        assert fig.axes[0].get_xlabel() == f"Time ({unit})"
    # A non-time x axis is not rescaled.
    fig = metrics_figure([run_a], ["tip_height_um"], x="cell_voltage_V", time_unit="h")
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_xdata(), data_a["cell_voltage_V"])


@pytest.mark.parametrize(
    ("column", "unit"),
    [
        ("tip_height_um", "µm"),
        ("cell_voltage_V", "V"),
        ("current_density_A_per_m2", "A m⁻²"),
        ("c_anode_min_mol_per_m3", "mol m⁻³"),
        ("cation_inventory_mol_per_m", "mol m⁻¹"),
        ("tip_current_ratio", ""),
        ("anode_length_ratio", ""),
        ("time_s", "s"),
    ],
)
def test_units_from_suffix(column, unit):
    assert column_unit(column) == unit
    label = axis_label(column)
    assert label.endswith(f"({unit})") if unit else "(" not in label


def test_unknown_column_did_you_mean(runs, tmp_path):
    (run, _), _ = runs
    with pytest.raises(ConfigError, match=r"'tip_heigth_um'.*did you mean 'tip_height_um'\?"):
        plot_metrics([run], ["tip_heigth_um"], tmp_path / "x.png")
    with pytest.raises(ConfigError, match="did you mean 'time_s'"):
        plot_metrics([run], None, tmp_path / "x.png", x="tim_s")
    # A text column is not plottable: it is not offered.
    with pytest.raises(ConfigError, match="unknown metrics column 'status'"):
        plot_metrics([run], ["status"], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_bad_inputs(runs, tmp_path):
    (run_a, _), (run_b, _) = runs
    with pytest.raises(ConfigError, match="does not exist"):
        plot_metrics([tmp_path / "nope"], out=tmp_path / "x.png")
    with pytest.raises(ConfigError, match="--out FILE is required"):
        plot_metrics([run_a, run_b])
    with pytest.raises(ConfigError, match="must end in"):
        plot_metrics([run_a], out=tmp_path / "x.jpg")
    with pytest.raises(ConfigError, match="2 label"):
        plot_metrics([run_a], out=tmp_path / "x.png", labels=["a", "b"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no metrics.csv"):
        plot_metrics([tmp_path / "empty"], out=tmp_path / "x.png")


def test_cli_default_path_and_errors(runs, tmp_path, capsys):
    (run_a, _), (run_b, _) = runs
    assert main(["plot", str(run_a), "--size", "500x300", "--y", "tip_height_um"]) == 0
    expected = run_a / "render" / "plot_tip_height_um.png"
    assert capsys.readouterr().out.strip() == str(expected)
    assert imageio.imread(expected).shape[:2] == (300, 500)

    out = tmp_path / "both.svg"
    assert main(["plot", str(run_a), str(run_b), "--time-unit", "h", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text

    assert main(["plot", str(run_a), "--y", "tip_heigth_um"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "did you mean 'tip_height_um'?" in err[0]
    assert main(["plot", str(run_a), str(run_b)]) == 2
    assert "--out FILE is required" in capsys.readouterr().err


LEGACY_HEADER = ["time_s", "current_density_A_per_m2", "tip_height_um"]


def make_legacy_run(path, n=11):
    """A run written before the rename: the plating current is ``current_density_A_per_m2``."""
    path.mkdir(parents=True)
    t = np.linspace(0.0, 600.0, n)
    current = 3.0 + 0.1 * np.sin(t / 100.0)
    with open(path / "metrics.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(LEGACY_HEADER)
        for row in zip(t, current, 0.01 * t, strict=True):
            writer.writerow([repr(float(v)) for v in row])
    (path / "config.resolved.yaml").write_text(yaml.safe_dump({"title": "old run"}))
    return path, t, current


@pytest.mark.parametrize("asked", ["anode_current_density_A_per_m2", "current_density_A_per_m2"])
def test_metrics_written_before_the_rename(tmp_path, asked):
    """An old metrics.csv plots under today's column name, asked by either name."""
    from lidendrite.render.plots import read_metrics_columns
    from lidendrite.render.rundir import read_metrics

    run, t, current = make_legacy_run(tmp_path / "old")
    for columns in (read_metrics_columns(run), read_metrics(run)):
        assert "current_density_A_per_m2" not in columns
        np.testing.assert_array_equal(columns["anode_current_density_A_per_m2"], current)
    fig = metrics_figure([run], [asked, "tip_height_um"])
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_array_equal(line.get_xdata(), t)
    np.testing.assert_array_equal(line.get_ydata(), current)
    assert fig.axes[0].get_ylabel() == "Anode current density (A m⁻²)"
    assert axis_label(asked) == "Anode current density (A m⁻²)"


def test_cli_plots_old_column_name(tmp_path, capsys):
    run, _, _ = make_legacy_run(tmp_path / "old")
    assert main(["plot", str(run), "--y", "current_density_A_per_m2", "--size", "400x300"]) == 0
    expected = run / "render" / "plot_anode_current_density_A_per_m2.png"
    assert capsys.readouterr().out.strip() == str(expected)
    assert imageio.imread(expected).shape[:2] == (300, 400)
    # a new run asked for by the old name gets the new column too
    new = tmp_path / "new"
    new.mkdir()
    (new / "metrics.csv").write_text("time_s,anode_current_density_A_per_m2\n0,3.0\n60,3.5\n")
    fig = metrics_figure([new], ["current_density_A_per_m2"])
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), [3.0, 3.5])


def test_protrusion_is_the_default_and_derived_for_old_runs(runs):
    """Runs written before ``protrusion_height_um`` existed get it as tip - mean height."""
    from lidendrite.render.plots import DEFAULT_COLUMNS, read_metrics_columns

    (run, _), _ = runs
    assert DEFAULT_COLUMNS[0] == "protrusion_height_um"
    m = read_metrics_columns(run)
    np.testing.assert_allclose(m["protrusion_height_um"], m["tip_height_um"] - m["mean_height_um"])
