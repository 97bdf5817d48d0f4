"""The map view: PCA/t-SNE positions, class colours, mistakes, hover, click, refresh, cancel."""

import numpy as np
import pytest
from gui_helpers import make_snapshot, tiny_digits
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from nnviz.analysis.embedding import choose_subset, layer_features, pca_2d, tsne_2d
from nnviz.charts.map_scene import SIDE_WIDTH, class_colors
from nnviz.charts.theme import DARK, LIGHT
from nnviz.gui.views.map.view import MapView

N_TEST = 600  # the view maps at least 500 points


@pytest.fixture(scope="module")
def data():
    return tiny_digits(n_train=300, n_test=N_TEST)


@pytest.fixture(scope="module")
def snaps(data):
    """Snapshots of one run after 0, 1 and 2 finished epochs (10 batches of 32 per epoch);
    few batches, so the network still makes mistakes."""
    return {e: make_snapshot(data, steps)[0] for e, steps in ((0, 4), (1, 10), (2, 21))}


@pytest.fixture
def view(qtbot, data):
    def stop(v):  # no map outlives its test
        v.cancel()
        qtbot.waitUntil(lambda: not v.busy, timeout=20_000)
    v = MapView(LIGHT)
    qtbot.addWidget(v, before_close_func=stop)
    v.resize(900, 700)
    v.model.set_dataset(data)
    return v



def shown_with(qtbot, view, snap):
    """Show the view and let "refresh every epoch" map ``snap``."""
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show_snapshot(snap)
    return view.layer_map


def view_pos(view, x, y) -> QPoint:
    scene = view.scene.plot.vb.mapViewToScene(QPointF(x, y))
    return view.glw.mapFromScene(scene)


def off_map(view, m) -> QPoint:
    """A place in the plot 50 pixels beyond the map's top-right point."""
    pixel = np.array(view.scene.plot.vb.viewPixelSize())
    return view_pos(view, *(m.coords.max(axis=0) + 50 * pixel))


def isolated(coords, view, min_px=4.0) -> np.ndarray:
    """Rows whose nearest other point is at least ``min_px`` pixels away (bool mask)."""
    px, py = view.scene.plot.vb.viewPixelSize()
    p = coords / [px, py]
    d = np.linalg.norm(p[:, None] - p[None], axis=2)
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1) >= min_px


def neighbour_overlap(A, B, k=10) -> float:
    """Mean share of each point's k nearest neighbours in map A that are so in map B too."""
    def knn(Y):
        d = ((Y[:, None] - Y[None]) ** 2).sum(axis=2)
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1)[:, :k]
    a, b = knn(A), knn(B)
    return float(np.mean([len(np.intersect1d(a[i], b[i])) / k for i in range(len(A))]))


def mouse_move(view, pos: QPoint) -> None:
    vp = view.glw.viewport()
    QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseMove, QPointF(pos),
                                           QPointF(vp.mapToGlobal(pos)), Qt.MouseButton.NoButton,
                                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))


# -- what is drawn -------------------------------------------------------------------------------

