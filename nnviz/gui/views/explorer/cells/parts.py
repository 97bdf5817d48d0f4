"""The cell view's pieces: where every cell sits, the values printed in them, and their labels.

View coordinates have a cell as their unit and y growing downwards: the input column ``x``
is at ``0 ≤ vx < 1``, the matrix starts at ``1 + GAP``, and the ``b``, ``z`` and ``a`` rows
sit under the matrix columns. :mod:`nnviz.gui.views.explorer.cells.view` draws into this layout.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QFontMetricsF

from nnviz.analysis.cells import LayerCells
from nnviz.analysis.notation import f_text, sup
from nnviz.charts.theme import Theme

GAP = 0.5          # between the x column and the matrix, and between the matrix and b
SEP = 0.2          # between the b, z and a rows
ROWS_PER_H = 20    # the b, z, a rows are 1 cell tall, or r/20 cells under r > 20 input rows
MIN_CELL = (34, 14)  # cell size in pixels (w, h) from which values are printed
TEXT_PT = 7.5     # the printed values and the row and column labels (Theme.points scales it)
WIDE = "−0.88"     # a wide printed value: MIN_CELL fits it, 7.5 pt, with 3 px to spare
IDLE = "Hover a cell: a weight shows W·x and its unit's sum, x what it feeds, b/z/a the whole sum."


def ink(cmap: pg.ColorMap, values: np.ndarray, levels) -> list[QColor]:
    """Black or white text, whichever reads better on each value's colour."""
    lo, hi = levels
    rgba = cmap.map(np.clip((np.ravel(values) - lo) / (hi - lo), 0, 1), mode="byte")
    luma = rgba[:, :3].astype(float) @ (0.299, 0.587, 0.114)
    black, white = QColor("#000000"), QColor("#ffffff")
    return [black if v > 140 else white for v in luma]


def tick_font() -> QFont:
    """The row and column labels' font in the normal theme (``style_ticks`` scales an axis'
    own font in presenter mode)."""
    font = QFont()
    font.setPointSizeF(TEXT_PT)
    return font


class CellTexts(pg.GraphicsObject):
    """Values printed in the middle of cells, in device pixels, when the cells are big enough.

    One item paints them all (a thousand TextItems would cost far more to lay out), and the
    check of the cell size happens at paint time, so resizing needs no bookkeeping.

    Attributes
    ----------
    font : QFont
        ``TEXT_PT`` points as the theme draws them (:meth:`set_theme`).
    min_cell : (float, float)
        The cell size in pixels (w, h) from which values are printed: ``MIN_CELL`` in the
        normal theme, and as much larger as a number is wider and its digits taller in
        :meth:`set_theme`'s font, so that a printed value keeps its margins in its cell.
    """

    def __init__(self):
        super().__init__()
        self.rects: list[QRectF] = []
        self.texts: list[str] = []
        self.colors: list[QColor] = []
        self.font = QFont()
        self.font.setPointSizeF(TEXT_PT)
        self.min_cell = MIN_CELL
        self._bounds = QRectF()

    def set_theme(self, theme: Theme) -> None:
        """Print in ``theme``'s size of ``TEXT_PT`` (larger in presenter mode)."""
        self.font.setPointSizeF(theme.points(TEXT_PT))
        normal, now = QFontMetricsF(tick_font()), QFontMetricsF(self.font)
        self.min_cell = (
            MIN_CELL[0] + now.horizontalAdvance(WIDE) - normal.horizontalAdvance(WIDE),
            MIN_CELL[1] + now.capHeight() - normal.capHeight())
        self.update()

    def set_cells(self, rects, texts, colors, bounds: QRectF) -> None:
        """Print ``texts`` in ``rects`` (view coordinates) in ``colors``; all inside ``bounds``."""
        self.prepareGeometryChange()
        self.rects, self.texts, self.colors = list(rects), list(texts), list(colors)
        self._bounds = QRectF(bounds)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p, *args) -> None:
        t = p.transform()
        p.resetTransform()
        p.setFont(self.font)
        for rect, text, color in zip(self.rects, self.texts, self.colors):
            box = t.mapRect(rect)
            if box.width() >= self.min_cell[0] and box.height() >= self.min_cell[1]:
                p.setPen(color)
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


# -- geometry ------------------------------------------------------------------------------


def row_h(cells: LayerCells) -> float:
    """Height of the b, z and a rows: taller under many input rows, to stay readable."""
    return max(1.0, len(cells.inputs) / ROWS_PER_H)


