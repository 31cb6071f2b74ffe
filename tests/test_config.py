"""Configuration loading, preset resolution, transport properties and derived quantities.

Reference values are the spec's defaults, the measured values of the seed papers (in the
papers' units, converted here) and formulas evaluated independently in the tests.
"""

import dataclasses
import math
import re
from pathlib import Path

import pytest
import yaml

from lidendrite.config import (
    Config,
    ProtocolStep,
    apply_override,
    config_from_dict,
    config_hash,
    config_to_dict,
    load_config,
    protocol_steps,
)
from lidendrite.errors import ConfigError
from lidendrite.materials import (
    PRESETS,
    derived_quantities,
    exchange_current_density,
    get_preset,
    transport_properties,
)

# CODATA 2018, typed in here rather than imported from the package under test.
FARADAY = 96485.33212
GAS_R = 8.314462618
K_B_EV = 1.380649e-23 / 1.602176634e-19
LI_MOLAR_VOLUME = 6.94e-3 / 534.0

MINIMAL = {"electrolyte": {"preset": "Cl-Li-G62"}}

# Measured values of the source papers (Li et al. 2025; Zhu et al. 2023; Nguyen et al. 2026):
# sigma in S/cm, i0 in mA/cm^2, None = not given.
SEED_TABLE = [
    ("Cl-Li-G62", 6.11e-4, 0.80, 0.14, 0.81),
    ("H-Li-G62", 4.59e-4, 0.71, 0.16, 0.66),
    ("NH2-Li-G62", 4.21e-4, 0.31, 0.18, 0.61),
    ("LPC@2%UCPBA", 3.6e-4, 0.60, 0.24, None),
    ("LPC", 1.2e-4, 0.42, 0.33, None),  # E_a assumed: the upper end of 0.24-0.33 eV
    ("LPC@2%SCPBA", 2.9e-5, 0.27, 0.33, None),  # likewise
    ("GHF@ZIF-8@HKUST-1", 2.43e-4, 0.65, None, None),
]


def shared_file(comm, tmp_path: Path, name: str, text: str) -> Path:
    """Write a file on rank 0 into rank 0's tmp_path; every rank gets its path."""
    path = Path(comm.bcast(str(tmp_path), root=0)) / name
    if comm.rank == 0:
        path.write_text(text)
    comm.barrier()
    return path


