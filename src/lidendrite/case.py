"""The Case: everything a run needs that follows from the config alone, before any mesh.

``Case.from_config(cfg)`` resolves the materials (transport properties at the cell temperature,
scaled), the electrode kinetics, the protocol schedule, the run flags and the characteristic
numbers (limiting current, Wagner number, Sand's time …). It imports no DOLFINx, so
``lidendrite check``, sweep planners and unit tests can build it on any machine.

This is where SI becomes scaled (with :mod:`lidendrite.scaling`): the time loop works in scaled
units and converts back only when it writes metrics and fields, through the same
:class:`~lidendrite.scaling.Scaling`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lidendrite import materials
from lidendrite.constants import FARADAY_C_PER_MOL as F
from lidendrite.constants import GAS_CONSTANT_J_PER_MOL_K as R
from lidendrite.geometry.tags import TagRegistry
from lidendrite.physics.closures import RegionCoefficients, conductivity
from lidendrite.physics.patterns import mix_new_surface, new_surface_fraction, pattern_factor
from lidendrite.regions import TransportProperties, regions
from lidendrite.scaling import CellParameters, Scaling, cell_parameters, make_scaling
from lidendrite.solver.protocol import Segment, schedule

if TYPE_CHECKING:
    from lidendrite.config import Config

__all__ = ["Case", "ElectrodeCoefficients", "MaterialCoefficients"]


#: The per-region closure data of :class:`~lidendrite.physics.closures.RegionCoefficients`.
CLOSURE_FIELDS = (
    "d_cation",
    "d_anion",
    "c_fixed",
    "product",
    "inv_tdf",
    "sigma",
    "t_plus",
    "g_salt",
)


@dataclass(frozen=True)
class MaterialCoefficients:
    """Scaled transport coefficients of one material (one cell tag).

    The closure fields are those of :class:`~lidendrite.physics.closures.RegionCoefficients`.
    """

    name: str
    tag: int
    d_cation: float
    """Dilute D₊ / D_ref (0 in a concentrated-solution region)."""
    d_anion: float
    """Dilute D₋ / D_ref (0: the anions are immobile)."""
    c_fixed: float
    """Immobilised-anion concentration / c₀."""
    mobile_anions: bool
    """Whether the salt (anion) is transported at all: False for a single-ion conductor."""
    product: float = 1.0
    inv_tdf: float = 1.0
    sigma: float = 0.0
    t_plus: float = 0.0
    g_salt: float = 0.0
    blocking: bool = False

    def closure(self) -> RegionCoefficients:
        """This material's closure data as numbers."""
        return RegionCoefficients(**{k: getattr(self, k) for k in CLOSURE_FIELDS})

    @property
    def conductivity_scaled(self) -> float:
        """Scaled conductivity of the undisturbed material (at the initial equilibrium)."""
        return float(conductivity(1.0, self.closure()))


def _new_surface(cfg: Config, exchange_current: float, scaling: Scaling) -> dict:
    """Scaled properties of newly plated Li and the initial anode they are measured against."""
    new = cfg.kinetics.new_surface
    if new is None:
        return {}
    from lidendrite.geometry.anode import anode_profile_from_config

    return dict(
        new_exchange_current=exchange_current * new.exchange_current_factor,
        new_film_resistance=new.film_resistance_ohm_m2
        * scaling.current_A_per_m2
        / scaling.thermal_voltage_V,
        initial_xy_um=anode_profile_from_config(cfg.cell, cfg.mesh.size_at_anode_um),
    )


def _material(
    name: str, tag: int, tp: TransportProperties, scaling: Scaling, matrix_product: float
) -> MaterialCoefficients:
    """Scaled closure data of a region from its SI transport properties."""
    d_ref, c0 = scaling.diffusivity_m2_per_s, scaling.concentration_mol_per_m3
    if tp.blocking:
        return MaterialCoefficients(name, tag, 0.0, 0.0, 0.0, False, blocking=True)
    common = dict(
        c_fixed=tp.fixed_anion_concentration_mol_per_m3 / c0,
        mobile_anions=tp.mobile_anions,
        product=tp.partition_coefficient * matrix_product,
        inv_tdf=1.0 / tp.thermodynamic_factor,
    )
    if not tp.concentrated:
        return MaterialCoefficients(
            name,
            tag,
            d_cation=tp.diffusivity_cation_m2_per_s / d_ref,
            d_anion=tp.diffusivity_anion_m2_per_s / d_ref,
            **common,
        )
    sigma_scale = F**2 * d_ref * c0 / (R * scaling.temperature_K)
    return MaterialCoefficients(
        name,
        tag,
        d_cation=0.0,
        d_anion=0.0,
        sigma=tp.conductivity_S_per_m / sigma_scale,
        t_plus=tp.transference_number,
        g_salt=tp.salt_diffusivity_m2_per_s / d_ref / (2.0 * tp.thermodynamic_factor),
        **common,
    )