def test_pca_map_of_the_last_hidden_layer(qtbot, view, data, snaps):
    snap = snaps[0]
    m = shown_with(qtbot, view, snap)
    assert view.layer_combo.currentText() == "hidden 2 (16)" and view.method == "pca"
    assert [view.layer_combo.itemText(i) for i in range(4)] == [
        "pixels", "hidden 1 (32)", "hidden 2 (16)", "output"]
    idx = choose_subset(data.y_test, 2000, 0)
    assert len(idx) == N_TEST and view.points_spin.maximum() == N_TEST
    np.testing.assert_array_equal(m.indices, idx)
    net = snap.network()
    expected = pca_2d(layer_features(net, data.x_test[idx], 2))
    x, y = view.scene.points.getData()
    np.testing.assert_allclose(x, expected.coords[:, 0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(y, expected.coords[:, 1], rtol=1e-6, atol=1e-6)
    # Colours follow the true labels.
    colors = class_colors(LIGHT, 10)
    drawn = [b.color().name() for b in view.scene.points.data["brush"]]
    assert drawn == [colors[k] for k in data.y_test[idx]]
    # Rings exactly where the network is wrong.
    wrong = net.predict(data.x_test[idx]) != data.y_test[idx]
    assert 0 < wrong.sum() < len(idx)
    rx, ry = view.scene.mistakes.getData()
    np.testing.assert_allclose(np.c_[rx, ry], expected.coords[wrong], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(view.scene.mistakes.data["data"], idx[wrong])
    text = view.scene.caption.text()
    assert f"{N_TEST} test images" in text and "16 activations a² of hidden layer 2" in text
    assert f"{100 * expected.explained[0]:.1f} % and {100 * expected.explained[1]:.1f} %" in text
    assert f"the {wrong.sum()} the network gets wrong" in text
    assert "run 1 after 0 epochs (step 4)" in text


def test_dark_theme_recolours_the_points(qtbot, view, data, snaps):
    m = shown_with(qtbot, view, snaps[1])
    view.set_theme(DARK)
    colors = class_colors(DARK, 10)
    assert [b.color().name() for b in view.scene.points.data["brush"]] == \
        [colors[k] for k in data.y_test[m.indices]]
    assert view.scene.mistakes.opts["pen"].color().name() == DARK.foreground
    assert view.layer_map is m  # restyled, not recomputed


# -- mouse ---------------------------------------------------------------------------------------

def test_real_click_on_a_point_requests_it_as_probe(qtbot, view, data, snaps):
    m = shown_with(qtbot, view, snaps[1])
    i = int(np.flatnonzero(isolated(m.coords, view))[0])
    pos = view_pos(view, *m.coords[i])
    with qtbot.waitSignal(view.probe_requested, timeout=2000) as blocker:
        qtbot.mouseClick(view.glw.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [int(m.indices[i])]
    with qtbot.assertNotEmitted(view.probe_requested, wait=100):
        qtbot.mouseClick(view.glw.viewport(), Qt.MouseButton.LeftButton, pos=off_map(view, m))


def test_hover_shows_the_image_and_the_answer(qtbot, view, data, snaps, no_rate_limit):
    m = shown_with(qtbot, view, snaps[0])
    net = snaps[0].network()
    wrong = net.predict(data.x_test[m.indices]) != data.y_test[m.indices]
    i = int(np.flatnonzero(wrong & isolated(m.coords, view))[0])
    mouse_move(view, view_pos(view, *m.coords[i]))
    index = int(m.indices[i])
    p = net.predict_proba(data.x_test[index:index + 1])[0]
    said, true = int(p.argmax()), int(data.y_test[index])
    hover = view.scene.hover
    assert hover.text == f"true {true}, said {said} ({100 * p[said]:.0f} %)\ntest image #{index}"
    np.testing.assert_array_equal(hover.image.image, data.x_test[index].reshape(28, 28))
    assert hover.label.opts["color"] == LIGHT.bad  # a wrong answer
    np.testing.assert_allclose(np.r_[view.scene.highlight.getData()].ravel(), m.coords[i])
    # Away from every point: the highlight goes, the last image stays for reading.
    mouse_move(view, off_map(view, m))
    assert len(view.scene.highlight.getData()[0]) == 0 and hover.text.endswith(f"#{index}")


# -- refresh, cancel, supersede ------------------------------------------------------------------

def test_refresh_every_epoch_only_when_the_epoch_changes(qtbot, view, data, snaps):
    shown_with(qtbot, view, snaps[0])
    later_same_epoch = make_snapshot(data, 7)[0]
    assert later_same_epoch.epochs_done == 0
    view.show_snapshot(later_same_epoch)
    assert not view.busy
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show_snapshot(snaps[1])
    assert "after 1 epoch (step 10)" in view.scene.caption.text()
    view.hide()
    view.show_snapshot(snaps[2])
    assert not view.busy  # hidden: nothing computed...
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.show()  # ...until shown
    assert "after 2 epochs" in view.scene.caption.text()
    view.auto_check.setChecked(False)
    view.show_snapshot(make_snapshot(data, 31)[0])
    assert not view.busy and "after 2 epochs" in view.scene.caption.text()
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.refresh_button.click()
    assert "after 3 epochs" in view.scene.caption.text()


@pytest.mark.slow
def test_tsne_map_with_progress_equals_tsne_of_the_features(qtbot, view, data, snaps):
    shown_with(qtbot, view, snaps[2])
    values = []
    view.progress.valueChanged.connect(values.append)
    view.points_spin.setValue(500)  # a PCA refresh; then t-SNE
    qtbot.waitUntil(lambda: not view.busy)
    with qtbot.waitSignal(view.updated, timeout=30_000):
        view.method_combo.setCurrentIndex(1)
        assert view.progress.isVisibleTo(view) and view.cancel_button.isEnabled()
    m = view.layer_map
    assert m.method == "tsne" and len(m.indices) == 500
    features = layer_features(snaps[2].network(), data.x_test[m.indices], 2)
    # t-SNE amplifies rounding: a run in another thread (another floating-point state) draws
    # another picture of the same neighbourhoods. Each point keeps its 10 nearest neighbours
    # (PCA keeps about half of them).
    same = neighbour_overlap(m.coords, tsne_2d(features, seed=0))
    assert same > 0.85 and neighbour_overlap(m.coords, pca_2d(features).coords) < 0.7
    assert values[-1] == 750 and values == sorted(values) and len(values) > 10
    assert not view.progress.isVisibleTo(view) and not view.cancel_button.isEnabled()
    assert "t-SNE" in view.scene.caption.text()


def spy_previous(view, monkeypatch) -> list:
    """The ``previous`` map coordinates (or None) given with each job the view starts."""
    given, start = [], view.jobs.start
    monkeypatch.setattr(view.jobs, "start", lambda *a, previous=None, **kw: (
        given.append(previous), start(*a, previous=previous, **kw)))
    return given


def mapped(qtbot, view, action):
    with qtbot.waitSignal(view.updated, timeout=20_000):
        action()
    return view.layer_map


def test_each_epoch_follows_the_previous_map_until_layer_points_or_run_change(
        qtbot, view, data, snaps, monkeypatch):
    given = spy_previous(view, monkeypatch)
    m0 = shown_with(qtbot, view, snaps[0])
    assert given == [None] and not m0.follows_previous
    assert view.scene.plot.getAxis("bottom").labelText == "PC 1"
    # The next epoch: the map drawn goes with the job, and the new PCA is turned onto it.
    m1 = mapped(qtbot, view, lambda: view.show_snapshot(snaps[1]))
    assert given[1] is m0.coords and m1.follows_previous
    features = layer_features(snaps[1].network(), data.x_test[m1.indices], 2)
    expected = pca_2d(features, previous=m0.coords)
    np.testing.assert_allclose(m1.coords, expected.coords, rtol=1e-6, atol=1e-6)
    assert np.abs(m1.coords - pca_2d(features).coords).max() > 0.1  # not the plain PCA
    text = view.scene.caption.text()
    assert "turned in that plane to line up with the previous map" in text
    assert f"{100 * expected.explained.sum():.1f} % of it" in text
    assert view.scene.plot.getAxis("bottom").labelText == "PC 1"
    # Another layer starts afresh; the next epoch follows that layer's map.
    m2 = mapped(qtbot, view, lambda: view.layer_combo.setCurrentIndex(1))
    assert given[2] is None and not m2.follows_previous
    np.testing.assert_allclose(
        m2.coords, pca_2d(layer_features(snaps[1].network(), data.x_test[m2.indices], 1)).coords,
        rtol=1e-6, atol=1e-6)
    assert "previous" not in view.scene.caption.text()
    assert view.scene.plot.getAxis("bottom").labelText == "PC 1"
    m3 = mapped(qtbot, view, lambda: view.show_snapshot(snaps[2]))
    assert given[3] is m2.coords and m3.follows_previous
    # Other images, another run, another method: afresh.
    mapped(qtbot, view, lambda: view.points_spin.setValue(500))
    mapped(qtbot, view, lambda: view.show_snapshot(make_snapshot(data, 10, run_id=2)[0]))
    assert given[4:] == [None, None] and not view.layer_map.follows_previous
    mapped(qtbot, view, lambda: view.show_snapshot(make_snapshot(data, 21, run_id=2)[0]))
    assert given[6] is not None and len(given[6]) == 500
    view.method_combo.setCurrentIndex(1)
    assert given[7] is None
    qtbot.waitUntil(lambda: not view.busy, timeout=20_000)


@pytest.mark.slow
def test_tsne_of_the_next_epoch_starts_from_the_map_drawn(qtbot, view, data, snaps,
                                                          monkeypatch):
    given = spy_previous(view, monkeypatch)
    view.points_spin.setValue(500)
    view.method_combo.setCurrentIndex(1)
    first = shown_with(qtbot, view, snaps[1])
    assert first.method == "tsne" and not first.follows_previous and given[-1] is None
    totals = []
    view.jobs.progress.connect(lambda done, total: totals.append(total))
    second = mapped(qtbot, view, lambda: view.show_snapshot(snaps[2]))
    assert given[-1] is first.coords and second.follows_previous
    assert set(totals) == {500}  # no early exaggeration from a map that has its clusters
    assert "starting from the previous map" in view.scene.caption.text()
    # The points stay where they were (as drawn: no rotation allowed), and the map is the
    # t-SNE of the new features started there (the same neighbourhoods as one made here).
    features = layer_features(snaps[2].network(), data.x_test[second.indices], 2)
    here = tsne_2d(features, seed=0, init=first.coords)
    assert neighbour_overlap(second.coords, here) > 0.85
    assert drawn_offset(second.coords, first.coords) < 0.35
    assert drawn_offset(tsne_2d(features, seed=0), first.coords) > 0.5


def drawn_offset(A, B) -> float:
    """‖s·(A − Ā) − (B − B̄)‖ / ‖B − B̄‖ with the best scale s, no rotation."""
    A, B = A - A.mean(axis=0), B - B.mean(axis=0)
    s = (A * B).sum() / (A * A).sum()
    return float(np.linalg.norm(s * A - B) / np.linalg.norm(B))


def test_cancel_keeps_the_previous_map(qtbot, view, snaps):
    pca = shown_with(qtbot, view, snaps[1])
    caption = view.scene.caption.text()
    view.method_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.progress.value() > 0, timeout=10_000)
    with qtbot.assertNotEmitted(view.updated):
        view.cancel_button.click()
        qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert view.layer_map is pca and view.scene.caption.text() == caption
    assert not view.progress.isVisibleTo(view)
    # Training goes on: snapshots of the same epoch do not undo the cancel; the next epoch
    # maps again (with the method chosen, t-SNE).
    view.show_snapshot(make_snapshot(view.model.dataset, 15)[0])
    assert not view.busy
    view.show_snapshot(snaps[2])
    assert view.busy and view.progress.isVisibleTo(view)


def test_a_newer_request_supersedes_a_running_one(qtbot, view, snaps):
    shown_with(qtbot, view, snaps[1])
    updates = []
    view.updated.connect(lambda: updates.append(view.layer_map))
    view.method_combo.setCurrentIndex(1)   # t-SNE starts...
    qtbot.waitUntil(lambda: view.progress.value() > 0, timeout=10_000)
    view.layer_combo.setCurrentIndex(1)    # ...a new t-SNE of layer 1 replaces it...
    view.method_combo.setCurrentIndex(0)   # ...and PCA replaces that
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert [(m.method, m.layer) for m in updates] == [("pca", 1)]


def test_loaded_model_is_mapped(qtbot, view, data, snaps):
    net = snaps[2].network()
    view.show()
    with qtbot.waitSignal(view.updated, timeout=10_000):
        view.set_model(net)
    assert "the loaded model" in view.scene.caption.text()
    expected = pca_2d(layer_features(net, data.x_test[view.layer_map.indices], 2)).coords
    np.testing.assert_allclose(view.layer_map.coords, expected, rtol=1e-6, atol=1e-6)


# -- export --------------------------------------------------------------------------------------

def test_a_dead_map_process_is_reported_and_replaced(qtbot, view, snaps):
    from nnviz.gui.workers.maps import map_process
    shown_with(qtbot, view, snaps[1])
    view.method_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.progress.value() > 0, timeout=10_000)
    map_process().kill()
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    assert view.scene.caption.text().startswith("The map could not be computed: the map "
                                                "process ended")
    assert not view.progress.isVisibleTo(view)
    with qtbot.waitSignal(view.updated, timeout=20_000):
        view.method_combo.setCurrentIndex(0)  # a new process
    assert view.layer_map.method == "pca"


def test_a_view_deleted_mid_tsne_stops_its_job(qtbot, data, snaps):
    from nnviz.gui.workers.maps import map_process
    v = MapView(LIGHT)
    v.resize(600, 400)
    v.model.set_dataset(data)
    v.show()
    with qtbot.waitSignal(v.updated, timeout=10_000):
        v.show_snapshot(snaps[1])
    v.method_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: v.progress.value() > 0, timeout=10_000)
    job, task, finals = v.jobs.current_job_id, v.jobs.lane.current, []
    assert task.context == job and job in map_process().pending
    for kind in ("done", "failed", "cancelled"):
        getattr(task, kind).connect(lambda *args, kind=kind: finals.append(kind))
    v.close()
    v.deleteLater()
    qtbot.waitUntil(lambda: task.is_delivered, timeout=10_000)
    assert finals == ["cancelled"] and job not in map_process().pending  # told to stop


def test_presenter_mode_enlarges_the_hover_answer_and_the_legend(qtbot, view):
    """The hover panel's answer and the legend are 9 pt, 13.5 pt in presenter mode (then 9
    again), and stay within the side column: the longer lines wrap."""
    def drawn_pt(label) -> float:
        cursor = QTextCursor(label.item.document())
        cursor.setPosition(2)
        return cursor.charFormat().fontPointSize()

    view.show()
    hover = view.scene.hover
    image = np.zeros((28, 28), np.float32)
    for theme, pt in ((LIGHT, 9), (LIGHT.presenting(), 13.5), (LIGHT, 9)):
        view.set_theme(theme)
        hover.show(image, 1234, "7", "9", 0.62, False)
        QApplication.processEvents()
        assert hover.text == "true 7, said 9 (62 %)\ntest image #1234"
        assert drawn_pt(hover.label) == drawn_pt(hover.legend) == pt
        for label in (hover.label, hover.legend):
            assert label.item.mapRectToScene(label.item.boundingRect()).width() <= SIDE_WIDTH