def test_defaults(comm):
    cfg = config_from_dict(MINIMAL)
    assert cfg.title == "lidendrite run"
    assert (cfg.cell.width_um, cfg.cell.thickness_um) == (5.0, 3.0)
    assert (cfg.cell.sides, cfg.cell.counter_electrode) == ("insulating", "lithium")
    a = cfg.cell.anode
    assert (a.shape, a.defect_radius_um, a.amplitude_um, a.wavelength_um) == ("flat", 0.5, 0.1, 1.0)
    assert (a.rms_um, a.correlation_um, a.seed) == (0.05, 0.5, 0)
    assert a.defect_x_um == pytest.approx(cfg.cell.width_um / 2)  # None resolves to the centre
    m = cfg.mesh
    assert (m.size_at_anode_um, m.size_bulk_um, m.grading_distance_um) == (0.05, 0.25, 1.0)
    el = cfg.electrolyte
    assert (el.salt_concentration_mol_per_m3, el.reference_temperature_K) == (1000.0, 298.15)
    assert el.diffusivity_cation_m2_per_s is None and el.diffusivity_anion_m2_per_s is None
    k = cfg.kinetics
    assert (k.alpha_anodic, k.alpha_cathodic, k.activation_energy_eV) == (0.5, 0.5, 0.0)
    assert (k.reference_temperature_K, k.surface_energy_J_per_m2) == (298.15, 0.5)
    assert k.molar_volume_m3_per_mol == pytest.approx(LI_MOLAR_VOLUME, rel=1e-12)
    op = cfg.operation
    assert (op.mode, op.temperature_K, op.repeat) == ("galvanostatic", 298.15, 1)
    assert (op.stop_on_depletion, op.depletion_threshold) == (True, 1e-3)
    assert len(op.protocol) == 1 and op.protocol[0].current_density_A_per_m2 > 0
    n = cfg.numerics
    assert (n.time_scheme, n.dt_initial_s, n.dt_min_s, n.dt_max_s) == ("bdf2", 1e-3, 1e-9, 60.0)
    assert (n.dt_growth_max, n.target_newton_iterations, n.max_concentration_change) == (
        2.0,
        4,
        0.05,
    )
    assert (n.solver, n.newton_rtol, n.newton_atol, n.newton_max_iterations) == (
        "direct",
        1e-10,
        1e-12,
        25,
    )
    assert (n.moving_boundary, n.mesh_motion, n.remesh_min_quality) == (False, "harmonic", 0.3)
    assert n.short_circuit_distance_um == 0.1
    o = cfg.output
    assert (o.dir, o.vtx, o.progress_every_s) == ("results/run", True, 2.0)
    assert o.every_s == pytest.approx(cfg.total_duration_s / 40)  # None resolves to 40 frames
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.cell.width_um = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(("name", "sigma_S_per_cm", "t_plus", "ea_eV", "i0_mA_per_cm2"), SEED_TABLE)
def test_preset_values_match_the_seed_table(
    comm, name, sigma_S_per_cm, t_plus, ea_eV, i0_mA_per_cm2
):
    cfg = config_from_dict({"electrolyte": {"preset": name.lower()}})  # case-insensitive
    el = cfg.electrolyte
    assert el.preset == name
    assert el.conductivity_S_per_m == pytest.approx(sigma_S_per_cm * 100.0, rel=1e-12)
    assert el.transference_number == t_plus
    assert el.activation_energy_eV == (0.0 if ea_eV is None else ea_eV)
    i0 = cfg.kinetics.exchange_current_density_A_per_m2
    if i0_mA_per_cm2 is not None:
        assert i0 == pytest.approx(i0_mA_per_cm2 * 10.0, rel=1e-12)
    elif name.startswith("LPC"):
        assert i0 == pytest.approx(5.0)  # assumed 0.5 mA/cm^2 for the polymer electrolytes
        assert "0.5 mA/cm^2" in PRESETS[name].notes
    else:
        assert i0 == pytest.approx(10.0)  # the kinetics default
    preset = get_preset(name)
    assert preset.source and "00" not in preset.source.split(",")[0]  # cites the paper
    if ea_eV is None or i0_mA_per_cm2 is None:
        assert "assumed" in preset.notes


def test_preset_table_is_complete():
    assert sorted(PRESETS) == sorted(row[0] for row in SEED_TABLE)


def test_explicit_keys_override_the_preset():
    cfg = config_from_dict(
        {
            "electrolyte": {
                "preset": "Cl-Li-G62",
                "conductivity_S_per_m": 0.02,
                "activation_energy_eV": 0,  # an explicit zero must win over the preset's 0.14
            },
            "kinetics": {"exchange_current_density_A_per_m2": 3.0},
        }
    )
    el = cfg.electrolyte
    assert el.conductivity_S_per_m == 0.02
    assert el.transference_number == 0.80  # still from the preset
    assert el.activation_energy_eV == 0.0
    assert cfg.kinetics.exchange_current_density_A_per_m2 == 3.0


