"""A uniform SEI film in the linear stability of a plating surface, against a simulation.

A film of area resistance R_f sits in series with Butler–Volmer: i = BV(c, η − R_f i).
Linearising, δi (1 + R_f ∂i/∂η) equals the film-free response, ∂i/∂η = F i_η/RT, so the kinetic
coefficients K and i_η of the dispersion relation (``moving_utils.linear_growth_rate_per_s``)
are both multiplied by s = 1/(1 + R_f F i_η/RT). For a fixed sinusoidal surface y = a cos kx in
the quasi-steady symmetric cell (salt harmonic, anions at rest, δu ∝ sinh(k(L − y))) the
current modulation is then

    δi/a = s [K G_u − i_η (γΩ/RT) k²] F D₊ k̃ / (F D₊ k̃ + s K),

(ω = Ω δi/(F a) for a moving front). The test holds a sinusoid fixed in a transport-limited
Cl-Li-G62-like cell (0.6 i_lim, i₀ = 600 A/m², R_f F i_η/RT ≈ 2 at the base state), lets the
salt settle and compares the cos-mode of the anode current with this formula; the film-free
formula would be off by ~40 %. It also checks that ``lidendrite check`` puts the film into its
stability numbers: the neutral wavelength is unchanged (s cancels), the fastest growth rate is
the maximum of the film formula.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.materials import derived_quantities
from lidendrite.simulation import run
from moving_utils import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    LI_MOLAR_VOLUME_M3_PER_MOL,
    binary_salt_diffusivities,
    butler_volmer_partial_currents,
    shared_dir,
)

pytestmark = pytest.mark.serial

T = 298.15
SIGMA, T_PLUS, C0 = 0.0611, 0.8, 1000.0
I0 = 600.0
GAMMA = 0.5
WAVELENGTH_UM = 4.0
LENGTH_UM = 4.0
AMPLITUDE_UM = 0.02
K_WAVE = 2.0 * math.pi / (WAVELENGTH_UM * 1e-6)


def _limiting_current() -> float:
    _, _, d_salt = binary_salt_diffusivities(SIGMA, T_PLUS, C0, T)
    return 2.0 * FARADAY_C_PER_MOL * d_salt * C0 / ((1.0 - T_PLUS) * LENGTH_UM * 1e-6)


CURRENT = 0.6 * _limiting_current()


def _base_state(current: float) -> tuple[float, float, float]:
    """Surface concentration, K and i_η of the steady symmetric cell (no film)."""
    _, _, d_salt = binary_salt_diffusivities(SIGMA, T_PLUS, C0, T)
    c_s = C0 - (1.0 - T_PLUS) * current * LENGTH_UM * 1e-6 / (2.0 * FARADAY_C_PER_MOL * d_salt)
    i_c, i_a, _ = butler_volmer_partial_currents(current, I0, c_s / C0, 0.5, 0.5, T)
    i_eta = 0.5 * (i_c + i_a)
    return c_s, (i_c + i_eta) / (2.0 * c_s), i_eta


def film_for_ratio(ratio: float) -> float:
    """R_f (Ω m²) with R_f F i_η/RT = ``ratio`` at the base state."""
    _, _, i_eta = _base_state(CURRENT)
    return ratio * GAS_CONSTANT_J_PER_MOL_K * T / (FARADAY_C_PER_MOL * i_eta)


def modulation_per_amplitude(k: float, film_ohm_m2: float, depth_m: float) -> float:
    """δi/a (A/m³) of a fixed surface a cos kx from the linearised model with a film."""
    F, RT = FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K * T
    d_plus, _, _ = binary_salt_diffusivities(SIGMA, T_PLUS, C0, T)
    _, big_k, i_eta = _base_state(CURRENT)
    s = 1.0 / (1.0 + film_ohm_m2 * F * i_eta / RT)
    kt = k / math.tanh(k * depth_m)
    g_u = CURRENT / (F * d_plus)
    cap = i_eta * GAMMA * LI_MOLAR_VOLUME_M3_PER_MOL / RT * k**2
    return s * (big_k * g_u - cap) * F * d_plus * kt / (F * d_plus * kt + s * big_k)


def _config(film_ohm_m2: float) -> dict:
    return {
        "cell": {
            "width_um": WAVELENGTH_UM,
            "thickness_um": LENGTH_UM,
            "anode": {
                "shape": "sinusoid",
                "amplitude_um": AMPLITUDE_UM,
                "wavelength_um": WAVELENGTH_UM,
            },
        },
        "mesh": {"size_at_anode_um": 0.1, "size_bulk_um": 0.4, "grading_distance_um": 1.0},
        "electrolyte": {
            "conductivity_S_per_m": SIGMA,
            "transference_number": T_PLUS,
            "salt_concentration_mol_per_m3": C0,
        },
        "kinetics": {
            "exchange_current_density_A_per_m2": I0,
            "film_resistance_ohm_m2": film_ohm_m2,
            "surface_energy_J_per_m2": GAMMA,
        },
        "operation": {
            "temperature_K": T,
            "current_density_A_per_m2": CURRENT,
            "duration_s": 10.0,  # L²/D_salt ≈ 3 s
        },
        "numerics": {"moving_boundary": False, "dt_initial_s": 1e-3, "dt_max_s": 2.0},
        "output": {"vtx": False, "progress_every_s": 0.0, "every_s": 10.0},
    }


class _Profile:
    def on_step_end(self, stepper, row) -> None:
        st = stepper.state
        self.xy = st.anode.xy.copy()
        self.i = st.plating_current_nodal(st.anode, st.cell_voltage_scaled())


def _measured(comm, out: Path, film_ohm_m2: float) -> float:
    profile = _Profile()
    run(config_from_dict(_config(film_ohm_m2)), out_dir=out, comm=comm, callbacks=[profile])
    x = profile.xy[:, 0] * 1e-6
    width = WAVELENGTH_UM * 1e-6
    mean = np.trapezoid(profile.i, x) / width
    amp = 2.0 * np.trapezoid(profile.i * np.cos(K_WAVE * x), x) / width
    return float(amp / mean * CURRENT / (AMPLITUDE_UM * 1e-6))


def test_film_scales_the_current_modulation(comm, tmp_path):
    root = shared_dir(comm, tmp_path)
    film = film_for_ratio(2.0)
    depth = LENGTH_UM * 1e-6
    with_film = _measured(comm, root / "film", film)
    without = _measured(comm, root / "bare", 0.0)
    ref_film = modulation_per_amplitude(K_WAVE, film, depth)
    ref_bare = modulation_per_amplitude(K_WAVE, 0.0, depth)
    print(
        f"\nfilm: di/a = {with_film:.5g} A/m3 (theory {ref_film:.5g}); "
        f"bare: {without:.5g} (theory {ref_bare:.5g})"
    )
    assert without == pytest.approx(ref_bare, rel=0.02)
    assert with_film == pytest.approx(ref_film, rel=0.02)
    assert abs(with_film / ref_bare - 1.0) > 0.2  # the film's effect is far above tolerance


def test_check_stability_numbers_include_the_film():
    film = film_for_ratio(2.0)
    cfg = _config(film)
    cfg["cell"]["anode"] = {"shape": "flat"}
    cfg["numerics"]["moving_boundary"] = True
    d_film = derived_quantities(config_from_dict(cfg))
    cfg["kinetics"]["film_resistance_ohm_m2"] = 0.0
    d_bare = derived_quantities(config_from_dict(cfg))
    assert d_film["neutral_wavelength"][0] == pytest.approx(d_bare["neutral_wavelength"][0])
    depth = LENGTH_UM * 1e-6
    omega = LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL

    def rate(lam_um: float, r_f: float) -> float:
        return omega * modulation_per_amplitude(2 * math.pi / (lam_um * 1e-6), r_f, depth)

    lam_n = d_film["neutral_wavelength"][0]
    grid = np.geomspace(1.05 * lam_n, 100 * WAVELENGTH_UM, 3000)
    best = max(rate(x, film) for x in grid)
    assert d_film["fastest_growth_rate"][0] == pytest.approx(best, rel=1e-4)
    assert d_bare["fastest_growth_rate"][0] == pytest.approx(
        max(rate(x, 0.0) for x in grid), rel=1e-4
    )
    assert d_film["fastest_growth_rate"][0] < 0.7 * d_bare["fastest_growth_rate"][0]
