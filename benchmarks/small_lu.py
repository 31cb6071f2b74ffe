"""Refactorisation + solve of the mesh-motion system: PETSc's own LU against MUMPS, by size.

The mesh motion solves ``−∇·(k ∇u) = 0`` (``k = 1/|cell|``) for each displacement component at
every step, with the operator of the moved mesh: a numeric refactorisation (the symbolic one is
kept) and a solve. On one process, small systems are factorised by PETSc's own sparse LU with a
quotient-minimum-degree ordering (``lidendrite.moving.ale.direct_solver_options``); this script
measures the crossover on uniform unit-square meshes, both solvers side by side on the same
matrix, and the seed-002 mesh size (about 1.6 k nodes)::

    python benchmarks/small_lu.py
    python benchmarks/small_lu.py --json results/bench/small_lu.json
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from mpi4py import MPI

import numpy as np
import ufl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_line, say, write_json  # noqa: E402
from lidendrite.fem import PETSc, dolfinx  # noqa: E402
from lidendrite.moving.ale import SMALL_SERIAL_LU_MAX_DOFS  # noqa: E402

SOLVERS = {
    "petsc-qmd": {"pc_factor_mat_solver_type": "petsc", "pc_factor_mat_ordering_type": "qmd"},
    "mumps": {"pc_factor_mat_solver_type": "mumps"},
}


def motion_matrix(n: int) -> tuple[PETSc.Mat, dolfinx.mesh.Mesh]:
    """The scalar motion operator on an n × n crossed unit square, top and bottom rows held.

    The mesh is returned too: the matrix lives on its communicator.
    """
    mesh = dolfinx.mesh.create_unit_square(
        MPI.COMM_SELF, n, n, diagonal=dolfinx.mesh.DiagonalType.crossed
    )
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    a = dolfinx.fem.form(
        (1.0 / ufl.CellVolume(mesh)) * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    )
    held = dolfinx.mesh.locate_entities_boundary(
        mesh, 1, lambda x: np.isclose(x[1], 0.0) | np.isclose(x[1], 1.0)
    )
    dofs = dolfinx.fem.locate_dofs_topological(V, 1, held).astype(np.int32)
    A = dolfinx.fem.petsc.assemble_matrix(a)
    A.assemble()
    A.zeroRowsColumns(dofs, 1.0)
    return A, mesh


def refactor_solve_s(A: PETSc.Mat, options: dict[str, str], repeats: int) -> float:
    """Median wall time of a numeric refactorisation + solve (symbolic analysis done once)."""
    ksp = PETSc.KSP().create(A.getComm())
    ksp.setType("preonly")
    pc = ksp.getPC()
    pc.setType("lu")
    pc.setFactorSolverType(options["pc_factor_mat_solver_type"])
    if "pc_factor_mat_ordering_type" in options:
        pc.setFactorOrdering(options["pc_factor_mat_ordering_type"])
    ksp.setOperators(A)
    b = A.createVecLeft()
    b.setRandom()
    x = b.duplicate()
    ksp.solve(b, x)
    times = []
    for _ in range(repeats):
        A.setValue(0, 0, A.getValue(0, 0))  # a new matrix state: the LU is refactorised
        A.assemble()
        t0 = time.perf_counter()
        ksp.solve(b, x)
        times.append(time.perf_counter() - t0)
    for obj in (ksp, b, x):
        obj.destroy()
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[20, 28, 40, 70, 100, 200])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = p.parse_args(argv)
    comm = MPI.COMM_WORLD
    say(comm, "mesh-motion LU: numeric refactorisation + solve, one process")
    say(comm, f"  {machine_line(comm)}")
    say(comm, f"  PETSc's own LU is chosen up to {SMALL_SERIAL_LU_MAX_DOFS} unknowns")
    rows = []
    if comm.rank == 0:
        say(comm, f"  {'unknowns':>9} {'petsc-qmd ms':>13} {'mumps ms':>9} {'mumps/petsc':>12}")
        for n in args.sizes:
            A, _mesh = motion_matrix(n)
            t = {name: refactor_solve_s(A, o, args.repeats) for name, o in SOLVERS.items()}
            size = A.getSize()[0]
            A.destroy()
            ratio = t["mumps"] / t["petsc-qmd"]
            rows.append({"unknowns": size, **{k + "_s": v for k, v in t.items()}, "ratio": ratio})
            print(
                f"  {size:>9} {1e3 * t['petsc-qmd']:>13.2f} {1e3 * t['mumps']:>9.2f} "
                f"{ratio:>12.2f}",
                flush=True,
            )
    write_json(comm, args.json, {"machine": machine_line(comm), "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
