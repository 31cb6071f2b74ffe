"""Everything a run writes: resolved config, metrics table, field frames, VTX files, status, log.

The recorder owns every file of a run directory. Only rank 0 writes tables and small files;
field data are gathered on rank 0 into frames (``frames/frame_XXXXX.npz`` for the renderer,
``fields/frame_XXXXX.vtu`` + ``fields.pvd`` for ParaView). With ``output.vtx`` every rank also
writes the parallel VTX/ADIOS2 files ``fields_segXXX.bp`` (one per mesh segment: a remesh starts
a new one). ``run.log`` receives the ``lidendrite`` log records of the run (rank 0).

A resumed run (``resume``: what :meth:`Recorder.resume_info` gave its checkpoint) continues the
files where the checkpoint left them: ``metrics.csv`` keeps the rows up to the checkpoint,
frames written after it are removed, ``fields.pvd`` lists the frames before it, ``run.log`` is
appended to, the interrupted mesh segment continues in ``fields_segXXX_rN.bp`` and
``status.json`` keeps the ``history`` of every session of the run.
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from lidendrite.engine.metrics import COLUMN_NAMES
from lidendrite.errors import ConfigError
from lidendrite.io import frames as frame_io
from lidendrite.io.fields import VTXSegments, field_arrays, gather_frame, vector_fields
from lidendrite.io.npz import DeflateCache
from lidendrite.io.vtk_xml import VtuSeries

if TYPE_CHECKING:
    from lidendrite.engine.state import MeshState

log = logging.getLogger("lidendrite")

#: Columns of metrics.csv (defined in :mod:`lidendrite.engine.metrics`).
METRIC_COLUMNS = list(COLUMN_NAMES)


class Recorder:
    """Writes a run directory. Collective: call the same methods on every rank."""

    def __init__(
        self,
        out_dir: Path,
        comm: Any,
        resolved: dict[str, Any],
        *,
        frames: bool = True,
        vtx: bool = False,
        moving: bool = False,
        resume: dict[str, Any] | None = None,
        history: list[dict[str, Any]] | None = None,
        extra_columns: list[str] | None = None,
    ):
        self.out_dir = Path(out_dir)
        self.comm = comm
        self.rank0 = comm.rank == 0
        self.write_frames = frames
        self.columns = METRIC_COLUMNS + list(extra_columns or [])  # per-case ones at the end
        self._vtx = VTXSegments(self.out_dir, moving) if (vtx and frames) else None
        self._csv = None
        self._writer = None
        self._log_handler: logging.Handler | None = None
        self._vtu = VtuSeries(self.out_dir)  # the .vtu frames and fields.pvd (rank 0)
        self._deflated = DeflateCache()  # the frames' deflated topology while the mesh stays
        self.frame_count = 0
        self.warnings: list[str] = []  # config warnings, saved in status.json
        self.metrics_rows = 0
        self.t_start = time.perf_counter()
        self.history = list(history or [])
        self.history.append(
            {
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "ranks": comm.size,
                "from_step": 0 if resume is None else resume["step"],
                "from_time_s": 0.0 if resume is None else resume["time_s"],
            }
        )
        if resume is not None:
            self.frame_count = int(resume["frame_count"])
            self.metrics_rows = int(resume["metrics_rows"])
            self._vtu = VtuSeries(self.out_dir, resume["pvd"])
            self.t_start -= float(resume["wall_time_s"])
            if self._vtx is not None:
                self._vtx.resumed = (int(resume["segment"]), len(self.history) - 1)
        if self.rank0:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            if resume is None:
                self._clear_fields(0, 0)
            else:
                self._clear_fields(self.frame_count, int(resume["segment"]) + 1)
                self._vtu.write_collection()
            with open(self.out_dir / "config.resolved.yaml", "w") as fh:
                yaml.safe_dump(resolved, fh, sort_keys=False)
            self._open_metrics(keep_rows=None if resume is None else self.metrics_rows)
            self._open_log(append=resume is not None)
            self.write_status("running")
        comm.barrier()

    def _clear_fields(self, first_frame: int, first_segment: int) -> None:
        """Remove field files from frame ``first_frame`` and VTX segment ``first_segment`` on."""
        for bp in self.out_dir.glob("fields_seg*.bp"):
            digits = bp.name[len("fields_seg") :][:3]
            if not digits.isdigit() or int(digits) >= first_segment:
                shutil.rmtree(bp, ignore_errors=True)
        for stale in ("frames", "fields"):
            d = self.out_dir / stale
            if d.is_dir():
                for f in d.iterdir():
                    digits = f.stem.rpartition("_")[2]
                    if f.suffix in (".npz", ".vtu") and (
                        not digits.isdigit() or int(digits) >= first_frame
                    ):
                        f.unlink()

    def _open_metrics(self, keep_rows: int | None) -> None:
        """Start ``metrics.csv``, or keep its header and first ``keep_rows`` rows (resume)."""
        path = self.out_dir / "metrics.csv"
        if keep_rows is not None:
            lines = path.read_text().splitlines(keepends=True) if path.exists() else []
            if len(lines) < keep_rows + 1:
                raise ConfigError(
                    f"{path}: {max(len(lines) - 1, 0)} rows, the checkpoint needs {keep_rows}"
                )
            tmp = path.with_name("metrics.csv.tmp")
            tmp.write_text("".join(lines[: keep_rows + 1]))
            tmp.replace(path)
        self._csv = open(path, "a" if keep_rows is not None else "w", newline="")  # noqa: SIM115
        self._writer = csv.DictWriter(self._csv, fieldnames=self.columns)
        if keep_rows is None:
            self._writer.writeheader()
        self._csv.flush()

    def resume_info(self) -> dict[str, Any]:
        """What a checkpoint keeps of the recorder (rank 0's is written)."""
        return {
            "frame_count": self.frame_count,
            "metrics_rows": self.metrics_rows,
            "pvd": self._vtu.entries,
            "wall_time_s": time.perf_counter() - self.t_start,
        }

    # -- log ------------------------------------------------------------------------------
    def _open_log(self, append: bool = False) -> None:
        """Copy the ``lidendrite`` log records (INFO and up) into ``run.log``.

        The console keeps the level it was given (``-q`` prints warnings only): the logger is
        opened to INFO and its other handlers get the old level as their own until
        :meth:`close`.
        """
        handler = logging.FileHandler(self.out_dir / "run.log", mode="a" if append else "w")
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        handler.setLevel(logging.INFO)
        old_level = log.getEffectiveLevel()
        self._saved_levels = [(log, log.level)] + [(h, h.level) for h in log.handlers]
        for h in log.handlers:
            h.setLevel(max(h.level, old_level))
        log.setLevel(logging.INFO)
        log.addHandler(handler)
        self._log_handler = handler

    def _close_log(self) -> None:
        if self._log_handler is None:
            return
        log.removeHandler(self._log_handler)
        self._log_handler.close()
        self._log_handler = None
        for obj, level in self._saved_levels:
            obj.setLevel(level)

    def append_log(self, text: str) -> None:
        """Append raw text (a traceback) to ``run.log`` (rank 0)."""
        if self.rank0 and self._log_handler is not None:
            stream = self._log_handler.stream
            stream.write(text if text.endswith("\n") else text + "\n")
            self._log_handler.flush()

    # -- tables ---------------------------------------------------------------------------
    def metrics(self, row: dict[str, float]) -> None:
        """Append one row to ``metrics.csv`` (rank 0) and flush it."""
        self.metrics_rows += 1
        if self.rank0:
            row = dict(row)
            row["wall_time_s"] = time.perf_counter() - self.t_start
            self._writer.writerow({k: _fmt(row.get(k, "")) for k in self.columns})
            self._csv.flush()

    def write_status(self, status: str, **info: Any) -> None:
        """Write ``status.json`` (rank 0)."""
        if status != "running":
            self.history[-1].update(ended=status, time_s=info.get("time_s"))
        if self.rank0:
            data = _finite(
                {
                    "status": status,
                    **info,
                    "warnings": list(self.warnings),
                    "history": self.history,
                }
            )
            tmp = self.out_dir / "status.json.tmp"
            text = json.dumps(data, indent=2, default=_json_default, allow_nan=False)
            tmp.write_text(text + "\n")
            tmp.replace(self.out_dir / "status.json")

    # -- fields ---------------------------------------------------------------------------
    def fields(self, state: MeshState, time_s: float, step: int, segment: int) -> None:
        """Write the fields of ``state`` as the next frame (and VTX entry); collective."""
        if not self.write_frames:
            return
        flux, current = vector_fields(state)
        arrays = field_arrays(state, flux, current)
        if self._vtx is not None:
            self._vtx.write(state, arrays, time_s, segment)
        self.frame(gather_frame(state, arrays, time_s, step, segment))

    def new_segment(self) -> None:
        """The mesh was replaced: close the VTX file of the old one (collective)."""
        if self._vtx is not None:
            self._vtx.close()

    def frame(self, frame_data: frame_io.FrameData | None) -> None:
        """Write a gathered frame (rank 0 holds the data, the others pass ``None``)."""
        if self.rank0 and frame_data is not None:
            index = self.frame_count
            frame_io.write_frame(self.out_dir, index, frame_data, self._deflated)
            self._vtu.append(index, frame_data)
        self.frame_count += 1

    def close(self) -> None:
        """Close the metrics file, the VTX segment and the log file (collective)."""
        if self.rank0:
            self._vtu.flush()  # the collection lists every frame written
        if self._vtx is not None:
            self._vtx.close()
        if self._csv is not None:
            self._csv.close()
            self._csv = None
        self._close_log()


def _fmt(value):
    if isinstance(value, float | np.floating):
        return f"{float(value):.12g}"
    return value


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by ``None`` (JSON null), recursively."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    return str(o)