def test_unknown_preset_suggests_the_closest():
    with pytest.raises(ConfigError, match=r"did you mean 'Cl-Li-G62'\?"):
        config_from_dict({"electrolyte": {"preset": "Cl-Li-G26"}})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cell": {"widht_um": 5}}, "cell.widht_um: unknown key (did you mean 'width_um'?)"),
        (
            {"electrolyte": {"conductivity_S_per_m": 0.01, "transference_number": 1.3}},
            "electrolyte.transference_number = 1.3: must be in (0, 1]",
        ),
        (
            {"operation": {"mode": "galvano"}},
            "operation.mode = 'galvano': must be one of 'galvanostatic', 'potentiostatic'",
        ),
        (
            {"cell": {"sides": "periodic", "anode": {"shape": "sinusoid", "wavelength_um": 2}}},
            "cell.anode.wavelength_um = 2: with periodic sides the cell width (5 um) must hold",
        ),
    ],
)
def test_error_messages(data, message):
    data = {"electrolyte": {"preset": "Cl-Li-G62"}} | data
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_single_ion_conductor_has_immobile_anions():
    cfg = config_from_dict(
        {"electrolyte": {"conductivity_S_per_m": 0.01, "transference_number": 1}}
    )
    tp = transport_properties(cfg.electrolyte, 298.15)
    assert tp.diffusivity_anion_m2_per_s == 0.0
    # all the conductivity is carried by Li+: sigma = F^2 c0 D+ / (R T)
    sigma = FARADAY**2 * 1000.0 * tp.diffusivity_cation_m2_per_s / (GAS_R * 298.15)
    assert sigma == pytest.approx(0.01, rel=1e-12)


def test_nernst_einstein_round_trip():
    sigma, t_plus, c0, temperature = 0.0459, 0.71, 800.0, 298.15
    el = config_from_dict(
        {
            "electrolyte": {
                "conductivity_S_per_m": sigma,
                "transference_number": t_plus,
                "salt_concentration_mol_per_m3": c0,
            }
        }
    ).electrolyte
    tp = transport_properties(el, temperature)
    scale = GAS_R * temperature / (FARADAY**2 * c0)
    assert tp.diffusivity_cation_m2_per_s == pytest.approx(t_plus * sigma * scale, rel=1e-12)
    assert tp.diffusivity_anion_m2_per_s == pytest.approx((1 - t_plus) * sigma * scale, rel=1e-12)
    d_p, d_m = tp.diffusivity_cation_m2_per_s, tp.diffusivity_anion_m2_per_s
    assert tp.salt_diffusivity_m2_per_s == pytest.approx(2 * d_p * d_m / (d_p + d_m), rel=1e-12)

    back = config_from_dict(
        {
            "electrolyte": {
                "diffusivity_cation_m2_per_s": d_p,
                "diffusivity_anion_m2_per_s": d_m,
                "salt_concentration_mol_per_m3": c0,
            }
        }
    ).electrolyte
    assert back.conductivity_S_per_m is None  # the user's choice is kept
    tp2 = transport_properties(back, temperature)
    assert tp2.conductivity_S_per_m == pytest.approx(sigma, rel=1e-12)
    assert tp2.transference_number == pytest.approx(t_plus, rel=1e-12)
    # Salt diffusivity of a 1:1 electrolyte: also sigma RT t+ (1 - t+) * 2 / (F^2 c0).
    assert tp2.salt_diffusivity_m2_per_s == pytest.approx(
        2 * t_plus * (1 - t_plus) * sigma * scale, rel=1e-12
    )


