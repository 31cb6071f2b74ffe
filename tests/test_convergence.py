"""Mesh and time-step convergence of a moving front: observed orders and Richardson limits.

A sinusoidal Li anode (λ = W = 2 µm, amplitude 0.2 µm, crests on the side walls) in a 4 µm
Li|NH2-Li-G62|Li cell plates at 250 A/m² (≈ 0.75 i_lim) for 8 s: the crests outgrow the
trough (the tip current ratio rises from 1.04 to 1.35 while the salt at the anode depletes).
Two quantities at the end, (a) the tip height above the mean height and (b) the tip current
ratio, on three levels with ratio 2, and no remesh on any of them (checked). The crest is a
polyline vertex on every mesh, so the tip is the same material point at every level. The
observed order is p = log2(|q₁ − q₂| / |q₂ − q₃|) from the levels q₁ (coarsest) … q₃.

- Mesh: every size halved (h = 0.2, 0.1, 0.05 µm at the anode), dt = 0.125 s fixed:
  p in [1.4, 2.4] for both quantities (measured ≈ 1.8: P1 fields, a piecewise-linear front).
- Time: dt = 0.5, 0.25, 0.125 s at h = 0.1 µm, BDF2 and BDF1 transport: p in [0.8, 1.35].
  With the default front step (forward Euler: the current at the start of the step) the
  coupled scheme is first order in time whatever the transport scheme (measured: BDF2 ≈ 1.15,
  BDF1 ≈ 0.95). With the Adams–Bashforth front step (``numerics.front_scheme: ab2``) and BDF2
  it is second order: p in [1.6, 2.8] (measured 2.49 and 1.78; 2.59 and 2.12 one level
  finer), and its dt → 0 limit lies between the Euler runs' Richardson limits with order 1
  and with their observed order (0.24298 in [0.24285, 0.24302]; 1.34773 in [1.34764,
  1.34787]).
  With linearly implicit steps (``numerics.linearly_implicit``: one Newton iteration per step
  where it cuts the residual 100-fold) it stays second order (measured 2.49 and 1.78), differs
  from the Newton runs by at most 0.3 of their finest time error (measured 0.04 and 0.18) and
  takes 0.51–0.67 of their Newton iterations.
- Richardson limits: BDF1 and BDF2 are different schemes on the same mesh, so their
  extrapolations to dt → 0 (each with its observed order) must agree: within 15 % of the
  finest BDF1 time error (measured 6 %; with the formal order 1 for both, 14 %). The error
  model q(h, dt) = q* + A h^p + B dt (fitted to the mesh and BDF2 time studies) predicts a run
  that neither used (h = 0.05 µm, dt = 0.5 s) within 10 % of its total error (measured 6 %).

Measured (tip − mean, µm; tip current ratio): mesh 0.24578, 0.24221, 0.24116 (p = 1.76) and
1.35557, 1.34660, 1.34405 (p = 1.81); BDF2 time 0.23959, 0.24141, 0.24221 (p = 1.17) and
1.34251, 1.34533, 1.34660 (p = 1.15); BDF1 time p = 0.95 for both.

Guards against a front or transport update that loses its order (a lagged quantity, a time step
that is not the one used, vertex sliding that depends on h), a tip that jumps between vertices,
and a mesh error that depends on the time step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from moving_utils import moving_cell, run_case, shared_dir

pytestmark = pytest.mark.serial

QUANTITIES = ("protrusion_height_um", "tip_current_ratio")
H_UM = (0.2, 0.1, 0.05)
DT_S = (0.5, 0.25, 0.125)
DURATION_S = 8.0


def _config(h_um: float, dt_s: float, scheme: str = "bdf2") -> dict:
    """The case at anode mesh size ``h_um`` with a fixed step ``dt_s`` (no step adaptation).

    ``scheme``: ``bdf1`` or ``bdf2`` transport with the Euler front step, ``ab2`` (BDF2
    transport with the Adams–Bashforth front step), or ``ab2_li`` (the same with linearly
    implicit steps: one Newton iteration per step).
    """
    second_order = scheme.startswith("ab2")
    return moving_cell(
        title=f"convergence, h = {h_um:g} um, dt = {dt_s:g} s, {scheme}",
        cell={
            "width_um": 2.0,
            "thickness_um": 4.0,
            "anode": {"shape": "sinusoid", "amplitude_um": 0.2, "wavelength_um": 2.0},
        },
        mesh={"size_at_anode_um": h_um, "size_bulk_um": 2.5 * h_um, "grading_distance_um": 1.0},
        electrolyte={"preset": "NH2-Li-G62"},
        operation={"current_density_A_per_m2": 250.0, "duration_s": DURATION_S},
        numerics={
            "time_scheme": "bdf2" if second_order else scheme,
            "front_scheme": "ab2" if second_order else "euler",
            "linearly_implicit": scheme == "ab2_li",
            "dt_initial_s": dt_s,
            "dt_max_s": dt_s,
            # fixed steps: neither the concentration change nor Newton may shorten them
            "max_concentration_change": 1.0,
            "target_newton_iterations": 20,
            "remesh_min_quality": 0.05,
        },
        output={"every_s": DURATION_S},
    )


def observed_order(q: np.ndarray) -> float:
    """p = log2(|q₁ − q₂| / |q₂ − q₃|) of three levels with refinement ratio 2."""
    return math.log2(abs(q[0] - q[1]) / abs(q[1] - q[2]))


def richardson(q: np.ndarray, p: float) -> float:
    """The limit q₃ + (q₃ − q₂)/(2^p − 1) of the two finest levels for an error ∝ step^p."""
    return q[2] + (q[2] - q[1]) / (2.0**p - 1.0)


@pytest.fixture(scope="module")
def study(tmp_path_factory, comm) -> dict[tuple[float, float, str], dict[str, float]]:
    """End values of every run of the study, keyed by (h, dt, scheme) (about 15 s)."""
    root = shared_dir(comm, tmp_path_factory.mktemp("convergence"))
    runs = {(h, DT_S[-1], "bdf2") for h in H_UM}
    runs |= {(H_UM[1], dt, s) for dt in DT_S for s in ("bdf1", "bdf2", "ab2", "ab2_li")}
    runs.add((H_UM[2], DT_S[0], "bdf2"))  # the prediction check
    out = {}
    for h, dt, scheme in sorted(runs):
        run = run_case(_config(h, dt, scheme), root / f"h{h:g}_dt{dt:g}_{scheme}", comm)
        m = run.metrics
        assert run.status["status"] == "completed", run.status
        assert m["time_s"][-1] == pytest.approx(DURATION_S)
        assert len(m["time_s"]) - 1 == round(DURATION_S / dt), "the step was not fixed"
        assert m["remesh_count"][-1] == 0
        out[h, dt, scheme] = dict(run.final, newton_total=float(np.sum(m["newton_iterations"])))
    return out


def _levels(study, quantity: str, keys) -> np.ndarray:
    return np.array([study[k][quantity] for k in keys])


def _mesh_levels(study, quantity: str) -> np.ndarray:
    return _levels(study, quantity, [(h, DT_S[-1], "bdf2") for h in H_UM])


def _time_levels(study, quantity: str, scheme: str) -> np.ndarray:
    return _levels(study, quantity, [(H_UM[1], dt, scheme) for dt in DT_S])


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_mesh_order(study, quantity):
    q = _mesh_levels(study, quantity)
    p = observed_order(q)
    assert 1.4 <= p <= 2.4, f"{quantity}: levels {q}, observed order {p:.2f}"


@pytest.mark.parametrize("scheme", ["bdf2", "bdf1"])
@pytest.mark.parametrize("quantity", QUANTITIES)
def test_time_order_is_one(study, quantity, scheme):
    q = _time_levels(study, quantity, scheme)
    p = observed_order(q)
    assert 0.8 <= p <= 1.35, f"{quantity} ({scheme}): levels {q}, observed order {p:.2f}"


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_time_order_is_two_with_the_adams_bashforth_front(study, quantity):
    q = _time_levels(study, quantity, "ab2")
    p = observed_order(q)
    assert 1.6 <= p <= 2.8, f"{quantity} (ab2): levels {q}, observed order {p:.2f}"
    # and its limit is the Euler runs' limit (a different scheme, the same answer); that one is
    # known only between the extrapolations with the formal order 1 and the observed order
    q2 = _time_levels(study, quantity, "bdf2")
    bracket = sorted([richardson(q2, 1.0), richardson(q2, observed_order(q2))])
    slack = 0.05 * abs(q2[2] - bracket[0])
    limit = richardson(q, 2.0)
    assert bracket[0] - slack <= limit <= bracket[1] + slack, (
        f"{quantity}: limit {limit:.6f} (ab2), Euler/BDF2 limit in {bracket}"
    )


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_linearly_implicit_steps_keep_the_second_order(study, quantity):
    q, q_newton = _time_levels(study, quantity, "ab2_li"), _time_levels(study, quantity, "ab2")
    p = observed_order(q)
    assert 1.6 <= p <= 2.8, f"{quantity} (ab2, linearly implicit): levels {q}, order {p:.2f}"
    # a second-order change, well inside the time error of the finest Newton run
    error = abs(q_newton[2] - richardson(q_newton, 2.0))
    assert np.max(np.abs(q - q_newton)) <= 0.3 * error, f"{q} against Newton {q_newton}"
    for dt in DT_S:  # one iteration wherever it cuts the residual 100-fold
        its = study[H_UM[1], dt, "ab2_li"]["newton_total"]
        its_newton = study[H_UM[1], dt, "ab2"]["newton_total"]
        assert its <= 0.7 * its_newton, f"dt = {dt}: {its} against {its_newton} iterations"


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_time_limits_of_bdf1_and_bdf2_agree(study, quantity):
    q1, q2 = _time_levels(study, quantity, "bdf1"), _time_levels(study, quantity, "bdf2")
    limit1, limit2 = richardson(q1, observed_order(q1)), richardson(q2, observed_order(q2))
    error1 = abs(q1[2] - limit1)  # the error of the finest BDF1 run
    assert abs(limit1 - limit2) <= 0.15 * error1, (
        f"{quantity}: dt -> 0 limits {limit1:.6f} (bdf1), {limit2:.6f} (bdf2); "
        f"finest bdf1 error {error1:.2e}"
    )


@pytest.mark.parametrize("quantity", QUANTITIES)
def test_error_model_predicts_an_unused_run(study, quantity):
    qh, qt = _mesh_levels(study, quantity), _time_levels(study, quantity, "bdf2")
    p = observed_order(qh)
    # q(h, dt) = q* + A h^p + B dt, both terms from the two studies
    mesh_error = lambda h: (qh[2] - qh[1]) / (1.0 - 2.0**p) * (h / H_UM[2]) ** p  # noqa: E731
    time_error = lambda dt: (qt[2] - qt[1]) / (1.0 - 2.0) * (dt / DT_S[2])  # noqa: E731
    limit = qh[2] - mesh_error(H_UM[2]) - time_error(DT_S[2])
    predicted = limit + mesh_error(H_UM[2]) + time_error(DT_S[0])
    got = study[H_UM[2], DT_S[0], "bdf2"][quantity]
    assert abs(got - predicted) <= 0.1 * abs(got - limit), (
        f"{quantity}: h = {H_UM[2]} um, dt = {DT_S[0]} s gave {got:.6f}, the error model "
        f"{predicted:.6f} (limit {limit:.6f})"
    )
