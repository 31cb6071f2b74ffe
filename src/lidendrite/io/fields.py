"""Field output of a mesh state: frames gathered on rank 0, and parallel VTX segments.

Used by the :class:`~lidendrite.io.recorder.Recorder` only. Every function here is collective.
Field names carry their units (see :mod:`lidendrite.io.frames`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import basix.ufl
import numpy as np
import ufl

from lidendrite import fem
from lidendrite.fem import dolfinx
from lidendrite.io.frames import FrameData
from lidendrite.physics.closures import (
    anion_concentration,
    cation_concentration,
    electrostatic_potential,
    ion_fluxes,
)
from lidendrite.physics.transport import current_density

if TYPE_CHECKING:
    from lidendrite.engine.state import MeshState

SCALAR_FIELDS = ("c_cation_mol_per_m3", "c_anion_mol_per_m3", "potential_V")
VECTOR_FIELDS = ("flux_cation_mol_per_m2_s", "ionic_current_density_A_per_m2")


def vector_fields(state: MeshState) -> tuple[np.ndarray, np.ndarray]:
    """Li⁺ flux (mol/m²/s) and ionic current density (A/m²) as P1 vector dof arrays.

    Lumped L2 projection of the cell-wise gradients onto the vertices:
    ``f_i = ∫ N φ_i dx / ∫ φ_i dx`` (ghost entries updated). The two vectors and the lumped
    mass are the five components of one assembly (a P1⁵ test function).
    """
    p = state.problem
    coef = p.coefficients
    cached = state.cache.get("vector_form")
    if cached is None:
        gdim = p.mesh.geometry.dim
        element = basix.ufl.element("Lagrange", p.mesh.basix_cell().name, 1, shape=(2 * gdim + 1,))
        space = dolfinx.fem.functionspace(p.mesh, element)
        q = ufl.TestFunction(space)
        n_plus, _ = ion_fluxes(p.c, p.phi, coef.region)
        j = current_density(p.c, p.phi, coef.region)
        parts = [n_plus[k] for k in range(gdim)] + [j[k] for k in range(gdim)] + [1.0]
        form = fem.form(ufl.inner(ufl.as_vector(parts), q) * ufl.dx)
        # node of the output vector space -> node of this space (both P1 on the mesh)
        imap = space.dofmap.index_map
        to_nodes = np.zeros(imap.size_local + imap.num_ghosts, dtype=np.int32)
        to_nodes[p.vector_space.dofmap.list.ravel()] = space.dofmap.list.ravel()
        cached = state.cache["vector_form"] = (form, to_nodes)
    form, to_nodes = cached
    b = dolfinx.fem.assemble_vector(form)
    b.scatter_reverse(dolfinx.la.InsertMode.add)
    b.scatter_forward()
    out = b.array.reshape(-1, b.block_size)[to_nodes]
    gdim = (out.shape[1] - 1) // 2
    mass = out[:, -1:]
    s = state.case.scaling
    flux = (out[:, :gdim] / mass * s.flux_mol_per_m2_s).ravel()
    current = (out[:, gdim : 2 * gdim] / mass * s.current_A_per_m2).ravel()
    return flux, current


def field_arrays(state: MeshState, flux: np.ndarray, current: np.ndarray) -> dict[str, np.ndarray]:
    """SI dof arrays of every output field (P1; vectors interleaved)."""
    p = state.problem
    s = state.case.scaling
    region = p.coefficients.nodal_closure()
    a, psi = p.c.x.array, p.phi.x.array
    return {
        "c_cation_mol_per_m3": cation_concentration(a, region) * s.concentration_mol_per_m3,
        "c_anion_mol_per_m3": anion_concentration(a, region) * s.concentration_mol_per_m3,
        "potential_V": electrostatic_potential(a, psi, region) * s.thermal_voltage_V,
        "flux_cation_mol_per_m2_s": flux,
        "ionic_current_density_A_per_m2": current,
    }


def gather_frame(
    state: MeshState, arrays: dict[str, np.ndarray], time_s: float, step: int, segment: int
) -> FrameData | None:
    """The fields of ``state`` as a frame on rank 0 (``None`` on the other ranks)."""
    p, lay, case = state.problem, state.layout, state.case
    cfg = case.config
    nodal = {}
    for name, values in arrays.items():
        space = p.V if name in SCALAR_FIELDS else p.vector_space
        bs = space.dofmap.index_map_bs
        at_nodes = values.reshape(-1, bs)[lay.node_to_dof(space)]
        nodal[name] = at_nodes[:, 0] if bs == 1 else at_nodes
    data = lay.gather(nodal)
    # the tags stay as long as the mesh does (mesh motion moves nodes only)
    tagged = state.cache.get("gathered_tags")
    if tagged is None:
        tagged = state.cache["gathered_tags"] = (_gathered_cell_tags(state), _tagged_facets(state))
    cell_tags_all, (facets, facet_values) = tagged
    if data is None:
        return None
    boundaries = {"anode": state.anode.xy}
    if state.counter is not None:
        boundaries["counter"] = state.counter.xy
    return FrameData(
        time_s=time_s,
        step=step,
        segment=segment,
        points_um=data["points"],
        triangles=data["cells"],
        cell_tags=cell_tags_all,
        point_data={k: data[k] for k in arrays},
        boundaries=boundaries,
        facets=facets,
        facet_tags=facet_values,
        meta={
            "title": cfg.title,
            "width_um": cfg.cell.width_um,
            "thickness_um": cfg.cell.thickness_um,
            "membrane_thickness_um": cfg.cell.membrane_thickness_um or cfg.cell.thickness_um,
            "counter_electrode": cfg.cell.counter_electrode,
            "temperature_K": cfg.operation.temperature_K,
            "preset": cfg.electrolyte.preset,
            "initial_anode_y_um": 0.0,
            "tags": case.registry.to_dict(),
            "blocking_materials": [m.name for m in case.materials if m.blocking],
        },
    )


def _gathered_cell_tags(state: MeshState) -> np.ndarray | None:
    """The material tag of every cell, gathered on rank 0 (untagged cells: the matrix)."""
    lay = state.layout
    values = np.full(lay.num_owned_cells, state.case.matrix.tag, dtype=np.int32)
    ct = state.cell_tags
    owned = ct.indices < lay.num_owned_cells
    values[ct.indices[owned]] = ct.values[owned]
    return lay.gather_cells(values)


def _tagged_facets(state: MeshState) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Tagged facets as global node pairs, gathered on rank 0."""
    mesh = state.mesh
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, 0)
    f2v = mesh.topology.connectivity(fdim, 0)
    nfo = mesh.topology.index_map(fdim).size_local
    idx = state.facet_tags.indices
    keep = idx < nfo
    idx, vals = idx[keep], state.facet_tags.values[keep]
    # vertex -> geometry node through the cells
    c2v = mesh.topology.connectivity(mesh.topology.dim, 0).array.reshape(-1, 3)
    v2n = np.empty(
        mesh.topology.index_map(0).size_local + mesh.topology.index_map(0).num_ghosts,
        dtype=np.int64,
    )
    v2n[c2v.ravel()] = mesh.geometry.dofmaps[0].ravel()
    pairs = np.array([f2v.links(f) for f in idx], dtype=np.int64).reshape(-1, 2)
    gpairs = state.layout.global_ids[v2n[pairs]] if len(pairs) else pairs
    parts = mesh.comm.gather((gpairs, vals), root=0)
    if mesh.comm.rank != 0:
        return None, None
    return (
        np.concatenate([p[0] for p in parts]).astype(np.int64),
        np.concatenate([p[1] for p in parts]).astype(np.int32),
    )


