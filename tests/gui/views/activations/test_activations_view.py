"""The activations view: the probe's forward pass, drawn with the engine's own numbers."""


import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
import pytest
from gui_helpers import make_snapshot, shown
from mouse import hover_view
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QTextCursor
from PySide6.QtWidgets import QApplication

from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.config import TrainConfig
from nnviz.gui.views.activations.parts import inactive_mask, probe_forward
from nnviz.gui.views.activations.view import ActivationsView


@pytest.fixture
def view(qtbot, digits, snapshot):
    v = shown(qtbot, ActivationsView(), 900, 600)
    v.model.set_dataset(digits)
    v.show_snapshot(snapshot)
    return v


def engine_activations(snap, x):
    """Every layer's activation for one image, from the engine's own network."""
    return [a[0] for a in snap.network().hidden_activations(x[None, :])]


def check_network_drawn(view, snap, data):
    """Panels, overlays and bars hold the engine's forward pass of the current probe."""
    x = data.x_test[view.probe_index]
    acts = engine_activations(snap, x)
    assert len(view.panels) == len(snap.sizes) - 2
    for panel, a, n in zip(view.panels, acts[:-1], snap.sizes[1:-1], strict=True):
        image = panel.image.image
        assert image.shape == (panel.rows, panel.cols) and panel.rows * panel.cols >= n
        np.testing.assert_array_equal(image.ravel()[:n], a)
        assert np.isnan(image.ravel()[n:]).all()
        off = panel.overlay.image[..., 3].ravel()[:n] > 0
        np.testing.assert_array_equal(off, a == 0)  # ReLU: inactive means a == 0
        assert f"{int((a == 0).sum())} of {n} units off" in panel.plot.titleLabel.text
    expected = snap.network().predict_proba(x)[0]
    np.testing.assert_allclose(view.probabilities, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(view.output.bars.opts["width"], expected, rtol=1e-6, atol=1e-7)


def test_probe_image_is_the_test_image(view, digits):
    for i in (0, 17):
        view.set_probe(i)
        np.testing.assert_array_equal(view.input_item.image, digits.x_test[i].reshape(28, 28))
        assert f"#{i}" in view.input_caption.text()


def test_layers_and_probabilities_equal_the_engine(view, snapshot, digits):
    check_network_drawn(view, snapshot, digits)
    view.set_probe(42)
    check_network_drawn(view, snapshot, digits)


def test_prediction_line_and_bar_colours(view, snapshot, digits):
    p = view.probabilities
    k, true = int(p.argmax()), int(digits.y_test[view.probe_index])
    assert view.prediction_text.startswith(f"predicted {k} ({100 * p[k]:.1f} %), true {true}")
    brushes = view.output.bars.opts["brushes"]
    colour = LIGHT.good if k == true else LIGHT.bad
    assert pg.mkBrush(brushes[k]).color() == pg.mkColor(colour)
    assert view.output.labels[true].toPlainText().endswith("◀")
    others = [i for i in range(10) if i != true]
    assert not any(view.output.labels[i].toPlainText().endswith("◀") for i in others)


def test_live_updates_follow_training(view, digits):
    later, _, _ = make_snapshot(digits, steps=60)
    view.show_snapshot(later)
    check_network_drawn(view, later, digits)


def test_navigation_changes_probe_and_emits(view, qtbot, digits):
    n = len(digits.x_test)
    with qtbot.waitSignal(view.probe_changed) as signal:
        view.next_button.click()
    assert signal.args == [1] and view.probe_index == 1 and view.spin.value() == 1
    view.prev_button.click()
    with qtbot.waitSignal(view.probe_changed) as signal:
        view.prev_button.click()
    assert signal.args == [n - 1] and view.probe_index == n - 1  # wraps around
    with qtbot.waitSignal(view.probe_changed) as signal:
        view.spin.setValue(7)
    assert signal.args == [7] and view.probe_index == 7
    with qtbot.waitSignal(view.probe_changed) as signal:
        view.random_button.click()
    assert signal.args[0] != 7 and view.probe_index == signal.args[0]
    view.set_probe(3)
    view.setFocus()
    with qtbot.waitSignal(view.probe_changed) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Right)
    assert signal.args == [4]
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.probe_index == 3
    with qtbot.assertNotEmitted(view.probe_changed):
        view.set_probe(3)


