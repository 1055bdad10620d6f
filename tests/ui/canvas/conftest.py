import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.ui.canvas import helpers
from ui.canvas import canvas as canvas_mod


@pytest.fixture
def canvas(qtbot):
    """An 800×600 canvas showing a 1000×800 frame from a half-size decode, nothing drawn yet."""
    c = canvas_mod.Canvas()
    qtbot.addWidget(c)
    c.resize(800, 600)
    c.show()
    qtbot.waitExposed(c)
    c.set_image("img", helpers.picture(500, 400), helpers.FULL)
    c.setFocus()
    return c


@pytest.fixture
def recorder(canvas):
    return helpers.Recorder(canvas)
