"""The salt and the potential as the two components of one P1² function, for serial assembly.

The cell problem keeps ``c`` and ``φ`` in two P1 spaces (their Dirichlet conditions, output and
transfer need them apart), so its Jacobian has four P1 blocks, each assembled element by element
with its own coefficient packing, kernel calls and insertion. The same two residual equations
written for ``w = (c, φ)`` on one blocked P1² space (``c → w[0]``, ``φ → w[1]``, the tests
likewise) give all four blocks from one form: one kernel call and one 2 × 2 block insertion per
element pair, about 40 % less time for those blocks on the seed mesh, and the same entries to
round-off (the integrands and their quadrature degrees are those of the separate forms); the
residual likewise (the whole residual 0.53 → 0.44 ms). Entries outside the separate blocks'
patterns are zero and left out (a single-ion salt balance does not involve φ). The two spaces
share the node numbering (P1 on the same mesh), so ``w``'s node ``i`` is ``c``'s and ``φ``'s
dof ``i``.
"""

from __future__ import annotations

from collections.abc import Sequence

import basix.ufl
import numpy as np
import ufl

from lidendrite import fem
from lidendrite.fem import dolfinx


class DofNumberingError(ValueError):
    """The P1 spaces of ``c``, ``φ`` and the P1² space do not number the nodes alike."""


class InterleavedTransport:
    """The transport equations of a cell problem on ``w = (c, φ) ∈ P1²`` (one process).

    Args:
        residual: the cell residual forms ``[salt balance, charge balance, cell control]``
            (UFL, tested with the P1 tests of ``c``'s and ``φ``'s spaces and the real one).
        c, phi: the salt and potential unknowns (P1, the same mesh and dof numbering).
    """

    def __init__(
        self,
        residual: Sequence[ufl.Form],
        c: dolfinx.fem.Function,
        phi: dolfinx.fem.Function,
    ):
        mesh = c.function_space.mesh
        if not np.array_equal(c.function_space.dofmap.list, phi.function_space.dofmap.list):
            raise DofNumberingError("c and φ must share their dof numbering")
        element = basix.ufl.element("Lagrange", mesh.basix_cell().name, 1, shape=(2,))
        space = dolfinx.fem.functionspace(mesh, element)
        if not np.array_equal(space.dofmap.list, c.function_space.dofmap.list):
            raise DofNumberingError("the P1² space does not number its nodes as c's space does")
        self.c, self.phi = c, phi
        self.w = dolfinx.fem.Function(space, name="c_phi")
        test, trial = ufl.TestFunction(space), ufl.TrialFunction(space)
        unknowns = {c: self.w[0], phi: self.w[1]}
        transport = sum(
            (
                ufl.replace(form, {**unknowns, form.arguments()[0]: test[k]})
                for k, form in enumerate(residual[:2])
            ),
            start=ufl.Form([]),
        )
        #: the salt and charge balances as one form, tested node by node with (q_c, q_φ)
        self.residual = fem.form(transport)
        #: d(salt, charge balance)/d(c, φ) as one blocked (2 × 2 per node pair) form
        self.jacobian = fem.form(ufl.derivative(transport, self.w, trial))
        self._vector = dolfinx.fem.create_vector(space)

    def assemble_residual(self, out: np.ndarray) -> None:
        """The salt and charge balances at the current ``c``, ``φ`` into ``out``.

        ``out`` holds the salt balance of the ``n`` nodes, then their charge balance (the
        first two blocks of the cell problem's residual vector).
        """
        self.update()
        values = self._vector.array
        values[:] = 0.0
        dolfinx.fem.assemble_vector(values, self.residual)
        n = self.c.x.array.size
        out[:n] = values[0::2]
        out[n : 2 * n] = values[1::2]

    def update(self) -> None:
        """Copy the current ``c`` and ``φ`` into ``w`` (owned and ghost dofs alike)."""
        self.w.x.array[0::2] = self.c.x.array
        self.w.x.array[1::2] = self.phi.x.array


def interleaved_transport(
    residual: Sequence[ufl.Form], c: dolfinx.fem.Function, phi: dolfinx.fem.Function
) -> InterleavedTransport | None:
    """:class:`InterleavedTransport` of a cell problem, or ``None`` where it does not apply.

    It applies on one process when ``c``, ``φ`` and the P1² space number the mesh nodes alike
    (DOLFINx does so for P1 on one mesh); otherwise the separate blocks are assembled.
    """
    if c.function_space.mesh.comm.size != 1:
        return None
    try:
        return InterleavedTransport(residual, c, phi)
    except DofNumberingError:
        return None
