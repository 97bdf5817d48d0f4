"""WeightsView at the sizes the main window gives it: nothing cut or covered, receptive fields
large enough to read, a histogram of what is shown, a colour scale that can be locked."""

import dataclasses

import numpy as np
import pyqtgraph as pg
import pytest
from gui_helpers import make_snapshot, shown
from mouse import LEFT, hover_view, send
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from nnviz.charts.theme import LIGHT, PRESENTER_FONT_SCALE, style_ticks
from nnviz.engine.config import TrainConfig
from nnviz.gui.views.weights.parts import count_ticks, following_range, nice_ticks
from nnviz.gui.views.weights.view import WeightsView
from nnviz.gui.widgets.layout_check import layout_problems

# The weights view's size in the main window: at 1280×800, 1366×768 and 1920×1080, and in
# presenter mode at 1280×720 and 1920×1080.
DOCK_SIZES = {"1280x800": (438, 305, False), "1366x768": (483, 291, False),
              "1920x1080": (776, 431, False), "presenting 1280x720": (673, 257, True),
              "presenting 1920x1080": (1011, 419, True)}
MODES = ("W", "dW", "uW", "W-W0")


@pytest.fixture(scope="module")
def wide_snapshot(digits):
    """A network of the default preset's shape: 256 first-layer units (16 pages of 16)."""
    config = TrainConfig(hidden=(256, 128), batch_size=32, epochs=100, seed=0)
    return make_snapshot(digits, steps=30, config=config)[0]


@pytest.fixture
def presenting(qapp):
    """Presenter mode's larger application font, as the window sets it; given back after."""
    normal = QFont(qapp.font())

    def on(flag: bool):
        font = QFont(normal)
        if flag:
            font.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
        qapp.setFont(font)
        return LIGHT.presenting(flag)
    yield on
    qapp.setFont(normal)


def dock_view(qtbot, presenting, size, snap, digits):
    width, height, presenter = DOCK_SIZES[size]
    theme = presenting(presenter)
    view = WeightsView(theme=theme)
    view.set_dataset(digits)
    shown(qtbot, view, width, height)
    for item in view.graphics.scene().items():  # as the window's presenter mode does
        if isinstance(item, pg.AxisItem):
            style_ticks(item, theme)
    view.show_snapshot(snap)
    return view


def settle():
    for _ in range(5):
        QApplication.processEvents()


@pytest.mark.parametrize("size", DOCK_SIZES)
def test_nothing_cut_or_covered_at_the_dock_sizes(qtbot, presenting, wide_snapshot, digits,
                                                  size):
    """Before: at 1280×800 the histogram ran 160 px past the right edge and its legend
    covered its bars (4 problems at 1280×800 and 1366×768, 5 presenting at 1280×720: its
    data area 176×50 px, 1 presenting at 1920×1080)."""
    view = dock_view(qtbot, presenting, size, wide_snapshot, digits)
    for layer in (0, 1):
        view.set_layer(layer)
        for mode in MODES:
            view.set_mode(mode)
            settle()
            assert layout_problems(view) == [], (size, layer, mode)
            # the histogram wholly inside the chart, its "?" too, the legend off its bars
            visible = view.graphics.viewport().rect()
            for item in (view.hist_plot, view.hist_legend, view.image_plot):
                box = view.graphics.mapFromScene(item.sceneBoundingRect()).boundingRect()
                assert visible.adjusted(-1, -1, 1, 1).contains(box), (size, layer, mode)
            legend = view.hist_legend.sceneBoundingRect()
            assert not legend.intersects(view.hist_plot.vb.sceneBoundingRect())


@pytest.mark.parametrize("size, per_page, least", [
    ("1280x800", 16, 40), ("1366x768", 16, 40), ("1920x1080", 64, 36),
    ("presenting 1920x1080", 16, 40)])
def test_receptive_fields_sized_to_be_read(qtbot, presenting, wide_snapshot, digits, size,
                                           per_page, least):
    """Before: 256 fields of 28×28 a page, ≈8 px each at 1280×800 (noise). Now the page
    holds as many as are 36 px or more on screen (16 at least)."""
    view = dock_view(qtbot, presenting, size, wide_snapshot, digits)
    settle()
    assert view.per_page == per_page
    assert view.per_page_box.currentData() == per_page and view.per_page_box.isVisibleTo(view)
    cols = int(np.sqrt(per_page))
    assert view.image_item.image.shape == (cols * 29 - 1, cols * 29 - 1)
    box = view.image_item.sceneBoundingRect()  # the mosaic on screen
    field = box.width() / view.image_item.image.shape[1] * 28
    assert field >= least, field
    assert view.page_box.maximum() == 256 // per_page
    assert view.image_plot.titleLabel.text == f"W¹, units 0–{per_page - 1}"


