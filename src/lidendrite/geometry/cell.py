"""The 2-D cell mesh: Gmsh geometry from the electrode polylines, converted to DOLFINx.

The electrolyte fills the region between the anode polyline (bottom) and the counter-electrode
polyline (top); the two vertical side walls join their end points. Lengths are in µm and the mesh
coordinates are in µm. Every vertex of the two electrode polylines becomes a mesh node and no
other node is placed on them (each segment is one mesh facet), so resample a polyline
(:func:`resample_polyline`) to the wanted boundary resolution before meshing. The interior and
the side walls follow a size field graded from the anode.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gmsh
import numpy as np

from lidendrite.errors import ConfigError, GeometryError
from lidendrite.fem import dolfinx
from lidendrite.geometry import tags
from lidendrite.geometry.anode import anode_profile_from_config, counter_profile
from lidendrite.geometry.far_field import (
    far_counter_spacing_um,
    far_field_of,
    far_field_size_field,
    membrane_thickness_um,
)
from lidendrite.geometry.filler_mesh import graded_size_field, mesh_cell_with_fillers
from lidendrite.geometry.fillers import Shape, check_shapes, resolve_shapes, shapes_from_dicts
from lidendrite.geometry.polyline import check_cell_polylines, resample_polyline, snap_to_grid

if TYPE_CHECKING:
    from mpi4py import MPI

    from lidendrite.config import Config

__all__ = ["CellMesh", "build_cell", "cell_from_config", "resample_polyline"]

#: Environment variable that, when set to a non-empty value other than "0", lets Gmsh print.
GMSH_VERBOSE_ENV = "LIDENDRITE_GMSH_VERBOSE"

_model_counter = itertools.count()


@dataclass
class CellMesh:
    """A meshed cell.

    Attributes:
        mesh: Triangle mesh of the electrolyte (coordinates in µm, ``gdim = 2``).
        cell_tags: Cell tags (``tags.ELECTROLYTE``).
        facet_tags: Facet tags (``tags.ANODE``, ``tags.COUNTER``, ``tags.LEFT``, ``tags.RIGHT``)
            on the owned and ghost facets of each rank.
        source: The :func:`build_cell` arguments that mesh this cell again, on any number of
            ranks (the polylines on the Gmsh grid): checkpoints keep it instead of the mesh.
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: dolfinx.mesh.MeshTags
    facet_tags: dolfinx.mesh.MeshTags
    source: dict[str, Any] | None = None


_GMSH_OPTIONS = {
    "General.Terminal": 0,
    "General.NumThreads": 1,
    "Mesh.Algorithm": 6,  # Frontal-Delaunay
    "Mesh.ElementOrder": 1,
    "Mesh.RecombineAll": 0,
    "Mesh.MeshSizeExtendFromBoundary": 0,
    "Mesh.MeshSizeFromPoints": 0,
    "Mesh.MeshSizeFromCurvature": 0,
}


