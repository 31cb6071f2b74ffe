"""Per-material Li⁺ flux shares in metrics.csv against a laminate with known answers.

A 1 µm × 3 µm cell (reservoir counter electrode, fixed mesh) with a 1 µm layer of a material
of t₊ = 0.8 on the anode under 2 µm of electrolyte of t₊ = 0.4 (same σ, no fixed anions), at
10 A/m². The share of a material is ∫ N₊·ŷ dx over it / over the cell. In series (1-D):

- at the start (uniform composition) N₊ = t₊ i/F in each layer, so the shares are
  t₊ₖLₖ / Σ t₊L = 0.8·1 / (0.8·1 + 0.4·2) = 0.5 each;
- at steady state (after ≫ L²/D ≈ 1 s) N₋ = 0 and N₊ = i/F everywhere: the thickness
  fractions 1/3 and 2/3.
"""

from __future__ import annotations

import pytest

from moving_utils import run_case, shared_dir


@pytest.fixture(scope="module")
def metrics(comm, tmp_path_factory):
    config = {
        "title": "laminate flux shares",
        "cell": {
            "width_um": 1.0,
            "thickness_um": 3.0,
            "counter_electrode": "reservoir",
            "fillers": [{"kind": "layer", "y_um": [0.0, 1.0], "material": "fast"}],
        },
        "materials": {"fast": {"conductivity_S_per_m": 0.1, "transference_number": 0.8}},
        "electrolyte": {"conductivity_S_per_m": 0.1, "transference_number": 0.4},
        "mesh": {"size_at_anode_um": 0.1, "size_bulk_um": 0.2, "grading_distance_um": 1.0},
        "operation": {"current_density_A_per_m2": 10.0, "duration_s": 20.0},
        "numerics": {"dt_max_s": 2.0},
        "output": {"vtx": False, "every_s": 20.0, "progress_every_s": 0.0},
    }
    out = run_case(config, shared_dir(comm, tmp_path_factory.mktemp("share")) / "run", comm)
    assert out.status["status"] == "completed", out.status
    return out.metrics


def test_shares_start_as_transference_weighted_thicknesses(metrics):
    assert metrics["li_flux_share_fast"][0] == pytest.approx(0.5, abs=1e-6)  # measured: 2e-8
    assert metrics["li_flux_share_electrolyte"][0] == pytest.approx(0.5, abs=1e-6)  # measured: 2e-8


def test_shares_end_as_thickness_fractions(metrics):
    assert metrics["li_flux_share_fast"][-1] == pytest.approx(1 / 3, abs=1e-6)  # measured: 2e-8
    assert metrics["li_flux_share_electrolyte"][-1] == pytest.approx(
        2 / 3, abs=1e-6
    )  # measured: 2e-8
