"""The configuration schema: frozen pydantic dataclasses, one per YAML section.

This module owns the field names, types, defaults, allowed ranges and descriptions (with units)
of every key. It does no resolution: presets, cross-field checks and the defaults that depend on
other values (``output.every_s``, ``cell.anode.defect_x_um``) are applied by
:mod:`lidendrite.config.resolve`.

Types are strict, as in YAML: a bool is not a number, a number is not a string, an integer
field does not take ``1.5`` (nor ``1.0``), a list is a list. Every section rejects unknown keys
(``extra="forbid"``), and a section given as ``null`` (a YAML key with nothing under it) means
"all defaults".
"""

from typing import Annotated, ClassVar, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from lidendrite import constants
from lidendrite.config.fillers_schema import Filler
from lidendrite.config.material_schema import ElectrolyteConfig, MaterialConfig
from lidendrite.config.types import MODEL_CONFIG, Bool, Float, Int, Section, Str, section

_section = section

__all__ = [
    "MODEL_CONFIG",
    "AnodeConfig",
    "Bool",
    "CellConfig",
    "Config",
    "ElectrolyteConfig",
    "Float",
    "Int",
    "KineticsConfig",
    "MaterialConfig",
    "Filler",
    "MeshConfig",
    "NewSurfaceConfig",
    "NumericsConfig",
    "OperationConfig",
    "OutputConfig",
    "PatchSegment",
    "PatchesPattern",
    "ProtocolStep",
    "RandomPattern",
    "Section",
    "SinusoidPattern",
    "Str",
    "SurfacePattern",
    "protocol_steps",
]


@dataclass(frozen=True, config=MODEL_CONFIG)
class AnodeConfig:
    """Initial shape of the plating (Li) electrode surface."""

    shape: Literal["flat", "defect", "sinusoid", "rough"] = Field(
        "flat", description="surface shape: flat, a circular defect, a sinusoid or rough"
    )
    defect_radius_um: Float = Field(
        0.5, gt=0, description="radius of the (filleted) circular Li protrusion, um"
    )
    defect_x_um: Float | None = Field(
        None, gt=0, description="centre of the defect, um (null: the centre of the cell)"
    )
    amplitude_um: Float = Field(0.1, ge=0, description="sinusoid amplitude, um")
    wavelength_um: Float = Field(1.0, gt=0, description="sinusoid wavelength, um")
    rms_um: Float = Field(0.05, ge=0, description="RMS height of a rough surface, um")
    correlation_um: Float = Field(
        0.5, gt=0, description="correlation length of a rough surface, um"
    )
    seed: Int = Field(0, ge=0, description="random seed of a rough surface (integer)")


