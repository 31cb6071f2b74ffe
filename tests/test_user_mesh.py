"""User meshes (``cell.mesh_file``): the shipped examples read, their groups renumbered by name.

The layered example is checked against the exact series resistance of its two layers
(σ_eff = T / (d/σ_layer + (T − d)/σ_matrix); P1 is exact for a piecewise-linear potential), the
particle example (written by ``meshes/make_examples.py``) against its circle areas.
"""

import importlib.util
import math
from pathlib import Path

from mpi4py import MPI

import numpy as np
import pytest
import ufl

from lidendrite.config import config_from_dict
from lidendrite.errors import ConfigError
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.cell import cell_from_config
from lidendrite.solver.effective import effective_properties

ROOT = Path(__file__).resolve().parents[1]
MATRIX = {"conductivity_S_per_m": 0.1, "transference_number": 0.4}


def _config(path, width, thickness, materials):
    cell = {"width_um": width, "thickness_um": thickness, "mesh_file": str(path)}
    return config_from_dict({"cell": cell, "electrolyte": MATRIX, "materials": materials})


def _measure(cell, tag, kind):
    mesh = cell.mesh
    data = cell.cell_tags if kind == "dx" else cell.facet_tags
    measure = ufl.Measure(kind, domain=mesh, subdomain_data=data)
    value = dolfinx.fem.assemble_scalar(dolfinx.fem.form(1.0 * measure(tag)))
    return mesh.comm.allreduce(value)


def test_layered_geo_file_runs_like_a_built_cell():
    sei = {"conductivity_S_per_m": 1e-3, "transference_number": 1.0}
    cfg = _config(ROOT / "meshes" / "sei_layer.geo", 5.0, 3.0, {"sei": sei})
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    assert _measure(cell, 2, "dx") == pytest.approx(5.0 * 0.2, rel=1e-12)  # 'sei' is tag 2
    assert _measure(cell, 1, "dx") == pytest.approx(5.0 * 2.8, rel=1e-12)
    assert _measure(cell, tags.ANODE, "ds") == pytest.approx(5.0, rel=1e-12)
    assert _measure(cell, tags.LEFT, "ds") == pytest.approx(3.0, rel=1e-12)
    result = effective_properties(MPI.COMM_WORLD, cfg, cell)
    series = 3.0 / (0.2 / 1e-3 + 2.8 / 0.1)
    series_plus = 3.0 / (0.2 / 1e-3 + 2.8 / 0.04)
    assert result["effective_conductivity_S_per_m"] == pytest.approx(series, rel=1e-9)
    assert result["effective_transference_number"] == pytest.approx(series_plus / series, rel=1e-9)


@pytest.mark.serial
def test_msh_file_with_holes_and_a_particle(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_examples", ROOT / "meshes" / "make_examples.py"
    )
    make_examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_examples)
    path = tmp_path / "particles.msh"
    make_examples.main(path)
    llzo = {"conductivity_S_per_m": 1.0, "transference_number": 1.0}
    # a material listed first takes tag 2: 'LLZO' is renumbered from the file's own tag to 3
    cfg = _config(path, 6.0, 4.0, {"other": llzo, "LLZO": llzo})
    cell = cell_from_config(MPI.COMM_WORLD, cfg)
    (_, r) = make_examples.PARTICLE
    assert _measure(cell, 3, "dx") == pytest.approx(math.pi * r**2, rel=5e-3)
    holes = sum(math.pi * rh**2 for _, rh in make_examples.HOLES)
    total = sum(_measure(cell, t, "dx") for t in (1, 3))
    assert 24.0 - total == pytest.approx(holes, rel=5e-3)
    perimeter = sum(2 * math.pi * rh for _, rh in make_examples.HOLES)
    assert _measure(cell, tags.FILLERS, "ds") == pytest.approx(perimeter, rel=5e-3)
    assert set(np.unique(cell.cell_tags.values).tolist()) == {1, 3}

    with pytest.raises(ConfigError, match="set cell.width_um = 6"):
        cell_from_config(MPI.COMM_WORLD, _config(path, 5.0, 4.0, {"LLZO": llzo}))
    with pytest.raises(ConfigError, match="surface physical group 'LLZO'"):
        cell_from_config(MPI.COMM_WORLD, _config(path, 6.0, 4.0, {"llzo": llzo}))
    with pytest.raises(ConfigError, match="no such file"):
        _config(tmp_path / "missing.msh", 6.0, 4.0, {})
