"""CurvesView: the curves hold the engine's numbers, smoothing is TensorBoard's EMA, resets work."""

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
import pytest
from gui_helpers import make_snapshot, shown
from mouse import hover_view
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from nnviz.charts.theme import DARK, LIGHT, PRESENTER_FONT_SCALE
from nnviz.engine.config import TrainConfig
from nnviz.engine.snapshot import take_snapshot
from nnviz.gui.views.curves.tools import ema, epoch_ticks
from nnviz.gui.views.curves.view import (
    CONTROLS_HELP,
    HELP,
    SECONDARY,
    CurvesView,
    arrange,
    chart_groups,
)
from nnviz.gui.widgets.help import help_buttons
from nnviz.gui.widgets.layout_check import layout_problems


def reference_ema(values, w):
    """TensorBoard's smoothing, written out as the plain loop it is."""
    out, last = [], 0.0
    for n, v in enumerate(values, start=1):
        last = last * w + (1 - w) * v
        out.append(last / (1 - w ** n))
    return np.array(out)


def n_points(item) -> int:
    return 0 if item.yData is None else len(item.yData)


@pytest.fixture
def view(qtbot):
    return shown(qtbot, CurvesView(), 900, 700)


@pytest.mark.parametrize("w", [0.0, 0.001, 0.3, 0.6, 0.95, 0.999])
def test_ema_equals_the_reference_loop(w):
    # 3000 points: several blocks for small w, so the carry between blocks is exercised.
    x = np.random.default_rng(1).normal(size=3000).cumsum() + 50
    np.testing.assert_allclose(ema(x, w), reference_ema(x, w), rtol=1e-10)


def test_loss_curve_and_epoch_markers_hold_the_reported_numbers(view, snapshot):
    view.show_snapshot(snapshot)
    c, h = snapshot.curves, snapshot.history
    x, y = view.loss_raw.getData()
    np.testing.assert_array_equal(y, c["loss"])
    np.testing.assert_array_equal(x, c["step"])
    np.testing.assert_array_equal(view.lr_curve.getData()[1], c["lr"])
    assert len(h) == 2
    steps = [r["step"] for r in h]
    for key in ("train", "test"):
        x, y = view.loss_epoch[key].getData()
        np.testing.assert_array_equal(x, steps)
        np.testing.assert_allclose(y, [r[f"{key}_loss"] for r in h])
        np.testing.assert_allclose(view.acc_epoch[key].getData()[1],
                                   [100 * r[f"{key}_accuracy"] for r in h])
    # The tiny dataset has no validation split: val_loss is None, so no markers.
    assert n_points(view.loss_epoch["val"]) == n_points(view.acc_epoch["val"]) == 0
    # Epoch ends are the top axis' ticks (and so its faint grid lines).
    major, minor = view.grad_plot.getAxis("top")._tickLevels
    assert sorted(p for p, _ in major + minor) == steps
    assert major[0][1] == "epoch 1"


def test_smoothed_curves_follow_the_slider(view, snapshot, qtbot):
    view.show_snapshot(snapshot)
    loss, acc = snapshot.curves["loss"], snapshot.curves["accuracy"]
    for w in (0.0, 0.25, 0.6, 0.9, 0.999):
        with qtbot.waitSignal(view.smoothing_changed) as sig:
            view.set_smoothing(w)
        assert sig.args == [pytest.approx(w)]
        np.testing.assert_allclose(view.loss_smooth.yData, reference_ema(loss, w), rtol=1e-10)
        np.testing.assert_allclose(view.acc_smooth.yData, 100 * reference_ema(acc, w), rtol=1e-10)
    view.slider.setValue(500)  # the user drags the slider
    assert view.smoothing() == 0.5
    np.testing.assert_allclose(view.loss_smooth.yData, reference_ema(loss, 0.5), rtol=1e-10)
    view.set_smoothing(2.0)
    assert view.smoothing() == 0.999


