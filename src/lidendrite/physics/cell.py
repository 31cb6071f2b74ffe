"""The residual of the whole cell: transport + kinetics at both electrodes + cell control.

Three unknowns: the salt activity ``c`` and the potential ``φ`` of
:mod:`~lidendrite.physics.closures` (the salt concentration and the electrolyte potential in an
ideal binary electrolyte) and one global scalar ``V``, the scaled potential of the
plating-electrode metal relative to the counter electrode (the cell voltage). A galvanostatic
cell closes the system with ``∫_anode i_p ds = Î W`` (mean plating current over the projected
width ``W``); a potentiostatic cell with ``V = V_set``.

With a Li counter electrode its metal is the potential reference (``φ_s = 0``) and carries its own
Butler–Volmer kinetics. With a reservoir counter electrode the boundary holds bulk electrolyte
(``c = 1``, ``φ = 0``, imposed as Dirichlet conditions by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import ufl

from lidendrite.physics.closures import RegionCoefficients, surface_state
from lidendrite.physics.kinetics import film_limited_current, overpotential, plating_current
from lidendrite.physics.transport import Expr, anion_balance, charge_balance


class Coefficients(Protocol):
    """Scaled coefficients: numbers or fields (``region``: per-region transport closures)."""

    region: RegionCoefficients
    exchange_current: Expr
    alpha_anodic: float
    alpha_cathodic: float
    capillary: float


@dataclass
class Electrode:
    """A metal boundary: its facet tag, metal potential and (optional) surface data.

    ``exchange_current`` is the surface field of the electrode (the solver passes a P1 function
    filled from the tag registry; the NumPy copy of Butler–Volmer used for the front motion
    reads the nodal values of the same function). ``None`` takes the scalar of ``params``.
    ``film_resistance`` (scaled, > 0 where given) switches to the film-limited law
    ``i = BV(η + R_film i)``; ``None``: no film.
    """

    tag: int
    phi_s: ufl.core.expr.Expr | float
    curvature: ufl.core.expr.Expr | None = None
    exchange_current: ufl.core.expr.Expr | float | None = None
    film_resistance: ufl.core.expr.Expr | float | None = None


def electrode_current(
    c: Expr, phi: Expr, electrode: Electrode, params: Coefficients
) -> ufl.core.expr.Expr:
    """Scaled plating current density at an electrode (UFL expression)."""
    c_ratio, phi_ref = surface_state(c, phi, params.region)
    eta = overpotential(
        electrode.phi_s, phi_ref, capillary=params.capillary, curvature=electrode.curvature
    )
    i0 = (
        params.exchange_current
        if electrode.exchange_current is None
        else electrode.exchange_current
    )
    bv = dict(
        exchange_current=i0,
        alpha_anodic=params.alpha_anodic,
        alpha_cathodic=params.alpha_cathodic,
    )
    if electrode.film_resistance is not None:
        return film_limited_current(c_ratio, eta, film_resistance=electrode.film_resistance, **bv)
    return plating_current(c_ratio, eta, **bv)


def cell_residual(
    c: Expr,
    phi: Expr,
    V: Expr,
    tests: tuple[ufl.Argument, ufl.Argument, ufl.Argument],
    params: Coefficients,
    *,
    ds: ufl.Measure,
    storage_term: Expr,
    anode: Electrode,
    counter: Electrode | None,
    galvanostatic: bool,
    control: Expr,
    width_over_length: Expr,
    mesh_velocity: Expr | None = None,
    anions_mobile: bool = True,
) -> list[ufl.Form]:
    """Residual forms ``[anion balance, charge balance, cell control]``.

    Args:
        c: salt (mobile-anion) concentration (scaled).
        phi: electrolyte potential (scaled).
        V: cell voltage, the global unknown (scaled).
        tests: test functions ``(q, r, s)`` of the three spaces.
        params: scaled coefficients (``region`` closures, numbers or cell-wise fields;
            ``exchange_current``; ``capillary``, ``alpha_*`` numbers).
        ds: boundary measure carrying the facet tags.
        storage_term: the BDF time-derivative expression of ``c``.
        anode: the plating electrode (``phi_s`` is ``V``).
        counter: a Li counter electrode (``phi_s = 0``), or ``None`` for a reservoir.
        galvanostatic: close with the current (``control`` = mean scaled current density) or
            with the voltage (``control`` = scaled voltage).
        control: a ``Constant`` holding the applied current or voltage.
        width_over_length: ``Constant`` W/|Γ_anode| that turns ``∫_Γ (·) ds`` into ``W × mean``.
        mesh_velocity: ALE mesh velocity, or ``None`` on a fixed mesh.
        anions_mobile: False for a single-ion conductor (no anion transport at all).
    """
    q, r, s = tests
    i_anode = electrode_current(c, phi, anode, params)
    terms = i_anode * r * ds(anode.tag)
    if counter is not None:
        terms = terms + electrode_current(c, phi, counter, params) * r * ds(counter.tag)
    f_c = anion_balance(
        c,
        phi,
        q,
        region=params.region,
        storage_term=storage_term,
        mesh_velocity=mesh_velocity,
        mobile=anions_mobile,
    )
    f_phi = charge_balance(
        c,
        phi,
        r,
        region=params.region,
        electrode_terms=terms,
    )
    if galvanostatic:
        f_v = (i_anode - control * width_over_length) * s * ds(anode.tag)
    else:
        f_v = (V - control) * width_over_length * s * ds(anode.tag)
    return [f_c, f_phi, f_v]
