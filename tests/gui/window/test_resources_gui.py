"""The resources in the running app: the window icon at every size, the About box's icon, and
the themes' palettes and style sheet applied to the whole application."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLineEdit, QMessageBox, QStyleFactory, QVBoxLayout, QWidget

from nnviz import __version__
from nnviz.charts.app import make_app
from nnviz.charts.theme import DARK, LIGHT, apply_palette

SIZES = (16, 32, 48, 64, 128, 256)
AMBER, WHITE = QColor("#fbbc04"), QColor("#ffffff")  # the answer unit, the other units


@pytest.fixture
def app(qapp):
    """The test QApplication, its names, icon, style, palette and style sheet put back after."""
    saved = (qapp.applicationName(), qapp.organizationName(), qapp.desktopFileName(),
             qapp.windowIcon(), qapp.style().name(), qapp.palette(), qapp.styleSheet())
    yield qapp
    name, organisation, desktop, icon, style, palette, sheet = saved
    qapp.setApplicationName(name)  # QSettings() must not find the user's own nnviz settings
    qapp.setOrganizationName(organisation)
    qapp.setDesktopFileName(desktop)
    qapp.setWindowIcon(icon)
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
    qapp.setPalette(palette)


def test_the_app_has_the_icon_at_every_size(app):
    assert make_app() is app
    icon = app.windowIcon()
    assert not icon.isNull()
    assert icon.availableSizes() == [QSize(s, s) for s in SIZES]
    assert app.desktopFileName() == "nnviz"  # matches resources/nnviz.desktop
    # Each size is its own PNG: the answer unit is amber where each drawing puts it.
    big, small = icon.pixmap(256).toImage(), icon.pixmap(16).toImage()
    assert (big.width(), small.width()) == (256, 16)
    assert big.pixelColor(192, 104) == AMBER and big.pixelColor(64, 80) == WHITE
    assert big.pixelColor(0, 0).alpha() == 0  # transparent outside the rounded tile
    answer = small.pixelColor(12, 6)  # nnviz-small.svg's (24, 12), at half size
    assert (answer.red(), answer.green(), answer.blue()) == (0xf3, 0xb9, 0x0b)


@pytest.mark.slow
def test_the_about_box_shows_the_icon(make_window):
    window = make_window()
    window.dialogs.about()
    box = window.findChild(QMessageBox)
    assert box.isVisible() and box.windowTitle() == "About nnviz"
    assert f"nnviz {__version__}" in box.text()
    pixmap = box.iconPixmap()
    assert not pixmap.isNull() and pixmap.size() == QSize(64, 64)
    assert pixmap.toImage().pixelColor(48, 26) == AMBER  # (192, 104) of 256
    assert window.dialogs.open == [box]
    box.accept()  # not blocking: the window forgets it when it closes
    assert window.dialogs.open == []


@pytest.mark.slow
def test_the_dark_palette_and_style_sheet(app):
    apply_palette(app, DARK)
    palette, role = app.palette(), QPalette.ColorRole
    assert [palette.color(r).name() for r in (role.Window, role.Base, role.Text,
                                              role.Highlight, role.HighlightedText)] == [
        "#2b2d30", "#1e1f22", "#e8eaed", "#8ab4f8", "#000000"]
    disabled = QPalette.ColorGroup.Disabled
    assert palette.color(disabled, role.Text).name() == "#9aa0a6"
    assert palette.color(disabled, role.Window).name() == "#2b2d30"
    assert "border: 1px solid #9aa0a6;" in app.styleSheet()

    apply_palette(app, LIGHT)
    fusion = QStyleFactory.create("Fusion").standardPalette()
    assert app.styleSheet() == "" and app.style().name() == "fusion"
    assert [app.palette().color(r) for r in (role.Window, role.Base, role.Text)] == [
        fusion.color(r) for r in (role.Window, role.Base, role.Text)]


@pytest.mark.slow
@pytest.mark.parametrize(("first", "then"), [(LIGHT, DARK), (DARK, LIGHT)])
def test_a_shown_widget_takes_the_new_theme(app, qtbot, first, then):
    # The palette is set before the style sheet, whose change repolishes every widget: the
    # other way round, a line edit inside a panel shown in light stayed white in dark.
    apply_palette(app, first)
    panel = QWidget()
    QVBoxLayout(panel).addWidget(edit := QLineEdit())
    qtbot.addWidget(panel)
    panel.resize(200, 60)
    panel.show()
    qtbot.waitExposed(panel)
    apply_palette(app, then)
    inside = edit.geometry().center()
    expected = then.background  # the Base colour: "#1e1f22", or Fusion's white
    assert panel.grab().toImage().pixelColor(inside).name() == expected