def test_gradient_plot_is_logarithmic_with_one_curve_per_layer(view, snapshot):
    view.show_snapshot(snapshot)
    g = snapshot.curves["grad_rms"]
    assert g.shape[1] == len(snapshot.layers) == len(view.grad_curves) == 3
    for i, item in enumerate(view.grad_curves):
        assert item.opts["logMode"] == [False, True]
        np.testing.assert_array_equal(item.yData, g[:, i])
        np.testing.assert_allclose(item.getData()[1], np.log10(g[:, i]))
    labels = [label.text for _, label in view.grad_plot.legend.items]
    assert labels == ["W¹", "W²", "W³"]
    # One inactive-share curve per hidden layer, in percent, at the epochs' steps.
    inactive = np.array([r["inactive"] for r in snapshot.history])
    assert len(view.inactive_curves) == 2
    for i, item in enumerate(view.inactive_curves):
        np.testing.assert_allclose(item.yData, 100 * inactive[:, i])
        np.testing.assert_array_equal(item.xData, [r["step"] for r in snapshot.history])


def test_new_run_of_another_size_resets(view, digits, snapshot):
    view.show_snapshot(snapshot)
    small = make_snapshot(digits, steps=12, run_id=2,
                          config=TrainConfig(hidden=(10,), batch_size=50, epochs=10, seed=3))[0]
    view.show_snapshot(small)
    assert len(view.grad_curves) == 2 and len(view.inactive_curves) == 1
    assert [label.text for _, label in view.grad_plot.legend.items] == ["W¹", "W²"]
    np.testing.assert_array_equal(view.loss_raw.getData()[1], small.curves["loss"])
    np.testing.assert_array_equal(view.grad_curves[1].yData, small.curves["grad_rms"][:, 1])
    np.testing.assert_array_equal(view.loss_epoch["train"].xData,
                                  [r["step"] for r in small.history])
    view.show_snapshot(snapshot)  # and back to the deeper network
    assert len(view.grad_curves) == 3


def test_loss_title_names_the_loss_and_whether_the_l2_penalty_is_in_it(view, digits):
    # λ = 0: there is no penalty to leave out.
    snap, trainer, curves = make_snapshot(digits, steps=3)
    view.show_snapshot(snap)
    assert view.loss_plot.titleLabel.text == "Loss: softmax cross-entropy"
    # λ is live: raised mid-run, the title says the plotted loss is without its penalty
    # (the trainer reports, and evaluates, the data loss only).
    trainer.request(l2=1e-4)
    r = trainer.step()
    curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
    view.show_snapshot(take_snapshot(trainer, curves, [L.W0 for L in snap.layers], 1))
    assert view.loss_plot.titleLabel.text == (
        "Loss: softmax cross-entropy, without the L2 penalty λ/2·Σ‖W‖² (λ = 0.0001)")
    mse = make_snapshot(digits, steps=2, run_id=2,
                        config=TrainConfig(hidden=(8,), loss="mse", l2=0.003, batch_size=32))[0]
    view.show_snapshot(mse)
    assert view.loss_plot.titleLabel.text == (
        "Loss: mean squared error on softmax, without the L2 penalty λ/2·Σ‖W‖² (λ = 0.003)")


@pytest.mark.parametrize("steps", [0, 4])
def test_before_the_first_epoch(view, digits, steps):
    early = make_snapshot(digits, steps=steps)[0]
    assert early.history == ()
    view.show_snapshot(early)
    assert n_points(view.loss_raw) == steps and n_points(view.grad_curves[0]) == steps
    assert all(n_points(item) == 0 for item in [*view.loss_epoch.values(), *view.inactive_curves])
    later = make_snapshot(digits, steps=12)[0]  # the same run, one epoch later
    view.show_snapshot(later)
    np.testing.assert_array_equal(view.inactive_curves[1].yData,
                                  [100 * later.history[0]["inactive"][1]])


def test_hidden_view_draws_on_show(qtbot, snapshot):
    view = CurvesView()
    qtbot.addWidget(view)
    view.show_snapshot(snapshot)
    assert n_points(view.loss_raw) == 0
    view.show()
    np.testing.assert_array_equal(view.loss_raw.yData, snapshot.curves["loss"])


def test_all_plots_share_the_step_range(view, snapshot, qtbot):
    view.show_snapshot(snapshot)
    view.grad_plot.setXRange(5, 15, padding=0)
    for plot in view.plots:
        assert plot.vb.viewRange()[0] == pytest.approx([5, 15])