@dataclass(frozen=True, config=MODEL_CONFIG)
class CellConfig:
    """The 2-D cell: plating electrode at the bottom, counter electrode at the top."""

    width_um: Float = Field(5.0, gt=0, description="cell width, um")
    thickness_um: Float = Field(3.0, gt=0, description="plating electrode to counter electrode, um")
    membrane_thickness_um: Float | None = Field(
        None,
        gt=0,
        description="whole membrane, um (null: thickness_um); when larger, thickness_um is the "
        "finely meshed window and a coarse graded strip continues it to the counter electrode",
    )
    sides: Literal["insulating", "periodic"] = Field(
        "insulating", description="side walls: insulating (mirror) or periodic"
    )
    counter_electrode: Literal["lithium", "reservoir"] = Field(
        "lithium", description="Li metal, or a bulk-electrolyte reservoir held at c0"
    )
    anode: Section[AnodeConfig] = _section(
        AnodeConfig, "initial shape of the plating electrode surface (lengths in um)"
    )
    fillers: tuple[Filler, ...] = Field(
        (),
        description="regions of other materials (each chosen by its kind; lengths in um)",
    )
    filler_motion: Literal["with_electrolyte", "fixed"] = Field(
        "with_electrolyte",
        description="particles and fibres move with the electrolyte as the Li pushes it "
        "(with_electrolyte) or stay where they are (fixed); layers and grain boundaries, a "
        "framework, stay",
    )
    mesh_file: Str | None = Field(
        None,
        description="a Gmsh mesh (.msh) or geometry (.geo) with physical groups named anode, "
        "counter, left, right, electrolyte and material names, instead of the built cell",
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class MeshConfig:
    """Target element sizes of the Gmsh mesh."""

    size_at_anode_um: Float = Field(
        0.05, gt=0, description="element size at the plating electrode, um"
    )
    size_bulk_um: Float = Field(0.25, gt=0, description="element size far from it, um")
    grading_distance_um: Float = Field(
        1.0, gt=0, description="distance over which the element size grows, um"
    )


#: The surface property a pattern modulates.
PatternQuantity = Literal["exchange_current_density", "film_resistance"]


@dataclass(frozen=True, config=MODEL_CONFIG)
class SinusoidPattern:
    """q × (1 + relative_amplitude · cos(2π (x − offset_um) / wavelength_um)) along the surface."""

    kind: Literal["sinusoid"] = Field(description="pattern kind")
    quantity: PatternQuantity = Field(description="the modulated surface property")
    relative_amplitude: Float = Field(gt=0, lt=1, description="relative amplitude, -")
    wavelength_um: Float = Field(gt=0, description="wavelength along the initial surface, um")
    offset_um: Float = Field(0.0, description="position of a maximum, um")


@dataclass(frozen=True, config=MODEL_CONFIG)
class PatchSegment:
    """One segment [x0, x1] of the initial surface where the property is multiplied by factor."""

    x_um: tuple[Float, Float] = Field(description="[x0, x1] along the initial surface, um")
    factor: Float = Field(gt=0, description="multiplier on the segment, -")


@dataclass(frozen=True, config=MODEL_CONFIG)
class PatchesPattern:
    """Explicit segments of the initial surface with their own multipliers (1 elsewhere)."""

    kind: Literal["patches"] = Field(description="pattern kind")
    quantity: PatternQuantity = Field(description="the modulated surface property")
    segments: tuple[PatchSegment, ...] = Field(
        min_length=1, description="segments [{x_um: [x0, x1], factor: f}, ...]"
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class RandomPattern:
    """A smooth log-normal multiplier of mean 1 (Gaussian correlation), reproducible by seed."""

    kind: Literal["random"] = Field(description="pattern kind")
    quantity: PatternQuantity = Field(description="the modulated surface property")
    correlation_um: Float = Field(gt=0, description="correlation length, um")
    relative_std: Float = Field(gt=0, le=3, description="relative standard deviation, -")
    seed: Int = Field(0, ge=0, description="random seed (integer)")


#: A surface pattern, chosen by its ``kind``.
SurfacePattern = Annotated[
    SinusoidPattern | PatchesPattern | RandomPattern, Field(discriminator="kind")
]


@dataclass(frozen=True, config=MODEL_CONFIG)
class NewSurfaceConfig:
    """Newly plated Li: the surface a stretching plating surface creates (fresh Li).

    Where the surface around a vertex has more arc length than the initial surface it came from,
    the excess fraction is new surface with these properties; the rest keeps its own.
    """

    exchange_current_factor: Float = Field(
        1.0, gt=0, description="i0 of the new surface / i0 of the kinetics (without patterns), -"
    )
    film_resistance_ohm_m2: Float = Field(
        0.0, ge=0, description="interphase film resistance of the new surface, ohm m^2"
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class KineticsConfig:
    """Butler-Volmer kinetics and capillarity of the Li/electrolyte interface."""

    exchange_current_density_A_per_m2: Float | None = Field(
        None, gt=0, description="i0 at T_ref, A/m^2 (null: from the preset, else 10)"
    )
    alpha_anodic: Float = Field(0.5, gt=0, le=1, description="anodic transfer coefficient, -")
    alpha_cathodic: Float = Field(0.5, gt=0, le=1, description="cathodic transfer coefficient, -")
    activation_energy_eV: Float = Field(
        0.0, ge=0, lt=2, description="Arrhenius activation energy of i0, eV"
    )
    reference_temperature_K: Float = Field(298.15, gt=0, description="temperature of i0, K")
    surface_energy_J_per_m2: Float = Field(
        0.5, ge=0, description="Li/electrolyte surface energy, J/m^2"
    )
    molar_volume_m3_per_mol: Float = Field(
        constants.LI_MOLAR_VOLUME_M3_PER_MOL, gt=0, description="molar volume of Li, m^3/mol"
    )
    film_resistance_ohm_m2: Float = Field(
        0.0,
        ge=0,
        description="area resistance of an interphase (SEI) film on the Li electrodes, ohm m^2 "
        "(the metal sees eta + R_film i)",
    )
    patterns: tuple[SurfacePattern, ...] = Field(
        (),
        description="heterogeneity of the plating surface: patterns that multiply, "
        "each chosen by its kind (sinusoid, patches, random)",
    )
    new_surface: NewSurfaceConfig | None = Field(
        None,
        description="properties of newly plated Li, the surface created where the plating "
        "surface stretches (null: it inherits the pattern at its material coordinate)",
    )


@dataclass(frozen=True, kw_only=True, config=MODEL_CONFIG)
class ProtocolStep:
    """One step of the operating protocol.

    Galvanostatic steps give ``current_density_A_per_m2`` (plating > 0, stripping < 0, 0 = rest);
    potentiostatic steps give ``voltage_V``, the potential of the plating electrode relative to
    the counter electrode (negative plates Li).
    """

    current_density_A_per_m2: Float | None = Field(
        None, description="applied current density, A/m^2 (plating > 0, stripping < 0, 0 = rest)"
    )
    voltage_V: Float | None = Field(
        None, description="plating electrode vs counter electrode, V (negative plates Li)"
    )
    duration_s: Float = Field(gt=0, description="step duration, s")


def _default_protocol() -> tuple[ProtocolStep, ...]:
    # Seed 002's finite-element model plates at 0.3 mA/cm^2 = 3 A/m^2.
    return (ProtocolStep(current_density_A_per_m2=3.0, duration_s=600.0),)


@dataclass(frozen=True, config=MODEL_CONFIG)
class OperationConfig:
    """How the cell is driven.

    In YAML a one-step protocol may be written directly in the section (the *shorthand*):
    ``current_density_A_per_m2`` (or ``voltage_V``) and ``duration_s`` instead of ``protocol``.
    """

    #: The keys of this item type may stand in the section for a one-item list under this field.
    SHORTHAND: ClassVar[tuple[str, type]] = ("protocol", ProtocolStep)

    mode: Literal["galvanostatic", "potentiostatic"] = Field(
        "galvanostatic", description="control mode: current (galvanostatic) or voltage"
    )
    temperature_K: Float = Field(298.15, gt=200, lt=500, description="cell temperature, K")
    protocol: tuple[ProtocolStep, ...] = Field(
        default_factory=_default_protocol,
        description="protocol steps, run in order (default: 3 A/m^2 for 600 s)",
    )
    repeat: Int = Field(1, ge=1, description="number of times the protocol is run")
    stop_on_depletion: Bool = Field(
        True, description="stop when the plating surface depletes (true/false)"
    )
    depletion_threshold: Float = Field(
        1e-3, gt=0, lt=1, description="surface concentration / c0 counted as depleted, -"
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class NumericsConfig:
    """Time stepping, nonlinear solver and moving-boundary settings."""

    time_scheme: Literal["bdf1", "bdf2"] = Field("bdf2", description="time integration scheme")
    front_scheme: Literal["euler", "ab2"] = Field(
        "euler",
        description="explicit front step: euler (the current at the start of the step, first "
        "order) or ab2 (Adams-Bashforth, the current extrapolated to mid-step, second order)",
    )
    dt_initial_s: Float = Field(1e-3, gt=0, description="first time step, s")
    dt_min_s: Float = Field(1e-9, gt=0, description="smallest time step before giving up, s")
    dt_max_s: Float = Field(60.0, gt=0, description="largest time step, s")
    dt_growth_max: Float = Field(
        2.0, gt=1, le=10, description="largest time-step growth factor per step, -"
    )
    target_newton_iterations: Int = Field(
        4, ge=1, le=20, description="Newton iterations aimed at per step"
    )
    max_concentration_change: Float = Field(
        0.05, gt=0, le=1, description="largest relative change of c per step, -"
    )
    solver: Literal["direct", "iterative"] = Field("direct", description="linear solver")
    newton_rtol: Float = Field(1e-10, gt=0, lt=1, description="Newton relative tolerance, -")
    newton_atol: Float = Field(1e-12, gt=0, description="Newton absolute tolerance (residual norm)")
    newton_max_iterations: Int = Field(25, ge=1, description="Newton iteration limit")
    linearly_implicit: Bool = Field(
        False,
        description="one Newton iteration per step (a linearly implicit step) where it cuts "
        "the residual norm by linearly_implicit_reduction; elsewhere Newton goes on to "
        "newton_rtol/atol (true/false)",
    )
    linearly_implicit_reduction: Float = Field(
        1e-2,
        gt=0,
        lt=1,
        description="residual reduction the one iteration of a linearly implicit step must "
        "reach, -",
    )
    moving_boundary: Bool = Field(
        False, description="move the Li surface (ALE + remeshing) (true/false)"
    )
    mesh_motion: Literal["harmonic", "elastic"] = Field(
        "harmonic", description="mesh displacement smoother"
    )
    remesh_min_quality: Float = Field(
        0.3, gt=0, lt=1, description="remesh below this element quality, -"
    )
    short_circuit_distance_um: Float = Field(
        0.1, gt=0, description="stop when Li gets this close to the counter electrode, um"
    )
    on_filler_contact: Literal["continue", "stop"] = Field(
        "continue",
        description="when the moving Li front reaches a filler (within max(0.5 h, 0.02 um)): "
        "hold it there and plate elsewhere (continue) or end the run (stop)",
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class OutputConfig:
    """What is written, and how often."""

    dir: Str = Field("results/run", description="output directory")
    every_s: Float | None = Field(
        None, gt=0, description="simulated seconds between frames, s (null: 40 frames)"
    )
    vtx: Bool = Field(True, description="also write VTX/ADIOS2 .bp files (true/false)")
    progress_every_s: Float = Field(
        2.0, ge=0, description="wall-clock seconds between progress lines, s"
    )
    checkpoint_every_s: Float | None = Field(
        None, gt=0, description="simulated seconds between checkpoints, s (null: by wall time only)"
    )
    checkpoint_every_wall_s: Float | None = Field(
        600.0,
        gt=0,
        description="wall-clock seconds between checkpoints, s (null: by simulated time only)",
    )


@dataclass(frozen=True, config=MODEL_CONFIG)
class Config:
    """A complete, validated run configuration."""

    title: Str = Field("lidendrite run", description="free-text title")
    cell: Section[CellConfig] = _section(CellConfig, "cell geometry (lengths in um)")
    mesh: Section[MeshConfig] = _section(MeshConfig, "mesh element sizes (um)")
    electrolyte: Section[ElectrolyteConfig] = _section(
        ElectrolyteConfig, "electrolyte: a preset, or its transport properties (SI units)"
    )
    materials: dict[Str, MaterialConfig] = Field(
        default_factory=dict,
        description="named materials of the fillers: transport keys as in electrolyte (SI), "
        "or blocking: true",
    )
    kinetics: Section[KineticsConfig] = _section(
        KineticsConfig, "interface kinetics and capillarity (SI units)"
    )
    operation: Section[OperationConfig] = _section(
        OperationConfig, "operating mode, temperature (K) and protocol (s, A/m^2, V)"
    )
    numerics: Section[NumericsConfig] = _section(
        NumericsConfig, "time stepping (s), solvers and moving boundary"
    )
    output: Section[OutputConfig] = _section(OutputConfig, "output directory and frequency (s)")

    @property
    def total_duration_s(self) -> float:
        """Duration of the whole protocol including repeats, s."""
        return self.operation.repeat * sum(s.duration_s for s in self.operation.protocol)


def protocol_steps(cfg: Config) -> list[ProtocolStep]:
    """The protocol expanded by ``operation.repeat``, in the order it is run."""
    return list(cfg.operation.protocol) * cfg.operation.repeat
