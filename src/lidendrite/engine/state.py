"""Everything that lives on one mesh: the problem, node maps, electrode polylines, mesh motion.

A :class:`MeshState` is built from a :class:`~lidendrite.case.Case` and a meshed cell; a remesh
builds a new one. It knows nothing of the time loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from mpi4py import MPI

import numpy as np

from lidendrite.case import CLOSURE_FIELDS
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.interface import BoundaryPolyline, boundary_polyline, moved_polyline
from lidendrite.geometry.polyline import (
    carry_along,
    polyline_curvature,
    polyline_length,
    polyline_normals,
)
from lidendrite.geometry.quality import min_quality
from lidendrite.io.nodes import NodeLayout
from lidendrite.moving.ale import MeshMover
from lidendrite.physics.closures import RegionCoefficients, cation_concentration
from lidendrite.physics.closures import surface_state as closure_surface_state
from lidendrite.physics.kinetics import (
    film_limited_current,
    overpotential_for_current,
    plating_current,
)
from lidendrite.solver.problem import CellProblem, SolverSettings

if TYPE_CHECKING:
    from lidendrite.case import Case
    from lidendrite.geometry.cell import CellMesh


class SurfaceState(NamedTuple):
    """What Butler–Volmer sees at the vertices of an electrode polyline (scaled)."""

    c_ratio: np.ndarray
    """c₊ / c_ref (c_ref: the initial Li⁺ concentration of the region there)."""
    phi_ref: np.ndarray
    """φ + ln c_ref (see :func:`lidendrite.physics.closures.surface_state`)."""
    exchange_current: np.ndarray
    c_cation: np.ndarray
    """Li⁺ concentration / c₀."""
    film_resistance: np.ndarray | None = None
    """Scaled interphase film resistance, ``None`` without a film."""


@dataclass
class Interface:
    """An electrode boundary as seen by this rank: polyline + local nodes."""

    xy: np.ndarray
    nodes: np.ndarray
    to_poly: np.ndarray
    normals: np.ndarray
    curvature: np.ndarray


#: Per electrode polyline (``"anode"``, ``"counter"``): Butler–Volmer's view of the electrolyte
#: at its vertices and their plating current (scaled), as :meth:`MeshState.electrode_currents`
#: returns them.
ElectrodeCurrents = dict[str, tuple[SurfaceState, np.ndarray]]


class MeshState:
    """The cell problem on one mesh, with its electrode polylines and mesh mover."""

    def __init__(self, case: Case, cell_mesh: CellMesh, settings: SolverSettings):
        num = case.config.numerics
        self.case = case
        self.mesh = cell_mesh.mesh
        self.facet_tags = cell_mesh.facet_tags
        self.cell_tags = cell_mesh.cell_tags
        self.source = cell_mesh.source  # the Gmsh input (what a checkpoint keeps)
        # the electrode polylines (their vertex order stays while the mesh does)
        self._polylines: dict[int, BoundaryPolyline] = {
            tags.ANODE: boundary_polyline(self.mesh, self.facet_tags, tags.ANODE)
        }
        self.problem = CellProblem(
            self.mesh,
            self.facet_tags,
            self.cell_tags,
            case,
            solver=settings,
            anode_length_um=polyline_length(self._polylines[tags.ANODE].xy),
        )
        self.layout = NodeLayout(self.mesh)
        self.mover = (
            MeshMover(
                self.mesh,
                self.facet_tags,
                self.layout,
                self.problem.vector_space,
                kind=num.mesh_motion,
                iterative=num.solver == "iterative",
                prescribed_sides=case.periodic,
                cell_tags=self.cell_tags,
            )
            if case.moving
            else None
        )
        self.anode: Interface | None = None
        self.counter: Interface | None = None
        self._min_quality: tuple[np.ndarray, float] | None = None
        self.fresh_quality = self.min_quality()
        self.pending_correction = 0.0  # relative salt correction of the remesh that made it
        self.pending_salt_added_mol_per_m = 0.0  # the same as salt added (signed), mol/m
        self.pending_pocket_salt_mol_per_m = 0.0  # salt trapped in pockets at that remesh
        self.cache: dict[str, object] = {}  # compiled forms of observers (metrics, output)
        # material coordinates of the anode vertices before and after the coming front step
        self.material_step: tuple[np.ndarray, np.ndarray] | None = None
        # electrode polylines and plating currents at the start of the last accepted step, and
        # its dt (scaled), for the Adams-Bashforth front step; those of the coming step
        self.front_history: dict | None = None
        # how far the dispersed fillers have moved with the electrolyte since this mesh was made
        self.filler_offset_um = 0.0
        self.front_pending: dict | None = None
        self.refresh_interfaces()

    # -- geometry -------------------------------------------------------------------------
    def refresh_interfaces(self) -> None:
        """Re-read the electrode polylines, normals and curvature (after the mesh moved)."""
        self.anode = self._interface(tags.ANODE, +1)
        if self.case.counter_is_lithium:
            self.counter = self._interface(tags.COUNTER, -1)
        if self.case.moving:
            p = self.problem
            for itf, fn in ((self.anode, p.curvature_anode), (self.counter, p.curvature_counter)):
                if itf is not None:
                    self.layout.set_values(fn, itf.curvature[itf.to_poly], nodes=itf.nodes)
                    fn.x.scatter_forward()
        # the polyline's segments are the anode's facets: its length without an assembly
        self.problem.update_geometry_constants(polyline_length(self.anode.xy))

    def _interface(self, tag: int, side: int) -> Interface:
        # the facets, and so the vertex order, stay as long as the mesh does (ALE moves nodes)
        known = self._polylines.get(tag)
        if known is None:
            poly = boundary_polyline(self.mesh, self.facet_tags, tag)
        else:
            poly = moved_polyline(self.mesh, known)
        self._polylines[tag] = poly
        periodic = self.case.periodic
        return Interface(
            xy=poly.xy,
            nodes=np.asarray(poly.local_nodes),
            to_poly=np.asarray(poly.local_to_polyline),
            normals=polyline_normals(poly.xy, side=side, periodic=periodic),
            curvature=polyline_curvature(poly.xy, side=side, periodic=periodic),
        )

    def min_quality(self) -> float:
        """Smallest cell quality of the mesh as it is now (collective).

        Kept while no node moves: the remesh check after a step's motion and the step's
        metrics read the same geometry.
        """
        x = self.mesh.geometry.x
        known = self._min_quality
        changed = known is None or not np.array_equal(known[0], x)
        if self.mesh.comm.size > 1:
            changed = self.mesh.comm.allreduce(changed, op=MPI.LOR)
        if changed:
            known = self._min_quality = (x.copy(), min_quality(self.mesh))
        return known[1]

    def num_cells(self) -> int:
        """Global number of cells."""
        return self.mesh.topology.index_map(self.mesh.topology.dim).size_global

    # -- values along the electrodes ------------------------------------------------------
    def polyline_values(self, itf: Interface, *node_values: np.ndarray) -> list[np.ndarray]:
        """Per-polyline-vertex values from per-local-node arrays (one collective reduction)."""
        out = np.full((len(node_values), len(itf.xy)), -np.inf)
        for row, values in zip(out, node_values, strict=True):
            row[itf.to_poly] = values[itf.nodes]
        self.mesh.comm.Allreduce(MPI.IN_PLACE, out, op=MPI.MAX)
        return list(out)

    def polyline_fields(self, itf: Interface, *functions: dolfinx.fem.Function) -> list[np.ndarray]:
        """Per-polyline-vertex values of scalar P1 functions (one collective reduction).

        The same as :meth:`polyline_values` of their node values, reading only the polyline's
        nodes.
        """
        out = np.full((len(functions), len(itf.xy)), -np.inf)
        for row, f in zip(out, functions, strict=True):
            row[itf.to_poly] = f.x.array[self.layout.node_to_dof(f.function_space)[itf.nodes]]
        if self.mesh.comm.size > 1:
            self.mesh.comm.Allreduce(MPI.IN_PLACE, out, op=MPI.MAX)
        return list(out)

    def surface_state(self, itf: Interface) -> SurfaceState:
        """Butler–Volmer's view of the electrolyte at the vertices of an electrode polyline."""
        p = self.problem
        coef = p.coefficients
        region = coef.nodal_region
        functions = [p.c, p.phi, coef.exchange_current]
        filmed = coef.film_resistance is not None
        if filmed:
            functions.append(coef.film_resistance)
        names = [n for n in CLOSURE_FIELDS if isinstance(getattr(region, n), dolfinx.fem.Function)]
        functions += [getattr(region, n) for n in names]
        c, phi, i0, *data = self.polyline_fields(itf, *functions)
        film = data.pop(0) if filmed else None
        values = {n: getattr(region, n) for n in CLOSURE_FIELDS} | dict(
            zip(names, data, strict=True)
        )
        region_here = RegionCoefficients(**values)
        c_ratio, phi_ref = closure_surface_state(c, phi, region_here)
        return SurfaceState(c_ratio, phi_ref, i0, cation_concentration(c, region_here), film)

    def electrode_currents(self) -> ElectrodeCurrents:
        """:data:`ElectrodeCurrents` of the state now (collective).

        The anode sits at the cell voltage, a Li counter electrode at the reference potential.
        One evaluation serves the metrics of a step's end and the next step's limit and front
        motion (the state does not change in between).
        """
        out: ElectrodeCurrents = {}
        for name, itf, phi_s in (
            ("anode", self.anode, self.cell_voltage_scaled()),
            ("counter", self.counter, 0.0),
        ):
            if itf is not None:
                surface = self.surface_state(itf)
                out[name] = (surface, self.plating_current_nodal(itf, phi_s, surface))
        return out

    def plating_current_nodal(
        self,
        itf: Interface,
        phi_s: float,
        surface: SurfaceState | None = None,
    ) -> np.ndarray:
        """Scaled Butler–Volmer plating current at every vertex of an electrode polyline.

        The same function and the same coefficient fields as the UFL form of the solver (with a
        film, the implicit law solved to round-off).
        ``surface`` is :meth:`surface_state` of ``itf`` when the caller has it already.
        """
        c_ratio, phi, i0, _, film = surface if surface is not None else self.surface_state(itf)
        eta = self.surface_overpotential(itf, phi_s, phi)
        coef = self.problem.coefficients
        bv = dict(
            exchange_current=i0,
            alpha_anodic=coef.alpha_anodic,
            alpha_cathodic=coef.alpha_cathodic,
        )
        if film is not None:
            return film_limited_current(c_ratio, eta, film_resistance=film, **bv)
        return plating_current(c_ratio, eta, **bv)

    def surface_overpotential(
        self, itf: Interface, phi_s: float, phi_ref: np.ndarray
    ) -> np.ndarray:
        """η = φ_s − φ_ref (+ the capillary shift on a moving front) at the polyline vertices."""
        eta = phi_s - phi_ref
        if self.case.moving:
            eta = eta + self.problem.coefficients.capillary * itf.curvature
        return eta

    def anode_material(self) -> np.ndarray:
        """Material coordinate (initial x, µm) of every anode polyline vertex (collective)."""
        (out,) = self.polyline_values(
            self.anode, self.layout.values(self.problem.coefficients.material_x)
        )
        return out

    def assign_anode_material(self, source_xy: np.ndarray, source_material: np.ndarray) -> None:
        """Carry the material coordinate onto this mesh's anode and refill i₀ there.

        ``source_xy`` is the anode polyline of the previous mesh (moved to where this mesh was
        built) and ``source_material`` its vertices' material coordinates; each vertex of the
        new anode takes the value at its nearest point on that polyline (new surface included),
        and its exchange current (and film resistance) is the pattern at that material coordinate.
        """
        material = carry_along(self.anode.xy, source_xy, source_material)
        self.set_anode_surface(material)

    def after_front_step(self, undo: bool = False) -> None:
        """The anode's material coordinates (and what they carry) after a front step or its undo.

        The material points moved along the normals and the vertices slid
        (:mod:`lidendrite.engine.motion`); ``material_step`` holds both sets.
        """
        if self.material_step is not None:
            self.set_anode_surface(self.material_step[0 if undo else 1])

    def set_anode_surface(self, material: np.ndarray) -> None:
        """Material coordinates of the anode polyline vertices, and the i₀ and film they carry.

        With ``kinetics.new_surface`` the newly plated share of the surface around each vertex
        (:func:`~lidendrite.physics.patterns.new_surface_fraction`) takes the new Li's values.
        """
        itf, coef = self.anode, self.problem.coefficients
        anode = self.case.electrode("anode")
        fraction = anode.new_fraction(itf.xy, material)[itf.to_poly]
        material = material[itf.to_poly]
        self.layout.set_values(coef.material_x, material, nodes=itf.nodes)
        self.layout.set_values(
            coef.exchange_current, anode.exchange_current_at(material, fraction), nodes=itf.nodes
        )
        coef.material_x.x.scatter_forward()
        coef.exchange_current.x.scatter_forward()
        if coef.film_resistance is not None:
            film = anode.film_resistance_at(material, fraction)
            self.layout.set_values(coef.film_resistance, film, nodes=itf.nodes)
            coef.film_resistance.x.scatter_forward()

    def new_surface_fraction(self) -> float:
        """Newly plated share of the anode surface (arc-length mean; 0 if untracked; collective)."""
        anode = self.case.electrode("anode")
        if not anode.tracks_new_surface:
            return 0.0
        xy = self.anode.xy
        f = anode.new_fraction(xy, self.anode_material())
        seg = np.hypot(*np.diff(xy, axis=0).T)
        weights = np.concatenate([[0.0], seg]) + np.concatenate([seg, [0.0]])
        return float(np.sum(f * weights) / np.sum(weights))

    def cell_voltage_scaled(self) -> float:
        """The global unknown V (shared by all ranks)."""
        arr = self.problem.v.x.array
        # Python floats: MPI's object reductions pickle a NumPy scalar 10x slower
        return self.mesh.comm.allreduce(float(arr[0]) if arr.size else -np.inf, op=MPI.MAX)

    def max_change(self) -> float:
        """Largest change of the scaled salt concentration over the last step (collective)."""
        p = self.problem
        local = float(np.max(np.abs(p.c.x.array - p.c_n.x.array))) if p.c.x.array.size else 0.0
        return self.mesh.comm.allreduce(local, op=MPI.MAX)

    # -- start and end --------------------------------------------------------------------
    def initial_guess(self, current_A_per_m2: float) -> None:
        """Uniform salt, a 1-D ohmic + kinetic estimate of φ and V for the first Newton solve."""
        case, p = self.case, self.problem
        i_hat = current_A_per_m2 / case.scaling.current_A_per_m2
        p.c.x.array[:] = 1.0
        p.c_n.x.array[:] = 1.0
        p.c_nm1.x.array[:] = 1.0
        conductivity = case.matrix.conductivity_scaled
        bv = dict(
            exchange_current=case.electrode("anode").exchange_current,
            alpha_anodic=case.params.alpha_anodic,
            alpha_cathodic=case.params.alpha_cathodic,
            film_resistance=case.electrode("anode").film_resistance,
        )
        thickness = case.thickness_um
        phi_top = -overpotential_for_current(-i_hat, **bv) if case.counter_is_lithium else 0.0
        y = self.layout.values(p.c) * 0 + self.mesh.geometry.x[:, 1]
        self.layout.set_values(p.phi, phi_top - i_hat * (thickness - y) / conductivity)
        p.phi.x.scatter_forward()
        p.v.x.array[:] = (
            phi_top - i_hat * thickness / conductivity + overpotential_for_current(i_hat, **bv)
        )

    def close(self) -> None:
        """Release what this mesh registered globally (PETSc options)."""
        self.problem.close()
        if self.mover is not None:
            self.mover.close()
