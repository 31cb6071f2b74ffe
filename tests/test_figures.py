"""Paper figures as they come out: print size, font sizes, margins, vector content, units.

The files are opened and read back: PNG size and dpi (PIL), the PDF's text operators
(``BT ... /F 7 Tf``) and image objects from its decompressed streams, SVG ``<text>`` elements
with their font sizes, the non-white bounding box of the PNG for the margins. References: the
layout presets (85 mm, 180 mm; 7 pt), the data range of the synthetic frames.
"""

import re
import zlib

import numpy as np
import pytest

from helpers_frames import FLUX_MOL_PER_M2_S, make_frame, make_run
from lidendrite.errors import ConfigError

pytest.importorskip("matplotlib")
pytest.importorskip("pyvista")
from PIL import Image  # noqa: E402

from lidendrite.render.figure import colorbar_ticks, draw_figure, save_figure  # noqa: E402

pytestmark = pytest.mark.serial

MM = 25.4


@pytest.fixture(scope="module")
def frame():
    return make_frame(amplitude_um=0.4, y0_um=0.3, time_s=90.0, filler=True)


def pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    return out


@pytest.mark.parametrize(("layout", "width_mm", "font_pt"), [("column", 85, 7), ("double", 180, 8)])
def test_png_print_size_dpi_and_margins(frame, tmp_path, layout, width_mm, font_pt):
    path = save_figure(frame, tmp_path / "f.png", "flux", layout=layout)
    image = Image.open(path)
    dpi = image.info["dpi"][0]
    assert dpi == pytest.approx(300, abs=0.1)
    assert image.size[0] / dpi * MM == pytest.approx(width_mm, abs=0.2)
    rgb = np.asarray(image.convert("RGB")).astype(int)
    ink = np.argwhere((255 - rgb).sum(axis=2) > 30)
    (top, left), (bottom, right) = ink.min(axis=0), ink.max(axis=0)
    h, w = rgb.shape[:2]
    margins = [left / w, (w - 1 - right) / w, top / h, (h - 1 - bottom) / h]
    assert max(margins) < 0.03, margins  # tight framing: below 3 % on every side
    fig = draw_figure([frame], "flux", layout=layout)
    assert fig.lidendrite.font_pt == font_pt
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and a.get_text())]
    assert texts and min(t.get_fontsize() for t in texts) >= 7.0


def test_pdf_is_vector_with_fonts_of_7_pt_and_small(frame, tmp_path):
    path = save_figure(frame, tmp_path / "f.pdf", "flux")
    data = path.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) < 1_000_000
    streams = b"\n".join(pdf_streams(data))
    sizes = [float(s) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", streams)]
    assert sizes and min(sizes) >= 7.0  # vector text, at least 7 pt
    assert b"/FontFile2" in data  # TrueType fonts embedded (not Type 3 bitmaps)
    assert len(re.findall(rb"/Subtype\s*/Image", data)) <= 2  # only the field is a raster
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert float(box.group(1)) / 72 * MM == pytest.approx(85, abs=0.2)
    # the colour bar ends are labelled: the range of the frame
    flux = frame.point_data["flux_cation_mol_per_m2_s"]
    svg = save_figure(frame, tmp_path / "f.svg", "flux").read_text()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    mag = np.hypot(flux[:, 0], flux[:, 1]) * 1e6
    assert f"{mag.min():.3g}" in labels and f"{mag.max():.3g}" in labels
    svg_sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    assert svg_sizes and min(svg_sizes) >= 7.0


def test_legend_names_every_material_with_its_outline():
    frame = make_frame(particles=True, amplitude_um=0.2, y0_um=0.3, time_s=60.0)
    fig = draw_figure([frame], "flux")
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[-3:] == ["pba", "shell", "ins"]  # conducting ones by tag, blocking last
    patches = legend.get_patches()[-3:]
    edge = [tuple(np.round(p.get_edgecolor()[:3], 3)) for p in patches]
    face = [p.get_facecolor() for p in patches]
    assert len(set(edge)) == 3  # three outline colours
    assert face[2][:3] == (1.0, 1.0, 1.0) and face[2][3] == 1.0  # blocking: white
    assert face[0][3] == 0.0 and face[1][3] == 0.0  # conducting: outline only


def test_colorbar_ticks_include_both_ends():
    ticks = colorbar_ticks(5.26, 40.5)
    assert ticks[0] == 5.26 and ticks[-1] == 40.5 and len(ticks) >= 3
    assert np.all(np.diff(ticks) > 0.15 * (40.5 - 5.26))


def test_one_unit_shared_by_panels_and_chosen_by_the_user(frame):
    small = make_frame(amplitude_um=0.2, flux_mol_per_m2_s=1e-6)
    fig = draw_figure([frame, small], "flux")
    assert fig.lidendrite.unit == "µmol m⁻² s⁻¹"  # fixed default, whatever the range
    fig = draw_figure([frame, small], "flux", unit="mmol/m2/s")
    assert fig.lidendrite.unit == "mmol m⁻² s⁻¹" and fig.lidendrite.factor == 1e3
    with pytest.raises(ConfigError, match="not a unit of flux"):
        draw_figure([frame], "flux", unit="mol/m3")
    with pytest.raises(ConfigError, match="did you mean 'flux'"):
        draw_figure([frame], "flxu")


def test_cli_clim_in_display_unit_time_range_and_field_errors(tmp_path, capsys):
    import argparse

    from lidendrite.render.cli import add_parser

    run = tmp_path / "run"
    make_run(run, 3)
    parser = argparse.ArgumentParser(prog="lidendrite")
    add_parser(parser.add_subparsers(dest="command"))

    def cli(*argv):
        args = parser.parse_args(["render", str(run), *map(str, argv)])
        return args.func(args)

    q_umol = FLUX_MOL_PER_M2_S * 1e6
    assert cli("--clim", f"0,{2 * q_umol}", "--format", "svg", "--out", tmp_path / "o") == 0
    svg = (tmp_path / "o" / "flux_00002.svg").read_text()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "0" in labels and f"{2 * q_umol:.3g}" in labels  # the range given, in µmol
    with pytest.raises(ConfigError, match="outside the run: its frames go from 0 to 60 s"):
        cli("--time", "1000")
    with pytest.raises(ConfigError, match="did you mean 'concentration'"):
        cli("--field", "concentraton")


def test_still_defaults_to_the_run_colour_range_of_the_movie(tmp_path):
    """The default still of the last frame is coloured with the run's range, as the movie is."""
    import argparse

    from lidendrite.io.frames import list_frames, read_frame, write_frame
    from lidendrite.render.cli import add_parser
    from lidendrite.render.fields import data_range

    run = tmp_path / "run"
    for i, scale in enumerate((3.0, 2.0, 1.0)):  # the flux falls: the last frame is the weakest
        q = scale * FLUX_MOL_PER_M2_S
        write_frame(run, i, make_frame(amplitude_um=0.3, time_s=10.0 * i, flux_mol_per_m2_s=q))
    frames = [read_frame(p) for p in list_frames(run)]
    lo, hi = (v * 1e6 for v in data_range(frames, "flux"))
    own = data_range(frames[-1:], "flux")
    assert own[0] * 1e6 > lo * 1.001 or own[1] * 1e6 < hi * 0.999  # the ranges differ
    parser = argparse.ArgumentParser(prog="lidendrite")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["render", str(run), "--format", "svg", "--out", str(tmp_path)])
    assert args.func(args) == 0
    svg = (tmp_path / "flux_00002.svg").read_text()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert f"{lo:.3g}".replace("-", "−") in labels and f"{hi:.3g}" in labels
