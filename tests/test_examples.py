"""Every example configuration in ``configs/`` is checked and run (shortened) as a test.

For each ``configs/*.yaml``: ``lidendrite check`` accepts it, and a run of its protocol cut
to a few time steps completes and writes the whole run directory. The protocol is shortened
through ``--set`` overrides chosen from the YAML itself (the one-step shorthand or an explicit
``operation.protocol``). References: the overridden protocol (end time, frame times), Faraday's
law for the Li plated by a galvanostatic protocol, and the recorded current history.

Runs in-process through :func:`lidendrite.cli.main`, so it also runs under ``mpirun``.
"""

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml

from lidendrite.cli import main
from lidendrite.config import config_hash, load_config
from lidendrite.io.frames import list_frames

FARADAY = 96485.33212  # C/mol (CODATA 2018)

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"
#: The example cases, the one config per seed material in configs/materials/ and the
#: seed-002 study in configs/seed002/.
CONFIGS = [
    *sorted(CONFIG_DIR.glob("*.yaml")),
    *sorted((CONFIG_DIR / "materials").glob("*.yaml")),
    *sorted((CONFIG_DIR / "seed002").glob("*.yaml")),
]

#: Time steps of the shortened protocol per protocol step (at the config's first step size).
STEPS_PER_SEGMENT = 3
#: Protocol steps kept from an explicit ``operation.protocol``.
MAX_SEGMENTS = 2


def shared_dir(tmp_path, comm) -> Path:
    return Path(comm.bcast(str(tmp_path), root=0))


def shortened(path: Path) -> tuple[list[str], list[dict]]:
    """``--set`` overrides that cut a config's protocol to a few steps, and the steps kept."""
    raw = yaml.safe_load(path.read_text()) or {}
    operation = raw.get("operation") or {}
    cfg = load_config(path)
    duration_s = STEPS_PER_SEGMENT * cfg.numerics.dt_initial_s
    if "protocol" in operation:
        steps = []
        for step in cfg.operation.protocol[:MAX_SEGMENTS]:
            kept = {"duration_s": duration_s}
            if step.current_density_A_per_m2 is not None:
                kept["current_density_A_per_m2"] = step.current_density_A_per_m2
            if step.voltage_V is not None:
                kept["voltage_V"] = step.voltage_V
            steps.append(kept)
        overrides = [f"operation.protocol={json.dumps(steps)}"]
    else:
        (step,) = cfg.operation.protocol
        steps = [
            {
                "duration_s": duration_s,
                "current_density_A_per_m2": step.current_density_A_per_m2,
                "voltage_V": step.voltage_V,
            }
        ]
        overrides = [f"operation.duration_s={duration_s!r}"]
    total_s = duration_s * len(steps)
    overrides += ["operation.repeat=1", f"output.every_s={total_s / 2!r}"]
    return overrides, steps


def read_metrics(path: Path) -> dict[str, np.ndarray]:
    rows = np.genfromtxt(path, delimiter=",", names=True, dtype=np.float64)
    return {name: np.atleast_1d(rows[name]) for name in rows.dtype.names}


def test_configs_found():
    names = {p.name for p in CONFIGS}
    assert {"demo.yaml", "seed002_lpc.yaml", "seed002_lpc_ucpba.yaml"} <= names
    assert {"lpc_ucpba_particles.yaml", "anionic_mof_pellet.yaml"} <= names


