"""User meshes: ``cell.mesh_file`` (a Gmsh ``.msh``, or a ``.geo`` meshed on reading).

Physical groups are matched to the tag registry by name: surfaces named ``electrolyte`` or a
material of the ``materials:`` section, curves named ``anode``, ``counter``, ``left``, ``right``
or ``fillers`` (``walls`` is taken as ``left``: both are insulating side walls). Whatever tags
the file used, they are renumbered to the registry's, so the mesh runs like a built cell.
Gmsh reads it on rank 0 only and the mesh is distributed like a built one. A user mesh is not
rebuilt when the anode moves: runs that would remesh stop with a clear error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mpi4py.MPI import MAX as MPI_MAX
from mpi4py.MPI import MIN as MPI_MIN

import gmsh
import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.geometry import tags
from lidendrite.geometry.cell import CellMesh, run_gmsh
from lidendrite.geometry.tags import TagRegistry

if TYPE_CHECKING:
    from mpi4py import MPI

    from lidendrite.config import Config

__all__ = ["cell_from_mesh_file", "facet_names"]


def facet_names(registry: TagRegistry) -> dict[str, int]:
    """Curve group names a user mesh may use, with their facet tags."""
    return {**registry.electrodes, **registry.walls, "walls": tags.LEFT}


def _renumber(path: Path, registry: TagRegistry) -> None:
    """Read the file into the current model; physical groups renumbered to the registry."""
    if path.suffix == ".geo":
        # a .geo file sizes its mesh by itself (characteristic lengths, fields)
        gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 1)
        gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 1)
    gmsh.merge(str(path))
    if path.suffix == ".geo" or not gmsh.model.mesh.getElements(2)[0].size:
        gmsh.model.geo.synchronize()
        gmsh.model.mesh.generate(2)
    tables = {2: dict(registry.materials), 1: facet_names(registry)}
    groups: dict[tuple[int, int], tuple[str, list[int]]] = {}
    for dim, tag in gmsh.model.getPhysicalGroups():
        if dim not in tables:
            continue
        name = gmsh.model.getPhysicalName(dim, tag)
        table = tables[dim]
        if name not in table:
            kind = "surface" if dim == 2 else "curve"
            raise ConfigError(
                f"cell.mesh_file = '{path}': {kind} physical group '{name}' (tag {tag}) names "
                f"nothing known; use one of {', '.join(sorted(table))}"
            )
        key = (dim, table[name])
        entities = [int(e) for e in gmsh.model.getEntitiesForPhysicalGroup(dim, tag)]
        groups.setdefault(key, ("left" if name == "walls" else name, []))[1].extend(entities)
    found = {name for name, _ in groups.values()}
    missing = [n for n in ("anode", "counter") if n not in found]
    if missing or not any(dim == 2 for dim, _ in groups):
        need = ", ".join(missing) if missing else "a surface group (electrolyte or a material)"
        raise ConfigError(f"cell.mesh_file = '{path}': no physical group {need}")
    gmsh.model.removePhysicalGroups()
    for (dim, tag), (name, entities) in sorted(groups.items()):
        gmsh.model.addPhysicalGroup(dim, sorted(set(entities)), tag, name=name)


def cell_from_mesh_file(comm: MPI.Comm, cfg: Config) -> CellMesh:
    """Read ``cfg.cell.mesh_file`` (collective); its regions tagged by the registry of ``cfg``.

    Raises:
        ConfigError: The file is missing, unreadable, or its physical groups name something
            that is neither a material nor a boundary of the registry.
    """
    path = Path(cfg.cell.mesh_file)
    registry = TagRegistry.for_materials(cfg.materials)
    data = run_gmsh(comm, lambda: _renumber(path, registry), f"read {path}", ConfigError)
    x = data.mesh.geometry.x
    lo = comm.allreduce(float(x[:, 0].min(initial=np.inf)), op=MPI_MIN)
    hi = comm.allreduce(float(x[:, 0].max(initial=-np.inf)), op=MPI_MAX)
    top = comm.allreduce(float(x[:, 1].max(initial=-np.inf)), op=MPI_MAX)
    width, thickness = cfg.cell.width_um, cfg.cell.thickness_um
    tol = 1e-6 * max(width, thickness)
    if abs(lo) > tol or abs(hi - width) > tol or abs(top - thickness) > tol:
        raise ConfigError(
            f"cell.mesh_file = '{path}': the mesh spans x = {lo:.6g}..{hi:.6g} um up to "
            f"y = {top:.6g} um; set cell.width_um = {hi - lo:.6g} and cell.thickness_um = "
            f"{top:.6g} (the mesh must start at x = 0)"
        )
    return CellMesh(data.mesh, data.cell_tags, data.facet_tags, {"mesh_file": str(path)})
