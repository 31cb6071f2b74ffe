"""Write the example user mesh ``particles.msh`` with the Gmsh Python API (lengths in um).

A 6 um x 4 um cell: a flat anode at y = 0, the counter electrode at y = 4, two blocking
particles (holes; their boundary is the curve group 'fillers') and one Li+-conducting particle
of the material 'LLZO'. Physical groups carry the names lidendrite's tag registry uses; their
numbers do not matter (lidendrite renumbers them by name). Run: ``python meshes/make_examples.py``.
"""

from pathlib import Path

import gmsh

W, T = 6.0, 4.0
HOLES = [((2.0, 2.2), 0.5), ((4.6, 2.8), 0.45)]  # (centre, radius), um
PARTICLE = ((4.0, 1.3), 0.4)
SIZE_ANODE, SIZE_BULK = 0.05, 0.2


def circle(geo, centre, r, size):
    """Four quarter arcs of a circle and their curve loop."""
    (x, y) = centre
    c = geo.addPoint(x, y, 0, size)
    pts = [
        geo.addPoint(x + dx * r, y + dy * r, 0, size)
        for dx, dy in [(1, 0), (0, 1), (-1, 0), (0, -1)]
    ]
    arcs = [geo.addCircleArc(pts[k], c, pts[(k + 1) % 4]) for k in range(4)]
    return arcs, geo.addCurveLoop(arcs)


def main(out: Path) -> None:
    """Build, mesh and write the example to ``out``."""
    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("particles")
    geo = gmsh.model.geo
    p = [
        geo.addPoint(x, y, 0, s)
        for x, y, s in [
            (0, 0, SIZE_ANODE),
            (W, 0, SIZE_ANODE),
            (W, T, SIZE_BULK),
            (0, T, SIZE_BULK),
        ]
    ]
    anode, right, counter, left = (geo.addLine(p[k], p[(k + 1) % 4]) for k in range(4))
    outer = geo.addCurveLoop([anode, right, counter, left])
    holes = [circle(geo, c, r, 0.06) for c, r in HOLES]
    part_arcs, part_loop = circle(geo, *PARTICLE, 0.05)
    matrix = geo.addPlaneSurface([outer, part_loop] + [loop for _, loop in holes])
    particle = geo.addPlaneSurface([part_loop])
    geo.synchronize()
    model = gmsh.model
    model.addPhysicalGroup(2, [matrix], name="electrolyte")
    model.addPhysicalGroup(2, [particle], name="LLZO")
    model.addPhysicalGroup(1, [anode], name="anode")
    model.addPhysicalGroup(1, [counter], name="counter")
    model.addPhysicalGroup(1, [left], name="left")
    model.addPhysicalGroup(1, [right], name="right")
    model.addPhysicalGroup(1, [a for arcs, _ in holes for a in arcs], name="fillers")
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 1)
    model.mesh.generate(2)
    gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
    gmsh.write(str(out))
    gmsh.finalize()


if __name__ == "__main__":
    main(Path(__file__).resolve().parent / "particles.msh")
