"""Transport properties and derived quantities of a configuration.

The electrolyte presets (the measured electrolytes of the seed papers) live in
:mod:`lidendrite.presets` and are re-exported here. Transport properties follow from the
conductivity and transference number by Nernst-Einstein for a 1:1 salt at concentration c0,

    D+ = t+ sigma R T / (F^2 c0),   D- = (1 - t+) sigma R T / (F^2 c0),   D = 2 D+ D- / (D+ + D-),

with Arrhenius temperature dependence sigma(T) = sigma_ref exp[-E_a/k_B (1/T - 1/T_ref)].
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.physics.patterns import smallest_pattern_length_um
from lidendrite.presets import (
    DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2,
    PRESETS,
    Preset,
    get_preset,
)
from lidendrite.regions import (
    TransportProperties,
    arrhenius_factor,
    matrix_transport,
)
from lidendrite.stability import linear_stability

if TYPE_CHECKING:
    from lidendrite.config import Config, ElectrolyteConfig, KineticsConfig

__all__ = [
    "DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2",
    "PRESETS",
    "Preset",
    "TransportProperties",
    "arrhenius_factor",
    "derived_quantities",
    "exchange_current_density",
    "get_preset",
    "transport_properties",
]


def transport_properties(el: ElectrolyteConfig, temperature_K: float) -> TransportProperties:
    """Transport properties of the matrix electrolyte at ``temperature_K``.

    See :mod:`lidendrite.regions` (Nernst–Einstein with c₊ = c₀ + X, c₋ = c₀).
    """
    return matrix_transport(el, temperature_K)


def exchange_current_density(kin: KineticsConfig, temperature_K: float) -> float:
    """Exchange current density at ``temperature_K``, A/m^2 (Arrhenius from T_ref)."""
    i0 = kin.exchange_current_density_A_per_m2
    i0 = DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2 if i0 is None else i0
    return i0 * arrhenius_factor(
        kin.activation_energy_eV, temperature_K, kin.reference_temperature_K
    )


def limiting_current_density(cfg: Config) -> float:
    """Steady limiting current density of the cell, A/m^2.

    ``2 F D c0 / ((1 - t+) L)`` between two Li electrodes, ``F D c0 / ((1 - t+) L)`` with a
    reservoir (concentration held at c0) as the counter electrode.
    """
    tp = transport_properties(cfg.electrolyte, cfg.operation.temperature_K)
    length_m = (cfg.cell.membrane_thickness_um or cfg.cell.thickness_um) * 1e-6
    sides = 2.0 if cfg.cell.counter_electrode == "lithium" else 1.0
    if tp.transference_number >= 1.0 or tp.fixed_anion_concentration_mol_per_m3 > 0.0:
        return math.inf  # fixed anions carry the current: no concentration limit
    return (
        sides
        * F
        * tp.salt_diffusivity_m2_per_s
        * tp.salt_concentration_mol_per_m3
        / ((1.0 - tp.transference_number) * length_m)
    )


def _local_wagner_numbers(
    cfg: Config, wagner_length_m: float, t_plus: float
) -> dict[str, tuple[float, str, str]]:
    """Wagner numbers at the scale of a defect and of a surface pattern (R_ct σ / r).

    With an interphase film ``wagner_length_m`` is (R_ct + R_film) σ: the film levels too.

    Wa_r = R_ct σ / r: above ~1 the current is kinetically levelled over the defect or pattern,
    below it the ohmic drop focuses it. For a binary salt at steady state (anion flux zero) the
    concentration takes part and the relevant number is Wa_r · t₊ · 2(α_a + α_c)/(1 + α_a + α_c).
    """
    kin = cfg.kinetics
    a_sum = kin.alpha_anodic + kin.alpha_cathodic
    steady = t_plus * 2.0 * a_sum / (1.0 + a_sum) if t_plus < 1.0 else 1.0
    out: dict[str, tuple[float, str, str]] = {}
    scales = []
    if cfg.cell.anode.shape == "defect":
        scales.append(("defect", cfg.cell.anode.defect_radius_um, "r = defect radius"))
    ell = smallest_pattern_length_um(kin.patterns)
    if ell is not None:
        scales.append(("pattern", ell, "r = lambda/2pi, patch half-width or correlation"))
    r_int = "(R_ct + R_film)" if kin.film_resistance_ohm_m2 > 0 else "R_ct"
    for name, r_um, what in scales:
        wa = wagner_length_m / (r_um * 1e-6)
        out[f"wagner_number_{name}"] = (wa, "-", f"Wa_r = {r_int} sigma / r, {what}")
        if steady != 1.0:
            out[f"wagner_number_{name}_steady"] = (
                wa * steady,
                "-",
                "steady binary salt: Wa_r t+ 2(alpha_a+alpha_c)/(1+alpha_a+alpha_c)",
            )
    return out


def _film_quantities(
    r_ct: float, r_film: float, sigma_over_length: float
) -> dict[str, tuple[float, str, str]]:
    """The interphase film: its resistance, its share of R_ct + R_film and the Wagner number."""
    if r_film <= 0.0:
        return {}
    return {
        "film_resistance": (r_film, "ohm m^2", "interphase film resistance R_film (uniform part)"),
        "film_share": (r_film / (r_ct + r_film), "-", "R_film / (R_ct + R_film)"),
        "wagner_number_with_film": (
            (r_ct + r_film) * sigma_over_length,
            "-",
            "Wa = (R_ct + R_film) sigma / L",
        ),
    }


def _region_quantities(tp: TransportProperties) -> dict[str, tuple[float, str, str]]:
    """Fixed anions and the concentrated-solution data, when given."""
    out: dict[str, tuple[float, str, str]] = {}
    if tp.fixed_anion_concentration_mol_per_m3 > 0:
        out["fixed_anion_concentration"] = (
            tp.fixed_anion_concentration_mol_per_m3,
            "mol/m^3",
            "immobilised anions X (Li+ = c0 + X; no limiting current)",
        )
    if tp.concentrated:
        out["thermodynamic_factor"] = (tp.thermodynamic_factor, "-", "1 + dln f/dln c")
    return out


def derived_quantities(cfg: Config) -> dict[str, tuple[float, str, str]]:
    """Characteristic numbers of a run, for ``lidendrite check`` and the run log.

    Current-dependent entries use the first galvanostatic step with a nonzero current (its
    magnitude) and are left out in potentiostatic mode or when every step is a rest.

    Returns:
        name -> (value, unit, description), in a stable order.
    """
    temperature = cfg.operation.temperature_K
    tp = transport_properties(cfg.electrolyte, temperature)
    kin = cfg.kinetics
    i0 = exchange_current_density(kin, temperature)
    length_m = (cfg.cell.membrane_thickness_um or cfg.cell.thickness_um) * 1e-6
    d, c0, t_plus = (
        tp.salt_diffusivity_m2_per_s,
        tp.salt_concentration_mol_per_m3,
        tp.transference_number,
    )
    omega = kin.molar_volume_m3_per_mol
    r_ct = R * temperature / ((kin.alpha_anodic + kin.alpha_cathodic) * F * i0)
    out: dict[str, tuple[float, str, str]] = {
        "temperature": (temperature, "K", "cell temperature"),
        "D_cation": (tp.diffusivity_cation_m2_per_s, "m^2/s", "Li+ diffusivity D+"),
        "D_anion": (tp.diffusivity_anion_m2_per_s, "m^2/s", "anion diffusivity D-"),
        "D_salt": (
            d,
            "m^2/s",
            "salt diffusivity (given: concentrated-solution form)"
            if tp.concentrated
            else "salt diffusivity D = D+ D- (c+ + c-) / (D+ c+ + D- c-)",
        ),
        "conductivity": (tp.conductivity_S_per_m, "S/m", "ionic conductivity sigma"),
        "transference_number": (t_plus, "-", "Li+ transference number t+"),
        **_region_quantities(tp),
        "exchange_current_density": (i0, "A/m^2", "exchange current density i0"),
        "charge_transfer_resistance": (
            r_ct,
            "ohm m^2",
            "R_ct = RT / ((alpha_a + alpha_c) F i0)",
        ),
        "wagner_number": (r_ct * tp.conductivity_S_per_m / length_m, "-", "Wa = R_ct sigma / L"),
        **_film_quantities(r_ct, kin.film_resistance_ohm_m2, tp.conductivity_S_per_m / length_m),
        **_local_wagner_numbers(
            cfg, (r_ct + kin.film_resistance_ohm_m2) * tp.conductivity_S_per_m, t_plus
        ),
        "diffusion_time": (length_m**2 / d if d > 0 else math.inf, "s", "L^2 / D"),
        "limiting_current_density": (
            limiting_current_density(cfg),
            "A/m^2",
            "i_lim = 2 F D c0 / ((1 - t+) L)"
            if cfg.cell.counter_electrode == "lithium"
            else "i_lim = F D c0 / ((1 - t+) L) (reservoir counter electrode)",
        ),
        "total_duration": (cfg.total_duration_s, "s", "protocol duration x repeat"),
    }
    i_lim = out["limiting_current_density"][0]
    if not math.isfinite(i_lim):  # fixed anions or a single-ion conductor: none to report
        del out["limiting_current_density"]
    if cfg.operation.mode != "galvanostatic":
        return out
    currents = [s.current_density_A_per_m2 or 0.0 for s in cfg.operation.protocol]
    first = next((abs(i) for i in currents if i != 0.0), None)
    if first is None:
        return out
    net_charge = cfg.operation.repeat * sum(
        (s.current_density_A_per_m2 or 0.0) * s.duration_s for s in cfg.operation.protocol
    )
    out |= {
        "current_density": (first, "A/m^2", "applied current density i (first nonzero step)"),
        **({"current_ratio": (first / i_lim, "-", "i / i_lim")} if math.isfinite(i_lim) else {}),
        "sand_time": (
            math.pi * d * (c0 * F) ** 2 / (4.0 * (first * (1.0 - t_plus)) ** 2)
            if math.isfinite(i_lim)
            else math.inf,
            "s",
            "Sand's time pi D (c0 F)^2 / (4 [i (1 - t+)]^2)",
        ),
        "front_speed": (
            first * omega / F * 1e6 * 3600.0,
            "um/h",
            "Faraday front speed i Omega / F",
        ),
        "plated_thickness": (
            net_charge * omega / F * 1e6,
            "um",
            "net Li thickness plated over the protocol",
        ),
    }
    plating = next((i for i in currents if i > 0.0), None)
    stab = None
    if plating is not None:
        stab = linear_stability(
            current_A_per_m2=plating,
            limiting_current_A_per_m2=i_lim,
            salt_concentration_mol_per_m3=c0,
            diffusivity_cation_m2_per_s=tp.diffusivity_cation_m2_per_s,
            exchange_current_A_per_m2=i0,
            alpha_anodic=kin.alpha_anodic,
            alpha_cathodic=kin.alpha_cathodic,
            surface_energy_J_per_m2=kin.surface_energy_J_per_m2,
            molar_volume_m3_per_mol=omega,
            temperature_K=temperature,
            depth_m=length_m,
            width_m=cfg.cell.width_um * 1e-6,
            film_resistance_ohm_m2=kin.film_resistance_ohm_m2,
        )
    if stab is not None:
        h = cfg.mesh.size_at_anode_um
        lam_n, lam_f = stab.neutral_wavelength_m * 1e6, stab.fastest_wavelength_m * 1e6
        out |= {
            "capillary_length": (stab.capillary_length_m * 1e9, "nm", "gamma Omega / (R T)"),
            "neutral_wavelength": (lam_n, "um", "shorter wavelengths decay (first plating step)"),
            "fastest_wavelength": (lam_f, "um", "fastest-growing wavelength of a flat surface"),
            "fastest_growth_rate": (
                stab.fastest_growth_rate_per_s,
                "1/s",
                "its amplitude growth rate (linear stability)",
            ),
            "transport_ratio": (
                stab.transport_ratio,
                "-",
                "K / (F D+ k~) there: << 1 kinetics-, >~ 1 transport-limited",
            ),
            "elements_per_neutral_wavelength": (lam_n / h, "-", "neutral wavelength / mesh size"),
            "elements_per_fastest_wavelength": (lam_f / h, "-", "fastest wavelength / mesh size"),
        }
    return out
