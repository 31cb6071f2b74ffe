"""Schema of ``cell.fillers``: the regions of other materials inside the cell (lengths in µm).

Each item is chosen by its ``kind`` and names materials of the top-level ``materials:`` mapping
(``electrolyte`` is the matrix):

- ``layer``: a strip across the whole width between two heights above the initial anode line
  (``y = 0``); a layer with ``y0 = 0`` lies on the anode;
- ``disc``: particles (discs in 2-D) of one radius, a size distribution or a list of radii,
  optionally with an interphase ``shell`` of another material;
- ``core_shell``: a disc whose ``shell`` is required (core and shell of different materials);
- ``fibre``: long strips lying in the plane (length, diameter, angle) or fibre cross-sections
  (discs), optionally with a ``coating``;
- ``grain_boundaries``: a polycrystalline region (Voronoi grains from a seed, or aligned bricks)
  whose grain-boundary layers of a given thickness are made of their own material.

Particles and fibres are placed by a ``layout``: ``explicit`` centres, a ``lattice``, a
``random`` layout of given area fraction (reproducible from its seed), or a CSV ``file``.
"""

from typing import Annotated, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from lidendrite.config.types import MODEL_CONFIG, Float, Int, Str

__all__ = [
    "CoreShellFiller",
    "DiscFiller",
    "ExplicitLayout",
    "FibreFiller",
    "FileLayout",
    "Filler",
    "GrainBoundariesFiller",
    "LatticeLayout",
    "LayerFiller",
    "Layout",
    "RandomLayout",
    "Shell",
]

Point = tuple[Float, Float]
Box = tuple[Point, Point]


@dataclass(frozen=True, config=MODEL_CONFIG)
class LayerFiller:
    """A strip of a material across the cell, between heights y0 and y1 (um)."""

    kind: Literal["layer"] = Field(description="filler kind")
    y_um: tuple[Float, Float] = Field(
        description="[y0, y1]: bottom and top above the initial anode line, um"
    )
    material: Str = Field(description="name of a material of the 'materials' section")


@dataclass(frozen=True, config=MODEL_CONFIG)
class Shell:
    """A shell (interphase, coating) of constant thickness around a particle or fibre."""

    thickness_um: Float = Field(gt=0, description="shell thickness, um")
    material: Str = Field(description="material of the shell")


@dataclass(frozen=True, config=MODEL_CONFIG)
class ExplicitLayout:
    """Centres given one by one."""

    kind: Literal["explicit"] = Field(description="layout kind")
    centers_um: tuple[Point, ...] = Field(min_length=1, description="[[x, y], ...] centres, um")


