"""Training curves: loss, accuracy, learning rate, gradient strength and inactive units.

Every plot shares one x axis, the step (batches done); thin lines at the top mark the ends
of epochs. Per-batch series come from ``snap.curves`` (bounded by ``CurveBuffer``), per-epoch
markers from ``snap.history``. Items are made once; a snapshot only calls ``setData``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionComboBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.charts.parts import Key
from nnviz.charts.theme import LIGHT, Theme, style_legend, style_plot
from nnviz.engine.snapshot import TrainingSnapshot
from nnviz.gui.timing import LIVE_HZ
from nnviz.gui.views.controls.text import LOSSES
from nnviz.gui.views.curves.tools import CurveHover, ema, epoch_ticks, layer_label, round_up
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import ChartHelp, chart_help, help_button, topic

# The "?" of the control row and of each plot (by the plot's attribute name).
CONTROLS_HELP = topic(
    "curves.controls", "Smoothing and scale",
    "Each batch holds other images, so the per-batch curves are noisy; smoothing draws an "
    "exponential moving average through them, as TensorBoard does (0: the raw values, 0.99: a "
    "slow trend). Log-scale loss spreads out the small losses of late training, which a linear "
    "axis squeezes into a flat line.",
    "Smoothing of the per-batch curves, and a log scale for the loss")
HELP = {
    "loss_plot": topic(
        "curves.loss", "Loss",
        "How wrong the network's probabilities are: faint per batch, bold smoothed, and once "
        "per epoch on the training ●, validation ■ and test ▼ sets. Lower is better; a "
        "validation or test loss that turns up while the training loss keeps falling means the "
        "network is overfitting. Thin vertical lines mark the ends of epochs, and hovering "
        "gives exact values.",
        "Loss per batch, smoothed, and per epoch on training, validation and test · lower is "
        "better"),
    "acc_plot": topic(
        "curves.accuracy", "Accuracy",
        "The share of images the network classifies right, in the loss plot's colours: the "
        "smoothed per-batch accuracy and per-epoch markers for training, validation and test. "
        "The gap between training and test accuracy is what the network learned about its "
        "training images only.",
        "Share of right answers per batch (smoothed) and per epoch, in the loss plot's colours"),
    "lr_plot": topic(
        "curves.lr", "Learning rate",
        "The size of the step the optimiser takes along the gradient, batch after batch. It "
        "stays flat with a constant schedule, drops in stairs with step decay and glides down "
        "with cosine decay; smaller steps late in training often settle at a lower loss.",
        "The learning rate of each batch, as the schedule sets it"),
    "grad_plot": topic(
        "curves.gradients", "Gradient strength",
        "The root mean square of each layer's gradient dW on a log scale: how hard the last "
        "batch pushed that layer's weights. It usually falls with the loss; a layer whose curve "
        "sinks towards 10⁻⁶ has stopped learning (vanishing gradients), and a sudden jump warns "
        "of instability.",
        "RMS of each layer's gradient dW, log scale · near 10⁻⁶ a layer has stopped learning"),
    "inactive_plot": topic(
        "curves.inactive", "Inactive hidden units",
        "The share of each hidden layer's units with f′(z) = 0 on every probe image: dead "
        "ReLUs, which pass no gradient back and so can no longer learn. A few per cent is "
        "common; a share that keeps growing often means the learning rate is too large.",
        "Hidden units that pass no gradient on any probe image (dead ReLUs), per layer"),
}

LOSS_NAMES = dict(LOSSES)


def loss_title(config) -> str:
    """The loss plot's title for a run with ``config``: which loss, and that it leaves out
    the L2 penalty (training reports and evaluation both give the data loss only)."""
    name = LOSS_NAMES.get(getattr(config, "loss", ""), "loss")
    l2 = float(getattr(config, "l2", 0.0) or 0.0)
    if not l2:
        return f"Loss: {name}"
    return f"Loss: {name}, without the L2 penalty λ/2·Σ‖W‖² (λ = {l2:g})"


# The charts below the loss, in the order they fill the room; the chart chooser's words.
SECONDARY = ("acc_plot", "lr_plot", "grad_plot", "inactive_plot")
CHART_WORDS = {"loss_plot": "Loss", "acc_plot": "Accuracy", "lr_plot": "Learning rate",
               "grad_plot": "Gradient strength", "inactive_plot": "Inactive units"}


def arrange(width: float, height: float, line: float) -> tuple[int, int]:
    """Rows and columns of charts that fit below the loss in a ``width × height`` view.

    Each chart needs about five text lines (title, top and bottom axes, key) around its data,
    which should be at least 80 px high, and the loss's at least 120 px; a column of charts
    needs ~200 px of data beside its axis and key. ``(0, 0)``: only one chart fits, and the
    chooser picks which.

    Parameters
    ----------
    width, height : float
        The graphics view's size in pixels.
    line : float
        The height of a line of text (grows in presenter mode).

    Returns
    -------
    rows, cols : int
        At most 2 × 2 (the four charts besides the loss).
    """
    chart_h, loss_h = 80 + 5 * line, 120 + 5 * line
    rows = min(2, int((height - loss_h) // chart_h))
    if rows < 1:
        return 0, 0
    return rows, max(1, min(2, int(width // (200 + 6 * line))))


KEY_BESIDE_WIDTH = 600  # px of view from which keys go beside their charts, not below


def chart_groups(rows: int, cols: int) -> list[tuple[str, ...]]:
    """The choices of the chart chooser for an :func:`arrange` result: each one chart alone
    when only one fits, else the loss with the next ``rows × cols`` of :data:`SECONDARY`."""
    n = rows * cols
    if n == 0:
        return [(name,) for name in CHART_WORDS]
    return [("loss_plot", *SECONDARY[i:i + n]) for i in range(0, len(SECONDARY), n)]


SPLITS = (("train", "train (epoch)", "o"), ("val", "validation", "s"), ("test", "test", "t"))
SLIDER_MAX = 999  # smoothing weight = slider / 1000, so 0 … 0.999 as in TensorBoard
UNLABELLED = object()  # LogAxis' "spacing" of its level of ticks drawn without a label


def log_rank(v: float) -> tuple[int, float]:
    """The order in which :class:`LogAxis` labels a tick at ``10 ** v``: the decades, then
    2× and 5× of them, then the other multiples; lower values first within each."""
    m = round(10 ** (v % 1.0))  # the multiple of its decade, 1 … 9 (10: a decade just below)
    return (0 if m in (1, 10) else 1 if m in (2, 5) else 2), v


class LogAxis(pg.AxisItem):
    """An axis whose labels never overlap on a log scale (on a linear one it is pyqtgraph's).

    Across fewer than three decades pyqtgraph labels every 1…9 × 10ᵏ, in one level that it
    always draws whole: at the top of a decade ticks lie a tenth of a decade apart (0.04 and
    0.05), less than a line of text on a short chart, so the labels piled up (the more in
    presenter mode's larger tick font). Here a tick is labelled only when it is a text line
    from every label kept before it (in :func:`log_rank` order); the others stay as ticks.
    """

    def tickValues(self, minVal: float, maxVal: float, size: float):
        levels = super().tickValues(minVal, maxVal, size)
        if not self.logMode or size <= 0 or maxVal == minVal:
            return levels
        values = [v for _, level in levels for v in level]
        line = QFontMetricsF(self.style["tickFont"] or QFont()).height()  # as it is drawn
        gap = line * abs(maxVal - minVal) / size  # one text line, in decades
        labelled: list[float] = []
        for v in sorted(values, key=log_rank):
            if all(abs(v - w) >= gap for w in labelled):
                labelled.append(v)
        rest = [v for v in values if v not in labelled]
        return [(None, sorted(labelled)), (UNLABELLED, rest)]

    def tickStrings(self, values, scale, spacing):
        if spacing is UNLABELLED:
            return [""] * len(values)
        return super().tickStrings(values, scale, spacing)


class CurvesView(QWidget):
    """Live training curves of one run.

    Parameters
    ----------
    smoothing : float
        Initial smoothing weight in [0, 0.999].
    theme : Theme

    Signals
    -------
    smoothing_changed(float)
        The user (or :meth:`set_smoothing`) changed the smoothing weight.
    """

    smoothing_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None, *, smoothing: float = 0.6,
                 theme: Theme = LIGHT):
        super().__init__(parent)
        self._theme = theme
        # The newest snapshot, drawn while visible at most LIVE_HZ times a second.
        self.drawing = DrawSlot(self, self._draw, LIVE_HZ, "curves")
        self._run_id: int | None = None
        self._n_epochs = -1
        self._smoothing = 0.0
        self._lr_top: float | None = None
        self._config = None
        self._follow_x, self._x_max, self._setting_x = True, None, False
        self.graphics = pg.GraphicsLayoutWidget()
        self.hovers: dict[pg.PlotItem, CurveHover] = {}  # one hover read-out per plot
        self._syncing_x = True  # no syncing until every plot exists
        self._build_plots()
        self._syncing_x = False
        for plot in self.plots:
            plot.vb.sigRangeChangedManually.connect(self._on_manual_range)
        for name, about in HELP.items():
            chart_help(self.graphics, about, getattr(self, name))
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.graphics, 1)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.set_smoothing(smoothing)
        self.set_theme(theme)  # and places the charts

    # -- construction -----------------------------------------------------------------------

    def _build_controls(self) -> QVBoxLayout:
        """The chart chooser, the smoothing and the log scale: on one row when the view is
        wide enough, else with the smoothing on a second row (nothing is squeezed)."""
        self.chart_box = QComboBox()
        self.chart_box.setToolTip("Which charts are shown when the dock has no room for all five")
        self.chart_box.activated.connect(self._on_chart_chosen)
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=SLIDER_MAX)
        self.slider.setMinimumWidth(100)
        self.slider.setMaximumWidth(220)
        self.slider.setToolTip("Exponential moving average of the per-batch curves, as in "
                               "TensorBoard: 0 shows the raw values, 0.99 a slow trend.")
        self.slider.valueChanged.connect(self._on_slider)
        self.smoothing_label = QLabel()
        self.smoothing_label.setMinimumWidth(40)
        self.smoothing_group = QWidget()  # moved as one between the two rows
        group = QHBoxLayout(self.smoothing_group)
        group.setContentsMargins(0, 0, 0, 0)
        for widget in (QLabel("Smoothing"), self.slider, self.smoothing_label):
            group.addWidget(widget)
        self.log_loss = QCheckBox("Log-scale loss")
        self.log_loss.toggled.connect(self.set_log_loss)
        self.top_row = QHBoxLayout()
        for widget in (self.chart_box, self.smoothing_group, self.log_loss):
            self.top_row.addWidget(widget)
        self.top_row.addStretch(1)
        self.top_row.addWidget(help_button(CONTROLS_HELP))
        self.second_row = QHBoxLayout()
        self.second_row.addStretch(1)
        self.one_row = True
        controls = QVBoxLayout()
        controls.setSpacing(2)
        controls.addLayout(self.top_row)
        controls.addLayout(self.second_row)
        return controls

    def _arrange_controls(self) -> None:
        """One row when everything fits side by side at its size hint, else two."""
        parts = (self.chart_box, self.smoothing_group, self.log_loss)
        needed = sum(w.sizeHint().width() for w in parts if not w.isHidden()) + 60  # "?", gaps
        one_row = self.width() >= needed
        if one_row == self.one_row:
            return
        self.one_row = one_row
        source, target = (self.second_row, self.top_row) if one_row else (self.top_row,
                                                                         self.second_row)
        source.removeWidget(self.smoothing_group)
        target.insertWidget(1 if one_row else 0, self.smoothing_group)

    def _add_plot(self, name: str, title: str, key: bool = False) -> pg.PlotItem:
        """A plot whose x axis follows the loss plot's, with epoch ends as faint top ticks,
        in a cell of its own (with its :class:`Key` on the right when ``key``) that
        :meth:`_place_charts` puts in the layout."""
        cell = pg.GraphicsLayout()
        # LogAxis: the gradient plot (and the loss, on a log scale) keep their labels apart.
        plot = cell.addPlot(row=0, col=0, title=title, axisItems={"left": LogAxis("left")})
        if key:
            plot.legend = Key()
            cell.addItem(plot.legend, row=0, col=1)
        self.cells[name] = cell
        plot.showAxis("top")
        top = plot.getAxis("top")
        top.setStyle(showValues=False)
        top.setGrid(110)  # its ticks (epoch ends) drawn as faint lines across the plot
        plot.getAxis("left").setWidth(52)
        plot.sigXRangeChanged.connect(self._sync_x)
        self.hovers[plot] = CurveHover(plot)
        return plot

    def _sync_x(self, vb: pg.ViewBox, x_range) -> None:
        """Give every plot the same step range. (pyqtgraph's setXLink aligns by screen pixels,
        which shifts the range of plots that sit side by side.)"""
        if self._syncing_x:
            return
        self._syncing_x = True
        try:
            for plot in self.plots:
                if plot.vb is not vb and plot.vb.viewRange()[0] != list(x_range):
                    plot.vb.setXRange(*x_range, padding=0)
        finally:
            self._syncing_x = False

    def _growing(self, plot: pg.PlotItem, name: str | None = None) -> pg.PlotDataItem:
        """A per-batch curve: it may hold thousands of points, so draw only what is seen.

        Peak downsampling keeps each block's min and max, so ~1 block per pixel (factor 1;
        pyqtgraph's default 5 draws ~10 points per pixel) loses no spike and halves the paint
        time of a full 8192-point buffer."""
        item = plot.plot(name=name, autoDownsampleFactor=1.0)
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        return item

    def _markers(self, plot: pg.PlotItem, name: str, symbol: str) -> pg.PlotDataItem:
        return plot.plot(name=name, symbol=symbol, symbolSize=7)

    def _build_plots(self) -> None:
        self.cells: dict[str, pg.GraphicsLayout] = {}  # chart name → its plot and key
        self.loss_plot = self._add_plot("loss_plot", "Loss", key=True)
        self.loss_raw = self._growing(self.loss_plot, "per batch")
        self.loss_smooth = self._growing(self.loss_plot, "smoothed")
        self.loss_epoch = {k: self._markers(self.loss_plot, name, sym) for k, name, sym in SPLITS}

        self.acc_plot = self._add_plot("acc_plot", "Accuracy (%), same colours")
        self.acc_smooth = self._growing(self.acc_plot, "batch (smoothed)")
        self.acc_epoch = {k: self._markers(self.acc_plot, name, sym) for k, name, sym in SPLITS}

        self.lr_plot = self._add_plot("lr_plot", "Learning rate")
        self.lr_curve = self._growing(self.lr_plot)
        # The per-epoch rate of a loaded run's epochs, which have no per-batch points.
        self.lr_epoch = self._markers(self.lr_plot, "per epoch", "o")

        self.grad_plot = self._add_plot("grad_plot", "Gradient strength (RMS of dW)", key=True)
        self.grad_plot.setLogMode(x=False, y=True)
        self.hovers[self.grad_plot].log_y = True
        self.inactive_plot = self._add_plot("inactive_plot", "Inactive hidden units (%)",
                                            key=True)
        self._arranged: tuple | None = None  # (rows, cols, charts) of the layout shown
        self._chosen = "loss_plot"  # the chart the user picked in chart_box
        self.grad_curves: list[pg.PlotDataItem] = []
        self.grad_epoch: list[pg.PlotDataItem] = []  # a loaded run's per-epoch RMS of dW
        self.inactive_curves: list[pg.PlotDataItem] = []
        self._has_val: bool | None = None  # the validation entry is in the legends
        self._track_hover()

    def _track_hover(self) -> None:
        """Which curves each plot's hover read-out looks at, and how it prints them."""
        loss, acc = self.hovers[self.loss_plot], self.hovers[self.acc_plot]
        loss.track("loss (batch)", self.loss_raw, "{:.4f}")
        loss.track("loss (smoothed)", self.loss_smooth, "{:.4f}")
        acc.track("batch accuracy (smoothed)", self.acc_smooth, "{:.2f} %")
        for key, name, _ in SPLITS:
            loss.track(f"{name} loss", self.loss_epoch[key], "{:.4f}")
            acc.track(f"{name} accuracy", self.acc_epoch[key], "{:.2f} %")
        self.hovers[self.lr_plot].track("learning rate", self.lr_curve, "{:.4g}")

    @property
    def plots(self) -> tuple[pg.PlotItem, ...]:
        return (self.loss_plot, self.acc_plot, self.lr_plot, self.grad_plot, self.inactive_plot)

    def _make_layer_curves(self, n_layers: int) -> None:
        """One gradient curve per layer, one inactive-share curve per hidden layer (on reset)."""
        for plot, items in ((self.grad_plot, self.grad_curves), (self.grad_plot, self.grad_epoch),
                            (self.inactive_plot, self.inactive_curves)):
            for item in items:
                self.hovers[plot].forget(item)
                plot.removeItem(item)
            items.clear()
        for i in range(n_layers):
            item = self._growing(self.grad_plot, layer_label(i + 1))
            self.hovers[self.grad_plot].track(f"RMS of dW of {layer_label(i + 1)}", item, "{:.3g}")
            self.grad_curves.append(item)
            marks = self._markers(self.grad_plot, None, "o")
            self.hovers[self.grad_plot].track(f"RMS of dW of {layer_label(i + 1)} (epoch)", marks,
                                              "{:.3g}")
            self.grad_epoch.append(marks)
        for i in range(n_layers - 1):
            item = self._markers(self.inactive_plot, f"layer {i + 1}", "o")
            self.hovers[self.inactive_plot].track(f"inactive in layer {i + 1}", item, "{:.1f} %")
            self.inactive_curves.append(item)
        self._apply_pens()
        self._restyle_keys()

    # -- which charts are shown --------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        # Narrower, the smoothing moves to a second row (_arrange_controls), so the one-row
        # width is not a minimum: kept, it held a 438 px dock 598 px wide.
        hint = super().minimumSizeHint()
        if self.one_row:
            hint.setWidth(hint.width() - self.smoothing_group.minimumSizeHint().width())
        return hint

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_charts()
        self._arrange_controls()

    def shown_charts(self) -> tuple[str, ...]:
        """The names of the plots in the layout now, the loss (when shown) first."""
        return self._arranged[2] if self._arranged else ()

    def choose_chart(self, name: str) -> None:
        """Show chart ``name`` (a key of :data:`CHART_WORDS`): alone when only one fits, else
        with the loss and its neighbours."""
        self._chosen = name
        self._arranged = None
        self._place_charts()

    def _on_chart_chosen(self, index: int) -> None:
        charts = self.chart_box.itemData(index)
        self.choose_chart(charts[0] if len(charts) == 1 else charts[1])

    def _place_charts(self) -> None:
        """Put as many charts as the view has room for in the layout, the loss on top across
        the columns (it is the curve to read), and offer the rest in the chooser."""
        size = self.graphics.size()
        rows, cols = arrange(size.width(), size.height(), QFontMetricsF(self.font()).height())
        groups = chart_groups(rows, cols)
        charts = next((g for g in groups if self._chosen in g), groups[0])
        if self._arranged == (rows, cols, charts):
            return
        self._arranged = (rows, cols, charts)
        self._fill_chooser(groups, charts)
        ci = self.graphics.ci
        for cell in self.cells.values():
            if cell in ci.items:
                ci.removeItem(cell)
            cell.hide()
        grid = ci.layout
        for r in range(grid.rowCount()):
            grid.setRowStretchFactor(r, 0)
        ci.addItem(self.cells[charts[0]], row=0, col=0, colspan=max(cols, 1))
        for i, name in enumerate(charts[1:]):
            ci.addItem(self.cells[name], row=1 + i // cols, col=i % cols)
        grid.setRowStretchFactor(0, 3)  # the loss gets more room than each chart below it
        for r in range(1, rows + 1):
            grid.setRowStretchFactor(r, 2)
        # A key beside its chart when the view is wide, else below it in rows that fit.
        key_width = None if size.width() >= KEY_BESIDE_WIDTH else size.width() - 24
        for name in charts:
            self._put_key(getattr(self, name), key_width)
        last_row = {name for i, name in enumerate(charts[1:]) if i // cols == rows - 1}
        last_row |= {charts[0]} if rows == 0 else set()
        for name in charts:
            self.cells[name].show()
            plot = getattr(self, name)
            plot.getAxis("top").setStyle(showValues=name == charts[0])  # the epoch numbers
            plot.setLabel("bottom", "step (batches)" if name in last_row else None)
        # Changing the layout's items shrank it to their minimum: give it the view again.
        self.graphics.setRange(padding=0, disableAutoPixel=False)
        ChartHelp.of(self.graphics).place()

    def _put_key(self, plot: pg.PlotItem, width: float | None) -> None:
        """Move ``plot``'s key beside it (``width`` None, one entry per line) or below it
        (in as many columns as fit in ``width``)."""
        key = plot.legend
        if not isinstance(key, Key):
            return
        cell = self.cells[next(n for n in CHART_WORDS if getattr(self, n) is plot)]
        where = (0, 1) if width is None else (1, 0)
        if cell.items.get(key) != [where]:
            if key in cell.items:
                cell.removeItem(key)
            cell.addItem(key, *where)
        key.setColumnCount(1) if width is None else key.fit_width(width)

    def _fill_chooser(self, groups: list, charts: tuple) -> None:
        box = self.chart_box
        box.blockSignals(True)
        box.clear()
        for group in groups:
            words = [CHART_WORDS[n] for n in group[1:]] or [CHART_WORDS[group[0]]]
            box.addItem(" · ".join(words), group)
        box.setCurrentIndex(groups.index(charts))
        box.blockSignals(False)
        # As wide as its longest choice now (its own size hints keep the widest it ever held).
        text = max(box.fontMetrics().horizontalAdvance(box.itemText(i)) for i in range(box.count()))
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        size = box.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option,
                                            QSize(text, box.fontMetrics().height()), box)
        box.setFixedWidth(size.width())
        box.setVisible(len(groups) > 1)
        self._arrange_controls()

    # -- the contract -----------------------------------------------------------------------

    def export_item(self) -> pg.GraphicsLayout:
        """The layout holding every plot, for pyqtgraph's exporters."""
        return self.graphics.ci

    def smoothing(self) -> float:
        return self._smoothing

    def set_smoothing(self, weight: float) -> None:
        """Set the smoothing weight, clipped to [0, 0.999] (moves the slider)."""
        value = round(min(max(float(weight), 0.0), SLIDER_MAX / 1000) * 1000)
        if value == self.slider.value():
            self._on_slider(value)
        else:
            self.slider.setValue(value)

    def show_snapshot(self, snap: TrainingSnapshot) -> None:
        """Draw ``snap`` (when visible, and in the window when the frame clock says)."""
        self.drawing.offer(snap)

    # -- drawing ----------------------------------------------------------------------------

    def _draw(self, snap: TrainingSnapshot) -> None:
        if snap.run_id != self._run_id:
            self._reset(snap)
        self._config = snap.config
        title = loss_title(snap.config)
        if title != self.loss_plot.titleLabel.text:  # l2 is live: it may change mid-run
            self.loss_plot.setTitle(title)
        c = snap.curves
        step = c["step"]
        self.loss_raw.setData(step, c["loss"])
        self.lr_curve.setData(step, c["lr"])
        self._fit_lr(c["lr"])
        grad = c["grad_rms"]
        for i, item in enumerate(self.grad_curves):
            item.setData(step, grad[:, i])
        self._follow_steps(step, snap.history)
        self._draw_smoothed(snap)
        if len(snap.history) != self._n_epochs:  # past epochs never change: redo on a new one
            self._draw_epochs(snap.history)

    def _draw_smoothed(self, snap: TrainingSnapshot) -> None:
        c = snap.curves
        self.loss_smooth.setData(c["step"], ema(c["loss"], self._smoothing))
        self.acc_smooth.setData(c["step"], 100 * ema(c["accuracy"], self._smoothing))

    def _draw_epochs(self, history: tuple) -> None:
        """Per-epoch markers, inactive shares and epoch-end ticks (history may be empty)."""
        steps = np.array([r["step"] for r in history], dtype=np.float64)
        self._show_validation(history)
        for key, _, _ in SPLITS:
            for items, metric, scale in ((self.loss_epoch, "loss", 1),
                                         (self.acc_epoch, "accuracy", 100)):
                values = [r.get(f"{key}_{metric}") for r in history]
                known = np.array([v is not None for v in values], dtype=bool)
                y = np.array([v for v in values if v is not None], dtype=np.float64)
                items[key].setData(steps[known], scale * y)  # None (no such split) is left out
        self._draw_inactive(steps, [r.get("inactive") or [] for r in history])
        self._draw_loaded_epochs(history)
        ticks = epoch_ticks(steps, [r["epoch"] for r in history])
        for plot in self.plots:
            plot.getAxis("top").setTicks(ticks)
        self._n_epochs = len(history)

    def _draw_inactive(self, steps: np.ndarray, inactive: list) -> None:
        """``inactive[e][l]``: share of hidden layer l's units inactive after epoch e."""
        top = 0.0
        for i, item in enumerate(self.inactive_curves):
            rows = np.array([(s, 100 * f[i]) for s, f in zip(steps, inactive) if len(f) > i],
                            dtype=np.float64).reshape(-1, 2)
            item.setData(rows[:, 0], rows[:, 1])
            top = max(top, float(rows[:, 1].max(initial=0.0)))
        self.inactive_plot.setYRange(0, max(5.0, 1.15 * top), padding=0)

    def _show_validation(self, history: tuple) -> None:
        """The validation curve and its legend entries only for a run with a validation split
        (its records hold a ``val_loss``, or its configuration a ``val_fraction`` > 0)."""
        has_val = bool(getattr(self._config, "val_fraction", 0.0) or 0.0) or any(
            r.get("val_loss") is not None for r in history)
        if has_val == self._has_val:
            return
        self._has_val = has_val
        name = dict((k, n) for k, n, _ in SPLITS)["val"]
        for plot, item in ((self.loss_plot, self.loss_epoch["val"]),
                           (self.acc_plot, self.acc_epoch["val"])):
            item.setVisible(has_val)
            if plot.legend is None:
                continue
            plot.legend.removeItem(item)
            if has_val:
                plot.legend.addItem(item, name)
        self._restyle_keys()

    def _draw_loaded_epochs(self, history: tuple) -> None:
        """The learning rate and RMS of dW of the epochs before the first per-batch point:
        a loaded model's (or run's) history has them only per epoch."""
        first = self.drawing.newest.curves["step"] if self.drawing.newest is not None else ()
        start = float(first[0]) if len(first) else np.inf
        old = [r for r in history if r["step"] < start]
        steps = np.array([r["step"] for r in old], dtype=np.float64)
        lr = [r.get("lr") for r in old]
        known = np.array([v is not None for v in lr], dtype=bool)
        self.lr_epoch.setData(steps[known], np.array([v for v in lr if v is not None], dtype=float))
        if known.any():
            self._fit_lr(np.array([v for v in lr if v is not None], dtype=float))
        for i, item in enumerate(self.grad_epoch):
            rows = np.array([(s, r["grad_rms"][i]) for s, r in zip(steps, old)
                             if len(r.get("grad_rms") or ()) > i and r["grad_rms"][i] > 0],
                            dtype=np.float64).reshape(-1, 2)
            item.setData(rows[:, 0], rows[:, 1])

    def _follow_steps(self, step: np.ndarray, history: tuple = ()) -> None:
        """Keep the newest batch in view by growing the x range in jumps of ~25 % to a round
        number: the axes then re-layout a few times per run, not on every frame (that
        re-layout was most of this view's paint time). Stops once the user pans or zooms."""
        # A loaded run's history goes on past its (empty) per-batch curves.
        ends = [float(step[-1])] if len(step) else []
        ends += [float(history[-1]["step"])] if history else []
        if not self._follow_x or not ends:
            return
        last = max(ends)
        if self._x_max is None or last > self._x_max:
            self._x_max = round_up(1.25 * max(last, 8.0))
            self._setting_x = True
            self.loss_plot.setXRange(0, self._x_max, padding=0)
            self._setting_x = False

    def _on_manual_range(self, *args) -> None:
        if not self._setting_x:
            self._follow_x = False

    def _fit_lr(self, lr: np.ndarray) -> None:
        """y from 0 to just above the largest rate: a constant rate is a flat line near the
        top, not a line in the middle of a ±0.5 range around it."""
        top = float(lr.max()) if len(lr) else 0.0
        if top > 0 and top != self._lr_top:
            self.lr_plot.setYRange(0, 1.15 * top, padding=0)
        self._lr_top = top

    def _reset(self, snap: TrainingSnapshot) -> None:
        """A new network: drop every curve, make per-layer curves for its depth."""
        self._run_id = snap.run_id
        self._n_epochs = -1
        self._lr_top = None
        self._has_val = None
        self._make_layer_curves(len(snap.layers))
        for plot in self.plots:
            self.hovers[plot].hide()
            plot.enableAutoRange(axis="y")
        self._follow_x, self._x_max = True, None  # the others follow the loss plot (_sync_x)

    # -- interaction ------------------------------------------------------------------------

    def _on_slider(self, value: int) -> None:
        self._smoothing = value / 1000
        self.smoothing_label.setText(f"{self._smoothing:.3f}")
        if self.drawing.drawn is not None:
            self._draw_smoothed(self.drawing.drawn)
        self.smoothing_changed.emit(self._smoothing)

    def set_log_loss(self, on: bool) -> None:
        """Show the loss on a logarithmic scale (late training stays readable)."""
        if self.log_loss.isChecked() != on:
            self.log_loss.setChecked(on)  # comes back here through `toggled`
            return
        self.loss_plot.setLogMode(x=False, y=on)
        self.hovers[self.loss_plot].log_y = on
        self.hovers[self.loss_plot].hide()

    def _on_mouse_moved(self, pos) -> None:
        for hover in self.hovers.values():
            hover.update(pos)

    # -- theme ------------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Restyle background, axes, legends and pens for ``theme``."""
        self._theme = theme
        self.graphics.setBackground(theme.background)
        for plot in self.plots:
            style_plot(plot, theme)
            self.hovers[plot].set_theme(theme)
        self._apply_pens()
        self._restyle_keys()  # their text size changes with the theme's scale

    def _restyle_keys(self) -> None:
        """Theme the keys and lay them out again: their entries or text size changed."""
        for plot in self.plots:
            if plot.legend is not None:
                style_legend(plot.legend, self._theme, boxed=False)
                plot.legend.updateSize()
        for key in (p.legend for p in self.plots):
            if isinstance(key, Key) and key.columnCount > 1:
                key.setColumnCount(1)  # _place_charts fits it to the width again
        self._arranged = None
        self._place_charts()

    def _apply_pens(self) -> None:
        t = self._theme
        self.loss_raw.setPen(pg.mkPen(t.accent + "66", width=t.line_width(1)))
        self.loss_smooth.setPen(pg.mkPen(t.accent, width=t.line_width(2.2)))
        self.acc_smooth.setPen(pg.mkPen(t.accent + "8c", width=t.line_width(1.5)))
        self.lr_curve.setPen(pg.mkPen(t.accent, width=t.line_width(1.8)))
        for i, (key, _, _) in enumerate(SPLITS):
            color = t.series[i + 1]
            for item in (self.loss_epoch[key], self.acc_epoch[key]):
                item.setPen(pg.mkPen(color, width=t.line_width(1.2)))
                item.setSymbolPen(pg.mkPen(t.background, width=1))
                item.setSymbolBrush(pg.mkBrush(color))
        self.lr_epoch.setPen(None)
        self.lr_epoch.setSymbolBrush(pg.mkBrush(t.accent))
        self.lr_epoch.setSymbolPen(pg.mkPen(t.background, width=1))
        for items in (self.grad_curves, self.grad_epoch, self.inactive_curves):
            for i, item in enumerate(items):
                item.setPen(t.pen(i, width=1.6))
                item.setSymbolPen(pg.mkPen(t.background, width=1))
                item.setSymbolBrush(pg.mkBrush(t.series[i % len(t.series)]))
