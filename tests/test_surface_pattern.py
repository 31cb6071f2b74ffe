"""Current focusing by a sinusoidal exchange current on a flat anode, against linear theory.

i₀ = ī₀ (1 + ε cos kx) on a flat anode, a reservoir (c = c₀, φ = 0) at distance L, a small
current, steady state. Linearised Butler–Volmer at small current (scaled, η = φ − φ_s):
δi = i₀ [δc/c₀ + A η], A = α_a + α_c.

* Binary salt at steady state: the anion flux vanishes, so φ = ln(c/c₀) (in RT/F) and
  i = −2 F D₊ ∂c/∂n with c harmonic; a mode â cos kx sinh(k(L − y))/sinh(kL) of c/c₀ carries
  î = −2 F D₊ c₀ k coth(kL) â, and Butler–Volmer gives î = ī₀ (1 + A) â + ε ī. Hence
  δi/ī = ε Wa/(1 + Wa) with **Wa = 2 F D₊ c₀ k coth(kL) / ((1 + A) ī₀)**
  = R_ct σ k coth(kL) · t₊ · 2A/(1 + A).
* Single-ion conductor (t₊ = 1): c is uniform, φ harmonic, î = −σ (RT/F) k coth(kL) φ̂ and
  î = ī₀ A φ̂ + ε ī: **Wa = R_ct σ k coth(kL)**, the form of issue 10.

The two coincide only for t₊ = 1; F D₊ c₀ k / ī₀ (without the factor 2/(1 + A)) is right only
for A = 1. The A = 2 and t₊ = 1 cases tell the forms apart (the test checks that the wrong ones
miss by far more than the tolerance).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.simulation import run

T = 298.15
WIDTH_UM = 1.0  # half a wavelength: cos kx meets the insulating walls with zero slope
WAVELENGTH_UM = 2.0
L_UM = 1.0
EPS = 0.05
SIGMA = 0.01  # S/m
C0 = 1000.0
CURRENT = 0.2  # A/m², ≪ i₀ and ≪ i_lim (≈ 200 A/m²)
RTOL = 0.02
K = 2 * math.pi / (WAVELENGTH_UM * 1e-6)
COTH = 1.0 / math.tanh(K * L_UM * 1e-6)


def d_cation(t_plus: float) -> float:
    """D₊ from σ = F² c₀ (D₊ + D₋) / (RT) and t₊ = D₊ / (D₊ + D₋)."""
    return t_plus * SIGMA * R * T / (F**2 * C0)


def i0_binary(wagner: float, a_sum: float, t_plus: float = 0.4) -> float:
    """ī₀ that gives the steady binary-salt Wagner number ``wagner``."""
    return 2 * F * d_cation(t_plus) * C0 * K * COTH / ((1 + a_sum) * wagner)


def i0_single_ion(wagner: float, a_sum: float) -> float:
    """ī₀ that gives Wa = R_ct σ k coth(kL) = ``wagner`` (single-ion conductor)."""
    return R * T / F * SIGMA * K * COTH / (a_sum * wagner)


class _Profile:
    """Keeps the anode plating current of the last accepted step."""

    def on_step_end(self, stepper, row) -> None:
        st = stepper.state
        self.xy = st.anode.xy.copy()
        self.i = st.plating_current_nodal(st.anode, st.cell_voltage_scaled())


def modulation(comm, tmp_path, *, i0: float, t_plus: float, alpha: float) -> float:
    """Simulated δi/ī: cosine amplitude over mean of the steady anode current."""
    cfg = config_from_dict(
        {
            "cell": {
                "width_um": WIDTH_UM,
                "thickness_um": L_UM,
                "counter_electrode": "reservoir",
                "anode": {"shape": "flat"},
            },
            "mesh": {"size_at_anode_um": 0.025, "size_bulk_um": 0.1, "grading_distance_um": 0.5},
            "electrolyte": {
                "conductivity_S_per_m": SIGMA,
                "transference_number": t_plus,
                "salt_concentration_mol_per_m3": C0,
            },
            "kinetics": {
                "exchange_current_density_A_per_m2": i0,
                "alpha_anodic": alpha,
                "alpha_cathodic": alpha,
                "patterns": [
                    {
                        "quantity": "exchange_current_density",
                        "kind": "sinusoid",
                        "relative_amplitude": EPS,
                        "wavelength_um": WAVELENGTH_UM,
                    }
                ],
            },
            "operation": {
                "temperature_K": T,
                "current_density_A_per_m2": CURRENT,
                "duration_s": 30.0,  # L²/D ≈ 1 s
            },
            "numerics": {"dt_initial_s": 1e-3, "dt_max_s": 5.0, "time_scheme": "bdf1"},
            "output": {"vtx": False, "progress_every_s": 0.0, "every_s": 30.0},
        }
    )
    profile = _Profile()
    out = comm.bcast(str(tmp_path), root=0)
    run(cfg, out_dir=__import__("pathlib").Path(out), comm=comm, callbacks=[profile])
    x = profile.xy[:, 0] * 1e-6
    mean = np.trapezoid(profile.i, x) / (WIDTH_UM * 1e-6)
    amp = 2 * np.trapezoid(profile.i * np.cos(K * x), x) / (WIDTH_UM * 1e-6)
    return float(amp / mean)


def theory(wagner: float) -> float:
    return EPS * wagner / (1 + wagner)


@pytest.mark.parametrize("wagner", [0.1, 1.0, 10.0])
def test_binary_salt_steady_modulation(comm, tmp_path, wagner):
    measured = modulation(comm, tmp_path, i0=i0_binary(wagner, 1.0), t_plus=0.4, alpha=0.5)
    assert measured == pytest.approx(theory(wagner), rel=RTOL)
    # the R_ct σ k coth(kL) = Wa / t₊ (at A = 1) is far off at Wa ≤ 1
    if wagner <= 1.0:
        assert abs(measured / theory(wagner / 0.4) - 1) > 5 * RTOL


def test_binary_salt_transfer_coefficients_enter_as_2a_over_1_plus_a(comm, tmp_path):
    # α_a = α_c = 1 (A = 2): Wa = 2 F D₊ c₀ k coth / (3 ī₀); F D₊ c₀ k coth / ī₀ = 1.5 Wa
    measured = modulation(comm, tmp_path, i0=i0_binary(1.0, 2.0), t_plus=0.4, alpha=1.0)
    assert measured == pytest.approx(theory(1.0), rel=RTOL)
    assert abs(measured / theory(1.5) - 1) > 5 * RTOL


def test_single_ion_conductor_modulation(comm, tmp_path):
    measured = modulation(comm, tmp_path, i0=i0_single_ion(1.0, 1.0), t_plus=1.0, alpha=0.5)
    assert measured == pytest.approx(theory(1.0), rel=RTOL)


def test_check_reports_wagner_numbers_at_the_defect_and_pattern_scales():
    from lidendrite.materials import derived_quantities

    cfg = config_from_dict(
        {
            "cell": {"anode": {"shape": "defect", "defect_radius_um": 0.5}},
            "electrolyte": {"conductivity_S_per_m": SIGMA, "transference_number": 0.4},
            "kinetics": {
                "exchange_current_density_A_per_m2": 10.0,
                "patterns": [
                    {
                        "quantity": "exchange_current_density",
                        "kind": "sinusoid",
                        "relative_amplitude": 0.5,
                        "wavelength_um": 2 * math.pi,
                    }
                ],
            },
        }
    )
    d = derived_quantities(cfg)
    r_ct_sigma_m = R * T / (F * 10.0) * SIGMA  # α_a + α_c = 1
    assert d["wagner_number_defect"][0] == pytest.approx(r_ct_sigma_m / 0.5e-6)
    assert d["wagner_number_pattern"][0] == pytest.approx(r_ct_sigma_m / 1e-6)
    assert d["wagner_number_pattern_steady"][0] == pytest.approx(0.4 * r_ct_sigma_m / 1e-6)
    assert d["wagner_number"][0] == pytest.approx(r_ct_sigma_m / 3e-6)


def test_unresolved_or_misplaced_patterns_are_warned_about():
    from lidendrite.plausibility import config_warnings

    def pattern(**p):
        return {"quantity": "exchange_current_density", **p}

    cfg = config_from_dict(
        {
            "electrolyte": {"conductivity_S_per_m": SIGMA, "transference_number": 0.4},
            "mesh": {"size_at_anode_um": 0.1},
            "kinetics": {
                "patterns": [
                    pattern(kind="sinusoid", relative_amplitude=0.1, wavelength_um=0.5),
                    pattern(kind="random", correlation_um=0.1, relative_std=0.1),
                    pattern(kind="patches", segments=[{"x_um": [6, 7], "factor": 2}]),
                    pattern(kind="patches", segments=[{"x_um": [1, 1.1], "factor": 2}]),
                ]
            },
        }
    )
    text = "\n".join(config_warnings(cfg, {}))
    assert "patterns[0].wavelength_um = 0.5: fewer than 10 elements" in text
    assert "patterns[1].correlation_um = 0.1: fewer than 2 elements" in text
    assert "patterns[2].segments[0].x_um = [6, 7]: outside the cell" in text
    assert "patterns[3].segments[0].x_um = [1, 1.1]: narrower than 2 elements" in text
