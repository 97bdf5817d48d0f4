"""UnitInspector: the pictures are the unit's numbers; its edits change the engine as they say."""

import numpy as np
import pytest
from gui_helpers import shown
from mouse import hover_view
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import QApplication

from nnviz.analysis.edits import UnitEdit, apply_edits, edited_trace
from nnviz.analysis.trace import forward_trace
from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.network import MLP
from nnviz.gui.views.explorer.unit_inspector.view import (
    BARS_HELP,
    IMAGES_HELP,
    N_BARS,
    UnitInspector,
)

NAMES = tuple(str(k) for k in range(10))


@pytest.fixture(scope="module")
def net():
    return MLP((784, 256, 128, 10), "relu", seed=0)


@pytest.fixture(scope="module")
def x(digits):
    return digits.x_test[3]


@pytest.fixture(scope="module")
def trace(net, x):
    return forward_trace(net, x)


@pytest.fixture
def view(qtbot):
    return shown(qtbot, UnitInspector(), 480, 640)


def in_scene(view, item) -> bool:
    return item.scene() is view.glw.scene()


def test_first_layer_images_are_the_weights_and_their_products(view, trace, net, x):
    view.set_unit(trace, 1, 37)
    w = net.layers[0].W[37]
    np.testing.assert_array_equal(view.weight_image.image, w.reshape(28, 28))
    np.testing.assert_array_equal(view.product_image.image, (w * x).reshape(28, 28))
    m_w, m_p = np.abs(w).max(), np.abs(w * x).max()
    assert tuple(view.weight_image.levels) == pytest.approx((-m_w, m_w))
    assert tuple(view.product_image.levels) == pytest.approx((-m_p, m_p))
    assert view.colorbars[1].levels() == pytest.approx((-m_p, m_p))
    assert in_scene(view, view.weight_plot) and not in_scene(view, view.bar_plot)
    z = float(x @ w + net.layers[0].b[37])
    assert view.title_text == "hidden 1 · unit 37 (ReLU)"
    assert view.values_text == f"z = {z:.4g} · a = {max(z, 0):.4g} · b = 0"
    assert view.caption.text() == f"The 784 products W¹[37, i]·xᵢ sum to z − b = {z:+.4g}."
    # what the two images are moved from the caption into their "?"
    assert view.help["images"].isVisible() and not view.help["bars"].isVisible()
    assert "red pixels pushing z up" in IMAGES_HELP.text


def test_deeper_units_show_their_strongest_contributions(view, trace, net):
    view.set_unit(trace, 2, 5)
    a1 = trace.layers[0].a[0]
    c = net.layers[1].W[5] * a1
    order = np.argsort(-np.abs(c))[:N_BARS]
    np.testing.assert_array_equal(view.bar_inputs, order)
    drawn = view.bars.opts["x0"] + view.bars.opts["x1"]  # one of the two is 0
    np.testing.assert_allclose(drawn, c[order], rtol=1e-6)
    assert (np.abs(drawn[:-1]) >= np.abs(drawn[1:])).all() and np.abs(drawn).min() > 0
    ticks = view.bar_plot.getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks] == [str(i) for i in order]
    signs = np.sign(drawn)
    brushes = [QColor(b) for b in view.bars.opts["brushes"]]
    reds = {b.name() for b, s in zip(brushes, signs) if s > 0}
    blues = {b.name() for b, s in zip(brushes, signs) if s < 0}
    assert len(reds) == 1 and len(blues) == 1  # excitatory and inhibitory, one colour each
    red, blue = QColor(reds.pop()), QColor(blues.pop())
    assert red.red() > red.blue() and blue.blue() > blue.red()
    rest = float(c.sum() - c[order].sum())
    assert view.caption.text().startswith(f"The {N_BARS} largest of 256 contributions; the "
                                          f"other {256 - N_BARS} sum to {rest:+.4g}, the bias")
    assert view.help["bars"].isVisible() and not view.help["images"].isVisible()
    assert "red bars push z up (excitatory)" in BARS_HELP.text
    assert in_scene(view, view.bar_plot) and not in_scene(view, view.weight_plot)
    assert view.title_text == "hidden 2 · unit 5 (ReLU)"


