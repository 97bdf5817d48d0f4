"""The one QApplication, configured as every chart here assumes."""

from __future__ import annotations

import sys


def make_app():
    """The QApplication (created once), with pyqtgraph set to row-major images."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")  # no antialiasing: it tripled curve paint time
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnviz")
    app.setOrganizationName("nnviz")
    return app
