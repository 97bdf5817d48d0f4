"""The explorer: draw a digit, see the network think, step through forward and backward.

Left: the drawing pad, the 28×28 input and the answer. Middle: the network diagram above
the stepper. Right: the unit inspector, the cell-by-cell view of the current layer and
"Learn this". This widget is their layout and wiring only: what they show is held once, by an
:class:`~nnviz.session.ExplorerModel` (the network, the edits, the example, one backward
trace per change, the stepper's position); each panel is a view of it, subscribed by name,
and changes it only through its intents.

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
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.charts.theme import LIGHT, Theme
from nnviz.engine.network import MLP
from nnviz.gui.timing import FOLLOW_HZ
from nnviz.gui.views.explorer.answer import AnswerPanel
from nnviz.gui.views.explorer.cells.view import CellView
from nnviz.gui.views.explorer.diagram.view import NetworkDiagram
from nnviz.gui.views.explorer.drawpad.view import DrawPad
from nnviz.gui.views.explorer.learn_panel import LearnThisPanel
from nnviz.gui.views.explorer.stepper.view import StepperView
from nnviz.gui.views.explorer.unit_inspector.view import UnitInspector
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import help_button, topic
from nnviz.gui.workers.tasks import Lane, Task
from nnviz.session import ExplorerModel, SessionModel

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" (QWIDGETSIZE_MAX, not in PySide6)
COMPACT_WIDTH = 200  # px: the right column before a unit is picked (its hint in 2–3 lines)
COLUMNS = (360, 720, 440)  # drawing, diagram and stepper, unit/learn: the splitter's shares

SOURCE_HELP = topic(
    "explorer.source", "Test images and the network",
    "To the pad puts a test image on the drawing pad exactly as it is in the dataset, by "
    "number or at random, to compare your drawings with real ones. With Follow training on, "
    f"the explorer takes the training run's newest network {FOLLOW_HZ} times a second; off, "
    "it keeps the network it has, so you can study it while training goes on.",
    "Put a test image on the pad · Follow training: use the run's newest network")


class ExplorerView(QWidget):
    """Drawing pad, answer, diagram, stepper, unit inspector, cells and "Learn this": the
    layout of the views of one :class:`~nnviz.session.ExplorerModel`, and their wiring.

    Signals
    -------
    adopt_requested(object)
        An edited or taught :class:`MLP` to continue training from.

    Attributes
    ----------
    explorer : ExplorerModel
        What every panel shows (the network, the example, the trace, the cursor).
    model : SessionModel
        The window's session (the dataset); alone, one of this view's own.
    latency_ms : float
        Time from the pad's ``image_changed`` to the answer, diagram and stepper drawn.
    """

    adopt_requested = Signal(object)

    def __init__(self, theme: Theme = LIGHT, parent=None, *, model: SessionModel | None = None):
        super().__init__(parent)
        # The dataset is the model's (the window's; on its own, one of its own).
        self.model = model if model is not None else SessionModel.alone("explorer", self)
        self._accuracy_lane = Lane(self)
        self.explorer = ExplorerModel(run_in_background=self._in_background,
                                      strict=self.model.strict)
        self.explorer.add_failure_listener(self.model.report)  # the window's status line
        self.latency_ms = float("nan")
        self._loading_test = False
        self._build()
        # The training run's newest snapshot, taken while following and visible, at most
        # FOLLOW_HZ times a second (a rate the user sees: kept by the view alone too).
        self.drawing = DrawSlot(self, self.explorer.follow_snapshot, FOLLOW_HZ, "explorer",
                                when=self.follow.isChecked, pace_alone=True)
        self._connect()
        self._shortcuts()
        self.set_theme(theme)
        panels = {"answer": self.answer, "diagram": self.diagram, "stepper": self.stepper_view,
                  "cells": self.cells, "unit inspector": self.inspector,
                  "Learn this": self.learn_this, "source": self}
        for name, panel in panels.items():
            self.explorer.subscribe(f"explorer {name}", panel)

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
        # Before a unit is picked the Unit tab is a line high (see _fit_tabs).
        right = self.right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.tabs, 1)
        rv.addStretch(0)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(right)
        split.setSizes(list(COLUMNS))
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    def _connect(self) -> None:
        ex = self.explorer
        self.pad.image_changed.connect(self._on_canvas)
        self.stepper_view.bind(ex)  # its buttons, keys and target combo move the model
        self.diagram.unit_clicked.connect(self.select_unit)
        self.inspector.edits_changed.connect(ex.set_edits)
        self.inspector.keep_requested.connect(lambda: self._adopt(ex.keep_edits()))
        self.learn_this.learn_requested.connect(self.learn)
        self.learn_this.keep_requested.connect(lambda: self._adopt(ex.keep_taught()))
        self.learn_this.undo_requested.connect(ex.undo_learning)
        self.middle_tabs.currentChanged.connect(lambda _i: self.cells.show_position(ex))
        self.follow.toggled.connect(self._on_follow)
        self.tabs.currentChanged.connect(self._fit_tabs)
        self.inspector.picked_changed.connect(self._fit_tabs)

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

    def _fit_tabs(self, *_) -> None:
        """Until a unit is picked the Unit tab is its hint: as high as the hint and
        COMPACT_WIDTH wide, the rest of the width going to the diagram and the stepper;
        a pick (or the Learn this tab) gives the column back its share."""
        if self.tabs.currentWidget() is self.inspector and not self.inspector.picked:
            cap = max(COMPACT_WIDTH, self.tabs.tabBar().sizeHint().width())
            self.right.setMaximumWidth(cap)
            frame = self.tabs.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth)
            width = min(self.tabs.width(), cap) - 2 * frame  # the width it gets once capped
            page = self.inspector.compact_height(max(width, 100))
            self.tabs.setMaximumHeight(self.tabs.tabBar().sizeHint().height() + page + 2 * frame)
        else:
            self.tabs.setMaximumHeight(QWIDGETSIZE_MAX)
            if self.right.maximumWidth() != QWIDGETSIZE_MAX:
                self.right.setMaximumWidth(QWIDGETSIZE_MAX)
                total = sum(self.splitter.sizes())
                self.splitter.setSizes([round(total * c / sum(COLUMNS)) for c in COLUMNS])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_tabs()  # the hint wraps to another number of lines

    def _in_background(self, job, done) -> None:
        """The model's test accuracies, off the GUI thread (job None: drop the pending one)."""
        if job is None:
            self._accuracy_lane.supersede()
        else:
            self._accuracy_lane.start(Task(lambda _task: job()), done=done)

    # -- the session's changes -------------------------------------------------------------

    def set_dataset(self, ds) -> None:
        """Test images come from ``ds.x_test``; class names label the answer and the stepper."""
        self.explorer.set_dataset(ds)
        names = list(ds.class_names)
        self.answer.set_classes(names, ds.image_shape)
        self.stepper_view.set_class_names(names)
        self.stepper_view.image_shape = tuple(ds.image_shape)
        self.learn_this.set_classes(names)
        self.test_spin.setMaximum(max(len(ds.x_test) - 1, 0))

    def show_snapshot(self, snap) -> None:
        """Offer the training run's network in ``snap``: taken at most FOLLOW_HZ times a
        second and only while following and visible (the view's draw slot); a new run's at
        once, even hidden. A snapshot held back is taken later (the newest one: when training
        pauses, no further snapshot would come)."""
        new_run = self.explorer.is_new_run(snap)
        self.drawing.offer(snap, at_once=new_run and self.follow.isChecked())

    def _on_follow(self, on: bool) -> None:
        self.explorer.set_follow(on)
        if on:
            self.drawing.offer(self.drawing.newest, at_once=True)  # the newest, at once

    def show_network(self, ex: ExplorerModel) -> None:
        """This widget's own part of the model: where the network came from, following."""
        self.source_label.setText(ex.source_text)
        if self.follow.isChecked() != ex.follow:
            self.follow.blockSignals(True)
            self.follow.setChecked(ex.follow)
            self.follow.blockSignals(False)

    # -- intents ---------------------------------------------------------------------------

    def set_model(self, net: MLP, loss: str = "cross_entropy", name: str = "loaded model") -> None:
        """Explore ``net`` (e.g. a loaded model); stops following the training run."""
        self.explorer.set_network(net, loss, name)

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
        self.explorer.set_example(ds.x_test[index], int(ds.y_test[index]))

    def set_example(self, x: np.ndarray, true: int = -1) -> None:
        """Explore the input ``x`` (n_in,) with label ``true`` (-1: unknown)."""
        self.explorer.set_example(x, true)

    def _on_canvas(self, canvas: np.ndarray) -> None:
        if self._loading_test:
            return
        t0 = time.perf_counter()
        self.explorer.set_drawing(canvas)
        if self.explorer.x is not None:
            self.latency_ms = 1000 * (time.perf_counter() - t0)

    def _random_test_image(self) -> None:
        ds = self.model.dataset
        if ds is not None and len(ds.x_test):
            self.load_test_image(int(np.random.default_rng().integers(len(ds.x_test))))

    def select_unit(self, layer: int, unit: int) -> None:
        self.tabs.setCurrentWidget(self.inspector)
        self.explorer.select_unit(layer, unit)

    def _learn_from_key(self) -> None:
        self.learn(self.learn_this.lr.value(), self.learn_this.steps.value())

    def learn(self, lr: float, steps: int = 1) -> None:
        """Learn the current example (``steps`` gradient steps at ``lr``); the explorer keeps
        the taught network."""
        if self.explorer.learn_this(lr, steps) is not None:
            self.tabs.setCurrentWidget(self.learn_this)

    def _adopt(self, net: MLP | None) -> None:
        if net is not None:
            self.adopt_requested.emit(net)

    # -- what the window and the lessons read (the model's; see self.explorer for the rest) --

    @property
    def net(self) -> MLP | None:
        return self.explorer.net

    @property
    def x(self) -> np.ndarray | None:
        return self.explorer.x

    @property
    def true(self) -> int:
        return self.explorer.true

    @property
    def stepper(self):
        return self.explorer.stepper

    # -- the rest --------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        for view in (self.pad, self.answer, self.diagram, self.stepper_view, self.inspector,
                     self.cells, self.learn_this):
            view.set_theme(theme)

    def export_item(self):
        """The diagram is what "Export current view" saves from the explorer."""
        return self.diagram.export_item()
