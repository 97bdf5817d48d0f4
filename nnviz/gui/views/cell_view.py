"""One layer cell by cell: ``z = W·x + b`` and ``a = f(z)`` for one example, every number visible.

Units are columns and inputs are rows. Left: the input column ``x``. Middle: the block of
``W`` (or of ``W ⊙ x``, what each weight actually adds). Under the unit columns: rows of
``b``, ``z`` and ``a``. Hovering a cell outlines the cells it connects and spells out its
arithmetic in the line under the scene. Everything sits in one ViewBox whose unit is a
cell, so the rows under the matrix line up with its columns by construction.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QTextOption
from PySide6.QtWidgets import (QCheckBox, QGraphicsRectItem, QHBoxLayout, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from nnviz.core.cells import (cell_number, default_input_names, f_text, layer_cells, sup,
                              title_text)
from nnviz.gui.theme import LIGHT, Theme, style_plot
from nnviz.gui.views.scene_parts import TITLE_SIZE, Caption, bare_axis

GAP = 0.5          # between the x column and the matrix, and between the matrix and b
SEP = 0.2          # between the b, z and a rows
ROWS_PER_H = 20    # the b, z, a rows are 1 cell tall, or r/20 cells under r > 20 input rows
MIN_CELL = (34, 14)  # cell size in pixels (w, h) from which values are printed
CAPTION = ("Colours: W (or W ⊙ x), b and z run from blue (negative) through white (0) to red "
           "(positive), each block on its own scale symmetric about 0; x and a run from dark "
           "(small) to bright (large). Hover a cell to see its arithmetic.")
IDLE = "Hover a cell: a weight shows W·x and its unit's sum, x what it feeds, b/z/a the whole sum."


def _level(values: np.ndarray) -> float:
    m = float(np.max(np.abs(values))) if values.size else 0.0
    return m if np.isfinite(m) and m > 0 else 1.0


def _ink(cmap: pg.ColorMap, values: np.ndarray, levels) -> list[QColor]:
    """Black or white text, whichever reads better on each value's colour."""
    lo, hi = levels
    rgba = cmap.map(np.clip((np.ravel(values) - lo) / (hi - lo), 0, 1), mode="byte")
    luma = rgba[:, :3].astype(float) @ (0.299, 0.587, 0.114)
    black, white = QColor("#000000"), QColor("#ffffff")
    return [black if v > 140 else white for v in luma]


