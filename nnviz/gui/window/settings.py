"""What the main window keeps between starts (QSettings): its geometry and layout, theme,
presenter mode, the side windows' geometry, the Controls and the dataset last opened."""

from __future__ import annotations

from PySide6.QtCore import QSettings


class SavedSettings:
    """Restores and saves ``window``'s (a MainWindow's) settings in ``settings``."""

    def __init__(self, window, settings: QSettings):
        self.window = window
        self.settings = settings

    def restore(self) -> None:
        w, s = self.window, self.settings
        if geometry := s.value("window/geometry"):
            w.restoreGeometry(geometry)
        if state := s.value("window/state"):
            w.restoreState(state)
        w.set_theme(str(s.value("window/theme", "light")))
        w.set_presenter(s.value("window/presenter", False, type=bool))
        for side in w.side_windows:
            side.restore_geometry(s)
        if controls := s.value("controls/state"):
            try:
                w.views["controls"].restore_state(controls if isinstance(controls, dict) else {})
            except (ValueError, TypeError, KeyError):
                pass  # settings from another version: keep the defaults

    def save(self) -> None:
        w, s = self.window, self.settings
        s.setValue("window/geometry", w.saveGeometry())
        s.setValue("window/state", w.presenting.normal_state())
        s.setValue("window/presenter", w.presenter)
        s.setValue("window/theme", w.theme.name)
        s.setValue("controls/state", w.views["controls"].state())
        for side in w.side_windows:
            side.save_geometry(s)
        if w.model.source is not None:
            s.setValue("data/source", w.model.source)
        s.sync()
