"""An interphase (SEI) film of area resistance R_film: i = BV(η + R_film i), against references.

* A uniform film on both Li electrodes of a 1-D cell at t = 0 (uniform salt): the cell voltage
  is |V| = i (L/σ + 2 R_film) + |η_BV(i)| + |η_BV(−i)| (η_BV from bisection on Butler–Volmer,
  :func:`validation_utils.bv_overpotential_V`), at a small current and at 3 i₀ (nonlinear).
* The NumPy copy of the law (front motion) and the UFL form (the solver) give the same current at
  the anode nodes of a state with a patterned film, to 1e-12.
* A sinusoidal film R_f(1 + ε cos kx) on a single-ion conductor (t₊ = 1, uniform salt), a
  reservoir at distance L, small current, against linear theory. With R_t = R_ct + R_f and the
  linear law i = (φ_s − φ) / (R_ct + R_f(x)) (sign: plating positive), a mode δi cos kx of the
  current drives a potential mode δφ = −δi / (σ k coth kL) in the electrolyte (φ harmonic,
  φ = 0 at the reservoir), and δi = −δφ/R_t − ε ī R_f/R_t, so

      δi/ī = −ε (R_f/R_t) Wa'/(1 + Wa'),   Wa' = R_t σ k coth(kL).

  The film takes current away where it is thick; a pattern of i₀ of the same Wa' gives
  ε Wa'/(1 + Wa') with the opposite sign and without the share R_f/R_t.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lidendrite.config import config_from_dict
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.errors import ConfigError
from lidendrite.simulation import run
from validation_utils import (
    TEMPERATURE_K,
    bv_overpotential_V,
    merge,
    one_d_cell,
    read_metrics,
    relative_error,
    run_case,
    shared_dir,
)

SIGMA = 0.01  # S/m
I0 = 10.0  # A/m²


@pytest.mark.parametrize(
    ("current", "film_ohm_m2"),
    [(0.1, 0.02), (3.0 * I0, 0.005)],  # R_f i₀ F/RT = 7.8 and 1.9
)
def test_uniform_film_cell_voltage(comm, tmp_path, current, film_ohm_m2):
    length_um = 10.0
    data = merge(
        one_d_cell(thickness_um=length_um, exchange_current_density_A_per_m2=I0),
        {
            "kinetics": {"film_resistance_ohm_m2": film_ohm_m2},
            "operation": {"current_density_A_per_m2": current, "duration_s": 1e-3},
            "numerics": {"dt_initial_s": 1e-4, "dt_max_s": 1e-3},
            "output": {"every_s": 1e-3},
        },
    )
    out = shared_dir(tmp_path, comm) / "film"
    run_case(data, out, comm)
    m = read_metrics(out, comm)
    eta_bv = abs(bv_overpotential_V(current, 1.0, I0)) + abs(bv_overpotential_V(-current, 1.0, I0))
    expected = current * (length_um * 1e-6 / SIGMA + 2.0 * film_ohm_m2) + eta_bv
    without_film = expected - 2.0 * current * film_ohm_m2
    measured = abs(m["cell_voltage_V"][0])
    err = relative_error(measured, expected)
    print(f"\nfilm: |V| = {measured:.6g} V, reference {expected:.6g} V, error {err:.2e}")
    assert m["cell_voltage_V"][0] < 0.0
    assert err < 0.005
    assert relative_error(measured, without_film) > 0.05  # the film's share is resolved


def _patterned_film_config(**kinetics) -> dict:
    return {
        "cell": {
            "width_um": 1.0,
            "thickness_um": 1.0,
            "counter_electrode": "reservoir",
            "anode": {"shape": "flat"},
        },
        "mesh": {"size_at_anode_um": 0.025, "size_bulk_um": 0.1, "grading_distance_um": 0.5},
        "electrolyte": {
            "conductivity_S_per_m": SIGMA,
            "transference_number": 1.0,
            "salt_concentration_mol_per_m3": 1000.0,
        },
        "kinetics": kinetics,
        "operation": {"temperature_K": TEMPERATURE_K},
        "numerics": {"dt_initial_s": 1e-3, "dt_max_s": 5.0, "time_scheme": "bdf1"},
        "output": {"vtx": False, "progress_every_s": 0.0},
    }


class _UflVersusNumpy:
    """At the end of each step: the anode current from the UFL form and from NumPy."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.film_range = (np.inf, 0.0)

    def on_step_end(self, stepper, row) -> None:
        import basix.ufl
        import dolfinx

        from lidendrite.geometry import tags
        from lidendrite.physics.cell import Electrode, electrode_current

        st = stepper.state
        p, coef = st.problem, st.problem.coefficients
        v = st.cell_voltage_scaled()
        electrode = Electrode(
            tags.ANODE,
            dolfinx.fem.Constant(st.mesh, v),
            exchange_current=coef.exchange_current,
            film_resistance=coef.film_resistance,
        )
        expr = electrode_current(p.c, p.phi, electrode, coef)
        p1 = dolfinx.fem.functionspace(
            st.mesh, basix.ufl.element("Lagrange", st.mesh.basix_cell().name, 1)
        )
        f = dolfinx.fem.Function(p1)
        f.interpolate(dolfinx.fem.Expression(expr, p1.element.interpolation_points))
        (ufl_nodes,) = st.polyline_values(st.anode, st.layout.values(f))
        numpy_nodes = st.plating_current_nodal(st.anode, v)
        scale = np.max(np.abs(numpy_nodes))
        self.worst = max(self.worst, float(np.max(np.abs(ufl_nodes - numpy_nodes)) / scale))
        film = st.surface_state(st.anode).film_resistance
        self.film_range = (float(film.min()), float(film.max()))


