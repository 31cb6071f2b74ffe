"""What a mesh state reads cheaply equals what it stands for.

* ``MeshState.min_quality`` keeps its value while no node moves (the remesh check and the
  metrics of a step read the same geometry); after the nodes move it must be the quality of
  the moved mesh (:func:`~lidendrite.geometry.quality.min_quality`), on 1 and 2 ranks.
* ``MeshState.polyline_fields`` reads P1 functions at the electrode polyline's nodes only; it
  must give what the node-array route gives (``polyline_values`` of every node's value), and the
  surface state built from it must follow the unknowns.
"""

from __future__ import annotations

import numpy as np

from lidendrite.case import Case
from lidendrite.config import config_from_dict
from lidendrite.engine.state import MeshState
from lidendrite.geometry.cell import cell_from_config
from lidendrite.geometry.quality import min_quality
from lidendrite.solver.problem import SolverSettings
from validation_utils import SMALL_DEFECT_CELL, merge

CONFIG = merge(SMALL_DEFECT_CELL, {"title": "state reads"})


def _state(comm) -> MeshState:
    cfg = config_from_dict(CONFIG)
    case = Case.from_config(cfg)
    state = MeshState(case, cell_from_config(comm, cfg), SolverSettings.from_numerics(cfg.numerics))
    state.initial_guess(3.0)
    return state


def test_min_quality_follows_the_nodes(comm):
    state = _state(comm)
    fresh = min_quality(state.mesh)
    assert state.min_quality() == fresh
    # squeeze the nodes near the anode: the worst cell gets worse
    x = state.mesh.geometry.x
    x[:, 1] = np.where(x[:, 1] < 0.5, 0.3 * x[:, 1], x[:, 1])
    moved = min_quality(state.mesh)
    assert moved < 0.9 * fresh
    assert state.min_quality() == moved
    state.close()


def test_polyline_fields_equal_the_node_route(comm):
    state = _state(comm)
    p, lay = state.problem, state.layout
    rng = np.random.default_rng(comm.rank)
    p.c.x.array[:] = 1.0 + 0.1 * rng.uniform(-1.0, 1.0, p.c.x.array.size)
    p.c.x.scatter_forward()
    for itf in (state.anode, state.counter):
        got = state.polyline_fields(itf, p.c, p.phi)
        want = state.polyline_values(itf, lay.values(p.c), lay.values(p.phi))
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)
        assert np.ptp(got[0]) > 0.01  # the random salt reached the polyline
        surface = state.surface_state(itf)
        (i0,) = state.polyline_values(itf, lay.values(p.coefficients.exchange_current))
        np.testing.assert_array_equal(surface.exchange_current, i0)
        p.c.x.array[:] *= 1.1  # the surface state follows the unknowns (nothing is kept)
        richer = state.surface_state(itf)
        assert np.all(richer.c_ratio > surface.c_ratio)
        p.c.x.array[:] /= 1.1
    state.close()
