"""The evaluation view shows the engine's evaluation: matrix, gallery, thresholds, robustness."""

import re

import numpy as np
import pyqtgraph as pg
import pytest
from gui_helpers import make_snapshot, shown
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QTextCursor
from PySide6.QtWidgets import QApplication

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import SPOILERS, spoil
from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.network import MLP
from nnviz.gui.views.evaluation.gallery import percent
from nnviz.gui.views.evaluation.view import EvaluationView


@pytest.fixture(scope="module")
def early(digits):
    """After one epoch (10 batches): about 64 % right, 36 mistakes (two gallery pages)."""
    return make_snapshot(digits, steps=10)[0]


@pytest.fixture
def view(qtbot, digits, early):
    v = shown(qtbot, EvaluationView(), 1100, 750)
    v.model.set_dataset(digits)
    with qtbot.waitSignal(v.updated, timeout=10_000):
        v.show_snapshot(early)
    return v


def engine_evaluation(snap, data):
    return Evaluation.compute(snap.network(), data.x_test, data.y_test, snap.config.loss)


def click_scene(qtbot, glw, plot, x, y, button=Qt.MouseButton.LeftButton):
    """A real mouse click at view point (x, y) of ``plot``."""
    scene_pos = plot.vb.mapViewToScene(QPointF(x, y))
    pos = glw.mapFromScene(scene_pos)
    qtbot.mouseClick(glw.viewport(), button, pos=pos)


def test_evaluation_is_the_engines(view, early, digits):
    ev, expected = view.evaluation, engine_evaluation(early, digits)
    assert 0.4 < ev.accuracy < 0.9
    assert view.mistakes.gallery.n_pages >= 2
    np.testing.assert_array_equal(ev.confusion, expected.confusion)
    np.testing.assert_array_equal(ev.predictions, expected.predictions)
    assert ev.loss == pytest.approx(expected.loss, rel=1e-6)
    assert f"accuracy {100 * expected.accuracy:.2f} %" in view.header_text
    errors = f"{expected.n_errors:,} errors, {expected.n_confident_errors:,} of them"
    assert errors in view.header_text
    assert view.mistakes.header.text == view.confidence.header.text == view.header_text


def test_matrix_cells_show_the_counts(view):
    ev, panel = view.evaluation, view.mistakes.confusion
    texts = [[t.toPlainText() for t in row] for row in panel.texts]
    assert texts == [[str(c) for c in row] for row in ev.confusion]
    image = panel.image.image  # off-diagonal counts coloured, diagonal and empty cells blank
    off = ~np.eye(10, dtype=bool) & (ev.confusion > 0)
    np.testing.assert_array_equal(image[off], ev.confusion[off])
    assert np.isnan(image[~off]).all()
    assert panel.image.levels[1] == ev.confusion[off].max()
    np.testing.assert_array_equal(panel.bars.opts["width"], ev.per_class_accuracy)
    view.mistakes.normalised.setChecked(True)
    shares = ev.confusion / ev.confusion.sum(1, keepdims=True)
    texts = [[t.toPlainText() for t in row] for row in panel.texts]
    assert texts == [[f"{100 * s:.1f}" if s else "0" for s in row] for row in shares]
    np.testing.assert_allclose(panel.image.image[off], shares[off], rtol=1e-6)


def test_clicking_a_cell_shows_exactly_its_images(view, qtbot):
    ev, m = view.evaluation, view.mistakes
    off = ev.confusion - np.diag(np.diag(ev.confusion))
    i, j = np.unravel_index(off.argmax(), off.shape)
    click_scene(qtbot, m.glw, m.confusion.plot, j + 0.5, i + 0.5)
    assert m.confusion.selected == (i, j)
    members = [k for k in range(ev.n) if ev.labels[k] == i and ev.predictions[k] == j]
    assert sorted(m.gallery.indices) == members and len(members) == ev.confusion[i, j]
    assert np.all(np.diff(ev.confidence[m.gallery.indices]) <= 0)  # most confident first
    assert f"True {i}, said {j}: {len(members)} images" == m.showing.text()
    shown = m.gallery.image.image
    np.testing.assert_array_equal(shown[:28, :28], ev_image(view, m.gallery.indices[0]))
    click_scene(qtbot, m.glw, m.confusion.plot, i + 0.5, i + 0.5)  # a diagonal cell
    assert list(m.gallery.indices) == sorted(
        ev.cell_indices(i, i), key=lambda k: (-ev.confidence[k], k))
    assert all(ev.correct[m.gallery.indices])
    m.all_button.click()
    assert list(m.gallery.indices) == list(ev.misclassified) and m.confusion.selected is None


