"""The first start: the panel in place of empty charts, then the Lessons offer, once."""

from PySide6.QtCore import QRect, QSettings

from nnviz.datasets.paths import search_dirs
from nnviz.gui.app import build_window
from nnviz.gui.widgets.layout_check import assert_laid_out

CHART_DOCKS = ("curves", "weights", "activations", "data")


def window_at(qtbot, settings_file, size=(1280, 800), data_dir=None):
    w = build_window(settings=QSettings(str(settings_file), QSettings.Format.IniFormat),
                     data_dir=data_dir)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def covered(panel, dock) -> bool:
    """``dock``'s whole area (window coordinates) lies under the visible panel."""
    top_left = dock.mapTo(dock.window(), dock.rect().topLeft())
    area = QRect(top_left, dock.size())
    return panel.isVisible() and panel.geometry().contains(area)


def test_without_data_one_panel_with_the_folders_and_buttons(qtbot, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for size in ((1280, 800), (1920, 1080)):
        w = window_at(qtbot, tmp_path / "s.ini", size, data_dir)
        panel = w.files.welcome
        assert panel.isVisible()
        for folder in search_dirs(data_dir):
            assert str(folder) in panel.folders.text()
        for name in CHART_DOCKS:  # no empty chart to be seen
            if w.docks[name].isVisible() and w.rect().intersects(  # not a tab behind another
                    QRect(w.docks[name].mapTo(w, w.docks[name].rect().topLeft()),
                          w.docks[name].size())):
                assert covered(panel, w.docks[name]), name
        assert not w.actions_["train"].isEnabled()
        assert "Train is off until a dataset is loaded" in panel.findChildren(
            type(panel.folders))[1].text()
        assert_laid_out(panel)
        w.grab().save(f"/tmp/i18s/first-start-{size[0]}x{size[1]}.png")
        w.training.shutdown()
        w.close()


def test_the_panels_buttons_open_and_download(qtbot, tmp_path, http_server, mnist_dir,
                                              monkeypatch):
    w = window_at(qtbot, tmp_path / "s.ini", data_dir=tmp_path / "data")
    asked = []
    monkeypatch.setattr("nnviz.gui.window.file_commands.QFileDialog.getOpenFileName",
                        lambda *a, **k: (asked.append("file"), ("", ""))[1])
    w.files.welcome.open_button.click()
    assert asked == ["file"]
    http_server.files = {p.name: p.read_bytes() for p in mnist_dir.glob("*.gz")}
    real = w.files.download_dataset
    monkeypatch.setattr(w.files, "download_dataset",
                        lambda name: real(name, mirrors=[http_server.url("good")]))
    w.files.welcome.download_button.click()
    qtbot.waitUntil(lambda: w.model.dataset is not None, timeout=60_000)
    assert w.model.dataset.name == "mnist"
    assert not w.files.welcome.isVisible()
    assert w.actions_["train"].isEnabled()
    w.training.shutdown()


def test_the_lessons_offer_once_with_data_and_not_after_dismissal(qtbot, tmp_path, digits):
    w = window_at(qtbot, tmp_path / "s.ini")
    w.files.set_dataset(digits, "tiny")
    offer = w.files.lessons_offer
    assert offer is not None and offer.isVisible()
    assert offer.open_button.text() == "Lessons (F2)"
    offer.dismiss_button.click()
    assert not offer.isVisible()
    w.training.shutdown()
    w.close()
    w2 = window_at(qtbot, tmp_path / "s.ini")
    w2.files.set_dataset(digits, "tiny")
    assert w2.files.lessons_offer is None
    w2.training.shutdown()
