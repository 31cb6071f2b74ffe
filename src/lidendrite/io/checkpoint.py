"""Checkpoints: everything a run needs to continue exactly, readable on any number of ranks.

A checkpoint is one ``.npz`` file in ``run_dir/checkpoints/``, written by rank 0:

- the Gmsh input of the current mesh (the electrode polylines on the Gmsh grid, the sizes, the
  flags: :attr:`~lidendrite.geometry.cell.CellMesh.source`). Gmsh is deterministic, so meshing
  it again gives the same nodes with the same input indices on any number of ranks;
- per mesh node, keyed by the node's input global index: the current coordinates (the mesh has
  moved since Gmsh made it), the salt and potential, the BDF history (c at levels n and n−1)
  and the mesh displacement of the last step (the ALE Jacobian of BDF2);
- the cell voltage and, as JSON (``meta``), the time loop (time, step, next dt, BDF order,
  protocol segment, next frame time, the previous metrics row), the run counters, the step
  timings and what the recorder needs to continue its files (frames written, ``fields.pvd``
  entries, metrics rows, wall time). There is no random state: the only random numbers (a rough
  anode) are drawn from the configured seed before the first mesh.

Files are written to a temporary name, flushed to disk and renamed, and only the newest
:data:`KEEP` are kept, so a kill at any moment leaves the previous checkpoint intact. A
checkpoint that does not load completely is skipped by :func:`newest_checkpoint`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lidendrite.errors import ConfigError

if TYPE_CHECKING:
    from lidendrite.engine.state import MeshState

CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_FORMAT_VERSION = 1
#: How many checkpoints are kept (the newest ones).
KEEP = 2
#: Test hook: SIGKILL this process half-way through writing its N-th checkpoint (1-based).
KILL_IN_WRITE_ENV = "LIDENDRITE_TEST_KILL_IN_CHECKPOINT"

_NAME = re.compile(r"^ckpt_(\d{8})\.npz$")
_NODE_FIELDS = ("c", "phi", "c_n", "c_nm1")
_SURFACE_FIELDS = ("material_x", "exchange_current", "film_resistance")
_written = 0


def checkpoint_dir(run_dir: Path) -> Path:
    """``run_dir/checkpoints``."""
    return Path(run_dir) / CHECKPOINT_DIR


def list_checkpoints(run_dir: Path) -> list[Path]:
    """Complete checkpoint files (by name), oldest first; temporary files are not listed."""
    directory = checkpoint_dir(run_dir)
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def gather_state(state: MeshState) -> dict[str, np.ndarray] | None:
    """The node data of ``state`` on rank 0, sorted by input global index (collective)."""
    p, lay, mesh = state.problem, state.layout, state.mesh
    n = lay.num_owned
    keys = np.asarray(mesh.geometry.input_global_indices, dtype=np.int64)[:n]
    local = {
        "key": keys,
        "x": mesh.geometry.x[:n, :2].copy(),
        "disp_nm1": lay.values(p.disp2)[:n].copy(),
    }
    for name in _NODE_FIELDS:
        local[name] = lay.values(getattr(p, name))[:n].copy()
    for name in _SURFACE_FIELDS:  # a surface pattern and where it has moved to
        if getattr(p.coefficients, name) is not None:  # no film: no film field
            local[name] = lay.values(getattr(p.coefficients, name))[:n].copy()
    parts = mesh.comm.gather(local, root=0)
    v = state.cell_voltage_scaled()
    if mesh.comm.rank != 0:
        return None
    out = {k: np.concatenate([part[k] for part in parts]) for k in local}
    order = np.argsort(out["key"], kind="stable")
    out = {k: a[order] for k, a in out.items()}
    out["v"] = np.array(v)
    return out


def write_checkpoint(run_dir: Path, state: MeshState, meta: dict[str, Any]) -> Path | None:
    """Write a checkpoint of ``state`` and the loop ``meta`` (collective; rank 0 writes).

    Returns the path on rank 0 (``None`` elsewhere). Older checkpoints beyond :data:`KEEP`
    are removed after the new one is in place.
    """
    global _written
    nodes = gather_state(state)
    comm = state.mesh.comm
    if comm.rank != 0:
        comm.barrier()
        return None
    source = state.source
    arrays = {f"node_{k}": v for k, v in nodes.items() if k != "v"}
    arrays["v"] = nodes["v"]
    for key in ("anode_xy_um", "counter_xy_um"):  # a user mesh (mesh_file) has none
        if key in source:
            arrays[f"source_{key}"] = source[key]
    scalars = {k: v for k, v in source.items() if not k.endswith("_xy_um")}
    full_meta = {"format_version": CHECKPOINT_FORMAT_VERSION, "source": scalars, **meta}
    arrays["meta_json"] = np.array(json.dumps(full_meta, default=_plain))
    directory = checkpoint_dir(run_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"ckpt_{int(meta['step']):08d}.npz"
    tmp = directory / f".{path.name}.tmp"
    _written += 1
    kill_at = os.environ.get(KILL_IN_WRITE_ENV, "")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        if kill_at and int(kill_at) == _written:
            fh.flush()
            fh.truncate(fh.tell() // 2)
            os.fsync(fh.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(directory)
    for old in list_checkpoints(run_dir)[:-KEEP]:
        old.unlink(missing_ok=True)
    comm.barrier()
    return path


def read_checkpoint(path: Path) -> dict[str, Any]:
    """Load a checkpoint completely; raises ``ValueError`` if it is torn or not a checkpoint."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}  # reads (and CRC-checks) every member
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{path}: not a complete checkpoint ({err})") from err
    try:
        meta = json.loads(str(arrays.pop("meta_json")))
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path}: checkpoint without metadata") from err
    if meta.get("format_version") != CHECKPOINT_FORMAT_VERSION:
        raise ValueError(f"{path}: checkpoint format {meta.get('format_version')!r}")
    source = dict(meta["source"])
    for key in ("anode_xy_um", "counter_xy_um"):
        if f"source_{key}" in arrays:
            source[key] = arrays.pop(f"source_{key}")
    nodes = {k[len("node_") :]: arrays.pop(k) for k in list(arrays) if k.startswith("node_")}
    return {"meta": meta, "source": source, "nodes": nodes, "v": float(arrays["v"])}


