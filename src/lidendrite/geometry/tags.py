"""Integer tags of the Gmsh physical groups and the registry that names them.

Cell tags mark materials, facet tags mark boundaries. The :class:`TagRegistry` is the one table
that geometry (which writes the physical groups), the solver (which fills coefficient fields from
the tags), the recorder (which writes it into ``config.resolved.yaml`` and every frame) and the
renderer (which draws each material) share. Later materials (fillers, shells, grain boundaries)
take cell tags from :data:`FIRST_FILLER_TAG` upward.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ELECTROLYTE = 1

ANODE = 1  # the plating (working) Li electrode, at the bottom of the cell
COUNTER = 2  # the counter electrode (Li metal or a bulk-electrolyte reservoir), at the top
LEFT = 3
RIGHT = 4
FILLERS = 5  # the boundary of a blocking filler (a hole): insulating, drawn as an outline

#: First cell tag given to a material other than the matrix electrolyte.
FIRST_FILLER_TAG = 2

CELL_NAMES = {ELECTROLYTE: "electrolyte"}
FACET_NAMES = {ANODE: "anode", COUNTER: "counter", LEFT: "left", RIGHT: "right"}
#: Name of the facet tag of blocking-filler boundaries (present only in cells with holes).
FILLERS_NAME = "fillers"


@dataclass(frozen=True)
class TagRegistry:
    """Names ↔ integer tags of the materials (cells), electrodes and walls (facets)."""

    materials: Mapping[str, int] = field(default_factory=lambda: {"electrolyte": ELECTROLYTE})
    electrodes: Mapping[str, int] = field(
        default_factory=lambda: {"anode": ANODE, "counter": COUNTER}
    )
    walls: Mapping[str, int] = field(
        default_factory=lambda: {"left": LEFT, "right": RIGHT, FILLERS_NAME: FILLERS}
    )

    @classmethod
    def for_materials(cls, names: Iterable[str]) -> TagRegistry:
        """The matrix electrolyte (tag 1) and the named materials, from 2 in the given order."""
        materials = {CELL_NAMES[ELECTROLYTE]: ELECTROLYTE}
        for i, name in enumerate(names):
            materials[name] = FIRST_FILLER_TAG + i
        return cls(materials=materials)

    def material_tag(self, name: str) -> int:
        """Cell tag of a material."""
        return self.materials[name]

    def material_name(self, tag: int) -> str:
        """Material name of a cell tag."""
        return {v: k for k, v in self.materials.items()}[int(tag)]

    def facet_name(self, tag: int) -> str:
        """Boundary name of a facet tag."""
        names = {**self.electrodes, **self.walls}
        return {v: k for k, v in names.items()}[int(tag)]

    def to_dict(self) -> dict[str, dict[str, int]]:
        """Plain mapping, as written next to the results."""
        return {
            "materials": dict(self.materials),
            "electrodes": dict(self.electrodes),
            "walls": dict(self.walls),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, int]]) -> TagRegistry:
        """Inverse of :meth:`to_dict`."""
        return cls(
            materials=dict(data["materials"]),
            electrodes=dict(data["electrodes"]),
            walls=dict(data["walls"]),
        )
