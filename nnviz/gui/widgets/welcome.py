"""The first start: a panel in place of empty charts until a dataset is loaded, and a
dismissible offer of the Lessons once one is.

Without data every chart would be a flat strip; the panel covers the window below the tool
bar and says what to do instead: open a file, download MNIST, and where files are looked for.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

DISMISSED_KEY = "welcome/lessons_offer_dismissed"


class WelcomePanel(QFrame):
    """Open / download buttons and the searched folders, over the window's dock area.

    Parameters
    ----------
    window : QMainWindow
        Covered from below its tool bars to above its status bar while the panel is shown.
    folders : sequence of Path
        The folders a dataset is looked for in, in search order.
    """

    open_file = Signal()
    open_folder = Signal()
    download = Signal()

    def __init__(self, window, folders):
        super().__init__(window)
        self.setObjectName("welcome")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.window_ = window
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 30, 40, 30)
        box.addStretch(1)
        title = QLabel("<h2>No dataset yet</h2>")
        body = QLabel("The charts need images to show. Open a dataset file you have (MNIST IDX, "
                      "CSV, NPZ or a folder of images), or download MNIST (about 11 MB). "
                      "Train is off until a dataset is loaded.")
        body.setWordWrap(True)
        self.open_button = QPushButton("Open dataset file…")
        self.folder_button = QPushButton("Open dataset folder…")
        self.download_button = QPushButton("Download MNIST…")
        self.open_button.clicked.connect(self.open_file)
        self.folder_button.clicked.connect(self.open_folder)
        self.download_button.clicked.connect(self.download)
        row = QHBoxLayout()
        for b in (self.open_button, self.folder_button, self.download_button):
            row.addWidget(b)
        row.addStretch(1)
        self.folders = QLabel("MNIST is looked for in these folders, in this order:\n"
                              + "\n".join(f"  {p}" for p in folders))
        self.folders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folders.setWordWrap(True)
        for w in (title, body):
            box.addWidget(w)
        box.addLayout(row)
        box.addWidget(self.folders)
        box.addStretch(2)
        window.installEventFilter(self)
        self.place()

    def place(self) -> None:
        """Cover the dock area: the window's rectangle between its tool bars and status bar."""
        w = self.window_
        top = w.menuBar().geometry().bottom() + 1
        for bar in w.findChildren(QToolBar):
            if bar.isVisible() and w.toolBarArea(bar) == Qt.ToolBarArea.TopToolBarArea:
                top = max(top, bar.geometry().bottom() + 1)
        bottom = w.statusBar().geometry().top() if w.statusBar().isVisible() else w.height()
        self.setGeometry(0, top, w.width(), max(0, bottom - top))
        self.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self.place()
        return False


class LessonsOffer(QToolBar):
    """"New here? Lessons (F2)": a bar under the tool bar, gone for good once dismissed."""

    def __init__(self, settings, open_lessons, parent=None):
        super().__init__("Lessons offer", parent)
        self.setObjectName("lessons-offer")
        self.setMovable(False)
        self.settings = settings
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(8, 2, 8, 2)
        row.addWidget(QLabel("New here? Eight short Lessons walk through the data, the network "
                             "and its training."))
        self.open_button = QPushButton("Lessons (F2)")
        self.dismiss_button = QPushButton("Dismiss")
        self.open_button.clicked.connect(open_lessons)
        self.open_button.clicked.connect(self.dismiss)
        self.dismiss_button.clicked.connect(self.dismiss)
        row.addWidget(self.open_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        self.addWidget(holder)

    @staticmethod
    def dismissed(settings) -> bool:
        return str(settings.value(DISMISSED_KEY, "false")).lower() == "true"

    def dismiss(self) -> None:
        self.settings.setValue(DISMISSED_KEY, "true")
        self.settings.sync()
        self.hide()
