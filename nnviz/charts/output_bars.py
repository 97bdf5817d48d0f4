"""The output layer as one horizontal bar per class: softmax probabilities of the probe."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

from nnviz.charts.parts import TITLE_SIZE, Caption, hover_text_item, place_hover, style_hover
from nnviz.charts.theme import LIGHT, Theme

BAR_HEIGHT = 0.72
X_MIN = -0.02  # a bar of p = 0 still shows its outline right of the axis
WIDEST = "100.0 % ◀"  # the widest value label
LABEL_PT = 8  # the value labels' size in the normal theme (Theme.points scales it)
LABEL_PAD = 4  # px a TextItem draws its text right of its position (its document margin)
MAX_LABEL_SHARE = 0.6  # of the plot's width at most for the labels: the bars keep the rest
CAPTION = ("Softmax output: the network's probability for each class (the bars sum to 1). "
           "Filled: the prediction, green if right, red if wrong. Outlined, ◀: the true class.")


class OutputBars:
    """Bars of ``p = softmax(z)`` (K,), class names on the left axis, class 0 on top.

    Attributes
    ----------
    plot : PlotItem
    bars : BarGraphItem
        ``opts["width"]`` holds the probabilities drawn.
    labels : list of TextItem
        Each bar's probability in percent; the true class's ends with "◀".
    caption : Caption
    """

    def __init__(self):
        self.plot = pg.PlotItem()
        self.plot.setTitle("Output probabilities", size=TITLE_SIZE)
        self.plot.getViewBox().invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setXRange(X_MIN, 1.5, padding=0)  # until its width is known
        self.plot.getAxis("bottom").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], []])
        self.plot.getAxis("left").setStyle(tickLength=0)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[])
        self.plot.addItem(self.bars)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.caption = Caption(CAPTION)
        self.labels: list[pg.TextItem] = []
        self._theme = LIGHT
        self._font = QFont()
        self._font.setPointSizeF(self._theme.points(LABEL_PT))
        self.p = self.z = None
        self.true = -1
        self.plot.vb.sigResized.connect(self._fit_labels)

    def label_width(self) -> float:
        """Pixels the widest value label ("100.0 % ◀") takes right of a full bar: its text
        in the labels' font and the gap before it."""
        return LABEL_PAD + QFontMetricsF(self._font).horizontalAdvance(WIDEST) + 2

    def _fit_labels(self, *_) -> None:
        """The x range: the bars from ``X_MIN`` to 1, then exactly the widest label's width in
        pixels (a fixed text width, as large as the font, whatever the plot's width), so the
        bars get the rest of the plot; at most ``MAX_LABEL_SHARE`` of it in a narrow plot."""
        width = self.plot.vb.width()
        if width <= 0:
            return
        share = min(self.label_width() / width, MAX_LABEL_SHARE)
        x_max = X_MIN + (1 - X_MIN) / (1 - share)  # 1 − X_MIN is the bars' (1 − share)
        if self.plot.vb.viewRange()[0][1] != x_max:
            self.plot.setXRange(X_MIN, x_max, padding=0)

    def set_classes(self, names) -> None:
        """Label the bars with ``names`` (K); creates the K value labels."""
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        for _ in names:
            label = pg.TextItem(anchor=(0, 0.5), color=self._theme.foreground)
            label.setFont(self._font)
            self.plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        self.names = tuple(names)
        self.plot.getAxis("left").setTicks([list(enumerate(names)), []])
        self.plot.setYRange(-0.6, len(names) - 0.4, padding=0)
        self.p = None
        self.bars.setOpts(x0=[], y=[], width=[])

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        style_hover(self.hover, theme)
        self._font.setPointSizeF(theme.points(LABEL_PT))
        for label in self.labels:
            label.setColor(theme.foreground)
            label.setFont(self._font)
        self._fit_labels()
        if self.p is not None:
            self.show(self.p, self.z, self.true)

    def show(self, p: np.ndarray, z: np.ndarray, true: int) -> None:
        """Draw probabilities ``p`` (K,) with logits ``z`` (K,); ``true`` is the label, or
        -1 when unknown (a drawing): then the answer is in the accent colour."""
        self.p, self.z, self.true = p, z, true
        theme, k = self._theme, int(p.argmax())
        other = pg.mkColor(theme.muted)
        other.setAlpha(150)
        brushes = [other] * len(p)
        brushes[k] = pg.mkColor(theme.accent if true < 0
                                else theme.good if k == true else theme.bad)
        pens = [pg.mkPen(None)] * len(p)
        if true >= 0:
            pens[true] = pg.mkPen(theme.foreground, width=1.5)
        self.bars.setOpts(x0=np.zeros(len(p)), y=np.arange(len(p)), width=p,
                          brushes=brushes, pens=pens)
        for i, (label, value) in enumerate(zip(self.labels, p, strict=True)):
            text = f"{100 * value:.1f} %" + (" ◀" if i == true else "")
            if label.toPlainText() != text:
                label.setText(text)
            label.setPos(float(value), i)

    def hover_at(self, point) -> None:
        """Show the class, p and z of the bar under ``point`` (view coordinates)."""
        if self.p is None:
            return
        k = round(point.y())
        if 0 <= k < len(self.p) and abs(point.y() - k) <= BAR_HEIGHT / 2:
            place_hover(self.hover, f"class {self.names[k]}\np = {self.p[k]:.4f}\n"
                                    f"z = {self.z[k]:.4g}", point, self.plot.vb)