class VTXSegments:
    """Parallel VTX/ADIOS2 files, one per mesh segment (``fields_segXXX.bp``; all ranks write)."""

    def __init__(self, out_dir: Path, moving: bool):
        self.out_dir = Path(out_dir)
        self.moving = moving
        self._writer = None
        self._state_id: int | None = None
        self._functions: dict[str, dolfinx.fem.Function] = {}
        #: (segment, session) of a resumed run: that segment continues in a file of its own
        self.resumed: tuple[int, int] | None = None

    def write(
        self, state: MeshState, arrays: dict[str, np.ndarray], time_s: float, segment: int
    ) -> None:
        """Append the fields to the segment file of ``state`` (opens it on first use)."""
        if self._state_id != id(state):
            self.close()
            p = state.problem
            self._functions = {
                name: dolfinx.fem.Function(
                    p.V if name in SCALAR_FIELDS else p.vector_space, name=name
                )
                for name in arrays
            }
            name = f"fields_seg{segment:03d}"
            if self.resumed is not None and self.resumed[0] == segment:
                name += f"_r{self.resumed[1]}"
            path = self.out_dir / f"{name}.bp"
            policy = dolfinx.io.VTXMeshPolicy.update if self.moving else None
            kwargs = {"mesh_policy": policy} if policy is not None else {}
            self._writer = dolfinx.io.VTXWriter(
                state.mesh.comm,
                str(path),
                list(self._functions.values()),
                engine="BP4",
                **kwargs,
            )
            self._state_id = id(state)
        for name, values in arrays.items():
            self._functions[name].x.array[:] = values
        self._writer.write(time_s)

    def close(self) -> None:
        """Close the open segment (collective)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._state_id = None