def test_page_size_choice_and_paging(qtbot, wide_snapshot, digits):
    view = shown(qtbot, WeightsView(), 438, 305)
    view.set_dataset(digits)
    view.show_snapshot(wide_snapshot)
    W = wide_snapshot.layers[0].W
    view.page_box.setValue(3)  # units 32 … 47
    assert view.image_plot.titleLabel.text == "W¹, units 32–47"
    np.testing.assert_array_equal(view.image_item.image[:28, :28], W[32].reshape(28, 28))
    view.per_page_box.setCurrentIndex(1)
    view.per_page_box.activated.emit(1)  # as a click on "64" does
    assert view.per_page == 64 and view.page_box.maximum() == 4
    assert view.page_box.value() == 1  # the page holding unit 32: units 0 … 63
    assert view.image_item.image.shape == (8 * 29 - 1, 8 * 29 - 1)
    view.resize(900, 700)  # chosen by the user: no longer follows the room
    settle()
    assert view.per_page == 64
    with pytest.raises(ValueError):
        view.set_per_page(20)


def ranged(qtbot, view):
    """Once the image plot's range holds the image (pyqtgraph sets it on the next events)."""
    def holds():
        return view.image_plot.vb.viewRect().contains(view.image_item.mapRectToParent(
            view.image_item.boundingRect()))
    qtbot.waitUntil(holds, timeout=2000)


def scene_point(view, unit, y, x):
    """Scene position of pixel (y, x) of ``unit``'s tile on the page shown."""
    _, first, cols, _ = view._shown
    r, c = divmod(unit - first, cols)
    return view.image_plot.vb.mapViewToScene(QPointF(c * 29 + x, r * 29 + y))


def click(view, scene_pos):
    pos = view.graphics.mapFromScene(scene_pos)
    send(view, QEvent.Type.MouseButtonPress, pos, LEFT, LEFT)
    send(view, QEvent.Type.MouseButtonRelease, pos, LEFT, Qt.MouseButton.NoButton)


def test_click_enlarges_a_field_and_esc_or_a_click_goes_back(qtbot, wide_snapshot, digits,
                                                             no_rate_limit):
    view = shown(qtbot, WeightsView(), 438, 305)
    view.set_dataset(digits)
    view.show_snapshot(wide_snapshot)
    settle()
    view.page_box.setValue(2)  # units 16 … 31
    W = wide_snapshot.layers[0].W
    hover_view(qtbot, view.graphics, view.image_plot.vb, QPointF(29 + 5, 29 + 7))
    assert view.readout.text().startswith("unit 21, pixel (row 7, col 5):")  # its number
    paged = view.image_item.sceneBoundingRect().width() / (4 * 29 - 1) * 28
    assert paged >= 40
    ranged(qtbot, view)
    click(view, scene_point(view, 21, 7, 5))
    assert view.focus == 21
    np.testing.assert_array_equal(view.image_item.image, W[21].reshape(28, 28))
    assert view.image_plot.titleLabel.text == "W¹, unit 21"
    settle()
    field = view.image_item.sceneBoundingRect().width()
    assert field > 3 * paged  # one 28×28 field across the chart
    hover_view(qtbot, view.graphics, view.image_plot.vb, QPointF(3, 10))
    value = W[21, 10 * 28 + 3]
    assert view.readout.text() == f"unit 21, pixel (row 10, col 3):  W¹ = {value:+.4g}"
    view.set_mode("dW")  # the same unit's gradient
    np.testing.assert_array_equal(view.image_item.image,
                                  wide_snapshot.layers[0].dW[21].reshape(28, 28))
    qtbot.keyClick(view.graphics, Qt.Key.Key_Escape)
    assert view.focus is None and view.page_box.value() == 2
    assert view.image_item.image.shape == (4 * 29 - 1, 4 * 29 - 1)
    ranged(qtbot, view)
    click(view, scene_point(view, 30, 20, 20))
    assert view.focus == 30
    ranged(qtbot, view)
    click(view, view.image_plot.vb.mapViewToScene(QPointF(14, 14)))  # on the field: back
    assert view.focus is None and view.page_box.value() == 2
    view.set_layer(1)  # a matrix: clicks change nothing
    click(view, view.image_plot.vb.mapViewToScene(QPointF(5, 5)))
    assert view.focus is None


def with_layer(snap, layer, **arrays):
    layers = list(snap.layers)
    layers[layer] = dataclasses.replace(layers[layer], **arrays)
    return dataclasses.replace(snap, step=snap.step + 1, layers=tuple(layers))


