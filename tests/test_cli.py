"""The ``lidendrite`` command: bad-input catalogue, ``check``, ``presets``, ``run`` parsing.

The CLI runs in-process (``main(argv)`` returns the exit status); one test runs the installed
console script in a subprocess.
"""

import math
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import lidendrite
from lidendrite.cli import build_parser, main

FARADAY = 96485.33212
GAS_R = 8.314462618

VALID = "electrolyte:\n  preset: Cl-Li-G62\n"

PATTERN = "kinetics:\n  patterns:\n    - {{quantity: exchange_current_density, {}}}\n"

SIGMA = "electrolyte:\n  conductivity_S_per_m: 0.01\n"


def case(case_id, text, fragment, extra=()):
    """One bad input: YAML text (None: a missing file), extra arguments, message fragment."""
    return pytest.param(text, list(extra), fragment, id=case_id)


BAD_INPUTS = [
    case(
        "unknown-section",
        "electrolite:\n  preset: LPC\n",
        "electrolite: unknown key (did you mean 'electrolyte'?)",
    ),
    case(
        "unknown-nested-key",
        VALID + "cell:\n  widht_um: 5\n",
        "cell.widht_um: unknown key (did you mean 'width_um'?)",
    ),
    case(
        "unknown-anode-key",
        VALID + "cell:\n  anode:\n    radius_um: 1\n",
        "cell.anode.radius_um: unknown key (did you mean 'defect_radius_um'?)",
    ),
    case(
        "wrong-type",
        VALID + "cell:\n  width_um: five\n",
        "cell.width_um = 'five': expected a number",
    ),
    case(
        "bool-for-float",
        VALID + "cell:\n  thickness_um: true\n",
        "cell.thickness_um = True: expected a number",
    ),
    case(
        "float-for-int",
        VALID + "operation:\n  repeat: 1.5\n",
        "operation.repeat = 1.5: expected an integer",
    ),
    case("negative-length", VALID + "cell:\n  width_um: -5\n", "cell.width_um = -5: must be > 0"),
    case(
        "t-plus-zero",
        SIGMA + "  transference_number: 0\n",
        "electrolyte.transference_number = 0: must be in (0, 1]",
    ),
    case(
        "t-plus-1.3",
        SIGMA + "  transference_number: 1.3\n",
        "electrolyte.transference_number = 1.3: must be in (0, 1]",
    ),
    case(
        "t-plus-negative",
        SIGMA + "  transference_number: -0.2\n",
        "electrolyte.transference_number = -0.2: must be in (0, 1]",
    ),
    case(
        "unknown-preset",
        "electrolyte:\n  preset: Cl-Li-G26\n",
        "electrolyte.preset = 'Cl-Li-G26': unknown preset (did you mean 'Cl-Li-G62'?)",
    ),
    case(
        "both-routes",
        SIGMA
        + "  transference_number: 0.5\n  diffusivity_cation_m2_per_s: 1.0e-11\n"
        + "  diffusivity_anion_m2_per_s: 1.0e-11\n",
        "not both",
    ),
    case(
        "preset-and-diffusivities",
        VALID + "  diffusivity_cation_m2_per_s: 1.0e-11\n",
        "cannot be combined with electrolyte.preset",
    ),
    case("half-route", SIGMA, "electrolyte.transference_number: missing"),
    case("no-electrolyte", "title: x\n", "electrolyte: no transport properties"),
    case(
        "defect-wider-than-cell",
        VALID + "cell:\n  width_um: 2\n  anode:\n    shape: defect\n    defect_radius_um: 1.5\n",
        "must be narrower than the cell (cell.width_um = 2)",
    ),
    case(
        "defect-outside",
        VALID + "cell:\n  anode:\n    shape: defect\n    defect_x_um: 4.9\n",
        "cell.anode.defect_x_um = 4.9: the defect must lie inside the cell",
    ),
    case(
        "sinusoid-amplitude",
        VALID + "cell:\n  anode:\n    shape: sinusoid\n    amplitude_um: 2\n",
        "cell.anode.amplitude_um = 2: must be < cell.thickness_um / 2 = 1.5",
    ),
    case(
        "unknown-shape",
        VALID + "cell:\n  anode:\n    shape: spiky\n",
        "cell.anode.shape = 'spiky': must be one of 'flat', 'defect', 'sinusoid', 'rough'",
    ),
    case(
        "bad-mode",
        VALID + "operation:\n  mode: galvano\n",
        "operation.mode = 'galvano': must be one of 'galvanostatic', 'potentiostatic'",
    ),
    case(
        "galvanostatic-step-with-voltage",
        VALID + "operation:\n  protocol:\n    - {voltage_V: -0.1, duration_s: 10}\n",
        "operation.protocol[0].voltage_V = -0.1: galvanostatic steps take current_density_A_per_m2",
    ),
    case(
        "potentiostatic-step-with-current",
        VALID + "operation:\n  mode: potentiostatic\n  current_density_A_per_m2: 5\n"
        "  duration_s: 10\n",
        "operation.current_density_A_per_m2 = 5: potentiostatic steps take voltage_V",
    ),
    case(
        "step-without-duration",
        VALID + "operation:\n  protocol:\n    - {current_density_A_per_m2: 5}\n",
        "operation.protocol[0].duration_s: missing (required)",
    ),
    case(
        "empty-protocol",
        VALID + "operation:\n  protocol: []\n",
        "operation.protocol = []: must have at least one step",
    ),
    case(
        "shorthand-and-protocol",
        VALID + "operation:\n  duration_s: 5\n  protocol: [{current_density_A_per_m2: 1, "
        "duration_s: 1}]\n",
        "give either operation.protocol or the one-step shorthand",
    ),
    case(
        "dt-min-above-dt-initial",
        VALID + "numerics:\n  dt_min_s: 0.01\n",
        "numerics.dt_min_s = 0.01: must be < numerics.dt_initial_s = 0.001",
    ),
    case(
        "dt-initial-above-dt-max",
        VALID + "numerics:\n  dt_initial_s: 100\n",
        "numerics.dt_initial_s = 100: must be <= numerics.dt_max_s = 60",
    ),
    case(
        "periodic-sinusoid-not-whole-wavelengths",
        VALID
        + "cell:\n  width_um: 5\n  sides: periodic\n  anode:\n    shape: sinusoid\n"
        + "    wavelength_um: 2\n",
        "cell.anode.wavelength_um = 2: with periodic sides the cell width (5 um) must hold a "
        "whole number of wavelengths",
    ),
    case(
        "unknown-sides",
        VALID + "cell:\n  sides: mirror\n",
        "cell.sides = 'mirror': must be one of 'insulating', 'periodic'",
    ),
    case(
        "temperature-range",
        VALID + "operation:\n  temperature_K: 600\n",
        "operation.temperature_K = 600: must be in (200, 500)",
    ),
    case(
        "size-anode-above-bulk",
        VALID + "mesh:\n  size_at_anode_um: 0.5\n",
        "mesh.size_at_anode_um = 0.5: must be <= mesh.size_bulk_um = 0.25",
    ),
    case(
        "pattern-amplitude-one",
        VALID + PATTERN.format("kind: sinusoid, relative_amplitude: 1.0, wavelength_um: 1"),
        "kinetics.patterns[0].relative_amplitude = 1: must be in (0, 1)",
    ),
    case(
        "pattern-factor-zero",
        VALID + PATTERN.format("kind: patches, segments: [{x_um: [1, 2], factor: 0}]"),
        "kinetics.patterns[0].segments[0].factor = 0: must be > 0",
    ),
    case(
        "pattern-segment-reversed",
        VALID + PATTERN.format("kind: patches, segments: [{x_um: [2, 1], factor: 3}]"),
        "kinetics.patterns[0].segments[0].x_um = [2, 1]: must be [x0, x1] with x0 < x1",
    ),
    case(
        "pattern-unknown-kind",
        VALID + PATTERN.format("kind: stripes"),
        "kinetics.patterns[0].kind = 'stripes': unknown kind; must be one of 'sinusoid', "
        "'patches', 'random'",
    ),
    case(
        "pattern-unknown-quantity",
        VALID
        + "kinetics:\n  patterns:\n    - {quantity: surface_energy, kind: random, "
        + "correlation_um: 1, relative_std: 0.2}\n",
        "kinetics.patterns[0].quantity = 'surface_energy': must be one of "
        "'exchange_current_density', 'film_resistance'",
    ),
    case(
        "film-pattern-without-film",
        VALID
        + "kinetics:\n  patterns:\n    - {quantity: film_resistance, kind: random, "
        + "correlation_um: 1, relative_std: 0.2}\n",
        "kinetics.patterns[0].quantity = film_resistance: patterns multiply, so it needs "
        "kinetics.film_resistance_ohm_m2 > 0 (it is 0)",
    ),
    case("section-not-mapping", VALID + "cell: 5\n", "cell = 5: expected a mapping of keys"),
    case("file-not-mapping", "- a\n- b\n", "the config file must be a mapping"),
    case("missing-file", None, "config file not found"),
    case("yaml-syntax-error", VALID + "cell:\n  width_um: [1, 2\n", "invalid YAML at line"),
    case(
        "set-without-equals",
        VALID,
        "--set 'cell.width_um': expected KEY=VALUE",
        ["--set", "cell.width_um"],
    ),
    case(
        "set-unknown-key",
        VALID,
        "operation.curent_density_A_per_m2: unknown key (did you mean 'current_density_A_per_m2'?)",
        ["--set", "operation.curent_density_A_per_m2=20"],
    ),
    case(
        "negative-fixed-anions",
        VALID + "materials:\n  mof: {conductivity_S_per_m: 0.01, transference_number: 0.9, "
        "fixed_anion_concentration_mol_per_m3: -5}\n",
        "materials.mof.fixed_anion_concentration_mol_per_m3 = -5: must be >= 0",
    ),
    case(
        "material-t-plus-above-1",
        VALID + "materials:\n  mof: {conductivity_S_per_m: 0.01, transference_number: 1.2}\n",
        "materials.mof.transference_number = 1.2: must be in (0, 1]",
    ),
    case(
        "blocking-with-transport",
        VALID + "materials:\n  pba: {blocking: true, conductivity_S_per_m: 0.01}\n",
        "materials.pba.conductivity_S_per_m: a blocking material conducts no ions",
    ),
    case(
        "unknown-material",
        VALID
        + "materials:\n  mof: {conductivity_S_per_m: 0.01, transference_number: 0.9}\n"
        + "cell:\n  fillers: [{kind: layer, y_um: [0, 1], material: mfo}]\n",
        "cell.fillers[0].material = 'mfo': unknown material (did you mean 'mof'?)",
    ),
    case(
        "overlapping-layers",
        VALID
        + "materials:\n  mof: {conductivity_S_per_m: 0.01, transference_number: 0.9}\n"
        + "cell:\n  fillers: [{kind: layer, y_um: [0, 1], material: mof}, "
        + "{kind: layer, y_um: [0.5, 2], material: mof}]\n",
        "cell.fillers[1].y_um = [0.5, 2]: overlaps cell.fillers[0]",
    ),
    case(
        "layer-leaves-cell",
        VALID
        + "materials:\n  mof: {conductivity_S_per_m: 0.01, transference_number: 0.9}\n"
        + "cell:\n  thickness_um: 3\n  fillers: [{kind: layer, y_um: [1, 4], material: mof}]\n",
        "cell.fillers[0].y_um = [1, 4]: must satisfy 0 <= y0 < y1 < cell.thickness_um = 3",
    ),
    case(
        "tdf-without-salt-diffusivity",
        SIGMA + "  transference_number: 0.4\n  thermodynamic_factor: 2\n",
        "electrolyte.thermodynamic_factor = 2: needs electrolyte.salt_diffusivity_m2_per_s",
    ),
    case("set-bad-value", VALID, "cell.width_um = -1: must be > 0", ["--set", "cell.width_um=-1"]),
    case("set-bad-yaml", VALID, "invalid YAML", ["--set", "cell.width_um=[1,"]),
    case("set-unknown-preset", VALID, "did you mean 'LPC'?", ["--set", "electrolyte.preset=LCP"]),
]


