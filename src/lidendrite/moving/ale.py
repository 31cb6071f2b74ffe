"""ALE mesh motion: extend the displacement of the moving boundaries into the electrolyte.

Each step solves a linear smoothing problem for the mesh displacement ``u`` on the current mesh:
``−∇·(k ∇u) = 0`` (``harmonic``) or linear elasticity with stiffness ``k`` (``elastic``), where
``k = 1/|cell|`` stiffens small elements so that the fine cells at the Li surface move nearly
rigidly and keep their quality. ``u`` is prescribed on the electrodes; on the insulating side
walls nodes slide (``u_x = 0``).
"""

from __future__ import annotations

import itertools

import numpy as np
import ufl

from lidendrite.fem import PETSc, dolfinx
from lidendrite.geometry import tags
from lidendrite.io.nodes import NodeLayout

_prefix = itertools.count()


class MeshMover:
    """Displacement smoothing on one mesh.

    Args:
        mesh, facet_tags: the cell mesh and its boundary tags.
        layout: node ↔ dof maps of the mesh.
        space: the P1 vector space of the displacement.
        kind: ``"harmonic"`` or ``"elastic"``.
        iterative: use CG + GAMG instead of a direct solve.
        prescribed_sides: the side-wall displacement is prescribed by the caller (periodic
            walls) instead of sliding.
        cell_tags: the material tags of the cells; the interfaces between materials are held
            fixed like the holes (the regions are fixed in space; a remesh re-creates them).
    """

    def __init__(
        self,
        mesh,
        facet_tags,
        layout: NodeLayout,
        space,
        kind: str = "harmonic",
        iterative: bool = False,
        prescribed_sides: bool = False,
        cell_tags=None,
    ):
        self.mesh = mesh
        self.layout = layout
        self.space = space
        self.boundary_values = dolfinx.fem.Function(space, name="boundary_displacement")
        self.u = dolfinx.fem.Function(space, name="mesh_displacement")
        fdim = mesh.topology.dim - 1
        mesh.topology.create_connectivity(fdim, mesh.topology.dim)
        # blocking fillers (holes) stay where they are: a remesh re-creates them from their
        # shapes, so their boundary nodes must not drift with the mesh in between
        electrodes = np.concatenate(
            [facet_tags.find(t) for t in (tags.ANODE, tags.COUNTER, tags.FILLERS)]
            + [material_interfaces(mesh, cell_tags)]
        )
        sides = np.concatenate([facet_tags.find(tags.LEFT), facet_tags.find(tags.RIGHT)])
        self.side_nodes = np.unique(
            dolfinx.mesh.entities_to_geometry(mesh, fdim, sides.astype(np.int32))
        )
        if prescribed_sides:
            # the caller gives the wall displacement too (periodic walls must move alike)
            dofs = dolfinx.fem.locate_dofs_topological(
                space, fdim, np.concatenate([electrodes, sides])
            )
            bcs = [dolfinx.fem.dirichletbc(self.boundary_values, dofs)]
        else:
            # insulating walls: nodes slide along them (u_x = 0, u_y free)
            dofs = dolfinx.fem.locate_dofs_topological(space, fdim, electrodes)
            sx, _ = space.sub(0).collapse()
            side_dofs = dolfinx.fem.locate_dofs_topological((space.sub(0), sx), fdim, sides)
            bcs = [
                dolfinx.fem.dirichletbc(self.boundary_values, dofs),
                dolfinx.fem.dirichletbc(dolfinx.fem.Function(sx), side_dofs, space.sub(0)),
            ]
        u, v = ufl.TrialFunction(space), ufl.TestFunction(space)
        k = 1.0 / ufl.CellVolume(mesh)
        if kind == "elastic":
            eps = lambda w: ufl.sym(ufl.grad(w))  # noqa: E731
            nu = 0.3
            lam = nu / ((1 + nu) * (1 - 2 * nu))
            mu = 1 / (2 * (1 + nu))
            a = k * (2 * mu * ufl.inner(eps(u), eps(v)) + lam * ufl.div(u) * ufl.div(v)) * ufl.dx
        else:
            a = k * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
        zero = dolfinx.fem.Constant(mesh, PETSc.ScalarType((0.0,) * mesh.geometry.dim))
        L = ufl.inner(zero, v) * ufl.dx
        opts = (
            {"ksp_type": "cg", "pc_type": "gamg", "ksp_rtol": 1e-10}
            if iterative
            else {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
        )
        self.prefix = f"lidendrite_ale_{next(_prefix)}_"
        self.problem = dolfinx.fem.petsc.LinearProblem(
            a, L, bcs=bcs, u=self.u, petsc_options=opts, petsc_options_prefix=self.prefix
        )

    def close(self) -> None:
        """Remove this mover's entries from PETSc's global options table."""
        opts = PETSc.Options()
        for key in list(opts.getAll()):
            if key.startswith(self.prefix):
                opts.delValue(key)

    def solve(
        self, node_indices: np.ndarray, node_displacements: np.ndarray
    ) -> dolfinx.fem.Function:
        """Displacement field for prescribed displacements of boundary nodes (collective).

        ``node_indices`` are local geometry nodes on the electrodes, ``node_displacements`` their
        (n, 2) displacements. Electrode nodes not listed stay fixed.
        """
        self.boundary_values.x.array[:] = 0.0
        self.layout.set_values(self.boundary_values, node_displacements, nodes=node_indices)
        self.problem.solve()
        return self.u

    def move(self, displacement: dolfinx.fem.Function, sign: float = 1.0) -> None:
        """Move the mesh nodes by ``sign × displacement``."""
        gdim = self.mesh.geometry.dim
        self.mesh.geometry.x[:, :gdim] += sign * self.layout.values(displacement)


def material_interfaces(mesh, cell_tags) -> np.ndarray:
    """Local facets between two cells of different material tags (empty without tags)."""
    if cell_tags is None or np.unique(cell_tags.values).size < 2:
        return np.zeros(0, dtype=np.int32)
    tdim = mesh.topology.dim
    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    tag_of = np.full(num_cells, -1, dtype=np.int64)
    tag_of[cell_tags.indices] = cell_tags.values
    mesh.topology.create_connectivity(tdim - 1, tdim)
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    counts = np.diff(f2c.offsets)
    interior = np.flatnonzero(counts == 2)
    pairs = f2c.array[f2c.offsets[interior][:, None] + np.arange(2)]
    differ = tag_of[pairs[:, 0]] != tag_of[pairs[:, 1]]
    return interior[differ].astype(np.int32)