def test_bars_are_drawn_where_their_values_say(view, trace, qtbot):
    view.set_unit(trace, 2, 5)
    qtbot.waitUntil(lambda: view.bar_plot.vb.height() > 200)
    image = view.glw.grab().toImage()
    drawn = view.bars.opts["x0"] + view.bars.opts["x1"]
    for k in (0, int(np.argmax(drawn < 0))):  # the strongest bar and the first inhibitory one
        for frac, inside in ((0.5, True), (-0.5, False)):  # half-way along it, and mirrored
            point = view.bar_plot.vb.mapViewToScene(QPointF(frac * drawn[k], k))
            pixel = view.glw.mapFromScene(point)
            colour = image.pixelColor(pixel.x(), pixel.y()).name()
            assert (colour == QColor(view.bars.opts["brushes"][k]).name()) == inside


def test_an_output_unit(view, trace, net):
    view.set_unit(trace, 3, 7)
    a2 = trace.layers[1].a[0]
    c = net.layers[2].W[7] * a2
    np.testing.assert_allclose(view.contributions, c, rtol=1e-6)
    order = np.argsort(-np.abs(c))[:N_BARS]
    np.testing.assert_allclose(view.bars.opts["x0"] + view.bars.opts["x1"], c[order], rtol=1e-6)
    assert view.title_text == "output · unit 7 (logit)"
    p = trace.probabilities[0, 7]
    assert f"p = {100 * p:.1f} %" in view.values_text
    view.set_comparison(trace.probabilities[0], trace.probabilities[0], 0.5, 0.5, NAMES)
    assert view.title_text == "output · unit 7 (logit of class 7)"
    assert view.bar_plot.getAxis("left").labelText == "input unit i (hidden 2)"
    assert view.off_box.text() == "Switch off (logit held at 0)"
    view.off_box.setChecked(True)
    assert view.edits() == (UnitEdit(3, 7, off=True),)
    logits = apply_edits(net, view.edits()).logits(trace.layers[0].x)[0]
    assert logits[7] == 0
    np.testing.assert_array_equal(np.delete(logits, 7), np.delete(trace.layers[2].z[0], 7))
    assert view.after_text == "edited: z = 0 · off: logit held at 0"


def test_spin_boxes_emit_the_edit_and_the_engine_follows_it(view, trace, net, x, qtbot):
    view.set_unit(trace, 2, 5)
    with qtbot.waitSignal(view.edits_changed) as sig:
        view.bias_spin.setValue(0.5)
    assert sig.args == [(UnitEdit(2, 5, bias_shift=0.5),)]
    with qtbot.waitSignal(view.edits_changed) as sig:
        view.scale_spin.setValue(0.0)
    assert sig.args == [(UnitEdit(2, 5, bias_shift=0.5, weight_scale=0.0),)]
    edited = forward_trace(apply_edits(net, view.edits()), x)
    z2 = edited.layers[1].z[0]
    assert z2[5] == pytest.approx(0.5)  # no weights left: z = b + 0.5 = 0.5
    np.testing.assert_array_equal(np.delete(z2, 5), np.delete(trace.layers[1].z[0], 5))
    assert not np.allclose(edited.layers[2].z, trace.layers[2].z)
    assert view.after_text == "edited: z = 0.5 · a = 0.5"
    with qtbot.waitSignal(view.edits_changed) as sig:
        view.off_box.setChecked(True)
    assert sig.args == [(UnitEdit(2, 5, 0.5, 0.0, off=True),)]
    a2 = trace.layers[1].a[0].copy()
    a2[5] = 0
    logits = a2 @ net.layers[2].W.T + net.layers[2].b
    np.testing.assert_allclose(apply_edits(net, view.edits()).logits(x[None])[0], logits, rtol=1e-5)
    assert view.after_text.endswith(" · off: the layers above see 0")


