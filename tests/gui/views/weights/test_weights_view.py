"""WeightsView: tiles are the snapshot's weights, modes switch arrays, histograms count them all."""

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
import pytest
from gui_helpers import make_snapshot, shown
from mouse import hover_view
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.config import TrainConfig
from nnviz.gui.views.weights.parts import READING, bin_counts, symmetric_level
from nnviz.gui.views.weights.view import IMAGE_HELP, WeightsView, mosaic
from nnviz.gui.widgets.help import help_buttons


def tile(image, k, cols, h=28, w=28, pad=1):
    r, c = divmod(k, cols)
    return image[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w]


@pytest.fixture
def view(qtbot):
    return shown(qtbot, WeightsView(), 1000, 700)


def test_mosaic_places_each_row_as_a_tile():
    W = np.random.default_rng(0).normal(size=(37, 28 * 28)).astype(np.float32)
    image = mosaic(W, (28, 28), cols=6, pad=1)
    assert image.shape == (7 * 29 - 1, 6 * 29 - 1)
    for k in range(37):
        np.testing.assert_array_equal(tile(image, k, 6), W[k].reshape(28, 28))
    assert np.isnan(image[28, :]).all() and np.isnan(image[:, 28]).all()  # the gaps
    assert np.isnan(tile(image, 37, 6)).all()  # places past the last unit stay empty
    assert np.count_nonzero(~np.isnan(image)) == W.size
    wide = mosaic(W[:4, :12], (3, 4), cols=4, pad=0)  # no gaps, non-square images
    np.testing.assert_array_equal(wide, np.hstack([w.reshape(3, 4) for w in W[:4, :12]]))


@pytest.mark.parametrize("mode", ["W", "dW", "uW", "W-W0"])
def test_tiles_are_the_first_layer_arrays(view, snapshot, mode):
    view.show_snapshot(snapshot)
    view.set_mode(mode)
    L = snapshot.layers[0]
    expected = L.W - L.W0 if mode == "W-W0" else getattr(L, mode)
    assert not np.allclose(expected, 0)
    image = view.image_item.image
    cols = 6  # 32 units: ceil(√32) tiles per row
    assert image.shape == (6 * 29 - 1, 6 * 29 - 1)
    for k in range(32):
        np.testing.assert_array_equal(tile(image, k, cols), expected[k].reshape(28, 28))
    m = np.percentile(np.abs(expected), 99.5)
    assert view.levels == pytest.approx((-m, m))
    assert tuple(view.image_item.levels) == pytest.approx((-m, m))
    assert view.colorbar.levels() == pytest.approx((-m, m))
    assert view.mode() == mode


def test_deeper_layers_are_matrices(view, snapshot, qtbot):
    view.show_snapshot(snapshot)
    with qtbot.waitSignal(view.layer_changed) as sig:
        view.layer_box.setCurrentIndex(1)  # the user picks layer 2
    assert sig.args == [1]
    np.testing.assert_array_equal(view.image_item.image, snapshot.layers[1].W)
    assert view.image_plot.getAxis("left").isVisible()
    view.set_mode("dW")
    np.testing.assert_array_equal(view.image_item.image, snapshot.layers[1].dW)
    view.set_layer(2)
    assert view.image_item.image.shape == (10, 16)
    np.testing.assert_array_equal(view.image_item.image, snapshot.layers[2].dW)
    with pytest.raises(ValueError):
        view.set_mode("b")


def test_histograms_count_every_weight(view, snapshot):
    view.show_snapshot(snapshot)
    for layer, L in enumerate(snapshot.layers):
        view.set_layer(layer)
        h = view.histogram
        edges, counts = h.now_item.xData, h.now_item.yData
        assert counts.sum() == L.W.size and h.init_item.yData.sum() == L.W0.size
        m = max(np.abs(L.W).max(), np.abs(L.W0).max())
        assert edges[0] == pytest.approx(-1.1 * m) and edges[-1] == pytest.approx(1.1 * m)
        np.testing.assert_array_equal(np.histogram(L.W, edges)[0], counts)  # all inside
        np.testing.assert_array_equal(np.histogram(L.W0, edges)[0], h.init_item.yData)


