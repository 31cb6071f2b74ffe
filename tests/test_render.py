"""PyVista renderer: images, colour range, streamlines, Li deposit, movies, galleries, CLI.

References are independent of the renderer: analytic fields of the synthetic frames
(``helpers_frames``), numpy reductions of the frame arrays, image readers (imageio/PIL) and the
analytic stream function of the wavy-anode flux.
"""

import argparse

import numpy as np
import pytest

from helpers_frames import FLUX_MOL_PER_M2_S, make_frame, make_run
from lidendrite.errors import ConfigError
from lidendrite.io.frames import list_frames, read_frame

pv = pytest.importorskip("pyvista")
imageio = pytest.importorskip("imageio.v2")

from lidendrite.render import animate, gallery, load_run, render_frame, save_frame  # noqa: E402
from lidendrite.render.cli import add_parser, parse_clim, parse_size  # noqa: E402
from lidendrite.render.polydata import line_cells  # noqa: E402
from lidendrite.render.scene import METAL_COLOR  # noqa: E402

pytestmark = pytest.mark.serial

SMALL = (480, 360)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Four frames; the mesh changes (remesh) from frame 2 on."""
    path = tmp_path_factory.mktemp("run")
    make_run(path, 4, remesh_at=2, title="LPC@2%UCPBA")
    return path


def pixel(plotter, image, x_um, y_um):
    """RGB of the image pixel showing the world point (x, y, 0)."""
    renderer = plotter.renderer
    renderer.SetWorldPoint(x_um, y_um, 0.0, 1.0)
    renderer.WorldToDisplay()
    u, v, _ = renderer.GetDisplayPoint()
    return image[image.shape[0] - 1 - round(v), round(u), :3].astype(int)


def hex_rgb(color):
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])


def test_png_size_content_and_colour_range(tmp_path):
    frame = make_frame(amplitude_um=0.4, time_s=90.0)
    path = save_frame(frame, tmp_path / "flux.png", "flux", size=SMALL, title="wavy anode")
    image = imageio.imread(path)
    assert image.shape[:2] == (SMALL[1], SMALL[0])
    assert image[..., :3].std() > 10
    assert len(np.unique(image[..., :3].reshape(-1, 3), axis=0)) > 100

    plotter = render_frame(frame, "flux", size=SMALL)
    try:
        flux = frame.point_data["flux_cation_mol_per_m2_s"]
        magnitude = np.sqrt(flux[:, 0] ** 2 + flux[:, 1] ** 2)
        expected = (magnitude.min(), magnitude.max())
        np.testing.assert_allclose(plotter.lidendrite_clim, expected, rtol=1e-12)
        # flux of order 1e-5 mol m^-2 s^-1 is shown in µmol m^-2 s^-1
        assert plotter.lidendrite.unit == "µmol m⁻² s⁻¹"
        mapper_range = plotter.actors["field"].mapper.scalar_range
        np.testing.assert_allclose(mapper_range, np.array(expected) * 1e6, rtol=1e-12)
        bar_range = plotter.actors["colorbar"].GetLookupTable().GetRange()
        np.testing.assert_allclose(bar_range, np.array(expected) * 1e6, rtol=1e-12)
    finally:
        plotter.close()


def longest_run(mask):
    """Length of the longest run of True in a 1D boolean array."""
    best = current = 0
    for m in mask:
        current = current + 1 if m else 0
        best = max(best, current)
    return best


def test_scale_bar_is_one_micrometre_on_the_image(tmp_path):
    """5 µm wide cell: the bar is 1 µm, i.e. a fifth of the cell's width in pixels."""
    frame = make_frame(counter_electrode="reservoir")
    plotter = render_frame(frame, "potential", size=(800, 600))
    image = plotter.screenshot(return_img=True)[..., :3].astype(int)
    assert plotter.lidendrite.scale_bar_um == 1.0
    plotter.close()
    white = (image == 255).all(axis=-1)
    cell_px = max(longest_run(~white[r]) for r in range(200, 400))  # rows across the cell
    bar_px = max(longest_run((image[r] < 60).all(axis=-1)) for r in range(480, 600))
    assert bar_px == pytest.approx(cell_px / 5, abs=3)