def test_new_run_with_other_sizes_rebuilds(view, digits, snapshot):
    one_layer = make_snapshot(digits, 5, TrainConfig(hidden=(20,), batch_size=32, seed=1),
                              run_id=2)[0]
    view.show_snapshot(one_layer)
    assert [p.n for p in view.panels] == [20]
    check_network_drawn(view, one_layer, digits)
    three = make_snapshot(digits, 5, TrainConfig(hidden=(50, 30, 12), batch_size=32, seed=2),
                          run_id=3)[0]
    view.show_snapshot(three)
    assert [p.n for p in view.panels] == [50, 30, 12]
    check_network_drawn(view, three, digits)
    # Input and output on top (the view is taller than wide), below them every layer with
    # its colour bar, row by row in order.
    assert [view.top.getItem(0, c) for c in range(2)] == [view.input_plot, view.output.plot]
    per_row = view._arranged[1]
    cells = [view.hidden.getItem(i // per_row, i % per_row) for i in range(3)]
    assert cells == [p.cell for p in view.panels]
    assert all(p.cell.getItem(0, 0) is p.plot and p.cell.getItem(0, 1) is p.bar
               for p in view.panels)


def test_hidden_view_draws_when_shown(view, digits):
    before = view.panels[0].image.image.copy()
    view.hide()
    later = make_snapshot(digits, steps=80)[0]
    view.show_snapshot(later)
    np.testing.assert_array_equal(view.panels[0].image.image, before, strict=True)
    view.show()
    check_network_drawn(view, later, digits)


def test_hover_shows_unit_values(qtbot, view, digits, snapshot, no_rate_limit):
    panel = view.panels[0]
    unit = 1 * panel.cols + 5  # row 1, col 5 of its grid
    hover_view(qtbot, view.glw, panel.plot.vb, pg.Point(5.5, 1.5))
    assert panel.hover.isVisible()
    text = panel.hover.toPlainText()
    assert f"layer 1, unit {unit}" in text
    assert f"z = {panel.z[unit]:.4g}" in text and f"a = {panel.a[unit]:.4g}" in text
    hover_view(qtbot, view.glw, view.output.plot.vb, pg.Point(0.1, 3))
    assert not panel.hover.isVisible() and view.output.hover.isVisible()
    assert f"p = {view.probabilities[3]:.4f}" in view.output.hover.toPlainText()


def test_inactive_mask_per_activation():
    z = np.array([-5.0, -0.1, 0.0, 0.1, 5.0], dtype=np.float32)
    assert inactive_mask("relu", z, np.maximum(z, 0)).tolist() == [1, 1, 1, 0, 0]
    assert inactive_mask("leaky_relu", z, z).tolist() == [1, 1, 1, 0, 0]
    assert inactive_mask("tanh", z, np.tanh(z)).tolist() == [1, 0, 0, 0, 1]
    sig = 1 / (1 + np.exp(-z))
    assert inactive_mask("sigmoid", z, sig).tolist() == [1, 0, 0, 0, 1]
    assert not inactive_mask("identity", z, z).any()


def test_theme_switches_both_ways(view):
    for theme in (DARK, LIGHT, DARK):
        view.set_theme(theme)
        assert view.glw.backgroundBrush().color() == pg.mkColor(theme.background)
        rgba = view.panels[0].overlay.image
        assert tuple(rgba[0, 0, :3]) == pg.mkColor(theme.bad).getRgb()[:3]
        assert view.input_caption._item.defaultTextColor() == pg.mkColor(theme.muted)
        assert view.panels[0].plot.getAxis("left").textPen().color() == pg.mkColor(theme.foreground)


def test_export_gives_a_picture(view):
    data = pg.exporters.ImageExporter(view.export_item()).export(toBytes=True)
    image = data if isinstance(data, QImage) else QImage.fromData(data)
    assert image.width() > 400 and image.height() > 300
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5)
               for y in range(0, image.height(), 5)}
    assert len(colours) > 20


def test_show_snapshot_draws_the_default_network(qtbot, digits):
    # What it costs: benchmarks/bench_costs.py ("activations").
    view = shown(qtbot, ActivationsView(), 900, 600)
    view.model.set_dataset(digits)
    snap = make_snapshot(digits, 2, TrainConfig(hidden=(256, 128), batch_size=32, seed=0))[0]
    view.show_snapshot(snap)
    check_network_drawn(view, snap, digits)
    view.show_snapshot(snap)  # again: the items made once are reused
    check_network_drawn(view, snap, digits)
    _, acts = probe_forward(snap.layers, digits.x_test[0])
    np.testing.assert_array_equal(acts[-1], snap.network().logits(digits.x_test[:1])[0])


def test_network_for_other_data_is_not_drawn(view, digits):
    twelve = tuple(str(k) for k in range(12))
    other = type(digits)("twelve", twelve, digits.x_train, digits.y_train, digits.x_val,
                         digits.y_val, digits.x_test, digits.y_test, (28, 28), "tests")
    view.model.set_dataset(other)
    assert view.probabilities is None
    assert "other data" in view.prediction_text
    assert len(view.output.labels) == 12


def drawn_pt(text_item, at: int = 1) -> float:
    """The point size a QGraphicsTextItem draws its character ``at`` in (its scale included)."""
    cursor = QTextCursor(text_item.document())
    cursor.setPosition(at)
    return cursor.charFormat().fontPointSize() * text_item.scale()


def test_presenter_mode_enlarges_the_header_and_the_value_labels(view, qtbot):
    """The prediction line (12 pt) and the bars' value labels (8 pt) × 1.5 in presenter mode
    and back; in both, a full bar's "100.0 % ◀" ends inside the plot, and the label column is
    that label's width: the bars have the rest."""
    bars = view.output
    p = np.zeros(10)
    p[3] = 1.0
    for theme, header_pt, label_pt in ((LIGHT, 12, 8), (LIGHT.presenting(), 18, 12),
                                       (LIGHT, 12, 8)):
        view.set_theme(theme)
        bars.show(p, p, 3)
        QApplication.processEvents()
        assert drawn_pt(view.header.item) == header_pt
        assert [label.textItem.font().pointSizeF() for label in bars.labels] == [label_pt] * 10
        label, vb = bars.labels[3], bars.plot.vb
        assert label.toPlainText() == "100.0 % ◀"
        margin = label.textItem.document().documentMargin()  # around the text, in pixels
        ink = label.textItem.boundingRect().width() - 2 * margin
        ink_right = vb.mapViewToScene(label.pos()).x() + margin + ink
        area = vb.sceneBoundingRect()
        assert area.right() - 6 <= ink_right <= area.right()
        full_bar = vb.mapViewToScene(pg.Point(1, 0)).x() - vb.mapViewToScene(pg.Point(0, 0)).x()
        assert full_bar == pytest.approx(area.width() - bars.label_width()
                                         - 0.02 * full_bar, abs=1)