def test_hover_shows_the_nearest_point(qtbot, view, snapshot, no_rate_limit):
    view.set_smoothing(0)
    view.show_snapshot(snapshot)
    c = snapshot.curves
    i = 10
    hover_view(qtbot, view.graphics, view.lr_plot.vb, QPointF(c["step"][i], c["lr"][i]))
    assert view.hovers[view.lr_plot].point == ("learning rate", c["step"][i], c["lr"][i])
    assert view.hovers[view.lr_plot].text.isVisible()
    g = c["grad_rms"][i, 2]
    hover_view(qtbot, view.graphics, view.grad_plot.vb, QPointF(c["step"][i], np.log10(g)))
    label, step, value = view.hovers[view.grad_plot].point
    assert (step, value) == (c["step"][i], g) and "W³" in label
    assert not view.hovers[view.lr_plot].text.isVisible()


def test_theme_switch_restyles(view, snapshot):
    view.show_snapshot(snapshot)
    for theme in (DARK, LIGHT, DARK):
        view.set_theme(theme)
        assert view.graphics.backgroundBrush().color().name() == theme.background
        assert view.loss_smooth.opts["pen"].color().name() == theme.accent
        assert view.grad_curves[1].opts["pen"].color().name() == theme.series[1]


def test_each_plot_and_the_controls_have_a_question_mark(view):
    """The caption under the plots moved into them (its words, in the plots' "?")."""
    by_topic = {b.topic: b for b in help_buttons(view)}
    assert set(by_topic) == {CONTROLS_HELP, *HELP.values()}
    for name, about in HELP.items():
        assert by_topic[about].targets == [getattr(view, name)]
    assert "overfitting" in HELP["loss_plot"].text and "training ●, validation ■" in \
        HELP["loss_plot"].text
    assert "10⁻⁶" in HELP["grad_plot"].text and "dead" in HELP["inactive_plot"].text
    assert not hasattr(view, "caption")


def test_log_scale_loss(view, snapshot):
    view.show_snapshot(snapshot)
    view.log_loss.setChecked(True)
    assert view.loss_raw.opts["logMode"] == [False, True]
    np.testing.assert_allclose(view.loss_raw.getData()[1], np.log10(snapshot.curves["loss"]))
    view.set_log_loss(False)
    assert not view.log_loss.isChecked()
    np.testing.assert_array_equal(view.loss_raw.getData()[1], snapshot.curves["loss"])


def test_export_png(view, snapshot, tmp_path):
    view.show_snapshot(snapshot)
    path = tmp_path / "curves.png"
    pg.exporters.ImageExporter(view.export_item()).export(str(path))
    img = QImage(str(path))
    assert not img.isNull() and img.width() > 200 and img.height() > 200
    colours = {img.pixel(x, y) for x in range(0, img.width(), 7) for y in range(0, img.height(), 7)}
    assert len(colours) > 10  # curves, text and axes, not a blank page


def test_epoch_ticks_label_at_most_a_dozen():
    steps, epochs = np.arange(1, 31) * 100, list(range(1, 31))
    major, minor = epoch_ticks(steps, epochs)
    assert [lab for _, lab in major] == ["epoch 5", "10", "15", "20", "25", "30"]
    assert len(major) + len(minor) == 30 and all(lab == "" for _, lab in minor)
    assert epoch_ticks([], []) == [[], []]