@dataclass(frozen=True, config=MODEL_CONFIG)
class LatticeLayout:
    """Centres on a square or hexagonal lattice filling a rectangular region."""

    kind: Literal["lattice"] = Field(description="layout kind")
    pattern: Literal["square", "hexagonal"] = Field("square", description="lattice pattern")
    spacing_um: Float = Field(gt=0, description="nearest-neighbour distance, um")
    offset_um: Point | None = Field(
        None, description="position of one lattice point, um (null: half a spacing from region)"
    )
    region_um: Box | None = Field(
        None, description="[[x0, y0], [x1, y1]]: centres lie in this box, um (null: the cell)"
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class RandomLayout:
    """Random sequential addition to a target area fraction, reproducible from the seed."""

    kind: Literal["random"] = Field(description="layout kind")
    area_fraction: Float = Field(gt=0, lt=1, description="target particle area / region area, -")
    min_gap_um: Float = Field(0.0, ge=0, description="smallest gap between particles, um")
    keep_out_um: Float = Field(0.0, ge=0, description="smallest gap to the electrodes, um")
    seed: Int = Field(0, ge=0, description="random seed (integer)")
    region_um: Box | None = Field(
        None, description="[[x0, y0], [x1, y1]] to fill, um (null: the cell)"
    )
    realised_area_fraction: Float | None = Field(
        None, description="written by lidendrite: the area fraction the layout reached, -"
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class FileLayout:
    """Centres and radii from a CSV file: columns x_um, y_um[, radius_um] (header optional)."""

    kind: Literal["file"] = Field(description="layout kind")
    path: Str = Field(description="CSV file, relative to the working directory")


#: A layout, chosen by its ``kind``.
Layout = Annotated[
    ExplicitLayout | LatticeLayout | RandomLayout | FileLayout, Field(discriminator="kind")
]


@dataclass(frozen=True, config=MODEL_CONFIG)
class DiscFiller:
    """Particles (discs), optionally with an interphase shell."""

    kind: Literal["disc"] = Field(description="filler kind")
    material: Str = Field(description="material of the particles")
    layout: Layout = Field(description="where the particles are (explicit, lattice, random, file)")
    radius_um: Float | None = Field(
        None, gt=0, description="radius (the mean radius with radius_std_um), um"
    )
    radius_std_um: Float = Field(
        0.0, ge=0, description="standard deviation of a normal radius distribution, um"
    )
    radii_um: tuple[Float, ...] | None = Field(
        None, description="radii taken in turn, um (instead of radius_um)"
    )
    shell: Shell | None = Field(None, description="interphase shell {thickness_um, material}")


@dataclass(frozen=True, config=MODEL_CONFIG)
class CoreShellFiller:
    """Core–shell particles: a core of one material inside a shell of another."""

    kind: Literal["core_shell"] = Field(description="filler kind")
    material: Str = Field(description="material of the cores")
    shell: Shell = Field(description="the shell {thickness_um, material}")
    layout: Layout = Field(description="where the particles are (explicit, lattice, random, file)")
    radius_um: Float | None = Field(None, gt=0, description="core radius (mean), um")
    radius_std_um: Float = Field(0.0, ge=0, description="standard deviation of the radius, um")
    radii_um: tuple[Float, ...] | None = Field(None, description="core radii taken in turn, um")


@dataclass(frozen=True, config=MODEL_CONFIG)
class FibreFiller:
    """Fibres: strips lying in the plane, or cross-sections (discs); optional coating."""

    kind: Literal["fibre"] = Field(description="filler kind")
    material: Str = Field(description="material of the fibres")
    layout: Layout = Field(description="where the fibre centres are")
    orientation: Literal["in_plane", "cross_section"] = Field(
        "in_plane", description="strips in the plane, or cut across (discs)"
    )
    diameter_um: Float = Field(gt=0, description="fibre diameter, um")
    length_um: Float | None = Field(None, gt=0, description="length of an in-plane fibre, um")
    angle_deg: Float = Field(0.0, description="angle of an in-plane fibre to the x axis, deg")
    coating: Shell | None = Field(None, description="coating {thickness_um, material}")


@dataclass(frozen=True, config=MODEL_CONFIG)
class GrainBoundariesFiller:
    """A polycrystalline region: grains separated by grain-boundary layers of their own material."""

    kind: Literal["grain_boundaries"] = Field(description="filler kind")
    material: Str = Field(description="material of the grain boundaries")
    grain_material: Str = Field(
        "electrolyte", description="material of the grains (default: the matrix electrolyte)"
    )
    region_um: Box = Field(description="[[x0, y0], [x1, y1]]: the polycrystalline box, um")
    pattern: Literal["voronoi", "bricks"] = Field(
        "voronoi", description="Voronoi grains from random seeds, or aligned square bricks"
    )
    grain_size_um: Float = Field(gt=0, description="mean grain size (brick edge), um")
    thickness_um: Float = Field(gt=0, description="grain-boundary thickness, um")
    seed: Int = Field(0, ge=0, description="random seed of the Voronoi grains (integer)")


#: A filler, chosen by its ``kind``.
Filler = Annotated[
    LayerFiller | DiscFiller | CoreShellFiller | FibreFiller | GrainBoundariesFiller,
    Field(discriminator="kind"),
]
