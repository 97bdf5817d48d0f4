"""Comparing runs: their per-epoch loss and test accuracy overlaid, hyperparameters beside.

One colour per run (the theme's series, in the order the runs are listed); the same colour
heads the run's column in the hyperparameter table, where values that differ between the
runs are bold. Plot items are made once per colour slot and reused as runs come and go.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnviz.charts.parts import TITLE_SIZE
from nnviz.charts.theme import LIGHT, Theme, style_legend, style_plot
from nnviz.gui.views.curves.tools import CurveHover
from nnviz.gui.widgets.help import chart_help, corner_help, topic
from nnviz.runs.record import CompareRow, RunRecord, RunSeries, compare

HELP = {
    "loss_plot": topic(
        "compare.loss", "Loss per epoch",
        "The loss of each ticked run after every epoch, one colour per run: on the test set "
        "(solid, ●) and on the training set (dashed). A test loss that turns up while the "
        "training loss keeps falling means that run is overfitting; hover for exact values.",
        "Per-epoch test (solid) and training (dashed) loss of the ticked runs"),
    "acc_plot": topic(
        "compare.accuracy", "Test accuracy",
        "Each ticked run's accuracy on the test set after every epoch, in its colour from the "
        "loss plot. A run that climbs faster learns faster, but what counts is the level where "
        "it settles; the table beside says what the runs did differently.",
        "Per-epoch test accuracy of the ticked runs"),
}
PARAMS_HELP = topic(
    "compare.params", "Hyperparameters",
    "One column per ticked run, headed in its curves' colour, and one row per setting. Values "
    "that differ between the runs are bold: they are the candidates for what made the curves "
    "differ.",
    "The settings of the ticked runs side by side · bold where they differ")
EMPTY_TEXT = "Tick runs in the table above to compare them here."


@dataclass
class RunCurves:
    """The plot items of one colour slot."""

    test_loss: pg.PlotDataItem
    train_loss: pg.PlotDataItem
    test_accuracy: pg.PlotDataItem


class CompareView(QWidget):
    """Loss and test-accuracy curves of several runs (x = epoch) and their hyperparameter table.

    Attributes
    ----------
    records : list of RunRecord
        The runs shown, in colour order.
    series : list of RunSeries
    rows : list of CompareRow
    curves : list of RunCurves
        Slot ``i`` draws ``records[i]``; slots beyond ``len(records)`` are empty and hidden.
    params : QTableWidget
        One column per run, one row per :class:`CompareRow`.
    """

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT):
        super().__init__(parent)
        self._theme = theme
        self.records: list[RunRecord] = []
        self.series: list[RunSeries] = []
        self.rows: list[CompareRow] = []
        self.curves: list[RunCurves] = []
        self.graphics = pg.GraphicsLayoutWidget()
        ci = self.graphics.ci
        self.loss_plot = ci.addPlot(row=0, col=0)
        self.loss_plot.setTitle("Loss per epoch: test (solid), training (dashed)", size=TITLE_SIZE)
        self.acc_plot = ci.addPlot(row=1, col=0)
        self.acc_plot.setTitle("Test accuracy (%)", size=TITLE_SIZE)
        for plot in self.plots:
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.getAxis("left").setWidth(48)
        self.acc_plot.setLabel("bottom", "epoch")
        self.acc_plot.setXLink(self.loss_plot)
        self.legend = self.loss_plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        for name, about in HELP.items():
            chart_help(self.graphics, about, getattr(self, name))
        self.empty = pg.TextItem(EMPTY_TEXT, anchor=(0.5, 0.5))
        self.empty.setParentItem(self.loss_plot.getViewBox())  # placed in its pixels
        self.loss_plot.getViewBox().sigResized.connect(self._place_empty)
        self.hovers = {plot: CurveHover(plot, x_name="epoch") for plot in self.plots}
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.params = QTableWidget(0, 0)
        self.params.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.params.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.params.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.params.horizontalHeader().setMinimumSectionSize(64)
        self.params.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.params.verticalHeader().setDefaultSectionSize(22)
        self.params.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignRight
                                                         | Qt.AlignmentFlag.AlignVCenter)
        self.params.setWordWrap(False)
        corner_help(self.params, PARAMS_HELP, inset=2)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.graphics)
        self.splitter.addWidget(self.params)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.set_theme(theme)
        self.set_records([])

    @property
    def plots(self) -> tuple[pg.PlotItem, pg.PlotItem]:
        return (self.loss_plot, self.acc_plot)

    def export_item(self) -> pg.GraphicsLayout:
        return self.graphics.ci

    # -- drawing ------------------------------------------------------------------------------

    def set_records(self, records) -> None:
        """Show ``records`` (a list of :class:`RunRecord`), slot ``i`` in series colour ``i``."""
        self.records = list(records)
        self.series, self.rows = compare(self.records)
        while len(self.curves) < len(self.records):
            self._add_slot()
        self.legend.clear()
        for i, slot in enumerate(self.curves):
            s = self.series[i] if i < len(self.series) else None
            self._draw_slot(slot, s)
            if s is not None:
                self.legend.addItem(slot.test_loss, s.name)
        self._restyle_legend()
        self.legend.setVisible(bool(self.records))
        self.empty.setVisible(not self.records)
        for plot, hover in self.hovers.items():
            hover.hide()
            plot.enableAutoRange()
        self._fill_params()

    def _add_slot(self) -> None:
        i = len(self.curves)
        slot = RunCurves(*(plot.plot(connect="finite") for plot in
                           (self.loss_plot, self.loss_plot, self.acc_plot)))
        self.curves.append(slot)
        self._style_slot(i, slot)

    def _draw_slot(self, slot: RunCurves, s: RunSeries | None) -> None:
        items = (slot.test_loss, slot.train_loss, slot.test_accuracy)
        if s is None:
            for item in items:
                item.setData([], [])
                item.hide()
            return
        v = s.values
        slot.test_loss.setData(s.epoch, v["test_loss"])
        slot.train_loss.setData(s.epoch, v["train_loss"])
        slot.test_accuracy.setData(s.epoch, 100 * v["test_accuracy"])
        for item in items:
            item.show()
        for plot, item, kind, fmt in ((self.loss_plot, slot.test_loss, "test loss", "{:.4f}"),
                                      (self.loss_plot, slot.train_loss, "training loss", "{:.4f}"),
                                      (self.acc_plot, slot.test_accuracy, "test accuracy",
                                       "{:.2f} %")):
            self.hovers[plot].forget(item)
            self.hovers[plot].track(f"{s.name}: {kind}", item, fmt)

    def _fill_params(self) -> None:
        t = self.params
        t.clear()
        t.setColumnCount(len(self.records))
        t.setRowCount(len(self.rows) if self.records else 0)
        t.setHorizontalHeaderLabels([r.name for r in self.records])
        t.setVerticalHeaderLabels([row.label for row in self.rows])
        bold = QFont(t.font())
        bold.setBold(True)
        for i, row in enumerate(self.rows):
            for j, value in enumerate(row.values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if row.differs:
                    item.setFont(bold)
                item.setToolTip(f"{row.label} of {self.records[j].name}: {value}")
                t.setItem(i, j, item)
        self._style_params()

    # -- hover --------------------------------------------------------------------------------

    def _on_mouse_moved(self, pos) -> None:
        for hover in self.hovers.values():
            hover.update(pos)

    def _place_empty(self, *args) -> None:
        rect = self.loss_plot.getViewBox().rect()
        self.empty.setPos(rect.center())

    # -- theme --------------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Restyle plots, legend, pens and the table's run colours for ``theme``."""
        self._theme = theme
        self.graphics.setBackground(theme.background)
        for plot in self.plots:
            style_plot(plot, theme)
            self.hovers[plot].set_theme(theme)
        self.empty.setColor(theme.muted)
        for i, slot in enumerate(self.curves):
            self._style_slot(i, slot)
        self._restyle_legend()
        self._style_params()

    def _style_slot(self, i: int, slot: RunCurves) -> None:
        t = self._theme
        color = t.series[i % len(t.series)]
        slot.test_loss.setPen(pg.mkPen(color, width=2))
        slot.train_loss.setPen(pg.mkPen(color, width=1.4, style=Qt.PenStyle.DashLine))
        slot.test_accuracy.setPen(pg.mkPen(color, width=2))
        for item in (slot.test_loss, slot.test_accuracy):
            item.setSymbol("o")
            item.setSymbolSize(6)
            item.setSymbolPen(pg.mkPen(t.background, width=1))
            item.setSymbolBrush(pg.mkBrush(color))

    def _restyle_legend(self) -> None:
        style_legend(self.legend, self._theme)

    def _style_params(self) -> None:
        """Column headers in their run's colour (bold), result rows on a faint band."""
        t = self._theme
        bold = QFont(self.params.font())
        bold.setBold(True)
        for j in range(self.params.columnCount()):
            head = self.params.horizontalHeaderItem(j)
            head.setForeground(QBrush(QColor(t.series[j % len(t.series)])))
            head.setFont(bold)
            head.setToolTip(self.records[j].name)
        band = QColor(t.muted)
        band.setAlpha(40)
        for i, row in enumerate(self.rows):
            for j in range(self.params.columnCount()):
                item = self.params.item(i, j)
                item.setBackground(QBrush(band) if row.result else QBrush())
