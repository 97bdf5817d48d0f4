"""The main window: docks for every view, the training toolbar, menus and the status bar.

The window owns no training logic and no state: it forwards commands to the
:class:`TrainingProcess`, changes the :class:`SessionModel` the views subscribe to, and on
its frame clock (:class:`FrameScheduler`, every 14 ms) has the model publish the newest
snapshot and the views draw in turn. A view that fails is named in the status bar until it
is served again.

It is composed of parts, each an object holding the window: ``files`` (the File menu),
``training_commands`` (the Training menu and what training reports), ``dialogs``,
``presenting`` (presenter mode and the layouts), ``saved_settings`` and ``commands`` (what a
layer above, the lessons, may do: :class:`~nnviz.gui.window.commands.WindowCommands`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

from nnviz.charts.theme import THEMES, apply_palette
from nnviz.gui.views.activations.view import ActivationsView
from nnviz.gui.views.controls.view import ControlsPanel
from nnviz.gui.views.curves.view import CurvesView
from nnviz.gui.views.data.view import DataView
from nnviz.gui.views.evaluation.view import EvaluationView
from nnviz.gui.views.explorer.view import ExplorerView
from nnviz.gui.views.map.view import MapView
from nnviz.gui.views.runs.view import RunsView
from nnviz.gui.views.weights.view import WeightsView
from nnviz.gui.widgets.frames import FrameScheduler
from nnviz.gui.window import actions as window_actions
from nnviz.gui.window.commands import Commands, WindowCommands
from nnviz.gui.window.dialogs import Dialogs
from nnviz.gui.window.file_commands import FileCommands
from nnviz.gui.window.presenter import (
    CONTROLS_MAX_WIDTH,
    VIEW_MIN_WIDTH,
    Presenter,
    dock_min_width,
)
from nnviz.gui.window.settings import SavedSettings
from nnviz.gui.window.side_windows import AnalysisWindow, SideWindow
from nnviz.gui.window.status import StatusBar
from nnviz.gui.window.training_commands import TrainingCommands
from nnviz.gui.workers.process import TrainingProcess
from nnviz.runs.library import RunLibrary
from nnviz.session import SessionModel

# The views of the analysis window, by name: tab title.
ANALYSIS = {"evaluation": "Evaluation", "map": "Map of the representation",
            "runs": "Runs and models"}

# name: (title, area); the order is the default stacking within an area.
DOCKS = {
    "controls": ("Controls", Qt.DockWidgetArea.LeftDockWidgetArea),
    "curves": ("Curves", Qt.DockWidgetArea.RightDockWidgetArea),
    "weights": ("Weights", Qt.DockWidgetArea.RightDockWidgetArea),
    "activations": ("Activations", Qt.DockWidgetArea.RightDockWidgetArea),
    "data": ("Data", Qt.DockWidgetArea.RightDockWidgetArea),
}


class MainWindow(QMainWindow):
    """nnviz's window. ``settings`` defaults to the user's QSettings (tests pass their own).

    Parameters
    ----------
    settings : QSettings, optional
    data_dir : path, optional
        Where known datasets are looked for and downloaded to.
    lessons : callable(WindowCommands) -> QWidget, optional
        Makes the Lessons window's content from the window's commands (the lessons are a
        layer above the window: :func:`nnviz.gui.app.build_window` passes them). Without it
        there is no Lessons window and Help > Lessons is off.
    """

    def __init__(self, settings: QSettings | None = None, data_dir=None,
                 lessons: Callable[[WindowCommands], QWidget] | None = None):
        super().__init__()
        self.setWindowTitle("nnviz")
        self.setObjectName("nnviz-main")
        self._shown_once = False
        self.settings = settings or QSettings()
        self.data_dir = data_dir
        self.model = SessionModel()
        self.training = TrainingProcess(self.model, self)
        self.theme = THEMES["light"]
        self.dialogs = Dialogs(self)
        self.errors = self.dialogs.errors  # every message shown in an error box (tests read it)
        m = self.model  # the views that look the dataset up later read it from the model
        self.views = {"controls": ControlsPanel(), "curves": CurvesView(), "weights": WeightsView(),
                      "activations": ActivationsView(model=m), "data": DataView(model=m),
                      "explorer": ExplorerView(model=m), "evaluation": EvaluationView(model=m),
                      "map": MapView(model=m), "runs": RunsView(model=m)}
        for name, view in self.views.items():  # each skips its drawing while hidden
            self.model.subscribe(name, view)
        self.docks = self._build_docks()
        self.files = FileCommands(self)
        self.training_commands = TrainingCommands(self)
        self.commands = Commands(self)
        self.explorer_window = SideWindow("Draw and step", "explorer", self.views["explorer"], self)
        self.analysis_window = AnalysisWindow({n: (t, self.views[n]) for n, t in ANALYSIS.items()},
                                              self)
        self.lessons_window = None
        if lessons is not None:
            self.lessons_window = SideWindow("Lessons", "lessons", lessons(self.commands), self)
            self.lessons_window.resize(900, 860)
        self.side_windows = tuple(w for w in (self.explorer_window, self.analysis_window,
                                              self.lessons_window) if w is not None)
        self.views["runs"].set_library(RunLibrary())  # the user data folder (tests: a tmp one)
        self.actions_ = window_actions.build_actions(self)
        self.actions_["lessons"].setEnabled(self.lessons_window is not None)
        self.theme_group = window_actions.build_menus(self, self.actions_, self.docks)
        window_actions.build_toolbar(self, self.actions_)
        for window in self.side_windows:  # their shortcuts work in the side windows too
            window.addActions([self.actions_[n] for n in window_actions.SHARED_WITH_SIDE_WINDOWS])
        self.status = StatusBar(self.statusBar())
        self.model.add_failure_listener(self.status.show_failure)
        self.presenting = Presenter(self)  # the default layout: the docks as built
        self.training_commands.connect()
        self._connect()
        # Every view's drawing on one frame clock, spread over frames (nnviz.gui.timing).
        self.frames = FrameScheduler(self, before=self._publish, failed=self.model.report_draw)
        for view in self.views.values():
            if hasattr(view, "drawing"):
                self.frames.add(view.drawing)
        self._timer = self.frames.timer
        self.frames.start()
        self.saved_settings = SavedSettings(self, self.settings)
        self.saved_settings.restore()
        self.training_commands.update_actions()

    def _build_docks(self) -> dict[str, QDockWidget]:
        self.setDockNestingEnabled(True)
        docks = {}
        for name, (title, area) in DOCKS.items():
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            if name in VIEW_MIN_WIDTH:
                self.views[name].setMinimumWidth(VIEW_MIN_WIDTH[name])
            dock.setWidget(self.views[name])
            dock.setMinimumWidth(dock_min_width(name))
            self.addDockWidget(area, dock)
            docks[name] = dock
        self.setCentralWidget(None)
        self.splitDockWidget(docks["curves"], docks["activations"], Qt.Orientation.Horizontal)
        self.splitDockWidget(docks["curves"], docks["weights"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(docks["activations"], docks["data"])
        docks["activations"].raise_()
        docks["controls"].setMaximumWidth(CONTROLS_MAX_WIDTH)
        self.docks = docks
        self.fit_screen()
        self.layout_docks()
        return docks

    def fit_screen(self) -> None:
        """Open at 90 % of the available screen (at most 1600×1000), never larger than it."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.resize(min(1600, int(area.width() * 0.9)) if area.width() > 1400 else area.width(),
                    min(1000, int(area.height() * 0.9)) if area.height() > 900
                    else area.height())

    def layout_docks(self) -> None:
        """Dock sizes for the window's width: the Controls narrow (a fifth, from what their
        fields need to 440 px), the curves and weights column the larger share of the rest
        (what people watch: the loss falling and the weights changing), the curves above with
        the larger share of the height."""
        d, width, height = self.docks, self.width(), self.height()
        controls = max(d["controls"].minimumSizeHint().width(),
                       min(CONTROLS_MAX_WIDTH, width // 5))
        rest = width - controls
        self.resizeDocks([d["controls"], d["curves"], d["activations"]],
                         [controls, int(rest * 0.58), rest - int(rest * 0.58)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([d["curves"], d["weights"]], [int(height * 0.55), int(height * 0.45)],
                         Qt.Orientation.Vertical)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self._shown_once:  # the first size it gets (the tests', the screen's)
            self.layout_docks()

    def _connect(self) -> None:
        """Between the views: a test image to the activations' probe or to the pad."""
        v = self.views
        for name in ("evaluation", "map"):
            v[name].probe_requested.connect(self.show_probe)
        v["evaluation"].send_to_pad.connect(self.send_to_pad)

    # -- snapshots to views ------------------------------------------------------------------------

    def refresh_views(self) -> None:
        """Publish the newest snapshot and draw now whatever each visible view has waiting
        (rates aside). The frame clock does the same, a view or two per frame."""
        self.frames.flush()

    def _publish(self) -> None:
        """Each frame: the model hands the views the newest snapshot, once (snapshots arriving
        between frames are simply replaced); the views draw it when the scheduler says."""
        snap = self.model.publish()
        if snap is not None:
            self.status.show_snapshot(snap, self.training)

    # -- between the views --------------------------------------------------------------------

    @Slot(int)
    def show_probe(self, index: int) -> None:
        """Make test image ``index`` the probe of the activations view."""
        self.views["activations"].set_probe(index)
        self.commands.show_dock("activations")

    @Slot(int)
    def send_to_pad(self, index: int) -> None:
        """Put test image ``index`` on the drawing pad and show the explorer."""
        self.commands.explorer_put_test_image(index)
        self.commands.present_explorer()

    # -- the parts' commands that callers above the window use -----------------------------------

    def open_dataset(self, source, offer_download: bool = False):
        """Load ``source`` (a known name or a path) in the background, then use it (a Task)."""
        return self.files.open_dataset(source, offer_download=offer_download)

    def new_network(self, config=None) -> bool:
        """Build a fresh network from ``config`` (default: the controls); False if impossible."""
        return self.training_commands.new_network(config)

    # -- theme and presenter mode ---------------------------------------------------------------

    @property
    def presenter(self) -> bool:
        """View > Presenter (F11) is on: see :meth:`set_presenter`."""
        return self.presenting.on

    def set_presenter(self, on: bool) -> None:
        """Presenter mode on or off (:meth:`Presenter.set`)."""
        self.presenting.set(on)

    def set_theme(self, name: str) -> None:
        theme = THEMES.get(name, THEMES["light"]).presenting(self.presenter)
        apply_palette(QApplication.instance(), theme)
        if theme != self.theme:  # the views start in the window's first theme
            self.theme = theme
            for view in self.views.values():
                view.set_theme(theme)
            self.status.set_theme(theme)
        for action in self.theme_group.actions():
            action.setChecked(action.data() == self.theme.name)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once and not self.settings.value("window/state"):
            self.layout_docks()
        self._shown_once = True

    def closeEvent(self, event) -> None:
        """Stop the training thread (it ends within a batch) and save the settings."""
        self._timer.stop()
        self.training.shutdown()
        self.saved_settings.save()
        self.presenting.close()
        for window in self.side_windows:
            window.close()
        super().closeEvent(event)
