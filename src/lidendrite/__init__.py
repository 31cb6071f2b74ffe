"""lidendrite: finite-element simulation of Li dendrite growth in quasi-solid electrolytes.

Data flows one way through the package:

config -> geometry (Gmsh) -> mesh -> physics (UFL forms) -> stepper (SNES, adaptive dt,
mesh motion, remeshing) -> recorder (metrics, fields) -> render (PyVista).
"""

__version__ = "0.1.0"
