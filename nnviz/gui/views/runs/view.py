"""The runs view: this session's runs and the model library in one table, and their comparison.

The session model records the runs and keeps the weights each can be saved from; this view
shows them. The model tells it when a run appears, gains an epoch or is renamed, and the
table is redrawn then, only while the view is visible. A tick in a row's first column adds
the run to the comparison below.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.charts.theme import LIGHT, Theme
from nnviz.gui.timing import EPOCH_HZ
from nnviz.gui.views.runs.compare import CompareView
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import help_button, topic
from nnviz.runs.library import LibraryEntry, LibraryError, RunLibrary
from nnviz.runs.record import RunRecord
from nnviz.session import SessionModel

COLUMNS = ("Compare", "Name", "Where", "Architecture", "Dataset", "Test accuracy", "Epochs", "Date")
CHECK, NAME, WHERE, ARCH, DATASET, ACCURACY, EPOCHS, DATE = range(len(COLUMNS))
HELP = topic(
    "runs.table", "Runs and models",
    "Every run of this session, newest first, and every model saved in the library, with its "
    "architecture, test accuracy and epochs. Save to library keeps a run with its weights, "
    "settings and history under a name, Load continues training from the selected network, "
    "and Delete removes a saved model. Tick Compare on a few rows to overlay them below.",
    "This session's runs and the saved models · tick rows to compare them below")


def local_date(iso: str) -> str:
    """``2024-05-01 14:02`` in local time, from an ISO date (unparseable text as is)."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class RunsView(QWidget):
    """Recorded runs and saved models, with save / load / delete and a comparison of runs.

    Rows are keyed ``("run", run_id)`` for this session's runs (newest first) and
    ``("library", name)`` for the library's models (newest first).

    Signals
    -------
    load_requested(object, object)
        ``(net, record)``: the user asked to continue from this network (an :class:`MLP`) and
        its :class:`RunRecord`.
    """

    load_requested = Signal(object, object)

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT,
                 library: RunLibrary | None = None, model: SessionModel | None = None):
        super().__init__(parent)
        self._theme = theme
        self.model = model if model is not None else SessionModel()  # the window's
        self.library: RunLibrary | None = None
        self.entries: list[LibraryEntry] = []
        self.keys: list[tuple] = []          # the table's rows, in order
        self._checked: set[tuple] = set()
        # The session's runs changed: the table is filled again while visible.
        self.drawing = DrawSlot(self, lambda runs: self._refresh_table(), EPOCH_HZ, "runs")
        self.compare = CompareView(theme=theme)
        self._build()
        self.set_theme(theme)
        self.set_library(library)

    def _build(self) -> None:
        t = self.table = QTableWidget(0, len(COLUMNS))
        t.setHorizontalHeaderLabels(COLUMNS)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(22)
        t.setWordWrap(False)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ARCH, QHeaderView.ResizeMode.Stretch)
        t.itemChanged.connect(self._on_item_changed)
        t.itemSelectionChanged.connect(self._update_buttons)
        self.save_button = QPushButton("Save to library…")
        self.save_button.setToolTip("Save the selected run of this session, with its weights, "
                                    "hyperparameters and history, under a name.")
        self.load_button = QPushButton("Load")
        self.load_button.setToolTip("Continue from the selected run's network.")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected model from the library.")
        self.save_button.clicked.connect(self._on_save)
        self.load_button.clicked.connect(self._on_load)
        self.delete_button.clicked.connect(self._on_delete)
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel(wordWrap=True)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.load_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        buttons.addWidget(self.info, 1)
        buttons.addWidget(help_button(HELP))
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.message)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.compare)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([190, 460])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    # -- the contract ---------------------------------------------------------------------------

    def show_runs(self, runs: tuple[RunRecord, ...]) -> None:
        """The model's runs changed (one appeared, gained an epoch or a name): the table
        follows, now if visible, else when shown."""
        self.drawing.offer(runs)

    def set_library(self, library: RunLibrary | None) -> None:
        """List ``library`` (None: no library, saving disabled)."""
        self.library = library
        self.reload_library()

    def reload_library(self) -> None:
        """Read the library's listing again; unreadable entries are named in ``message``."""
        lib = self.library
        self.entries = lib.list() if lib is not None else []
        problems = lib.problems if lib is not None else []
        self.info.setText(f"Library: {lib.root}" if lib is not None else "No model library")
        if problems:
            n = len(problems)
            self.message.setText(f"{n} file{'s' if n > 1 else ''} in the library could not be read "
                                 f"and {'are' if n > 1 else 'is'} not listed: "
                                 + "; ".join(problems))
        else:
            self.message.setText("")
        self.message.setVisible(bool(problems))
        self._refresh_table()

    def records(self) -> list[RunRecord]:
        """This session's runs, oldest first."""
        return list(self.model.runs)

    def export_item(self):
        """The comparison plots, for pyqtgraph's exporters."""
        return self.compare.export_item()

    # -- actions (the buttons call these; the tests too) -------------------------------------------

    def save_run(self, run_id: int, name: str, overwrite: bool = False) -> LibraryEntry:
        """Save session run ``run_id`` (its latest weights) to the library as ``name``.

        Raises LibraryError for a bad or taken name, an untrained run or no library."""
        record = self.model.run(run_id)
        if self.library is None:
            raise LibraryError("no model library is set")
        if record is None:
            raise LibraryError(f"run {run_id} has not trained yet")
        entry = self.library.save(name, self.model.network_of(run_id), record, overwrite=overwrite)
        self.model.rename_run(run_id, entry.name)
        self.reload_library()
        return entry

    def load_key(self, key: tuple) -> None:
        """Emit ``load_requested`` for the row ``key`` (raises LibraryError if unreadable)."""
        kind, ident = key
        if kind == "library":
            net, record = self.library.load(ident)
        else:
            record = self.model.run(ident)
            net = self.model.network_of(ident)
        self.load_requested.emit(net, record)

    def delete_entry(self, name: str) -> None:
        """Delete library model ``name``."""
        self.library.delete(name)
        self.reload_library()

    def set_checked(self, key: tuple, on: bool = True) -> None:
        """Include the row ``key`` in the comparison (or not), as its tick box does."""
        self.table.item(self.keys.index(key), CHECK).setCheckState(
            Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked(self) -> list[tuple]:
        """Keys of the compared rows, in table (and colour) order."""
        return [k for k in self.keys if k in self._checked]

    def selected_key(self) -> tuple | None:
        rows = self.table.selectionModel().selectedRows()
        return self.keys[rows[0].row()] if rows else None

    def select(self, key: tuple) -> None:
        self.table.selectRow(self.keys.index(key))

    def record_of(self, key: tuple) -> RunRecord:
        kind, ident = key
        if kind == "run":
            return self.model.run(ident)
        return next(e.record for e in self.entries if e.name == ident)

    # -- the table ----------------------------------------------------------------------------

    def _rows(self):
        for r in reversed(self.model.runs):
            yield ("run", r.run_id), r, "this session", r.created
        for e in self.entries:
            yield ("library", e.name), e.record, "library", e.date

    def _refresh_table(self) -> None:
        selected = self.selected_key()
        rows = list(self._rows())
        self.keys = [key for key, *_ in rows]
        self._checked &= set(self.keys)
        t = self.table
        t.blockSignals(True)
        t.setRowCount(len(rows))
        for i, (key, rec, where, date) in enumerate(rows):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                           | Qt.ItemFlag.ItemIsSelectable)
            checked = key in self._checked
            check.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            check.setToolTip("Tick to include this run in the comparison below.")
            acc = rec.metrics.test_accuracy
            texts = (rec.name, where, rec.architecture_text, rec.dataset or "—",
                     "—" if acc is None else f"{100 * acc:.2f} %", str(rec.metrics.epochs),
                     local_date(date))
            t.setItem(i, CHECK, check)
            for col, text in enumerate(texts, start=NAME):
                item = QTableWidgetItem(text)
                if col in (ACCURACY, EPOCHS):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, col, item)
        if selected in self.keys:
            t.selectRow(self.keys.index(selected))
        else:
            t.setCurrentCell(-1, -1)  # no focus frame on a row nobody chose
        t.blockSignals(False)
        self._update_comparison()
        self._update_buttons()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != CHECK:
            return
        key = self.keys[item.row()]
        if item.checkState() == Qt.CheckState.Checked:
            self._checked.add(key)
        else:
            self._checked.discard(key)
        self._update_comparison()

    def _update_comparison(self) -> None:
        """Compare the ticked runs; their names get a swatch of their colour."""
        keys = self.checked()
        self.compare.set_records([self.record_of(k) for k in keys])
        series = self._theme.series
        self.table.blockSignals(True)
        for i, key in enumerate(self.keys):
            item = self.table.item(i, NAME)
            if key in self._checked:
                swatch = QPixmap(10, 10)
                swatch.fill(QColor(series[keys.index(key) % len(series)]))
                item.setIcon(QIcon(swatch))
            else:
                item.setIcon(QIcon())
        self.table.blockSignals(False)

    def _update_buttons(self) -> None:
        key = self.selected_key()
        self.save_button.setEnabled(key is not None and key[0] == "run"
                                    and self.library is not None)
        self.load_button.setEnabled(key is not None)
        self.delete_button.setEnabled(key is not None and key[0] == "library")

    # -- buttons (dialogs) ------------------------------------------------------------------------

    def _on_save(self) -> None:
        key = self.selected_key()
        if key is None or key[0] != "run":
            return
        name, ok = QInputDialog.getText(self, "Save to library", "Name of the model:",
                                        text=self.model.run(key[1]).name)
        if not ok:
            return
        try:
            if name.strip() and self.library is not None and name.strip() in self.library:
                answer = QMessageBox.question(
                    self, "Replace the model?",
                    f"The library already has a model named {name.strip()!r}. Replace it?")
                if answer != QMessageBox.StandardButton.Yes:
                    return
                self.save_run(key[1], name, overwrite=True)
            else:
                self.save_run(key[1], name)
        except (LibraryError, OSError) as exc:
            QMessageBox.warning(self, "Cannot save the model", str(exc))

    def _on_load(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        try:
            self.load_key(key)
        except (LibraryError, OSError) as exc:
            QMessageBox.warning(self, "Cannot load the model", str(exc))

    def _on_delete(self) -> None:
        key = self.selected_key()
        if key is None or key[0] != "library":
            return
        answer = QMessageBox.question(self, "Delete the model?",
                                      f"Delete {key[1]!r} from the library? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            try:
                self.delete_entry(key[1])
            except (LibraryError, OSError) as exc:
                QMessageBox.warning(self, "Cannot delete the model", str(exc))

    # -- theme ------------------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Restyle the comparison, the messages and the colour swatches for ``theme``."""
        self._theme = theme
        self.compare.set_theme(theme)
        self.info.setStyleSheet(f"color: {theme.muted};")
        self.message.setStyleSheet(f"color: {theme.bad};")
        if self.keys:
            self._update_comparison()
