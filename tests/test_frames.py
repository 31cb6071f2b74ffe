"""Frame files: npz round trip, VTU/PVD read back by an independent reader (VTK via PyVista)."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from helpers_frames import C0_MOL_PER_M3, FLUX_MOL_PER_M2_S, make_frame
from lidendrite.errors import ConfigError
from lidendrite.io.frames import (
    FrameData,
    frame_path,
    list_frames,
    read_frame,
    read_frame_time,
    write_frame,
)
from lidendrite.io.vtk_xml import VtuSeries, write_pvd, write_vtu


def assert_frames_equal(a: FrameData, b: FrameData) -> None:
    assert (a.time_s, a.step, a.segment) == (b.time_s, b.step, b.segment)
    for name in ("points_um", "triangles", "cell_tags", "facets", "facet_tags"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    assert a.point_data.keys() == b.point_data.keys()
    for k in a.point_data:
        np.testing.assert_array_equal(a.point_data[k], b.point_data[k], err_msg=k)
    assert a.boundaries.keys() == b.boundaries.keys()
    for k in a.boundaries:
        np.testing.assert_array_equal(a.boundaries[k], b.boundaries[k], err_msg=k)
    assert a.meta == b.meta


def test_npz_round_trip(tmp_path):
    frame = make_frame(amplitude_um=0.3, filler=True, time_s=123.456, step=17, segment=2)
    frame.facets = np.vstack([frame.facets, [[0, 1]]])  # an internal facet tag
    frame.facet_tags = np.append(frame.facet_tags, 7).astype(np.int32)
    path = write_frame(tmp_path, 3, frame)
    assert path == tmp_path / "frames" / "frame_00003.npz" == frame_path(tmp_path, 3)
    back = read_frame(path)
    assert_frames_equal(frame, back)
    assert read_frame_time(path) == 123.456
    assert back.n_points == 26 * 16 and back.n_cells == 2 * 25 * 15
    assert set(np.unique(back.cell_tags)) == {1, 2}
    # no temporary files left behind by the atomic write
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["frame_00003.npz"]


def test_list_frames_sorted_by_number(tmp_path):
    assert list_frames(tmp_path) == []
    frame = make_frame(nx=2, ny=2)
    for i in (10, 2, 100000, 0):
        write_frame(tmp_path, i, frame)
    (tmp_path / "frames" / "notes.txt").write_text("not a frame")
    names = [p.name for p in list_frames(tmp_path)]
    assert names == ["frame_00000.npz", "frame_00002.npz", "frame_00010.npz", "frame_100000.npz"]


def test_invalid_frames_are_rejected(tmp_path):
    good = make_frame(nx=2, ny=2)
    with pytest.raises(ValueError, match="points_um"):
        FrameData(0.0, 0, 0, np.zeros((3, 3)), good.triangles, good.cell_tags)
    with pytest.raises(ValueError, match="cell_tags"):
        FrameData(0.0, 0, 0, good.points_um, good.triangles, good.cell_tags[:-1])
    with pytest.raises(ValueError, match="triangles index"):
        FrameData(0.0, 0, 0, good.points_um, good.triangles + 100, good.cell_tags)
    with pytest.raises(ValueError, match="point_data"):
        FrameData(0.0, 0, 0, good.points_um, good.triangles, good.cell_tags, {"c": np.zeros(2)})
    bad = tmp_path / "frames" / "frame_00000.npz"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ConfigError, match="not a lidendrite frame"):
        read_frame(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        read_frame(tmp_path / "missing.npz")


def test_synthetic_fields_are_the_analytic_ones():
    """The factory the render tests rely on: uniform flux, concentration linear in y."""
    frame = make_frame()
    flux = frame.point_data["flux_cation_mol_per_m2_s"]
    np.testing.assert_allclose(flux, np.tile([0.0, -FLUX_MOL_PER_M2_S], (frame.n_points, 1)))
    c = frame.point_data["c_cation_mol_per_m3"]
    y = frame.points_um[:, 1]
    assert c.min() == pytest.approx(0.9 * C0_MOL_PER_M3) and c.max() == pytest.approx(1.1e3)
    np.testing.assert_allclose(np.polyfit(y, c, 1), [0.2 * C0_MOL_PER_M3 / 3.0, 900.0])
    # triangles are counter-clockwise with positive area (a valid mesh)
    p = frame.points_um[frame.triangles]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    area = 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    assert area.min() > 0 and area.sum() == pytest.approx(5.0 * 3.0)


def test_vtu_read_back_by_pyvista(tmp_path):
    pv = pytest.importorskip("pyvista")
    frame = make_frame(amplitude_um=0.3, filler=True, time_s=42.5)
    path = tmp_path / "fields" / "frame_00001.vtu"
    write_vtu(path, frame)
    assert ET.parse(path).getroot().get("type") == "UnstructuredGrid"  # well-formed XML
    grid = pv.read(path)
    assert isinstance(grid, pv.UnstructuredGrid)
    np.testing.assert_array_equal(grid.points[:, :2], frame.points_um)
    np.testing.assert_array_equal(grid.points[:, 2], 0.0)
    np.testing.assert_array_equal(grid.cells_dict[pv.CellType.TRIANGLE], frame.triangles)
    np.testing.assert_array_equal(grid.cell_data["cell_tags"], frame.cell_tags)
    assert set(grid.point_data.keys()) == set(frame.point_data)
    for name, values in frame.point_data.items():
        got = np.asarray(grid.point_data[name])
        if values.ndim == 2:
            assert got.shape == (frame.n_points, 3)
            np.testing.assert_array_equal(got[:, :2], values)
            np.testing.assert_array_equal(got[:, 2], 0.0)
        else:
            np.testing.assert_array_equal(got, values)
    assert float(grid.field_data["TimeValue"][0]) == 42.5


def test_pvd_collection_read_by_pyvista(tmp_path):
    pv = pytest.importorskip("pyvista")
    entries = []
    for i, t in enumerate([0.0, 12.5, 30.0]):
        frame = make_frame(nx=4 + i, ny=3, time_s=t, amplitude_um=0.1 * i)
        name = f"fields/frame_{i:05d}.vtu"
        write_vtu(tmp_path / name, frame)
        entries.append((t, name))
    write_pvd(tmp_path / "fields.pvd", entries)
    reader = pv.get_reader(tmp_path / "fields.pvd")
    assert reader.time_values == [0.0, 12.5, 30.0]
    reader.set_active_time_value(30.0)
    mesh = reader.read()[0]
    assert mesh.n_cells == 2 * 6 * 3  # the third mesh (a different one)


@pytest.mark.parametrize("every_s", [0.0, 3600.0])
def test_vtu_series_rewrites_the_collection_at_most_every_interval(tmp_path, every_s):
    """Every frame's .vtu at once; the collection when due (the first frame), and on flush."""
    series = VtuSeries(tmp_path, rewrite_every_s=every_s)
    frames = [make_frame(nx=4, ny=2, amplitude_um=0.1, time_s=t) for t in (0.0, 1.0, 2.0)]
    for index, frame in enumerate(frames):
        series.append(index, frame)
        assert (tmp_path / "fields" / f"frame_{index:05d}.vtu").is_file()

    def listed() -> list[str]:
        root = ET.parse(tmp_path / "fields.pvd").getroot()
        return [d.get("file") for d in root.iter("DataSet")]

    names = [f"fields/frame_{i:05d}.vtu" for i in range(3)]
    assert listed() == (names if every_s == 0.0 else names[:1])
    series.flush()
    assert listed() == names