def tick_labels(axis: pg.AxisItem) -> list[tuple[float, str]]:
    """(centre y, text) of every tick label ``axis`` draws, top to bottom, as pyqtgraph
    places them to paint."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((rect.center().y(), text) for rect, _, text in texts if text)


@pytest.mark.parametrize("presenter", [False, True])
def test_log_tick_labels_are_a_text_line_apart(qtbot, presenter):
    """The gradient chart after ~100 steps spans about 0.0008 … 0.06 in ~80 px: pyqtgraph
    labelled every 1…9 × 10ᵏ, and 0.01 … 0.05 (a tenth of a decade apart at the top) were
    drawn on top of each other, in presenter mode's larger tick font the more."""
    font = QFont(QApplication.font())
    if presenter:  # the application font as the window enlarges it
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
        QApplication.setFont(big)
    try:
        view = shown(qtbot, CurvesView(theme=LIGHT.presenting(presenter)), 900, 560)
        view.choose_chart("grad_plot")  # 900×560 has room for the loss and two charts
        QApplication.processEvents()
        view.grad_plot.setYRange(np.log10(8e-4), np.log10(0.06), padding=0)
        QApplication.processEvents()
        axis = view.grad_plot.getAxis("left")
        assert axis.logMode and 50 < axis.geometry().height() < 150
        labels = tick_labels(axis)
        tick_font = axis.style["tickFont"] or QFont()  # None: the application font
        scale = PRESENTER_FONT_SCALE if presenter else 1.0
        assert tick_font.pointSizeF() == pytest.approx(font.pointSizeF() * scale)
        line = QFontMetricsF(tick_font).height()
        texts = [text for _, text in labels]
        assert "0.01" in texts and len(texts) >= 2
        gaps = np.diff([y for y, _ in labels])
        assert gaps.min() >= line, (labels, line)
    finally:
        QApplication.setFont(font)


def loaded(digits, steps=25):
    """A model's snapshot right after File > Load model: its history, as the training server's
    ``cmd_adopt`` gives it to a new trainer, and no per-batch curves yet."""
    from nnviz.engine.snapshot import CurveBuffer
    from nnviz.engine.training import Trainer
    old, trainer, _ = make_snapshot(digits, steps=steps)
    net = old.network()
    again = Trainer(net, digits, old.config)
    again.history = [dict(r) for r in old.history]
    again.epochs_done = len(old.history)
    again.step_count = int(old.history[-1]["step"])
    snap = take_snapshot(again, CurveBuffer(len(net.layers)), [L.W0 for L in old.layers], 2)
    return old, snap


def test_a_loaded_model_shows_its_whole_history(view, digits):
    """Loaded, the x axis ended at the first epoch, and the learning-rate and gradient charts
    were empty: their values were only in the per-batch curves, which a loaded model has not."""
    old, snap = loaded(digits)
    assert len(snap.curves["step"]) == 0 and len(snap.history) == 2
    view.show_snapshot(snap)
    steps = [r["step"] for r in snap.history]
    for plot in view.plots:
        x0, x1 = plot.vb.viewRange()[0]
        assert x0 <= 0 and x1 >= steps[-1], plot
    np.testing.assert_array_equal(view.lr_epoch.xData, steps)
    np.testing.assert_allclose(view.lr_epoch.yData, [r["lr"] for r in snap.history])
    assert view.lr_plot.vb.viewRange()[1][1] >= max(r["lr"] for r in snap.history)
    assert len(view.grad_epoch) == 3
    for i, item in enumerate(view.grad_epoch):
        np.testing.assert_array_equal(item.xData, steps)
        np.testing.assert_allclose(item.yData, [r["grad_rms"][i] for r in snap.history])
    major, minor = view.lr_plot.getAxis("top")._tickLevels
    assert sorted(p for p, _ in major + minor) == steps
    np.testing.assert_array_equal(view.loss_epoch["train"].xData, steps)


def test_validation_only_with_a_validation_split(view, digits, snapshot):
    """The loss legend listed "validation" for every run; the tiny data has no such split."""
    view.show_snapshot(snapshot)
    names = [label.text for _, label in view.loss_plot.legend.items]
    assert "validation" not in names and "test" in names
    assert not view.loss_epoch["val"].isVisible()
    split = digits.__class__(**{**digits.__dict__, "x_val": digits.x_train[:50],
                                "y_val": digits.y_train[:50]})
    with_val = make_snapshot(split, run_id=3)[0]
    assert with_val.history[0]["val_loss"] is not None
    view.show_snapshot(with_val)
    names = [label.text for _, label in view.loss_plot.legend.items]
    assert "validation" in names and view.loss_epoch["val"].isVisible()
    np.testing.assert_allclose(view.loss_epoch["val"].yData,
                               [r["val_loss"] for r in with_val.history])


def docked(qtbot, view, width: int, height: int):
    """``view`` at the size a dock gives it, in a parent (a top-level widget would be held
    at its layout's minimum). Returns the parent (keep it: qtbot holds it weakly) and view."""
    dock = QWidget()
    qtbot.addWidget(dock)
    dock.resize(width, height)
    view.setParent(dock)
    view.setGeometry(0, 0, width, height)
    dock.show()
    qtbot.waitExposed(dock)
    return dock, view


