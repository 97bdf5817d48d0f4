"""A placeholder main window: menus, a status bar and a note that the live views are coming."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from nnviz import __version__

NOTE = ("<h2>nnviz {v}</h2><p>The engine, the datasets and the command line are ready:</p>"
        "<pre>nnviz train --epochs 12 --save model.npz\nnnviz evaluate model.npz</pre>"
        "<p>The live training window (curves, weights, activations, the drawing pad and the "
        "backpropagation stepper) is being built; this window is a placeholder until then.</p>")


class PlaceholderWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.setWindowTitle("nnviz")
        label = QLabel(NOTE.format(v=__version__))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setCentralWidget(label)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit,
                              triggered=self.close)
        self.menuBar().addMenu("&File").addAction(quit_action)
        about = QAction("&About nnviz", self, triggered=self.show_about)
        self.menuBar().addMenu("&Help").addAction(about)
        self.statusBar().showMessage("placeholder window: the live views are not built yet")

    def show_about(self):
        QMessageBox.about(self, "About nnviz", NOTE.format(v=__version__))
