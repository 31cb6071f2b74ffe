"""Non-dimensionalisation: the one place where SI quantities become solver variables.

The finite-element problem is solved in scaled variables:

- length in µm (the Gmsh/DOLFINx mesh coordinates), ``x̂ = x / L`` with ``L = 1 µm``;
- concentration ``ĉ = c / c₀`` (salt concentration);
- potential ``φ̂ = F φ / (R T)`` (multiples of the thermal voltage);
- time ``t̂ = t D_ref / L²`` with ``D_ref = D₊`` (cation diffusivity);
- molar flux in units of ``D_ref c₀ / L`` and current density in ``F D_ref c₀ / L``.

In these units the Faraday front speed ``v = iΩ/F`` becomes ``v̂ = î c₀ Ω`` (µm per unit time).
Everything outside this module and :mod:`lidendrite.physics` works with SI quantities whose
names carry their units.
"""

from __future__ import annotations

from dataclasses import dataclass

from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R

LENGTH_M = 1e-6
"""The mesh unit: one micrometre."""


@dataclass(frozen=True)
class Scaling:
    """Reference scales of the scaled problem (all SI)."""

    concentration_mol_per_m3: float
    diffusivity_m2_per_s: float
    temperature_K: float
    length_m: float = LENGTH_M

    @property
    def thermal_voltage_V(self) -> float:
        """RT/F in volts."""
        return R * self.temperature_K / F

    @property
    def time_s(self) -> float:
        """Diffusion time over one length unit, L²/D_ref, in seconds."""
        return self.length_m**2 / self.diffusivity_m2_per_s

    @property
    def flux_mol_per_m2_s(self) -> float:
        """Molar flux scale D_ref c₀ / L."""
        return self.diffusivity_m2_per_s * self.concentration_mol_per_m3 / self.length_m

    @property
    def current_A_per_m2(self) -> float:
        """Current density scale F D_ref c₀ / L."""
        return F * self.flux_mol_per_m2_s


@dataclass(frozen=True)
class CellParameters:
    """Dimensionless coefficients of the cell model (see :mod:`lidendrite.physics`)."""

    d_cation: float
    """D₊ / D_ref."""
    d_anion: float
    """D₋ / D_ref."""
    c_fixed: float
    """Immobilised-anion concentration / c₀ (0 for a binary salt)."""
    exchange_current: float
    """i₀ / i_ref."""
    alpha_anodic: float
    alpha_cathodic: float
    capillary: float
    """γΩ / (R T L): Gibbs–Thomson shift per unit curvature (1/µm) in thermal voltages."""
    front_speed: float
    """c₀ Ω: boundary speed per unit scaled current."""


def make_scaling(
    salt_concentration_mol_per_m3: float, diffusivity_cation_m2_per_s: float, temperature_K: float
) -> Scaling:
    """Reference scales for a cell: c₀, D₊ and the operating temperature."""
    return Scaling(
        concentration_mol_per_m3=salt_concentration_mol_per_m3,
        diffusivity_m2_per_s=diffusivity_cation_m2_per_s,
        temperature_K=temperature_K,
    )


def cell_parameters(
    scaling: Scaling,
    *,
    diffusivity_cation_m2_per_s: float,
    diffusivity_anion_m2_per_s: float,
    exchange_current_density_A_per_m2: float,
    alpha_anodic: float,
    alpha_cathodic: float,
    surface_energy_J_per_m2: float,
    molar_volume_m3_per_mol: float,
    fixed_anion_concentration_mol_per_m3: float = 0.0,
) -> CellParameters:
    """Scale the physical parameters of a cell."""
    c0 = scaling.concentration_mol_per_m3
    return CellParameters(
        d_cation=diffusivity_cation_m2_per_s / scaling.diffusivity_m2_per_s,
        d_anion=diffusivity_anion_m2_per_s / scaling.diffusivity_m2_per_s,
        c_fixed=fixed_anion_concentration_mol_per_m3 / c0,
        exchange_current=exchange_current_density_A_per_m2 / scaling.current_A_per_m2,
        alpha_anodic=alpha_anodic,
        alpha_cathodic=alpha_cathodic,
        capillary=surface_energy_J_per_m2
        * molar_volume_m3_per_mol
        / (R * scaling.temperature_K * scaling.length_m),
        front_speed=c0 * molar_volume_m3_per_mol,
    )