def ev_image(view, index):
    return view.model.dataset.x_test[index].reshape(28, 28)


def test_gallery_order_captions_and_pages(view):
    ev, g = view.evaluation, view.mistakes.gallery
    assert list(g.indices) == list(ev.misclassified)
    assert np.all(np.diff(ev.confidence[g.indices]) <= 0)
    for slot, text in enumerate(g.texts[:g.page_size]):
        i = int(ev.misclassified[slot])
        caption = text.toPlainText()
        assert re.fullmatch(r"true \d, said \d\n\(\d+% sure\) #\d+", caption), caption
        assert caption == (f"true {ev.labels[i]}, said {ev.predictions[i]}\n"
                           f"({percent(ev.confidence[i])} sure) #{i}")
        r, c = g.origin(slot)
        np.testing.assert_array_equal(g.image.image[r:r + 28, c:c + 28], ev_image(view, i))
    size = g.page_size
    pages = -(-ev.n_errors // size)
    assert size == len(g.page_indices()) and pages >= 2
    assert view.mistakes.page_label.text() == f"page 1 of {pages}"
    for _ in range(pages - 1):
        view.mistakes.next_button.click()
    rest = ev.n_errors - (pages - 1) * size
    shown = [t.toPlainText() != "" for t in g.texts[:size]]
    assert shown == [True] * rest + [False] * (size - rest)
    assert list(g.page_indices()) == list(ev.misclassified[(pages - 1) * size:])
    assert not view.mistakes.next_button.isEnabled()
    assert view.mistakes.page_label.text() == f"page {pages} of {pages}"


def test_gallery_grid_follows_the_width_and_keeps_its_place(view):
    g = view.mistakes.gallery
    g.fit(1000, 800)
    wide = (g.cols, g.rows)
    g.show_page(1)
    first = int(g.page_indices()[0])
    g.fit(260, 800)
    assert g.cols < wide[0] and g.cols >= 2
    assert first in g.page_indices()  # the first image shown stays in view
    metrics_width = 260 / g.cols  # a caption's width fits a column
    assert metrics_width >= g._min_col_px


def test_percent_never_rounds_up_to_a_certainty():
    assert [percent(p) for p in (0.62, 0.994, 0.995, 0.9996, 1.0)] == [
        "62%", "99%", "99.5%", "99.9%", "100.0%"]


def test_clicking_a_thumbnail_asks_for_the_probe(view, qtbot):
    g, m = view.mistakes.gallery, view.mistakes
    slot = 7
    r, c = g.origin(slot)
    with qtbot.waitSignal(view.probe_requested) as probe:
        click_scene(qtbot, m.glw, g.plot, c + 14, r + 14)
    assert probe.args == [int(view.evaluation.misclassified[slot])]
    assert view.selected == probe.args[0] and g.outline.isVisible()
    with qtbot.waitSignal(view.send_to_pad) as pad:
        m.pad_button.click()
    assert pad.args == probe.args
    menu = view.thumbnail_menu(probe.args[0])
    with qtbot.waitSignal(view.send_to_pad) as pad:
        next(a for a in menu.actions() if a.text() == "Send to drawing pad").trigger()
    assert pad.args == probe.args


def test_threshold_readout_equals_a_direct_count(view):
    ev = view.evaluation
    for q in (0.0, 0.5, 0.9):  # thresholds the early network's confidences straddle
        t = round(float(np.quantile(ev.confidence, q)), 3)
        view.set_threshold(t)
        answered = ev.confidence >= t
        n, right = int(answered.sum()), int((answered & ev.correct).sum())
        assert view.threshold() == t
        expected = (f"answers {n:,} of {ev.n:,} ({100 * n / ev.n:.1f} %); "
                    f"{100 * right / n:.2f} % of them right ({n - right:,} wrong)")
        assert view.threshold_readout == expected
        chart = view.confidence.threshold_chart
        assert chart.marker.value() == t
        np.testing.assert_allclose(chart.dots.getData()[1], [n / ev.n, right / n])
    view.set_threshold(1.0)
    assert view.threshold_readout.endswith("no answers at all")
    t, cov = view.confidence.threshold_chart.coverage.getData()
    assert cov[0] == 1.0 and np.all(np.diff(cov) <= 0)


def test_dragging_the_marker_moves_the_slider(view):
    view.confidence.threshold_chart.marker.setValue(0.55)
    assert view.threshold() == 0.55


def test_robustness_at_zero_equals_accuracy(view, qtbot, digits):
    assert view.robustness == {}  # computed only once its page is shown
    with qtbot.waitSignal(view.robustness_updated, timeout=20_000):
        view.tabs.setCurrentIndex(1)
    assert list(view.robustness) == list(SPOILERS)
    for kind, (levels, acc) in view.robustness.items():
        assert acc[0] == view.evaluation.accuracy, kind  # 100 test images < robustness_n
        x, y = view.confidence.robustness.curves[kind].getData()
        np.testing.assert_array_equal(x, levels)
        np.testing.assert_array_equal(y, acc)
    assert not view.busy and view.confidence.progress.isHidden()


def test_preview_is_the_spoiled_selected_image(view, digits):
    c = view.confidence
    c.kind.setCurrentIndex(list(SPOILERS).index("rotation"))
    c.level.setValue(50)
    i = view.selected
    expected = spoil(digits.x_test[i:i + 1], "rotation", 45.0,
                     np.random.default_rng([0, list(SPOILERS).index("rotation")]))
    np.testing.assert_array_equal(c.preview.image.image, expected.reshape(28, 28))
    p = view.network.predict_proba(expected)[0]
    np.testing.assert_allclose(view.confidence.preview_probabilities, p)
    verdict = "right" if p.argmax() == digits.y_test[i] else "wrong"
    assert c.preview.plot.titleLabel.text == (f"#{i}, true {digits.y_test[i]}<br>said "
                                              f"{p.argmax()} ({100 * p.max():.0f}%): {verdict}")
    assert c.level_label.text() == "±45°"


def test_a_new_epoch_updates_and_the_same_epoch_does_not(view, qtbot, digits, early):
    later = make_snapshot(digits, steps=20)[0]
    assert later.epochs_done == 2
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show_snapshot(later)
    expected = engine_evaluation(later, digits)
    np.testing.assert_array_equal(view.evaluation.confusion, expected.confusion)
    assert view.evaluation.accuracy > engine_evaluation(early, digits).accuracy
    same_epoch = make_snapshot(digits, steps=21)[0]
    assert same_epoch.epochs_done == 2
    view.show_snapshot(same_epoch)
    assert not view.busy  # nothing asked for
    view.refresh()
    assert view.busy
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)


