""""Learn this": teach the network the current example and compare before with after.

The panel asks for a learning rate and a number of steps, and shows the probabilities
before (muted) and after (accent) side by side per class, the target outlined.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.learn import LearnResult
from nnviz.charts.parts import TITLE_SIZE
from nnviz.charts.theme import LIGHT, Theme, style_plot
from nnviz.gui.widgets.help import chart_help, help_button, topic

WIDTH = 0.38  # of each of the two bars per class
CONTROLS_HELP = topic(
    "learn.controls", "Learn this",
    "Takes plain gradient steps θ ← θ − η∇L on this one example only, towards the target "
    "chosen in the stepper, with the learning rate η and the number of steps set here. It "
    "shows how much a single example pulls on the network; Undo goes back, and Keep "
    "for training hands the taught network to the training run.",
    "Gradient steps on this one example towards the stepper's target")
CHART_HELP = topic(
    "learn.chart", "Before and after learning",
    "The probability of each class before learning this example (grey) and after (colour), the "
    "target outlined. Watch the target's bar grow and the others shrink; a large η or many "
    "steps can also pull the network away from what it knew about other digits.",
    "Probabilities before (grey) and after (colour) learning · the target outlined")


class LearnThisPanel(QWidget):
    """Controls and before/after bars of :func:`~nnviz.analysis.learn.learn_example`.

    Signals
    -------
    learn_requested(float, int)
        Learning rate and steps, when "Learn this" is pressed.
    keep_requested()
        Make the taught network the training run's network.
    undo_requested()
        Go back to the network from before learning.
    """

    learn_requested = Signal(float, int)
    keep_requested = Signal()
    undo_requested = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.result: LearnResult | None = None  # the last learn_example
        self.names = [str(k) for k in range(10)]
        self.lr = QDoubleSpinBox(decimals=3, minimum=0.001, maximum=5.0, value=0.01,
                                 singleStep=0.005)
        self.lr.setToolTip("Learning rate η of the plain gradient step θ ← θ − η ∇L")
        self.steps = QSpinBox(minimum=1, maximum=50, value=1)
        self.steps.setToolTip("How many gradient steps on this one example")
        self.learn_button = QPushButton("Learn this")
        self.learn_button.setToolTip("One gradient step on this example towards the target "
                                     "chosen in the stepper (L)")
        self.learn_button.clicked.connect(
            lambda: self.learn_requested.emit(self.lr.value(), self.steps.value()))
        self.keep_button = QPushButton("Keep for training", enabled=False)
        self.keep_button.setToolTip("Continue training from the taught network")
        self.keep_button.clicked.connect(self.keep_requested)
        self.undo_button = QPushButton("Undo", enabled=False)
        self.undo_button.clicked.connect(self.undo_requested)
        self.summary = QLabel("Teach the network your handwriting: pick the target in the "
                              "stepper, then Learn this.", wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(QLabel("η"))
        row.addWidget(self.lr)
        row.addWidget(QLabel("steps"))
        row.addWidget(self.steps)
        row.addWidget(self.learn_button)
        row.addStretch(1)
        row.addWidget(help_button(CONTROLS_HELP))
        row2 = QHBoxLayout()
        row2.addWidget(self.undo_button)
        row2.addWidget(self.keep_button)
        row2.addStretch(1)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setTitle("p before (grey) and after (colour)", size=TITLE_SIZE)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setYRange(0, 1.02, padding=0)
        self.before_bars = pg.BarGraphItem(x=[], height=[], width=WIDTH)
        self.after_bars = pg.BarGraphItem(x=[], height=[], width=WIDTH)
        self.plot.addItem(self.before_bars)
        self.plot.addItem(self.after_bars)
        chart_help(self.graphics, CHART_HELP, self.plot)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(row2)
        self.set_theme(theme)

    def set_classes(self, names) -> None:
        self.names = [str(n) for n in names]
        self.plot.getAxis("bottom").setTicks([list(enumerate(self.names)), []])
        self.plot.setXRange(-0.7, len(self.names) - 0.3, padding=0)

    def show_result(self, result: LearnResult | None) -> None:
        """Draw ``result``'s before/after probabilities (None clears)."""
        self.result = result
        self.keep_button.setEnabled(result is not None)
        self.undo_button.setEnabled(result is not None)
        if result is None:
            self.before_bars.setOpts(x=[], height=[])
            self.after_bars.setOpts(x=[], height=[])
            return
        k = np.arange(len(result.p_before))
        t = self._theme
        pens = [pg.mkPen(t.foreground, width=2) if i == result.target else pg.mkPen(None)
                for i in k]
        self.before_bars.setOpts(x=k - WIDTH / 2, height=result.p_before, width=WIDTH,
                                 brush=pg.mkBrush(t.muted), pens=pens)
        self.after_bars.setOpts(x=k + WIDTH / 2, height=result.p_after, width=WIDTH,
                                brush=pg.mkBrush(t.accent), pens=pens)
        name = self.names[result.target]
        said_before = self.names[int(np.argmax(result.p_before))]
        said_after = self.names[int(np.argmax(result.p_after))]
        self.summary.setText(
            f"{result.steps} step{'s' if result.steps > 1 else ''} with η = {result.lr:g} "
            f"towards {name}: p[{name}] {100 * result.p_before[result.target]:.1f} % → "
            f"{100 * result.p_after[result.target]:.1f} %, loss {result.loss_before:.3g} → "
            f"{abs(result.loss_after):.3g}; the answer was {said_before}, now {said_after}.")

    def show_learned(self, model) -> None:
        """The :class:`~nnviz.session.ExplorerModel`'s last "Learn this" (None: none)."""
        if model.learned is not self.result:
            self.show_result(model.learned)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.graphics.setBackground(theme.background)
        style_plot(self.plot, theme)
        self.show_result(self.result)

    def export_item(self):
        return self.graphics.ci
