"""Pieces shared by the views: in-scene captions, legends, image plots and their colour bars,
mosaics.

Captions live inside the pyqtgraph scene (not as separate QLabels) so that "File → Export
current view" of the view's ``GraphicsLayout`` carries them along with the charts.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen, QTextOption
from PySide6.QtWidgets import QGraphicsTextItem, QSizePolicy

from nnviz.charts.theme import Theme, style_plot

TITLE_SIZE = "10pt"


class Caption(pg.GraphicsWidget):
    """A word-wrapped line of muted text that takes the width the layout gives it.

    Its height follows the wrapped text, so a narrow column gets a taller caption instead of
    a clipped one.
    """

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._item = QGraphicsTextItem(self)
        self._item.document().setDocumentMargin(2)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self.setPreferredWidth(40)  # never widen a column: charts set the widths
        self.set_text(text)

    def text(self) -> str:
        return self._item.toPlainText()

    def set_text(self, text: str) -> None:
        self._item.setPlainText(text)
        self._fit()

    def set_color(self, color: str) -> None:
        self._item.setDefaultTextColor(QColor(color))

    def resizeEvent(self, ev):
        self._fit()

    def _fit(self) -> None:
        self._item.setTextWidth(max(self.size().width(), 40.0))
        height = self._item.boundingRect().height()
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
            self.setMaximumHeight(height)


def max_abs_level(values: np.ndarray) -> float:
    """``max |values|``: the half-width of a colour or axis scale symmetric about 0 (1 when
    that is 0 or not finite)."""
    m = float(np.max(np.abs(values))) if np.size(values) else 0.0
    return m if np.isfinite(m) and m > 0 else 1.0


def static_plot(title: str = "") -> pg.PlotItem:
    """A PlotItem without mouse interaction, menu or auto-range button (not yet in a layout)."""
    plot = pg.PlotItem()
    if title:
        plot.setTitle(title, size=TITLE_SIZE)
    plot.setMouseEnabled(False, False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    return plot


def image_plot(title: str = "") -> tuple[pg.PlotItem, pg.ImageItem]:
    """A static PlotItem showing one upright image (row 0 at the top), pixels square.

    Returns the plot (not yet in a layout) and its ImageItem; axes are hidden (callers
    re-show the ones they label).
    """
    plot = pg.PlotItem()
    if title:
        plot.setTitle(title, size=TITLE_SIZE)
    vb = plot.getViewBox()
    vb.invertY(True)
    vb.setAspectLocked(True)
    vb.setMouseEnabled(False, False)
    vb.setMenuEnabled(False)
    plot.hideButtons()
    for name in ("left", "bottom"):
        plot.hideAxis(name)
    item = pg.ImageItem()
    plot.addItem(item)
    return plot, item


def colour_bar(image: pg.ImageItem, levels: tuple[float, float] = (-1.0, 1.0),
               orientation: str = "vertical", width: int = 12) -> pg.ColorBarItem:
    """A read-only colour scale for ``image`` (not yet in a layout).

    It shows the image's levels with ticks, so a heatmap's colours can be read as numbers;
    set its colormap with the theme (``bar.setColorMap(theme.diverging())``) and move it with
    ``bar.setLevels((lo, hi))`` when the image's levels change.
    """
    bar = pg.ColorBarItem(values=levels, width=width, interactive=False,
                          orientation=orientation, colorMapMenu=False)
    bar.setImageItem(image)
    return bar


def _wanted(item) -> tuple[float, float]:
    """The size ``item`` asks of its layout (its geometry lags until the layout runs)."""
    hint = item.effectiveSizeHint(Qt.SizeHint.PreferredSize)
    return hint.width(), hint.height()


class Key(pg.LegendItem):
    """A plot's legend as an item of a layout, beside or below the plot: never over its data.

    pyqtgraph's legend floats over the data area, where it covered the curves of a short
    chart. Give it to a plot with ``plot.legend = Key()`` before the plot's named curves are
    made (``plot.plot(name=…)`` then lists them here) and add it to the GraphicsLayout next
    to the plot; its size is its entries', so the layout leaves it that room.
    """

    def __init__(self, label_size: str = "8pt", columns: int = 1):
        super().__init__(offset=None, labelTextSize=label_size, colCount=columns)

    def updateSize(self) -> None:  # noqa: N802 (pyqtgraph's name)
        # LegendItem moves itself to (0, 0) at its entries' size; in a layout it asks instead.
        grid = self.layout
        width = height = 0.0
        for row in range(grid.rowCount()):
            cells = [grid.itemAt(row, col) for col in range(grid.columnCount())]
            hints = [_wanted(c) for c in cells if c is not None]
            width = max(width, sum(w + 3 for w, _ in hints))
            height += max((h for _, h in hints), default=0.0)
        self.setMinimumSize(width, height)
        self.setMaximumSize(width, height)
        self.updateGeometry()

    def fit_width(self, width: float) -> None:
        """Lay the entries out in as many columns as fit in ``width`` pixels (at least one)."""
        widths = [_wanted(sample)[0] + _wanted(label)[0] + 6 for sample, label in self.items]
        columns = max(1, len(widths))
        while columns > 1 and any(sum(widths[i:i + columns]) > width
                                  for i in range(0, len(widths), columns)):
            columns -= 1
        if columns != self.columnCount:
            self.setColumnCount(columns)

    def mouseDragEvent(self, ev) -> None:
        ev.ignore()  # its place is the layout's: a drag would pull it out of it


def restyle(plots, captions, theme: Theme) -> None:
    """Theme the axes and titles of ``plots`` and the colour of ``captions``."""
    for plot in plots:
        style_plot(plot, theme)
    for caption in captions:
        caption.set_color(theme.muted)


def bare_axis(axis: pg.AxisItem) -> None:
    """Keep only the tick labels of ``axis`` (call after each :func:`style_plot`).

    The pens have no brush: AxisItem re-applies its tick alpha to any solid-colour pen (so a
    transparent one turns opaque), and a zero-length tick drawn with NoPen still leaves a
    one-pixel dot once the axis's QPicture is played back.
    """
    clear = QPen(QBrush(Qt.BrushStyle.NoBrush), 0)
    axis.setStyle(tickLength=0)
    axis.setPen(clear)
    axis.setTickPen(clear)


def grid_shape(n: int, max_ratio: float = 2.5) -> tuple[int, int]:
    """Rows and columns of a near-square grid for ``n`` cells, rows ≤ cols.

    An exact factorisation is used when it is no more than ``max_ratio`` times wider than
    tall (256 → 16×16, 128 → 8×16, 10 → 2×5); otherwise the squarest grid with padding
    (97 → 9×11).
    """
    if n < 1:
        raise ValueError(f"grid_shape needs n ≥ 1, got {n}")
    for rows in range(math.isqrt(n), 0, -1):
        if n % rows == 0:
            if n // rows <= max_ratio * rows:
                return rows, n // rows
            break
    rows = math.isqrt(n)
    return rows, -(-n // rows)


def tile(images: np.ndarray, cols: int, gap: int = 1, fill: float = np.nan,
         dtype=np.float32) -> np.ndarray:
    """Arrange images in a grid, row by row.

    Parameters
    ----------
    images : ndarray, shape (k, H, W)
    cols : int
        Images per grid row; the grid has ``R = ceil(k / cols)`` rows.
    gap : int
        Pixels between neighbouring images.
    fill : float
        Value of the gaps and of unused cells (NaN shows as transparent).
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    ndarray, shape (R·(H+gap) − gap, cols·(W+gap) − gap)
        Image ``i`` has its top-left pixel at :func:`tile_origin` ``(i, cols, (H, W), gap)``.
    """
    k, h, w = images.shape
    rows = max(1, -(-k // cols))
    # One padded cell per image, then a single reshape: no Python loop over the images.
    cells = np.full((rows * cols, h + gap, w + gap), fill, dtype=dtype)
    cells[:k, :h, :w] = images
    grid = cells.reshape(rows, cols, h + gap, w + gap).swapaxes(1, 2)
    grid = grid.reshape(rows * (h + gap), cols * (w + gap))
    return np.ascontiguousarray(grid[:grid.shape[0] - gap, :grid.shape[1] - gap])


def tile_origin(i: int, cols: int, shape: tuple[int, int], gap: int = 1) -> tuple[int, int]:
    """Top-left (row, col) pixel of image ``i`` in a :func:`tile` mosaic."""
    h, w = shape
    return (i // cols) * (h + gap), (i % cols) * (w + gap)


def style_hover(text: pg.TextItem, theme: Theme) -> None:
    """A hover read-out in ``theme``: foreground text on a background box with a muted edge."""
    text.fill = pg.mkBrush(theme.background)
    text.border = pg.mkPen(theme.muted)
    text.setColor(theme.foreground)


def hover_text_item() -> pg.TextItem:
    """A hidden TextItem for hover read-outs (add it with ``ignoreBounds=True``)."""
    text = pg.TextItem(anchor=(0, 1))
    text.setZValue(10)
    text.hide()
    return text


def place_hover(text: pg.TextItem, content: str, point, vb: pg.ViewBox) -> None:
    """Show ``text`` at ``point`` (view coordinates), towards the side with more room."""
    (x0, x1), (y0, y1) = vb.viewRange()
    right = point.x() > (x0 + x1) / 2
    below = point.y() < (y0 + y1) / 2
    if vb.yInverted():  # small y is at the top: text hangs below the point
        text.setAnchor((1 if right else 0, 0 if below else 1))
    else:
        text.setAnchor((1 if right else 0, 1 if below else 0))
    text.setText(content)
    text.setPos(point.x(), point.y())
    text.show()


WRAP_MIN_WIDTH = 40  # px: the least width a WrappingLabel asks of its layout
_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
          "right": Qt.AlignmentFlag.AlignRight}


class WrappingLabel(pg.LabelItem):
    """A LabelItem that wraps its text onto more lines when its layout gives it less width
    than the text needs, instead of widening the layout to the text.

    A LabelItem's minimum width is its text's: a header in presenter mode's larger size made
    its scene wider than the window, and the right of the scene was cut off. This one asks for
    its text's width (the preferred width, as a LabelItem) but needs only ``WRAP_MIN_WIDTH``;
    a text that fits is drawn exactly as a LabelItem draws it.
    """

    def resizeEvent(self, ev):
        document = self.item.document()
        if not hasattr(self, "_option"):  # the option LabelItem draws with, for unwrapped text
            self._option = QTextOption(document.defaultTextOption())
        self.item.setTextWidth(-1)
        self._one_line = self.item.boundingRect().width()
        width = self.size().width()
        if 0 < width < self._one_line:
            self.item.setTextWidth(width)
            option = QTextOption(self._option)  # wrapped lines keep the label's justification
            option.setAlignment(_ALIGN[self.opts["justify"]])
            document.setDefaultTextOption(option)
        else:
            document.setDefaultTextOption(self._option)
        super().resizeEvent(ev)

    def updateMin(self):
        super().updateMin()
        bounds = self.itemRect()
        one_line = max(getattr(self, "_one_line", 0.0), bounds.width())
        least = min(one_line, WRAP_MIN_WIDTH)
        self.setMinimumWidth(least)
        self._sizeHint[Qt.SizeHint.MinimumSize] = (least, bounds.height())
        self._sizeHint[Qt.SizeHint.PreferredSize] = (one_line, bounds.height())
        self.updateGeometry()