def test_numpy_and_ufl_film_currents_agree(comm, tmp_path):
    """A patterned film with R_f i₀ F/RT from 2 to 18 at a current of 2 i₀ (nonlinear).

    The UFL form unrolls a fixed number of Newton updates, NumPy iterates to round-off.
    """
    cfg = config_from_dict(
        merge(
            _patterned_film_config(
                exchange_current_density_A_per_m2=I0,
                film_resistance_ohm_m2=0.025,
                patterns=[
                    {
                        "quantity": "film_resistance",
                        "kind": "sinusoid",
                        "relative_amplitude": 0.8,
                        "wavelength_um": 1.0,
                    },
                    {
                        "quantity": "exchange_current_density",
                        "kind": "sinusoid",
                        "relative_amplitude": 0.5,
                        "wavelength_um": 2.0,
                    },
                ],
            ),
            {
                "operation": {"current_density_A_per_m2": 2.0 * I0, "duration_s": 3e-3},
                "numerics": {"dt_initial_s": 1e-3, "dt_max_s": 1e-3},
                "output": {"every_s": 3e-3},
            },
        )
    )
    probe = _UflVersusNumpy()
    run(cfg, out_dir=shared_dir(tmp_path, comm), comm=comm, callbacks=[probe])
    lo, hi = probe.film_range
    print(f"\nUFL vs NumPy film current: worst relative difference {probe.worst:.2e}")
    assert hi / lo > 8.0  # the pattern (1 ± 0.8) reached the NumPy copy
    assert probe.worst < 1e-12


@pytest.mark.parametrize("wagner", [0.3, 3.0])
def test_sinusoidal_film_modulation(comm, tmp_path, wagner):
    eps, wavelength_um, length_um, current = 0.05, 2.0, 1.0, 0.05
    k = 2.0 * math.pi / (wavelength_um * 1e-6)
    coth = 1.0 / math.tanh(k * length_um * 1e-6)
    r_total = wagner / (SIGMA * k * coth)  # R_ct + R_f, ohm m²
    r_film = 0.5 * r_total
    i0 = R * TEMPERATURE_K / (F * (r_total - r_film))  # α_a + α_c = 1
    cfg = config_from_dict(
        merge(
            _patterned_film_config(
                exchange_current_density_A_per_m2=i0,
                film_resistance_ohm_m2=r_film,
                patterns=[
                    {
                        "quantity": "film_resistance",
                        "kind": "sinusoid",
                        "relative_amplitude": eps,
                        "wavelength_um": wavelength_um,
                    }
                ],
            ),
            {
                "operation": {"current_density_A_per_m2": current, "duration_s": 1.0},
                "output": {"every_s": 1.0},
            },
        )
    )

    class Profile:
        def on_step_end(self, stepper, row) -> None:
            st = stepper.state
            self.xy = st.anode.xy.copy()
            self.i = st.plating_current_nodal(st.anode, st.cell_voltage_scaled())

    profile = Profile()
    run(cfg, out_dir=shared_dir(tmp_path, comm), comm=comm, callbacks=[profile])
    x = profile.xy[:, 0] * 1e-6
    width = 1e-6
    mean = np.trapezoid(profile.i, x) / width
    measured = 2 * np.trapezoid(profile.i * np.cos(k * x), x) / width / mean
    theory = -eps * (r_film / r_total) * wagner / (1 + wagner)
    print(f"\nfilm pattern Wa' = {wagner}: di/i = {measured:.5g}, theory {theory:.5g}")
    assert measured == pytest.approx(theory, rel=0.02)
    # R_ct alone in the Wagner number would be off by far more than the tolerance
    assert abs(measured / (-eps * 0.5 * 0.5 * wagner / (1 + 0.5 * wagner)) - 1) > 0.1


def test_film_pattern_needs_a_film():
    data = _patterned_film_config(
        patterns=[
            {
                "quantity": "film_resistance",
                "kind": "sinusoid",
                "relative_amplitude": 0.5,
                "wavelength_um": 1.0,
            }
        ]
    )
    data["operation"] |= {"current_density_A_per_m2": 1.0, "duration_s": 1.0}
    with pytest.raises(ConfigError, match=r"kinetics.patterns\[0\].quantity = film_resistance"):
        config_from_dict(data)


