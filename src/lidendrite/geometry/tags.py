"""Integer tags of the Gmsh physical groups, shared by every stage after the geometry.

Cell tags mark materials (later issues add fillers, shells, grain boundaries from 2 upward);
facet tags mark boundaries.
"""

ELECTROLYTE = 1

ANODE = 1  # the plating (working) Li electrode, at the bottom of the cell
COUNTER = 2  # the counter electrode (Li metal or a bulk-electrolyte reservoir), at the top
LEFT = 3
RIGHT = 4

CELL_NAMES = {ELECTROLYTE: "electrolyte"}
FACET_NAMES = {ANODE: "anode", COUNTER: "counter", LEFT: "left", RIGHT: "right"}
