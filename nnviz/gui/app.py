"""Starting the window. Until the live training window lands this is a placeholder that
says so; ``--screenshot`` already works so the README's picture can be made headless."""

from __future__ import annotations

import sys


def run_app(args) -> int:
    """Create the application and the main window; run the event loop (or take a screenshot)."""
    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nnviz.gui.placeholder import PlaceholderWindow

    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnviz")
    app.setOrganizationName("nnviz")
    window = PlaceholderWindow()
    window.resize(1000, 640)
    window.show()
    if args.screenshot:
        def shoot():
            window.grab().save(str(args.screenshot))
            app.quit()
        QTimer.singleShot(200, shoot)
    return app.exec()