def test_check_reports_the_film():
    from lidendrite.materials import derived_quantities

    data = merge(
        one_d_cell(thickness_um=10.0, exchange_current_density_A_per_m2=I0),
        {
            "kinetics": {"film_resistance_ohm_m2": 0.01},
            "operation": {"current_density_A_per_m2": 1.0, "duration_s": 1.0},
        },
    )
    d = derived_quantities(config_from_dict(data))
    r_ct = R * TEMPERATURE_K / (F * I0)
    assert d["film_resistance"][0] == pytest.approx(0.01)
    assert d["film_share"][0] == pytest.approx(0.01 / (r_ct + 0.01), rel=1e-12)
    assert d["wagner_number_with_film"][0] == pytest.approx((r_ct + 0.01) * SIGMA / 10e-6)
    assert "film_resistance" not in derived_quantities(config_from_dict(one_d_cell_run()))


def one_d_cell_run() -> dict:
    return merge(
        one_d_cell(thickness_um=10.0),
        {"operation": {"current_density_A_per_m2": 1.0, "duration_s": 1.0}},
    )


def test_film_law_slope_and_inverse():
    """−∂i/∂η (what the capillary step of the front uses) against a central difference of the
    film-limited current, and the inverse η(i) = η_BV(i) − R i of the initial guess."""
    from lidendrite.physics.kinetics import (
        film_limited_current,
        film_limited_slope,
        overpotential_for_current,
        plating_current,
    )

    bv = dict(exchange_current=2.0, alpha_anodic=0.35, alpha_cathodic=0.65)
    eta = np.linspace(-8.0, 8.0, 161)
    for film in (0.05, 1.0, 5.0):
        i = film_limited_current(1.3, eta, film_resistance=film, **bv)
        # the implicit law holds to round-off
        residual = i - plating_current(1.3, eta + film * i, **bv)
        assert np.max(np.abs(residual) / (np.abs(i) + 1e-3)) < 1e-13
        h = 1e-5
        fd = -(
            film_limited_current(1.3, eta + h, film_resistance=film, **bv)
            - film_limited_current(1.3, eta - h, film_resistance=film, **bv)
        ) / (2 * h)
        slope = film_limited_slope(1.3, eta, i, film_resistance=film, **bv)
        assert np.max(np.abs(slope - fd) / slope) < 1e-7
        assert np.all(slope < 1.0 / film)  # the film caps the conductance
        for current in (-3.0, 0.2, 4.0):
            e = overpotential_for_current(current, c_ratio=1.3, film_resistance=film, **bv)
            assert film_limited_current(1.3, e, film_resistance=film, **bv) == pytest.approx(
                current, rel=1e-12
            )


def test_film_pattern_follows_the_material_through_a_remesh_and_a_checkpoint(comm):
    """A remesh of a surface whose material coordinate slid by λ/4: R_film is the pattern at
    the carried coordinate (not at x); a checkpoint restores the film field as it was."""
    from lidendrite.case import Case
    from lidendrite.engine.remesh import remeshed_state
    from lidendrite.engine.state import MeshState
    from lidendrite.geometry.cell import cell_from_config
    from lidendrite.io.checkpoint import gather_state, restore_nodes
    from lidendrite.solver.problem import SolverSettings
    from moving_utils import moving_cell

    wavelength, eps = 1.0, 0.5
    cfg = config_from_dict(
        moving_cell(
            cell={"width_um": 3.0, "thickness_um": 3.0, "anode": {"shape": "flat"}},
            mesh={"size_at_anode_um": 0.1, "size_bulk_um": 0.5, "grading_distance_um": 1.5},
            kinetics={
                "film_resistance_ohm_m2": 0.01,
                "patterns": [
                    {
                        "quantity": "film_resistance",
                        "kind": "sinusoid",
                        "relative_amplitude": eps,
                        "wavelength_um": wavelength,
                    }
                ],
            },
            operation={"current_density_A_per_m2": 10.0, "duration_s": 1.0},
        )
    )
    case = Case.from_config(cfg)
    film_ref = case.electrode("anode").film_resistance
    state = MeshState(case, cell_from_config(comm, cfg), SolverSettings())
    state.initial_guess(1.0)
    xy = state.anode.xy.copy()
    shift = wavelength / 4
    state.assign_anode_material(xy, xy[:, 0] + shift)
    nodes = comm.bcast(gather_state(state), root=0)
    fresh = MeshState(case, cell_from_config(comm, cfg), SolverSettings())
    material = state.anode_material()
    new = remeshed_state(state, SolverSettings(), xy, None, 0.0, 0.0, anode_material=(xy, material))
    try:
        (film,) = new.polyline_values(
            new.anode, new.layout.values(new.problem.coefficients.film_resistance)
        )
        carried = film_ref * (1 + eps * np.cos(2 * np.pi * new.anode_material() / wavelength))
        np.testing.assert_allclose(film, carried, rtol=1e-12)
        forgotten = film_ref * (1 + eps * np.cos(2 * np.pi * new.anode.xy[:, 0] / wavelength))
        assert np.max(np.abs(film - forgotten)) > 0.5 * eps * film_ref
        restore_nodes(fresh, nodes, float(nodes["v"]))
        np.testing.assert_allclose(
            fresh.layout.values(fresh.problem.coefficients.film_resistance),
            state.layout.values(state.problem.coefficients.film_resistance),
        )
    finally:
        for s in (new, fresh, state):
            s.close()
