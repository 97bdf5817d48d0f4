"""The main window: docks for every view, the training toolbar, menus and the status bar.

The window owns no training logic and no state: it forwards commands to the
:class:`TrainingProcess`, changes the :class:`SessionModel` the views subscribe to, and on
its frame clock (:class:`FrameScheduler`, every 16 ms) has the model publish the newest
snapshot and the views draw in turn. A view that fails is named in the status bar until it
is served again.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMessageBox

from nnviz.charts.theme import PRESENTER_FONT_SCALE, THEMES, apply_palette
from nnviz.engine.config import TrainConfig
from nnviz.gui.views.activations.view import ActivationsView
from nnviz.gui.views.controls.view import ControlsPanel
from nnviz.gui.views.curves.view import CurvesView
from nnviz.gui.views.data.view import DataView
from nnviz.gui.views.evaluation.view import EvaluationView
from nnviz.gui.views.explorer.view import ExplorerView
from nnviz.gui.views.lessons.view import LessonsView
from nnviz.gui.views.map.view import MapView
from nnviz.gui.views.runs.view import RunsView
from nnviz.gui.views.weights.view import WeightsView
from nnviz.gui.widgets.frames import FrameScheduler
from nnviz.gui.window import actions as window_actions
from nnviz.gui.window.file_commands import FileCommands
from nnviz.gui.window.side_windows import AnalysisWindow, SideWindow
from nnviz.gui.window.status import StatusBar
from nnviz.gui.workers.process import TrainingProcess
from nnviz.runs.library import RunLibrary
from nnviz.session import SessionModel

# The views of the analysis window, by name: tab title.
ANALYSIS = {"evaluation": "Evaluation", "map": "Map of the representation", "runs": "Runs and models"}

# name: (title, area); the order is the default stacking within an area.
DOCKS = {
    "controls": ("Controls", Qt.DockWidgetArea.LeftDockWidgetArea),
    "curves": ("Curves", Qt.DockWidgetArea.RightDockWidgetArea),
    "weights": ("Weights", Qt.DockWidgetArea.RightDockWidgetArea),
    "activations": ("Activations", Qt.DockWidgetArea.RightDockWidgetArea),
    "data": ("Data", Qt.DockWidgetArea.RightDockWidgetArea),
}


def dock_min_width(name: str) -> int:
    """The width below which a dock is not squeezed (its content may ask for more)."""
    return 340 if name == "controls" else 200


# Presenter mode shows these docks only: what a lecture hall watches while the network learns.
PRESENTER_DOCKS = ("curves", "weights", "activations")


class MainWindow(FileCommands, QMainWindow):
    """nnviz's window. ``settings`` defaults to the user's QSettings (tests pass their own)."""

    presenter = False  # View > Presenter (F11): see set_presenter

    def __init__(self, settings: QSettings | None = None, data_dir=None):
        super().__init__()
        self.setWindowTitle("nnviz")
        self.setObjectName("nnviz-main")
        self.settings = settings or QSettings()
        self.data_dir = data_dir
        self.model = SessionModel()
        self.training = TrainingProcess(self.model, self)
        self.theme = THEMES["light"]
        self.errors: list[str] = []   # every message shown in an error dialog (tests read it)
        self._dialogs = []            # open non-modal dialogs, kept alive
        m = self.model  # the views that look the dataset up later read it from the model
        self.views = {"controls": ControlsPanel(), "curves": CurvesView(), "weights": WeightsView(),
                      "activations": ActivationsView(model=m), "data": DataView(model=m),
                      "explorer": ExplorerView(model=m), "evaluation": EvaluationView(model=m),
                      "map": MapView(model=m), "runs": RunsView(model=m)}
        for name, view in self.views.items():  # each skips its drawing while hidden
            self.model.subscribe(name, view)
        self.docks = self._build_docks()
        self.explorer_window = SideWindow("Draw and step", "explorer", self.views["explorer"], self)
        self.analysis_window = AnalysisWindow({n: (t, self.views[n]) for n, t in ANALYSIS.items()}, self)
        self.lessons_window = SideWindow("Lessons", "lessons", LessonsView(self), self)
        self.lessons_window.resize(900, 860)
        self.side_windows = (self.explorer_window, self.analysis_window, self.lessons_window)
        self.views["runs"].set_library(RunLibrary())  # the user data folder (tests: a tmp one)
        self.actions_ = window_actions.build_actions(self)
        self.theme_group = window_actions.build_menus(self, self.actions_, self.docks)
        window_actions.build_toolbar(self, self.actions_)
        for window in self.side_windows:  # their shortcuts work in the side windows too
            window.addActions([self.actions_[n] for n in window_actions.SHARED_WITH_SIDE_WINDOWS])
        self.status = StatusBar(self.statusBar())
        self.model.add_failure_listener(self.status.show_failure)
        self._default_state = self.saveState()
        self._connect()
        # Every view's drawing on one frame clock, spread over frames (nnviz.gui.timing).
        self.frames = FrameScheduler(self, before=self._publish, failed=self.model.report_draw)
        for view in self.views.values():
            if hasattr(view, "drawing"):
                self.frames.add(view.drawing)
        self._timer = self.frames.timer
        self.frames.start()
        self._restore_settings()
        self._update_actions()

    def _build_docks(self) -> dict[str, QDockWidget]:
        self.setDockNestingEnabled(True)
        docks = {}
        for name, (title, area) in DOCKS.items():
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            dock.setWidget(self.views[name])
            dock.setMinimumWidth(dock_min_width(name))
            self.addDockWidget(area, dock)
            docks[name] = dock
        self.setCentralWidget(None)
        self.splitDockWidget(docks["curves"], docks["activations"], Qt.Orientation.Horizontal)
        self.splitDockWidget(docks["curves"], docks["weights"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(docks["activations"], docks["data"])
        docks["activations"].raise_()
        self.resizeDocks([docks["controls"], docks["curves"], docks["activations"]], [330, 690, 580],
                         Qt.Orientation.Horizontal)
        # The curves are what people watch most: give them the larger share of the height.
        self.resizeDocks([docks["curves"], docks["weights"]], [560, 380], Qt.Orientation.Vertical)
        return docks

    def _connect(self) -> None:
        s, c = self.training, self.views["controls"]
        s.state_changed.connect(self._on_state)
        s.diverged.connect(self._on_diverged)
        s.failed.connect(self._on_failed)
        c.live_changed.connect(self._on_live_changed)
        c.delay_changed.connect(self.training.set_delay)
        c.live_changed.connect(self._on_augmentation_maybe)
        self.views["weights"].mode_changed.connect(self._on_weights_mode)
        self._on_weights_mode(self.views["weights"].mode())
        v = self.views
        v["explorer"].adopt_requested.connect(self._adopt_from_explorer)
        v["runs"].load_requested.connect(self._load_run)
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

    # -- training commands -------------------------------------------------------------------------

    def on_train(self):
        if self._needs_network():
            self.training.train()

    def on_pause(self):
        """Halt after the current batch; Train goes on with the same run."""
        self.training.pause()

    def on_step(self):
        if self._needs_network():
            self.training.step(1)

    def on_epoch(self):
        if self._needs_network():
            self.training.add_epoch()

    def on_stop(self):
        """End the run (its last snapshot stays, to save); Train starts a new network."""
        self.training.stop()
        self._update_actions()  # Stop is off at once: there is no run left to end

    def on_new_network(self):
        self.new_network()

    def new_network(self, config: TrainConfig | None = None) -> bool:
        """Build a fresh network from ``config`` (default: the controls); False if impossible."""
        controls = self.views["controls"]
        try:
            self.training.new_network(config or controls.config())
        except ValueError as exc:
            self.show_error("Cannot build the network", str(exc))
            return False
        controls.set_needs_new_network(False)
        self._update_actions()
        return True

    # -- between the views --------------------------------------------------------------------

    def on_show_explorer(self):
        self.explorer_window.present()

    def on_show_analysis(self):
        self.analysis_window.present()

    def on_lessons(self):
        self.lessons_window.present()

    @Slot(int)
    def show_probe(self, index: int) -> None:
        """Make test image ``index`` the probe of the activations view."""
        self.views["activations"].set_probe(index)
        self.docks["activations"].show()
        self.docks["activations"].raise_()

    @Slot(int)
    def send_to_pad(self, index: int) -> None:
        """Put test image ``index`` on the drawing pad and show the explorer."""
        self.views["explorer"].load_test_image(index)
        self.explorer_window.present()

    def continue_from(self, net, config, history, error_title: str) -> bool:
        """Make ``net`` the training process's network (paused), with ``config`` (None: one
        is made up from the network) and ``history``; the controls show the configuration
        and the explorer follows the new run. False, after a message, when impossible."""
        if hasattr(net, "stack"):  # a ConvNet: the views draw dense layers only (part 2)
            self.show_error(error_title, f"{net.arch_text}: a convolutional network; this "
                            "window does not show convolutional layers yet (nnviz evaluate "
                            "reads it)")
            return False
        try:
            self.training.adopt_model(net, config, list(history))
        except ValueError as exc:
            self.show_error(error_title, str(exc))
            return False
        if config is not None:
            self.views["controls"].set_config(self.model.config)
        self.views["controls"].set_needs_new_network(False)
        self.views["explorer"].follow.setChecked(True)
        self._update_actions()
        return True

    def _adopt_from_explorer(self, net) -> None:
        """Continue training from a network edited or taught in the explorer."""
        snap = self.model.latest
        if self.continue_from(net, self.model.config, snap.history if snap is not None else [],
                              "Cannot use that network for training"):
            self.statusBar().showMessage("training continues from the explorer's network", 5000)

    def _load_run(self, net, record) -> None:
        self.continue_from(net, record.config, record.history, "Cannot load the run")

    def _needs_network(self) -> bool:
        return self.training.has_network or self.new_network()

    @Slot(dict)
    def _on_live_changed(self, changes: dict) -> None:
        try:
            self.training.request(**changes)
        except ValueError as exc:
            self.show_error("Cannot apply that setting", str(exc))

    @Slot(str)
    def _on_weights_mode(self, mode: str) -> None:
        """Ask for gradients or updates in snapshots only while the weights view shows them."""
        self.training.set_snapshot_fields({mode} & {"dW", "uW"})

    @Slot(dict)
    def _on_augmentation_maybe(self, changes: dict) -> None:
        if "augmentation" in changes:
            self.views["data"].set_augmentation(changes["augmentation"])

    @Slot(str)
    def _on_state(self, state: str) -> None:
        self.status.set_state(state)
        self._update_actions()

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        self.show_error("Training diverged", message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.show_error("Training stopped by an error", message)

    def _update_actions(self) -> None:
        has_data = self.model.dataset is not None
        training = self.training.is_training
        a = self.actions_
        for name in ("train", "step", "epoch", "new"):
            a[name].setEnabled(has_data and (name == "new" or not training))
        a["pause"].setEnabled(training)
        # Stop ends a run that could go on: running, paused or finished (+1 epoch).
        a["stop"].setEnabled(has_data and self.training.has_network)
        a["save"].setEnabled(self.model.latest is not None)  # even after the process died

    # -- dialogs -----------------------------------------------------------------------------------

    def show_error(self, title: str, message: str) -> None:
        """A non-blocking error dialog; the app goes on."""
        self.errors.append(message)
        box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._forget_dialog)
        self._dialogs.append(box)
        box.open()

    @Slot()
    def _forget_dialog(self) -> None:
        self._dialogs = [d for d in self._dialogs if d is not self.sender()]

    def on_shortcuts(self):
        rows = "".join(f"<tr><td>{t}</td><td><b>{k}</b></td></tr>"
                       for t, k in window_actions.shortcut_table(self.actions_))
        QMessageBox.information(self, "Keyboard shortcuts", f"<table cellpadding=3>{rows}</table>")

    def on_about(self):
        """The About box, with the app icon; non-blocking, like the error dialogs."""
        from nnviz import __version__
        from nnviz.charts.app import app_icon
        text = (f"<h3>nnviz {__version__}</h3><p>Watch a from-scratch NumPy neural network learn "
                "handwritten digits, and open it up.</p>")
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About nnviz", text,
                          QMessageBox.StandardButton.Ok, self)
        box.setIconPixmap(app_icon().pixmap(64))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._forget_dialog)
        self._dialogs.append(box)
        box.open()

    # -- layout, theme, settings -----------------------------------------------------------------------

    def on_reset_layout(self):
        """Every dock where it started, and shown. In presenter mode, its own docks, and the
        default layout is the one leaving presenter mode comes back to."""
        size = self.size()  # in presenter mode the docks hidden below would widen it
        self.restoreState(self._default_state)
        for name, dock in self.docks.items():
            dock.setVisible(not self.presenter or name in PRESENTER_DOCKS)
        if self.presenter:
            self._normal_layout = self._default_state
            self.layout().activate()  # the minimum size of the docks shown, then the old size
            self.resize(size)

    def on_presenter(self, checked: bool = False) -> None:
        self.set_presenter(bool(checked))

    def set_presenter(self, on: bool) -> None:
        """Presenter mode, for a lecture hall projector: the application font ×1.5, the
        charts' text and lines larger (``Theme.presenting``), and only the docks of
        :data:`PRESENTER_DOCKS`. Leaving it gives back the font and the exact layout of before."""
        on = bool(on)
        self.actions_["presenter"].setChecked(on)
        if on == self.presenter:
            return
        app = QApplication.instance()
        if on:
            self._normal_layout, self._normal_font = self.saveState(), QFont(app.font())
            self._normal_size = self.size()
            # Docks hidden before the font grows: the hidden ones' larger minimum sizes would
            # otherwise widen the window.
            for name, dock in self.docks.items():
                dock.setVisible(name in PRESENTER_DOCKS)
            font = QFont(self._normal_font)
            font.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
            app.setFont(font)
        else:
            app.setFont(self._normal_font)
        self.presenter = on
        self.set_theme(self.theme.name)  # after the font: the charts measure their text again
        if not on:
            self._restore_normal_layout()
            # Once the widgets have measured themselves in the normal font again (their
            # layout requests are queued), once more: restoring with presenter mode's larger
            # minimum sizes gives the docks other widths.
            QTimer.singleShot(0, self._restore_normal_layout)

    def _restore_normal_layout(self) -> None:
        if self.presenter:  # presenter mode again before the event loop came back
            return
        for name, dock in self.docks.items():
            # A dock's layout only ever raises the minimum size it sets on its dock (it
            # reads it back): presenter mode's would stay, and widen the window.
            dock.setMinimumSize(dock_min_width(name), 0)
        self.restoreState(self._normal_layout)
        self.resize(self._normal_size)

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

    def _restore_settings(self) -> None:
        s = self.settings
        if geometry := s.value("window/geometry"):
            self.restoreGeometry(geometry)
        if state := s.value("window/state"):
            self.restoreState(state)
        self.set_theme(str(s.value("window/theme", "light")))
        self.set_presenter(s.value("window/presenter", False, type=bool))
        for window in self.side_windows:
            window.restore_geometry(s)
        if controls := s.value("controls/state"):
            try:
                self.views["controls"].restore_state(controls if isinstance(controls, dict) else {})
            except (ValueError, TypeError, KeyError):
                pass  # settings from another version: keep the defaults

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        # In presenter mode, the layout to come back to: presenter mode is entered again.
        s.setValue("window/state", self._normal_layout if self.presenter else self.saveState())
        s.setValue("window/presenter", self.presenter)
        s.setValue("window/theme", self.theme.name)
        s.setValue("controls/state", self.views["controls"].state())
        for window in self.side_windows:
            window.save_geometry(s)
        if self.model.source is not None:
            s.setValue("data/source", self.model.source)
        s.sync()

    def closeEvent(self, event) -> None:
        """Stop the training thread (it ends within a batch) and save the settings."""
        self._timer.stop()
        self.training.shutdown()
        self.save_settings()
        if self.presenter:  # the font is the application's: give it back
            QApplication.instance().setFont(self._normal_font)
        for window in self.side_windows:
            window.close()
        super().closeEvent(event)
