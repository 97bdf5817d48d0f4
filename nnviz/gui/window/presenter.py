"""The docks' arrangement: the default layout (View > Reset layout) and presenter mode (View >
Presenter, F11), which enlarges text and lines for a lecture hall projector and shows fewer
docks."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from nnviz.charts.theme import PRESENTER_FONT_SCALE, style_ticks

# Presenter mode shows these docks only: what a lecture hall watches while the network learns.
PRESENTER_DOCKS = ("curves", "weights", "activations")


def dock_min_width(name: str) -> int:
    """The width below which a dock is not squeezed (its content may ask for more)."""
    return 260 if name == "controls" else 200


# Each view's own minimum width in a dock (it overrides the view's size hint, which for the
# weights grid asked for 675 px): with the Controls' own (about 320) they stay under 1280 px.
VIEW_MIN_WIDTH = {"curves": 320, "weights": 320, "activations": 280,
                  "data": 260}
CONTROLS_MAX_WIDTH = 440  # wider, its sliders only stretch


def style_every_axis(window, theme) -> None:
    """Every pyqtgraph axis in ``window``'s charts with presenter mode's tick font or its
    own again (a view that styles its axes itself keeps its choice: ``style_ticks``)."""
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                style_ticks(item, theme)


class Presenter:
    """Presenter mode and the layouts of ``window`` (a MainWindow with its ``docks`` built).

    Attributes
    ----------
    on : bool
        Presenter mode is on.
    default_state : QByteArray
        The docks as the window built them (Reset layout goes back to it).
    """

    def __init__(self, window):
        self.window = window
        self.on = False
        self.default_state = window.saveState()
        self._normal_layout = self._normal_font = self._normal_size = None

    def normal_state(self):
        """The layout to save: in presenter mode the one leaving it comes back to (presenter
        mode is entered again on the next start)."""
        return self._normal_layout if self.on else self.window.saveState()

    def reset_layout(self) -> None:
        """Every dock where it started, and shown. In presenter mode, its own docks, and the
        default layout is the one leaving presenter mode comes back to."""
        w = self.window
        size = w.size()  # in presenter mode the docks hidden below would widen it
        w.restoreState(self.default_state)
        for name, dock in w.docks.items():
            dock.setVisible(not self.on or name in PRESENTER_DOCKS)
        if self.on:
            self._normal_layout = self.default_state
            w.layout().activate()  # the minimum size of the docks shown, then the old size
            w.resize(size)

    def set(self, on: bool) -> None:
        """Presenter mode, for a lecture hall projector: the application font ×1.5, the
        charts' text and lines larger (``Theme.presenting``), and only the docks of
        :data:`PRESENTER_DOCKS`. Leaving it gives back the font and the exact layout of before."""
        w, on = self.window, bool(on)
        w.actions_["presenter"].setChecked(on)
        if on == self.on:
            return
        app = QApplication.instance()
        if on:
            self._normal_layout, self._normal_font = w.saveState(), QFont(app.font())
            self._normal_size = w.size()
            # Docks hidden before the font grows: the hidden ones' larger minimum sizes would
            # otherwise widen the window.
            for name, dock in w.docks.items():
                dock.setVisible(name in PRESENTER_DOCKS)
            font = QFont(self._normal_font)
            font.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
            app.setFont(font)
        else:
            app.setFont(self._normal_font)
        self.on = on
        w.set_theme(w.theme.name)  # after the font: the charts measure their text again
        style_every_axis(w, w.theme)
        if not on:
            self._restore_normal_layout()
            # Once the widgets have measured themselves in the normal font again (their
            # layout requests are queued), once more: restoring with presenter mode's larger
            # minimum sizes gives the docks other widths.
            QTimer.singleShot(0, w, self._restore_normal_layout)

    def _restore_normal_layout(self) -> None:
        if self.on:  # presenter mode again before the event loop came back
            return
        w = self.window
        for name, dock in w.docks.items():
            # A dock's layout only ever raises the minimum size it sets on its dock (it
            # reads it back): presenter mode's would stay, and widen the window.
            dock.setMinimumSize(dock_min_width(name), 0)
        w.restoreState(self._normal_layout)
        w.resize(self._normal_size)

    def close(self) -> None:
        """The window closes: the application font is given back (it is the app's)."""
        if self.on:
            QApplication.instance().setFont(self._normal_font)