def test_bin_counts_and_symmetric_level_helpers():
    x = np.array([-5.0, -1.0, -0.2, 0.0, 0.3, 0.99, 7.0])
    counts = bin_counts(x, np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(counts, [2, 1, 2, 2])  # −5 and 7 land in the end bins
    assert symmetric_level(np.zeros((3, 4))) == 1.0
    sparse = np.zeros(1000)
    sparse[3] = -0.5
    assert symmetric_level(sparse) == 0.5  # percentile 0 falls back to max|x|


def test_wide_first_layer_is_paged(view, digits):
    wide = make_snapshot(digits, steps=3, run_id=5,
                         config=TrainConfig(hidden=(300,), batch_size=32, epochs=5, seed=1))[0]
    view.show_snapshot(wide)
    view.set_per_page(256)
    W = wide.layers[0].W
    assert view.page_box.isVisibleTo(view) and view.page_box.maximum() == 2
    for k in (0, 17, 255):
        np.testing.assert_array_equal(tile(view.image_item.image, k, 16), W[k].reshape(28, 28))
    view.page_box.setValue(2)  # units 256 … 299
    image = view.image_item.image
    for k in range(300 - 256):
        np.testing.assert_array_equal(tile(image, k, 16), W[256 + k].reshape(28, 28))
    assert np.isnan(tile(image, 300 - 256, 16)).all()
    assert view.image_plot.titleLabel.text == "W¹, units 256–299"


def test_new_run_of_another_size_resets(view, digits, snapshot):
    view.show_snapshot(snapshot)
    view.set_layer(2)
    small = make_snapshot(digits, steps=8, run_id=2,
                          config=TrainConfig(hidden=(10,), batch_size=50, epochs=5, seed=3))[0]
    view.show_snapshot(small)
    assert view.layer() == 0 and view.layer_box.count() == 2
    assert view.layer_box.itemText(1) == "W²: 10 → 10"
    image = view.image_item.image
    assert image.shape == (3 * 29 - 1, 4 * 29 - 1)  # 10 units: 4 per row, 3 rows
    for k in range(10):
        np.testing.assert_array_equal(tile(image, k, 4), small.layers[0].W[k].reshape(28, 28))
    assert view.histogram.now_item.yData.sum() == small.layers[0].W.size
    assert not view.page_box.isVisibleTo(view)


def test_hover_names_unit_pixel_and_value(qtbot, view, snapshot, no_rate_limit):
    view.show_snapshot(snapshot)
    view.set_mode("dW")
    k, (y, x) = 8, (13, 20)  # tile 8 sits at row 1, column 2 of the 6-wide mosaic
    r, c = divmod(k, 6)
    # The image is placed at −0.5: pixel (i, j) is centred on view point (j, i).
    hover_view(qtbot, view.graphics, view.image_plot.vb, QPointF(c * 29 + x, r * 29 + y))
    value = snapshot.layers[0].dW[k, y * 28 + x]
    assert view.readout.text() == f"unit {k}, pixel (row {y}, col {x}):  dW¹ = {value:+.4g}"
    assert view.tile_box.isVisible()
    assert view.tile_box.rect().getRect() == (c * 29 - 1, r * 29 - 1, 29, 29)
    view.set_layer(2)
    hover_view(qtbot, view.graphics, view.image_plot.vb, QPointF(5, 7))
    assert view.readout.text() == f"dW³[i=7, j=5] = {snapshot.layers[2].dW[7, 5]:+.4g}"


def test_output_rows_use_class_names(view, snapshot, digits):
    view.set_dataset(digits)
    view.show_snapshot(snapshot)
    view.set_layer(2)
    ticks = view.image_plot.getAxis("left")._tickLevels
    assert ticks == [list(enumerate(digits.class_names))]
    view.set_layer(1)
    assert view.image_plot.getAxis("left")._tickLevels is None


@pytest.mark.parametrize("steps", [0, 1])
def test_early_snapshots(view, digits, steps):
    early = make_snapshot(digits, steps=steps)[0]
    view.show_snapshot(early)
    view.set_mode("uW")  # no step yet: all zeros, drawn with levels (−1, 1)
    uW = early.layers[0].uW
    np.testing.assert_array_equal(tile(view.image_item.image, 5, 6), uW[5].reshape(28, 28))
    assert view.levels == ((-1.0, 1.0) if steps == 0 else pytest.approx(
        (-np.percentile(np.abs(uW), 99.5), np.percentile(np.abs(uW), 99.5))))


def test_hidden_view_draws_on_show(qtbot, snapshot):
    view = WeightsView()
    qtbot.addWidget(view)
    view.show_snapshot(snapshot)
    assert view.image_item.image is None
    view.show()
    assert view.image_item.image is not None


def test_theme_switch_restyles(view, snapshot):
    view.show_snapshot(snapshot)
    for theme in (DARK, LIGHT, DARK):
        view.set_theme(theme)
        assert view.graphics.backgroundBrush().color().name() == theme.background
        assert view.histogram.now_item.opts["pen"].color().name() == theme.accent
        assert view.tile_box.pen().color().name() == theme.foreground


def test_explanations_moved_into_question_marks_and_mode_tips(view):
    """The caption is gone: what it said is in the image's "?" and, per mode, in the tooltip
    and status tip of that mode's button."""
    assert not hasattr(view, "caption")
    keys = {b.topic.key: b for b in help_buttons(view)}
    assert set(keys) == {"weights.controls", "weights.image", "weights.histogram"}
    assert keys["weights.image"].targets == [view.image_plot, view.colorbar]
    assert "99.5th percentile of |value|" in IMAGE_HELP.text
    for button, mode in zip(view.mode_buttons.buttons(), READING, strict=True):
        assert button.statusTip() == READING[mode] and READING[mode] in button.toolTip()


def test_export_png(view, snapshot, tmp_path):
    view.show_snapshot(snapshot)
    path = tmp_path / "weights.png"
    pg.exporters.ImageExporter(view.export_item()).export(str(path))
    img = QImage(str(path))
    assert not img.isNull() and img.width() > 200 and img.height() > 200
    colours = {img.pixel(x, y) for x in range(0, img.width(), 5) for y in range(0, img.height(), 5)}
    assert len(colours) > 50  # a colour-mapped mosaic, not a blank page


def test_histogram_range_grows_with_spread_weights(view, snapshot):
    """Weights spread past ±1.5·max|W0|: the bins widen to hold them, no end-bin spike."""
    import dataclasses
    L = snapshot.layers[0]
    spread = dataclasses.replace(L, W=np.asarray(L.W * 3.0))
    snap = dataclasses.replace(snapshot, step=snapshot.step + 1,
                               layers=(spread, *snapshot.layers[1:]))
    view.show_snapshot(snap)
    edges, counts = view.histogram.now_item.xData, view.histogram.now_item.yData
    assert edges[0] <= spread.W.min() and edges[-1] >= spread.W.max()
    assert counts.sum() == spread.W.size  # (edges in float: a few values may sit on a border)
    assert np.abs(counts - np.histogram(spread.W, edges)[0]).max() <= 3
    assert counts[0] < counts.max() / 10 and counts[-1] < counts.max() / 10
    assert view.histogram.init_item.yData.sum() == L.W0.size


@pytest.mark.parametrize("width, rows", [(438, 2), (483, 2), (776, 2), (1011, 1)])
def test_mode_buttons_whole_at_the_docks_widths(qtbot, snapshot, width, rows):
    """Before: at 1280×800 (438 px) the buttons read "Wei…s W", "Gra… dW" (64 px each);
    the layer and page choices now move to a second row where the buttons need the width."""
    from PySide6.QtWidgets import QToolButton

    view = shown(qtbot, WeightsView(), width, 305)
    view.show_snapshot(snapshot)
    qtbot.waitUntil(lambda: view.one_row == (rows == 1))
    QApplication.processEvents()  # the layout places the moved widgets
    view.layout().activate()
    buttons = view.mode_buttons.buttons()
    assert [b.text() for b in buttons] == ["Weights W", "Gradient dW", "Last update uW",
                                           "Learned W − W₀"]
    for button in buttons:
        assert isinstance(button, QToolButton)
        text = button.text()
        assert button.width() >= button.fontMetrics().horizontalAdvance(text), text
    ys = {w.mapTo(view, w.rect().topLeft()).y() for w in view.layer_widgets[:2]}
    assert len(ys) == 1
    above = ys.pop() > buttons[0].mapTo(view, buttons[0].rect().bottomLeft()).y()
    assert above == (rows == 2)  # the layer box below the buttons, or beside them
    assert view.layer_box.currentText() == f"W¹: 784 → {snapshot.sizes[1]}"
