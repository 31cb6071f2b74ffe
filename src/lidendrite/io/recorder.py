"""Everything a run writes: resolved config, metrics table, field frames, VTX files, status.

Only rank 0 writes tables and small files; field data are gathered on rank 0 into frames
(``frames/frame_XXXXX.npz`` for the renderer, ``fields/frame_XXXXX.vtu`` + ``fields.pvd`` for
ParaView). With ``output.vtx`` every rank also writes the parallel VTX/ADIOS2 files
``fields_segXXX.bp`` (one per mesh segment: a remesh starts a new one).
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lidendrite.io import frames as frame_io

log = logging.getLogger("lidendrite")

METRIC_COLUMNS = [
    "time_s",
    "dt_s",
    "step",
    "newton_iterations",
    "cell_voltage_V",
    "current_density_A_per_m2",
    "counter_current_density_A_per_m2",
    "anode_overpotential_V",
    "counter_overpotential_V",
    "c_anode_min_mol_per_m3",
    "c_anode_mean_mol_per_m3",
    "i_anode_max_A_per_m2",
    "i_anode_min_A_per_m2",
    "li_plated_um",
    "cation_inventory_mol_per_m",
    "anion_inventory_mol_per_m",
    "tip_height_um",
    "mean_height_um",
    "roughness_rms_um",
    "tip_current_ratio",
    "anode_length_um",
    "anode_length_ratio",
    "counter_mean_height_um",
    "min_element_quality",
    "remesh_count",
    "remesh_inventory_correction",
    "wall_time_s",
]


class Recorder:
    """Writes a run directory. Collective: call the same methods on every rank."""

    def __init__(self, out_dir: Path, comm, resolved: dict[str, Any]):
        self.out_dir = Path(out_dir)
        self.comm = comm
        self.rank0 = comm.rank == 0
        self._csv = None
        self._writer = None
        self._pvd: list[tuple[float, str]] = []
        self.frame_count = 0
        self.t_start = time.perf_counter()
        if self.rank0:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            for stale_bp in self.out_dir.glob("fields_seg*.bp"):
                shutil.rmtree(stale_bp, ignore_errors=True)
            for stale in ("frames", "fields"):
                d = self.out_dir / stale
                if d.is_dir():
                    for f in d.iterdir():
                        if f.suffix in (".npz", ".vtu"):
                            f.unlink()
            with open(self.out_dir / "config.resolved.yaml", "w") as fh:
                yaml.safe_dump(resolved, fh, sort_keys=False)
            self._csv = open(self.out_dir / "metrics.csv", "w", newline="")  # noqa: SIM115
            self._writer = csv.DictWriter(self._csv, fieldnames=METRIC_COLUMNS)
            self._writer.writeheader()
            self._csv.flush()
            self.write_status("running")
        comm.barrier()

    # -- tables ---------------------------------------------------------------------------
    def metrics(self, row: dict[str, float]) -> None:
        """Append one row to ``metrics.csv`` (rank 0) and flush it."""
        if self.rank0:
            row = dict(row)
            row["wall_time_s"] = time.perf_counter() - self.t_start
            self._writer.writerow({k: _fmt(row.get(k, "")) for k in METRIC_COLUMNS})
            self._csv.flush()

    def write_status(self, status: str, **info: Any) -> None:
        """Write ``status.json`` (rank 0)."""
        if self.rank0:
            data = {"status": status, **info}
            tmp = self.out_dir / "status.json.tmp"
            tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")
            tmp.replace(self.out_dir / "status.json")

    # -- fields ---------------------------------------------------------------------------
    def frame(self, frame_data: frame_io.FrameData | None) -> None:
        """Write a gathered frame (rank 0 holds the data, the others pass ``None``)."""
        if self.rank0 and frame_data is not None:
            index = self.frame_count
            frame_io.write_frame(self.out_dir, index, frame_data)
            rel = f"fields/frame_{index:05d}.vtu"
            (self.out_dir / "fields").mkdir(exist_ok=True)
            frame_io.write_vtu(self.out_dir / rel, frame_data)
            self._pvd.append((frame_data.time_s, rel))
            frame_io.write_pvd(self.out_dir / "fields.pvd", self._pvd)
        self.frame_count += 1

    def close(self) -> None:
        """Close the metrics file."""
        if self._csv is not None:
            self._csv.close()
            self._csv = None


def _fmt(value):
    if isinstance(value, float | np.floating):
        return f"{float(value):.12g}"
    return value


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    return str(o)