@pytest.mark.parametrize("config", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_check_accepts_example(config, capsys, comm):
    code = main(["check", str(config)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "error" not in err.lower()
    if comm.rank == 0:
        # The hash printed is that of the configuration as loaded here.
        assert f"valid (config hash {config_hash(load_config(config))})" in out
        assert "mesh: " in out and " cells, " in out


@pytest.mark.parametrize("config", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shortened_example_run(config, tmp_path, comm, capsys):
    check_shortened_run(config, shared_dir(tmp_path, comm) / config.stem, comm, capsys)


def test_shortened_protocol_run(tmp_path, comm, capsys):
    """A config with an explicit ``operation.protocol`` (plate, then strip) is shortened too."""
    base = shared_dir(tmp_path, comm)
    config = base / "protocol.yaml"
    if comm.rank == 0:
        data = yaml.safe_load((CONFIG_DIR / "seed002_lpc.yaml").read_text())
        for key in ("current_density_A_per_m2", "duration_s"):
            data["operation"].pop(key)
        data["operation"]["protocol"] = [
            {"current_density_A_per_m2": 3.0, "duration_s": 600.0},
            {"current_density_A_per_m2": -3.0, "duration_s": 600.0},
            {"current_density_A_per_m2": 0.0, "duration_s": 600.0},
        ]
        data["operation"]["repeat"] = 5
        config.write_text(yaml.safe_dump(data))
    comm.barrier()
    overrides, steps = shortened(config)
    assert overrides[0].startswith("operation.protocol=")
    assert [s["current_density_A_per_m2"] for s in steps] == [3.0, -3.0]
    check_shortened_run(config, base / "run", comm, capsys)


def check_shortened_run(config, out, comm, capsys):
    overrides, steps = shortened(config)
    argv = ["run", str(config), "--out", str(out), "-q"]
    for o in overrides:
        argv += ["--set", o]
    code = main(argv)
    _, err = capsys.readouterr()
    assert code == 0, err
    comm.barrier()

    total_s = sum(s["duration_s"] for s in steps)
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "completed"
    assert status["time_s"] == pytest.approx(total_s, rel=1e-9)

    resolved = yaml.safe_load((out / "config.resolved.yaml").read_text())
    assert [s["duration_s"] for s in resolved["operation"]["protocol"]] == pytest.approx(
        [s["duration_s"] for s in steps]
    )
    assert resolved["output"]["every_s"] == pytest.approx(total_s / 2)

    m = read_metrics(out / "metrics.csv")
    assert m["time_s"][0] == 0.0
    assert m["time_s"][-1] == pytest.approx(total_s, rel=1e-9)
    assert np.all(np.diff(m["time_s"]) > 0)
    assert np.all(np.isfinite(m["cell_voltage_V"]))
    # Li plated = Omega / F * integral of the current (backward rectangle rule, as stepped).
    omega = resolved["kinetics"]["molar_volume_m3_per_mol"]
    from_history = np.sum(m["dt_s"] * m["anode_current_density_A_per_m2"]) * omega / FARADAY * 1e6
    assert m["li_plated_um"][-1] == pytest.approx(from_history, rel=1e-6, abs=1e-12)
    if all(s.get("current_density_A_per_m2") is not None for s in steps):
        # Galvanostatic: Faraday's law for the protocol itself, to 1e-6 of the charge passed
        # (linearly implicit steps, as in the seed configs, meet the current constraint to the
        # Newton error of their one iteration, not to round-off)
        charge = sum(s["current_density_A_per_m2"] * s["duration_s"] for s in steps)
        passed = sum(abs(s["current_density_A_per_m2"]) * s["duration_s"] for s in steps)
        to_um = omega / FARADAY * 1e6
        assert m["li_plated_um"][-1] == pytest.approx(
            charge * to_um, rel=1e-6, abs=1e-6 * passed * to_um
        )

    # Frames at t = 0, every output.every_s, and the end: 3 for every_s = total / 2.
    n_frames = 1 + math.ceil(total_s / (total_s / 2) - 1e-9)
    assert len(list_frames(out)) == n_frames
    datasets = ET.parse(out / "fields.pvd").getroot().iter("DataSet")
    times = [float(d.get("timestep")) for d in datasets]
    np.testing.assert_allclose(times, np.linspace(0.0, total_s, n_frames), rtol=1e-9, atol=1e-15)
    for d in ET.parse(out / "fields.pvd").getroot().iter("DataSet"):
        assert (out / d.get("file")).is_file()
