"""Fillers as exact shapes: ``cell.fillers`` → circles, convex polygons and layers (pure NumPy).

Every rank computes the same shapes from the configuration alone (random layouts and Voronoi
grains draw from ``numpy.random.default_rng(seed)``), so no communication is needed. A shape
carries its material, its cell tag (:class:`~lidendrite.geometry.tags.TagRegistry`), whether the
material is blocking (a hole in the mesh), the shape that encloses it (``parent``: a shell
around its core, a grain-boundary box around its grains; ``-1``: the matrix) and the element
size at its boundary. Shapes are plain data: :meth:`Shape.to_dict` is what
:attr:`~lidendrite.geometry.cell.CellMesh.source` keeps, so remeshing and checkpoints re-create
every filler exactly. Placement and checks (overlap, leaving the cell, touching an electrode,
impossible area fractions) raise one-line :class:`~lidendrite.errors.ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lidendrite.errors import ConfigError
from lidendrite.geometry import filler_layouts as layouts
from lidendrite.geometry.tags import TagRegistry

if TYPE_CHECKING:
    from lidendrite.config.schema import CellConfig, MaterialConfig

__all__ = ["Shape", "check_shapes", "resolve_shapes", "shapes_from_dicts"]


@dataclass(frozen=True)
class Shape:
    """One filler region: a circle, a convex polygon (CCW) or a layer across the cell (µm)."""

    id: int
    item: int
    """Index of the ``cell.fillers`` item it comes from."""
    kind: str
    """``circle``, ``polygon`` or ``layer``."""
    material: str
    tag: int
    blocking: bool
    parent: int
    size_um: float
    center: tuple[float, float] | None = None
    radius: float | None = None
    vertices: tuple[tuple[float, float], ...] | None = None
    y_um: tuple[float, float] | None = None
    on_walls: bool = False
    """May touch the side walls (a grain-boundary box)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able mapping."""
        out = {k: v for k, v in asdict(self).items() if v is not None}
        if not self.on_walls:
            del out["on_walls"]
        return out

    def area_um2(self) -> float:
        """Area (of the whole shape, including what it encloses)."""
        if self.kind == "circle":
            return math.pi * self.radius**2
        if self.kind == "polygon":
            return layouts.polygon_area(np.asarray(self.vertices))
        return math.nan

    def bbox(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max); a layer spans x from -inf to inf."""
        if self.kind == "circle":
            (x, y), r = self.center, self.radius
            return x - r, y - r, x + r, y + r
        if self.kind == "polygon":
            v = np.asarray(self.vertices)
            return (*v.min(axis=0).tolist(), *v.max(axis=0).tolist())
        return -math.inf, self.y_um[0], math.inf, self.y_um[1]


def shapes_from_dicts(items: Sequence[Mapping[str, Any] | Shape]) -> list[Shape]:
    """Inverse of :meth:`Shape.to_dict` (shapes pass through)."""
    out = []
    for d in items:
        if isinstance(d, Shape):
            out.append(d)
            continue
        d = dict(d)
        for key in ("center", "y_um"):
            if key in d:
                d[key] = tuple(float(v) for v in d[key])
        if "vertices" in d:
            d["vertices"] = tuple((float(x), float(y)) for x, y in d["vertices"])
        out.append(Shape(**d))
    return out


class _Builder:
    """Collects shapes with running ids."""

    def __init__(self, registry: TagRegistry, materials: Mapping[str, MaterialConfig], bulk: float):
        self.shapes: list[Shape] = []
        self.registry, self.materials, self.bulk = registry, materials, bulk

    def add(self, item: int, material: str, parent: int, size: float, **geom: Any) -> int:
        kind = "circle" if "radius" in geom else "polygon" if "vertices" in geom else "layer"
        blocking = material in self.materials and self.materials[material].blocking
        sid = len(self.shapes)
        self.shapes.append(
            Shape(
                sid,
                item,
                kind,
                material,
                self.registry.material_tag(material),
                bool(blocking),
                parent,
                float(min(size, self.bulk)),
                **geom,
            )
        )
        return sid


def _radii(f: Any, n: int, rng: np.random.Generator, path: str) -> np.ndarray:
    if f.radii_um is not None:
        if f.radius_um is not None:
            raise ConfigError(f"{path}.radii_um: give radius_um or radii_um, not both")
        if not f.radii_um or min(f.radii_um) <= 0:
            raise ConfigError(f"{path}.radii_um = {list(f.radii_um)}: must be positive numbers")
        return np.resize(np.asarray(f.radii_um, dtype=float), n)
    if f.radius_um is None:
        raise ConfigError(f"{path}.radius_um: missing (or give radii_um)")
    if f.radius_std_um == 0.0:
        return np.full(n, f.radius_um)
    draws = rng.normal(f.radius_um, f.radius_std_um, size=n)
    return np.clip(draws, 0.2 * f.radius_um, 1.8 * f.radius_um)