def test_stale_results_are_dropped(view, qtbot, digits, early):
    a = make_snapshot(digits, steps=20)[0]
    b = make_snapshot(digits, steps=30, run_id=2)[0]
    shown = []
    view.updated.connect(lambda: shown.append(view.evaluation))
    dropped = view.jobs.dropped
    view.show_snapshot(a)
    view.show_snapshot(b)  # supersedes a before its result can arrive
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    qtbot.waitUntil(lambda: view.jobs.dropped == dropped + 1, timeout=10_000)
    assert len(shown) == 1
    np.testing.assert_array_equal(shown[0].confusion, engine_evaluation(b, digits).confusion)


def test_hidden_view_waits_until_shown(view, qtbot, digits):
    view.hide()
    later = make_snapshot(digits, steps=20)[0]
    view.show_snapshot(later)
    assert not view.busy
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show()
    np.testing.assert_array_equal(view.evaluation.confusion,
                                  engine_evaluation(later, digits).confusion)


def test_loaded_model_and_a_network_for_other_data(view, qtbot, digits):
    net = MLP((784, 12, 10), seed=5)
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.set_model(net, "mse")
    expected = Evaluation.compute(net, digits.x_test, digits.y_test, "mse")
    np.testing.assert_array_equal(view.evaluation.probabilities, expected.probabilities)
    assert view.evaluation.loss_name == "mse"
    view.set_model(MLP((20, 5, 10)))
    assert not view.busy and "other data" in view.header_text


