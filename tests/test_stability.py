"""Linear-stability numbers that `lidendrite check` reports (capillary length, neutral and
fastest-growing wavelengths, elements per wavelength) and its under-resolution warning.

References: the growth rate of the test suite's own dispersion relation (moving_utils, derived
there independently of the package) and the closed forms of the fast-kinetics limit
ω = V k − B k³ (B = γΩ² D₊ c_s / RT): neutral k_n = √(V/B), fastest k_f = k_n/√3.
"""

import math

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.materials import derived_quantities
from moving_utils import (
    FARADAY_C_PER_MOL,
    GAS_CONSTANT_J_PER_MOL_K,
    LI_MOLAR_VOLUME_M3_PER_MOL,
    linear_growth_rate_per_s,
)

pytestmark = pytest.mark.serial

T = 298.15


def _cfg(i0: float, current: float = 10.0, h: float = 0.1, gamma: float = 0.5):
    return config_from_dict(
        {
            "cell": {"width_um": 20.0, "thickness_um": 50.0},
            "mesh": {"size_at_anode_um": h, "size_bulk_um": 1.0},
            "electrolyte": {"conductivity_S_per_m": 0.0611, "transference_number": 0.8},
            "kinetics": {"exchange_current_density_A_per_m2": i0, "surface_energy_J_per_m2": gamma},
            "operation": {"temperature_K": T, "current_density_A_per_m2": current, "duration_s": 1},
            "numerics": {"moving_boundary": True},
        }
    )


@pytest.mark.parametrize("i0", [8.1, 600.0])
def test_wavelengths_against_the_dispersion_relation(i0):
    d = derived_quantities(_cfg(i0))

    def rate(lam_um):
        return linear_growth_rate_per_s(
            lam_um,
            current_density_A_per_m2=10.0,
            exchange_current_density_A_per_m2=i0,
            surface_energy_J_per_m2=0.5,
            thickness_um=50.0,
        )

    lam_n, lam_f = d["neutral_wavelength"][0], d["fastest_wavelength"][0]
    assert abs(rate(lam_n)) < 1e-6 * abs(rate(lam_f))  # ω(λ_n) = 0
    assert rate(0.98 * lam_n) < 0 < rate(1.02 * lam_n)
    # λ_f maximises ω: no other wavelength on a fine grid grows faster (to the grid's accuracy)
    grid = np.geomspace(1.05 * lam_n, 100 * 20.0, 3000)
    best = max(rate(x) for x in grid)
    assert d["fastest_growth_rate"][0] == pytest.approx(best, rel=1e-4)
    assert d["fastest_growth_rate"][0] == pytest.approx(rate(lam_f), rel=1e-9)
    assert d["elements_per_neutral_wavelength"][0] == pytest.approx(lam_n / 0.1)


def test_fast_kinetics_limit():
    i, gamma = 10.0, 0.5
    d = derived_quantities(_cfg(1e7, current=i))
    rt = GAS_CONSTANT_J_PER_MOL_K * T
    c0, sigma, tp = 1000.0, 0.0611, 0.8
    d_plus = tp * sigma * rt / (FARADAY_C_PER_MOL**2 * c0)
    i_lim = 4 * FARADAY_C_PER_MOL * d_plus * c0 / 50e-6
    c_s = c0 * (1 - i / i_lim)
    omega = LI_MOLAR_VOLUME_M3_PER_MOL
    v = i * omega / FARADAY_C_PER_MOL
    b = gamma * omega**2 * d_plus * c_s / rt
    k_n = math.sqrt(v / b)
    assert d["neutral_wavelength"][0] * 1e-6 == pytest.approx(2 * math.pi / k_n, rel=1e-3)
    assert d["fastest_wavelength"][0] * 1e-6 == pytest.approx(
        2 * math.pi / (k_n / math.sqrt(3)), rel=2e-3
    )
    assert d["capillary_length"][0] * 1e-9 == pytest.approx(gamma * omega / rt, rel=1e-12)


def test_check_warns_when_the_neutral_wavelength_is_not_resolved():
    from lidendrite.cli import config_warnings

    coarse = _cfg(600.0, current=60.0, h=0.3)
    d = derived_quantities(coarse)
    assert d["elements_per_neutral_wavelength"][0] < 8
    assert any("neutral wavelength" in w for w in config_warnings(coarse, d))
    fine = _cfg(8.1, current=10.0)
    d = derived_quantities(fine)
    assert d["elements_per_neutral_wavelength"][0] >= 8
    assert not any("neutral wavelength" in w for w in config_warnings(fine, d))
