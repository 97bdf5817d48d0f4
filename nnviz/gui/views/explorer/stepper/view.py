"""The stepper: walk one example's forward pass and backpropagation one layer at a time.

Each step shows its title, the equations set as mathematics with the real shapes beside
them (:func:`~nnviz.analysis.notation.equation_html`), and up to three charts of what it
produced (:class:`StepPlot`). The softmax step spells out ``z − max``, ``exp``, the sum and the
division in a table, with a temperature slider. What each step means is in the "?" beside its
title. The view only indexes a :class:`~nnviz.analysis.stepper.Stepper`; every number comes
from the engine's trace.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.notation import equation_html
from nnviz.analysis.stepper import Step, Stepper, softmax_steps
from nnviz.charts.theme import LIGHT, Theme
from nnviz.gui.timing import STEPPER_RUN_MS as RUN_MS
from nnviz.gui.views.explorer.stepper.plots import MIN_DATA_H, MIN_DATA_W, TITLE_ROW, StepPlot
from nnviz.gui.views.explorer.stepper.topics import (
    CHARTS_HELP,
    NOTATION_HELP,
    OPTIONS_HELP,
    STEP_HELP,
)
from nnviz.gui.widgets.help import chart_help, help_button
from nnviz.gui.widgets.mathtext import math_font

T_RANGE = (-10, 10)   # slider ticks; T = 2^(tick/5): 0.25 … 4


def temperature_of(tick: int) -> float:
    return float(2.0 ** (tick / 5.0))


def charts_for(step: Step, temperature: float = 1.0,
               three: bool = True) -> list[tuple[str, np.ndarray]]:
    """The (name, values) pairs a step draws, in order (at most three; two if not ``three``:
    the softmax step then leaves out ``exp``, whose numbers are in its table)."""
    arrays = step.arrays
    if step.kind == "softmax":
        z_name = next(k for k in arrays if k.startswith("z"))
        s = softmax_steps(arrays[z_name], temperature)
        charts = [(z_name, arrays[z_name])] + ([("exp(z/T − max)", s.exp)] if three else [])
        return charts + [("p" if temperature == 1.0 else f"p (T = {temperature:.2f})", s.p)]
    if step.kind == "loss":
        p = arrays["p"]
        return [("p", p)]
    if step.kind == "input_grad":
        return [("x", arrays["x"]), ("∂L/∂x", arrays["∂L/∂x"])]
    if step.kind == "backward" and any(k.startswith("δ") for k in arrays):
        # db = δ for one example (its equation says so): a third chart of the same numbers
        # only squeezed δ and dW (and pushed itself out of the view at 940 px).
        arrays = {k: v for k, v in arrays.items() if not k.startswith("db")}
    return list(arrays.items())[:3]


def as_lessons_write(equation: str) -> str:
    """``a¹ = relu(z¹)`` as the lessons write it: ``a¹ = ReLU(z¹)`` (sigmoid, tanh and
    softmax are spelled the same in both)."""
    return equation.replace("leaky_relu(", "leaky ReLU(").replace("relu(", "ReLU(")


def step_help_kind(step: Step) -> str:
    """The :data:`STEP_HELP` entry of ``step``: its kind, or ``output`` for the last layer's
    forward step (which has no ``a = f(z)``)."""
    if step.kind == "forward" and len(step.equations) == 1:
        return "output"
    return step.kind


class StepperView(QWidget):
    """Controls, equations and charts of the current step: of a stepper of its own
    (:meth:`set_stepper`), or as a view of an :class:`~nnviz.session.ExplorerModel`
    (:meth:`bind`), whose cursor and target its controls then change.

    Signals
    -------
    target_changed(int)
        The backward target chosen in the combo; -1 means "automatic".
    """

    target_changed = Signal(int)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.stepper: Stepper | None = None
        self._model = None  # the ExplorerModel whose cursor the buttons move, if bound
        self.class_names: list[str] = [str(k) for k in range(10)]
        self.image_shape = (28, 28)
        self._theme = theme
        self._run_timer = QTimer(self, interval=RUN_MS, timeout=self._run_tick)
        self._build()
        self.set_theme(theme)
        self._show()

    def _build(self) -> None:
        self.reset_button = self._button("Reset", "Back to the input (Esc)", self.reset)
        self.back_button = self._button("◀ Back", "One step back (←)", self.back)
        self.step_button = self._button("Step ▶", "One layer forward, then backward (→)",
                                        self.forward)
        self.run_button = self._button("▶▶ Run", "Run through the steps; again to pause (Space)",
                                       self.toggle_run)
        self.position_label = QLabel()
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("The class the backward pass pushes towards")
        self.target_combo.currentIndexChanged.connect(self._on_target)
        self.t_slider = QSlider(Qt.Orientation.Horizontal, minimum=T_RANGE[0], maximum=T_RANGE[1],
                                value=0)
        self.t_slider.setToolTip("Softmax temperature T: p = softmax(z / T)")
        self.t_slider.valueChanged.connect(self._on_temperature)
        # A slider squeezed below its handle's width looked like a checkbox (at 940 px).
        self.t_slider.setMinimumWidth(4 * self.t_slider.sizeHint().height())
        self.t_label = QLabel()
        controls = QHBoxLayout()
        for w in (self.reset_button, self.back_button, self.step_button, self.run_button):
            controls.addWidget(w)
        controls.addStretch(1)
        options = QHBoxLayout()  # a second row: the view must fit a laptop screen's third
        options.addWidget(QLabel("Target"))
        options.addWidget(self.target_combo)
        options.addSpacing(8)
        options.addWidget(QLabel("Temp."))  # short: the row must fit the middle at 940 px
        options.addWidget(self.t_slider, 1)
        options.addWidget(self.t_label)
        options.addStretch(1)
        self.options_help = help_button(OPTIONS_HELP, self)
        options.addWidget(self.options_help)
        self.title_label = QLabel(textFormat=Qt.TextFormat.RichText)
        self.step_help = {kind: help_button(about, self) for kind, about in STEP_HELP.items()}
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label)
        for button in self.step_help.values():
            title_row.addWidget(button)
        title_row.addStretch(1)
        self.equation = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notation_help = help_button(NOTATION_HELP, self)
        equation_row = QHBoxLayout()
        equation_row.addWidget(self.equation, 1)
        equation_row.addWidget(self.notation_help, 0, Qt.AlignmentFlag.AlignTop)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plots = [StepPlot(self._theme) for _ in range(3)]
        for i, sp in enumerate(self.plots):
            self.graphics.addItem(sp.plot, row=0, col=i)
        self._placed = set(self.plots)  # the charts in the layout (see _place_charts)
        self._three_width = 0.0  # px the three softmax charts were found to need
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse)
        self.charts_help = chart_help(self.graphics, CHARTS_HELP, self.graphics.ci)
        self.softmax_table = QTableWidget(4, 0)
        self.softmax_table.setVerticalHeaderLabels(["z / T", "z/T − max", "exp(·)", "p = exp / Σ"])
        self.softmax_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Its four rows whole and no taller (it was 150 px with a vertical scroll bar): the
        # height goes to the charts above it (see _fit_softmax_table).
        self.softmax_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.softmax_table.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(controls)
        # On a line of its own: beside the buttons, "Step 5 of 8 · forward" was cut at 940 px.
        layout.addWidget(self.position_label)
        layout.addLayout(options)
        # The step below the controls: in a window too short for it (the softmax step in
        # presenter mode at 1280×720) it scrolls, rather than squeezing its charts to a line
        # or the diagram above it to a strip.
        self.step_page = QWidget()
        page = QVBoxLayout(self.step_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(4)
        page.addLayout(title_row)
        page.addLayout(equation_row)
        page.addWidget(self.graphics, 1)
        page.addWidget(self.softmax_table)
        # The scroll area makes the page as high as the page asks for at its width: the
        # charts ask for their minimum (pyqtgraph's size hint is 480 px) and get the rest.
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.step_scroll = QScrollArea(widgetResizable=True)
        self.step_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.step_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_scroll.setWidget(self.step_page)
        self.step_scroll.viewport().setAutoFillBackground(False)  # the view's own background
        self.step_page.setAutoFillBackground(False)
        layout.addWidget(self.step_scroll, 1)
        self.set_class_names(self.class_names)
        self._on_temperature(0)

    def _button(self, text, tip, slot) -> QToolButton:
        b = QToolButton(text=text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # -- the contract -----------------------------------------------------------------------

    def set_class_names(self, names) -> None:
        self.class_names = [str(n) for n in names]
        current = self.target_combo.currentIndex()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItem("automatic")
        self.target_combo.addItems(self.class_names)
        self.target_combo.setCurrentIndex(max(current, 0) if current <= len(names) else 0)
        self.target_combo.blockSignals(False)

    def set_target(self, target: int) -> None:
        """Choose the target class (-1 = automatic) as if picked in the combo."""
        self.target_combo.setCurrentIndex(int(target) + 1)

    def target(self) -> int:
        return self.target_combo.currentIndex() - 1

    @property
    def temperature(self) -> float:
        return temperature_of(self.t_slider.value())

    def set_stepper(self, stepper: Stepper | None, keep_position: bool = True) -> None:
        """Show ``stepper``; by default at the position the previous one was at."""
        position = self.stepper.position if (self.stepper and keep_position) else 0
        self.stepper = stepper
        if stepper is not None:
            stepper.seek(position)
        self._show()

    # -- as a view of the explorer model ----------------------------------------------------

    def bind(self, model) -> None:
        """Show ``model``'s (an :class:`~nnviz.session.ExplorerModel`) stepper, and have the
        buttons, keys and the combo change it rather than a stepper of this view's own."""
        self._model = model

    def show_trace(self, model) -> None:
        """The chosen target in the combo (the steps are drawn by :meth:`show_position`)."""
        if self.target() != model.chosen_target:
            self.target_combo.blockSignals(True)
            self.target_combo.setCurrentIndex(model.chosen_target + 1)
            self.target_combo.blockSignals(False)

    def show_position(self, model) -> None:
        self.stepper = model.stepper
        self._show()

    # -- the cursor -------------------------------------------------------------------------

    def _step(self, forward: bool) -> bool:
        """One step forward or back on the model, else on this view's stepper."""
        if self._model is not None:
            return self._model.step_forward() if forward else self._model.step_back()
        if self.stepper is None:
            return False
        moved = self.stepper.forward() if forward else self.stepper.back()
        if moved:
            self._show()
        return moved

    def forward(self) -> None:
        if not self._step(forward=True) and self._run_timer.isActive():
            self.toggle_run()

    def back(self) -> None:
        self._step(forward=False)

    def reset(self) -> None:
        self._run_timer.stop()
        self._update_run_text()
        self._go_to_start()

    def _go_to_start(self) -> None:
        if self._model is not None:
            self._model.reset()
        elif self.stepper:
            self.stepper.reset()
            self._show()

    def toggle_run(self) -> None:
        if self._run_timer.isActive():
            self._run_timer.stop()
        elif self.stepper is not None:
            if self.stepper.at_end:
                self._go_to_start()
            self._run_timer.start()
        self._update_run_text()

    @property
    def running(self) -> bool:
        return self._run_timer.isActive()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._three_width = 0.0  # measured again in the theme's fonts
        self.graphics.setBackground(theme.background)
        for sp in self.plots:
            sp.set_theme(theme)
        self.equation.setFont(math_font())
        self._show()
        self.graphics.setMinimumHeight(self.charts_min_height())
        self._fit_softmax_table()

    def three_charts_fit(self) -> bool:
        """Whether three charts side by side each get a data area ``MIN_DATA_W`` px wide
        beside their tick axis (not in the middle of the explorer at 940 px)."""
        axis = self.plots[0].plot.getAxis("left")
        font = axis.style["tickFont"] or self.font()
        chart = MIN_DATA_W + QFontMetricsF(font).horizontalAdvance("−0.05") + 16
        return self.graphics.width() >= max(3 * chart, self._three_width)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.stepper is not None and self.stepper.current.kind == "softmax" and \
                (self.plots[2].name != "") != self.three_charts_fit():
            self._show()  # two charts or three

    def charts_min_height(self) -> int:
        """The charts' height for a data area of ``MIN_DATA_H`` px under a two-line title and
        over a tick axis, in the theme's fonts: below it the window gives the diagram less
        (at 940×700 the softmax charts were 12 px high under the table)."""
        sp = self.plots[0]
        title = max(TITLE_ROW, sp.plot.titleLabel.itemRect().height())
        axis = sp.plot.getAxis("bottom")
        font = axis.style["tickFont"] or self.font()
        ticks = QFontMetricsF(font).height() + axis.style["tickTextOffset"][1] + 8
        return round(title + ticks + MIN_DATA_H + 16)  # + the layouts' margins and spacing

    def _fit_softmax_table(self) -> None:
        """The table as high as its header, four rows and its scroll bar, columns as wide as
        their numbers."""
        t = self.softmax_table
        t.resizeColumnsToContents()
        t.resizeRowsToContents()
        rows = sum(t.rowHeight(r) for r in range(t.rowCount()))
        height = (t.horizontalHeader().sizeHint().height() + rows
                  + t.horizontalScrollBar().sizeHint().height() + 2 * t.frameWidth())
        t.setFixedHeight(height)

    def export_item(self):
        return self.graphics.ci

    # -- drawing ----------------------------------------------------------------------------

    def _run_tick(self) -> None:
        self.forward()

    def _update_run_text(self) -> None:
        self.run_button.setText("⏸ Pause" if self._run_timer.isActive() else "▶▶ Run")

    def _on_target(self, _index: int) -> None:
        if self._model is not None:
            self._model.set_target(self.target())
        self.target_changed.emit(self.target())

    def _on_temperature(self, tick: int) -> None:
        self.t_label.setText(f"T = {temperature_of(tick):.2f}")
        if self.stepper is not None and self.stepper.current.kind == "softmax":
            self._show()

    def _show(self) -> None:
        st = self.stepper
        has = st is not None
        for b in (self.reset_button, self.back_button, self.step_button, self.run_button):
            b.setEnabled(has)
        self._show_step_help(st.current if has else None)
        if not has:
            self.position_label.setText("Draw a digit or pick a test image to step through.")
            self.title_label.setText("")
            self.equation.setText("")
            for sp in self.plots:
                sp.clear()
            self._place_charts()
            self.softmax_table.hide()
            return
        step = st.current
        self.back_button.setEnabled(st.position > 0)
        self.step_button.setEnabled(not st.at_end)
        phase = "forward" if st.position < st.n_forward else "backward"
        self.position_label.setText(f"Step {st.position + 1} of {len(st.steps)} · {phase}")
        self.title_label.setText(f"<b style='color:{self._theme.foreground}'>"
                                 f"{html.escape(step.title)}</b>")
        self.equation.setText(self.equations_html(step))
        three = self.three_charts_fit()
        self._draw_charts(step, three)
        if step.kind == "softmax" and three and self._charts_width() > self.graphics.width():
            self._three_width = self._charts_width()  # their titles are wider than guessed
            self._draw_charts(step, False)
        self._fill_softmax_table(step)
        # With its plots hidden (clear()) the layout shrank to its size hint and stayed so
        # until the next resize (the input chart was a bare title): give it the view again.
        self.graphics.ci.setGeometry(self.graphics.range)

    def _draw_charts(self, step: Step, three: bool) -> None:
        charts = charts_for(step, self.temperature, three)
        target = int(self.stepper.trace.y[0])
        labels = self.class_names if step.kind in ("softmax", "loss") else None
        for sp, chart in zip(self.plots, charts + [None] * 3):
            if chart is None:
                sp.clear()
            else:
                name, values = chart
                sp.show(name, values, self.image_shape, labels,
                        target if step.kind in ("loss", "softmax") else None)
        self._place_charts()

    def _charts_width(self) -> float:
        """The width the charts shown need side by side (their minimum widths)."""
        grid = self.graphics.ci.layout
        left, _, right, _ = grid.getContentsMargins()
        widths = [sp.plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
                  for sp in self._placed]
        return sum(widths) + left + right + grid.horizontalSpacing() * (len(widths) - 1)

    def _place_charts(self) -> None:
        """The charts shown in the layout's columns, sharing its width equally (x and ∂L/∂x
        are drawn the same size); a hidden one out of it (a hidden PlotItem kept its minimum
        width, an empty column beside the two softmax charts)."""
        grid = self.graphics.ci.layout
        for i, sp in enumerate(self.plots):
            shown = sp.values is not None
            if shown and sp not in self._placed:
                grid.addItem(sp.plot, 0, i)
                self._placed.add(sp)
            elif not shown and sp in self._placed:
                grid.removeItem(sp.plot)
                self._placed.discard(sp)
            grid.setColumnStretchFactor(i, int(shown))
        # Charts of one kind (x and ∂L/∂x) get one preferred width (their own differ with
        # their titles), so that the stretch alone shares out the rest; others their own.
        same = len({sp.kind for sp in self._placed}) == 1
        for sp in self._placed:
            sp.plot.setPreferredWidth(-1)  # unset: their own
        widest = max((sp.plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
                      for sp in self._placed), default=0.0)
        for sp in self._placed:
            sp.plot.setPreferredWidth(widest if same else -1)

    def equations_html(self, step: Step) -> str:
        """The step's equations as mathematics, one per line, the shapes in the muted colour."""
        t = self._theme
        lines = "".join(f"<div style='margin-top: 3px'>"
                        f"{equation_html(as_lessons_write(e), muted=t.muted)}</div>"
                        for e in step.equations)
        return f"<div style='color: {t.foreground}'>{lines}</div>"

    def _show_step_help(self, step: Step | None) -> None:
        """Show the "?" of this kind of step beside its title (none without a stepper)."""
        kind = None if step is None else step_help_kind(step)
        for name, button in self.step_help.items():
            button.setVisible(name == kind)

    def _fill_softmax_table(self, step: Step) -> None:
        if step.kind != "softmax":
            self.softmax_table.hide()
            return
        z = next(v for k, v in step.arrays.items() if k.startswith("z"))
        s = softmax_steps(z, self.temperature)
        t = self.softmax_table
        t.setColumnCount(len(z))
        t.setHorizontalHeaderLabels(self.class_names[:len(z)])
        for row, values in enumerate((s.scaled, s.shifted, s.exp, s.p)):
            for k, v in enumerate(values):
                t.setItem(row, k, QTableWidgetItem(f"{v:.4g}"))
        self._fit_softmax_table()
        t.show()

    def _on_mouse(self, scene_pos) -> None:
        for sp in self.plots:
            sp.hover_scene(scene_pos)