def test_themes_restyle_the_scenes(view, qtbot):
    for theme in (DARK, LIGHT):
        view.set_theme(theme)
        image = view.mistakes.glw.grab().toImage()
        assert image.pixelColor(3, image.height() - 3).name() == theme.background
        k = int(np.argmax(np.diag(view.evaluation.confusion)))  # a non-empty diagonal cell
        cell = view.mistakes.confusion.texts[k][k]
        assert cell.color.name() == pg.mkColor(theme.foreground).name()
        assert view.mistakes.gallery.texts[0].color.name() == pg.mkColor(theme.bad).name()


def test_shown_mid_epoch_it_judges_the_newest_weights_and_says_which(view, qtbot, digits):
    """Hidden while training went on within an epoch, it evaluates the network as it is when
    shown, not as the epoch began (the Analysis window opened mid-epoch showed 8 % for a
    network at 93 %), and the header names the step."""
    view.hide()
    start = make_snapshot(digits, steps=20)[0]
    newest = make_snapshot(digits, steps=27)[0]
    assert start.epochs_done == newest.epochs_done == 2
    view.show_snapshot(start)
    view.show_snapshot(newest)
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show()
    expected = engine_evaluation(newest, digits)
    assert view.evaluation.loss == pytest.approx(expected.loss, rel=1e-6)
    assert view.evaluation.loss != pytest.approx(engine_evaluation(start, digits).loss, rel=1e-6)
    assert view.header_text.endswith(" · the network after step 27")


def header_pt(header) -> float:
    """The point size the header's text is drawn in."""
    cursor = QTextCursor(header.item.document())
    cursor.setPosition(1)
    return cursor.charFormat().fontPointSize()


def test_presenter_mode_enlarges_cells_captions_and_headers(view):
    """Confusion counts and accuracy labels 8 pt, thumbnail captions 7.5 pt, headers 10 pt:
    × 1.5 in presenter mode, and back. The gallery's columns widen with its captions."""
    m, c = view.mistakes, view.confidence
    k = int(np.argmax(np.diag(view.evaluation.confusion)))
    normal_col = m.gallery._min_col_px
    for theme, scale in ((LIGHT, 1.0), (LIGHT.presenting(), 1.5), (LIGHT, 1.0)):
        view.set_theme(theme)
        texts = [t for row in m.confusion.texts for t in row] + m.confusion.bar_labels
        assert {t.textItem.font().pointSizeF() for t in texts} == {8 * scale}
        assert m.confusion.texts[k][k].toPlainText() == str(view.evaluation.confusion[k, k])
        captions = m.gallery.texts
        assert {t.textItem.font().pointSizeF() for t in captions} == {7.5 * scale}
        assert captions[0].toPlainText().startswith("true ")
        assert m.gallery._min_col_px == pytest.approx(normal_col * scale, rel=0.08)
        assert header_pt(m.header) == header_pt(c.header) == 10 * scale
        assert m.header.text == view.header_text


def test_headers_wrap_instead_of_widening_the_scene(view, qtbot):
    """In presenter mode the summary line (15 pt) is wider than the 1100 px window: it goes
    onto two lines; a plain LabelItem made the scene wider than the window, and its right
    side, with the gallery's last column, was cut off."""
    view.set_theme(LIGHT.presenting())
    glw = view.mistakes.glw
    QApplication.processEvents()
    header = view.mistakes.header
    one_line = header.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
    assert one_line > glw.width()  # the summary does not fit on one line
    assert glw.ci.geometry().width() <= glw.viewport().width()
    assert header.item.boundingRect().width() <= glw.viewport().width()
    document = header.item.document()
    assert document.firstBlock().layout().lineCount() == 2  # wrapped once
    font = QFont(document.defaultFont())
    font.setPointSizeF(header_pt(header))  # 15 pt
    assert header.minimumHeight() >= 2 * QFontMetricsF(font).height()  # room for both lines