def _particles(
    f: Any, path: str, cell: CellConfig
) -> tuple[np.ndarray, np.ndarray, Any, float | None]:
    """Centres and core radii of a disc, core-shell or fibre item; its shell; realised φ."""
    if f.kind == "fibre":
        shell = f.coating
        radius_of = f.diameter_um / 2.0
    else:
        shell = f.shell
        radius_of = None
    margin = shell.thickness_um if shell is not None else 0.0
    lay, lpath = f.layout, f"{path}.layout"

    def radii(n: int, rng: np.random.Generator) -> np.ndarray:
        if f.kind == "fibre":
            if f.orientation == "cross_section":
                return np.full(n, radius_of)
            half = 0.5 * math.hypot(f.length_um or 0.0, f.diameter_um)
            return np.full(n, half)  # circumscribed radius (for placement only)
        return _radii(f, n, rng, path)

    periodic = cell.sides == "periodic"
    if lay.kind == "explicit":
        centres = np.asarray(lay.centers_um, dtype=float).reshape(-1, 2)
        return centres, radii(len(centres), np.random.default_rng(0)), shell, None
    if lay.kind == "lattice":
        centres = layouts.lattice_centres(lay, cell.width_um, cell.thickness_um)
        if len(centres) == 0:
            raise ConfigError(f"{lpath}: the lattice puts no centre inside its region")
        return centres, radii(len(centres), np.random.default_rng(0)), shell, None
    if lay.kind == "file":
        centres, file_radii = layouts.read_centres(Path(lay.path), f"{lpath}.path")
        r = radii(len(centres), np.random.default_rng(0)) if file_radii is None else file_radii
        return centres, r, shell, None
    if f.kind == "fibre" and f.orientation == "in_plane":
        raise ConfigError(
            f"{lpath}.kind = 'random': takes particles and fibre cross-sections; place in-plane "
            "fibres explicitly, on a lattice or from a file"
        )
    rng = np.random.default_rng(lay.seed)
    centres, r, realised = layouts.random_centres(
        lay, lpath, lambda n: radii(n, rng), margin, cell.width_um, cell.thickness_um, periodic
    )
    return centres, r, shell, realised


def resolve_shapes(
    cell: CellConfig,
    materials: Mapping[str, MaterialConfig],
    size_bulk_um: float = math.inf,
    realised: dict[int, float] | None = None,
) -> list[Shape]:
    """The shapes of every filler of ``cell`` (identical on every rank), checked.

    Args:
        cell: The cell section (``cell.fillers``, width, thickness, sides).
        materials: The named materials (tags in this order, blocking flags).
        size_bulk_um: The largest element size (sizes at fillers are capped by it).
        realised: Filled with the realised area fraction of each random layout (item index).

    Raises:
        ConfigError: A filler is incomplete, overlaps another, leaves the cell or touches an
            electrode, or a random layout cannot reach its area fraction.
    """
    registry = TagRegistry.for_materials(materials)
    b = _Builder(registry, materials, size_bulk_um)
    for i, f in enumerate(cell.fillers):
        path = f"cell.fillers[{i}]"
        if f.kind == "layer":
            y0, y1 = f.y_um
            b.add(i, f.material, -1, (y1 - y0) / 2.0, y_um=(float(y0), float(y1)))
        elif f.kind == "grain_boundaries":
            _grains(b, i, f, path, cell)
        elif f.kind == "fibre" and f.orientation == "in_plane":
            if f.length_um is None:
                raise ConfigError(f"{path}.length_um: missing (an in-plane fibre needs a length)")
            centres, _, coat, phi = _particles(f, path, cell)
            t = coat.thickness_um if coat is not None else 0.0
            size = min(f.diameter_um / 4.0, t / 2.0 if t else math.inf)
            for c in centres:
                parent = -1
                if coat is not None:
                    outer = layouts.strip(
                        c, f.length_um + 2 * t, f.diameter_um + 2 * t, f.angle_deg
                    )
                    parent = b.add(i, coat.material, -1, size, vertices=outer)
                core = layouts.strip(c, f.length_um, f.diameter_um, f.angle_deg)
                b.add(i, f.material, parent, size, vertices=core)
        else:
            centres, radii, shell, phi = _particles(f, path, cell)
            if phi is not None and realised is not None:
                realised[i] = phi
            t = shell.thickness_um if shell is not None else 0.0
            for c, r in zip(centres, radii, strict=True):
                size = min(r / 8.0, t / 2.0 if t else math.inf)
                centre = (float(c[0]), float(c[1]))
                if cell.sides == "periodic":
                    centre = (float(c[0] % cell.width_um), centre[1])
                parent = -1
                if shell is not None:
                    parent = b.add(i, shell.material, -1, size, center=centre, radius=float(r + t))
                b.add(i, f.material, parent, size, center=centre, radius=float(r))
    check_shapes(b.shapes, cell.width_um, cell.thickness_um, cell.sides == "periodic")
    return b.shapes


