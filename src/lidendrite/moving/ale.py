"""ALE mesh motion: extend the displacement of the moving boundaries into the electrolyte.

Each step solves a linear smoothing problem for the mesh displacement ``u`` on the current mesh:
``−∇·(k ∇u) = 0`` (``harmonic``: two scalar systems, one per component, as the components
decouple) or linear elasticity with stiffness ``k`` (``elastic``: one vector system), where
``k = 1/|cell|`` stiffens small elements so that the fine cells at the Li surface move nearly
rigidly and keep their quality. ``u`` is prescribed on the electrodes; on the insulating side
walls nodes slide (``u_x = 0``).
"""

from __future__ import annotations

import itertools

import numpy as np
import ufl

from lidendrite import fem
from lidendrite.fem import PETSc, dolfinx, remove_options
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
        opts = (
            {"ksp_type": "cg", "pc_type": "gamg", "ksp_rtol": 1e-10}
            if iterative
            else direct_solver_options(
                mesh.comm.size,
                # harmonic: one scalar system per component; elastic: one vector system
                space.dofmap.index_map.size_global
                * (1 if kind == "harmonic" else mesh.geometry.dim),
                symmetric=kind == "harmonic",
            )
        )
        self.prefix = f"lidendrite_ale_{next(_prefix)}_"
        k = 1.0 / ufl.CellVolume(mesh)
        self.split: ComponentwiseHarmonic | None = None
        if kind == "harmonic":
            # the components decouple: two scalar systems, half the size of the vector one
            walls = np.concatenate([electrodes, sides]).astype(np.int32)
            held = (walls, walls) if prescribed_sides else (walls, electrodes.astype(np.int32))
            self.split = ComponentwiseHarmonic(mesh, layout, k, held, opts, self.prefix)
            self.zero_x_on_sides = not prescribed_sides
            return
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
        eps = lambda w: ufl.sym(ufl.grad(w))  # noqa: E731
        nu = 0.3
        lam = nu / ((1 + nu) * (1 - 2 * nu))
        mu = 1 / (2 * (1 + nu))
        a = k * (2 * mu * ufl.inner(eps(u), eps(v)) + lam * ufl.div(u) * ufl.div(v)) * ufl.dx
        zero = dolfinx.fem.Constant(mesh, PETSc.ScalarType((0.0,) * mesh.geometry.dim))
        L = ufl.inner(zero, v) * ufl.dx
        self.problem = dolfinx.fem.petsc.LinearProblem(
            fem.form(a),  # compiled into lidendrite's JIT cache shards
            fem.form(L),
            bcs=bcs,
            u=self.u,
            petsc_options=opts,
            petsc_options_prefix=self.prefix,
            jit_options=fem.JIT_OPTIONS,
        )

    def close(self) -> None:
        """Remove this mover's options from PETSc's table and free its solvers (collective)."""
        remove_options(self.prefix)
        if self.split is not None:
            self.split.destroy()
            self.split = None

    def solve(
        self, node_indices: np.ndarray, node_displacements: np.ndarray
    ) -> dolfinx.fem.Function:
        """Displacement field for prescribed displacements of boundary nodes (collective).

        ``node_indices`` are local geometry nodes on the electrodes, ``node_displacements`` their
        (n, 2) displacements. Electrode nodes not listed stay fixed.
        """
        self.boundary_values.x.array[:] = 0.0
        self.layout.set_values(self.boundary_values, node_displacements, nodes=node_indices)
        if self.split is None:
            self.problem.solve()
            return self.u
        g = self.layout.values(self.boundary_values).copy()
        if self.zero_x_on_sides:
            g[self.side_nodes, 0] = 0.0  # nodes slide along the insulating walls
        self.layout.set_values(self.u, self.split.solve(g))
        return self.u

    def move(self, displacement: dolfinx.fem.Function, sign: float = 1.0) -> None:
        """Move the mesh nodes by ``sign × displacement``."""
        gdim = self.mesh.geometry.dim
        self.mesh.geometry.x[:, :gdim] += sign * self.layout.values(displacement)


#: Largest smoothing system factorised with PETSc's own sparse LU on one process (MUMPS above).
SMALL_SERIAL_LU_MAX_DOFS = 5000