def test_concentration_range_and_fixed_clim():
    frame = make_frame(amplitude_um=0.2)
    plotter = render_frame(frame, "concentration", size=SMALL)
    c = frame.point_data["c_cation_mol_per_m3"]
    assert plotter.lidendrite_clim == (c.min(), c.max())
    assert plotter.lidendrite.streamlines is None  # a scalar field has no streamlines
    plotter.close()
    plotter = render_frame(frame, "flux", size=SMALL, clim=(0.0, 1e-4))
    assert plotter.lidendrite_clim == (0.0, 1e-4)
    np.testing.assert_allclose(plotter.actors["field"].mapper.scalar_range, (0.0, 100.0))
    plotter.close()
    with pytest.raises(ConfigError, match="unknown field"):
        render_frame(frame, "temperature")


def test_streamlines_follow_uniform_flux():
    """Flat anode, flux (0, -q): every streamline segment points straight down."""
    frame = make_frame()
    n = 12
    plotter = render_frame(frame, "flux", size=SMALL, n_streamlines=n)
    lines = plotter.lidendrite.streamlines
    plotter.close()
    cells = line_cells(lines)
    assert len(cells) == n
    points = np.asarray(lines.points, dtype=np.float64)
    seeds_x = []
    for ids in cells:
        p = points[ids, :2]
        d = np.diff(p, axis=0)
        d = d[np.hypot(d[:, 0], d[:, 1]) > 1e-9]
        angle = np.degrees(np.arctan2(np.abs(d[:, 0]), -d[:, 1]))  # 0 = downwards
        assert angle.max() < 1.0
        # from just below the counter electrode down to (almost) the anode at y = 0
        assert p[0, 1] > 2.9 and p[-1, 1] < 0.05
        seeds_x.append(p[0, 0])
    np.testing.assert_allclose(np.sort(seeds_x), (np.arange(n) + 0.5) * 5.0 / n, atol=1e-6)


def test_density_seeding_matches_stream_function():
    """Seeds on the anode split the flux into it into equal shares.

    The wavy-anode flux is N = -q grad(phi), phi = y - A cos(k x') exp(-k y) (x' = x - W/2),
    whose stream function psi = x + A sin(k x') exp(-k y) gives the flux through the anode
    between x = 0 and x as q (psi(x, y_a(x)) - psi(0, y_a(0))).
    """
    W, A, n = 5.0, 0.4, 20
    k = 2 * np.pi / W
    plotter = render_frame(
        make_frame(amplitude_um=A), size=SMALL, n_streamlines=n, seeding="density"
    )
    lines = plotter.lidendrite.streamlines
    plotter.close()
    points = np.asarray(lines.points)
    cells = line_cells(lines)
    # lines run along the flux (downwards), ending on their seeds at the anode
    assert all(points[ids[0], 1] > points[ids[-1], 1] + 2.0 for ids in cells)
    seeds = np.sort([points[ids[-1], 0] for ids in cells])
    x = np.linspace(0.0, W, 100001)
    psi = x + A * np.sin(k * (x - W / 2)) * np.exp(-k * A * np.cos(k * (x - W / 2)))
    expected = np.interp((np.arange(n) + 0.5) / n * W, psi, x)
    np.testing.assert_allclose(seeds, expected, atol=0.03)
    assert np.sum(np.abs(seeds - W / 2) < W / 4) > n / 2  # crowding on the tip


def test_deposit_outline_after_remesh(run_dir):
    """After a segment change, the drawn Li surface is the frame's saved anode polyline."""
    paths = list_frames(run_dir)
    frame = read_frame(paths[3])
    assert frame.segment == 1 and frame.n_points != read_frame(paths[0]).n_points
    plotter = render_frame(frame, "flux", size=SMALL)
    image = plotter.screenshot(return_img=True)
    try:
        drawn = np.asarray(plotter.actors["anode_outline"].mapper.dataset.points)
        np.testing.assert_allclose(drawn[:, :2], frame.boundaries["anode"], rtol=0, atol=1e-9)
        assert plotter.lidendrite.anode_outline.n_points == len(frame.boundaries["anode"])
        # the deposit fill: area between the polyline and the bottom of the view (shoelace)
        anode = frame.boundaries["anode"]
        bottom = plotter.lidendrite.view.y_min_um
        poly = np.vstack([anode, [[anode[-1, 0], bottom], [anode[0, 0], bottom]]])
        x, y = poly[:, 0], poly[:, 1]
        shoelace = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        fill = plotter.actors["anode_metal"].mapper.dataset
        assert fill.area == pytest.approx(shoelace, rel=1e-9)
        # pixels: metal below the surface, electrolyte colour above it
        metal = hex_rgb(METAL_COLOR)
        tip_x = 2.5
        tip_y = float(np.interp(tip_x, anode[:, 0], anode[:, 1]))
        assert np.abs(pixel(plotter, image, tip_x, tip_y - 0.15) - metal).max() <= 3
        assert np.abs(pixel(plotter, image, 1.0, bottom + 0.05) - metal).max() <= 3
        assert np.abs(pixel(plotter, image, 1.0, 1.5) - metal).max() > 30
        # Li counter electrode filled above the top
        assert np.abs(pixel(plotter, image, 2.5, 3.1) - metal).max() <= 3
    finally:
        plotter.close()