class CellTexts(pg.GraphicsObject):
    """Values printed in the middle of cells, in device pixels, when the cells are big enough.

    One item paints them all (a thousand TextItems would cost far more to lay out), and the
    check of the cell size happens at paint time, so resizing needs no bookkeeping.
    """

    def __init__(self):
        super().__init__()
        self.rects: list[QRectF] = []
        self.texts: list[str] = []
        self.colors: list[QColor] = []
        self.font = QFont()
        self.font.setPointSizeF(7.5)
        self._bounds = QRectF()

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
            if box.width() >= MIN_CELL[0] and box.height() >= MIN_CELL[1]:
                p.setPen(color)
                p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class CellView(QWidget):
    """The cell-by-cell picture of one layer for one example.

    Attributes
    ----------
    cells : LayerCells or None
        What is shown (see :func:`nnviz.core.cells.layer_cells`).
    x_item, matrix_item, b_item, z_item, a_item : ImageItem
        ``x`` (r, 1), ``Wᵀ`` or ``(W ⊙ x)ᵀ`` (r, k), and ``b``, ``z``, ``a`` (1, k).
    numbers : CellTexts
        The printed values, in the order x, matrix (row by row), b, z, a.
    row_box, col_box, cell_box, group_box : QGraphicsRectItem
        Hover outlines: an input's row, a unit's column, the hovered cell, and the group a
        hovered x or z connects to (the z row, or the x column).
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self.cells = None
        self._names: list[str] = []
        self._product = False
        self._hover: tuple | None = None
        self.product_box = QCheckBox("weight × input (W ⊙ x)")
        self.product_box.setToolTip("Show what each weight adds to its unit's z: W[j, i]·x[i]")
        self.product_box.toggled.connect(self.set_product)
        self.glw = pg.GraphicsLayoutWidget()
        self.hover_label = QLabel(IDLE, wordWrap=True)
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hover_label.setMinimumHeight(2 * self.hover_label.fontMetrics().height() + 4)
        self.hover_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        bar.addWidget(self.product_box)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)
        layout.addWidget(self.hover_label)
        self._build_scene()
        self.set_theme(theme)

    def _build_scene(self) -> None:
        self.plot = self.glw.addPlot(row=0, col=0)
        self.caption = Caption(CAPTION)
        self.glw.addItem(self.caption, row=1, col=0)
        vb = self.plot.getViewBox()
        vb.invertY(True)
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.hideAxis("bottom")
        self.plot.showAxis("top")
        for name in ("left", "top"):
            self.plot.getAxis(name).setStyle(tickFont=self._tick_font(), autoExpandTextSpace=True)
        self.x_item, self.matrix_item = pg.ImageItem(), pg.ImageItem()
        self.b_item, self.z_item, self.a_item = pg.ImageItem(), pg.ImageItem(), pg.ImageItem()
        for item in (self.x_item, self.matrix_item, self.b_item, self.z_item, self.a_item):
            self.plot.addItem(item)
        self.numbers = CellTexts()
        self.numbers.setZValue(5)
        self.plot.addItem(self.numbers)
        self.row_box, self.col_box = QGraphicsRectItem(), QGraphicsRectItem()
        self.cell_box, self.group_box = QGraphicsRectItem(), QGraphicsRectItem()
        for box in self._boxes():
            box.setZValue(10)
            box.hide()
            self.plot.addItem(box, ignoreBounds=True)
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)
        vb.sigResized.connect(self._label_cells)

    @staticmethod
    def _tick_font() -> QFont:
        font = QFont()
        font.setPointSizeF(7.5)
        return font

    def _boxes(self):
        return (self.row_box, self.col_box, self.group_box, self.cell_box)

    # -- public API --------------------------------------------------------------------------

    def set_layer(self, record, units=None, inputs=None, input_names=None, example: int = 0):
        """Show ``record`` (a LayerTrace) for batch row ``example``.

        ``units``/``inputs`` None choose the strongest (see :func:`layer_cells`);
        ``input_names`` (n_in,) label the input rows (default: pixel positions for a
        square first layer, ``a¹₁₇`` for deeper layers).
        """
        self.cells = layer_cells(record, example, units, inputs)
        n_in = self.cells.n_in
        names = input_names if input_names is not None else default_input_names(self.cells.layer, n_in)
        if len(names) != n_in:
            raise ValueError(f"{len(names)} input names for {n_in} inputs")
        self._names = list(names)
        self._hover = None
        self._draw()

    def set_product(self, on: bool) -> None:
        """Show ``W ⊙ x`` (each weight times its input) instead of ``W`` in the matrix."""
        on = bool(on)
        if self.product_box.isChecked() != on:
            self.product_box.setChecked(on)  # comes back here through toggled
            return
        if on != self._product:
            self._product = on
            self._draw()

    def product(self) -> bool:
        return self._product

    def export_item(self) -> pg.GraphicsLayout:
        return self.glw.ci

    def hover_text(self) -> str:
        """The arithmetic line under the scene ('' when nothing is hovered)."""
        return self.hover_label.text() if self._hover is not None else ""

    def numbers_visible(self) -> bool:
        """Whether the cells are large enough (``MIN_CELL`` pixels) for printed values."""
        w, h = self.plot.vb.viewPixelSize()
        return w > 0 and h > 0 and 1 / w >= MIN_CELL[0] and 1 / h >= MIN_CELL[1]

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.glw.setBackground(theme.background)
        style_plot(self.plot, theme)
        for name in ("left", "top"):
            bare_axis(self.plot.getAxis(name))
        self.caption.set_color(theme.muted)
        self.row_box.setPen(pg.mkPen(theme.accent, width=2, cosmetic=True))
        self.col_box.setPen(pg.mkPen(theme.accent, width=2, cosmetic=True))
        self.group_box.setPen(pg.mkPen(theme.accent, width=2, style=Qt.PenStyle.DashLine,
                                       cosmetic=True))
        self.cell_box.setPen(pg.mkPen(theme.foreground, width=3, cosmetic=True))
        self._draw()

    # -- geometry (view coordinates: a cell is 1 × 1, y grows downwards) -----------------------

    def cell_rect(self, kind: str, *index: int) -> QRectF:
        """Rectangle of a cell: ``("W", j, i)``, ``("x", i)``, or ``("b" | "z" | "a", j)``."""
        c = self.cells
        if kind == "x":
            return QRectF(0, c.input_pos(index[0]), 1, 1)
        if kind == "W":
            return QRectF(1 + GAP + c.unit_pos(index[0]), c.input_pos(index[1]), 1, 1)
        return QRectF(1 + GAP + c.unit_pos(index[0]), self._row_y(kind), 1, self._row_h())

    def _row_h(self) -> float:
        """Height of the b, z and a rows: taller under many input rows, to stay readable."""
        return max(1.0, len(self.cells.inputs) / ROWS_PER_H)

    def _row_y(self, kind: str) -> float:
        return len(self.cells.inputs) + GAP + "bza".index(kind) * (self._row_h() + SEP)

    def cell_at(self, vx: float, vy: float) -> tuple | None:
        """The cell (as for :meth:`cell_rect`) at view point (vx, vy), or None."""
        c = self.cells
        k, r = len(c.units), len(c.inputs)
        col, row = int(np.floor(vx - 1 - GAP)), int(np.floor(vy))
        if 0 <= vx < 1 and 0 <= vy < r:
            return ("x", int(c.inputs[row]))
        if not 0 <= col < k:
            return None
        j = int(c.units[col])
        if 0 <= vy < r:
            return ("W", j, int(c.inputs[row]))
        for kind in "bza":
            y = self._row_y(kind)
            if y <= vy < y + self._row_h():
                return (kind, j)
        return None

    # -- drawing -----------------------------------------------------------------------------

    def _draw(self) -> None:
        c, theme = self.cells, self._theme
        if c is None:
            self.plot.setTitle("No layer to show yet", size=TITLE_SIZE, color=theme.muted)
            return
        div, seq = theme.diverging(), theme.sequential()
        M = c.product if self._product else c.W
        k = len(c.units)
        x_levels = (min(0.0, float(c.x.min())), max(float(c.x.max()), 1e-6))
        a_levels = (min(0.0, float(c.a.min())), max(float(c.a.max()), 1e-6))
        m, mb, mz = _level(M), _level(c.b), _level(c.z)
        x0, h = 1 + GAP, self._row_h()
        rows = ((self.x_item, c.x[:, None], seq, x_levels, 0, 0, 1),
                (self.matrix_item, M.T, div, (-m, m), x0, 0, 1),
                (self.b_item, c.b[None, :], div, (-mb, mb), x0, self._row_y("b"), h),
                (self.z_item, c.z[None, :], div, (-mz, mz), x0, self._row_y("z"), h),
                (self.a_item, c.a[None, :], seq, a_levels, x0, self._row_y("a"), h))
        rects, texts, colors = [], [], []
        for item, values, cmap, levels, px, py, ch in rows:
            item.setColorMap(cmap)
            item.setImage(np.ascontiguousarray(values), autoLevels=False, levels=levels)
            n_rows, n_cols = values.shape
            item.setRect(QRectF(px, py, n_cols, n_rows * ch))
            rects += [QRectF(px + j, py + i * ch, 1, ch) for i in range(n_rows)
                      for j in range(n_cols)]
            texts += [cell_number(v) for v in values.ravel()]
            colors += _ink(cmap, values, levels)
        bottom = self._row_y("a") + h
        self.numbers.set_cells(rects, texts, colors, QRectF(0, 0, x0 + k, bottom))
        self._draw_axes(theme)
        self.plot.setRange(xRange=(-0.05, x0 + k + 0.05), yRange=(-0.05, bottom + 0.05), padding=0)
        self._show_hover()

    def _draw_axes(self, theme: Theme) -> None:
        l = self.cells.layer
        what = f"W{sup(l)}[j, i]·x[i]" if self._product else f"W{sup(l)}[j, i]"
        self.plot.setLabel("top", f"unit j of layer {l};  matrix cells: {what}",
                           color=theme.muted)
        self._label_cells()
        # two lines, so that the title never makes the scene wider than a narrow dock
        self.plot.setTitle(title_text(self.cells).replace(" — ", "<br>"), size=TITLE_SIZE,
                           color=theme.foreground)
        title = self.plot.titleLabel.item   # centre the second line under the first
        title.setTextWidth(title.document().idealWidth())
        title.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))

    def _label_cells(self) -> None:
        """Row and column labels; every n-th one when the cells are too small for all."""
        c = self.cells
        if c is None:
            return
        l, x0 = c.layer, 1 + GAP
        font = QFontMetrics(self._tick_font())
        width, height = self.plot.vb.width(), self.plot.vb.height()
        row_px = height / (self._row_y("a") + self._row_h() + 0.1) if height > 0 else 1e9
        col_px = width / (x0 + len(c.units) + 0.1) if width > 0 else 1e9
        every_row = max(1, math.ceil((font.capHeight() + 1) / row_px))
        every_col = max(1, math.ceil((font.horizontalAdvance("0000") + 2) / col_px))
        left = [(r + 0.5, self._names[i]) for r, i in enumerate(c.inputs) if r % every_row == 0]
        left += [(self._row_y(kind) + self._row_h() / 2, text) for kind, text in
                 (("b", f"b{sup(l)}"), ("z", f"z{sup(l)}"), ("a", f_text(c.activation)))]
        top = [(0.5, "x" if l == 1 else f"a{sup(l - 1)}")]
        top += [(x0 + col + 0.5, str(j)) for col, j in enumerate(c.units) if col % every_col == 0]
        self.plot.getAxis("left").setTicks([left, []])
        self.plot.getAxis("top").setTicks([top, []])

    # -- hover -------------------------------------------------------------------------------

    def hover_cell(self, kind: str | None, *index: int) -> None:
        """Hover a cell as :meth:`cell_rect` names it (None: nothing); as the mouse does."""
        if self.cells is None:
            return
        if kind is not None:
            self.cell_rect(kind, *index)  # ValueError for a cell that is not shown
        self._hover = None if kind is None else (kind, *map(int, index))
        self._show_hover()

    def _on_mouse_moved(self, pos) -> None:
        if self.cells is None:
            return
        hit = None
        if self.plot.vb.sceneBoundingRect().contains(pos):
            point = self.plot.vb.mapSceneToView(pos)
            hit = self.cell_at(point.x(), point.y())
        if hit != self._hover:
            self.hover_cell(*(hit or (None,)))

    def _show_hover(self) -> None:
        for box in self._boxes():
            box.hide()
        if self.cells is None or self._hover is None:
            self.hover_label.setText(IDLE)
            return
        c = self.cells
        kind, *index = self._hover
        k, r = len(c.units), len(c.inputs)
        x0, bottom = 1 + GAP, self._row_y("a") + self._row_h()
        if kind == "x":
            i = index[0]
            y = c.input_pos(i)
            self._box(self.row_box, QRectF(0, y, x0 + k, 1))
            self._box(self.group_box, QRectF(x0, self._row_y("z"), k, self._row_h()))
            text = f"{self._names[i]}:  {c.input_terms(i).text()}"
        else:
            j = index[0]
            col = c.unit_pos(j)
            self._box(self.col_box, QRectF(x0 + col, 0, 1, bottom))
            if kind == "W":
                self._box(self.row_box, QRectF(0, c.input_pos(index[1]), x0 + k, 1))
                text = f"{c.term(j, index[1]).text()}      {c.unit_sum(j).text()}"
            else:
                self._box(self.group_box, QRectF(0, 0, 1, r))
                text = c.unit_sum(j).text()
        self._box(self.cell_box, self.cell_rect(kind, *index))
        self.hover_label.setText(text)

    @staticmethod
    def _box(box: QGraphicsRectItem, rect: QRectF) -> None:
        box.setRect(rect)
        box.show()
