"""Newly plated Li (``kinetics.new_surface``): the surface a stretching front creates.

Reference: a surface element of curvature κ (convex > 0) moved along its normal by d becomes
(1 + dκ) times longer (parallel curves), so the newly plated share of it is f = dκ/(1 + dκ);
a concave element is compressed (f = 0).

* Pure: a circular cap and its parallel curve at distance d, the material coordinate carried
  along the normals: f = d/(R + d) at every vertex.
* A run: a sinusoid y = a cos kx plating at a uniform current (kinetics-limited, Wa ≈ 5000,
  no capillarity) by 0.25 µm on average: at the crest (κ = a k², normal advance d measured)
  the vertex's share is dκ/(1 + dκ) ≈ 0.31, at the trough 0. That holds only if the front
  vertices carry their material points along the normals (the vertices themselves move
  vertically and slide) and the share is computed from them correctly.
* With an exchange-current factor on new Li the crest takes more current, as the mixed i₀ says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.errors import ConfigError
from lidendrite.physics.patterns import new_surface_fraction
from lidendrite.simulation import run
from moving_utils import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL, shared_dir

WAVELENGTH_UM, AMPLITUDE_UM, CURRENT = 2.0, 0.2, 5.0
PLATED_UM = 0.25
DURATION_S = PLATED_UM * 1e-6 * FARADAY_C_PER_MOL / (CURRENT * LI_MOLAR_VOLUME_M3_PER_MOL)


def test_parallel_curve_of_a_circle():
    radius, d = 1.0, 0.3
    theta = np.linspace(0.25 * np.pi, 0.75 * np.pi, 401)[::-1]
    initial = np.column_stack([radius * np.cos(theta), radius * np.sin(theta)])
    moved = (radius + d) / radius * initial  # along the outward normals
    f = new_surface_fraction(moved, initial[:, 0], initial)
    np.testing.assert_allclose(f, d / (radius + d), rtol=1e-4)
    # compressed (the concave side): nothing new
    inner = (radius - d) / radius * initial
    np.testing.assert_allclose(new_surface_fraction(inner, initial[:, 0], initial), 0.0)


def _config(**new_surface) -> dict:
    return {
        "cell": {
            "width_um": 2.0 * WAVELENGTH_UM,
            "thickness_um": 3.0,
            "anode": {
                "shape": "sinusoid",
                "amplitude_um": AMPLITUDE_UM,
                "wavelength_um": WAVELENGTH_UM,
            },
        },
        "mesh": {"size_at_anode_um": 0.05, "size_bulk_um": 0.5, "grading_distance_um": 1.0},
        "electrolyte": {
            "conductivity_S_per_m": 1.0,
            "transference_number": 0.5,
            "salt_concentration_mol_per_m3": 1000.0,
        },
        "kinetics": {
            "exchange_current_density_A_per_m2": 0.1,
            "surface_energy_J_per_m2": 0.0,
            "new_surface": new_surface,
        },
        "operation": {
            "temperature_K": 298.15,
            "current_density_A_per_m2": CURRENT,
            "duration_s": DURATION_S,
        },
        "numerics": {"moving_boundary": True, "dt_max_s": 20.0},
        "output": {"vtx": False, "progress_every_s": 0.0, "every_s": DURATION_S},
    }


class _Surface:
    """The anode polyline, the new share and the current at the end of the last step."""

    def on_step_end(self, stepper, row) -> None:
        st = stepper.state
        anode = st.case.electrode("anode")
        self.xy = st.anode.xy.copy()
        self.fraction = anode.new_fraction(self.xy, st.anode_material())
        self.current = st.plating_current_nodal(st.anode, st.cell_voltage_scaled())
        self.row = dict(row)


def _run(comm, out, **new_surface) -> _Surface:
    probe = _Surface()
    run(config_from_dict(_config(**new_surface)), out_dir=out, comm=comm, callbacks=[probe])
    return probe


def test_new_surface_at_a_crest_and_a_trough(comm, tmp_path):
    root = shared_dir(comm, tmp_path)
    plain = _run(comm, root / "plain", exchange_current_factor=1.0)
    k = 2 * math.pi / WAVELENGTH_UM
    kappa = AMPLITUDE_UM * k**2
    x = plain.xy[:, 0]
    crest = int(np.argmin(np.abs(x - WAVELENGTH_UM)))
    # the crest's normal advance (less than PLATED_UM: the current per unit of the longer,
    # curved surface is smaller than per unit width)
    d = plain.xy[crest, 1] - AMPLITUDE_UM
    expected = d * kappa / (1 + d * kappa)
    trough = int(np.argmin(np.abs(x - 0.5 * WAVELENGTH_UM)))
    print(
        f"\nnew Li share: crest {plain.fraction[crest]:.4f} (parallel curve {expected:.4f}), "
        f"trough {plain.fraction[trough]:.2e}, surface mean {plain.row['new_surface_fraction']:.4f}"
    )
    assert plain.fraction[crest] == pytest.approx(expected, rel=0.03)
    assert plain.fraction[trough] < 1e-3
    assert 0.0 < plain.row["new_surface_fraction"] < expected

    # fresh Li with 10x the exchange current: in this Tafel regime the local current follows
    # the mixed i0 = i0 (1 + 9 f) relative to the trough (f = 0)
    fresh = _run(comm, root / "fresh", exchange_current_factor=10.0)
    f = fresh.fraction
    crest = int(np.argmin(np.abs(fresh.xy[:, 0] - WAVELENGTH_UM)))
    trough = int(np.argmin(np.abs(fresh.xy[:, 0] - 0.5 * WAVELENGTH_UM)))
    ratio = fresh.current[crest] / fresh.current[trough]
    mixed = (1 + 9 * f[crest]) / (1 + 9 * f[trough])
    print(f"fresh Li x10: crest/trough current {ratio:.4f}, mixed i0 ratio {mixed:.4f}")
    assert ratio == pytest.approx(mixed, rel=0.03)
    assert fresh.row["protrusion_height_um"] > plain.row["protrusion_height_um"]


def test_new_surface_config_errors():
    data = _config(film_resistance_ohm_m2=0.01)
    with pytest.raises(ConfigError, match="kinetics.new_surface.film_resistance_ohm_m2 = 0.01"):
        config_from_dict(data)
    data = _config(exchange_current_factor=0.0)
    with pytest.raises(ConfigError, match="exchange_current_factor"):
        config_from_dict(data)