def test_initial_anode_line_inside_deposit():
    """A deposit grown 0.5 µm above its initial height (meta: 0) shows the initial surface."""
    plotter = render_frame(make_frame(y0_um=0.5, thickness_um=3.5), "potential", size=SMALL)
    dashes = plotter.actors["initial_anode"].mapper.dataset
    plotter.close()
    np.testing.assert_array_equal(np.asarray(dashes.points)[:, 1], 0.0)
    assert dashes.n_lines > 10
    plotter = render_frame(make_frame(), "potential", size=SMALL)  # flat, not grown
    assert "initial_anode" not in plotter.actors
    plotter.close()


def test_conducting_fillers_coloured_with_their_outline_blocking_ones_white():
    frame = make_frame(particles=True)
    plotter = render_frame(frame, "concentration", size=(800, 600), streamlines=False)
    image = plotter.screenshot(return_img=True)
    try:
        info = plotter.lidendrite
        assert [(m.name, m.blocking) for m in info.materials] == [
            ("pba", False),
            ("shell", False),
            ("ins", True),
        ]
        # the field covers every conducting cell, fillers included
        assert plotter.actors["field"].mapper.dataset.n_cells == len(frame.triangles)
        core = frame.points_um[frame.triangles[frame.cell_tags == 2]].mean(axis=(0, 1))
        assert not np.array_equal(pixel(plotter, image, *core), [255, 255, 255])
        # each conducting material outlined in its own colour, around its own cells
        colours = set()
        for m in info.materials[:2]:
            outline = plotter.actors[f"outline_{m.name}"]
            colours.add(tuple(np.round(outline.prop.color.float_rgb, 3)))
            assert outline.mapper.dataset.n_points > 0
        assert len(colours) == 2
        # the blocking filler is a hole: white, outlined by the internal facets
        np.testing.assert_array_equal(pixel(plotter, image, 0.75 * 5.0, 0.6 * 3.0), [255, 255, 255])
        assert plotter.actors["internal_facets"].mapper.dataset.n_points > 0
        # the scene's own legend names the metal and every material (lower right)
        legend = plotter.legend
        names = [legend.GetEntryString(i) for i in range(legend.GetNumberOfEntries())]
        assert names == ["Li metal", "pba", "shell", "ins (blocking)"]
    finally:
        plotter.close()
    # a cell of one material gets none, and the option turns it off
    for plotter in (
        render_frame(make_frame(), "concentration", size=SMALL, streamlines=False),
        render_frame(frame, "concentration", size=SMALL, streamlines=False, legend=False),
    ):
        assert plotter.legend is None
        plotter.close()


def test_vector_graphics(tmp_path):
    frame = make_frame(nx=8, ny=5)
    svg = save_frame(frame, tmp_path / "f.svg", "potential", size=SMALL, n_streamlines=5)
    pdf = save_frame(frame, tmp_path / "f.pdf", "current", size=SMALL, n_streamlines=5)
    assert "<svg" in svg.read_text()[:2000]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ConfigError, match="format"):
        save_frame(frame, tmp_path / "f.xyz", size=SMALL)


def test_movies_have_one_image_per_frame(run_dir, tmp_path):
    n = len(list_frames(run_dir))
    mp4 = animate(
        run_dir, "flux", "mp4", fps=5, size=(321, 240), min_duration_s=0, out=tmp_path / "a.mp4"
    )
    reader = imageio.get_reader(mp4)
    assert reader.count_frames() == n
    height, width = reader.get_data(0).shape[:2]
    assert width == 322 and height <= 240 and height % 2 == 0  # even sizes for H.264
    reader.close()
    gif = animate(run_dir, "concentration", "gif", fps=4, size=(240, 180), min_duration_s=0)
    assert gif == run_dir / "render" / "concentration.gif"
    images = imageio.mimread(gif)
    assert len(images) == n and images[0].shape[1] == 240
    assert not np.array_equal(images[0], images[-1])