# The Curves dock's size in the main window: at 1280×800, 1366×768, 1920×1080, 2560×1440, and
# presenting at 1280×720 and 1920×1080; and how many charts it then shows.
DOCKS = [((438, 377), False, 1), ((483, 359), False, 1), ((776, 531), False, 3),
         ((1114, 729), False, 5), ((673, 320), True, 1), ((1011, 518), True, 3)]


@pytest.mark.parametrize("size, presenter, n_charts", DOCKS)
def test_every_dock_size_passes_the_layout_check(qtbot, snapshot, size, presenter, n_charts):
    """Before, at 1280×800 (a 420×334 chart area) the five charts had 43 px high data areas,
    the loss legend covered the loss curve, the gradient legend its curves, and the right
    column ran past the dock: 15 problems. Now the loss alone fills a small dock, keys sit
    outside the data, and the other charts come with room."""
    font = QFont(QApplication.font())
    if presenter:
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
        QApplication.setFont(big)
    try:
        _, view = docked(qtbot, CurvesView(theme=LIGHT.presenting(presenter)), *size)
        view.show_snapshot(snapshot)
        qtbot.waitUntil(lambda: view.drawing.drawn is snapshot)
        QApplication.processEvents()
        assert len(view.shown_charts()) == n_charts
        assert view.shown_charts()[0] == "loss_plot"
        assert layout_problems(view) == []
    finally:
        QApplication.setFont(font)


def test_the_chooser_picks_the_chart_a_small_dock_shows(qtbot, snapshot):
    dock, view = docked(qtbot, CurvesView(), 438, 377)
    view.show_snapshot(snapshot)
    qtbot.waitUntil(lambda: view.drawing.drawn is snapshot)
    box = view.chart_box
    assert box.isVisible()
    assert [box.itemText(i) for i in range(box.count())] == [
        "Loss", "Accuracy", "Learning rate", "Gradient strength", "Inactive units"]
    box.setCurrentIndex(3)
    box.activated.emit(3)  # as a user's choice in the list
    QApplication.processEvents()
    assert view.shown_charts() == ("grad_plot",)
    assert view.grad_plot.isVisible() and not view.loss_plot.isVisible()
    assert view.grad_plot.vb.height() >= 150  # the one chart gets the dock's height
    assert layout_problems(view) == []
    dock.resize(776, 531)
    view.setGeometry(0, 0, 776, 531)  # the dock grows: the loss comes back, with the choice
    QApplication.processEvents()
    assert view.shown_charts() == ("loss_plot", "grad_plot", "inactive_plot")
    assert [box.itemText(i) for i in range(box.count())] == [
        "Accuracy · Learning rate", "Gradient strength · Inactive units"]
    assert box.currentIndex() == 1


def test_keys_sit_outside_the_data(qtbot, snapshot):
    """The loss legend covered the per-batch and smoothed curves at every size."""
    for size in ((438, 377), (1114, 729)):
        _, view = docked(qtbot, CurvesView(), *size)
        view.show_snapshot(snapshot)
        qtbot.waitUntil(lambda v=view: v.drawing.drawn is snapshot)
        QApplication.processEvents()
        for name in view.shown_charts():
            plot = getattr(view, name)
            if plot.legend is not None:
                key = plot.legend.sceneBoundingRect()
                assert not key.intersects(plot.vb.sceneBoundingRect()), (name, size)
                assert len(plot.legend.items) >= 2


def test_arrange_fits_charts_to_the_room():
    assert arrange(420, 334, 17) == (0, 0)        # one chart: the chooser picks it
    assert arrange(760, 490, 17) == (1, 2)        # the loss over two charts
    assert arrange(1100, 690, 17) == (2, 2)       # all five
    assert arrange(655, 270, 25) == (0, 0)        # presenting on a 1280×720 screen
    assert chart_groups(0, 0)[0] == ("loss_plot",)
    assert chart_groups(1, 2) == [("loss_plot", "acc_plot", "lr_plot"),
                                  ("loss_plot", "grad_plot", "inactive_plot")]
    assert chart_groups(2, 2) == [("loss_plot", *SECONDARY)]
