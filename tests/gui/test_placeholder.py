"""The placeholder window starts, shows its note and saves a screenshot headless."""

from types import SimpleNamespace

from PySide6.QtGui import QImage


def test_window_has_menus_and_a_note(qtbot):
    from nnviz.gui.placeholder import PlaceholderWindow
    w = PlaceholderWindow()
    qtbot.addWidget(w)
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == ["&File", "&Help"]
    assert "placeholder" in w.centralWidget().text()


def test_screenshot_front_door(tmp_path, qapp):
    from nnviz.gui.app import run_app
    shot = tmp_path / "shot.png"
    assert run_app(SimpleNamespace(screenshot=shot)) == 0
    img = QImage(str(shot))
    assert (img.width(), img.height()) == (1000, 640)
    # Not a blank image: the note's text puts dark pixels on the light background.
    colours = {img.pixel(x, y) for x in range(0, 1000, 7) for y in range(0, 640, 7)}
    assert len(colours) > 2
