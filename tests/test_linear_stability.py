"""Growth and decay of a small sinusoidal perturbation of the plating surface (linear stability).

A Li|Cl-Li-G62|Li cell, one wavelength wide, plates at 10 A/m² with a surface
y = a·cos(2πx/λ). After the concentration profile has settled (L²/(π²D) ≈ 50 s), the mode grows
or decays as exp(ωt). The rate fitted to the simulated anode is compared with the quasi-steady
linear theory (``moving_utils.linear_growth_rate_per_s``): diffusion-driven growth at long
wavelengths, capillary (Gibbs-Thomson) decay at short ones, neutral near λ ≈ 3 µm.

Guards against a wrong sign or size of the curvature term, a missing concentration dependence of
the kinetics, boundary motion that does not follow the local current, and numerical smoothing
of the interface by the mesh motion.

The initial amplitude is 1e-4 λ: the front speed V = iΩ/F is large compared with ω/k, and the
kinematic nonlinearity h_t = v_n (1 + h_x²)^½ feeds a second harmonic of size V k² a² / ω back
into the mode. With a ≥ 1e-3 λ this shifts the fitted rate at λ = 2 µm by several per cent.
"""

from __future__ import annotations

import numpy as np
import pytest

from moving_utils import (
    anode_mode_amplitudes,
    fitted_growth_rate_per_s,
    linear_growth_rate_per_s,
    moving_cell,
    run_case,
    shared_dir,
)

CURRENT_A_PER_M2 = 10.0
EXCHANGE_CURRENT_A_PER_M2 = 8.1
SURFACE_ENERGY_J_PER_M2 = 0.5
THICKNESS_UM = 50.0
FRAME_EVERY_S = 1000.0
FIT_FROM_S = 3000.0
RTOL = 0.10
#: wavelength (µm) -> simulated duration (s)
DURATIONS_S = {10.0: 20000.0, 2.0: 20000.0, 4.0: 12000.0, 2.5: 12000.0}


def _config(wavelength_um: float, duration_s: float) -> dict:
    return moving_cell(
        title=f"linear stability, wavelength {wavelength_um:g} um",
        cell={
            "width_um": wavelength_um,
            "thickness_um": THICKNESS_UM,
            "anode": {
                "shape": "sinusoid",
                "amplitude_um": 1e-4 * wavelength_um,
                "wavelength_um": wavelength_um,
            },
        },
        mesh={
            "size_at_anode_um": wavelength_um / 40.0,
            "size_bulk_um": 4.0,
            "grading_distance_um": 10.0,
        },
        kinetics={
            "exchange_current_density_A_per_m2": EXCHANGE_CURRENT_A_PER_M2,
            "surface_energy_J_per_m2": SURFACE_ENERGY_J_PER_M2,
            "alpha_anodic": 0.5,
            "alpha_cathodic": 0.5,
        },
        operation={"current_density_A_per_m2": CURRENT_A_PER_M2, "duration_s": duration_s},
        numerics={"dt_max_s": 200.0},
        output={"every_s": FRAME_EVERY_S},
    )


def _theory(wavelength_um: float) -> float:
    return linear_growth_rate_per_s(
        wavelength_um,
        current_density_A_per_m2=CURRENT_A_PER_M2,
        exchange_current_density_A_per_m2=EXCHANGE_CURRENT_A_PER_M2,
        surface_energy_J_per_m2=SURFACE_ENERGY_J_PER_M2,
        thickness_um=THICKNESS_UM,
    )


@pytest.fixture(scope="module")
def simulated_rates(comm, tmp_path_factory) -> dict[float, float]:
    """Fitted ω (1/s) for each wavelength of ``DURATIONS_S`` (collective)."""
    root = shared_dir(comm, tmp_path_factory.mktemp("linear_stability"))
    rates = {}
    for wavelength, duration in DURATIONS_S.items():
        out = run_case(_config(wavelength, duration), root / f"lambda_{wavelength:g}", comm)
        assert out.status["status"] == "completed", out.status
        assert np.all(out.metrics["remesh_count"] == 0)
        times, amplitudes = anode_mode_amplitudes(out.out_dir, comm, wavelength, wavelength)
        assert times[-1] == pytest.approx(duration)
        assert amplitudes[0] == pytest.approx(1e-4 * wavelength, rel=1e-6)
        rates[wavelength] = fitted_growth_rate_per_s(times, amplitudes, FIT_FROM_S)
    return rates


@pytest.mark.parametrize("wavelength_um", [10.0, 2.0])
def test_growth_rate_matches_linear_theory(simulated_rates, wavelength_um):
    simulated = simulated_rates[wavelength_um]
    theory = _theory(wavelength_um)
    assert abs(simulated - theory) <= RTOL * abs(theory), (
        f"lambda = {wavelength_um:g} um: simulated omega = {simulated:.4e} 1/s, "
        f"linear theory {theory:.4e} 1/s ({simulated / theory - 1:+.1%})"
    )


def test_neutral_wavelength_is_bracketed(simulated_rates):
    # Theory: unstable at 10 um, stable at 2 um (neutral near 3 um); the simulation agrees.
    assert _theory(10.0) > 0.0 > _theory(2.0)
    assert simulated_rates[10.0] > 0.0 > simulated_rates[2.0], simulated_rates


@pytest.mark.parametrize("wavelength_um", [4.0, 2.5])
def test_sign_near_the_neutral_wavelength(simulated_rates, wavelength_um):
    theory = _theory(wavelength_um)
    simulated = simulated_rates[wavelength_um]
    # |omega| here is >= 6e-6 1/s: growth or decay of >= 5 % over the fitted window.
    assert abs(theory) > 5e-6
    assert np.sign(simulated) == np.sign(theory), (
        f"lambda = {wavelength_um:g} um: simulated omega = {simulated:.3e} 1/s, "
        f"theory {theory:.3e} 1/s"
    )
