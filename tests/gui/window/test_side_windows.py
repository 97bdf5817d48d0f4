"""The Draw and step and the Analysis windows inside the app: they open from the menu, follow
training, take a loaded model, and hand edited or taught networks back to training."""

import numpy as np
from gui_helpers import trained
from PySide6.QtCore import QSettings

from nnviz.analysis.edits import UnitEdit


def test_menu_opens_the_side_windows(qtbot, window):
    assert not window.explorer_window.isVisible()
    window.actions_["explorer"].trigger()
    assert window.explorer_window.isVisible()
    assert window.actions_["explorer"].shortcut().toString() == "Ctrl+D"
    window.actions_["analysis"].trigger()
    assert window.analysis_window.isVisible()
    assert [window.analysis_window.tabs.tabText(i) for i in range(3)] == [
        "Evaluation", "Map of the representation", "Runs and models"]
    window.analysis_window.close()  # closing hides; the app goes on
    assert not window.analysis_window.isVisible() and window.isVisible()


def test_explorer_follows_training_and_shows_the_same_answer(qtbot, window, digits):
    window.explorer_window.present()
    snap = trained(qtbot, window, 10)
    ex = window.views["explorer"]
    qtbot.waitUntil(lambda: ex.explorer.base_net is not None
                    and f"step {snap.step}" in ex.source_label.text(), timeout=5000)
    for L, layer in zip(snap.layers, ex.explorer.base_net.layers):
        np.testing.assert_array_equal(layer.W, L.W)
    window.send_to_pad(7)
    np.testing.assert_array_equal(ex.x, digits.x_test[7])
    p = snap.network().predict_proba(digits.x_test[7][None])[0]
    np.testing.assert_allclose(ex.answer.bars.p, p, rtol=1e-6)


def test_a_taught_network_goes_back_to_training(qtbot, window, digits):
    window.explorer_window.present()
    trained(qtbot, window, 5)
    ex = window.views["explorer"]
    qtbot.waitUntil(lambda: ex.explorer.base_net is not None, timeout=5000)
    ex.load_test_image(0)
    ex.learn(0.05, 2)
    taught = ex.net.theta.copy()
    old_run = window.model.latest.run_id
    ex.learn_this.keep_button.click()
    qtbot.waitUntil(lambda: window.model.latest.run_id != old_run, timeout=10_000)
    snap = window.model.latest
    theta = np.concatenate([np.concatenate([L.W.ravel(), L.b]) for L in snap.layers])
    np.testing.assert_array_equal(theta, taught)  # training continues from the taught network
    assert ex.follow.isChecked()


def test_kept_unit_edits_go_back_to_training(qtbot, window):
    trained(qtbot, window, 5)
    ex = window.views["explorer"]
    ex.show_snapshot(window.model.latest)
    ex.load_test_image(1)
    ex.inspector.edits_changed.emit((UnitEdit(1, 3, weight_scale=0.0),))
    assert np.all(ex.net.layers[0].W[3] == 0)
    ex.inspector.keep_requested.emit()  # "Keep as new model"
    old_run = window.model.latest.run_id
    qtbot.waitUntil(lambda: window.model.latest.run_id != old_run, timeout=10_000)
    assert np.all(window.model.latest.layers[0].W[3] == 0)


def test_side_windows_visibility_and_geometry_are_saved(qtbot, make_window, tmp_path):
    w = make_window()
    w.explorer_window.present()
    w.explorer_window.resize(1111, 777)
    w.close()
    again = make_window()
    assert again.explorer_window.isVisible() and not again.analysis_window.isVisible()
    s = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert str(s.value("explorer/visible")).lower() == "true"
    assert bytes(s.value("explorer/geometry")) == bytes(w.explorer_window.saveGeometry())
    # (the offscreen screen is 800×600, so the size itself comes back clamped)


def test_shortcut_help_lists_the_explorer_keys(window):
    from nnviz.gui.window.actions import shortcut_table
    rows = dict((k, t) for t, k in shortcut_table(window.actions_))
    assert {"Right", "Left", "Space", "Esc", "L", "Ctrl+D", "Ctrl+R"} <= set(rows)


def test_gallery_and_map_send_images_to_the_pad_and_the_probe(qtbot, window, digits):
    trained(qtbot, window, 3)
    window.refresh_views()
    window.views["evaluation"].send_to_pad.emit(9)
    ex = window.views["explorer"]
    assert window.explorer_window.isVisible()
    np.testing.assert_array_equal(ex.x, digits.x_test[9])
    assert ex.true == digits.y_test[9]
    window.views["map"].probe_requested.emit(4)
    assert window.views["activations"].probe_index == 4


def test_a_dead_training_process_is_reported_and_the_app_goes_on(qtbot, window, digits, tmp_path):
    snap = trained(qtbot, window, 4)
    window.training._relay.kill()  # as if the process crashed
    qtbot.waitUntil(lambda: any("ended unexpectedly" in e for e in window.errors), timeout=10_000)
    qtbot.waitUntil(lambda: window.training._relay is None, timeout=5000)
    assert window.training.state == "stopped" and window.model.latest is snap
    assert window.actions_["save"].isEnabled()
    assert window.files.save_model(tmp_path / "rescued.npz")  # the last weights are not lost
    window.files.set_dataset(digits, "tiny")                   # no touching the dead thread
    trained(qtbot, window, 2)                            # a new process trains
    assert window.model.latest.step == 2


def test_export_takes_the_view_of_the_active_side_window(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication
    trained(qtbot, window, 3)
    window.refresh_views()
    window.analysis_window.show_tab("runs")
    monkeypatch.setattr(QApplication, "activeWindow", staticmethod(lambda: window.analysis_window))
    assert window.files.current_view_name() == "runs"
    window.explorer_window.present()
    window.views["explorer"].load_test_image(0)
    monkeypatch.setattr(QApplication, "activeWindow", staticmethod(lambda: window.explorer_window))
    assert window.files.current_view_name() == "explorer"
    assert window.files.export_view("explorer", tmp_path / "diagram.png"), window.errors
    assert QImage(str(tmp_path / "diagram.png")).width() > 100
    export = window.actions_["export_view"]
    assert export in window.explorer_window.actions() and export in window.analysis_window.actions()
