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
    collect_garbage_between_events()
    return app


_COLLECTOR = None


def collect_garbage_between_events():
    """Python's cycle collector runs from a timer of the GUI thread, between events, not at
    whatever allocation trips it (once started, it stays for the process).

    A collection that runs inside Qt code, e.g. in ``ViewBox.boundingRect`` called from a
    geometry change, deletes collected widgets on the spot; a QMenu's destructor there waited
    for a mutex that Qt already held, and the test run hung for ever (seen once in a full
    run). pyqtgraph's GarbageCollector disables automatic collection and collects on a timer.
    """
    global _COLLECTOR
    if _COLLECTOR is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector
        _COLLECTOR = GarbageCollector(interval=1.0)
    return _COLLECTOR


def delete_window(window) -> None:
    """Close ``window`` and delete it now, with its children, while the QApplication exists.

    Left to the interpreter's exit, the widgets' Python wrappers are freed in no particular
    order, some after the QApplication: a crash at exit (SIGSEGV with no Python frame, in
    about one benchmark run in three). Only the window: the stray top-level menus that
    pyqtgraph's items own are theirs to free (deleting them too crashed at once)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