def row_y(cells: LayerCells, kind: str) -> float:
    """Top of the ``b``, ``z`` or ``a`` row."""
    return len(cells.inputs) + GAP + "bza".index(kind) * (row_h(cells) + SEP)


def cell_rect(cells: LayerCells, kind: str, *index: int) -> QRectF:
    """Rectangle of a cell: ``("W", j, i)``, ``("x", i)``, or ``("b" | "z" | "a", j)``."""
    if kind == "x":
        return QRectF(0, cells.input_pos(index[0]), 1, 1)
    if kind == "W":
        return QRectF(1 + GAP + cells.unit_pos(index[0]), cells.input_pos(index[1]), 1, 1)
    return QRectF(1 + GAP + cells.unit_pos(index[0]), row_y(cells, kind), 1, row_h(cells))


def cell_at(cells: LayerCells, vx: float, vy: float) -> tuple | None:
    """The cell (as for :func:`cell_rect`) at view point (vx, vy), or None."""
    k, r = len(cells.units), len(cells.inputs)
    col, row = int(np.floor(vx - 1 - GAP)), int(np.floor(vy))
    if 0 <= vx < 1 and 0 <= vy < r:
        return ("x", int(cells.inputs[row]))
    if not 0 <= col < k:
        return None
    j = int(cells.units[col])
    if 0 <= vy < r:
        return ("W", j, int(cells.inputs[row]))
    for kind in "bza":
        y = row_y(cells, kind)
        if y <= vy < y + row_h(cells):
            return (kind, j)
    return None


def cell_ticks(cells: LayerCells, names, width: float, height: float, font: QFont | None = None):
    """Left and top tick lists ``[(position, label)]`` for a view ``width × height`` pixels.

    Rows are named by ``names`` (one per input) and ``b``, ``z``, ``f(z)``; columns by unit
    index. When the cells are too small for every label in ``font`` (the axes' tick font;
    default :func:`tick_font`), every n-th one is kept.
    """
    l, x0 = cells.layer, 1 + GAP
    font = QFontMetrics(font or tick_font())
    row_px = height / (row_y(cells, "a") + row_h(cells) + 0.1) if height > 0 else 1e9
    col_px = width / (x0 + len(cells.units) + 0.1) if width > 0 else 1e9
    every_row = max(1, math.ceil((font.capHeight() + 1) / row_px))
    every_col = max(1, math.ceil((font.horizontalAdvance("0000") + 2) / col_px))
    left = [(r + 0.5, names[i]) for r, i in enumerate(cells.inputs) if r % every_row == 0]
    left += [(row_y(cells, kind) + row_h(cells) / 2, text) for kind, text in
             (("b", f"b{sup(l)}"), ("z", f"z{sup(l)}"), ("a", f_text(cells.activation)))]
    top = [(0.5, "x" if l == 1 else f"a{sup(l - 1)}")]
    top += [(x0 + col + 0.5, str(j)) for col, j in enumerate(cells.units) if col % every_col == 0]
    return left, top


def hover_outlines(cells: LayerCells, kind: str, *index: int) -> dict[str, QRectF]:
    """What a hovered cell connects, as outlines keyed ``cell``, ``row``, ``col``, ``group``.

    An input ``x``: its row and the ``z`` row it feeds. A weight: its unit's column and its
    input's row. ``b``, ``z`` or ``a``: its unit's column and the ``x`` column the sum reads.
    """
    k, r = len(cells.units), len(cells.inputs)
    x0, bottom = 1 + GAP, row_y(cells, "a") + row_h(cells)
    out = {"cell": cell_rect(cells, kind, *index)}
    if kind == "x":
        out["row"] = QRectF(0, cells.input_pos(index[0]), x0 + k, 1)
        out["group"] = QRectF(x0, row_y(cells, "z"), k, row_h(cells))
        return out
    out["col"] = QRectF(x0 + cells.unit_pos(index[0]), 0, 1, bottom)
    if kind == "W":
        out["row"] = QRectF(0, cells.input_pos(index[1]), x0 + k, 1)
    else:
        out["group"] = QRectF(0, 0, 1, r)
    return out


def hover_line(cells: LayerCells, names, kind: str, *index: int) -> str:
    """The arithmetic of a hovered cell: what an input feeds, a weight's term, a unit's sum."""
    if kind == "x":
        return f"{names[index[0]]}:  {cells.input_terms(index[0]).text()}"
    j = index[0]
    if kind == "W":
        return f"{cells.term(j, index[1]).text()}      {cells.unit_sum(j).text()}"
    return cells.unit_sum(j).text()
