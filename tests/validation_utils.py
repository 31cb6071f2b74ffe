"""Shared helpers of the validation tests: configs, runs, result files and analytic references.

The analytic references here are written from the textbook formulas (see each docstring) and use
nothing of the solver, so that a test compares the solver with an independent computation.
"""

from __future__ import annotations

import copy
import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mpi4py import MPI

import numpy as np

from lidendrite.config import Config, config_from_dict
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.io.frames import FrameData, list_frames, read_frame
from lidendrite.simulation import RunResult, run

TEMPERATURE_K = 298.15
THERMAL_VOLTAGE_V = R * TEMPERATURE_K / F


#: A defect anode in a Li|Li cell at 200 A/m² for 2 s, the case on which two solvers or schemes
#: of the same model are compared run against run (``test_solvers``, ``test_newton``).
DEFECT_CELL_200 = {
    "title": "solver comparison",
    "cell": {
        "width_um": 4.0,
        "thickness_um": 3.0,
        "counter_electrode": "lithium",
        "anode": {"shape": "defect", "defect_radius_um": 0.5, "defect_x_um": 1.5},
    },
    "mesh": {"size_at_anode_um": 0.1, "size_bulk_um": 0.3, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "NH2-Li-G62"},
    "operation": {"current_density_A_per_m2": 200.0, "duration_s": 2.0},
    "numerics": {"dt_initial_s": 1e-3, "dt_max_s": 0.2},
    "output": {"every_s": 2.0, "vtx": False, "progress_every_s": 0.0},
}
#: The metrics.csv columns compared on that case.
COMPARED_COLUMNS = [
    "cell_voltage_V",
    "c_anode_min_mol_per_m3",
    "i_anode_max_A_per_m2",
    "anode_overpotential_V",
    "cation_inventory_mol_per_m",
]

#: A 2 µm × 2 µm Li|Li cell with a defect anode that moves: one mesh state built and inspected
#: directly (``test_jacobian``, ``test_state_reads``).
SMALL_DEFECT_CELL = {
    "title": "a small moving defect cell",
    "cell": {
        "width_um": 2.0,
        "thickness_um": 2.0,
        "counter_electrode": "lithium",
        "anode": {"shape": "defect", "defect_radius_um": 0.4},
    },
    "mesh": {"size_at_anode_um": 0.1, "size_bulk_um": 0.3, "grading_distance_um": 1.0},
    "electrolyte": {"preset": "NH2-Li-G62"},
    "numerics": {"moving_boundary": True},
}

# --------------------------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------------------------


def one_d_cell(
    *,
    thickness_um: float,
    counter_electrode: str = "lithium",
    conductivity_S_per_m: float = 0.01,
    transference_number: float = 0.4,
    salt_concentration_mol_per_m3: float = 1000.0,
    exchange_current_density_A_per_m2: float = 10.0,
    alpha_anodic: float = 0.5,
    alpha_cathodic: float = 0.5,
    size_at_anode_um: float = 0.25,
    size_bulk_um: float = 0.5,
    grading_distance_um: float = 2.0,
) -> dict[str, Any]:
    """Config sections of a narrow cell with a flat anode: a 1-D problem on a 2-D mesh.

    The cell is 1 µm wide, a few elements across; the operation, numerics and output sections
    are left for the caller.
    """
    return {
        "title": "validation",
        "cell": {
            "width_um": 1.0,
            "thickness_um": thickness_um,
            "counter_electrode": counter_electrode,
            "anode": {"shape": "flat"},
        },
        "mesh": {
            "size_at_anode_um": size_at_anode_um,
            "size_bulk_um": size_bulk_um,
            "grading_distance_um": grading_distance_um,
        },
        "electrolyte": {
            "conductivity_S_per_m": conductivity_S_per_m,
            "transference_number": transference_number,
            "salt_concentration_mol_per_m3": salt_concentration_mol_per_m3,
        },
        "kinetics": {
            "exchange_current_density_A_per_m2": exchange_current_density_A_per_m2,
            "alpha_anodic": alpha_anodic,
            "alpha_cathodic": alpha_cathodic,
        },
        "operation": {"temperature_K": TEMPERATURE_K},
        "numerics": {},
        "output": {"vtx": False, "progress_every_s": 0.0},
    }


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``base`` with the nested mapping ``update`` merged into it."""
    out = copy.deepcopy(dict(base))
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# --------------------------------------------------------------------------------------------
# Runs and result files
# --------------------------------------------------------------------------------------------


def shared_dir(tmp_path: Path, comm: MPI.Comm) -> Path:
    """Rank 0's ``tmp_path``, the same directory on every rank."""
    return Path(comm.bcast(str(tmp_path), root=0))


def run_case(data: Mapping[str, Any], out_dir: Path, comm: MPI.Comm) -> tuple[Config, RunResult]:
    """Validate a config mapping and run it into ``out_dir`` (collective)."""
    cfg = config_from_dict(data)
    result = run(cfg, Path(out_dir), comm)
    comm.barrier()  # rank 0 has closed its files
    return cfg, result


def run_variants(
    base: Mapping[str, Any], variants: Mapping[Any, Mapping[str, Any]], root: Path, comm: MPI.Comm
) -> dict[Any, dict[str, np.ndarray]]:
    """Run ``base`` merged with each variant (to completion) and read back their metrics."""
    out = {}
    for name, change in variants.items():
        _, result = run_case(merge(base, change), root / str(name), comm)
        assert result.status == "completed", f"{name}: {result.reason}"
        out[name] = read_metrics(root / str(name), comm)
    return out


