"""The explorer: draw a digit, see the network think, step through forward and backward.

Left: the drawing pad, the 28×28 input and the answer. Middle: the network diagram above
the stepper. Right: the unit inspector, the cell-by-cell view of the current layer and
"Learn this". Everything is computed from one :class:`~nnviz.analysis.stepper.Stepper` per
example (a backward trace: ~0.3 ms for 784-256-128-10), so the answer, the diagram and the
steps always show the same numbers.

The network comes from the training run (a consistent snapshot, at most ``FOLLOW_HZ`` times
a second, while "Follow training" is on) or from a loaded model. Edits and "Learn this" act on a
copy; "Keep" hands the copy to the training session.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.edits import apply_edits
from nnviz.analysis.learn import learn_example
from nnviz.analysis.preprocess import to_mnist
from nnviz.analysis.stepper import Stepper
from nnviz.analysis.trace import forward_trace
from nnviz.charts.theme import LIGHT, Theme
from nnviz.engine.network import MLP
from nnviz.gui.timing import FOLLOW_HZ
from nnviz.gui.views.cells.view import CellView
from nnviz.gui.views.diagram.view import NetworkDiagram
from nnviz.gui.views.drawpad.view import DrawPad
from nnviz.gui.views.explorer.answer import AnswerPanel
from nnviz.gui.views.explorer.learn_panel import LearnThisPanel
from nnviz.gui.views.stepper.view import StepperView
from nnviz.gui.views.unit_inspector.view import UnitInspector
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import help_button, topic
from nnviz.gui.workers.tasks import Lane, Task
from nnviz.session import SessionModel

SOURCE_HELP = topic(
    "explorer.source", "Test images and the network",
    "To the pad puts a test image on the drawing pad exactly as it is in the dataset, by "
    "number or at random, to compare your drawings with real ones. With Follow training on, "
    f"the explorer takes the training run's newest network {FOLLOW_HZ} times a second; off, "
    "it keeps the network it has, so you can study it while training goes on.",
    "Put a test image on the pad · Follow training: use the run's newest network")


def test_accuracy(net: MLP, x: np.ndarray, y: np.ndarray) -> float:
    return float((net.predict(x) == y).mean())


class ExplorerView(QWidget):
    """Drawing pad, answer, diagram, stepper, unit inspector, cells and "Learn this", wired
    together.

    Signals
    -------
    adopt_requested(object)
        An edited or taught :class:`MLP` to continue training from.

    Attributes
    ----------
    base_net : MLP or None
        The network as it came (snapshot or loaded model), unedited.
    net : MLP or None
        What the views show: ``base_net`` with the inspector's edits applied.
    x : ndarray (n_in,) or None
        The current example as the network receives it.
    true : int
        Its label, -1 for a drawing.
    stepper : Stepper or None
    latency_ms : float
        Time from the pad's ``image_changed`` to the answer, diagram and stepper drawn.
    """

    adopt_requested = Signal(object)

    def __init__(self, theme: Theme = LIGHT, parent=None, *, model: SessionModel | None = None):
        super().__init__(parent)
        # The dataset is the model's (the window's; on its own, one of its own).
        self.model = model if model is not None else SessionModel.alone("explorer", self)
        self.base_net: MLP | None = None
        self.net: MLP | None = None
        self.loss = "cross_entropy"
        self.x: np.ndarray | None = None
        self.true = -1
        self.stepper: Stepper | None = None
        self.edits: tuple = ()  # the UnitEdits applied to base_net
        self._accuracy: tuple | None = None  # (net, before, after) test accuracies, when known
        self._accuracy_lane = Lane(self)
        self.latency_ms = float("nan")
        self.diagram_focus = None  # (layer, direction) lit up in the diagram
        self._source = ""
        self._selected: tuple[int, int] | None = None
        self._loading_test = False
        self._build()
        # The training run's newest snapshot, taken while following and visible, at most
        # FOLLOW_HZ times a second (a rate the user sees: kept by the view alone too).
        self.drawing = DrawSlot(self, self._take_snapshot, FOLLOW_HZ, "explorer",
                                when=self.follow.isChecked, pace_alone=True)
        self._connect()
        self._shortcuts()
        self.set_theme(theme)
        self._update_source()

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        self.pad = DrawPad()
        self.answer = AnswerPanel()
        self.follow = QCheckBox("Follow training", checked=True)
        self.follow.setToolTip(f"Use the training run's newest network (refreshed {FOLLOW_HZ}× a "
                               "second); off: keep the network as it is now")
        self.source_label = QLabel(wordWrap=True)
        self.test_spin = QSpinBox(minimum=0, maximum=0, prefix="test #")
        self.test_spin.setToolTip("A test image to put on the pad (exactly as in the dataset)")
        self.test_button = QPushButton("To the pad")
        self.test_button.clicked.connect(lambda: self.load_test_image(self.test_spin.value()))
        self.random_button = QPushButton("Random")
        self.random_button.clicked.connect(self._random_test_image)
        tests = QHBoxLayout()
        for w in (self.test_spin, self.test_button, self.random_button):
            tests.addWidget(w)
        tests.addWidget(help_button(SOURCE_HELP))
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.pad, 5)
        lv.addLayout(tests)
        lv.addWidget(self.answer, 3)
        lv.addWidget(self.follow)
        lv.addWidget(self.source_label)

        self.diagram = NetworkDiagram()
        self.stepper_view = StepperView()
        self.cells = CellView()
        # The cells need the width of the middle column; →/← step in either tab.
        self.middle_tabs = QTabWidget()
        self.middle_tabs.addTab(self.stepper_view, "Stepper")
        self.middle_tabs.addTab(self.cells, "Cell by cell")
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.diagram)
        middle.addWidget(self.middle_tabs)
        middle.setSizes([360, 540])

        self.inspector = UnitInspector()
        self.learn_this = LearnThisPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inspector, "Unit")
        self.tabs.addTab(self.learn_this, "Learn this")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(self.tabs)
        split.setSizes([360, 720, 440])
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    def _connect(self) -> None:
        self.pad.image_changed.connect(self._on_canvas)
        self.stepper_view.position_changed.connect(self._on_position)
        self.stepper_view.target_changed.connect(self._on_target)
        self.diagram.unit_clicked.connect(self.select_unit)
        self.inspector.edits_changed.connect(self._on_edits)
        self.inspector.keep_requested.connect(self._keep_edits)
        self.learn_this.learn_requested.connect(self.learn)
        self.learn_this.keep_requested.connect(self._keep_taught)
        self.learn_this.undo_requested.connect(self._undo_learning)
        self.middle_tabs.currentChanged.connect(lambda _i: self._update_cells())
        self.follow.toggled.connect(self._on_follow)

    def _shortcuts(self) -> None:
        """→/← step, Space runs, Esc resets — while focus is anywhere in the explorer."""
        sv = self.stepper_view
        keys = {Qt.Key.Key_Right: sv.forward, Qt.Key.Key_Left: sv.back,
                Qt.Key.Key_Space: sv.toggle_run, Qt.Key.Key_Escape: sv.reset,
                Qt.Key.Key_L: self._learn_from_key}
        self.shortcuts = {}
        for key, slot in keys.items():
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
            self.shortcuts[key] = sc

    # -- where the network and the example come from -----------------------------------------

    def set_dataset(self, ds) -> None:
        """Test images come from ``ds.x_test``; class names label the answer and the stepper."""
        names = list(ds.class_names)
        self.answer.set_classes(names, ds.image_shape)
        self.stepper_view.set_class_names(names)
        self.stepper_view.image_shape = tuple(ds.image_shape)
        self.learn_this.set_classes(names)
        self.test_spin.setMaximum(max(len(ds.x_test) - 1, 0))

    def show_snapshot(self, snap) -> None:
        """Take the training run's network from ``snap``, at most FOLLOW_HZ times a second
        and only while following and visible. A snapshot held back by either is taken
        later (the newest one: when training pauses, no further snapshot would come)."""
        shown = self.drawing.drawn
        new_run = shown is None or snap.run_id != shown.run_id  # taken at once, even hidden
        self.drawing.offer(snap, at_once=new_run and self.follow.isChecked())

    def _take_snapshot(self, snap) -> None:
        loss = getattr(snap.config, "loss", "cross_entropy")
        self._set_network(snap.network(), loss,
                          f"training run {snap.run_id}, step {snap.step} (epoch {snap.epoch:.2f})")

    def set_model(self, net: MLP, loss: str = "cross_entropy", name: str = "loaded model") -> None:
        """Explore ``net`` (e.g. a loaded model); stops following the training run."""
        self.follow.setChecked(False)
        self._set_network(net, loss, name)

    def _set_network(self, net: MLP, loss: str, source: str) -> None:
        if self.base_net is None or net.sizes != self.base_net.sizes:
            self._selected = None  # the selected unit and the edits belong to the old shape
            self.edits = ()
            self.inspector.set_edits(())
            self.diagram.set_selected(None, None)
        self.base_net, self.loss, self._source = net, loss, source
        self.learn_this.show_result(None)
        self._apply_edits(self.edits, measure=False)
        self._update_source()

    def load_test_image(self, index: int) -> None:
        """Put test image ``index`` on the pad and explore it exactly as stored (with its label)."""
        ds = self.model.dataset
        if ds is None or not 0 <= index < len(ds.x_test):
            return
        self.test_spin.setValue(int(index))
        self._loading_test = True
        try:
            self.pad.set_canvas(ds.x_test[index].reshape(ds.image_shape))
        finally:
            self._loading_test = False
        self.set_example(ds.x_test[index], int(ds.y_test[index]))

    def set_example(self, x: np.ndarray, true: int = -1) -> None:
        """Explore the input ``x`` (n_in,) with label ``true`` (-1: unknown)."""
        self.x = np.asarray(x, np.float32).reshape(-1)
        self.true = int(true)
        self.recompute()

    def _on_canvas(self, canvas: np.ndarray) -> None:
        if self._loading_test:
            return
        t0 = time.perf_counter()
        if canvas.max() <= 0:
            self.x, self.true, self.stepper = None, -1, None
            self.answer.clear()
            self.stepper_view.set_stepper(None)
            return
        self.set_example(to_mnist(canvas).reshape(-1), -1)
        self.latency_ms = 1000 * (time.perf_counter() - t0)

    def _random_test_image(self) -> None:
        ds = self.model.dataset
        if ds is not None and len(ds.x_test):
            self.load_test_image(int(np.random.default_rng().integers(len(ds.x_test))))

    # -- computing what is shown -----------------------------------------------------------

    @property
    def trace(self):
        """The current example's BackwardTrace through ``net`` (None without a stepper)."""
        return None if self.stepper is None else self.stepper.trace

    def target(self) -> int:
        """The backward pass's target: the stepper's choice, else the label, else the answer."""
        chosen = self.stepper_view.target()
        if chosen >= 0:
            return chosen
        if self.true >= 0:
            return self.true
        return int(np.argmax(self.net.predict_proba(self.x[None])[0]))

    def recompute(self) -> None:
        """One backward trace of the current example feeds the answer, diagram and stepper."""
        if self.net is None or self.x is None:
            self.stepper = None
            self.stepper_view.set_stepper(None)
            return
        if self.x.size != self.net.sizes[0]:
            self.stepper = None
            self.stepper_view.set_stepper(None)
            self.answer.clear()
            self.answer.answer.setText(f"This network takes {self.net.sizes[0]} inputs; a drawing "
                                       f"gives {self.x.size} (28×28).")
            return
        # The explorer owns self.net: the trace may overwrite its gradient buffers.
        self.stepper = Stepper(self.net, self.x, self.target(), self.loss)
        tr = self.stepper.trace
        z = tr.layers[-1].z[0]
        self.answer.show_answer(self.x, tr.probabilities[0], z, self.true)
        self.diagram.set_trace(tr, self.answer.image_shape, self.answer.names)
        self.stepper_view.set_stepper(self.stepper)  # emits position_changed → focus, cells
        if self._selected is not None:
            self._show_unit(*self._selected)

    def _on_position(self, _position: int) -> None:
        if self.stepper is None:
            self.diagram_focus = None
            self.diagram.set_focus(None)
            return
        step = self.stepper.current
        self.diagram_focus = (step.layer, step.direction)
        self.diagram.set_focus(step.layer, step.direction)
        self._update_cells()

    def _on_target(self, _target: int) -> None:
        self.recompute()

    def _update_cells(self) -> None:
        """The cell view follows the stepper's layer (layer 1 while at the input)."""
        if self.middle_tabs.currentWidget() is not self.cells or self.trace is None:
            return
        layer = max(self.stepper.current.layer, 1) if self.stepper else 1
        self.cells.set_layer(self.trace.layers[layer - 1])

    # -- units and edits -------------------------------------------------------------------

    def select_unit(self, layer: int, unit: int) -> None:
        self._selected = (int(layer), int(unit))
        self.diagram.set_selected(layer, unit)
        self.tabs.setCurrentWidget(self.inspector)
        self._show_unit(layer, unit)

    def _show_unit(self, layer: int, unit: int) -> None:
        if self.base_net is None or self.x is None or self.trace is None:
            return
        # Unedited, the stepper's trace is the base network's: no second pass.
        base = self.trace if self.net is self.base_net else forward_trace(self.base_net, self.x)
        self.inspector.set_unit(base, layer, unit, self.answer.image_shape)
        self._show_comparison(base.probabilities[0])

    def _on_edits(self, edits) -> None:
        self._apply_edits(edits, measure=True)

    def _apply_edits(self, edits, measure: bool) -> None:
        if self.base_net is None:
            return
        try:
            self.net = apply_edits(self.base_net, edits) if edits else self.base_net
            self.edits = tuple(edits)
        except ValueError as exc:  # an edit for another architecture: drop them all
            self.inspector.set_edits(())
            self.net, self.edits = self.base_net, ()
            self.source_label.setText(f"Edits dropped: {exc}")
        if measure or edits:
            self._measure_accuracy()  # before recompute, which shows "…" until it is known
        self.recompute()

    def _show_comparison(self, p_before) -> None:
        """Before → after on this example, and the test accuracies once measured."""
        if self.trace is None:
            return
        known = self._accuracy if self._accuracy and self._accuracy[0] is self.net else None
        self.inspector.set_comparison(p_before, self.trace.probabilities[0],
                                      known[1] if known else None, known[2] if known else None,
                                      self.answer.names)

    def _measure_accuracy(self) -> None:
        """Test accuracy before and after the edits, off the GUI thread; only when the edits
        or the network change (it does not depend on the drawing)."""
        self._accuracy = None
        ds = self.model.dataset
        if ds is None or not len(ds.x_test) or not self.edits:
            self._accuracy_lane.supersede()
            return
        base, edited = self.base_net, self.net
        task = Task(lambda task: (edited, test_accuracy(base, ds.x_test, ds.y_test),
                                  test_accuracy(edited, ds.x_test, ds.y_test)))
        self._accuracy_lane.start(task, done=self._on_accuracy)

    def _on_accuracy(self, result) -> None:
        self._accuracy = result
        if self._selected is not None and self.trace is not None:
            self._show_unit(*self._selected)

    def _keep_edits(self) -> None:
        if self.net is not None and self.net is not self.base_net:
            edited = self.net
            self.inspector.set_edits(())
            self.edits = ()
            self.set_model(edited, self.loss, "edited model (kept)")
            self.adopt_requested.emit(edited.copy())

    # -- learn this ------------------------------------------------------------------------

    def _learn_from_key(self) -> None:
        self.learn(self.learn_this.lr.value(), self.learn_this.steps.value())

    def learn(self, lr: float, steps: int = 1) -> None:
        """Learn the current example (``steps`` gradient steps at ``lr``); the explorer keeps
        the taught network."""
        if self.net is None or self.x is None:
            return
        result = learn_example(self.net, self.x, self.target(), lr, self.loss, steps)
        self._before_learning = (self.base_net, self.edits, self._source)
        self.inspector.set_edits(())
        self.edits = ()
        self.follow.setChecked(False)
        self._set_network(result.net, self.loss, f"taught: {self._source}")
        self.learn_this.show_result(result)
        self.tabs.setCurrentWidget(self.learn_this)

    def _keep_taught(self) -> None:
        if self.learn_this.result is not None:
            self.adopt_requested.emit(self.learn_this.result.net.copy())
            self.learn_this.show_result(None)

    def _undo_learning(self) -> None:
        before = getattr(self, "_before_learning", None)
        if before is None:
            return
        base, edits, source = before
        self._before_learning = None
        self.edits = edits
        self.inspector.set_edits(edits)  # the edits learning started from come back too
        self._set_network(base, self.loss, source)
        self.learn_this.show_result(None)

    # -- the rest --------------------------------------------------------------------------

    def _on_follow(self, on: bool) -> None:
        if on:
            self.drawing.offer(self.drawing.newest, at_once=True)  # the newest, at once
        self._update_source()

    def _update_source(self) -> None:
        if self.base_net is None:
            self.source_label.setText("No network yet: press Train or load a model.")
            return
        arch = "-".join(map(str, self.base_net.sizes))
        edits = len(self.edits)
        edited = f" · {edits} unit edit{'s' if edits > 1 else ''}" if edits else ""
        self.source_label.setText(f"Network {arch}: {self._source}{edited}")

    def set_theme(self, theme: Theme) -> None:
        for view in (self.pad, self.answer, self.diagram, self.stepper_view, self.inspector,
                     self.cells, self.learn_this):
            view.set_theme(theme)

    def export_item(self):
        """The diagram is what "Export current view" saves from the explorer."""
        return self.diagram.export_item()
