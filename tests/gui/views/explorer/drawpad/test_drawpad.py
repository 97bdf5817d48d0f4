"""The drawing pad, driven by real mouse events sent to its viewport."""

import numpy as np
import pytest
from gui_helpers import shown
from mouse import LEFT, RIGHT, drag, send, to_view  # tests/gui/mouse.py
from PySide6.QtCore import QEvent, Qt

from nnviz.charts.theme import DARK
from nnviz.gui.views.explorer.drawpad.view import HELP, DrawPad, soft_brush, stamp
from nnviz.gui.widgets.help import help_buttons


@pytest.fixture
def pad(qtbot):
    return shown(qtbot, DrawPad(), 420, 480)


def ink_width(canvas, col, threshold=0.5) -> int:
    """Rows above ``threshold`` in column ``col`` (the width of a horizontal stroke)."""
    return int((canvas[:, col] > threshold).sum())


def test_layout_and_mapping(pad):
    assert pad.canvas().shape == (280, 280) and pad.canvas().dtype == np.float32
    assert not pad.canvas().any()
    # The instructions moved from the caption into the "?" and the pad's status tip.
    assert [b.topic for b in help_buttons(pad)] == [HELP]
    assert "left mouse button" in HELP.text and "erase with the right" in HELP.text
    assert pad.graphics.statusTip() == HELP.hint == "Draw a digit: the left button draws, " \
        "the right button erases"
    assert pad.clear_button.toolTip() and pad.undo_button.toolTip() and pad.brush_slider.toolTip()
    assert pad.view.state["yInverted"] and pad.view.state["aspectLocked"]
    # row 0 is at the top: pixel (0, 0) lies above and left of pixel (279, 279)
    a, b = to_view(pad, 0, 0), to_view(pad, 279, 279)
    assert a.y() < b.y() and a.x() < b.x()
    # square on screen
    assert abs((b.x() - a.x()) - (b.y() - a.y())) <= 2


def test_left_drag_draws_a_continuous_line(pad, qtbot):
    with qtbot.waitSignal(pad.stroke_finished), qtbot.waitSignal(pad.image_changed):
        drag(pad, [(140, 40), (140, 240)])      # a single fast move: interpolated
    c = pad.canvas()
    assert (c[140, 45:236] > 0.5).all()          # no gaps along the path
    assert c[140, 140] == pytest.approx(1.0)
    for r, col in [(0, 0), (0, 279), (279, 0), (279, 279), (60, 140), (220, 140)]:
        assert c[r, col] == 0.0
    assert c.min() >= 0.0 and c.max() <= 1.0
    # soft edge: some values strictly between 0 and 1 next to the line
    assert ((c > 0.05) & (c < 0.95)).any()


def test_diagonal_polyline_follows_the_path(pad):
    path = [(40, 40), (60, 120), (120, 180), (240, 200)]
    drag(pad, path)
    c = pad.canvas()
    for (r0, c0), (r1, c1) in zip(path, path[1:]):
        for t in np.linspace(0, 1, 25):
            r, col = round(r0 + t * (r1 - r0)), round(c0 + t * (c1 - c0))
            assert c[r, col] > 0.5, (r, col)
    assert c[250, 30] == 0.0 and c[20, 260] == 0.0


def test_right_drag_erases(pad):
    drag(pad, [(140, 40), (140, 240)])
    drag(pad, [(100, 140), (180, 140)], button=RIGHT)   # cut the line in the middle
    c = pad.canvas()
    assert (c[130:151, 138:143] < 0.05).all()
    assert (c[140, 45:110] > 0.5).all() and (c[140, 170:236] > 0.5).all()
    assert c.min() >= 0.0


def test_undo_restores_exactly(pad):
    drag(pad, [(60, 40), (60, 240)])
    first = pad.canvas()
    drag(pad, [(40, 140), (240, 140)])
    assert not np.array_equal(pad.canvas(), first)
    pad.undo()
    np.testing.assert_array_equal(pad.canvas(), first)
    pad.undo()
    assert not pad.canvas().any()
    assert not pad.undo_button.isEnabled()
    pad.undo()                                   # nothing left: a no-op
    assert not pad.canvas().any()


def test_undo_stack_is_bounded(pad):
    for i in range(30):
        pad.set_canvas(np.full((28, 28), i / 30, np.float32))
    n = 0
    while pad.undo_button.isEnabled():
        pad.undo()
        n += 1
    assert n == 20


def test_clear_empties_and_emits(pad, qtbot):
    drag(pad, [(140, 40), (140, 240)])
    assert pad.canvas().any()
    with qtbot.waitSignal(pad.image_changed) as blocker:
        pad.clear_button.click()
    assert not pad.canvas().any()
    assert not blocker.args[0].any()
    pad.undo()
    assert pad.canvas().any()