def newest_checkpoint(run_dir: Path, config_hash: str) -> tuple[Path, dict[str, Any]]:
    """The newest checkpoint of a run that loads completely (call on one rank).

    Raises:
        ConfigError: There is none, or it was written by a run of another config hash.
    """
    for path in reversed(list_checkpoints(run_dir)):
        try:
            data = read_checkpoint(path)
        except ValueError:
            continue
        found = data["meta"].get("config_hash")
        if found != config_hash:
            raise ConfigError(
                f"{path}: the checkpoint belongs to config hash {found}, not {config_hash} "
                "(the physics or numerics changed): resume it with its own config, or pass "
                "--overwrite to start afresh"
            )
        return path, data
    raise ConfigError(
        f"{checkpoint_dir(run_dir)}: no valid checkpoint to resume from "
        "(pass --overwrite to start afresh)"
    )


def restore_nodes(state: MeshState, nodes: dict[str, np.ndarray], v: float) -> None:
    """Move a freshly meshed ``state`` to the checkpointed geometry and set its fields.

    ``state`` must be meshed from the checkpoint's Gmsh input (same input global indices).
    """
    p, lay, mesh = state.problem, state.layout, state.mesh
    keys = np.asarray(mesh.geometry.input_global_indices, dtype=np.int64)[: lay.num_local]
    pos = np.searchsorted(nodes["key"], keys)
    pos[pos == nodes["key"].size] = 0
    if not np.array_equal(nodes["key"][pos], keys):
        raise ConfigError("the checkpoint does not match the mesh made from its Gmsh input")
    mesh.geometry.x[: lay.num_local, :2] = nodes["x"][pos]
    for name in _NODE_FIELDS:
        lay.set_values(getattr(p, name), nodes[name][pos])
    lay.set_values(p.disp2, nodes["disp_nm1"][pos])
    for name in _SURFACE_FIELDS:  # absent from checkpoints written before surface patterns
        if name in nodes and getattr(p.coefficients, name) is not None:
            lay.set_values(getattr(p.coefficients, name), nodes[name][pos])
            getattr(p.coefficients, name).x.scatter_forward()
    p.disp1.x.array[:] = 0.0
    p.v.x.array[:] = v
    state.refresh_interfaces()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _plain(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