def test_vtu_series_writes_what_write_vtu_and_write_pvd_write(tmp_path):
    """The series keeps the encoded cells while the mesh stays: a new mesh, or new material
    tags on the same triangles, must reach the file (each file equals write_vtu's)."""
    base = make_frame(nx=5, ny=3, amplitude_um=0.1, filler=True)
    moved = make_frame(nx=5, ny=3, amplitude_um=0.2, filler=True, time_s=1.0)
    other_mesh = make_frame(nx=6, ny=3, amplitude_um=0.2, filler=True, time_s=2.0)
    retagged = make_frame(nx=6, ny=3, amplitude_um=0.2, filler=True, time_s=3.0)
    retagged.cell_tags = np.where(retagged.cell_tags == 1, 7, retagged.cell_tags).astype(np.int32)
    assert np.array_equal(moved.triangles, base.triangles)
    assert not np.array_equal(moved.points_um, base.points_um)
    series = VtuSeries(tmp_path / "series", entries=[(0.0, "fields/frame_00000.vtu")])
    (tmp_path / "series").mkdir()
    entries = [(0.0, "fields/frame_00000.vtu")]
    for index, frame in enumerate([base, moved, other_mesh, retagged], start=1):
        series.append(index, frame)
        name = f"fields/frame_{index:05d}.vtu"
        write_vtu(tmp_path / "single" / name, frame)
        entries.append((frame.time_s, name))
        got = (tmp_path / "series" / name).read_text()
        assert got == (tmp_path / "single" / name).read_text(), f"frame {index}"
    write_pvd(tmp_path / "single" / "fields.pvd", entries)
    series.flush()  # the collection is rewritten at most every few seconds, and when flushed
    pvd = (tmp_path / "series" / "fields.pvd").read_text()
    assert pvd == (tmp_path / "single" / "fields.pvd").read_text()
    assert series.entries == entries


def test_node_gather_puts_every_node_and_triangle_in_the_global_numbering(comm):
    """Gathered on rank 0 (one process: without the round trip), a P1 field sits at its nodes.

    Reference: f = x + 2y at the gathered points, and the gathered triangles tile the unit
    square (their areas, with the gathered points, sum to 1; none is degenerate).
    """
    from lidendrite.fem import dolfinx
    from lidendrite.io.nodes import NodeLayout

    mesh = dolfinx.mesh.create_unit_square(comm, 6, 5)
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    f = dolfinx.fem.Function(space)
    f.interpolate(lambda x: x[0] + 2.0 * x[1])
    layout = NodeLayout(mesh)
    out = layout.gather({"f": layout.values(f)})
    if comm.rank != 0:
        assert out is None
        return
    points, cells = out["points"], out["cells"]
    assert points.shape == (7 * 6, 2) and cells.shape == (2 * 6 * 5, 3)
    np.testing.assert_allclose(out["f"], points[:, 0] + 2.0 * points[:, 1], atol=1e-14)
    a, b, c = (points[cells[:, k]] for k in range(3))
    u, v = b - a, c - a
    areas = 0.5 * np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    assert areas.min() > 0.0
    assert areas.sum() == pytest.approx(1.0, abs=1e-13)