@dataclass(frozen=True)
class ElectrodeCoefficients:
    """Scaled Butler–Volmer data of one electrode (one facet tag)."""

    name: str
    tag: int
    exchange_current: float
    """i₀ / i_ref."""
    lithium: bool
    """Li metal (Butler–Volmer, may move) or a bulk-electrolyte reservoir (Dirichlet)."""
    patterns: tuple = ()
    """Surface patterns (``kinetics.patterns``) of this electrode; they multiply i₀ or R_film."""
    width_um: float = 0.0
    """Cell width, µm (the domain of a random pattern)."""
    film_resistance: float = 0.0
    """Interphase film resistance R_film F i_ref / (R T) (0: no film)."""
    new_exchange_current: float | None = None
    """Scaled i₀ of newly plated Li (``kinetics.new_surface``; None: it inherits the pattern)."""
    new_film_resistance: float = 0.0
    """Scaled film resistance of newly plated Li."""
    initial_xy_um: np.ndarray | None = field(default=None, compare=False, repr=False)
    """The initial polyline of the surface (what new surface is measured against)."""

    @property
    def tracks_new_surface(self) -> bool:
        """Whether newly plated Li has its own properties."""
        return self.new_exchange_current is not None

    def new_fraction(self, xy_um: np.ndarray, material_x_um: np.ndarray) -> np.ndarray:
        """Newly plated share of the surface at the polyline vertices ``xy_um`` (0 if untracked)."""
        if not self.tracks_new_surface:
            return np.zeros(len(xy_um))
        return new_surface_fraction(xy_um, material_x_um, self.initial_xy_um)

    def exchange_current_at(
        self, material_x_um: np.ndarray, new_fraction: np.ndarray | None = None
    ) -> np.ndarray:
        """Scaled i₀ at surface points of initial (material) x coordinate ``material_x_um``.

        ``new_fraction``: the share of newly plated Li there (area-weighted mix).
        """
        factor = pattern_factor(
            self.patterns, material_x_um, self.width_um, "exchange_current_density"
        )
        old = self.exchange_current * factor
        if new_fraction is None or not self.tracks_new_surface:
            return old
        return mix_new_surface(old, self.new_exchange_current, new_fraction)

    def film_resistance_at(
        self, material_x_um: np.ndarray, new_fraction: np.ndarray | None = None
    ) -> np.ndarray:
        """Scaled film resistance at surface points of material x coordinate ``material_x_um``."""
        factor = pattern_factor(self.patterns, material_x_um, self.width_um, "film_resistance")
        old = self.film_resistance * factor
        if new_fraction is None or not self.tracks_new_surface:
            return old
        return mix_new_surface(old, self.new_film_resistance, new_fraction)


