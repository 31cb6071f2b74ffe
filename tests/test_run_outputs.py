"""What a run tells the user: config warnings (printed, in run.log and status.json), valid JSON,
file modes that follow the umask, a ``config.resolved.yaml`` that runs again, and the CLI
niceties (help without arguments, no BrokenPipe traceback).

References: the messages name the key and the conversion (1 mA/cm² = 10 A/m², 1 m = 1e6 µm);
``json.loads`` with NaN rejected; ``os.stat`` modes against ``0o666 & ~umask``.
"""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lidendrite.case import Case
from lidendrite.cli import main
from lidendrite.config import load_config
from lidendrite.plausibility import applicable_derived, config_warnings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "configs" / "seed002_lpc.yaml"
SHORT = [
    "operation.duration_s=0.004",
    "numerics.moving_boundary=false",
    "operation.current_density_A_per_m2=0.3",
]


def warnings_for(*overrides):
    cfg = load_config(SEED, list(overrides))
    return config_warnings(cfg, Case.from_config(cfg).derived)


def test_unit_plausibility_warnings():
    text = "\n".join(warnings_for("operation.current_density_A_per_m2=0.3"))
    assert "0.03 mA/cm^2" in text and "write 3 (1 mA/cm^2 = 10 A/m^2)" in text
    text = "\n".join(warnings_for("cell.anode.defect_radius_um=10e-6"))
    assert "cell.anode.defect_radius_um = 1e-05 um" in text and "write 10 (1 m = 1e6 um)" in text
    text = "\n".join(warnings_for("electrolyte.salt_concentration_mol_per_m3=1"))
    assert "write 1000 (1 M = 1000 mol/m^3)" in text
    assert not [w for w in warnings_for() if "unusually" in w or "below 1 nm" in w]


def test_sand_time_and_gap_only_where_they_apply():
    cfg = load_config(SEED)
    derived = Case.from_config(cfg).derived
    assert derived["current_ratio"][0] < 1
    assert "sand_time" not in applicable_derived(derived)  # this cell cannot deplete
    deep = ["operation.current_density_A_per_m2=300", "operation.duration_s=36000"]
    assert any("gap to the counter electrode" in w for w in warnings_for(*deep))
    cfg = load_config(SEED, ["operation.current_density_A_per_m2=2000"])
    assert "sand_time" in applicable_derived(Case.from_config(cfg).derived)


@pytest.mark.serial
def test_run_saves_warnings_valid_json_modes_and_reruns(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", str(SEED), "--out", str(out)]
    for item in SHORT:
        argv += ["--set", item]
    old = os.umask(0o022)
    try:
        assert main(argv) == 0
    finally:
        os.umask(old)
    printed = capsys.readouterr()
    assert "0.03 mA/cm^2" in printed.out + printed.err
    status = json.loads(
        (out / "status.json").read_text(),
        parse_constant=lambda c: pytest.fail(f"status.json holds {c}"),
    )
    assert any("0.03 mA/cm^2" in w for w in status["warnings"])
    assert "0.03 mA/cm^2" in (out / "run.log").read_text()
    files = [out / "fields.pvd", *(out / "frames").iterdir(), *(out / "fields").iterdir()]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    # the resolved config runs again (its _provenance/_derived/_case keys are ignored)
    resolved = out / "config.resolved.yaml"
    assert "lidendrite_git" in resolved.read_text()
    assert main(["check", str(resolved), "--no-mesh"]) == 0
    again = tmp_path / "again"
    assert main(["run", str(resolved), "--out", str(again), "-q"]) == 0
    assert json.loads((again / "status.json").read_text())["status"] == "completed"


def test_recorder_writes_null_for_nan(tmp_path):
    from mpi4py import MPI

    from lidendrite.io.recorder import Recorder

    rec = Recorder(tmp_path, MPI.COMM_SELF, {"title": "x"}, frames=False)
    rec.write_status("failed", time_s=float("nan"), nested={"a": [float("inf"), 1.0]})
    rec.close()
    data = json.loads((tmp_path / "status.json").read_text())
    assert data["time_s"] is None and data["nested"]["a"] == [None, 1.0]


@pytest.mark.serial
def test_help_without_arguments_and_no_broken_pipe():
    exe = [sys.executable, "-m", "lidendrite.cli"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    res = subprocess.run(exe, capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0 and "usage: lidendrite" in res.stdout and not res.stderr
    for args in (["presets"], ["check", str(SEED), "--no-mesh"]):
        cmd = " ".join([*exe, *args]) + " | head -1"
        res = subprocess.run(
            ["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, env=env
        )
        assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr, res.stderr
        assert res.returncode == 0 and len(res.stdout.splitlines()) == 1