def test_movies_last_at_least_the_minimum_duration(run_dir, tmp_path):
    """4 frames at 4 fps would be a 1 s movie: each frame is held to reach 8 s."""
    mp4 = animate(run_dir, "flux", "mp4", fps=4, size=(160, 120), out=tmp_path / "m.mp4")
    reader = imageio.get_reader(mp4)
    assert reader.count_frames() == 32 and reader.count_frames() / 4 >= 8.0
    reader.close()


def test_run_colour_range_spans_all_frames(run_dir):
    from lidendrite.render.animate import resolve_clim

    frames = [read_frame(p) for p in list_frames(run_dir)]
    magnitudes = np.concatenate(
        [np.hypot(*f.point_data["flux_cation_mol_per_m2_s"].T) for f in frames]
    )
    assert resolve_clim("run", frames, "flux") == (magnitudes.min(), magnitudes.max())
    # the flat first frame has |flux| = q exactly
    assert magnitudes[: frames[0].n_points] == pytest.approx(FLUX_MOL_PER_M2_S)


def test_gallery_tiles_panels(run_dir, tmp_path):
    other = tmp_path / "run2"
    make_run(other, 2, title="LPC")
    out = gallery([run_dir, other], out=tmp_path / "g.png", dpi=100)
    image = imageio.imread(out)
    assert abs(image.shape[1] - 85 / 25.4 * 100) <= 1  # one journal column at 100 dpi
    half = image.shape[1] // 2
    assert image[:, :half, :3].std() > 10 and image[:, half:, :3].std() > 10


def test_load_run(run_dir):
    run = load_run(run_dir)
    assert len(run.frames) == 4
    np.testing.assert_array_equal(run.times, [0.0, 30.0, 60.0, 90.0])
    # metrics.csv holds the highest anode vertex of each frame; the bump's analytic crest
    # y0 + amplitude lies between vertices, within the mesh resolution
    highest = [run.frame(i).boundaries["anode"][:, 1].max() for i in range(4)]
    np.testing.assert_array_equal(run.metrics["tip_height_um"], highest)
    crest = [0.05 * i + 0.4 * i / 3 for i in range(4)]
    np.testing.assert_allclose(run.metrics["tip_height_um"], crest, atol=0.01)
    assert run.metrics["note"].tolist() == ["ok"] * 4
    assert run.config["title"] == "LPC@2%UCPBA" and run.label == "LPC@2%UCPBA"
    assert run.status["state"] == "finished"
    assert run.nearest(40.0) == 1
    frame = run.frame(-1)
    grid = run.mesh(-1)
    assert (grid.n_points, grid.n_cells) == (frame.n_points, frame.n_cells)
    np.testing.assert_array_equal(
        grid.point_data["c_cation_mol_per_m3"], frame.point_data["c_cation_mol_per_m3"]
    )
    np.testing.assert_array_equal(grid.cell_data["cell_tags"], frame.cell_tags)
    plotter = run.plot(2, field="potential", size=SMALL, show=False)
    potential = run.frame(2).point_data["potential_V"]
    assert plotter.lidendrite_clim == (potential.min(), potential.max())
    plotter.close()


def test_labels_units_and_uniform_field():
    from lidendrite.render.fields import display_unit, format_time, nice_length

    assert [format_time(t) for t in (0.0, 12.34, 754.0, 7200.0)] == [
        "t = 0 s",
        "t = 12.3 s",
        "t = 12.6 min",
        "t = 2 h",
    ]
    assert [nice_length(v) for v in (1.0, 0.72, 3.9, 12.0)] == [1.0, 0.5, 2.0, 10.0]
    assert display_unit("potential", (-0.004, 0.006)) == ("mV", 1e3)
    assert display_unit("flux", (0.0, 3.1e-5)) == ("µmol m⁻² s⁻¹", 1e6)
    # a uniform field: the colour range is its single value; the colour map is widened by 5 %
    plotter = render_frame(make_frame(), "flux", size=SMALL, streamlines=False)
    q = FLUX_MOL_PER_M2_S
    np.testing.assert_allclose(plotter.lidendrite_clim, (q, q), rtol=1e-12)
    np.testing.assert_allclose(
        plotter.actors["field"].mapper.scalar_range, (0.95e6 * q, 1.05e6 * q), rtol=1e-12
    )
    plotter.close()