def direct_solver_options(
    num_ranks: int, num_unknowns: int, symmetric: bool = False
) -> dict[str, str]:
    """KSP options of a direct solve of one smoothing system of ``num_unknowns`` unknowns.

    On one process and up to :data:`SMALL_SERIAL_LU_MAX_DOFS` unknowns PETSc's own LU with a
    quotient-minimum-degree ordering: it skips MUMPS's set-up, about twice as fast at the
    3 k-node seed mesh; MUMPS (nested dissection, parallel) is faster beyond ~10 k unknowns
    (4x at 80 k) and is the only choice in parallel (``benchmarks/small_lu.py``). PETSc's LU
    does not pivot: fine here, the smoothing matrices are symmetric positive definite (the held
    rows and columns replaced by the identity); the transport Jacobian is not, and keeps MUMPS.
    ``symmetric`` (the harmonic systems, flagged symmetric positive definite): a Cholesky
    factorisation instead, 0.31 against 0.39 ms at the seed mesh's 1.6 k nodes.
    """
    factor = "cholesky" if symmetric else "lu"
    if num_ranks == 1 and num_unknowns <= SMALL_SERIAL_LU_MAX_DOFS:
        return {
            "ksp_type": "preonly",
            "pc_type": factor,
            "pc_factor_mat_solver_type": "petsc",
            "pc_factor_mat_ordering_type": "qmd",
        }
    return {"ksp_type": "preonly", "pc_type": factor, "pc_factor_mat_solver_type": "mumps"}


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