def test_image_changed_carries_a_copy(pad, qtbot):
    seen = []
    pad.image_changed.connect(seen.append)
    drag(pad, [(140, 40), (140, 240)])
    sent = seen[-1]                              # the stroke's end
    np.testing.assert_array_equal(sent, pad.canvas())
    sent[...] = 0.5
    assert pad.canvas()[0, 0] == 0.0 and pad.canvas()[140, 140] == pytest.approx(1.0)
    got = pad.canvas()
    got[...] = 0.0
    assert pad.canvas()[140, 140] == pytest.approx(1.0)


def test_emits_are_throttled_during_a_stroke(pad, qtbot):
    seen = []
    pad.image_changed.connect(seen.append)
    none = Qt.MouseButton.NoButton
    send(pad, QEvent.Type.MouseButtonPress, to_view(pad, 140, 20), LEFT, LEFT)
    assert len(seen) == 1 and seen[0].sum() > 0  # the first dab at once: no added latency
    for col in range(22, 260, 2):                # 119 moves, no event loop in between
        send(pad, QEvent.Type.MouseMove, to_view(pad, 140, col), none, LEFT)
    assert len(seen) == 1                        # coalesced by the timer
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=1000)
    np.testing.assert_array_equal(seen[1], pad.canvas())  # the trailing emit has them all
    send(pad, QEvent.Type.MouseButtonRelease, to_view(pad, 140, 260), LEFT, none)
    assert len(seen) == 3                        # stroke end always emits
    np.testing.assert_array_equal(seen[-1], pad.canvas())


def test_set_canvas_upsamples_28(pad, qtbot):
    small = np.zeros((28, 28), np.float32)
    small[3, 5] = 1.0
    small[20, 10] = 0.25
    with qtbot.waitSignal(pad.image_changed) as blocker:
        pad.set_canvas(small)
    c = pad.canvas()
    assert (c[30:40, 50:60] == 1.0).all() and (c[200:210, 100:110] == 0.25).all()
    assert c.sum() == pytest.approx(100 * 1.25)
    np.testing.assert_array_equal(blocker.args[0], c)
    full = np.random.default_rng(0).random((280, 280)).astype(np.float32) * 2 - 0.5
    pad.set_canvas(full)
    np.testing.assert_array_equal(pad.canvas(), np.clip(full, 0, 1))
    with pytest.raises(ValueError):
        pad.set_canvas(np.zeros((30, 30)))


def test_brush_size_changes_stroke_width(pad):
    widths = []
    for size in (6, 18, 40):
        pad.clear()
        pad.brush_slider.setValue(size)           # through the toolbar
        assert pad.brush_size() == size and pad.brush_label.text() == f"{size} px"
        drag(pad, [(140, 40), (140, 240)])
        widths.append(ink_width(pad.canvas(), 140))
    assert widths[0] < widths[1] < widths[2]
    assert abs(widths[1] - 18) <= 6 and abs(widths[2] - 40) <= 10
    pad.set_brush_size(10)
    assert pad.brush_slider.value() == 10


def test_soft_brush_and_stamp_at_the_edge():
    k = soft_brush(18)
    assert k.shape == (19, 19) and k[9, 9] == 1.0 and k[0, 0] == 0.0
    assert 0.0 < k[9, 0] < 0.5                   # soft rim
    canvas = np.zeros((20, 20), np.float32)
    stamp(canvas, k, 0, 0, erase=False)          # partly off the canvas: cut, no error
    assert canvas[0, 0] == 1.0 and canvas[19, 19] == 0.0
    stamp(canvas, k, 0, 0, erase=True)
    assert not canvas.any()
    stamp(canvas, k, -50, -50, erase=False)      # fully off: nothing
    assert not canvas.any()


def test_theme_and_png(pad):
    pad.set_theme(DARK)
    # a "7": top bar, then a diagonal down to the lower left
    drag(pad, [(60, 70), (58, 140), (60, 215)])
    drag(pad, [(60, 215), (130, 170), (230, 120)])
    c = pad.canvas()
    assert c[59, 140] > 0.5 and c[180, 145] > 0.5 and c[200, 60] == 0.0
    img = pad.grab().toImage()
    img.save("/tmp/drawpad.png")
    centre = to_view(pad, 59, 140) + pad.graphics.pos()
    assert img.pixelColor(centre).lightness() > 200      # white ink on screen
    corner = to_view(pad, 270, 10) + pad.graphics.pos()
    assert img.pixelColor(corner).lightness() < 30       # black canvas