def test_arrhenius_against_hand_computation():
    # Cl-Li-G62 at T = 1.1 T_ref: sigma(T) = sigma_ref exp[-E_a/k_B (1/T - 1/T_ref)].
    t_ref = 298.15
    temperature = 1.1 * t_ref
    cfg = config_from_dict(
        {
            "electrolyte": {"preset": "Cl-Li-G62"},
            "kinetics": {"activation_energy_eV": 0.5},
            "operation": {"temperature_K": temperature},
        }
    )
    # E_a / k_B (1/T - 1/T_ref) = 1624.63 * (-0.0909091 / 298.15) = -0.4953677
    exponent = -0.14 / K_B_EV * (1 / temperature - 1 / t_ref)
    assert exponent == pytest.approx(0.4953677, rel=1e-6)
    tp = transport_properties(cfg.electrolyte, temperature)
    assert tp.conductivity_S_per_m == pytest.approx(0.0611 * math.exp(exponent), rel=1e-10)
    expected_d_plus = 0.8 * 0.0611 * math.exp(exponent) * GAS_R * temperature / (FARADAY**2 * 1000)
    assert tp.diffusivity_cation_m2_per_s == pytest.approx(expected_d_plus, rel=1e-10)
    i0 = exchange_current_density(cfg.kinetics, temperature)
    assert i0 == pytest.approx(8.1 * math.exp(-0.5 / K_B_EV * (1 / temperature - 1 / t_ref)))

    # Given diffusivities: E_a is that of the conductivity, so D(T) = D_ref exp(...) T / T_ref,
    # the same D(T) as when sigma and t+ at T_ref are given (Nernst-Einstein at both T).
    el = config_from_dict(
        {
            "electrolyte": {
                "diffusivity_cation_m2_per_s": 1e-11,
                "diffusivity_anion_m2_per_s": 3e-12,
                "activation_energy_eV": 0.14,
            }
        }
    ).electrolyte
    tp = transport_properties(el, temperature)
    assert tp.diffusivity_cation_m2_per_s == pytest.approx(
        1e-11 * math.exp(exponent) * temperature / t_ref, rel=1e-10
    )
    assert tp.transference_number == pytest.approx(1 / 1.3, rel=1e-12)
    # ... and the sigma route with the equivalent sigma, t+ at T_ref gives the same D(T)
    sigma_ref = FARADAY**2 * 1000.0 * (1e-11 + 3e-12) / (GAS_R * t_ref)
    el2 = config_from_dict(
        {
            "electrolyte": {
                "conductivity_S_per_m": sigma_ref,
                "transference_number": 1 / 1.3,
                "activation_energy_eV": 0.14,
            }
        }
    ).electrolyte
    tp2 = transport_properties(el2, temperature)
    assert tp2.diffusivity_cation_m2_per_s == pytest.approx(
        tp.diffusivity_cation_m2_per_s, rel=1e-12
    )
    assert tp2.conductivity_S_per_m == pytest.approx(tp.conductivity_S_per_m, rel=1e-12)


def test_set_overrides_parse_yaml_values():
    data = {"electrolyte": {"preset": "Cl-Li-G62"}}
    apply_override(data, "operation.current_density_A_per_m2=20")
    apply_override(data, "operation.duration_s=100")
    apply_override(data, "numerics.moving_boundary=true")
    apply_override(data, "numerics.dt_min_s=1e-8")  # no decimal point: still a number
    apply_override(data, "cell.anode.shape=sinusoid")
    apply_override(data, "cell.anode.amplitude_um = 0.2")
    apply_override(data, "title=a b c")
    assert data["operation"] == {"current_density_A_per_m2": 20, "duration_s": 100}
    assert data["numerics"] == {"moving_boundary": True, "dt_min_s": 1e-8}
    assert data["cell"] == {"anode": {"shape": "sinusoid", "amplitude_um": 0.2}}
    cfg = config_from_dict(data)
    assert cfg.operation.protocol == (
        ProtocolStep(current_density_A_per_m2=20.0, duration_s=100.0),
    )
    assert cfg.numerics.moving_boundary is True and cfg.numerics.dt_min_s == 1e-8
    assert cfg.cell.anode.shape == "sinusoid" and cfg.title == "a b c"


