"""Electrolytes beyond the ideal binary salt, in one region: fixed anions, concentrated solutions.

References are derived here from the 1-D equations (nothing of the solver):

- **Bruce–Vincent with fixed anions.** At steady state the anions rest (``N₋ = 0``), so
  ``N₊ = −(D₊c₊/RT)∇Φ`` with Φ the Li-reference potential: the steady bulk resistance is
  ``L/σ₊`` with ``σ₊ = F²D₊c₊/RT = t₊σ``, the initial one ``L/σ``: the corrected ratio returns
  the Li⁺ share of the conductance, t₊, whatever the fixed-anion concentration.
- **Fixed anions above the mobile-salt limiting current.** With ``N₋ = 0`` and ``c₊ = c₋ + X``,
  ``N₊ = −D₊(∇c₊ + c₊∇φ) = −D₊∇(2c₋ + X ln c₋)``: ``u = 2c₋ + X ln c₋`` is linear with slope
  ``i/(F D₊)``; the anion inventory fixes its level; the voltage is the two Butler–Volmer
  overpotentials, the Nernst terms and ``ΔΦ = ∫ i RT/(F² D₊ c₊) dy``.
- **Restricted diffusion (Newman form).** After a pulse the open-circuit voltage is a linear
  function of the salt profile's end values; its slowest mode decays as ``exp(−π²Dt/L²)`` with
  the given salt diffusivity.
- **Steady symmetric cell (Newman form, thermodynamic factor τ).** ``N₋ = −(1 − t₊)i/F − D∇c = 0``
  makes c linear; ``i = −σ∇Φ + 2τ(1 − t₊)(σRT/F)∇ln c`` integrates to
  ``Φ(L) − Φ(0) = IL/σ + 2τ(1 − t₊)(RT/F) ln(c_L/c_0)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from validation_utils import (
    TEMPERATURE_K,
    THERMAL_VOLTAGE_V,
    bruce_vincent,
    bv_overpotential_V,
    merge,
    nernst_einstein,
    one_d_cell,
    potentiostatic_hold,
    read_metrics,
    relative_error,
    run_case,
    shared_dir,
)

#: One-region 1-D validations against references; under ``mpirun -n 2`` they would only repeat
#: themselves (serial vs 2 ranks is tested with several regions in test_mpi_agreement.py).
pytestmark = pytest.mark.serial

SIGMA, C0 = 0.01, 1000.0


def _bisect(f, lo: float, hi: float) -> float:
    f_lo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == (f_lo > 0):
            lo, f_lo = mid, f(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_bruce_vincent_with_fixed_anions(comm, tmp_path):
    """Bruce–Vincent on σ, t₊ and X = c₀ returns t₊ (the Li⁺ share of the conductance)."""
    t_plus, fixed, i0, length_um, delta_v = 0.4, C0, 20.0, 5.0, 0.010
    d_plus = t_plus * SIGMA * R * TEMPERATURE_K / (F**2 * (C0 + fixed))
    d_minus = (1 - t_plus) * SIGMA * R * TEMPERATURE_K / (F**2 * C0)
    d_salt = d_plus * d_minus * (2 * C0 + fixed) / (d_plus * (C0 + fixed) + d_minus * C0)
    relaxation_s = (length_um * 1e-6) ** 2 / (math.pi**2 * d_salt)
    cell = one_d_cell(
        thickness_um=length_um, transference_number=t_plus, exchange_current_density_A_per_m2=i0
    )
    cell["electrolyte"]["fixed_anion_concentration_mol_per_m3"] = fixed
    data = potentiostatic_hold(cell, delta_v, 12.0 * relaxation_s, relaxation_s / 4)
    out = shared_dir(tmp_path, comm) / "bv_fixed"
    _, result = run_case(data, out, comm)
    assert result.status == "completed"
    m = read_metrics(out, comm)
    i_first = m["anode_current_density_A_per_m2"][0]
    i_steady = m["anode_current_density_A_per_m2"][-1]
    r_ct = R * TEMPERATURE_K / (F * i0)
    t_bv = bruce_vincent(i_first, i_steady, delta_v, 2 * r_ct)
    err = relative_error(t_bv, t_plus)
    print(f"\nBruce-Vincent, X = c0: t+ = {t_bv:.5f} (input {t_plus}), error {err:.2e}")
    assert err < 0.01
    # the initial current is ohmic through the whole conductance sigma
    r_initial = length_um * 1e-6 / SIGMA + 2 * r_ct
    assert relative_error(delta_v / i_first, r_initial) < 0.01


def fixed_anion_reference(
    current: float, length_um: float, fixed: float, d_plus: float, i0: float, n: int = 4001
) -> tuple[np.ndarray, np.ndarray, float]:
    """1-D steady state of a cell with fixed anions X at current ``current`` (plating at y=0).

    Returns y (m), c₋(y) (mol/m³) and the cell voltage (V).
    """
    length = length_um * 1e-6
    y = np.linspace(0.0, length, n)
    slope = current / (F * d_plus)  # du/dy, u = 2c₋ + X ln c₋

    def profile(c_minus_0: float) -> np.ndarray:
        u = 2 * c_minus_0 + fixed * math.log(c_minus_0) + slope * y
        lo, hi = np.full_like(u, 1e-12), np.full_like(u, 1e5)
        for _ in range(200):  # bisection on the increasing 2c + X ln c, all points at once
            mid = 0.5 * (lo + hi)
            above = 2 * mid + fixed * np.log(mid) > u
            hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
        return 0.5 * (lo + hi)

    def inventory(c_minus_0: float) -> float:
        c = profile(c_minus_0)
        return float(np.sum(0.5 * (c[1:] + c[:-1]) * np.diff(y))) - C0 * length

    c_minus = profile(_bisect(inventory, 1e-9, C0))
    c_plus = c_minus + fixed
    integrand = current * R * TEMPERATURE_K / (F**2 * d_plus * c_plus)
    delta_phi = float(np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(y)))
    c_ref = C0 + fixed
    eta_a = bv_overpotential_V(current, c_plus[0] / c_ref, i0)
    eta_c = bv_overpotential_V(-current, c_plus[-1] / c_ref, i0)
    voltage = eta_a - eta_c - THERMAL_VOLTAGE_V * math.log(c_plus[0] / c_plus[-1]) - delta_phi
    return y, c_minus, voltage


def test_fixed_anions_above_the_mobile_salt_limiting_current(comm, tmp_path):
    """X = 2 c₀ at 3× the limiting current of the mobile salt: steady state vs the 1-D solve."""
    t_plus, fixed, i0, length_um = 0.4, 2 * C0, 50.0, 2.0
    _, _, d_binary = nernst_einstein(SIGMA, t_plus, C0)
    i_lim = 2 * F * d_binary * C0 / ((1 - t_plus) * length_um * 1e-6)
    current = 3.0 * i_lim
    d_plus = t_plus * SIGMA * R * TEMPERATURE_K / (F**2 * (C0 + fixed))
    y_ref, c_ref, v_ref = fixed_anion_reference(current, length_um, fixed, d_plus, i0)
    duration = 6.0 * (length_um * 1e-6) ** 2 / d_binary
    data = merge(
        one_d_cell(
            thickness_um=length_um,
            transference_number=t_plus,
            exchange_current_density_A_per_m2=i0,
            size_at_anode_um=0.1,
            size_bulk_um=0.2,
        ),
        {
            "electrolyte": {"fixed_anion_concentration_mol_per_m3": fixed},
            "operation": {"current_density_A_per_m2": current, "duration_s": duration},
            "numerics": {"dt_initial_s": 1e-3, "dt_max_s": duration / 10},
            "output": {"every_s": duration},
        },
    )
    out = shared_dir(tmp_path, comm) / "fixed_high_current"
    _, result = run_case(data, out, comm)
    assert result.status == "completed", result.status
    m = read_metrics(out, comm)
    v_h = m["cell_voltage_V"][-1]
    drift = abs(m["cell_voltage_V"][-1] - m["cell_voltage_V"][-2]) / abs(v_h)
    err_v = relative_error(abs(v_h), abs(v_ref))
    c_min = m["c_anode_min_mol_per_m3"][-1]
    err_c = relative_error(c_min, c_ref[0] + fixed)
    print(
        f"\nfixed anions at {current / i_lim:.1f} i_lim: V = {v_h:.6g} V, 1-D {-abs(v_ref):.6g} V "
        f"(error {err_v:.2e}, drift {drift:.1e}); c+ at the anode {c_min:.5g}, 1-D "
        f"{c_ref[0] + fixed:.5g} (error {err_c:.2e})"
    )
    assert v_h < 0
    assert drift < 1e-3
    assert err_v < 0.01
    assert err_c < 0.01


CONCENTRATED = {
    "conductivity_S_per_m": SIGMA,
    "transference_number": 0.35,
    "salt_diffusivity_m2_per_s": 3e-12,
    "thermodynamic_factor": 1.8,
}


def test_restricted_diffusion_uses_the_salt_diffusivity(comm, tmp_path):
    """After a pulse the OCV decays as exp(−π²Dt/L²) with the given D (NE would give another)."""
    length_um, d_salt = 3.0, CONCENTRATED["salt_diffusivity_m2_per_s"]
    tau_s = (length_um * 1e-6) ** 2 / (math.pi**2 * d_salt)
    _, _, d_ne = nernst_einstein(SIGMA, CONCENTRATED["transference_number"], C0)
    assert abs(d_ne / d_salt - 1) > 0.5  # the test can tell the two apart
    data = merge(
        one_d_cell(
            thickness_um=length_um,
            exchange_current_density_A_per_m2=50.0,
            size_at_anode_um=0.1,
            size_bulk_um=0.1,
        ),
        {
            "electrolyte": CONCENTRATED,
            "operation": {
                "protocol": [
                    {"current_density_A_per_m2": 2.0, "duration_s": 0.5 * tau_s},
                    {"current_density_A_per_m2": 0.0, "duration_s": 3.0 * tau_s},
                ]
            },
            "numerics": {"dt_initial_s": 1e-3, "dt_max_s": tau_s / 40},
            "output": {"every_s": tau_s},
        },
    )
    out = shared_dir(tmp_path, comm) / "restricted"
    _, result = run_case(data, out, comm)
    assert result.status == "completed"
    m = read_metrics(out, comm)
    t, v = m["time_s"], m["cell_voltage_V"]
    window = (t > 1.5 * tau_s) & (t < 3.3 * tau_s)
    slope = np.polyfit(t[window], np.log(np.abs(v[window])), 1)[0]
    rate_expected = 1.0 / tau_s
    err = relative_error(-slope, rate_expected)
    print(
        f"\nrestricted diffusion: decay rate {-slope:.5g} 1/s, pi^2 D/L^2 {rate_expected:.5g}, "
        f"error {err:.2e}"
    )
    assert err < 0.01


@pytest.mark.parametrize("tdf", [1.0, 1.8])
def test_newman_steady_symmetric_cell(comm, tmp_path, tdf):
    """Steady Li|Li cell in the concentrated-solution form: V against the analytic result."""
    length_um, i0 = 2.0, 30.0
    props = CONCENTRATED | {"thermodynamic_factor": tdf}
    t_plus, d_salt = props["transference_number"], props["salt_diffusivity_m2_per_s"]
    i_lim = 2 * F * d_salt * C0 / ((1 - t_plus) * length_um * 1e-6)
    current = 0.5 * i_lim
    duration = 8.0 * (length_um * 1e-6) ** 2 / d_salt
    data = merge(
        one_d_cell(
            thickness_um=length_um,
            exchange_current_density_A_per_m2=i0,
            size_at_anode_um=0.05,
            size_bulk_um=0.1,
        ),
        {
            "electrolyte": props,
            "operation": {"current_density_A_per_m2": current, "duration_s": duration},
            "numerics": {"dt_initial_s": 1e-3, "dt_max_s": duration / 30},
            "output": {"every_s": duration},
        },
    )
    out = shared_dir(tmp_path, comm) / f"newman_{tdf}"
    _, result = run_case(data, out, comm)
    assert result.status == "completed"
    m = read_metrics(out, comm)
    length = length_um * 1e-6
    gradient = (1 - t_plus) * current / (F * d_salt)
    c_0, c_l = C0 - gradient * length / 2, C0 + gradient * length / 2
    eta_a = bv_overpotential_V(current, c_0 / C0, i0)
    eta_c = bv_overpotential_V(-current, c_l / C0, i0)
    v_exact = (
        eta_a
        - eta_c
        - current * length / SIGMA
        + THERMAL_VOLTAGE_V * math.log(c_l / c_0) * (1 - 2 * tdf * (1 - t_plus))
    )
    v_h = m["cell_voltage_V"][-1]
    err = relative_error(v_h, v_exact)
    c_min = m["c_anode_min_mol_per_m3"][-1]
    print(
        f"\nNewman steady, tdf {tdf}: V = {v_h:.6g}, analytic {v_exact:.6g} (error {err:.2e}); "
        f"c(0) = {c_min:.5g}, analytic {c_0:.5g}"
    )
    assert err < 0.01
    assert relative_error(c_min, c_0) < 0.01