class ComponentwiseHarmonic:
    """``−∇·(k ∇u_i) = 0`` for each displacement component, with its own fixed nodes.

    One scalar matrix is assembled per solve (on one process into DOLFINx's CSR matrix, whose
    values the PETSc operator shares); each component's system is that matrix with the rows
    and columns of its fixed nodes replaced by the identity (same sparsity, so the
    factorisation keeps its symbolic analysis), and its right-hand side −A g (g: the fixed
    values, zero elsewhere) with g on the fixed rows.

    Args:
        mesh: the mesh; layout: its node ↔ dof maps.
        k: the stiffness (UFL). held: per component, the local facets whose nodes are held.
        options, prefix: KSP options and the options prefix of this mover.
    """

    def __init__(self, mesh, layout: NodeLayout, k, held, options: dict, prefix: str):
        self.layout = layout
        self.space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        u, v = ufl.TrialFunction(self.space), ufl.TestFunction(self.space)
        self.form = fem.form(k * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
        # on one process: assembled into DOLFINx's CSR matrix, and the PETSc matrices are built
        # on arrays of its sparsity: the operator on the CSR matrix's own values, each
        # component's system on an array of its own, so no values are copied into PETSc
        # (MatSetValuesCSR, MatCopy and MatZeroRowsColumns took 0.1-0.15 ms of 1.2 ms a solve)
        self.csr = dolfinx.fem.create_matrix(self.form) if mesh.comm.size == 1 else None
        self.csr_pattern = (
            None
            if self.csr is None
            else (self.csr.indptr.astype(PETSc.IntType), self.csr.indices.astype(PETSc.IntType))
        )
        if self.csr_pattern is None:
            self.matrix = dolfinx.fem.petsc.assemble_matrix(self.form)
        else:
            self.matrix = self._on_pattern(self.csr.data)
        self.matrix.assemble()
        imap = self.space.dofmap.index_map
        fdim = mesh.topology.dim - 1
        self.fixed = []  # per component: (owned local dofs, their global numbers)
        for facets in held:
            dofs = dolfinx.fem.locate_dofs_topological(self.space, fdim, facets)
            dofs = dofs[dofs < imap.size_local].astype(np.int32)
            self.fixed.append((dofs, imap.local_to_global(dofs).astype(PETSc.IntType)))
        shared = all(f is held[0] for f in held)
        self.systems = []  # per component: (operator, KSP); one when all share the fixed set
        # on one process, per system: its values, and the entries of the fixed rows and
        # columns (set to zero) and of their diagonal (set to one)
        self.in_place: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        opts = PETSc.Options()
        for i in range(1 if shared else len(held)):
            name = f"{prefix}c{i}_"
            for key, value in options.items():
                opts[name + key] = value
            if self.csr_pattern is None:
                op = self.matrix.duplicate(copy=True)
            else:
                values = self.csr.data.copy()
                op = self._on_pattern(values)
                self.in_place.append((values, *self._identity_entries(self.fixed[i][0])))
            if options.get("pc_type") == "cholesky":
                op.setOption(PETSc.Mat.Option.SYMMETRIC, True)
                op.setOption(PETSc.Mat.Option.SPD, True)
            ksp = PETSc.KSP().create(mesh.comm)
            ksp.setOptionsPrefix(name)
            ksp.setFromOptions()
            ksp.setOperators(op)
            self.systems.append((op, ksp))
        self.g = dolfinx.fem.Function(self.space)
        self.x = dolfinx.fem.Function(self.space)
        self.rhs = self.matrix.createVecLeft()

    def _on_pattern(self, values: np.ndarray) -> PETSc.Mat:
        """A PETSc matrix of the CSR pattern on ``values`` (kept by PETSc, not copied)."""
        indptr, indices = self.csr_pattern
        n = len(indptr) - 1
        return PETSc.Mat().createAIJWithArrays(
            (n, n), (indptr, indices, values), comm=PETSc.COMM_SELF
        )

    def _identity_entries(self, dofs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the CSR values of the rows and columns of ``dofs``; of their diagonal."""
        indptr, indices = self.csr_pattern
        row = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        held = np.zeros(len(indptr) - 1, dtype=bool)
        held[dofs] = True
        cleared = np.flatnonzero(held[row] | held[indices])
        diagonal = np.flatnonzero(held[row] & (indices == row))
        if len(diagonal) != len(dofs):
            raise ValueError("the smoothing matrix lacks a diagonal entry of a fixed node")
        return cleared, diagonal

    def destroy(self) -> None:
        """Free the PETSc matrices, vector and solvers now (collective).

        Left to Python's garbage collector, a parallel PETSc object is only put aside (its
        destruction is collective and the collector runs at different times on different
        ranks), with its LU factors and MPI communicators, until a collective clean-up on its
        own communicator that nothing calls; a long session runs out of communicators.
        """
        for op, ksp in self.systems:
            ksp.destroy()
            op.destroy()
        self.systems = []
        self.matrix.destroy()
        self.rhs.destroy()

    def solve(self, g_nodes: np.ndarray) -> np.ndarray:
        """Displacements (nodes, gdim) for the fixed values in ``g_nodes`` (collective)."""
        A = self.matrix
        if self.csr is not None:
            self.csr.data[:] = 0.0
            dolfinx.fem.assemble_matrix(self.csr, self.form)  # A's own values
            A.assemble()
            for (op, _), (values, cleared, diagonal) in zip(
                self.systems, self.in_place, strict=True
            ):
                values[:] = self.csr.data
                values[cleared] = 0.0
                values[diagonal] = 1.0
                op.assemble()  # marks the values as changed for the factorisation
        else:
            A.zeroEntries()
            dolfinx.fem.petsc.assemble_matrix(A, self.form)
            A.assemble()
            for op, _ in self.systems:
                A.copy(op, structure=PETSc.Mat.Structure.SAME_NONZERO_PATTERN)
            for i, (_, rows) in enumerate(self.fixed[: len(self.systems)]):
                self.systems[i][0].zeroRowsColumns(rows, 1.0)
        out = np.empty_like(g_nodes)
        g, x, rhs = self.g, self.x, self.rhs
        for i, (dofs, _) in enumerate(self.fixed):
            op, ksp = self.systems[min(i, len(self.systems) - 1)]
            self.layout.set_values(g, g_nodes[:, i])
            held = g.x.array[dofs]
            g.x.array[:] = 0.0
            g.x.array[dofs] = held
            A.mult(g.x.petsc_vec, rhs)
            rhs.scale(-1.0)
            rhs.array[dofs] = held
            ksp.solve(rhs, x.x.petsc_vec)
            x.x.scatter_forward()
            out[:, i] = self.layout.values(x)
        return out
