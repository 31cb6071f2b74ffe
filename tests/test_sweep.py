"""``lidendrite sweep``: cases agree with single runs, resume after an interruption, failures
stay with their case, and a bad sweep file is one line, exit 2, nothing written.

Cases are a flat, non-moving 4 x 4 um cell for 1 s (a second or two each, most of it process
start). The sweeps run as subprocesses (``python -m lidendrite.cli sweep``), as a user runs them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from lidendrite.cli import main
from lidendrite.sweep.runner import in_shard
from lidendrite.sweep.spec import expand_cases, load_sweep
from lidendrite.sweep.summary import headline_outputs

pytestmark = pytest.mark.serial

BASE = {
    "title": "sweep test cell",
    "cell": {"width_um": 4.0, "thickness_um": 4.0, "anode": {"shape": "flat"}},
    "mesh": {"size_at_anode_um": 0.5, "size_bulk_um": 1.0, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "NH2-Li-G62"},
    "operation": {"current_density_A_per_m2": 50.0, "duration_s": 1.0},
    "numerics": {"dt_initial_s": 0.05, "dt_max_s": 0.5},
    "output": {"every_s": 0.5, "vtx": False},
}
GRID = {
    "base": "base.yaml",
    "mode": "grid",
    "axes": {
        "electrolyte.transference_number": [0.31, 0.6, 0.9],
        "operation.protocol[0].current_density_A_per_m2": {
            "start": 20,
            "stop": 60,
            "num": 2,
            "scale": "log",
        },
    },
}
NOT_COMPARED = {"wall_time_s", "reason"}


def _write(tmp: Path, sweep: dict, name: str = "sweep.yaml") -> Path:
    (tmp / "base.yaml").write_text(yaml.safe_dump(BASE))
    path = tmp / name
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "HYDRA_", "OMPI_"))}
    return {**env, **extra}


def _sweep_cmd(sweep: Path, out: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "lidendrite.cli", "sweep", str(sweep), "--out", str(out), *args]


def _run(sweep: Path, out: Path, *args: str, env=None, timeout: float = 90) -> int:
    proc = subprocess.run(
        _sweep_cmd(sweep, out, "-q", *args),
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode in (0, 1, 3), proc.stdout + proc.stderr
    return proc.returncode


def _summary(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return {r["case_id"]: r for r in csv.DictReader(fh)}


def _assert_same(a: dict[str, str], b: dict[str, str], rtol: float = 1e-7) -> None:
    for key, va in a.items():
        if key in NOT_COMPARED:
            continue
        try:
            fa, fb = float(va), float(b[key])
        except ValueError:
            assert va == b[key], key
            continue
        if math.isnan(fa):
            assert math.isnan(fb), key
        else:
            # a CV near zero (a nearly uniform current) amplifies solver-level differences
            # between rank counts: compare it absolutely
            tol = 1e-9 if key == "anode_current_cv" else 1e-12
            assert fb == pytest.approx(fa, rel=rtol, abs=tol), key


def _fingerprint(case_dir: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(case_dir)): (
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(case_dir.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory) -> tuple[Path, Path]:
    """The 6-case grid, J = 2 cases at a time, K = 1 rank each."""
    tmp = tmp_path_factory.mktemp("grid")
    sweep = _write(tmp, GRID)
    out = tmp / "j2k1"
    assert _run(sweep, out, "--jobs", "2") == 0
    return sweep, out


def test_grid_matches_single_runs_and_ranks(grid_sweep, tmp_path):
    from lidendrite.config import load_config
    from lidendrite.simulation import run

    sweep, out = grid_sweep
    rows = _summary(out)
    assert len(rows) == 6 and {r["status"] for r in rows.values()} == {"completed"}
    assert {r["operation.protocol[0].current_density_A_per_m2"] for r in rows.values()} == {
        "20",
        "60",
    }
    # every case alone, in this process
    for case_id, row in rows.items():
        cfg = load_config(out / "inputs" / f"{case_id}.yaml")
        result = run(cfg, tmp_path / case_id, catch_errors=True)
        assert result.status == "completed"
        alone = headline_outputs(tmp_path / case_id)
        for key, value in alone.items():
            if key != "wall_time_s":
                assert float(row[key] or "nan") == pytest.approx(value, rel=1e-7, nan_ok=True)
    # J = 1 case at a time on K = 2 ranks
    out2 = tmp_path / "j1k2"
    assert _run(sweep, out2, "--jobs", "1", "--ranks-per-case", "2") == 0
    rows2 = _summary(out2)
    assert rows2.keys() == rows.keys()
    for case_id in rows:
        _assert_same(rows[case_id], rows2[case_id], rtol=1e-6)


def test_interrupt_and_resume_adds_cases_without_recomputing(grid_sweep, tmp_path):
    sweep, reference = grid_sweep
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        _sweep_cmd(sweep, out, "-q", "--jobs", "1"),
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # two cases finished, the third one started
        done = [p for p in (out / "cases").glob("*/status.json") if "completed" in p.read_text()]
        started = list((out / "records").glob("*.json")) if (out / "records").is_dir() else []
        if len(done) >= 2 and len(started) > len(done):
            break
        time.sleep(0.05)
    time.sleep(0.5)  # mid-case
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 3, stdout + stderr
    finished = {
        p.parent.name
        for p in (out / "cases").glob("*/status.json")
        if json.loads(p.read_text())["status"] == "completed"
    }
    assert 2 <= len(finished) < 6
    stopped = [
        json.loads(p.read_text())
        for p in (out / "records").glob("*.json")
        if json.loads(p.read_text())["attempts"][-1]["outcome"] == "interrupted"
    ]
    assert stopped, "no case was interrupted mid-run"
    prints = {c: _fingerprint(out / "cases" / c) for c in finished}

    # same command, with one more transference number added to the sweep file
    bigger = json.loads(json.dumps(GRID))
    bigger["axes"]["electrolyte.transference_number"].append(0.75)
    assert _run(_write(sweep.parent, bigger, "bigger.yaml"), out, "--jobs", "2") == 0
    for c in finished:
        assert _fingerprint(out / "cases" / c) == prints[c], f"{c} was touched"
    for record in stopped:
        case_id = record["case_id"]
        now = json.loads((out / "records" / f"{case_id}.json").read_text())
        assert [a["outcome"] for a in now["attempts"]] == ["interrupted", "completed"]
    rows, expected = _summary(out), _summary(reference)
    assert len(rows) == 8 and {r["status"] for r in rows.values()} == {"completed"}
    for case_id, row in expected.items():
        _assert_same(row, rows[case_id])


def test_bad_and_crashing_cases_fail_alone(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import os, sys, time\n"
        "argv = ' '.join(sys.orig_argv)\n"
        "if os.environ.get('LID_TEST_CRASH', '-') in argv:\n"
        "    os.abort()\n"
        "if os.environ.get('LID_TEST_HANG', '-') in argv:\n"
        "    time.sleep(600)\n"
    )
    sweep = _write(
        tmp_path,
        {
            "base": "base.yaml",
            "mode": "zip",
            "axes": {"electrolyte.transference_number": [0.5, 1.3, 0.6, 0.7]},
        },
    )
    ids = [c.case_id for c in expand_cases(load_sweep(sweep))]
    ok, invalid, crash, hang = ids
    assert invalid.startswith("invalid-")
    path = os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])
    env = _env(PYTHONPATH=path, LID_TEST_CRASH=crash, LID_TEST_HANG=hang)
    out = tmp_path / "out"
    assert _run(sweep, out, "--jobs", "2", "--case-timeout-s", "15", env=env) == 1
    rows = _summary(out)
    assert rows[ok]["status"] == "completed"
    assert rows[invalid]["status"] == "failed"
    assert "electrolyte.transference_number = 1.3" in rows[invalid]["reason"]
    assert rows[crash]["status"] == "failed" and "SIGABRT" in rows[crash]["reason"]
    assert rows[hang]["status"] == "failed" and "timed out after 15 s" in rows[hang]["reason"]
    assert not (out / "cases" / invalid).exists()
    prints = _fingerprint(out / "cases" / ok)
    # again: failed cases stay failed without --retry-failed, and run again with it
    assert _run(sweep, out, env=env) == 1
    assert len(json.loads((out / "records" / f"{crash}.json").read_text())["attempts"]) == 1
    assert _run(sweep, out, "--jobs", "2", "--retry-failed") == 1  # the invalid case remains
    rows = _summary(out)
    assert rows[crash]["status"] == rows[hang]["status"] == "completed"
    assert _fingerprint(out / "cases" / ok) == prints


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ({"base": "base.yaml", "axes": {"electrolyte.transference_numbr": [0.5]}}, "did you mean"),
        ({"base": "base.yaml", "axes": {"electrolyte.transference_number": []}}, "at least one"),
        (
            {
                "base": "base.yaml",
                "mode": "zip",
                "axes": {"cell.width_um": [4, 5], "cell.thickness_um": [4]},
            },
            "one length",
        ),
        (
            {"base": "base.yaml", "axes": {"cell.width_um": {"start": 1, "stop": 2, "num": 0}}},
            "num = 0",
        ),
        ({"base": "missing.yaml", "axes": {"cell.width_um": [4]}}, "not found"),
    ],
    ids=["unknown-key", "empty-axis", "zip-lengths", "range-num", "missing-base"],
)
def test_bad_sweep_file_is_one_line_exit_2(tmp_path, capsys, sweep, message):
    path = _write(tmp_path, sweep)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lidendrite: error:") and "\n" not in err and message in err, err
    assert not out.exists()


def test_dry_run_and_emit_slurm_run_nothing(tmp_path, capsys):
    sweep = _write(tmp_path, {**GRID, "repeats": {"cell.anode.seed": [1, 2]}})
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--dry-run"]) == 0
    listing = capsys.readouterr().out
    assert "12 cases" in listing and "cell.anode.seed=2" in listing
    assert not out.exists()
    assert main(["sweep", str(sweep), "--out", str(out), "--emit", "slurm", "--shards", "3"]) == 0
    script = (out / "sweep.sbatch").read_text()
    assert "#SBATCH --array=0-2%4" in script and '--shard "$SLURM_ARRAY_TASK_ID/3"' in script
    assert "sbatch" in capsys.readouterr().out
    assert not (out / "cases").exists()
    ids = [c.case_id for c in expand_cases(load_sweep(sweep))]
    shards = [[i for i in ids if in_shard(i, (k, 3))] for k in range(3)]
    assert sorted(sum(shards, [])) == sorted(ids)


def test_plot_and_gallery_of_a_sweep(grid_sweep, tmp_path):
    pytest.importorskip("matplotlib")
    _, out = grid_sweep
    assert main(["plot", str(out), "--out", str(tmp_path / "plots")]) == 0
    names = {p.name for p in (tmp_path / "plots").iterdir()}
    for stem in ("headline_vs_transference_number", "heatmap", "tip_height_vs_time"):
        assert {f"{stem}.png", f"{stem}.pdf"} <= names
    pytest.importorskip("pyvista")
    args = ["render", str(out), "--grid", "--streamlines", "0", "--layout", "double"]
    assert main([*args, "--out", str(tmp_path / "grid")]) == 0
    assert (tmp_path / "grid" / "grid_flux.png").stat().st_size > 0


def test_rerun_resumes_from_checkpoints_or_moves_the_attempt_aside(tmp_path, monkeypatch):
    from lidendrite.sweep import runner

    out = tmp_path / "out"
    sweeper = runner.SweepRunner(out, [], runner.RunOptions())
    case = out / "cases" / "abc"
    (case / "checkpoints").mkdir(parents=True)
    (case / "metrics.csv").write_text("time_s\n0\n")
    monkeypatch.setattr(runner, "resumable", lambda case_dir, config_hash: True)
    assert sweeper._prepare("abc", {"attempts": []}) is True  # `lidendrite run --resume`
    assert (case / "metrics.csv").exists()
    assert "--resume" in runner.case_command(out, "abc", 1, resume=True)
    monkeypatch.setattr(runner, "resumable", lambda case_dir, config_hash: False)
    record: dict = {"attempts": [{"outcome": "running"}]}
    assert sweeper._prepare("abc", record) is False  # no valid checkpoint: a fresh run
    assert sorted(p.name for p in case.iterdir()) == ["attempts"]
    assert (case / "attempts" / "1" / "metrics.csv").exists()
    assert record["attempts"][-1]["outcome"] == "interrupted"
    assert runner.case_command(out, "abc", 2)[1:3] == ["-n", "2"]
