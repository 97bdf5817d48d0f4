"""Windows beside the main one: "Draw and step" (the explorer) and "Analysis" (evaluation,
maps, runs).

Both need the width of a screen, which the main window's docks cannot give them next to
the training views; on a second screen, a teacher can show one while training in the other.
Closing one only hides it; the main window saves and restores their geometry.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget


class SideWindow(QMainWindow):
    """A top-level window around ``central``; its geometry is kept under ``key`` in settings."""

    def __init__(self, title: str, key: str, central: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"nnviz — {title}")
        self.setObjectName(f"nnviz-{key}")
        self.key = key
        self.setCentralWidget(central)
        self.statusBar()  # made now: it shows the hints of the hovered charts and controls
        self.resize(1500, 920)

    def present(self) -> None:
        """Show, raise and focus the window."""
        self.show()
        self.raise_()
        self.activateWindow()

    def save_geometry(self, settings: QSettings) -> None:
        settings.setValue(f"{self.key}/geometry", self.saveGeometry())
        settings.setValue(f"{self.key}/visible", self.isVisible())

    def restore_geometry(self, settings: QSettings) -> None:
        if geometry := settings.value(f"{self.key}/geometry"):
            self.restoreGeometry(geometry)
        if str(settings.value(f"{self.key}/visible", "false")).lower() == "true":
            self.show()


class AnalysisWindow(SideWindow):
    """Tabs of the analysis views, by name."""

    def __init__(self, views: dict[str, tuple[str, QWidget]], parent: QWidget | None = None):
        self.tabs = QTabWidget()
        self.tab_of: dict[str, int] = {}
        for name, (title, view) in views.items():
            self.tab_of[name] = self.tabs.addTab(view, title)
        super().__init__("Evaluation, maps and runs", "analysis", self.tabs, parent)

    def current_name(self) -> str:
        """The name of the view in the current tab."""
        index = self.tabs.currentIndex()
        return next(name for name, i in self.tab_of.items() if i == index)

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(self.tab_of[name])
        self.present()
