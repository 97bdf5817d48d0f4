"""The one QApplication, configured as every chart here assumes, with nnviz's icon."""

from __future__ import annotations

import sys

from nnviz import resources


def app_icon():
    """nnviz's icon, one PNG per size in ``resources/`` (title bars, task bar, About box)."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon
    icon = QIcon()
    for size, file in resources.icon_files().items():
        icon.addFile(str(file), QSize(size, size))
    return icon


def make_app():
    """The QApplication (created once), with pyqtgraph set to row-major images and the app
    icon, which every window inherits."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")  # no antialiasing: it tripled curve paint time
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnviz")
    app.setOrganizationName("nnviz")
    app.setWindowIcon(app_icon())
    app.setDesktopFileName("nnviz")  # Wayland and task bars match the window to nnviz.desktop
    return app
