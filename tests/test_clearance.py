"""The gap between the Li front and the fillers, checked before a remesh (hand distances)."""

import numpy as np
import pytest

from lidendrite.geometry.clearance import front_clearance
from lidendrite.geometry.fillers import Shape

CIRCLE = Shape(1, 0, "circle", "PBA", 2, True, 0, 0.1, center=(1.0, 2.0), radius=0.5)
SQUARE = Shape(
    2,
    0,
    "polygon",
    "gb",
    3,
    False,
    0,
    0.1,
    vertices=((0.0, 3.0), (2.0, 3.0), (2.0, 4.0), (0.0, 4.0)),
)
LAYER = Shape(3, 0, "layer", "mof", 4, False, 0, 0.1, y_um=(2.5, 2.8))
ON_ANODE = Shape(4, 0, "layer", "mof", 4, False, 0, 0.1, y_um=(0.0, 0.5))
FRONT = np.array([[0.0, 0.0], [1.0, 1.2], [2.0, 0.0]])


@pytest.mark.parametrize(
    ("shape", "gap"), [(CIRCLE, 2.0 - 1.2 - 0.5), (SQUARE, 3.0 - 1.2), (LAYER, 2.5 - 1.2)]
)
def test_gap_to_each_kind(shape, gap):
    value, which, where = front_clearance(FRONT, [ON_ANODE, shape])
    assert value == pytest.approx(gap, abs=1e-12) and which is shape
    assert tuple(where) == (1.0, 1.2)


def test_inside_is_negative_and_the_nearest_filler_wins():
    assert front_clearance(np.array([[1.0, 3.5]]), [SQUARE])[0] == pytest.approx(-0.5)
    value, which, _ = front_clearance(FRONT, [SQUARE, CIRCLE, LAYER])
    assert which is CIRCLE and value == pytest.approx(0.3)
    assert front_clearance(FRONT, [ON_ANODE]) == (np.inf, None, None)
