"""One chart of the stepper: a named array drawn the way its shape asks for.

A short vector (≤ ``MAX_BARS``) is a bar per unit; a long one a near-square grid of cells
(unit 0 top-left, row by row); a matrix (``dW``) an image of its rows and columns; a vector
of ``H·W`` pixels the image itself. Values with both signs use the diverging colormap centred
at zero, non-negative ones the sequential map. Hover shows the exact value.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnviz.charts.parts import (
    TITLE_SIZE,
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


def kind_of(name: str, values: np.ndarray, image_shape) -> str:
    """``bars``, ``grid``, ``matrix`` or ``image``."""
    if values.ndim == 2:
        return "matrix"
    if name in IMAGE_NAMES and values.size == int(np.prod(image_shape)):
        return "image"
    return "bars" if values.size <= MAX_BARS else "grid"


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
    """

    def __init__(self, theme: Theme = LIGHT):
        self.plot = pg.PlotItem()
        self.plot.hideButtons()
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=0.8)
        self.highlight = pg.BarGraphItem(x=[0], height=[0], width=0.8)
        for item in (self.image, self.bars, self.highlight):
            self.plot.addItem(item)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
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
        style_hover(self.hover, theme)
        if self.values is not None:
            self.show(self.name, self.values, self._image_shape, self._labels, self._marked)

    def clear(self) -> None:
        self.name, self.values, self.kind = "", None, ""
        self.image.hide()
        self.bars.hide()
        self.highlight.hide()
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
        signed = bool(values.size) and float(np.min(values)) < 0
        cmap = self.theme.diverging() if signed else self.theme.sequential()
        m = max_abs_level(values)
        levels = (-m, m) if signed else (0.0, max(float(np.max(values)), 1e-9))
        if self.kind == "image" and not signed and float(np.max(values)) <= 1.0:
            levels = (0.0, 1.0)  # pixels keep their meaning: 1 is full ink
        pixels = self.kind == "image" and not signed  # the input itself: grey, as MNIST looks
        self.image.setLookupTable(None if pixels else cmap.getLookupTable(nPts=256))
        self.image.setImage(np.asarray(img, np.float32), autoLevels=False, levels=levels)
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
