"""``FrameOptions``: the options object ``render_frame`` takes, and the keyword call style.

References: the documented defaults, the pixel arithmetic ``size x dpi / 100``, and the same
frame drawn through the keyword call (images compared pixel by pixel).
"""

import dataclasses

import numpy as np
import pytest

from helpers_frames import make_frame
from lidendrite.errors import ConfigError
from lidendrite.render.options import FrameOptions, frame_options

pv = pytest.importorskip("pyvista")

from lidendrite.render import render_frame, save_frame  # noqa: E402

pytestmark = pytest.mark.serial

SMALL = (480, 360)


def test_defaults_and_call_styles():
    default = FrameOptions()
    assert (default.field, default.size, default.dpi, default.clim) == (
        "flux",
        (1600, 1200),
        None,
        None,
    )
    assert (default.n_streamlines, default.seeding, default.title) == (30, "line", None)
    assert default.streamlines and default.arrows and default.colorbar and default.scale_bar
    assert default.show_time and default.show_initial_anode
    assert frame_options() == default
    assert frame_options("potential", title="x") == FrameOptions(field="potential", title="x")
    base = FrameOptions(field="current", size=SMALL)
    assert frame_options(base) is base
    assert frame_options(base, title="t") == dataclasses.replace(base, title="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        frame_options("flux", colour="red")


def test_checks_and_pixel_size():
    assert FrameOptions(size=(400, 300), dpi=250).pixel_size == (1000, 750)
    assert FrameOptions(clim=(np.float32(0), 1)).clim == (0.0, 1.0)
    with pytest.raises(ConfigError, match="colour range"):
        FrameOptions(clim=(1.0, 0.0))
    with pytest.raises(ConfigError, match="colour range"):
        FrameOptions(clim=(0.0, float("nan")))
    with pytest.raises(ConfigError, match="dpi must be positive"):
        FrameOptions(dpi=0)
    with pytest.raises(ConfigError, match="16..16384"):
        FrameOptions(size=(8, 8))
    with pytest.raises(ConfigError, match="two integers"):
        FrameOptions(size="big")  # type: ignore[arg-type]


def test_options_object_draws_what_keywords_draw(tmp_path):
    frame = make_frame(amplitude_um=0.3, time_s=42.0)
    options = FrameOptions(field="flux", size=SMALL, title="wavy", n_streamlines=8)
    images = []
    for plotter in (
        render_frame(frame, options),
        render_frame(frame, "flux", size=SMALL, title="wavy", n_streamlines=8),
        render_frame(frame, options=dataclasses.replace(options, title="other"), title="wavy"),
    ):
        images.append(plotter.screenshot(return_img=True))
        plotter.close()
    np.testing.assert_array_equal(images[0], images[1])
    np.testing.assert_array_equal(images[0], images[2])
    # dpi scales the window of the options' size
    path = save_frame(frame, tmp_path / "f.png", dataclasses.replace(options, dpi=50))
    from PIL import Image

    assert Image.open(path).size == (SMALL[0] // 2, SMALL[1] // 2)
