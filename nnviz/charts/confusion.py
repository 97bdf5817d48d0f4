"""The confusion matrix (counts or row-normalised, numbers in the cells) and per-class accuracy.

The diagonal (right answers) dwarfs everything else — 980 against a handful — so it is
drawn apart, tinted in the theme's "good" colour, and the colour scale of the other cells
runs from 0 to the largest mistake: the errors, which are what a person looks for, stay
visible. Empty cells are left blank.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsRectItem

from nnviz.analysis.evaluation import Evaluation
from nnviz.charts.parts import TITLE_SIZE, Caption, hover_text_item, place_hover, style_hover
from nnviz.charts.theme import LIGHT, Theme

BAR_HEIGHT = 0.7
TEXT_PT = 8  # the cells' and bars' numbers in the normal theme (Theme.points scales it)
CAPTION = ("Rows: the true class; columns: what the network said. The diagonal (green) holds "
           "the right answers; the other cells are the mistakes, brighter for more. Click a "
           "cell to see its images. Right: the accuracy of each class (the share of its row "
           "on the diagonal); the dashed line is the overall accuracy.")


def cell_text(ev: Evaluation, true: int, pred: int, normalised: bool) -> str:
    """What cell (true, pred) prints: a count, or a percentage of its row."""
    if normalised:
        share = ev.confusion_normalised[true, pred]
        return "" if not np.isfinite(share) else f"{100 * share:.1f}" if share else "0"
    return str(int(ev.confusion[true, pred]))


class ConfusionPanel:
    """Confusion matrix heat map and per-class accuracy bars, rows aligned.

    Attributes
    ----------
    plot : PlotItem
        The matrix: cell (true i, predicted j) is the square [j, j+1] × [i, i+1], row 0 on top.
    image : ImageItem
        Off-diagonal values (counts or shares), NaN on the diagonal and in empty cells.
    diagonal : ImageItem
        RGBA (K, K, 4): the diagonal's tint.
    texts : list of list of TextItem
        ``texts[i][j]`` prints cell (i, j) (see :func:`cell_text`).
    bars_plot : PlotItem
    bars : BarGraphItem
        ``opts["width"]`` holds the per-class accuracies (0 for absent classes).
    selected : (int, int) or None
        The cell outlined.
    caption : Caption
    """

    def __init__(self):
        self.plot = pg.PlotItem()
        self.plot.setTitle("Confusion matrix", size=TITLE_SIZE)
        vb = self.plot.getViewBox()
        vb.invertY(True)
        vb.setAspectLocked(True)
        for plot in (self.plot,):
            plot.setMouseEnabled(False, False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        self.image = pg.ImageItem()
        self.diagonal = pg.ImageItem()
        self.plot.addItem(self.image)
        self.plot.addItem(self.diagonal)
        self.outline = QGraphicsRectItem()
        self.outline.setZValue(5)
        self.outline.hide()
        self.plot.addItem(self.outline, ignoreBounds=True)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self._build_bars()
        self.caption = Caption(CAPTION)
        self.texts: list[list[pg.TextItem]] = []
        self._theme: Theme = LIGHT
        self._font = QFont()
        self._font.setPointSizeF(self._theme.points(TEXT_PT))
        self.ev: Evaluation | None = None
        self.names: tuple[str, ...] = ()
        self.normalised = False
        self.selected: tuple[int, int] | None = None

    def _build_bars(self) -> None:
        self.bars_plot = pg.PlotItem()
        self.bars_plot.setTitle("Accuracy per class", size=TITLE_SIZE)
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.hideButtons()
        self.bars_plot.getViewBox().invertY(True)
        self.bars_plot.setYLink(self.plot)  # rows line up with the matrix's
        self.bars_plot.hideAxis("left")
        self.bars_plot.setXRange(-0.04, 1.14, padding=0)  # room for the "100 %" tick label
        self.bars_plot.getAxis("bottom").setTicks([[(0, "0"), (0.5, "50 %"), (1, "100 %")], []])
        # pyqtgraph drops a label that reaches past the axis end: "100 %" was never drawn.
        self.bars_plot.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        self.bars_plot.setLabel("bottom", "right answers")
        self.bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[])
        self.bars_plot.addItem(self.bars)
        self.overall = pg.InfiniteLine(angle=90, movable=False)
        self.bars_plot.addItem(self.overall, ignoreBounds=True)
        self.bar_labels: list[pg.TextItem] = []
        self.bars_hover = hover_text_item()
        self.bars_plot.addItem(self.bars_hover, ignoreBounds=True)

    # -- public ------------------------------------------------------------------------------

    def set_classes(self, names) -> None:
        """K class names: (re)creates the K² cell texts and K bar labels."""
        names = tuple(names)
        if names == self.names:
            return
        for row in self.texts:
            for text in row:
                self.plot.removeItem(text)
        for label in self.bar_labels:
            self.bars_plot.removeItem(label)
        self.names, k = names, len(names)
        self.texts = [[self._text((0.5, 0.5)) for _ in range(k)] for _ in range(k)]
        for i, row in enumerate(self.texts):
            for j, text in enumerate(row):
                self.plot.addItem(text, ignoreBounds=True)
                text.setPos(j + 0.5, i + 0.5)
        self.bar_labels = [self._text((1, 0.5)) for _ in range(k)]
        for label in self.bar_labels:
            self.bars_plot.addItem(label, ignoreBounds=True)
        long = max((len(n) for n in names), default=0) > 2
        self.plot.getAxis("left").setTicks([[(i + 0.5, n) for i, n in enumerate(names)], []])
        self.plot.getAxis("bottom").setTicks(
            [[(j + 0.5, str(j) if long else n) for j, n in enumerate(names)], []])
        self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0)
        self.clear()

    def clear(self) -> None:
        """Show nothing (no evaluation)."""
        self.ev = None
        self.image.clear()
        self.diagonal.clear()
        for text in [t for row in self.texts for t in row] + self.bar_labels:
            text.setText("")
        self.bars.setOpts(x0=[], y=[], width=[])
        self.select(None)

    def _text(self, anchor) -> pg.TextItem:
        text = pg.TextItem(anchor=anchor)
        text.setFont(self._font)
        return text

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.image.setColorMap(theme.sequential())
        self._font.setPointSizeF(theme.points(TEXT_PT))
        for text in [t for row in self.texts for t in row] + self.bar_labels:
            text.setFont(self._font)
        style_hover(self.hover, theme)
        style_hover(self.bars_hover, theme)
        self.outline.setPen(pg.mkPen(theme.accent, width=2.5))
        self.overall.setPen(pg.mkPen(theme.foreground, width=1,
                                     style=pg.QtCore.Qt.PenStyle.DashLine))
        if self.ev is not None:
            self.show(self.ev, self.normalised)

    def show(self, ev: Evaluation, normalised: bool = False) -> None:
        """Draw ``ev``'s matrix (counts, or shares of each row) and per-class accuracy."""
        self.ev, self.normalised = ev, normalised
        k = ev.n_classes
        values = (ev.confusion_normalised if normalised else ev.confusion).astype(np.float64)
        off = values.copy()
        np.fill_diagonal(off, np.nan)
        off[~(ev.confusion > 0)] = np.nan  # empty cells: blank
        top = float(np.nanmax(off)) if np.isfinite(off).any() else 1.0
        self.image.setImage(off.astype(np.float32), autoLevels=False, levels=(0, top))
        tint = np.zeros((k, k, 4), dtype=np.uint8)
        good = pg.mkColor(self._theme.good)
        tint[np.arange(k), np.arange(k)] = (*good.getRgb()[:3], 90)
        self.diagonal.setImage(tint, autoLevels=False, levels=(0, 255))
        self._draw_texts(ev, off, top, normalised)
        self._draw_bars(ev)
        self.plot.setTitle("Confusion matrix, " + ("% of each true class" if normalised
                                                   else "number of test images"), size=TITLE_SIZE)

    def _draw_texts(self, ev: Evaluation, off: np.ndarray, top: float, normalised: bool) -> None:
        theme = self._theme
        lut = theme.sequential().getLookupTable(0.0, 1.0, 256, alpha=False)
        for i, row in enumerate(self.texts):
            for j, text in enumerate(row):
                text.setText(cell_text(ev, i, j, normalised))
                if i == j or not np.isfinite(off[i, j]):
                    colour = theme.foreground if ev.confusion[i, j] else theme.muted
                else:  # dark text on bright cells, light on dark ones
                    r, g, b = lut[round(255 * min(off[i, j] / top, 1.0))]
                    colour = "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
                text.setColor(colour)

    def _draw_bars(self, ev: Evaluation) -> None:
        theme, acc = self._theme, ev.per_class_accuracy
        width = np.nan_to_num(acc, nan=0.0)
        worst = int(np.nanargmin(acc)) if np.isfinite(acc).any() else -1
        brushes = [pg.mkBrush(theme.bad if k == worst else theme.accent) for k in range(len(acc))]
        self.bars.setOpts(x0=np.zeros(len(acc)), y=np.arange(len(acc)) + 0.5, width=width,
                          brushes=brushes, pen=pg.mkPen(None))
        self.overall.setPos(ev.accuracy)
        for k, label in enumerate(self.bar_labels):
            if np.isfinite(acc[k]):
                inside = acc[k] > 0.45
                label.setText(f"{100 * acc[k]:.1f} %")
                label.setAnchor((1, 0.5) if inside else (0, 0.5))
                label.setColor(theme.background if inside else theme.foreground)
                label.setPos(acc[k] - 0.02 if inside else acc[k] + 0.02, k + 0.5)
            else:
                label.setText("none")
                label.setAnchor((0, 0.5))
                label.setColor(theme.muted)
                label.setPos(0.02, k + 0.5)

    def select(self, cell: tuple[int, int] | None) -> None:
        """Outline ``cell`` (true, predicted), or nothing."""
        self.selected = cell
        if cell is None:
            self.outline.hide()
            return
        i, j = cell
        self.outline.setRect(j, i, 1, 1)
        self.outline.show()

    # -- mouse -------------------------------------------------------------------------------

    def cell_at(self, point) -> tuple[int, int] | None:
        """The (true, predicted) cell under a point in the matrix's view coordinates."""
        i, j = int(np.floor(point.y())), int(np.floor(point.x()))
        k = len(self.names)
        return (i, j) if 0 <= i < k and 0 <= j < k else None

    def hover_at(self, point) -> None:
        cell = self.cell_at(point)
        if self.ev is None or cell is None:
            return
        i, j = cell
        ev, names = self.ev, self.names
        n_row = int(ev.confusion[i].sum())
        share = ev.confusion_normalised[i, j]
        what = "right" if i == j else f"said {names[j]}"
        text = (f"true {names[i]}, {what}: {int(ev.confusion[i, j])} images"
                + (f"\n= {100 * share:.2f} % of the {n_row} images of {names[i]}"
                   if np.isfinite(share) else "") + "\nclick to see them")
        place_hover(self.hover, text, point, self.plot.vb)

    def bars_hover_at(self, point) -> None:
        if self.ev is None:
            return
        k = int(np.floor(point.y()))
        if 0 <= k < len(self.names):
            row = self.ev.confusion[k]
            acc = self.ev.per_class_accuracy[k]
            text = (f"class {self.names[k]}: {int(row[k])} of {int(row.sum())} right"
                    + (f" ({100 * acc:.2f} %)" if np.isfinite(acc) else ""))
            place_hover(self.bars_hover, text, point, self.bars_plot.vb)
