"""Linear stability of a flat Li surface plating at a constant current (pure, no DOLFINx).

Quasi-steady dilute binary electrolyte, Butler–Volmer kinetics and capillarity. With the
mobile-anion flux zero in the steady state, ``u = 2c + c_f ln c`` is harmonic and the Li⁺ flux is
``−D₊∇u``. Perturbing a flat surface ``h = a cos kx`` and linearising the kinetics about the base
state (surface concentration ``c_s``, cathodic and anodic partial currents ``i_c``, ``i_a``)::

    δi = K (G_u a + A) − i_η (γΩ/RT) k² a          (kinetics; A: amplitude of δu at the surface)
    δi = −F D₊ k̃ A                                  (transport, k̃ = k coth(kL))
    K = (i_c/c₊ₛ + i_η/c_s) / (2 + c_f/c_s),  i_η = α_c i_c + α_a i_a,  G_u = i/(F D₊)

so the amplitude grows at ``ω(k) = Ω D₊ k̃ [K G_u − i_η (γΩ/RT) k²] / (F D₊ k̃ + K)``; it vanishes at
the neutral wavenumber ``k_n = √(K G_u RT / (i_η γΩ))``.

An interphase film of area resistance R_f (η → η − R_f i) sits in series with the kinetics:
linearising i = BV(c, η − R_f i) gives δi (1 + R_f ∂i/∂η) = (the film-free δi), ∂i/∂η =
F i_η/RT, so K and i_η are both multiplied by ``s = 1/(1 + R_f F i_η/RT) = R_ct'/(R_ct' + R_f)``
(R_ct' = RT/(F i_η), the local differential charge-transfer resistance). The neutral wavelength
does not change (s cancels); growth slows and the fastest wavelength moves where transport
limited it. For fast kinetics (K → ∞) this tends to
``ω = V k̃ − (γΩ² D₊ c_s / RT) k̃ k²`` with ``V = iΩ/F``. A shape is resolved when the mesh puts
several elements on the neutral and on the fastest-growing wavelength.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.physics.kinetics import overpotential_for_current

#: Fewer elements than this on the neutral wavelength make shapes mesh-dependent.
MIN_ELEMENTS_PER_NEUTRAL_WAVELENGTH = 8.0


@dataclass(frozen=True)
class Stability:
    """Linear-stability numbers of one plating current (SI unless the name says otherwise)."""

    capillary_length_m: float
    surface_concentration_mol_per_m3: float
    neutral_wavelength_m: float
    fastest_wavelength_m: float
    fastest_growth_rate_per_s: float
    transport_ratio: float
    """K / (F D₊ k̃) at the fastest wavelength: ≪ 1 kinetics-limited, ≳ 1 transport-limited."""


def growth_rate(
    k: np.ndarray,
    *,
    K: float,
    G_u: float,
    i_eta: float,
    d_cation: float,
    omega_m3: float,
    gamma: float,
    temperature_K: float,
    depth_m: float,
) -> np.ndarray:
    """ω(k) of the dispersion relation (1/s) for wavenumbers ``k`` (1/m)."""
    k = np.asarray(k, dtype=float)
    kt = k / np.tanh(k * depth_m)
    cap = i_eta * gamma * omega_m3 / (R * temperature_K) * k**2
    return omega_m3 * d_cation * kt * (K * G_u - cap) / (F * d_cation * kt + K)


def linear_stability(
    *,
    current_A_per_m2: float,
    limiting_current_A_per_m2: float,
    salt_concentration_mol_per_m3: float,
    diffusivity_cation_m2_per_s: float,
    exchange_current_A_per_m2: float,
    alpha_anodic: float,
    alpha_cathodic: float,
    surface_energy_J_per_m2: float,
    molar_volume_m3_per_mol: float,
    temperature_K: float,
    depth_m: float,
    width_m: float,
    film_resistance_ohm_m2: float = 0.0,
) -> Stability | None:
    """Stability of a flat surface plating at ``current_A_per_m2`` (None: no plating below i_lim).

    The steady surface concentration of a binary salt (no fixed anions) is ``c₀(1 − i/i_lim)``.
    The fastest-growing wavelength is searched between the neutral wavelength and 100 cell
    widths; ``depth_m`` is where the perturbation vanishes (the counter electrode). A uniform
    film ``film_resistance_ohm_m2`` scales the kinetic response (module docstring).
    """
    i = current_A_per_m2
    if not (0.0 < i < limiting_current_A_per_m2):
        return None
    c0 = salt_concentration_mol_per_m3
    c_s = c0 * (1.0 - i / limiting_current_A_per_m2)
    i0 = exchange_current_A_per_m2
    eta = overpotential_for_current(  # scaled by RT/F
        i,
        exchange_current=i0,
        alpha_anodic=alpha_anodic,
        alpha_cathodic=alpha_cathodic,
        c_ratio=c_s / c0,
    )
    i_c, i_a = i0 * c_s / c0 * math.exp(-alpha_cathodic * eta), i0 * math.exp(alpha_anodic * eta)
    i_eta = alpha_cathodic * i_c + alpha_anodic * i_a
    K = (i_c / c_s + i_eta / c_s) / 2.0
    film_factor = 1.0 / (1.0 + film_resistance_ohm_m2 * F * i_eta / (R * temperature_K))
    K, i_eta = film_factor * K, film_factor * i_eta
    G_u = i / (F * diffusivity_cation_m2_per_s)
    gamma, omega = surface_energy_J_per_m2, molar_volume_m3_per_mol
    l_cap = gamma * omega / (R * temperature_K)
    args = dict(
        K=K,
        G_u=G_u,
        i_eta=i_eta,
        d_cation=diffusivity_cation_m2_per_s,
        omega_m3=omega,
        gamma=gamma,
        temperature_K=temperature_K,
        depth_m=depth_m,
    )
    k_min = 2.0 * math.pi / (100.0 * width_m)
    if gamma > 0.0:
        k_n = math.sqrt(K * G_u / (i_eta * l_cap))
        lam_n = 2.0 * math.pi / k_n
    else:
        k_n, lam_n = 1e3 * 2.0 * math.pi / width_m, 0.0
    ks = np.geomspace(k_min, max(k_n, 1.01 * k_min), 4001)
    rates = growth_rate(ks, **args)
    best = int(np.argmax(rates))
    k_f = float(ks[best])
    kt = k_f / math.tanh(k_f * depth_m)
    return Stability(
        capillary_length_m=l_cap,
        surface_concentration_mol_per_m3=c_s,
        neutral_wavelength_m=lam_n,
        fastest_wavelength_m=2.0 * math.pi / k_f,
        fastest_growth_rate_per_s=float(rates[best]),
        transport_ratio=K / (F * diffusivity_cation_m2_per_s * kt),
    )
