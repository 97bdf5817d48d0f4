"""The evaluation view: how good the network is on the test set, and where it goes wrong.

Two pages (:mod:`.mistakes`, :mod:`.confidence`). "Mistakes": a summary line, the confusion matrix
(click a cell for its images) with per-class accuracy, and a gallery of the mistakes, most
confident first (click one to make it the probe). "Confidence and robustness": coverage and
accuracy when the network answers only above a confidence threshold, accuracy as the test
images are spoiled, and a spoiled image.

The evaluation runs off the GUI thread (:mod:`.jobs`) each time a snapshot
brings a new epoch or a new run, and only while the view is visible (its :class:`DrawSlot`
holds what to evaluate); the robustness curves (the slow part, ~0.5 s for MNIST) only while
their page is shown.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.evaluation import Evaluation, summary_text
from nnviz.charts.theme import LIGHT, Theme
from nnviz.gui.timing import EPOCH_HZ
from nnviz.gui.views.evaluation.confidence import ConfidencePage
from nnviz.gui.views.evaluation.jobs import ROBUSTNESS_N, EvaluationJobs
from nnviz.gui.views.evaluation.mistakes import MistakesPage
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import help_button, topic
from nnviz.session import SessionModel

HELP = topic(
    "evaluation.refresh", "Evaluation",
    "Both pages judge the network on the whole test set, again after every epoch of training "
    "or when a new run or model arrives, while this window is shown. Refresh evaluates the "
    "current network once more right away.",
    "The test-set evaluation follows training epoch by epoch · Refresh evaluates again now")


class EvaluationView(QWidget):
    """Test-set evaluation of the network being trained, or of a loaded model.

    Signals
    -------
    probe_requested(int)
        A test image was clicked: make test image ``index`` the probe.
    send_to_pad(int)
        Copy test image ``index`` onto the drawing pad.
    updated()
        A new :attr:`evaluation` is shown.
    robustness_updated()
        New :attr:`robustness` curves are shown.

    Attributes
    ----------
    evaluation : Evaluation or None
        The last evaluation shown.
    network : MLP or None
        The network it evaluates (a private copy: nobody trains it).
    evaluated : str
        Which network that is, as the header says: "the network after step 1,234" or "the
        loaded model".
    robustness : dict of kind to (levels, accuracies)
        The last robustness curves shown (empty until the second page is visited).
    robustness_n : int
        Test images per robustness point.
    mistakes : MistakesPage
    confidence : ConfidencePage
    header_text : str
        The summary line (or a message) at the top of both pages.
    """

    probe_requested = Signal(int)
    send_to_pad = Signal(int)
    updated = Signal()
    robustness_updated = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None, *, model: SessionModel | None = None):
        super().__init__(parent)
        # The dataset is the model's (the window's; on its own, one of its own).
        self.model = model if model is not None else SessionModel.alone("evaluation", self)
        self._theme = theme
        # What to evaluate, ("snap", snapshot) or ("model", net, loss): taken while visible.
        self.drawing = DrawSlot(self, self._evaluate, EPOCH_HZ, "evaluation")
        self._key = None           # identifies what _source evaluates to
        self._snap_key = None      # (run_id, epochs_done) of the last snapshot seen
        self._requested = None     # key of the last evaluation asked for
        self._shown_key = None     # key of self.evaluation
        self._robust_key = None    # key of the last robustness curves asked for
        self._asked_of = ""        # what the evaluation asked for will be said to be of
        self._message = ("", None)
        self.evaluation: Evaluation | None = None
        self.network = None
        self.evaluated = ""
        self.robustness: dict = {}
        self.robustness_n = ROBUSTNESS_N
        self.header_text = ""
        self.jobs = EvaluationJobs(self)
        self.jobs.evaluated.connect(self._on_evaluated)
        self.jobs.robustness_ready.connect(self._on_robustness)
        self.jobs.failed.connect(self._on_failed)
        self._build()
        self.jobs.robustness_progress.connect(self.confidence.show_progress)
        self.set_theme(theme)
        self._show_message("No network yet: start training or load a model")

    def _build(self) -> None:
        self.mistakes = MistakesPage(self.model)
        self.confidence = ConfidencePage(self.robustness_n, self.model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.mistakes, "Mistakes")
        self.tabs.addTab(self.confidence, "Confidence and robustness")
        self.status = QLabel("")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Evaluate the current network again")
        corner = QWidget()
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 4, 0)
        row.addWidget(self.status)
        row.addWidget(self.refresh_button)
        row.addWidget(help_button(HELP))
        self.tabs.setCornerWidget(corner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.refresh_button.clicked.connect(self.refresh)
        self.tabs.currentChanged.connect(lambda _: self._maybe_robustness())
        self.mistakes.probe_requested.connect(self.probe_requested)
        self.mistakes.send_to_pad.connect(self.send_to_pad)
        self.mistakes.selected_changed.connect(self.confidence.select)

    # -- public API ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """An evaluation or robustness computation is under way."""
        return self.jobs.busy

    @property
    def selected(self) -> int | None:
        """Test index of the image last clicked (the preview's and "Send to drawing pad"'s)."""
        return self.mistakes.selected

    @property
    def threshold_readout(self) -> str:
        return self.confidence.threshold_readout

    def export_item(self) -> pg.GraphicsLayout:
        """The current page's scene (header, charts and captions)."""
        return self.tabs.currentWidget().glw.ci

    def set_dataset(self, ds) -> None:
        """Evaluate on ``ds.x_test``; what was shown for another dataset is cleared."""
        self.mistakes.set_dataset(ds)
        self._clear("Evaluating…")
        self.drawing.redraw()

    @property
    def _source(self):
        """("snap", snapshot) or ("model", net, loss): what is (to be) evaluated, or None."""
        return self.drawing.newest

    def show_snapshot(self, snap) -> None:
        """Follow training: evaluate again when the run or the number of epochs changed."""
        key, source = (snap.run_id, snap.epochs_done), self._source
        if key != self._snap_key or source is None or source[0] == "snap":
            # The newest weights, for whenever it evaluates: on being shown mid-epoch, or on
            # Refresh, it judges the network as it is, not as the epoch began.
            source = ("snap", snap)
        if key != self._snap_key:
            self._snap_key = key
            self._key = ("snap", *key)
        self.drawing.offer(source)  # a source already asked for is not evaluated again

    def set_model(self, net, loss_name: str = "cross_entropy") -> None:
        """Evaluate a loaded model (a copy of ``net`` is kept)."""
        net = net.copy()
        self._key = ("model", id(net))
        self.drawing.offer(("model", net, loss_name))

    def refresh(self) -> None:
        """Evaluate the current network again (and its robustness, when shown)."""
        self._requested = self._robust_key = None
        self.drawing.redraw()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.mistakes.set_theme(theme)
        self.confidence.set_theme(theme)
        self._draw_header()

    def select_cell(self, cell: tuple[int, int] | None) -> None:
        """List the images of confusion cell (true, predicted), or all mistakes (None)."""
        self.mistakes.select_cell(cell)

    def click_thumbnail(self, index: int) -> None:
        """Select test image ``index`` and ask for it as the probe."""
        self.mistakes.click_thumbnail(index)

    def thumbnail_menu(self, index: int) -> QMenu:
        return self.mistakes.thumbnail_menu(index)

    def threshold(self) -> float:
        return self.confidence.threshold()

    def set_threshold(self, t: float) -> None:
        self.confidence.set_threshold(t)

    # -- computing -----------------------------------------------------------------------------

    def _evaluate(self, source) -> None:
        """The slot's draw: ask for what is not asked for yet (``source`` is :attr:`_source`)."""
        self._request()
        self._maybe_robustness()

    def _request(self) -> None:
        """Ask for an evaluation of the current source, unless hidden or already asked."""
        if self._source is None or self.model.dataset is None or not self.isVisible():
            return
        if self._key == self._requested:
            return
        kind, *rest = self._source
        if kind == "snap":
            snap = rest[0]
            sizes, make_net, loss = snap.sizes, snap.network, snap.config.loss
        else:
            net, loss = rest
            sizes, make_net = net.sizes, lambda: net
        ds = self.model.dataset
        if sizes[0] != ds.n_features or sizes[-1] != ds.n_classes:
            self._clear("This network was built for other data: start a new run")
            return
        self._requested = self._key
        self._asked_of = f"the network after step {rest[0].step:,}" if kind == "snap" else \
            "the loaded model"
        self.status.setText("evaluating…")
        self.jobs.evaluate(self._key, make_net, ds.x_test, ds.y_test, loss)

    def _maybe_robustness(self) -> None:
        """Robustness curves of the shown evaluation, when their page is on screen."""
        if (self.network is None or self.tabs.currentWidget() is not self.confidence
                or not self.isVisible() or self._robust_key == self._shown_key):
            return
        self._robust_key = self._shown_key
        self.confidence.show_progress(0, 1)
        ds = self.model.dataset
        self.jobs.robustness(self._shown_key, self.network, ds.x_test, ds.y_test,
                             n=self.robustness_n, image_shape=tuple(ds.image_shape))

    def _on_evaluated(self, result) -> None:
        self._shown_key, self.evaluation, self.network = result.key, result.evaluation, result.net
        self.evaluated = self._asked_of
        ev = self.evaluation
        self.status.setText("")
        self._draw_header()
        self.mistakes.show_evaluation(ev)
        if self.selected is None or self.selected >= ev.n:
            self.mistakes.select(int(ev.misclassified[0]) if ev.n_errors else 0)
        self.confidence.show_evaluation(ev, self.network, self.selected)
        self.updated.emit()
        self.drawing.redraw()  # its robustness: now if its page is shown, else when shown

    def _on_robustness(self, result) -> None:
        self.robustness = result.curves
        self.confidence.show_robustness(self.robustness)
        self.robustness_updated.emit()

    def _on_failed(self, message: str) -> None:
        self.status.setText("")
        self.confidence.progress.hide()
        self._show_message(f"Evaluation failed: {message}", self._theme.bad)

    def closeEvent(self, event) -> None:
        self.jobs.cancel()
        super().closeEvent(event)

    # -- drawing -------------------------------------------------------------------------------

    def _clear(self, message: str) -> None:
        """Forget the evaluation shown (and any computation under way); show ``message``."""
        self.jobs.cancel()
        self.evaluation, self.robustness, self.network = None, {}, None
        self._requested = self._robust_key = self._shown_key = None
        self.mistakes.clear()
        self.confidence.clear()
        self.status.setText("")
        self._show_message(message)

    def _show_message(self, text: str, colour: str | None = None) -> None:
        self._message = (text, colour)
        self._draw_header()

    def _draw_header(self) -> None:
        ev, theme = self.evaluation, self._theme
        if ev is not None:
            text, colour = f"{summary_text(ev)} · {self.evaluated}", theme.foreground
        else:
            text, colour = self._message
            colour = colour or theme.muted
        for page in (self.mistakes, self.confidence):
            page.header.setText(text, color=colour)
        self.header_text = text
