"""Conservation of salt and charge in whole runs of a 2-D symmetric Li|Li cell.

Both Li electrodes block the anion and the side walls are insulating, so the amount of each ion in
the electrolyte never changes: the cation leaves at one electrode exactly as fast as it enters at
the other. The reference inventory is c0 times the area of the meshed electrolyte (computed here
from the triangles of the first frame). The charge that enters at the counter electrode leaves at
the plating electrode, and the plating current is the applied one.

The moving-boundary case (ALE, both electrodes move) keeps the salt too: the storage term pulls
the earlier levels back onto the moved mesh.

Guards against: a storage term that is not in conservation form (BDF2 with variable steps, the
restart of BDF at a change of the current), an electrode flux that does not enter the charge
balance with the right weight, and a galvanostatic constraint that drifts.
"""

from __future__ import annotations

import numpy as np
import pytest

from validation_utils import read_frames, read_metrics, run_case, shared_dir

C0 = 1000.0  # mol/m^3
CURRENT = 300.0  # A/m^2, about a fifth of the limiting current of this cell
RTOL = 1e-8


def _cell(protocol: list[dict], time_scheme: str, moving: bool) -> dict:
    return {
        "title": "conservation",
        "cell": {
            "width_um": 4.0,
            "thickness_um": 3.0,
            "counter_electrode": "lithium",
            "anode": {"shape": "defect", "defect_radius_um": 0.5},
        },
        "mesh": {"size_at_anode_um": 0.12, "size_bulk_um": 0.4, "grading_distance_um": 1.0},
        "electrolyte": {"preset": "Cl-Li-G62", "salt_concentration_mol_per_m3": C0},
        "operation": {"mode": "galvanostatic", "protocol": protocol},
        "numerics": {
            "time_scheme": time_scheme,
            "dt_initial_s": 1e-3,
            "dt_max_s": 0.25,
            "moving_boundary": moving,
        },
        "output": {"every_s": 10.0, "vtx": False, "progress_every_s": 0.0},
    }


def _applied_current(protocol: list[dict], time_s: np.ndarray, dt_s: np.ndarray) -> np.ndarray:
    """The current of the protocol step each recorded step belongs to (by its mid-point)."""
    ends = np.cumsum([s["duration_s"] for s in protocol])
    currents = np.array([s["current_density_A_per_m2"] for s in protocol])
    mid = time_s - 0.5 * dt_s
    return currents[np.minimum(np.searchsorted(ends, mid), len(ends) - 1)]


def _mesh_area_um2(points: np.ndarray, triangles: np.ndarray) -> float:
    a, b, c = (points[triangles[:, k]] for k in range(3))
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    return float(0.5 * np.abs(cross).sum())


CONSTANT = [{"current_density_A_per_m2": CURRENT, "duration_s": 2.0}]
PLATE_THEN_STRIP = [
    {"current_density_A_per_m2": CURRENT, "duration_s": 1.0},
    {"current_density_A_per_m2": -CURRENT, "duration_s": 1.0},
]


@pytest.mark.parametrize(
    "time_scheme, protocol, moving",
    [
        ("bdf2", CONSTANT, False),
        ("bdf1", CONSTANT, False),
        ("bdf2", PLATE_THEN_STRIP, False),
        ("bdf2", PLATE_THEN_STRIP, True),
    ],
    ids=["bdf2", "bdf1", "plate-then-strip", "plate-then-strip-moving"],
)
def test_inventories_and_currents(comm, tmp_path, time_scheme, protocol, moving):
    out = shared_dir(tmp_path, comm) / "run"
    _, result = run_case(_cell(protocol, time_scheme, moving), out, comm)
    assert result.status == "completed"
    m = read_metrics(out, comm)
    first = read_frames(out, comm)[0]
    assert len(m["time_s"]) > 10
    assert np.isclose(m["time_s"][-1], sum(s["duration_s"] for s in protocol))

    # Salt: c0 x the area of the electrolyte, at every row (µm^2 -> m^2 per m of depth).
    inventory = C0 * _mesh_area_um2(first.points_um, first.triangles) * 1e-12
    for name in ("cation_inventory_mol_per_m", "anion_inventory_mol_per_m"):
        err = np.max(np.abs(m[name] - inventory)) / inventory
        print(
            f"\n{time_scheme} {len(protocol)} step(s) moving={moving}: {name} max error {err:.2e}"
        )
        assert err < RTOL, name

    # Charge: the applied current is what plates, and what the counter electrode supplies.
    applied = _applied_current(protocol, m["time_s"], m["dt_s"])
    anode = m["anode_current_density_A_per_m2"]
    counter = m["counter_current_density_A_per_m2"]
    err_anode = np.max(np.abs(anode - applied) / np.abs(applied))
    err_counter = np.max(np.abs(counter + anode) / np.abs(anode))
    print(f"anode current vs applied {err_anode:.2e}, counter + anode {err_counter:.2e}")
    assert err_anode < RTOL
    assert err_counter < RTOL
    if len(protocol) > 1:  # the run plated, then stripped
        assert anode.max() > 0.0 > anode.min()
    if moving:  # the anode moved by a net amount of zero, but it did move in between
        height = m["mean_height_um"] - m["mean_height_um"][0]
        assert height.max() > 0.01