def _rearm_signal_handlers() -> None:
    """Reinstall Python's SIGTERM/SIGINT handlers (Gmsh's initialisation replaces them)."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            handler = signal.getsignal(sig)
            if handler is not None:
                signal.signal(sig, handler)


def _gmsh_verbose() -> bool:
    return os.environ.get(GMSH_VERBOSE_ENV, "") not in ("", "0")


_graded_size_field = graded_size_field


def _mesh_with_gmsh(
    anode: np.ndarray,
    counter: np.ndarray,
    size_at_anode_um: float,
    size_bulk_um: float,
    grading_distance_um: float,
    refine_counter: bool,
    periodic: bool = False,
    wrap_size_field: Callable[[int, list[int]], int] | None = None,
) -> None:
    """Build and mesh the cell in the current Gmsh model (rank 0 only)."""
    geo = gmsh.model.geo
    anode_points = [geo.addPoint(float(x), float(y), 0.0) for x, y in anode]
    counter_points = [geo.addPoint(float(x), float(y), 0.0) for x, y in counter]
    anode_lines = [geo.addLine(a, b) for a, b in itertools.pairwise(anode_points)]
    right = geo.addLine(anode_points[-1], counter_points[-1])
    counter_lines = [geo.addLine(b, a) for a, b in itertools.pairwise(counter_points)][::-1]
    left = geo.addLine(counter_points[0], anode_points[0])
    loop = geo.addCurveLoop(anode_lines + [right] + counter_lines + [left])
    surface = geo.addPlaneSurface([loop])
    geo.synchronize()

    # One mesh facet per electrode polyline segment.
    for line in anode_lines + counter_lines:
        gmsh.model.mesh.setTransfiniteCurve(line, 2)

    model = gmsh.model
    model.addPhysicalGroup(2, [surface], tags.ELECTROLYTE, name=tags.CELL_NAMES[tags.ELECTROLYTE])
    model.addPhysicalGroup(1, anode_lines, tags.ANODE, name=tags.FACET_NAMES[tags.ANODE])
    model.addPhysicalGroup(1, counter_lines, tags.COUNTER, name=tags.FACET_NAMES[tags.COUNTER])
    model.addPhysicalGroup(1, [left], tags.LEFT, name=tags.FACET_NAMES[tags.LEFT])
    model.addPhysicalGroup(1, [right], tags.RIGHT, name=tags.FACET_NAMES[tags.RIGHT])

    field = _graded_size_field(anode_lines, size_at_anode_um, size_bulk_um, grading_distance_um)
    if refine_counter:
        near_counter = _graded_size_field(
            counter_lines, size_at_anode_um, size_bulk_um, grading_distance_um
        )
        smallest = model.mesh.field.add("Min")
        model.mesh.field.setNumbers(smallest, "FieldsList", [field, near_counter])
        field = smallest
    if wrap_size_field is not None:
        field = wrap_size_field(field, counter_lines)
    model.mesh.field.setAsBackgroundMesh(field)
    if periodic:
        # the right wall is the left wall translated by W: matching nodes on both
        width = float(anode[-1, 0] - anode[0, 0])
        translation = [1, 0, 0, width, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
        model.mesh.setPeriodic(1, [right], [left], translation)

    model.mesh.generate(2)
    element_types, _, _ = model.mesh.getElements(2)
    if len(element_types) == 0:
        raise RuntimeError("Gmsh produced no triangles")


def build_cell(
    comm: MPI.Comm,
    anode_xy_um: np.ndarray,
    counter_xy_um: np.ndarray,
    *,
    size_at_anode_um: float,
    size_bulk_um: float,
    grading_distance_um: float,
    refine_counter: bool = False,
    periodic: bool = False,
    grid_um: float | None = None,
    fillers: Sequence[Mapping[str, Any] | Shape] | None = None,
    window_um: float | None = None,
    far_field_max_size_um: float | None = None,
) -> CellMesh:
    """Mesh the electrolyte between an anode and a counter-electrode polyline (collective).

    Gmsh runs on rank 0 and the mesh is distributed over ``comm``. The element size is
    ``size_at_anode_um`` at the anode, growing linearly with the distance from it to
    ``size_bulk_um`` at ``grading_distance_um``; with ``refine_counter`` the same grading is
    applied from the counter electrode (the smaller size wins). The electrode polylines are
    meshed exactly as given (one facet per segment). Gmsh is silent unless the environment
    variable ``LIDENDRITE_GMSH_VERBOSE`` is set. The function can be called any number of times
    in one process; it initialises (and then finalises) Gmsh only if it is not initialised yet,
    and restores the Gmsh options it changes.

    Args:
        comm: Communicator of the mesh.
        anode_xy_um: Anode vertices ``(K, 2)`` from ``(0, y_a0)`` to ``(W, y_aK)`` (µm),
            identical on all ranks.
        counter_xy_um: Counter-electrode vertices ``(M, 2)`` from ``(0, y_c0)`` to
            ``(W, y_cM)`` (µm), identical on all ranks.
        size_at_anode_um: Element size at the anode (µm).
        size_bulk_um: Element size far from the anode (µm).
        grading_distance_um: Distance from the anode over which the size grows (µm).
        refine_counter: Also refine towards the counter electrode.
        periodic: Mesh the right wall as a translated copy of the left wall (matching nodes),
            for periodic side conditions; each polyline must start and end at the same height.
        grid_um: Round the polylines to this grid first (remeshing passes
            :data:`~lidendrite.geometry.polyline.GMSH_GRID_UM`: polylines computed from a
            solution carry partition-dependent round-off that Gmsh would amplify). The initial
            cell, computed from the config alike on every rank, is meshed as given.
        fillers: Filler shapes (:class:`~lidendrite.geometry.fillers.Shape` or their
            :meth:`~lidendrite.geometry.fillers.Shape.to_dict`), meshed exactly: conducting ones
            as regions tagged with their material, blocking ones as holes whose boundary has
            the facet tag :data:`~lidendrite.geometry.tags.FILLERS`. None: the cell as before.
        window_um: With a counter electrode above it, the top of the meshed window: above it
            the element size grows to ``far_field_max_size_um`` (:mod:`~lidendrite.geometry.
            far_field`, a thick membrane). None: the sizes above hold up to the counter.
        far_field_max_size_um: Largest element size of the far field (µm).

    Returns:
        The mesh with its cell and facet tags.

    Raises:
        GeometryError: The polylines cross or touch, the side walls are not vertical, a size is
            not positive, or Gmsh fails.
    """
    anode = np.asarray(anode_xy_um, dtype=np.float64)
    counter = np.asarray(counter_xy_um, dtype=np.float64)
    if grid_um is not None:
        anode, counter = snap_to_grid(anode, grid_um), snap_to_grid(counter, grid_um)
    for name, value in (
        ("size_at_anode_um", size_at_anode_um),
        ("size_bulk_um", size_bulk_um),
        ("grading_distance_um", grading_distance_um),
    ):
        if not (math.isfinite(value) and value > 0.0):
            raise GeometryError(f"{name} must be a positive number, got {value!r}")
    check_cell_polylines(anode, counter)
    if periodic:
        tol = 1e-9 * max(1.0, float(np.ptp(anode[:, 0])))
        for name, line in (("anode", anode), ("counter electrode", counter)):
            if abs(line[0, 1] - line[-1, 1]) > tol:
                raise GeometryError(
                    f"periodic sides: the {name} must end at the height it starts "
                    f"({line[0, 1]:.6g} um at x = 0, {line[-1, 1]:.6g} um at x = W)"
                )

    shapes = shapes_from_dicts(fillers or ())
    if shapes:
        check_shapes(
            shapes, float(anode[-1, 0] - anode[0, 0]), float(counter[:, 1].max()), periodic
        )

    wrap = None
    if window_um is not None:
        far = dict(
            window_um=float(window_um),
            counter_y_um=float(counter[:, 1].mean()),
            size_at_anode_um=float(size_at_anode_um),
            size_bulk_um=float(size_bulk_um),
            grading_distance_um=float(grading_distance_um),
            max_size_um=float(far_field_max_size_um or size_bulk_um),
        )

        def wrap(field: int, counter_curves: list[int]) -> int:
            curves = counter_curves if refine_counter else None
            return far_field_size_field(field, curves, **far)

    sizes = (float(size_at_anode_um), float(size_bulk_um), float(grading_distance_um))
    flags = (bool(refine_counter), bool(periodic), wrap)

    def build() -> None:
        if shapes:
            mesh_cell_with_fillers(anode, counter, shapes, *sizes, *flags)
        else:
            _mesh_with_gmsh(anode, counter, *sizes, *flags)

    data = run_gmsh(comm, build, "mesh the cell")
    source = dict(anode_xy_um=anode, counter_xy_um=counter, size_at_anode_um=size_at_anode_um)
    source |= dict(size_bulk_um=size_bulk_um, grading_distance_um=grading_distance_um)
    source |= {"refine_counter": bool(refine_counter), "periodic": bool(periodic)}
    if window_um is not None:
        source |= {"window_um": window_um, "far_field_max_size_um": far_field_max_size_um}
    if shapes:  # plain data (JSON in checkpoints): remeshing re-creates every filler exactly
        source["fillers"] = [s.to_dict() for s in shapes]
    return CellMesh(data.mesh, data.cell_tags, data.facet_tags, source)


def run_gmsh(
    comm: MPI.Comm,
    build: Callable[[], None],
    what: str,
    error_type: type[Exception] = GeometryError,
) -> Any:
    """Run ``build`` (which fills the current Gmsh model) on rank 0 and distribute its mesh.

    Initialises Gmsh if needed (and finalises it then), sets and restores the Gmsh options
    lidendrite uses, and returns ``dolfinx.io.gmsh.model_to_mesh`` of the model (collective).

    Raises:
        GeometryError: ``build`` failed on rank 0 (on every rank; ``error_type`` instead if
            given). A :class:`~lidendrite.errors.ConfigError` of ``build`` passes unchanged.
    """
    error = None
    initialised_here = False
    saved: dict[str, Any] = {}
    callers_model = None
    if comm.rank == 0:
        initialised_here = not gmsh.isInitialized()
        if initialised_here:
            gmsh.initialize(readConfigFiles=False, interruptible=False)
            _rearm_signal_handlers()
        else:
            saved = {key: gmsh.option.getNumber(key) for key in _GMSH_OPTIONS}
            callers_model = gmsh.model.getCurrent()
        for key, value in _GMSH_OPTIONS.items():
            gmsh.option.setNumber(key, value)
        if _gmsh_verbose():
            gmsh.option.setNumber("General.Terminal", 1)
        gmsh.model.add(f"lidendrite_cell_{next(_model_counter)}")
        try:
            build()
        except ConfigError as exc:
            error = (True, str(exc))
        except Exception as exc:  # Gmsh raises plain Exceptions
            error = (False, " ".join(str(exc).split()) or type(exc).__name__)
    error = comm.bcast(error, root=0)
    try:
        if error is not None:
            if error[0]:
                raise ConfigError(error[1])
            raise error_type(f"Gmsh could not {what}: {error[1]}")
        return dolfinx.io.gmsh.model_to_mesh(gmsh.model, comm, 0, gdim=2)
    finally:
        if comm.rank == 0:
            gmsh.model.remove()
            if initialised_here:
                gmsh.finalize()
            else:
                for key, value in saved.items():
                    gmsh.option.setNumber(key, value)
                if callers_model in gmsh.model.list():
                    gmsh.model.setCurrent(callers_model)


def cell_from_config(comm: MPI.Comm, cfg: Config) -> CellMesh:
    """Mesh the initial cell described by a configuration (collective).

    The anode is :func:`~lidendrite.geometry.anode.anode_profile_from_config` with vertex spacing
    ``cfg.mesh.size_at_anode_um``. The counter electrode is flat at ``y = cfg.cell.thickness_um``
    (at ``cfg.cell.membrane_thickness_um`` when larger: a far field continues the window);
    when ``cfg.cell.counter_electrode == "lithium"`` the mesh is refined near it as near the anode
    and its vertex spacing is ``size_at_anode_um``, otherwise its spacing is the graded element
    size at its distance from the anode.

    Args:
        comm: Communicator of the mesh.
        cfg: The configuration (uses ``cfg.cell`` and ``cfg.mesh``).

    Returns:
        The mesh with its cell and facet tags.
    """
    cell, sizes = cfg.cell, cfg.mesh
    if getattr(cell, "mesh_file", None):
        from lidendrite.geometry.user_mesh import cell_from_mesh_file

        return cell_from_mesh_file(comm, cfg)
    refine_counter = cell.counter_electrode == "lithium"
    far = far_field_of(cfg)
    anode = anode_profile_from_config(cell, sizes.size_at_anode_um)
    shapes = resolve_shapes(cell, cfg.materials, sizes.size_bulk_um)
    _check_above_anode(shapes, anode)
    if refine_counter:
        counter_spacing = sizes.size_at_anode_um
    elif far:
        counter_spacing = far_counter_spacing_um(cfg)
    else:
        gap = max(cell.thickness_um - float(anode[:, 1].max()), 0.0)
        fraction = min(gap / sizes.grading_distance_um, 1.0)
        counter_spacing = sizes.size_at_anode_um + fraction * (
            sizes.size_bulk_um - sizes.size_at_anode_um
        )
    top = membrane_thickness_um(cfg)
    counter = counter_profile(cell.width_um, top, counter_spacing)
    return build_cell(
        comm,
        anode,
        counter,
        size_at_anode_um=sizes.size_at_anode_um,
        size_bulk_um=sizes.size_bulk_um,
        grading_distance_um=sizes.grading_distance_um,
        refine_counter=refine_counter,
        periodic=cell.sides == "periodic",
        fillers=shapes or None,
        **far,
    )


def _check_above_anode(shapes: Sequence[Shape], anode: np.ndarray) -> None:
    """Fillers (other than layers on it) keep clear of the initial anode polyline."""
    for s in shapes:
        if s.parent >= 0 or s.kind == "layer":
            continue
        x_lo, y_lo, x_hi, _ = s.bbox()
        under = anode[(anode[:, 0] >= x_lo) & (anode[:, 0] <= x_hi), 1]
        top = max(
            np.interp([x_lo, x_hi], anode[:, 0], anode[:, 1]).max(), under.max(initial=-1e300)
        )
        if y_lo <= top:
            raise ConfigError(
                f"cell.fillers[{s.item}]: the filler reaching down to y = {y_lo:.4g} um touches "
                f"the initial anode surface (up to y = {top:.4g} um there); move it up"
            )
