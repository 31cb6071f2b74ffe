"""Electrolyte presets: the numbers derived from the papers' recipes, and how configs use them.

The LPC salt concentration is recomputed here from the recipe of seed 002 (Methods: 0.4 g
PVDF-HFP and 0.4 g LiTFSI cast from DMF) with LiTFSI's molar mass (LiN(SO₂CF₃)₂: 6.94 + 14.007 +
2·32.06 + 4·15.999 + 2·12.011 + 6·18.998 g/mol) and handbook densities, volumes additive.
"""

from __future__ import annotations

import pytest

from lidendrite.config import config_from_dict
from lidendrite.presets import PRESETS

#: Standard atomic weights, g/mol.
ATOMIC_G_PER_MOL = {"Li": 6.94, "N": 14.007, "S": 32.06, "O": 15.999, "C": 12.011, "F": 18.998}


def test_lpc_salt_concentration_from_the_recipe():
    a = ATOMIC_G_PER_MOL
    molar_mass = a["Li"] + a["N"] + 2 * a["S"] + 4 * a["O"] + 2 * a["C"] + 6 * a["F"]  # 287.08
    moles = 0.4 / molar_mass
    volume_m3 = (0.4 / 1.78 + 0.4 / 1.33) * 1e-6
    expected = moles / volume_m3  # ≈ 2645 mol/m³
    for name in ("LPC", "LPC@2%UCPBA", "LPC@2%SCPBA"):
        preset = PRESETS[name]
        assert preset.salt_concentration_mol_per_m3 == pytest.approx(expected, rel=1e-3)
        assert preset.membrane_thickness_um == 100.0
        assert "0.4 g" in preset.notes and "assumed densities" in preset.notes
    assert PRESETS["Cl-Li-G62"].salt_concentration_mol_per_m3 is None  # not derivable
    assert PRESETS["Cl-Li-G62"].membrane_thickness_um == 80.0


def _electrolyte(**electrolyte) -> float:
    cfg = config_from_dict(
        {
            "electrolyte": electrolyte,
            "operation": {"current_density_A_per_m2": 1.0, "duration_s": 1.0},
        }
    )
    return cfg.electrolyte.salt_concentration_mol_per_m3


def test_a_preset_gives_its_salt_concentration_unless_the_config_sets_one():
    assert _electrolyte(preset="LPC") == pytest.approx(PRESETS["LPC"].salt_concentration_mol_per_m3)
    assert _electrolyte(preset="LPC", salt_concentration_mol_per_m3=1000.0) == 1000.0
    assert _electrolyte(preset="Cl-Li-G62") == 1000.0  # none derivable: 1 M
    assert _electrolyte(conductivity_S_per_m=0.01, transference_number=0.4) == 1000.0