def read_metrics(out_dir: Path, comm: MPI.Comm | None = None) -> dict[str, np.ndarray]:
    """``metrics.csv`` as one float array per column (empty cells are NaN).

    With ``comm``, rank 0 reads the file and broadcasts the columns (collective).
    """
    if comm is not None and comm.rank != 0:
        return comm.bcast(None, root=0)
    with open(Path(out_dir) / "metrics.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = {
        key: np.array([float(r[key]) if r[key] != "" else np.nan for r in rows]) for key in rows[0]
    }
    return comm.bcast(columns, root=0) if comm is not None else columns


def read_status(out_dir: Path, comm: MPI.Comm | None = None) -> dict[str, Any]:
    """``status.json`` (with ``comm``: read on rank 0 and broadcast, collective)."""
    if comm is not None and comm.rank != 0:
        return comm.bcast(None, root=0)
    data = json.loads((Path(out_dir) / "status.json").read_text())
    return comm.bcast(data, root=0) if comm is not None else data


def read_frames(out_dir: Path, comm: MPI.Comm | None = None) -> list[FrameData]:
    """All frames of a run, in time order (with ``comm``: read on rank 0 and broadcast)."""
    if comm is not None and comm.rank != 0:
        return comm.bcast(None, root=0)
    frames = [read_frame(p) for p in list_frames(Path(out_dir))]
    return comm.bcast(frames, root=0) if comm is not None else frames


# --------------------------------------------------------------------------------------------
# Analytic references (textbook formulas, independent of the solver)
# --------------------------------------------------------------------------------------------


def nernst_einstein(
    conductivity_S_per_m: float, transference_number: float, c0_mol_per_m3: float
) -> tuple[float, float, float]:
    """Ion and salt diffusivities ``(D₊, D₋, D)`` of a 1:1 salt, m²/s, at 298.15 K."""
    base = conductivity_S_per_m * R * TEMPERATURE_K / (F**2 * c0_mol_per_m3)
    d_plus = transference_number * base
    d_minus = (1.0 - transference_number) * base
    return d_plus, d_minus, 2.0 * d_plus * d_minus / (d_plus + d_minus)


def ierfc(u: np.ndarray) -> np.ndarray:
    """First integral of the complementary error function, ``e^{−u²}/√π − u erfc(u)``."""
    u = np.asarray(u, dtype=float)
    erfc = np.vectorize(math.erfc)(u)
    return np.exp(-(u**2)) / math.sqrt(math.pi) - u * erfc


def sand_time_s(
    current_A_per_m2: float, diffusivity_m2_per_s: float, c0: float, t_plus: float
) -> float:
    """Sand's time ``πD(c₀F)² / (4[i(1−t₊)]²)`` of a semi-infinite binary electrolyte."""
    return (
        math.pi
        * diffusivity_m2_per_s
        * (c0 * F) ** 2
        / (4.0 * (current_A_per_m2 * (1 - t_plus)) ** 2)
    )


def sand_profile(
    x_m: np.ndarray,
    time_s: float,
    current_A_per_m2: float,
    diffusivity_m2_per_s: float,
    c0: float,
    t_plus: float,
) -> np.ndarray:
    """Salt concentration ``c₀ − (2q/D)√(Dt) ierfc(x / (2√(Dt)))``, ``q = (1−t₊)i/F``."""
    q = (1.0 - t_plus) * current_A_per_m2 / F
    root = math.sqrt(diffusivity_m2_per_s * time_s)
    return c0 - 2.0 * q / diffusivity_m2_per_s * root * ierfc(np.asarray(x_m) / (2.0 * root))


def bv_overpotential_V(
    plating_current_A_per_m2: float,
    surface_to_reference_concentration: float,
    exchange_current_A_per_m2: float,
    alpha_anodic: float = 0.5,
    alpha_cathodic: float = 0.5,
) -> float:
    """Solve ``i = i₀[(c/c_ref) e^{−α_c fη} − e^{α_a fη}]`` for η (V) by bisection.

    The right-hand side decreases strictly in η, so the root is bracketed and unique.
    """
    f = 1.0 / THERMAL_VOLTAGE_V
    ratio = surface_to_reference_concentration

    def residual(eta: float) -> float:
        return (
            exchange_current_A_per_m2
            * (ratio * math.exp(-alpha_cathodic * f * eta) - math.exp(alpha_anodic * f * eta))
            - plating_current_A_per_m2
        )

    lo, hi = -2.0, 2.0
    assert residual(lo) > 0.0 > residual(hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if residual(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def relative_error(value: float | np.ndarray, reference: float | np.ndarray) -> np.ndarray:
    """``|value − reference| / |reference|``."""
    return np.abs(np.asarray(value) - reference) / np.abs(reference)


def potentiostatic_hold(
    data: Mapping[str, Any], delta_v: float, duration_s: float, dt_max_s: float
) -> dict[str, Any]:
    """``data`` held at −ΔV (plating) for ``duration_s``, one frame at the end (Bruce–Vincent)."""
    return merge(
        data,
        {
            "operation": {
                "mode": "potentiostatic",
                "protocol": [{"voltage_V": -delta_v, "duration_s": duration_s}],
            },
            "numerics": {"dt_initial_s": 1e-3, "dt_max_s": dt_max_s},
            "output": {"every_s": duration_s},
        },
    )


def bruce_vincent(
    i_initial: float, i_steady: float, delta_v: float, r_interface_ohm_m2: float
) -> float:
    """Corrected Bruce–Vincent ratio ``I_ss(ΔV − I₀R) / (I₀(ΔV − I_ss R))``, R = 2R_ct."""
    r = r_interface_ohm_m2
    return i_steady * (delta_v - i_initial * r) / (i_initial * (delta_v - i_steady * r))