def test_lock_scale_keeps_the_levels_across_snapshots(qtbot, wide_snapshot):
    view = shown(qtbot, WeightsView(), 776, 431)
    view.show_snapshot(wide_snapshot)
    m = np.percentile(np.abs(wide_snapshot.layers[0].W[:view.per_page]), 99.5)
    assert view.levels == pytest.approx((-m, m))
    view.lock_button.click()
    assert view.scale_locked()
    grown = with_layer(wide_snapshot, 0, W=wide_snapshot.layers[0].W * 3)
    view.show_snapshot(grown)
    assert view.drawing.drawn is grown
    assert view.levels == pytest.approx((-m, m))  # unchanged: the colours compare
    assert tuple(view.image_item.levels) == pytest.approx((-m, m))
    assert view.colorbar.levels() == pytest.approx((-m, m))
    view.set_mode("dW")  # another mode takes its own levels, then keeps them
    d = np.percentile(np.abs(grown.layers[0].dW[:view.per_page]), 99.5)
    assert view.levels == pytest.approx((-d, d))
    view.show_snapshot(with_layer(grown, 0, dW=grown.layers[0].dW * 10))
    assert view.levels == pytest.approx((-d, d))
    view.set_mode("W")
    view.lock_button.click()  # unlocked: the newest snapshot's own levels at once
    assert not view.scale_locked()
    assert view.levels == pytest.approx((-3 * m, 3 * m), rel=1e-5)


@pytest.mark.parametrize("mode, title", [("W", "Distribution of W¹"),
                                         ("dW", "Distribution of dW¹"),
                                         ("uW", "Distribution of uW¹"),
                                         ("W-W0", "Distribution of (W − W₀)¹")])
def test_histogram_counts_the_mode_shown(qtbot, wide_snapshot, mode, title):
    """Before: always W's histogram, titled "Distribution of W¹" in every mode."""
    view = shown(qtbot, WeightsView(), 776, 431)
    view.show_snapshot(wide_snapshot)
    view.set_mode(mode)
    L = wide_snapshot.layers[0]
    values = L.W - L.W0 if mode == "W-W0" else getattr(L, mode)
    h = view.histogram
    assert view.hist_plot.titleLabel.text == title
    edges, counts = h.now_item.xData, h.now_item.yData
    np.testing.assert_array_equal(np.histogram(values, edges)[0], counts)  # all inside
    assert counts.sum() == values.size
    r = max(np.abs(values).max(), np.abs(L.W0).max() if mode == "W" else 0)
    assert edges[-1] == pytest.approx(1.1 * r) and edges[0] == pytest.approx(-1.1 * r)
    names = [label.text for _, label in view.hist_legend.items]
    assert h.init_item.isVisible() == (mode == "W")
    assert names == (["now", "initial"] if mode == "W" else [names[0]]) and len(names)


def test_histogram_range_follows_the_values(qtbot, wide_snapshot):
    """Weights spread from ±0.35 to ±0.64: the bins widen (no pile-up in the end bins);
    updates that shrink tenfold: the bins narrow; small changes keep the bins still."""
    view = shown(qtbot, WeightsView(), 776, 431)
    view.show_snapshot(wide_snapshot)
    L = wide_snapshot.layers[0]
    h = view.histogram
    r0 = h.edges[-1]
    view.show_snapshot(with_layer(wide_snapshot, 0, W=L.W * 1.05))  # still inside: kept
    assert h.edges[-1] == r0
    spread = with_layer(wide_snapshot, 0, W=L.W * 4)
    view.show_snapshot(spread)
    W = spread.layers[0].W
    assert h.edges[-1] == pytest.approx(1.1 * np.abs(W).max())
    counts = h.now_item.yData
    np.testing.assert_array_equal(np.histogram(W, h.edges)[0], counts)
    assert counts[0] <= 2 and counts[-1] <= 2  # the extremes only, no pile-up
    np.testing.assert_array_equal(np.histogram(L.W0, h.edges)[0], h.init_item.yData)
    view.set_mode("uW")
    r = h.edges[-1]
    view.show_snapshot(with_layer(spread, 0, uW=L.uW / 10))
    assert h.edges[-1] == pytest.approx(r / 10)  # narrowed with the values
    ticks = view.hist_plot.getAxis("bottom")._tickLevels[0]
    assert [v for v, _ in ticks] == pytest.approx([-ticks[2][0], 0, ticks[2][0]])
    assert 0.3 * h.edges[-1] <= ticks[2][0] <= 0.8 * h.edges[-1]


def test_range_and_tick_helpers():
    assert following_range(0.0, 0.35) == pytest.approx(0.385)
    assert following_range(0.385, 0.3) == 0.385   # fills more than half: kept
    assert following_range(0.385, 0.64) == pytest.approx(0.704)  # past it: widened
    assert following_range(0.704, 0.1) == pytest.approx(0.11)    # under half: narrowed
    assert following_range(0.0, 0.0) == 1.0
    assert nice_ticks(0.385) == [(-0.2, "-0.2"), (0.0, "0"), (0.2, "0.2")]
    assert nice_ticks(2.6e-4) == [(-2e-4, "-2e-4"), (0.0, "0"), (2e-4, "2e-4")]
    assert count_ticks(16000) == [(0.0, "0"), (5000.0, "5k"), (10000.0, "10k"),
                                  (15000.0, "15k")]
    assert count_ticks(450) == [(0.0, "0"), (200.0, "200"), (400.0, "400")]
