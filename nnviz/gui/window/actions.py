"""The window's actions, menus and toolbar, built from one table so the shortcut help and
the menus never disagree. Each row holds the command it runs: a function of the window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar

# A command of the main window (a MainWindow, which imports this module): handler(window).
Handler = Callable[[QMainWindow], object]
# name: (text, shortcut, standard icon or None, tooltip, handler)
Spec = tuple[str, str | None, str | None, str, Handler]

TRAINING: dict[str, Spec] = {
    "train": ("&Train / Resume", "F5", "SP_MediaPlay", "Train until all epochs are done",
              lambda w: w.training_commands.train()),
    "pause": ("&Pause", "F6", "SP_MediaPause",
              "Pause after the current batch (Train resumes the same run)",
              lambda w: w.training_commands.pause()),
    "step": ("&Step one batch", "F10", "SP_MediaSkipForward", "Train exactly one batch",
             lambda w: w.training_commands.step()),
    "epoch": ("+1 &epoch", "Shift+F10", "SP_MediaSeekForward", "Train to the end of the epoch",
              lambda w: w.training_commands.add_epoch()),
    "stop": ("St&op", "Shift+F5", "SP_MediaStop",
             "End this run, keeping its weights to save (Train starts a new network)",
             lambda w: w.training_commands.stop()),
    "new": ("&New network", "Ctrl+N", "SP_BrowserReload",
            "Build a fresh network from the controls (loses the current weights)",
            lambda w: w.training_commands.new_network()),
}
FILE: dict[str, Spec] = {
    "open": ("&Open dataset file…", "Ctrl+O", "SP_DirOpenIcon",
             "Open MNIST-like data: an IDX, CSV or NPZ file",
             lambda w: w.files.on_open_dataset()),
    "open_folder": ("Open dataset f&older…", "Ctrl+Shift+O", None,
                    "Open a folder: the four IDX files, train/test CSVs, or one subfolder of "
                    "images per class",
                    lambda w: w.files.on_open_dataset_folder()),
    "download": ("&Download dataset…", None, None, "Download MNIST or Fashion-MNIST",
                 lambda w: w.files.on_download()),
    "load": ("&Load model…", "Ctrl+L", None, "Load a model saved by nnviz",
             lambda w: w.files.on_load_model()),
    "save": ("&Save model as…", "Ctrl+S", "SP_DialogSaveButton",
             "Save the network, its settings and history", lambda w: w.files.on_save_model()),
    "export_view": ("&Export current view…", "Ctrl+E", None, "Save the focused view as PNG or SVG",
                    lambda w: w.files.on_export_view()),
    "export_csv": ("Export history as &CSV…", None, None, "One row per epoch",
                   lambda w: w.files.on_export_history_csv()),
    "export_json": ("Export history as &JSON…", None, None, "One record per epoch",
                    lambda w: w.files.on_export_history_json()),
    "quit": ("&Quit", "Ctrl+Q", None, "Close nnviz", lambda w: w.close()),
}
WINDOWS: dict[str, Spec] = {
    "explorer": ("&Draw and step…", "Ctrl+D", None,
                 "Draw a digit, see the network think, step through forward and backward",
                 lambda w: w.explorer_window.present()),
    "analysis": ("&Evaluation, maps and runs…", "Ctrl+R", None,
                 "Where it fails, what each layer learned, runs side by side",
                 lambda w: w.analysis_window.present()),
}
VIEW: dict[str, Spec] = {
    "presenter": ("&Presenter", "F11", None,
                  "Larger text and lines, fewer panels: for a lecture hall projector",
                  lambda w: w.set_presenter(w.actions_["presenter"].isChecked())),
}
# Actions whose shortcuts also work while a side window is active.
SHARED_WITH_SIDE_WINDOWS = ("export_view", "explorer", "analysis", "train", "pause", "shortcuts",
                            "presenter", "lessons")
# Keys of the Draw and step window (QShortcuts there, listed in the help).
EXPLORER_KEYS = (("Step forward (Draw and step)", "Right"), ("Step back", "Left"),
                 ("Run through the steps / pause", "Space"), ("Back to the input", "Esc"),
                 ("Learn this", "L"))
HELP: dict[str, Spec] = {
    "lessons": ("&Lessons", "F2", None, "Eight guided chapters, from the data to backpropagation",
                lambda w: w.lessons_window.present()),
    "shortcuts": ("&Keyboard shortcuts", "F1", None, "List every shortcut",
                  lambda w: w.dialogs.shortcuts()),
    "about": ("&About nnviz", None, None, "", lambda w: w.dialogs.about()),
}
TABLES = (FILE, TRAINING, WINDOWS, VIEW, HELP)  # in menu order


def _make(window: QMainWindow, spec: Spec) -> QAction:
    text, shortcut, icon, tip, handler = spec
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if icon:
        action.setIcon(window.style().standardIcon(getattr(QStyle.StandardPixmap, icon)))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
    action.triggered.connect(lambda _checked=False: handler(window))  # GUI thread: fine
    return action


def build_actions(window: QMainWindow) -> dict[str, QAction]:
    """Create every action of ``window``; menus and toolbar come from the same dict."""
    actions = {name: _make(window, spec) for table in TABLES for name, spec in table.items()}
    actions["presenter"].setCheckable(True)  # toggled before triggered: its handler reads it
    return actions


def build_menus(window: QMainWindow, actions: dict[str, QAction], docks: dict) -> QActionGroup:
    """File, Training, View (panels, reset layout, presenter, theme) and Help; returns the
    theme group."""
    bar = window.menuBar()
    file = bar.addMenu("&File")
    for names in (("open", "open_folder", "download"), ("load", "save"),
                  ("export_view", "export_csv", "export_json"), ("quit",)):
        file.addActions([actions[n] for n in names])
        file.addSeparator()
    train = bar.addMenu("&Training")
    train.addActions([actions[n] for n in TRAINING])
    view = bar.addMenu("&View")
    view.addActions([actions[n] for n in WINDOWS])
    view.addSeparator()
    for dock in docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    reset = view.addAction("&Reset layout")
    reset.triggered.connect(lambda _checked=False: window.presenting.reset_layout())
    view.addAction(actions["presenter"])
    view.addSeparator()
    themes = QActionGroup(window)
    for name in ("light", "dark"):
        a = view.addAction(f"{name.capitalize()} theme")
        a.setCheckable(True)
        a.setData(name)
        themes.addAction(a)
    themes.triggered.connect(lambda a: window.set_theme(a.data()))  # GUI thread: fine
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([actions[n] for n in HELP])
    return themes


def build_toolbar(window: QMainWindow, actions: dict[str, QAction]) -> QToolBar:
    bar = QToolBar("Training", window)
    bar.setObjectName("training-toolbar")
    bar.addActions([actions[n] for n in TRAINING])
    bar.addSeparator()
    bar.addActions([actions[n] for n in WINDOWS])
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.addToolBar(bar)
    return bar


def shortcut_table(actions: dict[str, QAction]) -> list[tuple[str, str]]:
    """(action text, shortcut) for the help dialog, in menu order."""
    rows = []
    for a in actions.values():
        if not a.shortcut().isEmpty():
            rows.append((a.text().replace("&", ""), a.shortcut().toString()))
    return rows + list(EXPLORER_KEYS)
