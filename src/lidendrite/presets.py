"""Electrolyte presets: the measured electrolytes of the seed papers, one entry per electrolyte.

This module owns :class:`Preset`, the :data:`PRESETS` table, :func:`get_preset` and the default
exchange current density. It imports nothing from :mod:`lidendrite.config` or
:mod:`lidendrite.materials`, so both can use it without an import cycle
(:mod:`lidendrite.materials` re-exports these names).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from lidendrite.errors import ConfigError

__all__ = [
    "DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2",
    "PRESETS",
    "Preset",
    "get_preset",
]

#: Exchange current density used when neither the config nor the electrolyte preset gives one.
DEFAULT_EXCHANGE_CURRENT_DENSITY_A_PER_M2 = 10.0
#: S/cm -> S/m.
S_PER_M_PER_S_PER_CM = 100.0
#: mA/cm^2 -> A/m^2.
A_PER_M2_PER_MA_PER_CM2 = 10.0
#: Exchange current density assumed for the seed-002 polymer electrolytes, A/m^2.
ASSUMED_POLYMER_I0_A_PER_M2 = 0.5 * A_PER_M2_PER_MA_PER_CM2


@dataclass(frozen=True)
class Preset:
    """A measured electrolyte.

    Attributes:
        name: Name used in the configuration (``electrolyte.preset``).
        conductivity_S_per_m: Total ionic conductivity at 298.15 K, S/m.
        transference_number: Li+ transference number.
        activation_energy_eV: Arrhenius activation energy of the conductivity, eV.
        exchange_current_density_A_per_m2: Li/electrolyte exchange current density, A/m^2
            (None: not reported, the kinetics default applies).
        source: Citation of the paper the values come from.
        notes: What is assumed and why.
        salt_concentration_mol_per_m3: Salt concentration c0 implied by the paper's recipe, the
            default of ``electrolyte.salt_concentration_mol_per_m3`` with this preset (None:
            not derivable, 1 M applies).
        membrane_thickness_um: Membrane thickness the paper reports, µm (for
            ``cell.membrane_thickness_um``; None: not reported).
    """

    name: str
    conductivity_S_per_m: float
    transference_number: float
    activation_energy_eV: float
    exchange_current_density_A_per_m2: float | None
    source: str
    notes: str
    salt_concentration_mol_per_m3: float | None = None
    membrane_thickness_um: float | None = None


_G62_SOURCE = "L. Li et al., Adv. Funct. Mater. (2025), doi:10.1002/adfm.202505700"
_LPC_SOURCE = "Y. Zhu et al., Proc. Natl. Acad. Sci. USA 120 (2023), doi:10.1073/pnas.2300197120"
_GHF_SOURCE = "M. H. Nguyen et al., Nano-Micro Lett. 18, 135 (2026)"

_G62_NOTES = (
    "ZIF-62 glass quasi-solid electrolyte with LiTFSI. sigma is the total ionic conductivity at "
    "25 C (sigma_Li+ = t+ sigma), E_a from the Arrhenius fit of sigma, i0 from Tafel plots of "
    "Li|QSSE|Li cells. The salt concentration is not reported (the LiTFSI loading of the glass "
    "is not given in a form that yields one): c0 = 1 M is assumed. Films ~80 um thick."
)
#: LiTFSI, g/mol.
LITFSI_MOLAR_MASS_G_PER_MOL = 287.09
#: Densities assumed for the LPC recipe, g/cm^3 (handbook values, not given by the paper).
LITFSI_DENSITY_G_PER_CM3 = 1.33
PVDF_HFP_DENSITY_G_PER_CM3 = 1.78
#: The LPC recipe of seed 002 (Methods): 0.4 g PVDF-HFP and 0.4 g LiTFSI cast from DMF.
LPC_RECIPE_G = {"PVDF-HFP": 0.4, "LiTFSI": 0.4}


def lpc_salt_concentration_mol_per_m3() -> float:
    """c0 of the LPC membranes from their recipe: LiTFSI moles over the dense membrane volume.

    0.4 g LiTFSI / 287.09 g/mol = 1.393 mmol in 0.4/1.78 + 0.4/1.33 = 0.527 cm^3 of polymer and
    salt (volumes additive; no porosity, no residual DMF (3-5 wt%), the 2 wt% of filler
    neglected): 2.65 mol/L.
    """
    moles = LPC_RECIPE_G["LiTFSI"] / LITFSI_MOLAR_MASS_G_PER_MOL
    volume_cm3 = (
        LPC_RECIPE_G["PVDF-HFP"] / PVDF_HFP_DENSITY_G_PER_CM3
        + LPC_RECIPE_G["LiTFSI"] / LITFSI_DENSITY_G_PER_CM3
    )
    return moles / (volume_cm3 * 1e-6)


_LPC_C0 = lpc_salt_concentration_mol_per_m3()
_LPC_NOTES = (
    "PVDF-HFP/LiTFSI composite polymer electrolyte. The paper reports no exchange current "
    "density and no interfacial resistance in numbers: i0 = 0.5 mA/cm^2 (5 A/m^2) is assumed, "
    "typical of polymer/Li interfaces and of the same order as the ZIF-62 glasses' "
    f"0.61-0.81 mA/cm^2. Salt: c0 = {_LPC_C0 / 1000:.2f} M from the recipe (Methods: 0.4 g "
    "PVDF-HFP + 0.4 g LiTFSI; LiTFSI 287.09 g/mol; assumed densities 1.78 and 1.33 g/cm^3, "
    "volumes additive, no porosity, residual DMF and filler neglected). Membrane ~100 um thick "
    "(Fig. 2C, SEM cross-section of LPC@UCPBA)."
)
_LPC_EA_ASSUMED_EV = 0.33
_LPC_EA = (
    " Activation energy: the paper reports E_a = 0.24-0.33 eV for its membranes (Arrhenius fits "
    "of sigma, Fig. 3C-D) and names only LPC@2%UCPBA's, 0.24 eV, the lowest; the others are "
    "only plotted. Assumed here: 0.33 eV, the upper end of the reported range, for the "
    "membranes that conduct less (sigma(318 K)/sigma(298 K) = 2.23; 0.24 eV would give 1.79)."
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="Cl-Li-G62",
            conductivity_S_per_m=6.11e-4 * S_PER_M_PER_S_PER_CM,
            transference_number=0.80,
            activation_energy_eV=0.14,
            exchange_current_density_A_per_m2=0.81 * A_PER_M2_PER_MA_PER_CM2,
            source=_G62_SOURCE,
            notes="-Cl substituted linker. " + _G62_NOTES,
            salt_concentration_mol_per_m3=None,
            membrane_thickness_um=80.0,
        ),
        Preset(
            name="H-Li-G62",
            conductivity_S_per_m=4.59e-4 * S_PER_M_PER_S_PER_CM,
            transference_number=0.71,
            activation_energy_eV=0.16,
            exchange_current_density_A_per_m2=0.66 * A_PER_M2_PER_MA_PER_CM2,
            source=_G62_SOURCE,
            notes="Unsubstituted (-H) linker. " + _G62_NOTES,
            salt_concentration_mol_per_m3=None,
            membrane_thickness_um=80.0,
        ),
        Preset(
            name="NH2-Li-G62",
            conductivity_S_per_m=4.21e-4 * S_PER_M_PER_S_PER_CM,
            transference_number=0.31,
            activation_energy_eV=0.18,
            exchange_current_density_A_per_m2=0.61 * A_PER_M2_PER_MA_PER_CM2,
            source=_G62_SOURCE,
            notes="-NH2 substituted linker. " + _G62_NOTES,
            salt_concentration_mol_per_m3=None,
            membrane_thickness_um=80.0,
        ),
        Preset(
            name="LPC@2%UCPBA",
            conductivity_S_per_m=3.6e-4 * S_PER_M_PER_S_PER_CM,
            transference_number=0.60,
            activation_energy_eV=0.24,
            exchange_current_density_A_per_m2=ASSUMED_POLYMER_I0_A_PER_M2,
            source=_LPC_SOURCE,
            notes="2 wt% unsaturated-coordination Prussian-blue-analogue filler. E_a = 0.24 eV "
            "as reported in the text (the lowest of the paper's membranes). " + _LPC_NOTES,
            salt_concentration_mol_per_m3=_LPC_C0,
            membrane_thickness_um=100.0,
        ),
        Preset(
            name="LPC",
            conductivity_S_per_m=1.2e-4 * S_PER_M_PER_S_PER_CM,
            transference_number=0.42,
            activation_energy_eV=_LPC_EA_ASSUMED_EV,
            exchange_current_density_A_per_m2=ASSUMED_POLYMER_I0_A_PER_M2,
            source=_LPC_SOURCE,
            notes=(
                "Filler-free membrane. sigma is not tabulated: the text gives LPC@2%UCPBA "
                "(0.36 mS/cm) as about three times the filler-free value, so 1.2e-4 S/cm. "
                + _LPC_NOTES
                + _LPC_EA
            ),
            salt_concentration_mol_per_m3=_LPC_C0,
            membrane_thickness_um=100.0,
        ),
        Preset(
            name="LPC@2%SCPBA",
            conductivity_S_per_m=2.9e-5 * S_PER_M_PER_S_PER_CM,
            transference_number=0.27,
            activation_energy_eV=_LPC_EA_ASSUMED_EV,
            exchange_current_density_A_per_m2=ASSUMED_POLYMER_I0_A_PER_M2,
            source=_LPC_SOURCE,
            notes="2 wt% saturated-coordination Prussian-blue-analogue filler. "
            + _LPC_NOTES
            + _LPC_EA,
            salt_concentration_mol_per_m3=_LPC_C0,
            membrane_thickness_um=100.0,
        ),
        Preset(
            name="GHF@ZIF-8@HKUST-1",
            conductivity_S_per_m=2.43e-4 * S_PER_M_PER_S_PER_CM,
            transference_number=0.65,
            activation_energy_eV=0.0,
            exchange_current_density_A_per_m2=None,
            source=_GHF_SOURCE,
            notes=(
                "Core-shell ZIF-8@HKUST-1 grown on glass fibre, with liquid electrolyte in the "
                "MOF channels. No exchange current density is reported: the kinetics default "
                "(10 A/m^2 = 1 mA/cm^2, typical of liquid-electrolyte/Li interfaces) applies. "
                "No activation energy is reported: E_a = 0 is assumed, so sigma keeps its room "
                "temperature value (the paper operates at up to 100 C; set "
                "electrolyte.activation_energy_eV for such runs). c0 = 1 M: the 1 M LiTFSI in "
                "PC the membranes are activated with (Methods: 2.88 g in 10 mL, 1.00 M). The "
                "glass-fibre membrane's thickness is not reported."
            ),
            salt_concentration_mol_per_m3=1000.0,
            membrane_thickness_um=None,
        ),
    )
}


def get_preset(name: str) -> Preset:
    """The electrolyte preset called ``name`` (case-insensitive).

    Raises:
        ConfigError: Unknown name; the message suggests the closest preset.
    """
    by_lower = {key.lower(): preset for key, preset in PRESETS.items()}
    preset = by_lower.get(str(name).strip().lower())
    if preset is not None:
        return preset
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.5)
    hint = (
        f"did you mean '{by_lower[close[0]].name}'?"
        if close
        else "one of " + ", ".join(repr(k) for k in PRESETS)
    )
    raise ConfigError(f"electrolyte.preset = {name!r}: unknown preset ({hint})")