@dataclass(frozen=True)
class Case:
    """A resolved, mesh-free description of one run (see the module docstring)."""

    config: Config
    config_hash: str
    scaling: Scaling
    params: CellParameters
    """Scalar coefficients of the matrix electrolyte and the kinetics (scaled)."""
    registry: TagRegistry
    materials: tuple[MaterialCoefficients, ...]
    electrodes: tuple[ElectrodeCoefficients, ...]
    segments: tuple[Segment, ...]
    frame_interval_s: float
    controls_scaled: tuple[float, ...]
    """The applied current or voltage of each segment, scaled (what the solver's control holds)."""
    counter_is_lithium: bool
    galvanostatic: bool
    moving: bool
    periodic: bool
    derived: dict[str, tuple[float, str, str]]

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_config(cls, cfg: Config) -> Case:
        """Resolve a validated config into a Case (no DOLFINx, no mesh)."""
        from lidendrite.config import config_hash, protocol_steps

        temperature = cfg.operation.temperature_K
        transport = materials.transport_properties(cfg.electrolyte, temperature)
        i0 = materials.exchange_current_density(cfg.kinetics, temperature)
        scaling = make_scaling(
            transport.salt_concentration_mol_per_m3,
            transport.diffusivity_cation_m2_per_s,
            temperature,
        )
        params = cell_parameters(
            scaling,
            diffusivity_cation_m2_per_s=transport.diffusivity_cation_m2_per_s,
            diffusivity_anion_m2_per_s=transport.diffusivity_anion_m2_per_s,
            exchange_current_density_A_per_m2=i0,
            alpha_anodic=cfg.kinetics.alpha_anodic,
            alpha_cathodic=cfg.kinetics.alpha_cathodic,
            surface_energy_J_per_m2=cfg.kinetics.surface_energy_J_per_m2,
            molar_volume_m3_per_mol=cfg.kinetics.molar_volume_m3_per_mol,
            fixed_anion_concentration_mol_per_m3=transport.fixed_anion_concentration_mol_per_m3,
        )
        registry = TagRegistry.for_materials(cfg.materials)
        product = 1.0 + params.c_fixed  # c₊c₋ / c₀² of the matrix
        mats = tuple(
            _material(name, registry.material_tag(name), tp, scaling, product)
            for name, tp in regions(cfg).items()
        )
        lithium_counter = cfg.cell.counter_electrode == "lithium"
        # η + R i in SI becomes η̂ + R F i_ref/(R_gas T) î in thermal voltages and i_ref units
        film = (
            cfg.kinetics.film_resistance_ohm_m2
            * scaling.current_A_per_m2
            / scaling.thermal_voltage_V
        )
        electrodes = (
            ElectrodeCoefficients(
                "anode",
                registry.electrodes["anode"],
                params.exchange_current,
                True,
                patterns=cfg.kinetics.patterns,
                width_um=cfg.cell.width_um,
                film_resistance=film,
                **_new_surface(cfg, params.exchange_current, scaling),
            ),
            ElectrodeCoefficients(
                "counter",
                registry.electrodes["counter"],
                params.exchange_current,
                lithium_counter,
                film_resistance=film if lithium_counter else 0.0,
            ),
        )
        segments = tuple(schedule(protocol_steps(cfg), 1))
        t_end = segments[-1].end_s
        galvanostatic = cfg.operation.mode == "galvanostatic"
        controls = tuple(
            seg.current_density_A_per_m2 / scaling.current_A_per_m2
            if galvanostatic
            else seg.voltage_V / scaling.thermal_voltage_V
            for seg in segments
        )
        return cls(
            config=cfg,
            config_hash=config_hash(cfg),
            scaling=scaling,
            params=params,
            registry=registry,
            materials=mats,
            electrodes=electrodes,
            segments=segments,
            frame_interval_s=cfg.output.every_s or t_end / 40.0,
            controls_scaled=controls,
            counter_is_lithium=lithium_counter,
            galvanostatic=galvanostatic,
            moving=bool(cfg.numerics.moving_boundary),
            periodic=cfg.cell.sides == "periodic",
            derived=materials.derived_quantities(cfg),
        )

    # -- convenience ----------------------------------------------------------------------
    @property
    def t_end_s(self) -> float:
        """End of the protocol, s."""
        return self.segments[-1].end_s

    @property
    def width_um(self) -> float:
        """Projected electrode width W, µm."""
        return self.config.cell.width_um

    @property
    def thickness_um(self) -> float:
        """Initial anode-to-counter distance through the whole membrane (far field included), µm."""
        return self.config.cell.membrane_thickness_um or self.config.cell.thickness_um

    @property
    def mobile_anions(self) -> bool:
        """Whether any material transports the salt (builds the anion transport terms)."""
        return any(m.mobile_anions for m in self.materials)

    @property
    def conducting_materials(self) -> tuple[MaterialCoefficients, ...]:
        """The materials that conduct ions (the blocking ones are holes in the mesh)."""
        return tuple(m for m in self.materials if not m.blocking)

    @property
    def matrix(self) -> MaterialCoefficients:
        """The matrix electrolyte (the material that touches the electrodes)."""
        return self.materials[0]

    @property
    def patterned(self) -> bool:
        """Whether the anode's material coordinate is tracked (surface patterns, new Li)."""
        anode = self.electrode("anode")
        return bool(anode.patterns) or anode.tracks_new_surface

    @property
    def filmed(self) -> bool:
        """Whether the Li electrodes carry an interphase film (the film-limited law is used)."""
        return any(e.film_resistance > 0.0 or e.new_film_resistance > 0.0 for e in self.electrodes)

    def electrode(self, name: str) -> ElectrodeCoefficients:
        """Kinetic data of the electrode called ``name``."""
        return next(e for e in self.electrodes if e.name == name)

    def scaled_time(self, time_s: float) -> float:
        """Seconds → scaled time."""
        return time_s / self.scaling.time_s

    def summary(self) -> dict[str, object]:
        """What is written into ``config.resolved.yaml`` about the resolved case."""
        return {
            "tags": self.registry.to_dict(),
            "materials": {
                m.name: {
                    "tag": m.tag,
                    "diffusivity_cation_m2_per_s": m.d_cation * self.scaling.diffusivity_m2_per_s,
                    "diffusivity_anion_m2_per_s": m.d_anion * self.scaling.diffusivity_m2_per_s,
                    "fixed_anion_concentration_mol_per_m3": m.c_fixed
                    * self.scaling.concentration_mol_per_m3,
                    "mobile_anions": m.mobile_anions,
                    "concentrated_solution": m.sigma > 0.0,
                    "blocking": m.blocking,
                }
                for m in self.materials
            },
            "electrodes": {
                e.name: {
                    "tag": e.tag,
                    "lithium": e.lithium,
                    "exchange_current_density_A_per_m2": e.exchange_current
                    * self.scaling.current_A_per_m2,
                    "film_resistance_ohm_m2": e.film_resistance
                    * self.scaling.thermal_voltage_V
                    / self.scaling.current_A_per_m2,
                }
                for e in self.electrodes
            },
        }
