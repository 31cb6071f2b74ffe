"""Run one case: config → geometry → mesh → physics → time stepping → recorder.

:func:`run` is what ``lidendrite run`` calls. It is collective over ``comm``; every rank returns
the same :class:`RunResult`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from mpi4py import MPI

import numpy as np

from lidendrite import materials
from lidendrite.config import Config, config_hash, config_to_dict, protocol_steps
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.errors import GeometryError, SolverError
from lidendrite.fem import dolfinx, versions
from lidendrite.geometry import tags
from lidendrite.geometry.cell import build_cell, cell_from_config, resample_polyline
from lidendrite.geometry.interface import (
    boundary_polyline,
    polyline_curvature,
    polyline_length,
    polyline_normals,
)
from lidendrite.geometry.quality import min_quality
from lidendrite.io.frames import FrameData
from lidendrite.io.nodes import NodeLayout
from lidendrite.io.recorder import Recorder
from lidendrite.moving.ale import MeshMover
from lidendrite.moving.front import first_self_intersection, remove_loops
from lidendrite.physics.kinetics import overpotential_for_current, plating_current
from lidendrite.scaling import CellParameters, Scaling, cell_parameters, make_scaling
from lidendrite.solver.control import StepController
from lidendrite.solver.observables import Observables
from lidendrite.solver.problem import CellProblem, SolverSettings
from lidendrite.solver.protocol import schedule, segment_at

log = logging.getLogger("lidendrite")


@dataclass
class RunResult:
    """How a run ended."""

    status: str  # completed | depleted | short_circuit | failed
    reason: str
    time_s: float
    steps: int
    out_dir: Path
    info: dict = field(default_factory=dict)


@dataclass
class _Interface:
    """An electrode boundary as seen by this rank: polyline + local nodes."""

    xy: np.ndarray
    nodes: np.ndarray
    to_poly: np.ndarray
    normals: np.ndarray
    curvature: np.ndarray


class _MeshState:
    """Everything that lives on one mesh: the problem, observables, node maps, mesh motion."""

    def __init__(self, sim: Simulation, cell_mesh):
        cfg = sim.cfg
        self.mesh = cell_mesh.mesh
        self.facet_tags = cell_mesh.facet_tags
        self.cell_tags = cell_mesh.cell_tags
        self.problem = CellProblem(
            self.mesh,
            self.facet_tags,
            sim.params,
            counter_is_lithium=sim.counter_is_lithium,
            galvanostatic=sim.galvanostatic,
            moving=sim.moving,
            solver=sim.solver_settings,
            width_um=cfg.cell.width_um,
            periodic=sim.periodic,
        )
        self.layout = NodeLayout(self.mesh)
        self.observables = Observables(self.problem, sim.scaling)
        self.mover = (
            MeshMover(
                self.mesh,
                self.facet_tags,
                self.layout,
                self.problem.W,
                kind=cfg.numerics.mesh_motion,
                iterative=cfg.numerics.solver == "iterative",
                prescribed_sides=sim.periodic,
            )
            if sim.moving
            else None
        )
        self.anode: _Interface | None = None
        self.counter: _Interface | None = None
        self.fresh_quality = min_quality(self.mesh)
        self.vtx = None
        self.vtx_fields: dict = {}
        self.pending_correction = 0.0
        self.periodic = sim.periodic
        self.refresh_interfaces(sim)

    def refresh_interfaces(self, sim: Simulation) -> None:
        """Re-read the electrode polylines, normals and curvature (after the mesh moved)."""
        self.anode = self._interface(tags.ANODE, +1)
        if sim.counter_is_lithium:
            self.counter = self._interface(tags.COUNTER, -1)
        if sim.moving:
            p = self.problem
            for itf, fn in ((self.anode, p.kappa_anode), (self.counter, p.kappa_counter)):
                if itf is not None:
                    self.layout.set_values(fn, itf.curvature[itf.to_poly], nodes=itf.nodes)
                    fn.x.scatter_forward()
        self.problem.update_geometry_constants()

    def _interface(self, tag: int, side: int) -> _Interface:
        poly = boundary_polyline(self.mesh, self.facet_tags, tag)
        return _Interface(
            xy=poly.xy,
            nodes=np.asarray(poly.local_nodes),
            to_poly=np.asarray(poly.local_to_polyline),
            normals=polyline_normals(poly.xy, side=side, periodic=self.periodic),
            curvature=polyline_curvature(poly.xy, side=side, periodic=self.periodic),
        )

    def polyline_values(self, itf: _Interface, node_values: np.ndarray) -> np.ndarray:
        """Per-polyline-vertex values from per-local-node values (collective)."""
        out = np.full(len(itf.xy), -np.inf)
        out[itf.to_poly] = node_values[itf.nodes]
        self.mesh.comm.Allreduce(MPI.IN_PLACE, out, op=MPI.MAX)
        return out

    def plating_current_nodal(self, sim: Simulation, itf: _Interface, phi_s: float) -> np.ndarray:
        """Scaled Butler–Volmer plating current at every vertex of an electrode polyline."""
        p = self.problem
        c = self.polyline_values(itf, self.layout.values(p.c)) + sim.params.c_fixed
        phi = self.polyline_values(itf, self.layout.values(p.phi))
        eta = phi_s - phi
        if sim.moving:
            eta = eta + sim.params.capillary * itf.curvature
        return plating_current(
            c,
            eta,
            exchange_current=sim.params.exchange_current,
            alpha_anodic=sim.params.alpha_anodic,
            alpha_cathodic=sim.params.alpha_cathodic,
        )

    def cell_voltage_scaled(self) -> float:
        """The global unknown V (shared by all ranks)."""
        arr = self.problem.v.x.array
        return self.mesh.comm.allreduce(arr[0] if arr.size else -np.inf, op=MPI.MAX)


class Simulation:
    """One run of the cell model. Use :func:`run`."""

    def __init__(self, cfg: Config, out_dir: Path, comm: MPI.Comm):
        self.cfg = cfg
        self.comm = comm
        self.out_dir = Path(out_dir)
        temperature = cfg.operation.temperature_K
        self.transport = materials.transport_properties(cfg.electrolyte, temperature)
        self.i0_A_per_m2 = materials.exchange_current_density(cfg.kinetics, temperature)
        self.scaling: Scaling = make_scaling(
            self.transport.salt_concentration_mol_per_m3,
            self.transport.diffusivity_cation_m2_per_s,
            temperature,
        )
        self.params: CellParameters = cell_parameters(
            self.scaling,
            diffusivity_cation_m2_per_s=self.transport.diffusivity_cation_m2_per_s,
            diffusivity_anion_m2_per_s=self.transport.diffusivity_anion_m2_per_s,
            exchange_current_density_A_per_m2=self.i0_A_per_m2,
            alpha_anodic=cfg.kinetics.alpha_anodic,
            alpha_cathodic=cfg.kinetics.alpha_cathodic,
            surface_energy_J_per_m2=cfg.kinetics.surface_energy_J_per_m2,
            molar_volume_m3_per_mol=cfg.kinetics.molar_volume_m3_per_mol,
        )
        self.counter_is_lithium = cfg.cell.counter_electrode == "lithium"
        self.galvanostatic = cfg.operation.mode == "galvanostatic"
        self.moving = bool(cfg.numerics.moving_boundary)
        self.periodic = cfg.cell.sides == "periodic"
        num = cfg.numerics
        self.solver_settings = SolverSettings(
            kind=num.solver,
            rtol=num.newton_rtol,
            atol=num.newton_atol,
            max_iterations=num.newton_max_iterations,
        )
        self.segments = schedule(protocol_steps(cfg), 1)
        self.t_end = self.segments[-1].end_s
        self.every_s = cfg.output.every_s or self.t_end / 40.0
        self.controller = StepController(
            dt_min_s=num.dt_min_s,
            dt_max_s=num.dt_max_s,
            growth_max=num.dt_growth_max,
            target_iterations=num.target_newton_iterations,
            max_change=num.max_concentration_change,
        )
        self.remesh_count = 0
        self.inventory_correction = 0.0
        self.li_plated_um = 0.0
        self.state: _MeshState | None = None
        self.segment_index = 0
        self.initial_mean_height_um = 0.0
        self.timings = {"solve": 0.0, "motion": 0.0, "remesh": 0.0, "output": 0.0}

    # -- set-up ---------------------------------------------------------------------------
    def resolved_config(self) -> dict:
        """Resolved config, versions and hash, as saved next to the results."""
        data = config_to_dict(self.cfg)
        data["_provenance"] = {
            "config_hash": config_hash(self.cfg),
            "versions": versions(),
            "mpi_ranks": self.comm.size,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        data["_derived"] = {
            k: {"value": v[0], "unit": v[1]}
            for k, v in materials.derived_quantities(self.cfg).items()
        }
        return data

    def initial_guess(self, current_A_per_m2: float) -> None:
        """Uniform salt, a 1-D ohmic + kinetic estimate of φ and V for the first Newton solve."""
        p = self.state.problem
        i_hat = current_A_per_m2 / self.scaling.current_A_per_m2
        prm = self.params
        p.c.x.array[:] = 1.0
        p.c_n.x.array[:] = 1.0
        p.c_nm1.x.array[:] = 1.0
        kappa = prm.d_cation * (1.0 + prm.c_fixed) + prm.d_anion
        bv = dict(
            exchange_current=prm.exchange_current,
            alpha_anodic=prm.alpha_anodic,
            alpha_cathodic=prm.alpha_cathodic,
        )
        thickness = self.cfg.cell.thickness_um
        if self.counter_is_lithium:
            phi_top = -overpotential_for_current(-i_hat, **bv)
        else:
            phi_top = 0.0
        y = self.state.layout.values(p.c) * 0 + self.state.mesh.geometry.x[:, 1]
        self.state.layout.set_values(p.phi, phi_top - i_hat * (thickness - y) / kappa)
        p.phi.x.scatter_forward()
        v0 = phi_top - i_hat * thickness / kappa + overpotential_for_current(i_hat, **bv)
        p.v.x.array[:] = v0

    def set_control(self, seg) -> float:
        """Load a protocol segment into the control constant; returns its SI value."""
        p = self.state.problem
        if self.galvanostatic:
            p.control.value = seg.current_density_A_per_m2 / self.scaling.current_A_per_m2
            return seg.current_density_A_per_m2
        p.control.value = seg.voltage_V / self.scaling.thermal_voltage_V
        return seg.voltage_V

    # -- metrics --------------------------------------------------------------------------
    def metrics(self) -> dict[str, float]:
        """All metric columns of the current state (collective)."""
        st = self.state
        out = st.observables.evaluate()
        s = self.scaling
        xy = st.anode.xy
        i_nodes = st.plating_current_nodal(self, st.anode, st.cell_voltage_scaled())
        c_nodes = st.polyline_values(st.anode, st.layout.values(st.problem.c)) + self.params.c_fixed
        width = self.cfg.cell.width_um
        mean_h = _mean_height(xy, width)
        tip = int(np.argmax(xy[:, 1]))
        # mean plating current per unit of actual surface (not of projected width)
        i_mean = out["current_density_A_per_m2"] / s.current_A_per_m2 * width / polyline_length(xy)
        out.update(
            {
                "c_anode_min_mol_per_m3": float(c_nodes.min()) * s.concentration_mol_per_m3,
                "i_anode_max_A_per_m2": float(i_nodes.max()) * s.current_A_per_m2,
                "i_anode_min_A_per_m2": float(i_nodes.min()) * s.current_A_per_m2,
                "li_plated_um": self.li_plated_um,
                "tip_height_um": float(xy[:, 1].max()) - self.initial_mean_height_um,
                "mean_height_um": mean_h - self.initial_mean_height_um,
                "roughness_rms_um": _rms_height(xy, width, mean_h),
                "tip_current_ratio": float(i_nodes[tip] / i_mean) if abs(i_mean) > 0 else np.nan,
                "anode_length_ratio": polyline_length(xy) / width,
                "min_element_quality": min_quality(st.mesh),
                "remesh_count": self.remesh_count,
                "remesh_inventory_correction": self.inventory_correction,
            }
        )
        if st.counter is not None:
            out["counter_mean_height_um"] = _mean_height(st.counter.xy, width)
        return out

    # -- output ---------------------------------------------------------------------------
    def frame(self, time_s: float, step: int) -> FrameData | None:
        """Gather the fields on rank 0 as a frame (collective)."""
        st = self.state
        p = st.problem
        s = self.scaling
        flux, cur = st.observables.vector_fields()
        lay = st.layout
        vector_nodes = dolfinx.fem.Function(p.W)

        def nodes_of(arr):
            vector_nodes.x.array[:] = arr
            return lay.values(vector_nodes)

        if self.cfg.output.vtx:
            self._write_vtx(time_s, flux, cur)
        c = lay.values(p.c)
        arrays = {
            "c_cation_mol_per_m3": (c + self.params.c_fixed) * s.concentration_mol_per_m3,
            "c_anion_mol_per_m3": c * s.concentration_mol_per_m3,
            "potential_V": lay.values(p.phi) * s.thermal_voltage_V,
            "flux_cation_mol_per_m2_s": nodes_of(flux),
            "current_density_A_per_m2": nodes_of(cur),
        }
        data = lay.gather(arrays)
        cell_tag_values = np.full(lay.num_owned_cells, tags.ELECTROLYTE, dtype=np.int32)
        ct = st.cell_tags
        owned = ct.indices < lay.num_owned_cells
        cell_tag_values[ct.indices[owned]] = ct.values[owned]
        cell_tags_all = lay.gather_cells(cell_tag_values)
        facets, facet_values = self._tagged_facets()
        if data is None:
            return None
        boundaries = {"anode": st.anode.xy}
        if st.counter is not None:
            boundaries["counter"] = st.counter.xy
        return FrameData(
            time_s=time_s,
            step=step,
            segment=self.remesh_count,
            points_um=data["points"],
            triangles=data["cells"],
            cell_tags=cell_tags_all,
            point_data={k: data[k] for k in arrays},
            boundaries=boundaries,
            facets=facets,
            facet_tags=facet_values,
            meta={
                "title": self.cfg.title,
                "width_um": self.cfg.cell.width_um,
                "thickness_um": self.cfg.cell.thickness_um,
                "counter_electrode": self.cfg.cell.counter_electrode,
                "temperature_K": self.cfg.operation.temperature_K,
                "preset": self.cfg.electrolyte.preset,
                "initial_anode_y_um": 0.0,
            },
        )

    def _write_vtx(self, time_s: float, flux: np.ndarray, current: np.ndarray) -> None:
        """Append the fields to this mesh segment's VTX file (ADIOS2, all ranks write)."""
        st = self.state
        p = st.problem
        s = self.scaling
        if st.vtx is None:
            fn = dolfinx.fem.Function
            st.vtx_fields = {
                "c_cation_mol_per_m3": fn(p.V, name="c_cation_mol_per_m3"),
                "c_anion_mol_per_m3": fn(p.V, name="c_anion_mol_per_m3"),
                "potential_V": fn(p.V, name="potential_V"),
                "flux_cation_mol_per_m2_s": fn(p.W, name="flux_cation_mol_per_m2_s"),
                "current_density_A_per_m2": fn(p.W, name="current_density_A_per_m2"),
            }
            path = self.out_dir / f"fields_seg{self.remesh_count:03d}.bp"
            policy = dolfinx.io.VTXMeshPolicy.update if self.moving else None
            kwargs = {"mesh_policy": policy} if policy is not None else {}
            st.vtx = dolfinx.io.VTXWriter(
                self.comm, str(path), list(st.vtx_fields.values()), engine="BP4", **kwargs
            )
        f = st.vtx_fields
        c0 = s.concentration_mol_per_m3
        f["c_cation_mol_per_m3"].x.array[:] = (p.c.x.array + self.params.c_fixed) * c0
        f["c_anion_mol_per_m3"].x.array[:] = p.c.x.array * c0
        f["potential_V"].x.array[:] = p.phi.x.array * s.thermal_voltage_V
        f["flux_cation_mol_per_m2_s"].x.array[:] = flux
        f["current_density_A_per_m2"].x.array[:] = current
        st.vtx.write(time_s)

    def close_output(self, state: _MeshState | None = None) -> None:
        """Close the VTX file of a mesh segment (collective)."""
        st = state or self.state
        if st is not None and st.vtx is not None:
            st.vtx.close()
            st.vtx = None

    def _tagged_facets(self):
        """Tagged facets as global node pairs, gathered on rank 0 (collective)."""
        st = self.state
        mesh = st.mesh
        fdim = mesh.topology.dim - 1
        mesh.topology.create_connectivity(fdim, 0)
        f2v = mesh.topology.connectivity(fdim, 0)
        nfo = mesh.topology.index_map(fdim).size_local
        idx = st.facet_tags.indices
        keep = idx < nfo
        idx, vals = idx[keep], st.facet_tags.values[keep]
        # vertex -> geometry node through the cells
        c2v = mesh.topology.connectivity(mesh.topology.dim, 0).array.reshape(-1, 3)
        v2n = np.empty(
            mesh.topology.index_map(0).size_local + mesh.topology.index_map(0).num_ghosts,
            dtype=np.int64,
        )
        v2n[c2v.ravel()] = mesh.geometry.dofmaps[0].ravel()
        pairs = np.array([f2v.links(f) for f in idx], dtype=np.int64).reshape(-1, 2)
        gpairs = st.layout.global_ids[v2n[pairs]] if len(pairs) else pairs
        parts = mesh.comm.gather((gpairs, vals), root=0)
        if mesh.comm.rank != 0:
            return None, None
        return (
            np.concatenate([p[0] for p in parts]).astype(np.int64),
            np.concatenate([p[1] for p in parts]).astype(np.int32),
        )

    # -- moving boundary ------------------------------------------------------------------
    def boundary_steps(self, dt_hat: float) -> dict[str, np.ndarray]:
        """Displacement of every electrode polyline vertex over the coming step (µm).

        Explicit in time: the Butler–Volmer current of the current state, v_n = iΩ/F. In a
        galvanostatic cell the nodal currents are first shifted so that their mean is the
        current now applied (it may just have changed: plating → stripping). Then every
        electrode gets a uniform shift along y so that the area it sweeps equals exactly the Li
        volume Ω/F·∫ i ds·Δt: the deposit stays consistent with the charge passed.
        """
        st = self.state
        width = self.cfg.cell.width_um
        applied = float(st.problem.control.value) if self.galvanostatic else None
        out = {}
        for name, itf, phi_s, side, sign in (
            ("anode", st.anode, st.cell_voltage_scaled(), +1, +1.0),
            ("counter", st.counter, 0.0, -1, -1.0),
        ):
            if itf is None:
                continue
            i_p = st.plating_current_nodal(self, itf, phi_s)
            mean = _boundary_integral(itf.xy, i_p) / width
            if applied is not None:
                i_p = i_p + (sign * applied - mean) * width / polyline_length(itf.xy)
            step = self.params.front_speed * dt_hat * i_p
            d = boundary_displacement(step, itf.normals)
            # slide the vertices along the moved surface back to the relative arc-length spacing
            # they had: only the normal motion is physical, and a surface that shrinks locally
            # (a filling valley) would otherwise squeeze its vertices together
            d = _keep_spacing(itf.xy, itf.xy + d) - itf.xy
            target = side * _boundary_integral(itf.xy, step)  # swept area, signed as ∫ y dx
            d[:, 1] += (target - (_area_under(itf.xy + d) - _area_under(itf.xy))) / width
            if self.periodic:  # the two ends are one point of a periodic surface
                d[0] = d[-1] = 0.5 * (d[0] + d[-1])
            out[name] = d
        return out

    def apply_motion(self, steps: dict[str, np.ndarray], dt_hat: float) -> None:
        """Move the electrode nodes by ``steps`` and the rest of the mesh with them (ALE)."""
        st = self.state
        itfs = {"anode": st.anode, "counter": st.counter}
        nodes = [itfs[k].nodes for k in steps]
        disp = [steps[k][itfs[k].to_poly] for k in steps]
        if self.periodic:
            # wall nodes move with the electrode ends, linearly in between: both walls alike
            side = st.mover.side_nodes
            y = st.mesh.geometry.x[side, 1]
            y_a, d_a = st.anode.xy[0, 1], steps["anode"][0]
            if "counter" in steps:
                y_c, d_c = st.counter.xy[0, 1], steps["counter"][0]
            else:
                y_c, d_c = self.cfg.cell.thickness_um, np.zeros(2)
            f = np.clip((y - y_a) / (y_c - y_a), 0.0, 1.0)[:, None]
            nodes.append(side)
            disp.append((1.0 - f) * d_a + f * d_c)
        nodes = np.concatenate(nodes)
        disp = np.concatenate(disp)
        u = st.mover.solve(nodes, disp)
        st.problem.disp1.x.array[:] = u.x.array
        # the electrolyte is displaced as a whole by the mean growth of the anode
        shift = _area_under(st.anode.xy + steps["anode"]) - _area_under(st.anode.xy)
        st.problem.electrolyte_velocity.value[:] = (0.0, shift / self.cfg.cell.width_um / dt_hat)
        st.mover.move(u)
        st.refresh_interfaces(self)

    def undo_motion(self) -> None:
        """Move the mesh back after a rejected step."""
        st = self.state
        st.mover.move(st.problem.disp1, sign=-1.0)
        st.problem.disp1.x.array[:] = 0.0
        st.refresh_interfaces(self)

    def remeshed_state(
        self, anode_xy: np.ndarray, counter_xy: np.ndarray | None, max_step_um: float
    ) -> _MeshState:
        """A new mesh bounded by the given electrode polylines, with the fields transferred.

        The salt is renormalised so that the mobile-anion inventory, which the model conserves
        exactly, is unchanged; the relative correction is kept in ``inventory_correction``.
        """
        cfg = self.cfg
        old = self.state
        h = cfg.mesh.size_at_anode_um
        anode_xy = _clean_front(anode_xy, h)
        if counter_xy is None:
            w, t = cfg.cell.width_um, cfg.cell.thickness_um
            counter_xy = resample_polyline(np.array([[0.0, t], [w, t]]), cfg.mesh.size_bulk_um)
        else:
            counter_xy = _clean_front(counter_xy, h)
        cell_mesh = build_cell(
            self.comm,
            anode_xy,
            counter_xy,
            size_at_anode_um=h,
            size_bulk_um=cfg.mesh.size_bulk_um,
            grading_distance_um=cfg.mesh.grading_distance_um,
            refine_counter=self.counter_is_lithium,
            periodic=self.periodic,
        )
        new = _MeshState(self, cell_mesh)
        # New nodes lie inside the old mesh or at most one boundary step outside it.
        padding = 1.5 * max_step_um + 1e-3 * h
        _transfer([(new.problem.c, old.problem.c), (new.problem.phi, old.problem.phi)], padding)
        new.problem.v.x.array[:] = old.cell_voltage_scaled()
        new.problem.control.value = old.problem.control.value
        before = old.observables.integrals()["anion"]
        after = new.observables.integrals()["anion"]
        ratio = before / after
        c = new.problem.c.x.array
        c[:] = (c + self.params.c_fixed) * ratio - self.params.c_fixed
        new.problem.c_n.x.array[:] = c
        new.problem.c_nm1.x.array[:] = c
        new.pending_correction = ratio - 1.0
        return new

    def _remesh_threshold(self) -> float:
        """Element quality below which the mesh is rebuilt.

        ``numerics.remesh_min_quality``, or 90 % of the quality the mesh had when it was made if
        that is lower, so that a fresh mesh is never remeshed at once.
        """
        return min(self.cfg.numerics.remesh_min_quality, 0.9 * self.state.fresh_quality)

    def short_circuit(self) -> bool:
        """True when the anode comes within the configured distance of the counter electrode."""
        st = self.state
        top = (
            st.counter.xy
            if st.counter is not None
            else np.array(
                [
                    [0.0, self.cfg.cell.thickness_um],
                    [self.cfg.cell.width_um, self.cfg.cell.thickness_um],
                ]
            )
        )
        gap = _min_distance(st.anode.xy, top)
        return gap < self.cfg.numerics.short_circuit_distance_um

    # -- the time loop --------------------------------------------------------------------
    def run(self) -> RunResult:
        """Run the whole protocol."""
        cfg = self.cfg
        t_wall = time.perf_counter()
        recorder = Recorder(self.out_dir, self.comm, self.resolved_config())
        try:
            result = self._run(recorder)
        except (SolverError, GeometryError) as err:
            result = RunResult("failed", str(err), math.nan, 0, self.out_dir)
        except Exception as err:
            recorder.write_status("failed", reason=f"{type(err).__name__}: {err}")
            recorder.close()
            raise
        self.close_output()
        result.info.setdefault("wall_time_s", time.perf_counter() - t_wall)
        result.info.setdefault("timings_s", dict(self.timings))
        recorder.write_status(
            result.status,
            reason=result.reason,
            time_s=result.time_s,
            steps=result.steps,
            remesh_count=self.remesh_count,
            config_hash=config_hash(cfg),
            **result.info,
        )
        recorder.close()
        log.info(
            "%s: %s (t = %.4g s, %d steps)",
            result.status,
            result.reason,
            result.time_s,
            result.steps,
        )
        return result

    def _run(self, rec: Recorder) -> RunResult:
        cfg = self.cfg
        s = self.scaling
        t_mesh = time.perf_counter()
        self.state = _MeshState(self, cell_from_config(self.comm, cfg))
        self.initial_mean_height_um = _mean_height(self.state.anode.xy, cfg.cell.width_um)
        log.info(
            "mesh: %d cells, %d vertices (%.2f s)",
            self.state.mesh.topology.index_map(2).size_global,
            self.state.mesh.topology.index_map(0).size_global,
            time.perf_counter() - t_mesh,
        )
        first = self.segments[0]
        i_guess = first.current_density_A_per_m2 if self.galvanostatic else 0.0
        self.initial_guess(i_guess or 0.0)
        t = 0.0
        step = 0
        dt = cfg.numerics.dt_initial_s
        dt_prev = None
        next_output = 0.0
        order = 1
        threshold = cfg.operation.depletion_threshold * s.concentration_mol_per_m3
        prev_metrics = None
        last_progress = -math.inf
        # t = 0: solve the initial (consistent) state with a tiny step so that φ and V match.
        self.set_control(first)
        ok, _, _ = self._solve_step(cfg.numerics.dt_min_s, None, order=1, move=False)
        if not ok:
            raise SolverError(
                "could not find a consistent initial state (Newton diverged at t = 0)"
            )
        self.state.problem.accept()
        m = self.metrics()
        m.update(time_s=0.0, dt_s=0.0, step=0, newton_iterations=0)
        rec.metrics(m)
        rec.frame(self.frame(0.0, 0))
        next_output = self.every_s
        prev_metrics = m
        eps = 1e-12 * self.t_end
        while t < self.t_end - eps:
            k = segment_at(self.segments, t, eps)
            seg = self.segments[k]
            self.set_control(seg)
            if k != self.segment_index:
                self.segment_index = k
                order, dt_prev = 1, None  # restart BDF at a jump of the control
                dt = min(dt, cfg.numerics.dt_initial_s)  # and resolve the new transient
            dt = min(dt, cfg.numerics.dt_max_s, self._motion_dt_limit())
            dt = _land_on(t, dt, min(seg.end_s, next_output), eps)
            ok, its, remeshed = self._solve_step(dt, dt_prev, order=order, move=self.moving)
            if not ok:
                dt = self.controller.after_failure(dt)
                if dt < cfg.numerics.dt_min_s:
                    return RunResult(
                        "failed",
                        f"time step fell below numerics.dt_min_s = {cfg.numerics.dt_min_s:g} s "
                        f"at t = {t:.6g} s (Newton did not converge)",
                        t,
                        step,
                        self.out_dir,
                    )
                continue
            change = self._max_change()
            p = self.state.problem
            p.accept()
            t += dt
            step += 1
            m = self.metrics()
            self.li_plated_um += (
                dt * m["current_density_A_per_m2"] * cfg.kinetics.molar_volume_m3_per_mol / F * 1e6
            )
            m.update(
                time_s=t, dt_s=dt, step=step, newton_iterations=its, li_plated_um=self.li_plated_um
            )
            rec.metrics(m)
            if abs(t - next_output) <= eps or t >= next_output:
                t0 = time.perf_counter()
                rec.frame(self.frame(t, step))
                self.timings["output"] += time.perf_counter() - t0
                next_output = min(next_output + self.every_s, self.t_end)
            now = time.perf_counter()
            if now - last_progress >= cfg.output.progress_every_s:
                last_progress = now
                log.info(
                    "t = %-10.4g s (%5.1f%%)  dt = %-9.3g s  Newton %2d  V = %+.4f V  "
                    "c_min = %.4g mol/m3%s",
                    t,
                    100 * t / self.t_end,
                    dt,
                    its,
                    m["cell_voltage_V"],
                    m["c_anode_min_mol_per_m3"],
                    f"  tip = {m['tip_height_um']:.3f} um" if self.moving else "",
                )
            # events
            if cfg.operation.stop_on_depletion and m["c_anode_min_mol_per_m3"] < threshold:
                t_dep = _crossing_time(prev_metrics, m, threshold)
                rec.frame(self.frame(t, step))
                return RunResult(
                    "depleted",
                    f"Li+ at the plating surface fell below {threshold:.4g} mol/m3",
                    t,
                    step,
                    self.out_dir,
                    {"depletion_time_s": t_dep},
                )
            if self.moving:
                if self.short_circuit():
                    rec.frame(self.frame(t, step))
                    return RunResult(
                        "short_circuit",
                        "the Li deposit reached the counter electrode",
                        t,
                        step,
                        self.out_dir,
                        {"short_circuit_time_s": t},
                    )
            dt_prev, order = dt, (2 if cfg.numerics.time_scheme == "bdf2" else 1)
            dt = self.controller.next_dt(dt, its, change)
            prev_metrics = m
        return RunResult("completed", "protocol finished", t, step, self.out_dir)

    def _solve_step(self, dt: float, dt_prev: float | None, *, order: int, move: bool):
        """Attempt one step; returns (converged, Newton iterations, remeshed).

        With a moving boundary the electrodes are first advanced explicitly and the mesh follows
        (ALE). If that would fold the front over itself or degrade the mesh below the remesh
        threshold, the cell is remeshed at the new boundary position instead (loops cut out) and
        the fields are transferred. On failure everything is left as before the attempt.
        """
        s = self.scaling
        dt_hat = dt / s.time_s
        old_state = self.state
        remeshed = False
        if move:
            t0 = time.perf_counter()
            steps = self.boundary_steps(dt_hat)
            st = self.state
            moved = {"anode": st.anode.xy + steps["anode"]}
            if "counter" in steps:
                moved["counter"] = st.counter.xy + steps["counter"]
            untangled, loops = remove_loops(moved["anode"])
            if loops == 0:
                self.apply_motion(steps, dt_hat)
                if min_quality(st.mesh) < self._remesh_threshold():
                    self.undo_motion()
                    remeshed = True
            else:
                remeshed = True
            self.timings["motion"] += time.perf_counter() - t0
            if remeshed:
                t0 = time.perf_counter()
                max_step = max(float(np.abs(d).max()) for d in steps.values())
                self.state = self.remeshed_state(untangled, moved.get("counter"), max_step)
                self.timings["remesh"] += time.perf_counter() - t0
                order, dt_prev = 1, None
        p = self.state.problem
        p.save()
        p.set_bdf(order, dt_hat, None if dt_prev is None else dt_prev / s.time_s)
        t0 = time.perf_counter()
        ok, its = p.solve()
        self.timings["solve"] += time.perf_counter() - t0
        if not ok:
            p.restore()
            if remeshed:
                self.state = old_state
            elif move:
                self.undo_motion()
        elif remeshed:
            self.close_output(old_state)
            self.remesh_count += 1
            self.inventory_correction = self.state.pending_correction
            log.info(
                "remesh %d: %d cells, salt inventory correction %.2e",
                self.remesh_count,
                self.state.mesh.topology.index_map(2).size_global,
                self.inventory_correction,
            )
        return ok, its, remeshed

    def _max_change(self) -> float:
        p = self.state.problem
        local = np.max(np.abs(p.c.x.array - p.c_n.x.array)) if p.c.x.array.size else 0.0
        return self.comm.allreduce(local, op=MPI.MAX)

    def _motion_dt_limit(self) -> float:
        """Cap dt for the explicit boundary motion.

        The non-uniform part of the boundary velocity (what changes the shape) may move a point by
        at most a fifth of the anode mesh size per step; the uniform part (a translation the
        mesh follows rigidly) by at most two mesh sizes.
        """
        if not self.moving or self.state is None:
            return math.inf
        st = self.state
        i_p = st.plating_current_nodal(self, st.anode, st.cell_voltage_scaled())
        to_um_per_s = self.params.front_speed / self.scaling.time_s
        h = self.cfg.mesh.size_at_anode_um
        limits = [math.inf]
        spread = float(np.max(np.abs(i_p - i_p.mean()))) * to_um_per_s
        peak = float(np.max(np.abs(i_p))) * to_um_per_s
        if spread > 0:
            limits.append(0.2 * h / spread)
        if peak > 0:
            limits.append(2.0 * h / peak)
        return min(limits)


