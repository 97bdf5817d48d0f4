"""The main window's message boxes: errors (non-blocking: the app goes on), About and the
list of shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from nnviz.gui.window import actions as window_actions


class Dialogs:
    """Boxes shown over ``window`` (a MainWindow).

    Attributes
    ----------
    errors : list of str
        Every message shown in an error box (tests read it).
    open : list of QMessageBox
        The non-modal boxes still open, kept alive until they are closed.
    """

    def __init__(self, window):
        self.window = window
        self.errors: list[str] = []
        self.open: list[QMessageBox] = []

    def keep(self, box: QMessageBox) -> QMessageBox:
        """``box``, deleted when closed and referenced until then; returns it."""
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._forget(box))  # GUI thread: fine
        self.open.append(box)
        return box

    def _forget(self, box: QMessageBox) -> None:
        self.open = [b for b in self.open if b is not box]

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking error box; the app goes on."""
        self.errors.append(message)
        self.keep(QMessageBox(QMessageBox.Icon.Critical, title, message,
                              QMessageBox.StandardButton.Ok, self.window)).open()

    def shortcuts(self) -> None:
        rows = "".join(f"<tr><td>{t}</td><td><b>{k}</b></td></tr>"
                       for t, k in window_actions.shortcut_table(self.window.actions_))
        QMessageBox.information(self.window, "Keyboard shortcuts",
                                f"<table cellpadding=3>{rows}</table>")

    def about(self) -> None:
        """The About box, with the app icon; non-blocking, like the error boxes."""
        from nnviz import __version__
        from nnviz.charts.app import app_icon
        text = (f"<h3>nnviz {__version__}</h3><p>Watch a from-scratch NumPy neural network learn "
                "handwritten digits, and open it up.</p>")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About nnviz", text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setIconPixmap(app_icon().pixmap(64))
        self.keep(box).open()