def test_set_overrides_whole_sections_and_lists():
    overrides = [
        "cell={width_um: 8, thickness_um: 4}",
        "operation.protocol=[{current_density_A_per_m2: 5, duration_s: 10},"
        " {current_density_A_per_m2: -5, duration_s: 20}]",
        "operation.repeat=3",
    ]
    original = {"electrolyte": {"preset": "LPC"}, "cell": {"width_um": 5}}
    cfg = config_from_dict(original, overrides)
    assert original == {"electrolyte": {"preset": "LPC"}, "cell": {"width_um": 5}}  # untouched
    assert (cfg.cell.width_um, cfg.cell.thickness_um) == (8.0, 4.0)
    steps = protocol_steps(cfg)
    assert [s.current_density_A_per_m2 for s in steps] == [5.0, -5.0] * 3
    assert cfg.total_duration_s == pytest.approx(90.0)


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("operation.curent_density_A_per_m2=5", "did you mean 'current_density_A_per_m2'?"),
        ("cel.width_um=5", "cel: unknown key (did you mean 'cell'?)"),
        ("cell.width_um", "expected KEY=VALUE"),
        ("cell.width_um.x=1", "not a section"),
        ("cell.width_um=[1,", "invalid YAML"),
    ],
)
def test_bad_overrides(override, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        config_from_dict(MINIMAL, [override])


def test_shorthand_equals_one_step_protocol():
    a = config_from_dict(
        MINIMAL | {"operation": {"current_density_A_per_m2": 4.0, "duration_s": 30.0}}
    )
    b = config_from_dict(
        MINIMAL | {"operation": {"protocol": [{"current_density_A_per_m2": 4, "duration_s": 30}]}}
    )
    assert a == b
    pot = config_from_dict(
        MINIMAL | {"operation": {"mode": "potentiostatic", "voltage_V": -0.05, "duration_s": 5}}
    )
    assert pot.operation.protocol[0].voltage_V == -0.05
    assert pot.operation.protocol[0].current_density_A_per_m2 is None


def test_round_trip_and_hash(comm, tmp_path):
    data = {
        "title": "hash test",
        "electrolyte": {"preset": "H-Li-G62"},
        "cell": {"width_um": 6, "anode": {"shape": "defect", "defect_radius_um": 0.4}},
        "operation": {"current_density_A_per_m2": 2, "duration_s": 50},
    }
    cfg = config_from_dict(data)
    resolved = config_to_dict(cfg)
    assert config_from_dict(resolved) == cfg
    path = shared_file(comm, tmp_path, "resolved.yaml", yaml.safe_dump(resolved))
    assert load_config(path) == cfg

    h = config_hash(cfg)
    assert len(h) == 16 and int(h, 16) >= 0
    reordered = dict(reversed(list(data.items())))
    reordered["electrolyte"] = {"preset": "h-li-g62"}  # same preset, other spelling
    assert config_hash(config_from_dict(reordered)) == h
    assert config_hash(config_from_dict(data, ["cell.width_um=6.5"])) != h
    assert config_hash(config_from_dict(data, ["operation.duration_s=51"])) != h
    assert h == comm.bcast(h, root=0)  # identical on every rank


def test_load_config_reads_exponents_without_a_decimal_point(comm, tmp_path):
    text = "electrolyte:\n  preset: LPC\nnumerics:\n  dt_min_s: 1e-8\n  dt_initial_s: 2e-3\n"
    cfg = load_config(shared_file(comm, tmp_path, "exp.yaml", text))
    assert cfg.numerics.dt_min_s == 1e-8 and cfg.numerics.dt_initial_s == 2e-3


def test_load_config_errors_name_the_file(comm, tmp_path):
    bad = shared_file(comm, tmp_path, "bad.yaml", "cell:\n  width_um: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: invalid YAML at line \d+"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(Path(comm.bcast(str(tmp_path), root=0)) / "nope.yaml")


def test_derived_quantities_against_formulas():
    data = {
        "electrolyte": {"preset": "NH2-Li-G62"},
        "cell": {"width_um": 4, "thickness_um": 8},
        "operation": {
            "protocol": [
                {"current_density_A_per_m2": 0, "duration_s": 10},  # rest: skipped
                {"current_density_A_per_m2": 12, "duration_s": 100},
                {"current_density_A_per_m2": -4, "duration_s": 50},
            ],
            "repeat": 2,
            "temperature_K": 318.0,
        },
    }
    cfg = config_from_dict(data)
    dq = derived_quantities(cfg)
    temperature, length, c0, t_plus = 318.0, 8e-6, 1000.0, 0.31
    sigma = 0.0421 * math.exp(-0.18 / K_B_EV * (1 / temperature - 1 / 298.15))
    d_plus = t_plus * sigma * GAS_R * temperature / (FARADAY**2 * c0)
    d_salt = 2 * t_plus * (1 - t_plus) * sigma * GAS_R * temperature / (FARADAY**2 * c0)
    assert dq["D_cation"][0] == pytest.approx(d_plus, rel=1e-10)
    assert dq["D_salt"][0] == pytest.approx(d_salt, rel=1e-10)
    # i_lim = 4 F D+ c0 / L for a symmetric Li|Li cell (steady binary-electrolyte profile).
    i_lim = 4 * FARADAY * d_plus * c0 / length
    assert dq["limiting_current_density"][0] == pytest.approx(i_lim, rel=1e-10)
    assert dq["current_density"][0] == 12.0
    assert dq["current_ratio"][0] == pytest.approx(12.0 / i_lim, rel=1e-10)
    q = (1 - t_plus) * 12.0 / FARADAY
    assert dq["sand_time"][0] == pytest.approx(math.pi * d_salt * c0**2 / (4 * q**2), rel=1e-10)
    assert dq["diffusion_time"][0] == pytest.approx(length**2 / d_salt, rel=1e-10)
    r_ct = GAS_R * temperature / (FARADAY * 6.1)
    assert dq["charge_transfer_resistance"][0] == pytest.approx(r_ct, rel=1e-10)
    assert dq["wagner_number"][0] == pytest.approx(r_ct * sigma / length, rel=1e-10)
    # 1 mAh/cm^2 of Li is about 4.85 um (Faraday, Omega = M/rho): 12 A/m^2 = 1.2 mA/cm^2 for 1 h.
    assert dq["front_speed"][0] == pytest.approx(1.2 * 4.85, rel=1e-3)
    charge_mAh_per_cm2 = 2 * (12 * 100 - 4 * 50) / 10 / 3600  # net, A s/m^2 -> mAh/cm^2
    assert dq["plated_thickness"][0] == pytest.approx(charge_mAh_per_cm2 * 4.85, rel=1e-3)

    reservoir = config_from_dict(data, ["cell.counter_electrode=reservoir"])
    assert derived_quantities(reservoir)["limiting_current_density"][0] == pytest.approx(
        i_lim / 2, rel=1e-10
    )
    pot = config_from_dict(
        data | {"operation": {"mode": "potentiostatic", "voltage_V": -0.1, "duration_s": 10}}
    )
    assert "sand_time" not in derived_quantities(pot)
    assert "limiting_current_density" in derived_quantities(pot)


def test_config_is_a_plain_dataclass_tree():
    cfg = config_from_dict(MINIMAL)
    assert isinstance(cfg, Config)
    sections = [f.name for f in dataclasses.fields(cfg)[1:] if f.name != "materials"]
    assert all(dataclasses.is_dataclass(getattr(cfg, name)) for name in sections)
    assert cfg.materials == {}


@pytest.mark.serial
def test_config_does_not_import_materials():
    # presets <- config, presets <- materials: no cycle, and loading a config needs no physics.
    code = (
        "import sys\n"
        "import lidendrite.presets\n"
        "assert 'lidendrite.config' not in sys.modules, 'presets imports config'\n"
        "assert 'lidendrite.materials' not in sys.modules, 'presets imports materials'\n"
        "import lidendrite.config\n"
        "assert 'lidendrite.materials' not in sys.modules, 'config imports materials'\n"
        "assert 'dolfinx' not in sys.modules, 'config imports dolfinx'\n"
        "import lidendrite.materials\n"
        "assert lidendrite.materials.get_preset is lidendrite.presets.get_preset\n"
        "from lidendrite.config import DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2 as I0\n"
        "assert I0 == lidendrite.presets.DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2\n"
    )
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).parents[1] / "src"), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr


def test_hash_covers_physics_and_numerics_only():
    base = MINIMAL | {"cell": {"width_um": 6}, "numerics": {"dt_max_s": 30}}
    a = config_from_dict(base | {"title": "run A", "output": {"dir": "results/a"}})
    b = config_from_dict(
        base | {"title": "run B", "output": {"dir": "elsewhere/b", "vtx": False, "every_s": 3}}
    )
    assert a != b and config_hash(a) == config_hash(b)
    assert config_hash(config_from_dict(base, ["cell.width_um=6.5"])) != config_hash(a)
    assert config_hash(config_from_dict(base, ["numerics.dt_max_s=20"])) != config_hash(a)
