"""The harmonic mesh motion, solved as two scalar systems, equals the vector solve it replaced.

``−∇·(k ∇u) = 0`` (k = 1/|cell|) decouples into one scalar problem per displacement component;
:class:`~lidendrite.moving.ale.ComponentwiseHarmonic` solves the two with their own fixed nodes
(x: electrodes and walls, where nodes slide; y: electrodes only). Reference: the vector problem
with DOLFINx Dirichlet conditions on a graded, distorted rectangle, on 1 and 2 ranks, to 1e-12
µm; and a uniform translation of the electrodes must move every node by it.
"""

from __future__ import annotations

import numpy as np
import pytest
import ufl

from lidendrite.fem import PETSc, dolfinx
from lidendrite.geometry import tags
from lidendrite.io.nodes import NodeLayout
from lidendrite.moving.ale import MeshMover

W, H = 2.0, 1.0


def _cell(comm):
    mesh = dolfinx.mesh.create_rectangle(comm, [[0, 0], [W, H]], [16, 10])
    x = mesh.geometry.x
    x[:, 1] = H * (x[:, 1] / H) ** 2  # graded towards the anode
    x[:, 1] += 0.05 * np.sin(np.pi * x[:, 0] / W) * (1 - x[:, 1] / H)
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, mesh.topology.dim)
    where = {
        tags.ANODE: lambda p: p[1] < 1e-9 + 0.05 * np.sin(np.pi * p[0] / W),
        tags.COUNTER: lambda p: np.isclose(p[1], H),
        tags.LEFT: lambda p: np.isclose(p[0], 0.0),
        tags.RIGHT: lambda p: np.isclose(p[0], W),
    }
    found = {t: dolfinx.mesh.locate_entities_boundary(mesh, fdim, f) for t, f in where.items()}
    # the bottom corners belong to the walls and the anode; tag each facet once
    facets = np.concatenate(list(found.values()))
    values = np.concatenate([np.full(len(f), t, dtype=np.int32) for t, f in found.items()])
    facets, first = np.unique(facets, return_index=True)
    facet_tags = dolfinx.mesh.meshtags(mesh, fdim, facets.astype(np.int32), values[first])
    return mesh, facet_tags


def _electrode_nodes(mesh, facet_tags):
    fdim = mesh.topology.dim - 1
    facets = np.concatenate([facet_tags.find(tags.ANODE), facet_tags.find(tags.COUNTER)])
    return np.unique(dolfinx.mesh.entities_to_geometry(mesh, fdim, facets.astype(np.int32)))


def _reference(mesh, facet_tags, space, layout, nodes, disp, prescribed_sides):
    """The vector harmonic problem with DOLFINx Dirichlet conditions."""
    fdim = mesh.topology.dim - 1
    g = dolfinx.fem.Function(space)
    layout.set_values(g, disp, nodes=nodes)
    electrodes = np.concatenate([facet_tags.find(tags.ANODE), facet_tags.find(tags.COUNTER)])
    sides = np.concatenate([facet_tags.find(tags.LEFT), facet_tags.find(tags.RIGHT)])
    if prescribed_sides:
        dofs = dolfinx.fem.locate_dofs_topological(space, fdim, np.r_[electrodes, sides])
        bcs = [dolfinx.fem.dirichletbc(g, dofs)]
    else:
        dofs = dolfinx.fem.locate_dofs_topological(space, fdim, electrodes)
        sx, _ = space.sub(0).collapse()
        side_dofs = dolfinx.fem.locate_dofs_topological((space.sub(0), sx), fdim, sides)
        bcs = [
            dolfinx.fem.dirichletbc(g, dofs),
            dolfinx.fem.dirichletbc(dolfinx.fem.Function(sx), side_dofs, space.sub(0)),
        ]
    u, v = ufl.TrialFunction(space), ufl.TestFunction(space)
    a = (1.0 / ufl.CellVolume(mesh)) * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    zero = dolfinx.fem.Constant(mesh, PETSc.ScalarType((0.0, 0.0)))
    problem = dolfinx.fem.petsc.LinearProblem(
        a,
        ufl.inner(zero, v) * ufl.dx,
        bcs=bcs,
        petsc_options={
            "ksp_type": "preonly",
            "pc_type": "lu",
            "pc_factor_mat_solver_type": "mumps",
        },
        petsc_options_prefix=f"test_ale_reference_{int(prescribed_sides)}_",
    )
    return layout.values(problem.solve())


@pytest.mark.parametrize("prescribed_sides", [False, True])
def test_componentwise_solve_equals_the_vector_solve(comm, prescribed_sides):
    mesh, facet_tags = _cell(comm)
    layout = NodeLayout(mesh)
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1, (2,)))
    nodes = _electrode_nodes(mesh, facet_tags)
    xy = mesh.geometry.x[nodes, :2]
    top = xy[:, 1] > 0.5 * H
    disp = np.column_stack(
        [
            0.03 * np.sin(2 * np.pi * xy[:, 0] / W),  # zero at the walls
            np.where(top, 0.02, 0.04 + 0.03 * np.cos(np.pi * xy[:, 0] / W)),
        ]
    )
    mover = MeshMover(mesh, facet_tags, layout, space, prescribed_sides=prescribed_sides)
    assert mover.split is not None
    if prescribed_sides:  # the walls move with the ends of the electrodes, linearly
        side = mover.side_nodes
        y = mesh.geometry.x[side, 1] / H
        ends = np.array([[0.0, 0.04 + 0.03], [0.0, 0.02]])
        nodes = np.r_[nodes, side]
        disp = np.r_[disp, (1 - y)[:, None] * ends[0] + y[:, None] * ends[1]]
    got = layout.values(mover.solve(nodes, disp))
    want = _reference(mesh, facet_tags, space, layout, nodes, disp, prescribed_sides)
    n = layout.num_owned
    err = comm.allreduce(float(np.max(np.abs(got[:n] - want[:n]))), op=_max())
    scale = comm.allreduce(float(np.max(np.abs(want[:n]))), op=_max())
    assert scale > 0.01
    assert err <= 1e-12, f"max difference {err:.2e} um"
    mover.close()


def test_a_uniform_translation_moves_every_node_by_it(comm):
    mesh, facet_tags = _cell(comm)
    layout = NodeLayout(mesh)
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1, (2,)))
    nodes = _electrode_nodes(mesh, facet_tags)
    mover = MeshMover(mesh, facet_tags, layout, space)
    got = layout.values(mover.solve(nodes, np.tile((0.0, 0.3), (len(nodes), 1))))
    assert np.max(np.abs(got - (0.0, 0.3))) <= 1e-12
    mover.close()


def _max():
    from mpi4py import MPI

    return MPI.MAX
