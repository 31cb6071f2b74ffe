"""Schema of the electrolyte section and of the named ``materials``: transport keys (SI units).

A material's transport is given in one of three ways (the electrolyte section likewise):

- ``conductivity_S_per_m`` + ``transference_number``: dilute Nernst–Planck, the two ion
  diffusivities from Nernst–Einstein with the material's own Li⁺ and anion concentrations;
- ``diffusivity_cation_m2_per_s`` + ``diffusivity_anion_m2_per_s``: dilute Nernst–Planck;
- ``conductivity_S_per_m`` + ``transference_number`` + ``salt_diffusivity_m2_per_s`` (and
  optionally ``thermodynamic_factor``): a binary electrolyte in the concentrated-solution form
  (Newman), the three measured properties independent of each other.

``fixed_anion_concentration_mol_per_m3`` immobilises anions (anionic MOFs); a material marked
``blocking: true`` conducts no ions and is a hole in the mesh.
"""

from pydantic import Field
from pydantic.dataclasses import dataclass

from lidendrite.config.types import MODEL_CONFIG, Bool, Float, Str

__all__ = ["ElectrolyteConfig", "MaterialConfig"]


@dataclass(frozen=True, config=MODEL_CONFIG)
class ElectrolyteConfig:
    """The matrix electrolyte (the one that touches the electrodes and fills the cell)."""

    preset: Str | None = Field(
        None, description="name of an electrolyte preset (see 'lidendrite presets')"
    )
    conductivity_S_per_m: Float | None = Field(
        None, gt=0, description="ionic conductivity at T_ref, S/m"
    )
    transference_number: Float | None = Field(
        None,
        gt=0,
        le=1,
        description="Li+ transference number (Li+ share of the conductance), - "
        "(1: single-ion conductor, the anions do not move)",
    )
    salt_concentration_mol_per_m3: Float = Field(
        1000.0, gt=0, description="salt (mobile-anion) concentration c0, mol/m^3"
    )
    activation_energy_eV: Float = Field(
        0.0, ge=0, lt=2, description="Arrhenius activation energy of the transport, eV"
    )
    reference_temperature_K: Float = Field(
        298.15, gt=0, description="temperature of the given values, K"
    )
    diffusivity_cation_m2_per_s: Float | None = Field(
        None, gt=0, description="Li+ diffusivity at T_ref, m^2/s"
    )
    diffusivity_anion_m2_per_s: Float | None = Field(
        None, gt=0, description="anion diffusivity at T_ref, m^2/s"
    )
    salt_diffusivity_m2_per_s: Float | None = Field(
        None,
        gt=0,
        description="measured salt diffusivity at T_ref, m^2/s (with conductivity and "
        "transference number: the concentrated-solution form)",
    )
    thermodynamic_factor: Float = Field(
        1.0,
        gt=0,
        le=20,
        description="1 + dln f/dln c of the salt, - (concentrated-solution form only)",
    )
    fixed_anion_concentration_mol_per_m3: Float = Field(
        0.0, ge=0, description="immobilised anions (anionic frameworks), mol/m^3; Li+ = c0 + this"
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class MaterialConfig:
    """A named material of a region (layer, particle, shell, grain boundary, ...)."""

    blocking: Bool = Field(False, description="conducts no ions: a hole in the mesh (true/false)")
    preset: Str | None = Field(
        None, description="take conductivity, transference number and E_a from a preset"
    )
    conductivity_S_per_m: Float | None = Field(
        None, gt=0, description="ionic conductivity at T_ref in equilibrium with c0, S/m"
    )
    transference_number: Float | None = Field(
        None, gt=0, le=1, description="Li+ share of the conductance, -"
    )
    diffusivity_cation_m2_per_s: Float | None = Field(
        None, gt=0, description="Li+ diffusivity at T_ref, m^2/s"
    )
    diffusivity_anion_m2_per_s: Float | None = Field(
        None, gt=0, description="anion diffusivity at T_ref, m^2/s"
    )
    salt_diffusivity_m2_per_s: Float | None = Field(
        None, gt=0, description="measured salt diffusivity at T_ref, m^2/s (concentrated form)"
    )
    thermodynamic_factor: Float = Field(
        1.0, gt=0, le=20, description="1 + dln f/dln c of the salt, - (concentrated form only)"
    )
    fixed_anion_concentration_mol_per_m3: Float = Field(
        0.0, ge=0, description="immobilised anions, mol/m^3"
    )
    activation_energy_eV: Float = Field(
        0.0, ge=0, lt=2, description="Arrhenius activation energy of the transport, eV"
    )
    reference_temperature_K: Float = Field(
        298.15, gt=0, description="temperature of the given values, K"
    )
    salt_partition_coefficient: Float = Field(
        1.0,
        gt=0,
        description="c+ c- in this material / c+ c- of the matrix electrolyte at equilibrium, "
        "- (1: ideal partition)",
    )
