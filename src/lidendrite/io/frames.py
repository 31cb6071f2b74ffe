"""Frame files: one output time of a run, written by the solver and read by the renderer.

A *frame* holds the triangulated electrolyte in its current (deformed) geometry, the nodal fields,
the tagged facets and the ordered boundary polylines of one output time. The solver writes each
frame on rank 0 as an ``.npz`` file (``run_dir/frames/frame_00012.npz``) and, for
ParaView, as a VTK XML unstructured grid (``run_dir/fields/frame_00012.vtu``) listed in a
collection file (``run_dir/fields.pvd``; :mod:`lidendrite.io.vtk_xml`). Nothing here needs MPI,
DOLFINx or VTK.

Point-data names carry their units: ``c_cation_mol_per_m3`` (N,), ``c_anion_mol_per_m3`` (N,),
``potential_V`` (N,), ``flux_cation_mol_per_m2_s`` (N, 2), ``ionic_current_density_A_per_m2``
(N, 2). Frames written before that name read back with it (:mod:`lidendrite.io.names`). The
meta data carries the tag registry (``meta['tags']``: material and boundary names).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.io.names import upgrade_fields
from lidendrite.io.npz import DeflateCache, write_npz

__all__ = [
    "FRAME_DIR",
    "FRAME_FORMAT_VERSION",
    "FrameData",
    "frame_path",
    "list_frames",
    "read_frame",
    "read_frame_time",
    "atomic_write",
    "validate_frame",
    "write_frame",
]

FRAME_DIR = "frames"
"""Sub-directory of a run directory that holds the frame files."""

FRAME_FORMAT_VERSION = 1
"""Version of the ``.npz`` layout, stored in every frame file."""

_FRAME_NAME = re.compile(r"^frame_(\d+)\.npz$")
_POINT_PREFIX = "point_data/"
_BOUNDARY_PREFIX = "boundaries/"


@dataclass
class FrameData:
    """One output time of a run, in the current (deformed) geometry.

    Attributes:
        time_s: Simulated time in s.
        step: Index of the time step that produced the frame.
        segment: Mesh segment: 0 for the initial mesh, incremented by each remesh.
        points_um: (N, 2) float64 vertex coordinates in µm.
        triangles: (M, 3) int64 vertex indices of the cells.
        cell_tags: (M,) int32 material tag of each cell (1 = electrolyte, 2+ other materials).
        point_data: Nodal fields, each (N,) or (N, 2), by name with units in the name.
        boundaries: Ordered polylines (K, 2) in µm by name: ``"anode"`` (the Li deposit
            surface, left to right) and ``"counter"``.
        facets: (P, 2) int64 vertex pairs of the tagged boundary and internal facets.
        facet_tags: (P,) int32 tags (1 anode, 2 counter, 3 left, 4 right, 5+ internal).
        meta: JSON-serialisable metadata (title, width_um, thickness_um, units, ...).
    """

    time_s: float
    step: int
    segment: int
    points_um: np.ndarray
    triangles: np.ndarray
    cell_tags: np.ndarray
    point_data: dict[str, np.ndarray] = field(default_factory=dict)
    boundaries: dict[str, np.ndarray] = field(default_factory=dict)
    facets: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    facet_tags: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.time_s = float(self.time_s)
        self.step = int(self.step)
        self.segment = int(self.segment)
        self.points_um = np.ascontiguousarray(self.points_um, dtype=np.float64)
        self.triangles = np.ascontiguousarray(self.triangles, dtype=np.int64)
        self.cell_tags = np.ascontiguousarray(self.cell_tags, dtype=np.int32)
        self.facets = np.ascontiguousarray(self.facets, dtype=np.int64).reshape(-1, 2)
        self.facet_tags = np.ascontiguousarray(self.facet_tags, dtype=np.int32)
        self.point_data = {
            k: np.ascontiguousarray(v, dtype=np.float64) for k, v in self.point_data.items()
        }
        self.boundaries = {
            k: np.ascontiguousarray(v, dtype=np.float64).reshape(-1, 2)
            for k, v in self.boundaries.items()
        }
        self.meta = dict(self.meta)
        validate_frame(self)

    @property
    def n_points(self) -> int:
        """Number of vertices."""
        return int(self.points_um.shape[0])

    @property
    def n_cells(self) -> int:
        """Number of triangles."""
        return int(self.triangles.shape[0])


def validate_frame(frame: FrameData) -> None:
    """Check array shapes and index ranges; raise ``ValueError`` naming the bad entry."""
    n = frame.points_um.shape[0]
    if frame.points_um.ndim != 2 or frame.points_um.shape[1] != 2:
        raise ValueError(f"points_um must be (N, 2), got {frame.points_um.shape}")
    if frame.triangles.ndim != 2 or frame.triangles.shape[1] != 3:
        raise ValueError(f"triangles must be (M, 3), got {frame.triangles.shape}")
    if frame.cell_tags.shape != (frame.triangles.shape[0],):
        raise ValueError(
            f"cell_tags must be ({frame.triangles.shape[0]},), got {frame.cell_tags.shape}"
        )
    if frame.facet_tags.shape != (frame.facets.shape[0],):
        raise ValueError(
            f"facet_tags must be ({frame.facets.shape[0]},), got {frame.facet_tags.shape}"
        )
    for what, idx in (("triangles", frame.triangles), ("facets", frame.facets)):
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError(f"{what} index a vertex outside 0..{n - 1}")
    for name, values in frame.point_data.items():
        if "/" in name or not name:
            raise ValueError(f"point-data name {name!r} must be non-empty and contain no '/'")
        if values.shape not in ((n,), (n, 2)):
            raise ValueError(f"point_data[{name!r}] must be ({n},) or ({n}, 2), got {values.shape}")
    for name in frame.boundaries:
        if "/" in name or not name:
            raise ValueError(f"boundary name {name!r} must be non-empty and contain no '/'")


def frame_path(run_dir: Path, index: int) -> Path:
    """Path of frame ``index`` of a run: ``run_dir/frames/frame_{index:05d}.npz``."""
    return Path(run_dir) / FRAME_DIR / f"frame_{int(index):05d}.npz"


def _umask() -> int:
    """The process umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Any, mode: str = "wb") -> None:
    """Write through a temporary file in the same directory, then rename over ``path``.

    A reader polling the directory of a running simulation thus never sees a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; other files follow the umask
        with os.fdopen(fd, mode) as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_frame(
    run_dir: Path, index: int, frame: FrameData, cache: DeflateCache | None = None
) -> Path:
    """Write a frame as ``run_dir/frames/frame_{index:05d}.npz``.

    Call on one process only (rank 0). The file is replaced atomically. The integer arrays
    (the mesh topology) are deflated, the floats stored (:func:`~lidendrite.io.npz.write_npz`).

    Args:
        run_dir: Run directory.
        index: Frame number (0, 1, 2, ... in time order).
        frame: The frame.
        cache: the deflated topology of earlier frames, reused while the mesh stays.

    Returns:
        Path of the file written.
    """
    validate_frame(frame)
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FRAME_FORMAT_VERSION, dtype=np.int64),
        "time_s": np.array(frame.time_s, dtype=np.float64),
        "step": np.array(frame.step, dtype=np.int64),
        "segment": np.array(frame.segment, dtype=np.int64),
        "points_um": frame.points_um,
        "triangles": frame.triangles,
        "cell_tags": frame.cell_tags,
        "facets": frame.facets,
        "facet_tags": frame.facet_tags,
        "meta_json": np.array(json.dumps(frame.meta, sort_keys=True)),
    }
    for name, values in frame.point_data.items():
        arrays[_POINT_PREFIX + name] = values
    for name, line in frame.boundaries.items():
        arrays[_BOUNDARY_PREFIX + name] = line
    path = frame_path(run_dir, index)
    atomic_write(path, lambda fh: write_npz(fh, arrays, cache=cache))
    return path


def read_frame(path: Path) -> FrameData:
    """Read a frame written by :func:`write_frame`.

    Raises:
        ConfigError: The file does not exist or is not a lidendrite frame.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            point_data = {
                k[len(_POINT_PREFIX) :]: data[k] for k in keys if k.startswith(_POINT_PREFIX)
            }
            boundaries = {
                k[len(_BOUNDARY_PREFIX) :]: data[k] for k in keys if k.startswith(_BOUNDARY_PREFIX)
            }
            return FrameData(
                time_s=float(data["time_s"]),
                step=int(data["step"]),
                segment=int(data["segment"]),
                points_um=data["points_um"],
                triangles=data["triangles"],
                cell_tags=data["cell_tags"],
                point_data=dict(sorted(upgrade_fields(point_data).items())),
                boundaries=dict(sorted(boundaries.items())),
                facets=data["facets"],
                facet_tags=data["facet_tags"],
                meta=json.loads(str(data["meta_json"])),
            )
    except FileNotFoundError as err:
        raise ConfigError(f"frame file {path} does not exist") from err
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        raise ConfigError(f"{path} is not a lidendrite frame file ({err})") from err


def read_frame_time(path: Path) -> float:
    """Simulated time in s of a frame file, without loading its arrays."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            return float(data["time_s"])
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        raise ConfigError(f"{path} is not a lidendrite frame file ({err})") from err


def list_frames(run_dir: Path) -> list[Path]:
    """Frame files of a run, sorted by frame number (empty if there are none)."""
    directory = Path(run_dir) / FRAME_DIR
    if not directory.is_dir():
        return []
    found = []
    for p in directory.iterdir():
        m = _FRAME_NAME.match(p.name)
        if m and p.is_file():
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]
