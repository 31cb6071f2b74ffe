"""The moving Li boundary against Faraday's law: plating, stripping and time to short circuit.

- A flat anode at constant current advances by iΩt/F and the Li counter electrode recedes by the
  same; the salt inventories do not change (no remesh: the ALE scheme is conservative).
- Plating a charge and stripping it again brings the mean surface back to where it started.
- A thin cell with a large defect short-circuits, between bounds set by the fastest local
  plating rate and by Faraday's law for the flat gap.

Guards against a wrong front speed (units, molar volume, the sign of the current), boundary
motion that uses a stale current, mesh motion that loses salt, and a short-circuit check that
fires too early or too late.
"""

from __future__ import annotations

import numpy as np
import pytest

from moving_utils import (
    FARADAY_C_PER_MOL,
    LI_MOLAR_VOLUME_M3_PER_MOL,
    SALT_CONCENTRATION_MOL_PER_M3,
    faraday_thickness_um,
    moving_cell,
    run_case,
    shared_dir,
)


def test_flat_anode_follows_faraday(comm, tmp_path):
    width, thickness, current, duration = 2.0, 4.0, 100.0, 40.0
    config = moving_cell(
        cell={"width_um": width, "thickness_um": thickness, "anode": {"shape": "flat"}},
        operation={"current_density_A_per_m2": current, "duration_s": duration},
        numerics={"dt_max_s": 2.0},
        output={"every_s": duration},
    )
    out = run_case(config, shared_dir(comm, tmp_path) / "flat", comm)
    m = out.metrics
    assert out.status["status"] == "completed", out.status
    assert m["time_s"][-1] == pytest.approx(duration)
    assert np.all(m["remesh_count"] == 0)

    t = m["time_s"][1:]
    plated = faraday_thickness_um(current, t)  # 0.539 um at the end
    advance = m["mean_height_um"][1:] - m["mean_height_um"][0]
    recession = m["counter_mean_height_um"][1:] - thickness
    np.testing.assert_allclose(advance, plated, rtol=5e-3)
    np.testing.assert_allclose(recession, plated, rtol=5e-3)

    # Salt: uniform c0 in a W x L rectangle at the start, then exactly conserved.
    inventory = SALT_CONCENTRATION_MOL_PER_M3 * width * thickness * 1e-12
    for column in ("cation_inventory_mol_per_m", "anion_inventory_mol_per_m"):
        np.testing.assert_allclose(m[column], inventory, rtol=1e-8, err_msg=column)


def test_strip_what_was_plated(comm, tmp_path):
    current, duration = 100.0, 20.0
    config = moving_cell(
        cell={
            "width_um": 2.0,
            "thickness_um": 4.0,
            "anode": {"shape": "sinusoid", "amplitude_um": 0.1, "wavelength_um": 2.0},
        },
        mesh={"size_at_anode_um": 0.1},
        operation={
            "protocol": [
                {"current_density_A_per_m2": current, "duration_s": duration},
                {"current_density_A_per_m2": -current, "duration_s": duration},
            ]
        },
        output={"every_s": duration},
    )
    out = run_case(config, shared_dir(comm, tmp_path) / "strip", comm)
    m = out.metrics
    assert out.status["status"] == "completed", out.status
    assert m["time_s"][-1] == pytest.approx(2 * duration)
    plated = faraday_thickness_um(current, duration)  # 0.269 um

    start = m["mean_height_um"][0]
    after_plating = np.interp(duration, m["time_s"], m["mean_height_um"])
    assert after_plating - start == pytest.approx(plated, rel=5e-3)
    drift = m["mean_height_um"][-1] - start
    assert abs(drift) <= 0.01 * plated, (
        f"after plating and stripping {plated:.4f} um the mean surface is {drift:+.4f} um "
        f"from its start ({drift / plated:+.1%} of the plated thickness)"
    )


def test_time_to_short_circuit(comm, tmp_path):
    """A defect of radius r in a cell of thickness L with a fixed (reservoir) counter electrode.

    The run stops at the first step where the tip is within d of the counter electrode, so the
    tip height crosses L − d on the last step. Bounds on that time:

    - no point of the surface moves faster than Ω i_max / F (i_max: the largest local plating
      current seen during the run), and the tip must travel L − r − d;
    - the mean surface height advances at exactly iΩ/F (Faraday) and the tip is never below
      it, so the flat-gap Faraday time (L − d) F / (iΩ) is an upper bound.
    """
    width, thickness, radius, gap_stop = 3.0, 2.0, 0.6, 0.1
    current = 300.0
    config = moving_cell(
        cell={
            "width_um": width,
            "thickness_um": thickness,
            "counter_electrode": "reservoir",
            "anode": {"shape": "defect", "defect_radius_um": radius},
        },
        mesh={"size_at_anode_um": 0.1, "size_bulk_um": 0.4, "grading_distance_um": 1.0},
        operation={"current_density_A_per_m2": current, "duration_s": 200.0},
        numerics={"short_circuit_distance_um": gap_stop},
        output={"every_s": 200.0},
    )
    out = run_case(config, shared_dir(comm, tmp_path) / "short", comm)
    m = out.metrics
    assert out.status["status"] == "short_circuit", out.status
    t_short = out.status["short_circuit_time_s"]
    assert t_short == pytest.approx(m["time_s"][-1], rel=1e-10)  # 12 digits in the csv

    # tip_height_um is measured from the initial mean surface; the apex starts at y = radius
    tip_height = m["tip_height_um"]
    initial_mean = radius - tip_height[0]
    assert 0.0 < initial_mean < radius
    tip = tip_height + initial_mean
    assert tip[-1] > thickness - gap_stop >= tip[-2]

    speed_scale = LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL * 1e6  # um/s per A/m^2
    fastest = np.nanmax(m["i_anode_max_A_per_m2"]) * speed_scale
    earliest = (thickness - radius - gap_stop) / fastest
    latest = (thickness - gap_stop) / (current * speed_scale)
    assert earliest <= t_short <= latest, (earliest, t_short, latest)