def test_weight_scale_of_a_first_layer_unit(view, trace, net, x, qtbot):
    view.set_unit(trace, 1, 37)
    with qtbot.waitSignal(view.edits_changed):
        view.scale_spin.setValue(2.5)
    edited = edited_trace(trace, view.edits())
    w = net.layers[0].W[37]
    assert edited.layers[0].z[0, 37] == pytest.approx(2.5 * float(x @ w), rel=1e-5)
    np.testing.assert_array_equal(view.weight_image.image, w.reshape(28, 28))  # the unedited W


def test_edits_of_several_units_accumulate(view, trace, qtbot):
    view.set_unit(trace, 2, 5)
    view.bias_spin.setValue(-1.0)
    with qtbot.assertNotEmitted(view.edits_changed):
        view.set_unit(trace, 1, 37)  # another unit: its own (empty) edit in the controls
    controls = (view.bias_spin.value(), view.scale_spin.value(), view.off_box.isChecked())
    assert controls == (0.0, 1.0, False)
    view.off_box.setChecked(True)
    view.set_unit(trace, 3, 2)
    view.scale_spin.setValue(0.3)
    assert view.edits() == (UnitEdit(2, 5, bias_shift=-1.0), UnitEdit(1, 37, off=True),
                            UnitEdit(3, 2, weight_scale=0.3))
    assert view.edit_list.text() == ("Edits: hidden 2 unit 5: bias -1.00; hidden 1 unit 37: off; "
                                     "output unit 2: weights ×0.3")
    with qtbot.assertNotEmitted(view.edits_changed):
        view.set_unit(trace, 2, 5)
    assert view.bias_spin.value() == -1.0
    assert view.edit_heading.text() == "<b>Edit hidden 2 · unit 5</b>"
    with qtbot.waitSignal(view.edits_changed) as sig:
        view.bias_spin.setValue(0.0)  # back to no change: the unit's edit goes
    assert sig.args[0] == (UnitEdit(1, 37, off=True), UnitEdit(3, 2, weight_scale=0.3))


def test_reset_clears_and_keep_asks(view, trace, qtbot):
    view.set_unit(trace, 2, 5)
    assert not view.reset_button.isEnabled() and not view.keep_button.isEnabled()
    view.off_box.setChecked(True)
    assert view.reset_button.isEnabled()
    with qtbot.waitSignal(view.keep_requested):
        qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.edits_changed) as sig:
        qtbot.mouseClick(view.reset_button, Qt.MouseButton.LeftButton)
    assert sig.args == [()] and view.edits() == ()
    assert not view.off_box.isChecked() and not view.reset_button.isEnabled()
    assert view.after_text == "" and view.edit_list.text() == "Edits: none"


def test_comparison_lines(view):
    p0 = np.array([0.0, 0.02, 0, 0, 0, 0, 0, 0.931, 0.049, 0])
    p1 = np.array([0.0, 0.54, 0, 0, 0, 0, 0, 0.40, 0.06, 0])
    view.set_comparison(p0, p1, 0.978, None, NAMES)
    assert view.answer_text == "answer 7 (93.1 %) → 1 (54.0 %)"
    assert view.accuracy_text == "test accuracy 97.80 % → …"
    view.set_comparison(p0, p1, 0.978, 0.912, NAMES)
    assert view.accuracy_text == "test accuracy 97.80 % → 91.20 %"
    assert view.answer.text == view.answer_text and view.accuracy.text == view.accuracy_text
    assert view.answer.opts["color"] == LIGHT.bad  # the answer changed
    view.set_comparison(p0, p0, 0.978, 0.978, NAMES)
    assert view.answer.opts["color"] == LIGHT.foreground