def _grains(b: _Builder, i: int, f: Any, path: str, cell: CellConfig) -> None:
    (x0, y0), (x1, y1) = f.region_um
    if not (0.0 <= x0 < x1 <= cell.width_um and 0.0 < y0 < y1 < cell.thickness_um):
        raise ConfigError(
            f"{path}.region_um = [[{x0:g}, {y0:g}], [{x1:g}, {y1:g}]]: must lie in the cell, "
            f"0 <= x0 < x1 <= {cell.width_um:g} and 0 < y0 < y1 < {cell.thickness_um:g}"
        )
    if f.thickness_um >= 0.5 * f.grain_size_um:
        raise ConfigError(
            f"{path}.thickness_um = {f.thickness_um:g}: must be < grain_size_um / 2 = "
            f"{f.grain_size_um / 2:g}"
        )
    box = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    size = f.thickness_um / 2.0
    outer = b.add(i, f.material, -1, size, vertices=box, on_walls=True)
    grains = layouts.grain_polygons(f, np.random.default_rng(f.seed))
    if not grains:
        raise ConfigError(f"{path}.grain_size_um = {f.grain_size_um:g}: no grain fits the region")
    for poly in grains:
        b.add(i, f.grain_material, outer, size, vertices=poly)


def check_shapes(
    shapes: Sequence[Shape], width_um: float, thickness_um: float, periodic: bool
) -> None:
    """Top-level shapes inside the cell, off the electrodes, apart from each other."""
    top = [s for s in shapes if s.parent < 0]
    for s in top:
        path = f"cell.fillers[{s.item}]"
        x_lo, y_lo, x_hi, y_hi = s.bbox()
        if s.kind == "layer":
            continue
        if s.kind == "circle" and periodic and 2 * s.radius >= width_um:
            raise ConfigError(
                f"{path}: a particle of diameter {2 * s.radius:g} um does not fit the periodic "
                f"cell width ({width_um:g} um)"
            )
        if s.on_walls:
            inside_x = x_lo >= 0.0 and x_hi <= width_um
        else:
            inside_x = x_lo > 0.0 and x_hi < width_um
        if not periodic and not inside_x:
            raise ConfigError(
                f"{path}: the filler at x = {x_lo:.4g}..{x_hi:.4g} um leaves the cell "
                f"(0 < x < cell.width_um = {width_um:g}; side walls are not periodic)"
            )
        if y_lo <= 0.0:
            raise ConfigError(
                f"{path}: the filler at y = {y_lo:.4g}..{y_hi:.4g} um touches or crosses the "
                "anode (y = 0); only a layer may lie on it"
            )
        if y_hi >= thickness_um:
            raise ConfigError(
                f"{path}: the filler at y = {y_lo:.4g}..{y_hi:.4g} um touches or crosses the "
                f"counter electrode (y = cell.thickness_um = {thickness_um:g})"
            )
    shifts = (-width_um, 0.0, width_um) if periodic else (0.0,)
    for a_i, a in enumerate(top):
        for b in top[a_i + 1 :]:
            if min(layouts.distance(a, b, dx) for dx in shifts) <= 0.0:
                where = f"cell.fillers[{a.item}]" + (
                    f" and cell.fillers[{b.item}]" if b.item != a.item else ""
                )
                raise ConfigError(
                    f"{where}: fillers overlap or touch ({_describe(a)} and {_describe(b)}); "
                    "move them apart"
                )


def _describe(s: Shape) -> str:
    if s.kind == "circle":
        return f"disc at ({s.center[0]:.4g}, {s.center[1]:.4g}) um, radius {s.radius:.4g} um"
    if s.kind == "layer":
        return f"layer y = {s.y_um[0]:g}..{s.y_um[1]:g} um"
    x_lo, y_lo, x_hi, y_hi = s.bbox()
    return f"polygon in [{x_lo:.4g}, {x_hi:.4g}] x [{y_lo:.4g}, {y_hi:.4g}] um"
