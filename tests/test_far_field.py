"""A thin meshed window with the far field of a thick membrane against the fully meshed membrane.

An 80 µm membrane between two Li electrodes, a narrow (1-D-like) cell, half the limiting current
for 500 s: the salt diffusion length √(Dt) ≈ 25 µm reaches far beyond a 3 µm window, so the
window alone is far off, while the window continued by the coarse graded strip of the far field
must reproduce the voltage, current and anode surface concentration of the fully, finely meshed
membrane. ``check`` reports the limiting current and the diffusion time of the membrane.

Above the limiting current (2 i_lim of the membrane) the anode surface depletes at Sand's time
τ = πD(c₀F)²/(4[i(1 − t₊)]²) = πL²/(64 D) ≈ 246 s, when the diffusion layer √(Dτ) ≈ 18 µm is
six times the window: the window with the far field must deplete when the whole membrane does
(2 %), and both at Sand's time of a semi-infinite electrolyte (the counter electrode 80 µm away
changes it by erfc(L/(2√(Dτ))) ≈ 1e-3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.materials import derived_quantities
from validation_utils import (
    merge,
    nernst_einstein,
    one_d_cell,
    read_metrics,
    read_status,
    run_case,
    shared_dir,
)

MEMBRANE_UM, WINDOW_UM = 80.0, 3.0
T_PLUS, C0, SIGMA = 0.4, 1000.0, 0.01


def limiting_current(length_um: float) -> float:
    _, _, d = nernst_einstein(SIGMA, T_PLUS, C0)
    return 2.0 * F * d * C0 / ((1.0 - T_PLUS) * length_um * 1e-6)


def config(thickness_um: float, membrane_um: float | None, current_ratio: float = 0.5) -> dict:
    data = merge(
        one_d_cell(thickness_um=thickness_um, transference_number=T_PLUS),
        {
            "operation": {
                "current_density_A_per_m2": current_ratio * limiting_current(MEMBRANE_UM),
                "duration_s": 500.0,
            },
            "numerics": {"dt_initial_s": 1.0, "dt_max_s": 20.0},
            "output": {"every_s": 100.0},
        },
    )
    if membrane_um is not None:
        data["cell"]["membrane_thickness_um"] = membrane_um
    return data


def test_window_with_far_field_matches_the_whole_membrane(comm, tmp_path):
    root = shared_dir(tmp_path, comm)
    runs = {}
    for name, thickness, membrane in (
        ("full", MEMBRANE_UM, None),
        ("far", WINDOW_UM, MEMBRANE_UM),
        ("window", WINDOW_UM, None),
    ):
        run_case(config(thickness, membrane), root / name, comm)
        runs[name] = read_metrics(root / name, comm)
    ref = runs["full"]
    keys = ("cell_voltage_V", "anode_current_density_A_per_m2", "c_anode_mean_mol_per_m3")
    worst = {}
    for name in ("far", "window"):
        m = runs[name]
        late = ref["time_s"] >= 50.0
        worst[name] = max(
            float(
                np.max(
                    np.abs(np.interp(ref["time_s"][late], m["time_s"], m[k]) - ref[k][late])
                    / np.abs(ref[k][late])
                )
            )
            for k in keys
        )
    print(f"\nfar field vs whole membrane: {worst['far']:.2e}; window alone: {worst['window']:.2e}")
    assert worst["far"] < 0.01
    assert worst["window"] > 0.05  # the far field matters here
    assert ref["c_anode_mean_mol_per_m3"][-1] < 0.8 * C0  # a real transient


def test_sand_time_through_the_far_field(comm, tmp_path):
    root = shared_dir(tmp_path, comm)
    _, _, d = nernst_einstein(SIGMA, T_PLUS, C0)
    current = 2.0 * limiting_current(MEMBRANE_UM)
    sand = math.pi * d * (C0 * F) ** 2 / (4.0 * (current * (1.0 - T_PLUS)) ** 2)
    times = {}
    for name, thickness, membrane in (("full", MEMBRANE_UM, None), ("far", WINDOW_UM, MEMBRANE_UM)):
        data = config(thickness, membrane, current_ratio=2.0)
        data["numerics"]["dt_max_s"] = 10.0
        run_case(data, root / name, comm)
        status = read_status(root / name, comm)
        assert status["status"] == "depleted", status
        times[name] = status["depletion_time_s"]
    err_far = abs(times["far"] / times["full"] - 1.0)
    print(
        f"\nSand: far field {times['far']:.5g} s, whole membrane {times['full']:.5g} s "
        f"({err_far:.2e}); semi-infinite {sand:.5g} s"
    )
    assert err_far < 0.02
    assert times["full"] == pytest.approx(sand, rel=0.02)
    assert times["far"] == pytest.approx(sand, rel=0.02)
    # the window alone has 27x the limiting current: it never depletes
    run_case(config(WINDOW_UM, None, current_ratio=2.0), root / "window", comm)
    assert read_status(root / "window", comm)["status"] == "completed"


def test_check_reports_the_membrane():
    d = derived_quantities(config_from_dict(config(WINDOW_UM, MEMBRANE_UM)))
    _, _, diffusivity = nernst_einstein(SIGMA, T_PLUS, C0)
    i = 0.5 * limiting_current(MEMBRANE_UM)
    assert d["limiting_current_density"][0] == pytest.approx(limiting_current(MEMBRANE_UM))
    assert d["current_ratio"][0] == pytest.approx(0.5)
    assert d["diffusion_time"][0] == pytest.approx((MEMBRANE_UM * 1e-6) ** 2 / diffusivity)
    sand = math.pi * diffusivity * (C0 * F) ** 2 / (4.0 * (i * (1.0 - T_PLUS)) ** 2)
    assert d["sand_time"][0] == pytest.approx(sand)


def test_membrane_thinner_than_the_window_is_an_error():
    from lidendrite.errors import ConfigError

    with pytest.raises(ConfigError, match="cell.membrane_thickness_um = 2: must be >= "):
        config_from_dict(config(WINDOW_UM, 2.0))
