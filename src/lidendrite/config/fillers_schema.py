"""Schema of ``cell.fillers``: the regions of other materials inside the cell (lengths in µm).

Each item is chosen by its ``kind`` and names a material of the top-level ``materials:``
mapping. ``layer`` is a strip across the whole width between two heights above the initial
anode line (``y = 0``); a layer with ``y0 = 0`` lies on the anode.
"""

from typing import Annotated, Literal

from pydantic import Field
from pydantic.dataclasses import dataclass

from lidendrite.config.types import MODEL_CONFIG, Float, Str

__all__ = ["Filler", "LayerFiller"]


@dataclass(frozen=True, config=MODEL_CONFIG)
class LayerFiller:
    """A strip of a material across the cell, between heights y0 and y1 (um)."""

    kind: Literal["layer"] = Field(description="filler kind")
    y_um: tuple[Float, Float] = Field(
        description="[y0, y1]: bottom and top above the initial anode line, um"
    )
    material: Str = Field(description="name of a material of the 'materials' section")


#: A filler, chosen by its ``kind``.
Filler = Annotated[LayerFiller, Field(discriminator="kind")]
