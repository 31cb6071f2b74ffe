"""The field transfer at a remesh carries the electrolyte along and conserves salt honestly.

A step that ends in a remesh also displaces the electrolyte by the mean growth of the anode. A
transfer that interpolates at fixed points instead swaps a depleted slab at the anode for an
enriched one at the counter electrode, and the inventory renormalisation then always removes
salt (−4.8e-3 per remesh in this cell before the fix); with a reservoir counter electrode it
restored the pre-remesh inventory of a domain that had shrunk, creating salt at every remesh.

- Li counter: the salt correction of every remesh is below 2e-4 (interpolation error only);
- reservoir counter: the salt lost over a remesh step (per second) matches the steps around it
  within 15 % (it was 38 % low: salt created).
"""

from __future__ import annotations

import numpy as np
import pytest

from moving_utils import remeshing_defect_cell, run_case, shared_dir


def _config(counter: str) -> dict:
    return remeshing_defect_cell(current_A_per_m2=300.0, duration_s=24.0, counter=counter)


def _remesh_rows(m: dict[str, np.ndarray]) -> np.ndarray:
    return np.flatnonzero(np.diff(m["remesh_count"]) > 0) + 1


def test_lithium_counter_remesh_corrections_are_small(comm, tmp_path):
    out = run_case(_config("lithium"), shared_dir(comm, tmp_path) / "li", comm)
    rows = _remesh_rows(out.metrics)
    assert len(rows) >= 2
    corrections = out.metrics["remesh_inventory_correction"][rows]
    assert np.all(np.abs(corrections) < 2e-4), corrections


def test_reservoir_remesh_creates_no_salt(comm, tmp_path):
    out = run_case(_config("reservoir"), shared_dir(comm, tmp_path) / "res", comm)
    m = out.metrics
    rows = _remesh_rows(m)
    assert len(rows) >= 2
    rate = np.diff(m["anion_inventory_mol_per_m"]) / np.diff(m["time_s"])  # rate[k]: step k+1
    for r in rows:
        if r + 1 >= len(m["time_s"]):
            continue
        around = 0.5 * (rate[r - 2] + rate[r])
        assert rate[r - 1] == pytest.approx(around, rel=0.15), (r, rate[r - 3 : r + 2])