def shared_dir(comm, tmp_path: Path) -> Path:
    return Path(comm.bcast(str(tmp_path), root=0))


def write_config(comm, tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = shared_dir(comm, tmp_path) / name
    if comm.rank == 0:
        path.write_text(text)
    comm.barrier()
    return path


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize(("text", "extra", "fragment"), BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(comm, tmp_path, capsys, command, text, extra, fragment):
    if text is None:
        path = shared_dir(comm, tmp_path) / "missing.yaml"
    else:
        path = write_config(comm, tmp_path, text)
    out_dir = shared_dir(comm, tmp_path) / "out"
    argv = [command, str(path), *extra]
    if command == "run":
        argv += ["--out", str(out_dir)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert not out_dir.exists()  # nothing written
    if comm.rank == 0:
        assert captured.out == ""
        lines = captured.err.splitlines()
        assert len(lines) == 1, captured.err
        assert lines[0].startswith("lidendrite: error: ")
        assert fragment in lines[0]
        if text is not None and "--set" not in extra:
            assert lines[0].count(":") >= 3  # names the key (or the file) and the problem
    else:
        assert captured.err == "" and captured.out == ""  # only rank 0 prints


def test_bad_input_catalogue_is_large():
    assert len(BAD_INPUTS) >= 20
    assert len({case.id for case in BAD_INPUTS}) == len(BAD_INPUTS)


def _value_of(output: str, name: str) -> float:
    match = re.search(rf"^\s*{name}\s+(\S+)\s", output, flags=re.MULTILINE)
    assert match, f"{name} not in output:\n{output}"
    return float(match.group(1))


def test_check_prints_derived_quantities(comm, tmp_path, capsys):
    text = (
        "electrolyte:\n  preset: H-Li-G62\n  salt_concentration_mol_per_m3: 500\n"
        "cell:\n  thickness_um: 6\n"
        "operation:\n  temperature_K: 308.15\n  current_density_A_per_m2: 40\n  duration_s: 30\n"
    )
    path = write_config(comm, tmp_path, text)
    assert main(["check", str(path), "--no-mesh", "--set", "cell.width_um=4"]) == 0
    out = capsys.readouterr().out
    if comm.rank != 0:
        assert out == ""
        return
    # Independent evaluation: Arrhenius sigma(T), Nernst-Einstein D+, i_lim = 4 F D+ c0 / L.
    temperature, c0, length = 308.15, 500.0, 6e-6
    k_b_ev = 1.380649e-23 / 1.602176634e-19
    sigma = 0.0459 * math.exp(-0.16 / k_b_ev * (1 / temperature - 1 / 298.15))
    d_plus = 0.71 * sigma * GAS_R * temperature / (FARADAY**2 * c0)
    i_lim = 4 * FARADAY * d_plus * c0 / length
    assert _value_of(out, "D_cation") == pytest.approx(d_plus, rel=1e-5)
    assert _value_of(out, "limiting_current_density") == pytest.approx(i_lim, rel=1e-5)
    assert _value_of(out, "current_ratio") == pytest.approx(40 / i_lim, rel=1e-5)
    assert "m^2/s" in out and "A/m^2" in out
    assert "valid" in out.splitlines()[0]


def test_check_warns_about_depletion_and_missing_capillarity(comm, tmp_path, capsys):
    path = write_config(comm, tmp_path, VALID)
    argv = ["check", str(path), "--no-mesh"]
    argv += ["--set", "operation.current_density_A_per_m2=2000", "--set", "operation.duration_s=60"]
    argv += ["--set", "kinetics.surface_energy_J_per_m2=0"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    if comm.rank == 0:
        warnings = [line for line in out.splitlines() if line.startswith("warning:")]
        assert any("i/i_lim" in w and "Sand's time" in w for w in warnings), out
        assert any("surface_energy_J_per_m2 = 0" in w and "ill-posed" in w for w in warnings)
        # The printed ratio exceeds 1: i_lim = 4 F D+ c0 / L with the preset, L = 3 um.
        d_plus = 0.8 * 0.0611 * GAS_R * 298.15 / (FARADAY**2 * 1000)
        assert _value_of(out, "current_ratio") == pytest.approx(
            2000 / (4 * FARADAY * d_plus * 1000 / 3e-6), rel=1e-5
        )


def test_check_reports_the_mesh(comm, tmp_path, capsys):
    text = VALID + "mesh:\n  size_at_anode_um: 0.25\n  size_bulk_um: 0.5\n"
    path = write_config(comm, tmp_path, text)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    if comm.rank == 0:
        (line,) = [ln for ln in out.splitlines() if ln.startswith("mesh:")]
        match = re.match(r"mesh: (\d+) cells, (\d+) vertices", line)
        if match:  # the geometry module is installed: a 5 x 3 um cell at h = 0.25-0.5 um
            cells, vertices = int(match.group(1)), int(match.group(2))
            assert 2 * (5 * 3) / 0.5**2 * 0.5 < cells < 4 * (5 * 3) / 0.25**2
            assert vertices < cells  # triangles: about twice as many cells as vertices
        else:
            assert "not built" in line


def test_demo_config_passes_check(comm, capsys):
    demo = Path(__file__).parents[1] / "configs" / "demo.yaml"
    assert main(["check", str(demo), "--no-mesh"]) == 0
    out = capsys.readouterr().out
    if comm.rank == 0:
        # the demo runs near the limiting current (0.9 i_lim) and plates ~4.8 um of Li
        assert 0.85 < _value_of(out, "current_ratio") < 0.95
        assert 4.0 < _value_of(out, "plated_thickness") < 6.0
        # the one warning: the demo's shapes are qualitative (the neutral wavelength of the
        # surface carries fewer than 8 elements; the config says so)
        warnings = [line for line in out.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and "neutral wavelength" in warnings[0]


def test_presets_lists_all(comm, capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    if comm.rank == 0:
        names = [
            "Cl-Li-G62",
            "H-Li-G62",
            "NH2-Li-G62",
            "LPC@2%UCPBA",
            "LPC",
            "LPC@2%SCPBA",
            "GHF@ZIF-8@HKUST-1",
        ]
        rows = [line.split()[0] for line in out.splitlines() if line and not line[0].isspace()]
        assert all(name in rows for name in names)
        assert "Adv. Funct. Mater." in out and "Nano-Micro Lett." in out


def test_version(comm, capsys):
    assert main(["--version"]) == 0
    if comm.rank == 0:
        assert capsys.readouterr().out.strip() == f"lidendrite {lidendrite.__version__}"


def test_usage_errors_exit_2(comm, capsys):
    assert main([]) == 0  # no arguments: the help
    assert main(["frobnicate"]) == 2
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    if comm.rank == 0:
        assert "usage: lidendrite" in err
    else:
        assert err == ""


def test_run_arguments():
    args = build_parser().parse_args(
        ["run", "case.yaml", "--set", "a.b=1", "-s", "c=2", "--out", "results/x"]
    )
    assert args.config == Path("case.yaml")
    assert args.overrides == ["a.b=1", "c=2"]
    assert args.out == Path("results/x")


@pytest.mark.parametrize(
    ("status", "code"), [("completed", 0), ("depleted", 0), ("failed", 1), ("interrupted", 3)]
)
def test_run_calls_the_simulation(comm, tmp_path, monkeypatch, status, code):
    calls = []

    def fake_run(cfg, out_dir, comm, **flags):
        assert flags["resume"] is False and flags["overwrite"] is False
        calls.append((cfg, out_dir, comm))
        return types.SimpleNamespace(status=status)

    fake = types.ModuleType("lidendrite.simulation")
    fake.run = fake_run
    monkeypatch.setitem(sys.modules, "lidendrite.simulation", fake)
    monkeypatch.setattr(lidendrite, "simulation", fake, raising=False)
    path = write_config(comm, tmp_path, VALID)
    out = shared_dir(comm, tmp_path) / "out dir"
    argv = [
        "run",
        str(path),
        "--out",
        str(out),
        "--set",
        "operation={current_density_A_per_m2: 1, duration_s: 7}",
    ]
    assert main(argv) == code
    ((cfg, out_dir, run_comm),) = calls
    assert out_dir == out and cfg.output.dir == str(out)
    assert cfg.total_duration_s == 7.0
    assert run_comm.size == comm.size


@pytest.mark.serial
def test_console_script(tmp_path):
    exe = Path(sys.executable).parent / "lidendrite"
    ok = subprocess.run([exe, "presets"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "GHF@ZIF-8@HKUST-1" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID + "cell:\n  widht_um: 5\n")
    res = subprocess.run([exe, "check", str(bad)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr == (
        "lidendrite: error: cell.widht_um: unknown key (did you mean 'width_um'?)\n"
    )
    assert res.stdout == ""
