"""Whole runs of the simulator against analytic results of electrochemistry.

Each test runs a narrow cell with a flat anode (a 1-D problem on a 2-D mesh) and compares the
recorded metrics and frames with a reference computed here from the textbook formula: Sand's
time and the semi-infinite diffusion profile, the steady symmetric cell, the Bruce–Vincent
transference number, the Butler–Volmer charge-transfer resistance and Faraday's law.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.constants import LI_MOLAR_VOLUME_M3_PER_MOL as OMEGA
from validation_utils import (
    TEMPERATURE_K,
    THERMAL_VOLTAGE_V,
    bruce_vincent,
    bv_overpotential_V,
    merge,
    nernst_einstein,
    one_d_cell,
    potentiostatic_hold,
    read_frames,
    read_metrics,
    read_status,
    relative_error,
    run_case,
    sand_profile,
    sand_time_s,
    shared_dir,
)

C0 = 1000.0  # mol/m^3
SIGMA = 0.01  # S/m


# --------------------------------------------------------------------------------------------
# Sand's time
# --------------------------------------------------------------------------------------------


def test_sand_time_and_profile(comm, tmp_path):
    """Reservoir counter electrode far away: semi-infinite diffusion up to depletion."""
    t_plus = 0.4
    _, _, d = nernst_einstein(SIGMA, t_plus, C0)
    tau_target_s = 20.0
    current = math.sqrt(math.pi * d * (C0 * F) ** 2 / (4.0 * tau_target_s)) / (1.0 - t_plus)
    tau_s = sand_time_s(current, d, C0, t_plus)
    diffusion_length_um = math.sqrt(d * tau_s) * 1e6
    thickness_um = 35.0
    assert thickness_um >= 6.0 * diffusion_length_um
    data = merge(
        one_d_cell(
            thickness_um=thickness_um,
            counter_electrode="reservoir",
            transference_number=t_plus,
            size_at_anode_um=0.2,
            size_bulk_um=2.0,
            grading_distance_um=20.0,
        ),
        {
            "operation": {
                "mode": "galvanostatic",
                "current_density_A_per_m2": current,
                "duration_s": 5.0 * tau_s,
                "stop_on_depletion": True,
                "depletion_threshold": 1e-3,
            },
            "numerics": {"time_scheme": "bdf2", "dt_initial_s": 1e-3, "dt_max_s": 2.0},
            "output": {"every_s": 0.5 * tau_s},
        },
    )
    out = shared_dir(tmp_path, comm) / "sand"
    _, result = run_case(data, out, comm)
    status = read_status(out, comm)
    assert result.status == "depleted" and status["status"] == "depleted"
    t_dep = status["depletion_time_s"]
    err_tau = relative_error(t_dep, tau_s)
    print(f"\nSand: depletion at {t_dep:.5g} s, tau_s = {tau_s:.5g} s, error {err_tau:.2e}")
    assert err_tau < 0.02

    # The profile half way to depletion against c0 - (2q/D) sqrt(Dt) ierfc(x / (2 sqrt(Dt))).
    frame = next(f for f in read_frames(out, comm) if math.isclose(f.time_s, 0.5 * tau_s))
    y_m = frame.points_um[:, 1] * 1e-6
    exact = sand_profile(y_m, frame.time_s, current, d, C0, t_plus)
    c_h = frame.point_data["c_cation_mol_per_m3"]
    err_profile = np.max(np.abs(c_h - exact)) / C0
    surface_drop = (C0 - exact.min()) / C0
    print(
        f"Sand profile at t = {frame.time_s:.4g} s: max error {err_profile:.2e} c0 "
        f"(surface drop {surface_drop:.3f} c0)"
    )
    assert surface_drop > 0.25  # the profile is far from uniform
    assert err_profile < 0.01


# --------------------------------------------------------------------------------------------
# Steady symmetric cell (and Faraday's law on the same run)
# --------------------------------------------------------------------------------------------

STEADY_T_PLUS = 0.4
STEADY_I0 = 10.0  # A/m^2
STEADY_L_UM = 10.0


def _steady_current() -> tuple[float, float]:
    _, _, d = nernst_einstein(SIGMA, STEADY_T_PLUS, C0)
    i_lim = 2.0 * F * d * C0 / ((1.0 - STEADY_T_PLUS) * STEADY_L_UM * 1e-6)
    return 0.5 * i_lim, d


@pytest.fixture(scope="module")
def steady_run(comm, tmp_path_factory):
    """A symmetric Li|Li cell at half the limiting current, run for 8 relaxation times."""
    current, d = _steady_current()
    relaxation_s = (STEADY_L_UM * 1e-6) ** 2 / (math.pi**2 * d)
    duration_s = 8.0 * relaxation_s
    data = merge(
        one_d_cell(
            thickness_um=STEADY_L_UM,
            transference_number=STEADY_T_PLUS,
            exchange_current_density_A_per_m2=STEADY_I0,
        ),
        {
            "operation": {"current_density_A_per_m2": current, "duration_s": duration_s},
            "numerics": {"time_scheme": "bdf2", "dt_initial_s": 1e-3, "dt_max_s": 4.0},
            "output": {"every_s": duration_s},
        },
    )
    out = shared_dir(tmp_path_factory.mktemp("steady"), comm)
    _, result = run_case(data, out, comm)
    assert result.status == "completed"
    return out


def test_steady_symmetric_cell(comm, steady_run):
    current, d = _steady_current()
    frame = read_frames(steady_run, comm)[-1]
    metrics = read_metrics(steady_run, comm)
    # Concentration: c(y) = c0 + (1 - t+) i (y - L/2) / (F D), fitted by least squares.
    y_m = frame.points_um[:, 1] * 1e-6
    c_h = frame.point_data["c_cation_mol_per_m3"]
    slope, _ = np.polyfit(y_m, c_h, 1)
    slope_exact = (1.0 - STEADY_T_PLUS) * current / (F * d)
    err_slope = relative_error(slope, slope_exact)
    linear = C0 + slope_exact * (y_m - 0.5 * STEADY_L_UM * 1e-6)
    err_linear = np.max(np.abs(c_h - linear)) / C0
    print(f"\nsteady: slope error {err_slope:.2e}, max deviation from the line {err_linear:.2e} c0")
    assert err_slope < 0.01
    assert err_linear < 0.01 * 0.5  # 1 % of the concentration difference across the cell

    # Voltage: with no anion flux at steady state, c ∇φ = (RT/F) ∇c, so the electrolyte adds
    # (RT/F) ln(c(0)/c(L)); each electrode adds its Butler-Volmer overpotential at its surface
    # concentration (plating +i at y = 0, stripping -i at y = L, where the metal is at 0 V).
    c_anode = C0 - slope_exact * 0.5 * STEADY_L_UM * 1e-6
    c_counter = C0 + slope_exact * 0.5 * STEADY_L_UM * 1e-6
    eta_anode = bv_overpotential_V(current, c_anode / C0, STEADY_I0)
    eta_counter = bv_overpotential_V(-current, c_counter / C0, STEADY_I0)
    v_exact = eta_anode - eta_counter + THERMAL_VOLTAGE_V * math.log(c_anode / c_counter)
    v_h = metrics["cell_voltage_V"][-1]
    err_v = relative_error(v_h, v_exact)
    print(f"steady: V = {v_h:.6g} V, analytic {v_exact:.6g} V, error {err_v:.2e}")
    assert err_v < 0.01


def test_faraday_plated_thickness(comm, steady_run):
    """Static mesh: the recorded Li thickness is i Ω t / F at every step."""
    current, _ = _steady_current()
    m = read_metrics(steady_run, comm)
    expected_um = current * OMEGA * m["time_s"] / F * 1e6
    assert m["time_s"][-1] > 0.0
    err = np.max(np.abs(m["li_plated_um"] - expected_um)) / expected_um[-1]
    print(
        f"\nFaraday: plated {m['li_plated_um'][-1]:.6g} um, expected {expected_um[-1]:.6g} um, "
        f"max error {err:.2e}"
    )
    assert err < 1e-9


# --------------------------------------------------------------------------------------------
# Bruce-Vincent and Butler-Volmer
# --------------------------------------------------------------------------------------------


def test_bruce_vincent_transference_number(comm, tmp_path):
    """Potentiostatic 10 mV on a symmetric cell: t+ from the initial and the steady current.

    I0 is the first row (the consistent state at t = 0, before any concentration gradient), Iss
    the last one, after 10 relaxation times L^2/(pi^2 D). With R0 = Rss = 2 R_ct the corrected
    ratio t+ = Iss (dV - I0 R0) / (I0 (dV - Iss Rss)) is exact in linear response.
    """
    t_plus, i0, length_um, delta_v = 0.3, 20.0, 10.0, 0.010
    _, _, d = nernst_einstein(SIGMA, t_plus, C0)
    relaxation_s = (length_um * 1e-6) ** 2 / (math.pi**2 * d)
    cell = one_d_cell(
        thickness_um=length_um, transference_number=t_plus, exchange_current_density_A_per_m2=i0
    )
    data = potentiostatic_hold(cell, delta_v, 10.0 * relaxation_s, 4.0)
    out = shared_dir(tmp_path, comm) / "bruce_vincent"
    _, result = run_case(data, out, comm)
    assert result.status == "completed"
    m = read_metrics(out, comm)
    i_initial = m["anode_current_density_A_per_m2"][0]
    i_steady = m["anode_current_density_A_per_m2"][-1]
    drift = abs(m["anode_current_density_A_per_m2"][-2] - i_steady) / i_steady
    assert drift < 1e-4, f"the current has not settled: last change {drift:.1e}"
    r_ct = R * TEMPERATURE_K / ((0.5 + 0.5) * F * i0)
    t_plus_bv = bruce_vincent(i_initial, i_steady, delta_v, 2.0 * r_ct)
    err = relative_error(t_plus_bv, t_plus)
    print(
        f"\nBruce-Vincent: I0 = {i_initial:.6g}, Iss = {i_steady:.6g} A/m^2, "
        f"t+ = {t_plus_bv:.5f} (input {t_plus}), error {err:.2e}; "
        f"uncorrected Iss/I0 = {i_steady / i_initial:.4f}"
    )
    assert err < 0.02


def test_butler_volmer_cell_resistance(comm, tmp_path):
    """A current of i0/100: |V|/i at t = 0 (uniform salt) is L/sigma + 2 R_ct.

    Asymmetric transfer coefficients: the linear response only depends on their sum.
    """
    t_plus, i0, length_um = 0.4, 10.0, 10.0
    alpha_anodic, alpha_cathodic = 0.35, 0.65
    current = 0.01 * i0
    data = merge(
        one_d_cell(
            thickness_um=length_um,
            transference_number=t_plus,
            exchange_current_density_A_per_m2=i0,
            alpha_anodic=alpha_anodic,
            alpha_cathodic=alpha_cathodic,
        ),
        {
            "operation": {"current_density_A_per_m2": current, "duration_s": 0.01},
            "numerics": {"dt_initial_s": 1e-3, "dt_max_s": 0.01},
            "output": {"every_s": 0.01},
        },
    )
    out = shared_dir(tmp_path, comm) / "butler_volmer"
    run_case(data, out, comm)
    m = read_metrics(out, comm)
    resistance = abs(m["cell_voltage_V"][0]) / current
    r_ct = R * TEMPERATURE_K / ((alpha_anodic + alpha_cathodic) * F * i0)
    expected = length_um * 1e-6 / SIGMA + 2.0 * r_ct
    err = relative_error(resistance, expected)
    print(
        f"\nButler-Volmer: |V|/i = {resistance:.6g} ohm m^2, L/sigma + 2 R_ct = {expected:.6g}, "
        f"error {err:.2e}"
    )
    assert m["cell_voltage_V"][0] < 0.0  # plating: the plating electrode is negative
    assert err < 0.01
