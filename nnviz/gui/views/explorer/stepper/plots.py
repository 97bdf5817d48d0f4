"""One chart of the stepper: a named array drawn the way its shape asks for.

A short vector (≤ ``MAX_BARS``) is a bar per unit; a long one a near-square grid of cells
(unit 0 top-left, row by row); a matrix (``dW``) an image of its rows and columns; a vector
of ``H·W`` pixels the image itself. A signed quantity (``z``, ``δ``, ``dW``, ``∂L/∂x``, or any
array with a negative value) uses the diverging colormap symmetric about zero, a non-negative
one the sequential map, the input pixels grey on (0, 1); each image has its colour bar beside
it (built once, moved to the new levels at every step). Hover shows the exact value.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from nnviz.charts.parts import (
    TITLE_SIZE,
    colour_bar,
    grid_shape,
    hover_text_item,
    max_abs_level,
    place_hover,
    style_hover,
)
from nnviz.charts.theme import LIGHT, Theme, style_plot

MAX_BARS = 32
TITLE_ROW = 30  # px: pyqtgraph's fixed title row, made taller when the title needs it
IMAGE_NAMES = {"x", "∂L/∂x", "|∂L/∂x|"}  # vectors of pixels, drawn as the image
RANGE_PT = 8  # the title's "min …, max …" line in the normal theme (Theme.points)
SIGNED_NAMES = ("z", "δ", "dW", "db", "∂")  # quantities whose sign matters: 0 in the middle
GREY = pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)])  # the input as MNIST looks
BAR_TICK = "−0.005"  # a wide tick label of a colour bar: its axis is this wide, and more
BAR_WIDTH = 10  # px: the colour bar itself
MIN_DATA_W, MIN_DATA_H = 124, 84  # px: a chart's data area at least (the layout check: 120, 80)


def kind_of(name: str, values: np.ndarray, image_shape) -> str:
    """``bars``, ``grid``, ``matrix`` or ``image``."""
    if values.ndim == 2:
        return "matrix"
    if name in IMAGE_NAMES and values.size == int(np.prod(image_shape)):
        return "image"
    return "bars" if values.size <= MAX_BARS else "grid"


def colour_scale(name: str, values: np.ndarray, kind: str) -> tuple[str, tuple[float, float]]:
    """The colormap (``diverging``, ``sequential`` or ``grey``) and levels of an image.

    A signed quantity (by its name, or by a negative value) gets ``(−m, m)`` with
    ``m = max |values|``, so that white (the middle) is 0; the input pixels ``(0, 1)`` in grey
    (1 is full ink); anything else ``(0, max)``.
    """
    signed = name.startswith(SIGNED_NAMES) or (bool(values.size) and float(np.min(values)) < 0)
    if signed:
        m = max_abs_level(values)
        return "diverging", (-m, m)
    top = float(np.max(values)) if values.size else 0.0
    if kind == "image" and top <= 1.0:
        return "grey", (0.0, 1.0)
    return "sequential", (0.0, max(top, 1e-9))


class StepPlot:
    """A PlotItem that shows one named array (see the module docstring).

    Attributes
    ----------
    plot : pg.PlotItem
    name : str
        The array's name as shown (``z²``, ``δ³``, …); "" when empty.
    values : ndarray or None
        What is drawn, as given (vectors (n,), matrices (n_out, n_in)).
    kind : str
    bar : pg.ColorBarItem
        The colour scale right of an image (hidden for bars), inside the plot's own layout.
    """

    def __init__(self, theme: Theme = LIGHT):
        self.plot = pg.PlotItem()
        self.plot.hideButtons()
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        vb.setMinimumWidth(MIN_DATA_W)  # the layout gives the chart this room, or overflows
        self.image = pg.ImageItem(axisOrder="row-major")
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=0.8)
        self.highlight = pg.BarGraphItem(x=[0], height=[0], width=0.8)
        for item in (self.image, self.bars, self.highlight):
            self.plot.addItem(item)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        # In the plot's own grid (where ColorBarItem's insert_in puts it), so that it comes
        # and goes with the chart and a hidden one leaves no gap.
        self.bar = colour_bar(self.image, width=BAR_WIDTH)
        self.plot.layout.addItem(self.bar, 2, 5)
        self._bar_placed = True
        # The title over the data and the bar: over the data alone, its width was the data
        # area's minimum and the bar went past the chart's edge (at 940 px).
        self.plot.layout.removeItem(self.plot.titleLabel)
        self.plot.layout.addItem(self.plot.titleLabel, 0, 1, 1, 5)
        self._show_bar(False)
        self._cmap = ""
        self.name, self.values, self.kind = "", None, ""
        self._grid = (1, 1)
        self._image_shape = (28, 28)
        self._labels: list[str] | None = None
        self._marked: int | None = None
        self.theme = theme
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        style_plot(self.plot, theme)
        style_plot(self.bar, theme)
        # As wide as a long tick label in the theme's tick font (it grows when presenting):
        # the same for every bar, so that images beside each other get the same size.
        font = self.bar.axis.style["tickFont"]
        width = QFontMetricsF(font) if font is not None else QFontMetricsF(self.plot.font())
        self.bar.axis.setWidth(round(width.horizontalAdvance(BAR_TICK)) + 12)
        style_hover(self.hover, theme)
        self._cmap = ""  # the theme's colormaps again
        if self.values is not None:
            self.show(self.name, self.values, self._image_shape, self._labels, self._marked)

    def clear(self) -> None:
        self.name, self.values, self.kind = "", None, ""
        self.image.hide()
        self.bars.hide()
        self.highlight.hide()
        self._show_bar(False)
        self.plot.setTitle("")
        self.plot.hide()

    def show(self, name: str, values: np.ndarray, image_shape=(28, 28), labels=None,
             marked: int | None = None) -> None:
        """Draw ``values`` under the title ``name``; ``labels`` name the bars (class names),
        ``marked`` is a bar drawn in the accent colour (the target class)."""
        values = np.asarray(values)
        self.name, self.values, self._image_shape = name, values, tuple(image_shape)
        self._labels, self._marked = labels, marked
        self.kind = kind_of(name, values, image_shape)
        self.plot.show()
        self.hover.hide()
        shape = "×".join(map(str, values.shape if values.ndim == 2 else (values.size,)))
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
        # Two short lines: a long one-line title would set the chart's minimum width. The
        # whole title is drawn theme.font_scale larger (scale_label): the second line's size
        # is divided by it, so that it is drawn at Theme.points(RANGE_PT).
        pt = self.theme.points(RANGE_PT) / self.theme.font_scale
        self.plot.setTitle(f"{name}  ({shape})<br><span style='font-size: {pt:g}pt'>"
                           f"min {lo:.3g}, max {hi:.3g}</span>", size=TITLE_SIZE)
        self._fit_title()
        if self.kind == "bars":
            self._show_bars(values, labels, marked)
        else:
            self._show_image(values)

    def _show_bar(self, shown: bool) -> None:
        """The colour bar in the plot's grid, 4 px right of the data, or out of it (hidden, it
        kept its width there: the bars beside a bar-less chart were squeezed)."""
        if shown != self._bar_placed:
            grid = self.plot.layout
            if shown:
                grid.addItem(self.bar, 2, 5)
            else:
                grid.removeItem(self.bar)
            grid.setColumnFixedWidth(4, 4 if shown else 0)
            self._bar_placed = shown
        self.bar.setVisible(shown)

    def _fit_title(self) -> None:
        """Give the two-line title (larger in presenter mode) the height it needs: setTitle
        fixes the row at 30 px, which the scaled title would overflow onto the chart."""
        label = self.plot.titleLabel
        margins = 2 * label.item.document().documentMargin() * label.item.scale()
        height = max(TITLE_ROW, round(label.itemRect().height() - margins))
        self.plot.titleLabel.setMaximumHeight(height)
        self.plot.layout.setRowFixedHeight(0, height)

    def _show_bars(self, values, labels, marked) -> None:
        self.image.hide()
        self._show_bar(False)
        n = values.size
        x = np.arange(n)
        pos, neg = pg.mkBrush(self.theme.series[0]), pg.mkBrush(self.theme.series[1])
        self.bars.setOpts(x=x, height=values, width=0.8,
                          brushes=[pos if v >= 0 else neg for v in values], pen=pg.mkPen(None))
        self.bars.show()
        if marked is not None and 0 <= marked < n:
            self.highlight.setOpts(x=[marked], height=[values[marked]], width=0.8,
                                   brush=pg.mkBrush(None),
                                   pen=pg.mkPen(self.theme.good, width=self.theme.line_width(2.5)))
            self.highlight.show()
        else:
            self.highlight.hide()
        vb = self.plot.getViewBox()
        vb.invertY(False)
        vb.setAspectLocked(False)
        self.plot.showAxis("left")
        self.plot.showAxis("bottom")
        ticks = [(i, labels[i] if labels else str(i)) for i in range(n)]
        self.plot.getAxis("bottom").setTicks([ticks if n <= 16 else ticks[::max(1, n // 8)]])
        top, bottom = max(float(values.max()), 0.0), min(float(values.min()), 0.0)
        pad = 0.08 * max(top - bottom, 1e-9)
        vb.setRange(xRange=(-0.6, n - 0.4), yRange=(bottom - pad, top + pad), padding=0)

    def _show_image(self, values) -> None:
        self.bars.hide()
        self.highlight.hide()
        if self.kind == "image":
            img = values.reshape(self._image_shape)
        elif self.kind == "grid":
            rows, cols = self._grid = grid_shape(values.size)
            img = np.full(rows * cols, np.nan, np.float32)
            img[:values.size] = values
            img = img.reshape(rows, cols)
        else:
            img = values
        cmap, levels = colour_scale(self.name, values, self.kind)
        self.image.setImage(np.asarray(img, np.float32), autoLevels=False, levels=levels)
        if cmap != self._cmap:  # the bar gives the image its colormap
            self._cmap = cmap
            self.bar.setColorMap({"diverging": self.theme.diverging, "grey": lambda: GREY,
                                  "sequential": self.theme.sequential}[cmap]())
        self.bar.setLevels(levels)
        self._show_bar(True)
        self.image.show()
        vb = self.plot.getViewBox()
        vb.invertY(True)
        square = self.kind in ("image", "grid")
        vb.setAspectLocked(square)
        for axis in ("left", "bottom"):
            self.plot.showAxis(axis, self.kind == "matrix")
        if self.kind == "matrix":
            self.plot.getAxis("bottom").setTicks(None)
        h, w = img.shape
        vb.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def value_at(self, x: float, y: float) -> str | None:
        """Hover text for the view point (x, y), or None outside the data."""
        v = self.values
        if v is None:
            return None
        if self.kind == "bars":
            i = int(round(x))
            if not 0 <= i < v.size:
                return None
            label = self._labels[i] if self._labels else str(i)
            return f"{self.name}[{label}] = {v[i]:.6g}"
        r, c = int(np.floor(y)), int(np.floor(x))
        if self.kind == "matrix":
            if 0 <= r < v.shape[0] and 0 <= c < v.shape[1]:
                return f"{self.name}[{r}, {c}] = {v[r, c]:.6g}"
            return None
        rows, cols = self._image_shape if self.kind == "image" else self._grid
        i = r * cols + c
        if not (0 <= r < rows and 0 <= c < cols and i < v.size):
            return None
        where = f"pixel ({r}, {c})" if self.kind == "image" else f"unit {i}"
        return f"{self.name}: {where} = {v[i]:.6g}"

    def hover_scene(self, scene_pos) -> bool:
        """Show or hide the hover for a scene position; True when it is over this plot."""
        vb = self.plot.getViewBox()
        if not self.plot.isVisible() or not vb.sceneBoundingRect().contains(scene_pos):
            self.hover.hide()
            return False
        p = vb.mapSceneToView(scene_pos)
        text = self.value_at(p.x(), p.y())
        if text is None:
            self.hover.hide()
        else:
            place_hover(self.hover, text, p, vb)
        return True