def boundary_displacement(normal_step_um: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Displacement of boundary vertices that advances them by ``normal_step_um`` along ``normals``.

    Only the normal component is physical. Where the surface is a graph over x (|n_y| large) the
    vertices move vertically, so they keep their x positions and do not drift along the surface
    (which would bunch them in valleys and spread them on crests); where the surface is steep
    they move along the normal. The two are blended smoothly for 0.3 < |n_y| < 0.7.
    """
    ny = normals[:, 1]
    w = np.clip((np.abs(ny) - 0.3) / 0.4, 0.0, 1.0)
    along_normal = normal_step_um[:, None] * normals
    vertical = np.zeros_like(normals)
    safe = np.where(np.abs(ny) > 1e-12, ny, 1.0)
    vertical[:, 1] = normal_step_um / safe
    return (1.0 - w)[:, None] * along_normal + w[:, None] * vertical


def _area_under(xy: np.ndarray) -> float:
    """Signed area ∫ y dx between a polyline and y = 0 (valid for overhanging fronts too)."""
    return float(np.sum(0.5 * (xy[1:, 1] + xy[:-1, 1]) * np.diff(xy[:, 0])))


def _boundary_integral(xy: np.ndarray, values: np.ndarray) -> float:
    """∫ f ds along a polyline for vertex values f (trapezoid rule)."""
    ds = np.hypot(*np.diff(xy, axis=0).T)
    return float(np.sum(0.5 * (values[1:] + values[:-1]) * ds))


def _arc_fraction(xy: np.ndarray) -> np.ndarray:
    """Cumulative arc length along a polyline, from 0 at the first vertex to 1 at the last."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return s / s[-1]


def _keep_spacing(old_xy: np.ndarray, moved_xy: np.ndarray) -> np.ndarray:
    """Vertices placed on the moved polyline at the relative arc lengths of the old one.

    A moved polyline that folds over itself is returned unchanged (the loop is cut later).
    """
    if first_self_intersection(moved_xy) is not None:
        return moved_xy
    s_new = _arc_fraction(moved_xy)
    if np.any(np.diff(s_new) <= 0.0):
        return moved_xy
    target = _arc_fraction(old_xy)
    out = np.column_stack(
        [np.interp(target, s_new, moved_xy[:, 0]), np.interp(target, s_new, moved_xy[:, 1])]
    )
    out[0], out[-1] = moved_xy[0], moved_xy[-1]
    return out


def _clean_front(xy: np.ndarray, spacing_um: float) -> np.ndarray:
    """A front polyline ready for meshing: uniform spacing, no loops, same area under it.

    Resampling cuts across convex arcs and fills concave ones; a uniform shift along y restores
    the area (the Li volume), and loops that resampling may create are cut out.
    """
    area = _area_under(xy)
    out = resample_polyline(xy, spacing_um, corner_angle_deg=179.0)
    out, _ = remove_loops(out)
    out[:, 1] += (area - _area_under(out)) / (xy[-1, 0] - xy[0, 0])
    return out


def _land_on(t: float, dt: float, target: float, eps: float) -> float:
    """Shorten ``dt`` so that steps land exactly on ``target`` without a sliver step before it."""
    remaining = target - t
    if dt >= remaining - eps:
        return remaining
    if dt > 0.5 * remaining:
        return 0.5 * remaining
    return dt


def _transfer(pairs, padding: float) -> None:
    """Interpolate P1 fields onto a non-matching mesh (collective).

    ``pairs`` are (new, old) functions; all new ones share one mesh and element, and so do the old
    ones, so the point location is done once.
    """
    f_new, f_old = pairs[0]
    V_new = f_new.function_space
    mesh_new = V_new.mesh
    cells = np.arange(mesh_new.topology.index_map(mesh_new.topology.dim).size_local, dtype=np.int32)
    data = dolfinx.fem.create_interpolation_data(
        V_new, f_old.function_space, cells, padding=padding
    )
    for f_new, f_old in pairs:
        f_new.interpolate_nonmatching(f_old, cells, data)
        f_new.x.scatter_forward()


def _mean_height(xy: np.ndarray, width: float) -> float:
    return float(np.trapezoid(xy[:, 1], xy[:, 0]) / width)


def _rms_height(xy: np.ndarray, width: float, mean: float) -> float:
    return float(np.sqrt(max(np.trapezoid((xy[:, 1] - mean) ** 2, xy[:, 0]) / width, 0.0)))


def _min_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest distance from the vertices of polyline ``a`` to the segments of polyline ``b``."""
    p0, p1 = b[:-1], b[1:]
    d = p1 - p0
    L2 = np.maximum((d**2).sum(axis=1), 1e-300)
    best = np.inf
    for pt in a:
        tt = np.clip(((pt - p0) * d).sum(axis=1) / L2, 0.0, 1.0)
        proj = p0 + tt[:, None] * d
        best = min(best, float(np.sqrt(((proj - pt) ** 2).sum(axis=1)).min()))
    return best


def _crossing_time(before: dict | None, after: dict, threshold: float) -> float:
    """Time at which c_anode_min crossed ``threshold`` (linear interpolation between steps)."""
    if before is None:
        return after["time_s"]
    c0, c1 = before["c_anode_min_mol_per_m3"], after["c_anode_min_mol_per_m3"]
    t0, t1 = before["time_s"], after["time_s"]
    if c0 == c1:
        return t1
    return t0 + (c0 - threshold) / (c0 - c1) * (t1 - t0)


def run(cfg: Config, out_dir: Path | None = None, comm: MPI.Comm = MPI.COMM_WORLD) -> RunResult:
    """Run one configured case and write its results to ``out_dir`` (default ``output.dir``)."""
    out = Path(out_dir) if out_dir is not None else Path(cfg.output.dir)
    return Simulation(cfg, out, comm).run()