def cli(argv):
    parser = argparse.ArgumentParser(prog="lidendrite")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["render", *map(str, argv)])
    return args.func(args)


def test_cli_png_time_gif_grid(run_dir, tmp_path, capsys):
    assert cli([run_dir, "--size", "320x240"]) == 0
    last = run_dir / "render" / "flux_00003.png"
    assert capsys.readouterr().out.split() == [str(last)]
    height, width = imageio.imread(last).shape[:2]
    assert width == 320 and height <= 240

    out = tmp_path / "out"
    cli(
        [
            run_dir,
            "--time",
            "40",
            "--field",
            "concentration",
            "--size",
            "160x120",
            "--dpi",
            "200",
            "--out",
            out,
        ]
    )
    assert imageio.imread(out / "concentration_00001.png").shape[1] == 320

    cli([run_dir, "--animate", "gif", "--size", "200x150", "--min-duration", "0", "--out", out])
    assert len(imageio.mimread(out / "flux.gif")) == 4

    other = tmp_path / "run2"
    make_run(other, 2, title="LPC")
    cli([run_dir, other, "--grid", "--size", "200x150", "--out", out])
    assert imageio.imread(out / "grid_flux.png").shape[1] == 200


def test_cli_bad_input(tmp_path, run_dir):
    with pytest.raises(ConfigError, match="does not exist"):
        cli([tmp_path / "missing"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="no frames"):
        cli([empty])
    with pytest.raises(ConfigError, match="--size"):
        cli([run_dir, "--size", "big"])
    with pytest.raises(ConfigError, match="--clim"):
        cli([run_dir, "--clim", "1,0"])
    assert parse_size("1600x1200") == (1600, 1200)
    assert parse_clim("0,2.5e-5") == (0.0, 2.5e-5) and parse_clim("run") == "run"


def test_current_field_of_frames_written_before_the_rename(tmp_path):
    """A frame holding the old name ``current_density_A_per_m2`` renders the ``current`` field.

    Reference: the same frame with today's name ``ionic_current_density_A_per_m2`` (pixel by
    pixel), and the magnitude of the stored array (the colour range).
    """
    from lidendrite.io.frames import write_frame
    from lidendrite.render import frame_to_grid

    old = make_frame(amplitude_um=0.3, legacy_names=True)
    new = make_frame(amplitude_um=0.3)
    assert "current_density_A_per_m2" in old.point_data
    assert "ionic_current_density_A_per_m2" not in old.point_data
    current = old.point_data["current_density_A_per_m2"]
    magnitude = np.hypot(current[:, 0], current[:, 1])
    read_back = read_frame(write_frame(tmp_path, 0, old))  # a file written before the rename
    images = []
    for frame in (old, read_back, new):
        plotter = render_frame(frame, "current", size=SMALL, n_streamlines=6)
        try:
            assert plotter.lidendrite.field == "current"
            np.testing.assert_allclose(
                plotter.lidendrite_clim, (magnitude.min(), magnitude.max()), rtol=1e-12
            )
            assert len(line_cells(plotter.lidendrite.streamlines)) == 6
            images.append(plotter.screenshot(return_img=True))
        finally:
            plotter.close()
    np.testing.assert_array_equal(images[0], images[2])
    np.testing.assert_array_equal(images[1], images[2])
    # the grid of the notebook API carries today's name
    grid = frame_to_grid(old)
    assert "ionic_current_density_A_per_m2" in grid.point_data
    assert "current_density_A_per_m2" not in grid.point_data
    np.testing.assert_array_equal(grid.point_data["ionic_current_density_A_per_m2"][:, :2], current)


def test_a_far_field_cell_shows_its_window():
    """With a thick membrane the view ends `thickness_um` above the anode's highest point."""
    from lidendrite.render.view import view_box

    frame = make_frame(thickness_um=20.0)
    whole = view_box(frame)
    assert whole.y_max_um > 20.0  # the whole cell (and a strip above a Li counter)
    frame.meta |= {"thickness_um": 3.0, "membrane_thickness_um": 20.0}
    window = view_box(frame)
    top = float(frame.boundaries["anode"][:, 1].max()) + 3.0
    assert window.y_max_um == pytest.approx(top)
    assert window.y_min_um < float(frame.boundaries["anode"][:, 1].min())  # the Li below stays
