"""Transport properties of every region (matrix electrolyte and named materials), in SI units.

Mesh-free and DOLFINx-free: the :class:`~lidendrite.case.Case`, ``lidendrite check``,
``lidendrite presets`` and the effective-property command read them.

**Equilibrium concentrations (Donnan).** The matrix electrolyte holds the mobile salt ``c₀``
(``salt_concentration_mol_per_m3``) and possibly immobilised anions ``X_m``: ``c₋ = c₀``,
``c₊ = c₀ + X_m``. A material with fixed anions ``X`` and partition coefficient ``K`` in
equilibrium with it has ``c₊ c₋ = K c₊,m c₋,m`` and ``c₊ − c₋ = X`` (electroneutrality), so

    c₋ = (√(X² + 4 K c₊,m c₋,m) − X) / 2,      c₊ = c₋ + X

— for a binary matrix (``X_m = 0``, ``K = 1``) the textbook Donnan result
``c± = (√(X² + 4c₀²) ± X)/2``.

**Transport.** Given σ and t₊ (t₊ = the Li⁺ share of the conductance), Nernst–Einstein with the
region's own ion concentrations: ``D₊ = t₊ σ R T / (F² c₊)``, ``D₋ = (1 − t₊) σ R T / (F² c₋)``.
Given the two diffusivities, ``σ = F² (D₊ c₊ + D₋ c₋) / (R T)``. With ``salt_diffusivity`` the
region is a binary electrolyte in the concentrated-solution form (σ, t₊, D, thermodynamic
factor independent). The activation energy is that of σ: σ(T) = σ_ref exp[−E_a/k_B (1/T −
1/T_ref)]; given diffusivities (and a given salt diffusivity) scale by that factor times
T/T_ref, so both routes give the same D(T).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lidendrite.constants import BOLTZMANN_EV_PER_K as K_B
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.errors import ConfigError

if TYPE_CHECKING:
    from lidendrite.config import Config, ElectrolyteConfig, MaterialConfig

__all__ = [
    "MATRIX",
    "TransportProperties",
    "arrhenius_factor",
    "donnan_concentrations",
    "region_transport",
    "regions",
]

#: Name of the matrix electrolyte region.
MATRIX = "electrolyte"


def arrhenius_factor(
    activation_energy_eV: float, temperature_K: float, reference_temperature_K: float
) -> float:
    """exp[-E_a/k_B (1/T - 1/T_ref)]: a property at T relative to its value at T_ref."""
    if temperature_K <= 0 or reference_temperature_K <= 0:
        raise ConfigError(
            f"temperature = {temperature_K:g} K, reference = {reference_temperature_K:g} K: "
            "must be > 0"
        )
    return math.exp(
        -activation_energy_eV / K_B * (1.0 / temperature_K - 1.0 / reference_temperature_K)
    )


@dataclass(frozen=True)
class TransportProperties:
    """Transport of one region at one temperature, in equilibrium with the matrix (SI units).

    ``diffusivity_cation/anion`` are the dilute (Nernst–Planck) ion diffusivities; for a
    concentrated-solution region they are the Nernst–Einstein values of σ and t₊, given for
    reference only (the model uses σ, t₊, the salt diffusivity and the thermodynamic factor).
    """

    diffusivity_cation_m2_per_s: float
    diffusivity_anion_m2_per_s: float
    salt_diffusivity_m2_per_s: float
    conductivity_S_per_m: float
    transference_number: float
    salt_concentration_mol_per_m3: float
    """The mobile-anion concentration c₋ of this region at the initial equilibrium."""
    temperature_K: float
    fixed_anion_concentration_mol_per_m3: float = 0.0
    thermodynamic_factor: float = 1.0
    partition_coefficient: float = 1.0
    concentrated: bool = False
    """σ, t₊ and the salt diffusivity given independently (Newman's binary electrolyte)."""
    name: str = MATRIX
    blocking: bool = False

    @property
    def cation_concentration_mol_per_m3(self) -> float:
        """Li⁺ concentration c₊ = c₋ + X."""
        return self.salt_concentration_mol_per_m3 + self.fixed_anion_concentration_mol_per_m3

    @property
    def cation_conductivity_S_per_m(self) -> float:
        """Li⁺ partial conductivity t₊ σ (what a Li|Li cell conducts at steady state)."""
        return self.transference_number * self.conductivity_S_per_m

    @property
    def mobile_anions(self) -> bool:
        """Whether the anions move at all (t₊ < 1)."""
        return self.transference_number < 1.0


def donnan_concentrations(
    fixed_anion_mol_per_m3: float, partition: float, matrix_product_mol2_per_m6: float
) -> tuple[float, float]:
    """(c₊, c₋) of a region with fixed anions X and partition K next to the matrix.

    Solves ``c₊ c₋ = K P`` and ``c₊ − c₋ = X`` (P = c₊ c₋ of the matrix) without cancellation.
    """
    x = fixed_anion_mol_per_m3
    kp = partition * matrix_product_mol2_per_m6
    c_minus = 2.0 * kp / (x + math.sqrt(x * x + 4.0 * kp))
    return c_minus + x, c_minus


def region_transport(
    spec: ElectrolyteConfig | MaterialConfig,
    temperature_K: float,
    *,
    c_cation_mol_per_m3: float,
    c_anion_mol_per_m3: float,
    name: str = MATRIX,
) -> TransportProperties:
    """Transport properties of a region of the given ion concentrations at ``temperature_K``.

    Raises:
        ConfigError: Neither pair of transport keys is complete (an unresolved configuration).
    """
    arr = arrhenius_factor(spec.activation_energy_eV, temperature_K, spec.reference_temperature_K)
    rt_f2 = R * temperature_K / F**2
    c_p, c_m = c_cation_mol_per_m3, c_anion_mol_per_m3
    fixed = spec.fixed_anion_concentration_mol_per_m3
    d_given = spec.diffusivity_cation_m2_per_s, spec.diffusivity_anion_m2_per_s
    if d_given[0] is not None and d_given[1] is not None:
        # E_a describes the conductivity: D = t σ R T / (F² c) carries T / T_ref as well
        t_factor = temperature_K / spec.reference_temperature_K
        d_plus, d_minus = (d * arr * t_factor for d in d_given)
        sigma = (d_plus * c_p + d_minus * c_m) / rt_f2
        t_plus = d_plus * c_p / (d_plus * c_p + d_minus * c_m)
    elif spec.conductivity_S_per_m is not None and spec.transference_number is not None:
        sigma = spec.conductivity_S_per_m * arr
        t_plus = spec.transference_number
        d_plus = t_plus * sigma * rt_f2 / c_p
        d_minus = (1.0 - t_plus) * sigma * rt_f2 / c_m
    else:
        raise ConfigError(
            f"{name}: needs conductivity_S_per_m + transference_number or "
            "diffusivity_cation_m2_per_s + diffusivity_anion_m2_per_s"
        )
    concentrated = spec.salt_diffusivity_m2_per_s is not None
    if concentrated:
        d_salt = spec.salt_diffusivity_m2_per_s * arr * temperature_K / spec.reference_temperature_K
    elif d_plus + d_minus > 0.0:
        # zero-current diffusivity of the mobile salt, D₊D₋(c₊+c₋)/(D₊c₊+D₋c₋)
        d_salt = d_plus * d_minus * (c_p + c_m) / (d_plus * c_p + d_minus * c_m)
    else:
        d_salt = 0.0
    return TransportProperties(
        diffusivity_cation_m2_per_s=d_plus,
        diffusivity_anion_m2_per_s=d_minus,
        salt_diffusivity_m2_per_s=d_salt,
        conductivity_S_per_m=sigma,
        transference_number=t_plus,
        salt_concentration_mol_per_m3=c_m,
        temperature_K=temperature_K,
        fixed_anion_concentration_mol_per_m3=fixed,
        thermodynamic_factor=spec.thermodynamic_factor,
        partition_coefficient=getattr(spec, "salt_partition_coefficient", 1.0),
        concentrated=concentrated,
        name=name,
    )


def matrix_transport(el: ElectrolyteConfig, temperature_K: float) -> TransportProperties:
    """The matrix electrolyte: c₋ = c₀, c₊ = c₀ + X."""
    c0 = el.salt_concentration_mol_per_m3
    return region_transport(
        el,
        temperature_K,
        c_cation_mol_per_m3=c0 + el.fixed_anion_concentration_mol_per_m3,
        c_anion_mol_per_m3=c0,
    )


def regions(cfg: Config) -> dict[str, TransportProperties]:
    """Every region of a config at the cell temperature: the matrix first, then the materials.

    Blocking materials are listed (``blocking=True``, zero transport) so that tags and tables
    cover them.
    """
    temperature = cfg.operation.temperature_K
    matrix = matrix_transport(cfg.electrolyte, temperature)
    product = matrix.cation_concentration_mol_per_m3 * matrix.salt_concentration_mol_per_m3
    out = {MATRIX: matrix}
    for name, mat in cfg.materials.items():
        if mat.blocking:
            out[name] = TransportProperties(
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, temperature, name=name, blocking=True
            )
            continue
        c_p, c_m = donnan_concentrations(
            mat.fixed_anion_concentration_mol_per_m3, mat.salt_partition_coefficient, product
        )
        out[name] = region_transport(
            mat, temperature, c_cation_mol_per_m3=c_p, c_anion_mol_per_m3=c_m, name=name
        )
    return out


def region_rows(cfg: Config) -> list[tuple[str, ...]]:
    """One row per region for ``lidendrite check``: model, σ, t₊, c₊, c₋, X, D (SI)."""
    rows = [("region", "model", "sigma S/m", "t+", "c+ mol/m3", "c- mol/m3", "X mol/m3", "D m2/s")]
    for name, tp in regions(cfg).items():
        if tp.blocking:
            rows.append((name, "blocking", *("-",) * 6))
            continue
        model = "concentrated" if tp.concentrated else "dilute"
        if tp.concentrated and tp.thermodynamic_factor != 1.0:
            model += f" (TDF {tp.thermodynamic_factor:g})"
        rows.append(
            (
                name,
                model,
                f"{tp.conductivity_S_per_m:.4g}",
                f"{tp.transference_number:.3g}",
                f"{tp.cation_concentration_mol_per_m3:.5g}",
                f"{tp.salt_concentration_mol_per_m3:.5g}",
                f"{tp.fixed_anion_concentration_mol_per_m3:.4g}",
                f"{tp.salt_diffusivity_m2_per_s:.4g}",
            )
        )
    return rows