def test_hover_shows_exact_values(view, trace, net, x, qtbot, no_rate_limit):
    view.set_unit(trace, 1, 37)
    qtbot.waitUntil(lambda: view.product_plot.vb.viewRange()[0][1] > 28)  # auto-ranged
    w = net.layers[0].W[37]
    r, c = 14, 12
    hover_view(qtbot, view.glw, view.product_plot.vb, QPointF(c + 0.5, r + 0.5))
    text = view.hovers[view.product_plot].toPlainText()
    i = r * 28 + c
    assert text == f"pixel (14, 12)\nW = {w[i]:+.4g}\nx = {x[i]:.4g}\nW·x = {w[i] * x[i]:+.4g}"
    view.set_unit(trace, 2, 5)
    qtbot.waitUntil(lambda: view.bar_plot.vb.height() > 50)
    k = 3
    hover_view(qtbot, view.glw, view.bar_plot.vb, QPointF(0, k))
    i, W2, a1 = int(view.bar_inputs[k]), net.layers[1].W[5], trace.layers[0].a[0]
    assert view.hovers[view.bar_plot].toPlainText() == (
        f"input unit {i}\nW = {W2[i]:+.4g}\na = {a1[i]:.4g}\nW·a = {W2[i] * a1[i]:+.4g}")


def test_theme_and_errors(view, trace):
    view.set_unit(trace, 2, 5)
    before = view.bars.opts["x0"].copy()
    view.set_theme(DARK)
    assert view.glw.backgroundBrush().color().name() == DARK.background
    assert view.caption._item.defaultTextColor().name() == DARK.muted
    np.testing.assert_array_equal(view.bars.opts["x0"], before)
    with pytest.raises(ValueError, match="layer 4: the trace has layers 1–3"):
        view.set_unit(trace, 4, 0)
    with pytest.raises(ValueError, match="unit 128: layer 2 has units 0–127"):
        view.set_unit(trace, 2, 128)



def drawn_pt(label) -> float:
    cursor = QTextCursor(label.item.document())
    cursor.setPosition(1)
    return cursor.charFormat().fontPointSize()


def test_presenter_mode_enlarges_its_lines_and_wraps_them(view, trace):
    """The unit's name 12 pt and the other lines 10 pt, × 1.5 in presenter mode and back;
    a line then too long for the 480 px view wraps rather than widening the scene (the
    placeholder of the comparison, at 15 pt, cut off the right of the scene)."""
    view.set_unit(trace, 2, 5)
    for theme, scale in ((LIGHT, 1.0), (LIGHT.presenting(), 1.5), (LIGHT, 1.0)):
        view.set_theme(theme)
        QApplication.processEvents()
        assert drawn_pt(view.title) == 12 * scale
        assert drawn_pt(view.values) == drawn_pt(view.answer) == 10 * scale
        assert view.accuracy.opts["size"] == f"{10 * scale:g}pt"  # empty until a comparison
        assert view.title.text == view.title_text and view.values.text.startswith(
            view.values_text)
        assert view.glw.ci.geometry().width() <= view.glw.viewport().width()
        wrapped = view.answer.item.document().firstBlock().layout().lineCount()
        assert wrapped == (2 if theme.presenter else 1), view.answer.text


@pytest.mark.parametrize("width, presenter", [(363, False), (411, True)])
def test_the_first_layer_pair_stays_inside_the_panel(qtbot, trace, width, presenter):
    """Before: in the 363 px column of 1280×800 the pair and every line above it ran past
    the panel's right edge (357 px of scene in 355), presenting at 1280×720 by 43 px: the
    images' two-line titles were wider than half the panel. They are shorter now."""
    from PySide6.QtGui import QFont

    from nnviz.charts.theme import PRESENTER_FONT_SCALE
    from nnviz.gui.widgets.layout_check import layout_problems

    font = QFont(QApplication.font())
    if presenter:
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
        QApplication.setFont(big)
    try:
        view = shown(qtbot, UnitInspector(LIGHT.presenting(presenter)), width, 768)
        view.set_unit(trace, 1, 3)
        QApplication.processEvents()
        assert view.width() == width
        weights, products = (p.sceneBoundingRect() for p in (view.weight_plot,
                                                             view.product_plot))
        assert weights.right() <= products.left()  # side by side
        assert products.right() <= view.glw.viewport().width()
        assert layout_problems(view) == []
    finally:
        QApplication.setFont(font)
