"""File menu commands of the main window: datasets, models, exports. Errors become dialogs.

Loading (datasets and models) and downloading run off the GUI thread, each in a lane of its
own (:mod:`nnviz.gui.workers.tasks`: a newer request supersedes an older one); a dialog shows
the download's progress and the window stays live. Loads run in daemon threads, so a read that
never ends cannot keep the application from quitting.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox, QProgressDialog

from nnviz.gui.views.data.stats import dataset_stats
from nnviz.gui.views.data.view import SAMPLES_PER_CLASS
from nnviz.gui.workers.tasks import Lane, Task, run_in_daemon_thread

DATASET_FILTER = "Datasets (*.gz *.idx *ubyte *.csv *.npz);;All files (*)"
MODEL_FILTER = "nnviz models (*.npz)"


def gui_words(message: str) -> str:
    """A dataset error as a GUI user acts on it: the menu, not the command line
    (``…; run `nnviz download mnist``` → ``…; use File > Download dataset…``)."""
    return re.sub(r"run `nnviz download [^`]*`", "use File > Download dataset…", message)


@dataclass(frozen=True)
class DatasetRequest:
    """What a dataset load remembers for its answer: the ``source`` asked for, and whether a
    failure offers to download it."""

    source: str
    offer_download: bool = False


class FileCommands:
    """The File menu's commands on ``window`` (a MainWindow): its model, training process,
    views, status bar and dialogs."""

    def __init__(self, window):
        self.window = window
        self.model = window.model
        self.training = window.training
        self._lanes: dict[str, Lane] = {}
        from nnviz.datasets.paths import search_dirs
        from nnviz.gui.widgets.welcome import WelcomePanel
        # In place of empty charts until a dataset is loaded (set_dataset hides it).
        self.welcome = WelcomePanel(window, search_dirs(window.data_dir))
        self.welcome.open_file.connect(self.on_open_dataset)
        self.welcome.open_folder.connect(self.on_open_dataset_folder)
        self.welcome.download.connect(lambda: self.download_dataset("mnist"))
        self.lessons_offer = None

    def lane(self, name: str) -> Lane:
        """The lane of ``dataset`` loading or ``download``ing (made on first use)."""
        if name not in self._lanes:
            self._lanes[name] = Lane(self.window)  # its tasks are cancelled with the window
        return self._lanes[name]

    # -- datasets -----------------------------------------------------------------------------

    def on_open_dataset(self):
        path, _ = QFileDialog.getOpenFileName(self.window, "Open dataset", "", DATASET_FILTER)
        if path:
            self.open_dataset(path)

    def on_open_dataset_folder(self):
        folder = QFileDialog.getExistingDirectory(self.window, "Open dataset folder")
        if folder:
            self.open_dataset(folder)

    def open_dataset(self, source, offer_download: bool = False) -> Task:
        """Load ``source`` (a known name or a path) in the background, then use it."""
        from nnviz.datasets import load_dataset
        self.window.status.set_text(dataset=f"loading {source}…")
        data_dir = self.window.data_dir

        def load(task):
            ds = load_dataset(source, data_dir)
            # The data view's statistics (~150 ms the GUI need not wait): dataset_stats
            # remembers them for this dataset, and the view asks for them when it is told.
            dataset_stats(ds, SAMPLES_PER_CLASS)
            return ds
        task = Task(load, context=DatasetRequest(str(source), offer_download))
        return self.lane("dataset").start(task, run_in_daemon_thread, done=self._on_dataset_loaded,
                                          failed=self._on_dataset_error)

    def _on_dataset_loaded(self, ds) -> None:
        self.set_dataset(ds, self.lane("dataset").current.context.source, reloadable=True)

    def set_dataset(self, ds, source=None, reloadable: bool = False) -> None:
        """Make ``ds`` the session's dataset (the views follow the model) and build a fresh
        network for it. ``reloadable``: ``ds`` is what ``load_dataset(source, data_dir)``
        returns, so the training process may load it itself."""
        from nnviz.runtime.training_server import DatasetSource
        data_dir = None if self.window.data_dir is None else str(self.window.data_dir)
        origin = DatasetSource(str(source), data_dir) if reloadable else None
        self.training.shutdown()  # one process serves one dataset
        self.model.set_dataset(ds, source, origin)
        self.window.status.set_dataset(ds)
        self.window.training_commands.new_network()
        self.welcome.hide()
        self._offer_lessons()

    def use_split(self, val_fraction: float, seed: int) -> None:
        """Before a new network: train on the opened dataset with ``val_fraction`` of its
        training images held out as validation by ``seed`` (the Controls' validation split),
        as ``nnviz train --val-fraction`` does. A new split needs a new training process (one
        process serves one dataset); ValueError, and nothing changed, if it is refused."""
        split = self.model.holding_out(val_fraction, seed)
        if split is None:  # already so
            return
        self.training.shutdown()
        self.model.hold_out(split, val_fraction, seed)
        self.window.status.set_dataset(split)

    def _offer_lessons(self) -> None:
        """At the first start with data: "New here? Lessons (F2)", until dismissed."""
        from nnviz.gui.widgets.welcome import LessonsOffer
        w = self.window
        if (self.lessons_offer is not None or w.lessons_window is None
                or LessonsOffer.dismissed(w.settings)):
            return
        self.lessons_offer = LessonsOffer(w.settings, w.actions_["lessons"].trigger, w)
        w.addToolBarBreak()
        w.addToolBar(self.lessons_offer)
        self.lessons_offer.show()

    def _on_dataset_error(self, message: str) -> None:
        task = self.lane("dataset").current
        request = None if task is None else task.context
        if self.model.dataset is None:  # else the open dataset's name replaces "loading …"
            self.window.status.set_text(dataset="no dataset")
        else:
            self.window.status.set_dataset(self.model.dataset)
        from nnviz.datasets import KNOWN_DATASETS
        if request is not None and request.offer_download and request.source in KNOWN_DATASETS:
            self._offer_download(request.source, message)
        else:
            self.window.dialogs.show_error("Cannot open the dataset", gui_words(message))

    def _offer_download(self, name: str, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "Download the dataset?",
                          f"{gui_words(message)}\n\nDownload {name} now (about 11 MB for "
                          f"MNIST)? Later: File > Download dataset…, or File > Open dataset "
                          f"file… for one you have.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.accepted.connect(lambda: self.download_dataset(name))  # GUI-thread signal: fine
        self.window.dialogs.keep(box).open()

    def on_download(self):
        from nnviz.datasets import KNOWN_DATASETS
        names = list(KNOWN_DATASETS)
        name, ok = QInputDialog.getItem(self.window, "Download dataset", "Dataset:", names, 0,
                                        False)
        if ok:
            self.download_dataset(name)

    def download_dataset(self, name: str, mirrors=None) -> Task:
        """Download ``name`` in the background with a progress dialog, then open it."""
        from nnviz.datasets import download_dataset
        dialog = QProgressDialog(f"Downloading {name}…", "Hide", 0, 1000, self.window)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(0)
        self.download_dialog = dialog
        task = Task(lambda task: download_dataset(name, self.window.data_dir, mirrors=mirrors,
                                                  progress=task.report), context=name)
        return self.lane("download").start(task, done=self._on_downloaded,
                                           failed=self._on_download_error,
                                           progress=self._on_download_progress)

    def _on_download_progress(self, done, total) -> None:
        if total:
            self.download_dialog.setValue(int(1000 * done / total))

    def _on_downloaded(self, folder) -> None:
        self.download_dialog.reset()
        self.open_dataset(self.lane("download").current.context)

    def _on_download_error(self, message: str) -> None:
        self.download_dialog.reset()
        self.window.dialogs.show_error("Download failed", message)

    # -- models --------------------------------------------------------------------------------

    def on_load_model(self):
        path, _ = QFileDialog.getOpenFileName(self.window, "Load model", "", MODEL_FILTER)
        if path:
            self.load_model(path)

    def load_model(self, path) -> Task:
        """Read the model at ``path`` in the background (the window stays live), then continue
        from it; a file that cannot be read (a FIFO, a damaged file) becomes an error dialog."""
        from nnviz.engine.checkpoint import load_model
        self.window.statusBar().showMessage(f"loading the model {path}…")
        return self.lane("model").start(Task(lambda task: load_model(path)), run_in_daemon_thread,
                                        done=self._on_model_loaded, failed=self._on_model_error)

    def _on_model_loaded(self, ck) -> None:
        self.window.statusBar().clearMessage()
        self.window.training_commands.continue_from(ck.net, ck.config, ck.history,
                                                    "Cannot load the model")

    def _on_model_error(self, message: str) -> None:
        self.window.statusBar().clearMessage()
        self.window.dialogs.show_error("Cannot load the model", message)

    def on_save_model(self, snap=None):
        path, _ = QFileDialog.getSaveFileName(self.window, "Save model as", "model.npz",
                                              MODEL_FILTER)
        if path:
            self.save_model(path, snap)

    def save_model(self, path, snap=None) -> bool:
        """Save the newest snapshot's weights (or ``snap``'s): a consistent state while training
        goes on. When the file cannot be written, the message names ``path`` and offers
        *Save as…* for these very weights, which stay in memory."""
        from nnviz.engine.checkpoint import save_model
        from nnviz.files.outputs import check_output_path
        snap = self.model.latest if snap is None else snap
        if snap is None:
            self.window.dialogs.show_error("Nothing to save", "build or load a network first")
            return False
        ds = self.model.dataset
        try:
            check_output_path(path)
            save_model(path, snap.network(), snap.config, list(snap.history),
                       extra={"dataset": ds.name, "source": ds.source,
                              "class_names": list(ds.class_names)},
                       wait=False)  # a FIFO nothing reads is an error, not a frozen window
        except OSError as exc:
            self._save_failed(f"{_said(exc, path)}.\n\nThe weights are kept: Save as… writes "
                              "them somewhere else.", snap)
            return False
        self.window.statusBar().showMessage(f"saved {path}", 5000)
        return True

    def _save_failed(self, message: str, snap) -> None:
        """The error box of a failed save, with a *Save as…* button for the same snapshot."""
        self.window.dialogs.errors.append(message)
        box = QMessageBox(QMessageBox.Icon.Critical, "Cannot save the model", message,
                          QMessageBox.StandardButton.Close, self.window)
        again = box.addButton("Save as…", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(again)
        box.accepted.connect(lambda: self.on_save_model(snap))  # GUI-thread signal: fine
        self.save_failed_box = box
        self.window.dialogs.keep(box).open()

    # -- exports ---------------------------------------------------------------------------------

    def current_view_name(self) -> str:
        """The view of the active side window (the explorer, or the analysis window's tab), else
        the view with keyboard focus, else the first visible of curves/weights/activations/data."""
        w = self.window
        active = QApplication.activeWindow()
        if active is w.explorer_window:
            return "explorer"
        if active is w.analysis_window:
            return w.analysis_window.current_name()
        focus = w.focusWidget()
        for name, view in w.views.items():
            if name != "controls" and focus is not None and view.isAncestorOf(focus):
                return name
        visible = [n for n in ("curves", "weights", "activations", "data")
                   if w.views[n].isVisible()]
        return visible[0] if visible else "curves"

    def on_export_view(self):
        name = self.current_view_name()
        path, _ = QFileDialog.getSaveFileName(self.window, f"Export the {name} view", f"{name}.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.export_view(name, path)

    def export_view(self, name: str, path) -> bool:
        """PNG or SVG (by the suffix) of view ``name``."""
        from pyqtgraph.exporters import ImageExporter

        from nnviz.files.outputs import check_output_path
        from nnviz.render.offscreen import write_image
        path = str(path)
        item = self.window.views[name].export_item()
        try:
            check_output_path(path)
            if path.lower().endswith(".svg"):
                export_svg(item, path)
            else:
                write_image(ImageExporter(item).export(toBytes=True), path)
        except OSError as exc:
            self.window.dialogs.show_error("Cannot export", _said(exc, path))
            return False
        except Exception as exc:  # noqa: BLE001 - exporter errors vary; the user sees the message
            self.window.dialogs.show_error("Cannot export", f"{path}: {exc}")
            return False
        return True

    def on_export_history_csv(self):
        self._export_history("CSV (*.csv)", ".csv")

    def on_export_history_json(self):
        self._export_history("JSON (*.json)", ".json")

    def _export_history(self, filt: str, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export history", f"history{suffix}",
                                              filt)
        if path:
            self.export_history(path)

    def export_history(self, path) -> bool:
        """The per-epoch history as CSV (flat columns) or JSON (records), by suffix."""
        from nnviz.files.atomic import atomic_write
        from nnviz.files.outputs import check_output_path
        history = list(self.model.latest.history) if self.model.latest else []
        text = io.StringIO(newline="")
        if str(path).lower().endswith(".json"):
            json.dump(history, text, indent=1)
        else:
            write_history_csv(text, history)
        try:
            check_output_path(path)
            with atomic_write(path, wait=False) as stream:
                stream.write(text.getvalue().encode("utf-8"))
        except OSError as exc:
            self.window.dialogs.show_error("Cannot export the history", _said(exc, path))
            return False
        return True


def export_svg(item, path: str) -> None:
    """Write ``item``'s part of its scene as SVG with pyqtgraph's SVGExporter.

    The exporter draws each item on its own and gives every plot's data a clip path of the
    plot's rectangle, so curves zoomed past their range stay in their chart (Qt's generator
    alone drops the clipping; its SVG 1.1 mode clips legends and axes with stale paths).
    """
    from pyqtgraph.exporters import SVGExporter

    from nnviz.files.atomic import atomic_write
    with _closed_paths_parsed():
        data = SVGExporter(item).export(toBytes=True)
    if not data:
        raise OSError("the SVG drawing came out empty")
    with atomic_write(path, wait=False) as stream:  # as every file nnviz writes
        stream.write(data)


@contextmanager
def _closed_paths_parsed():
    """pyqtgraph 0.14's SVGExporter reads a path's ``d`` as ``x,y`` pairs and fails on the
    ``Z`` (close) that Qt 6.11 writes (pyqtgraph issue #3485): while exporting, its coordinate
    correction sees each path without its ``Z``s, and they are put back where they were."""
    import importlib
    # The module, not the class of the same name; Any: pyqtgraph has no type stubs.
    svg: Any = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    correct = svg.correctCoordinates

    def correct_closed(node, defs, item, options):
        closes = []
        for element in node.getElementsByTagName("path"):
            tokens = element.getAttribute("d").split()
            closes.append((element, [i for i, t in enumerate(tokens) if t == "Z"]))
            element.setAttribute("d", " ".join(t for t in tokens if t != "Z"))
        correct(node, defs, item, options)
        for element, where in closes:
            tokens = element.getAttribute("d").split()  # one token out per token in
            for i in where:
                tokens.insert(i, "Z")
            element.setAttribute("d", " ".join(tokens))
    svg.correctCoordinates = correct_closed
    try:
        yield
    finally:
        svg.correctCoordinates = correct


def _said(exc: OSError, path) -> str:
    """A failed write said for the user: the path they chose, the problem, what to do."""
    from nnviz.files.atomic import explain
    return str(explain(exc, path))


def write_history_csv(fh, history: list[dict]) -> None:
    """One row per epoch; list values (per layer) become columns ``grad_rms_1``, …"""
    rows = []
    for record in history:
        row = {}
        for key, value in record.items():
            if isinstance(value, (list, tuple)):
                row.update({f"{key}_{i}": v for i, v in enumerate(value, 1)})
            else:
                row[key] = value
        rows.append(row)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(fh, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
