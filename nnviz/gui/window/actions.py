"""The window's actions, menus and toolbar, built from one table so the shortcut help and
the menus never disagree."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStyle, QToolBar

# name: (text, shortcut, standard icon or None, tooltip, handler attribute of the window)
TRAINING = {
    "train": ("&Train / Resume", "F5", "SP_MediaPlay", "Train until all epochs are done",
              "on_train"),
    "pause": ("&Pause", "F6", "SP_MediaPause",
              "Pause after the current batch (Train resumes the same run)", "on_pause"),
    "step": ("&Step one batch", "F10", "SP_MediaSkipForward", "Train exactly one batch", "on_step"),
    "epoch": ("+1 &epoch", "Shift+F10", "SP_MediaSeekForward", "Train to the end of the epoch",
              "on_epoch"),
    "stop": ("St&op", "Shift+F5", "SP_MediaStop",
             "End this run, keeping its weights to save (Train starts a new network)", "on_stop"),
    "new": ("&New network", "Ctrl+N", "SP_BrowserReload",
            "Build a fresh network from the controls (loses the current weights)",
            "on_new_network"),
}
FILE = {
    "open": ("&Open dataset file…", "Ctrl+O", "SP_DirOpenIcon",
             "Open MNIST-like data: an IDX, CSV or NPZ file", "on_open_dataset"),
    "open_folder": ("Open dataset f&older…", "Ctrl+Shift+O", None,
                    "Open a folder: the four IDX files, train/test CSVs, or one subfolder of "
                    "images per class",
                    "on_open_dataset_folder"),
    "download": ("&Download dataset…", None, None, "Download MNIST or Fashion-MNIST",
                 "on_download"),
    "load": ("&Load model…", "Ctrl+L", None, "Load a model saved by nnviz", "on_load_model"),
    "save": ("&Save model as…", "Ctrl+S", "SP_DialogSaveButton",
             "Save the network, its settings and history", "on_save_model"),
    "export_view": ("&Export current view…", "Ctrl+E", None, "Save the focused view as PNG or SVG",
                    "on_export_view"),
    "export_csv": ("Export history as &CSV…", None, None, "One row per epoch",
                   "on_export_history_csv"),
    "export_json": ("Export history as &JSON…", None, None, "One record per epoch",
                    "on_export_history_json"),
    "quit": ("&Quit", "Ctrl+Q", None, "Close nnviz", "close"),
}
WINDOWS = {
    "explorer": ("&Draw and step…", "Ctrl+D", None,
                 "Draw a digit, see the network think, step through forward and backward",
                 "on_show_explorer"),
    "analysis": ("&Evaluation, maps and runs…", "Ctrl+R", None,
                 "Where it fails, what each layer learned, runs side by side", "on_show_analysis"),
}
VIEW = {
    "presenter": ("&Presenter", "F11", None,
                  "Larger text and lines, fewer panels: for a lecture hall projector",
                  "on_presenter"),
}
# Actions whose shortcuts also work while a side window is active.
SHARED_WITH_SIDE_WINDOWS = ("export_view", "explorer", "analysis", "train", "pause", "shortcuts",
                            "presenter", "lessons")
# Keys of the Draw and step window (QShortcuts there, listed in the help).
EXPLORER_KEYS = (("Step forward (Draw and step)", "Right"), ("Step back", "Left"),
                 ("Run through the steps / pause", "Space"), ("Back to the input", "Esc"),
                 ("Learn this", "L"))
HELP = {
    "lessons": ("&Lessons", "F2", None, "Eight guided chapters, from the data to backpropagation",
                "on_lessons"),
    "shortcuts": ("&Keyboard shortcuts", "F1", None, "List every shortcut", "on_shortcuts"),
    "about": ("&About nnviz", None, None, "", "on_about"),
}


def _make(window: QMainWindow, spec) -> QAction:
    text, shortcut, icon, tip, handler = spec
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if icon:
        action.setIcon(window.style().standardIcon(getattr(QStyle.StandardPixmap, icon)))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
    action.triggered.connect(getattr(window, handler))
    return action


def build_actions(window: QMainWindow) -> dict[str, QAction]:
    """Create every action of ``window``; menus and toolbar come from the same dict."""
    actions = {name: _make(window, spec) for table in (FILE, TRAINING, WINDOWS, VIEW, HELP)
               for name, spec in table.items()}
    actions["presenter"].setCheckable(True)  # triggered(checked) → on_presenter(checked)
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
    reset.triggered.connect(window.on_reset_layout)
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
