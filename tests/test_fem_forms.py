"""Forms compiled through ``lidendrite.fem.form``: each into its shard of lidendrite's JIT cache.

FFCx lists the whole directory a cached module lies in to load it, once per form; the shards
keep that directory small. References: the module's file lies in the shard named by the first
two hex digits of the form's UFL signature under ``CACHE_ROOT``; the same form compiled twice
loads the same module; nested block lists keep their shape and their ``None`` blocks; and the
form assembles to the integral it stands for (the area of the unit square, a second route
through DOLFINx's own default cache).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import ufl

from lidendrite import fem
from lidendrite.fem import PETSc, dolfinx


@pytest.fixture(scope="module")
def mesh():
    from mpi4py import MPI

    return dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, 4, 3)


def test_a_form_is_compiled_into_its_shard(mesh):
    one = dolfinx.fem.Constant(mesh, PETSc.ScalarType(1.0))
    ufl_form = one * ufl.dx(domain=mesh)
    compiled = fem.form(ufl_form)
    shard = fem.CACHE_ROOT / ufl_form.signature()[:2]
    assert Path(compiled.module.__file__).parent == shard
    again = fem.form(one * ufl.dx(domain=mesh))
    assert again.module.__file__ == compiled.module.__file__
    area = mesh.comm.allreduce(dolfinx.fem.assemble_scalar(compiled))
    reference = dolfinx.fem.form(ufl_form)  # DOLFINx's own cache and options
    assert Path(reference.module.__file__).parent != shard
    assert area == pytest.approx(1.0, abs=1e-14)
    assert mesh.comm.allreduce(dolfinx.fem.assemble_scalar(reference)) == pytest.approx(area)


def test_block_lists_keep_their_shape_and_empty_blocks(mesh):
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    blocks = [[u * v * ufl.dx, None], [None, ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx]]
    compiled = fem.form(blocks)
    assert compiled[0][1] is None and compiled[1][0] is None
    for k in range(2):
        form = compiled[k][k]
        assert isinstance(form, dolfinx.fem.Form)
        shard = fem.CACHE_ROOT / blocks[k][k].signature()[:2]
        assert Path(form.module.__file__).parent == shard
