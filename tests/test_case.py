"""The Case: everything resolved from the config before any mesh (no DOLFINx).

References: the Nernst–Einstein relations and the scaling definitions written out here.
"""

import subprocess
import sys

import pytest

from lidendrite.case import Case
from lidendrite.config import config_from_dict
from lidendrite.materials import derived_quantities

pytestmark = pytest.mark.serial

FARADAY = 96485.33212
GAS_R = 8.314462618


def _cfg(**extra):
    data = {
        "electrolyte": {"conductivity_S_per_m": 0.05, "transference_number": 0.4},
        "kinetics": {"exchange_current_density_A_per_m2": 7.0},
        "operation": {
            "temperature_K": 298.15,
            "protocol": [
                {"current_density_A_per_m2": 3.0, "duration_s": 10.0},
                {"current_density_A_per_m2": -1.0, "duration_s": 5.0},
            ],
        },
    }
    data.update(extra)
    return config_from_dict(data)


def test_case_builds_without_dolfinx():
    code = (
        "import sys\n"
        "from lidendrite.config import config_from_dict\n"
        "from lidendrite.case import Case\n"
        "c = Case.from_config(config_from_dict({'electrolyte': {'preset': 'LPC'}}))\n"
        "print(c.derived['limiting_current_density'][0] > 0, 'dolfinx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_scaled_coefficients_reproduce_si_values():
    case = Case.from_config(_cfg())
    s = case.scaling
    rt = GAS_R * 298.15
    d_plus = 0.4 * 0.05 * rt / (FARADAY**2 * 1000.0)
    d_minus = 0.6 * 0.05 * rt / (FARADAY**2 * 1000.0)
    m = case.matrix
    assert m.d_cation * s.diffusivity_m2_per_s == pytest.approx(d_plus, rel=1e-12)
    assert m.d_anion * s.diffusivity_m2_per_s == pytest.approx(d_minus, rel=1e-12)
    assert m.mobile_anions and m.c_fixed == 0.0
    i0 = case.electrode("anode").exchange_current * s.current_A_per_m2
    assert i0 == pytest.approx(7.0, rel=1e-12)
    # the current scale is F D_ref c0 / L with L = 1 um
    assert s.current_A_per_m2 == pytest.approx(FARADAY * d_plus * 1000.0 / 1e-6, rel=1e-12)
    assert case.controls_scaled[1] * s.current_A_per_m2 == pytest.approx(-1.0)


def test_schedule_flags_and_derived_numbers():
    cfg = _cfg()
    case = Case.from_config(cfg)
    assert [(g.start_s, g.end_s) for g in case.segments] == [(0.0, 10.0), (10.0, 15.0)]
    assert case.t_end_s == 15.0 and case.frame_interval_s == pytest.approx(15.0 / 40)
    assert case.galvanostatic and case.counter_is_lithium and not case.moving
    assert case.derived == derived_quantities(cfg)
    summary = case.summary()
    assert summary["tags"]["materials"] == {"electrolyte": 1}
    assert summary["electrodes"]["anode"]["exchange_current_density_A_per_m2"] == pytest.approx(7.0)


def test_single_ion_conductor_has_immobile_anions():
    case = Case.from_config(
        _cfg(electrolyte={"conductivity_S_per_m": 0.05, "transference_number": 1.0})
    )
    assert not case.mobile_anions and case.matrix.d_anion == 0.0
