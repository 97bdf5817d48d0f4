"""One layer cell by cell: ``z = W·x + b`` and ``a = f(z)`` for one example, every number visible.

Units are columns and inputs are rows. Left: the input column ``x``. Middle: the block of
``W`` (or of ``W ⊙ x``, what each weight actually adds). Under the unit columns: rows of
``b``, ``z`` and ``a``. Hovering a cell outlines the cells it connects and spells out its
arithmetic in the line under the scene. Everything sits in one ViewBox whose unit is a
cell, so the rows under the matrix line up with its columns by construction.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.cells import default_input_names, layer_cells, title_text
from nnviz.analysis.notation import cell_number, sup
from nnviz.charts.parts import TITLE_SIZE, bare_axis, max_abs_level
from nnviz.charts.theme import LIGHT, Theme, style_plot
from nnviz.gui.views.explorer.cells.parts import (
    GAP,
    IDLE,
    CellTexts,
    cell_at,
    cell_rect,
    cell_ticks,
    hover_line,
    hover_outlines,
    ink,
    row_h,
    row_y,
    tick_font,
)
from nnviz.gui.widgets.help import chart_help, help_button, topic

PRODUCT_HELP = topic(
    "cells.product", "Weight × input",
    "Shows each weight times its input, W[j, i]·x[i], instead of the weight alone: what that "
    "weight actually adds to its unit's z for this example. A large weight on a dark pixel "
    "adds nothing, so this shows which connections matter for this input.",
    "Show what each weight adds to its unit's z for this example: W[j, i]·x[i]")
MATRIX_HELP = topic(
    "cells.matrix", "One layer, cell by cell",
    "Every number of z = W·x + b for one layer and one example: the input column x on the "
    "left, the weights with one column per unit, and under them the rows b, z and a = f(z). "
    "W (or W ⊙ x), b and z run from blue (negative) through white (0) to red (positive), "
    "each block on its own scale, while x and a run from dark (small) to bright (large). "
    "Hover a cell to see its arithmetic spelled out below.",
    "z = W·x + b and a = f(z) of one layer, every number visible · hover a cell")


class CellView(QWidget):
    """The cell-by-cell picture of one layer for one example.

    Attributes
    ----------
    cells : LayerCells or None
        What is shown (see :func:`nnviz.analysis.cells.layer_cells`).
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
        bar.addWidget(help_button(PRODUCT_HELP))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)
        layout.addWidget(self.hover_label)
        self._build_scene()
        self.set_theme(theme)

    def _build_scene(self) -> None:
        self.plot = self.glw.addPlot(row=0, col=0)
        chart_help(self.glw, MATRIX_HELP, self.plot)
        vb = self.plot.getViewBox()
        vb.invertY(True)
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.hideAxis("bottom")
        self.plot.showAxis("top")
        for name in ("left", "top"):
            self.plot.getAxis(name).setStyle(tickFont=tick_font(), autoExpandTextSpace=True)
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
        names = (input_names if input_names is not None
                 else default_input_names(self.cells.layer, n_in))
        if len(names) != n_in:
            raise ValueError(f"{len(names)} input names for {n_in} inputs")
        self._names = list(names)
        self._hover = None
        self._draw()

    def show_position(self, model) -> None:
        """The layer of the :class:`~nnviz.session.ExplorerModel`'s current step (layer 1 at
        the input); not while another tab hides this one (drawn when its tab is chosen)."""
        if model.trace is not None and not self.isHidden():
            self.set_layer(model.trace.layers[model.cell_layer - 1])

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
        """Whether the cells are large enough (``numbers.min_cell`` pixels) for printed values."""
        w, h = self.plot.vb.viewPixelSize()
        w_min, h_min = self.numbers.min_cell  # MIN_CELL, larger in presenter mode
        return w > 0 and h > 0 and 1 / w >= w_min and 1 / h >= h_min

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.glw.setBackground(theme.background)
        style_plot(self.plot, theme)
        for name in ("left", "top"):
            bare_axis(self.plot.getAxis(name))
        self.numbers.set_theme(theme)
        self.row_box.setPen(pg.mkPen(theme.accent, width=2, cosmetic=True))
        self.col_box.setPen(pg.mkPen(theme.accent, width=2, cosmetic=True))
        self.group_box.setPen(pg.mkPen(theme.accent, width=2, style=Qt.PenStyle.DashLine,
                                       cosmetic=True))
        self.cell_box.setPen(pg.mkPen(theme.foreground, width=3, cosmetic=True))
        self._draw()

    # -- geometry (view coordinates: a cell is 1 × 1, y grows downwards) -----------------------

    def cell_rect(self, kind: str, *index: int) -> QRectF:
        """Rectangle of a cell: ``("W", j, i)``, ``("x", i)``, or ``("b" | "z" | "a", j)``."""
        return cell_rect(self.cells, kind, *index)

    def cell_at(self, vx: float, vy: float) -> tuple | None:
        """The cell (as for :meth:`cell_rect`) at view point (vx, vy), or None."""
        return cell_at(self.cells, vx, vy)

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
        m, mb, mz = max_abs_level(M), max_abs_level(c.b), max_abs_level(c.z)
        x0, h = 1 + GAP, row_h(c)
        rows = ((self.x_item, c.x[:, None], seq, x_levels, 0, 0, 1),
                (self.matrix_item, M.T, div, (-m, m), x0, 0, 1),
                (self.b_item, c.b[None, :], div, (-mb, mb), x0, row_y(c, "b"), h),
                (self.z_item, c.z[None, :], div, (-mz, mz), x0, row_y(c, "z"), h),
                (self.a_item, c.a[None, :], seq, a_levels, x0, row_y(c, "a"), h))
        rects, texts, colors = [], [], []
        for item, values, cmap, levels, px, py, ch in rows:
            item.setColorMap(cmap)
            item.setImage(np.ascontiguousarray(values), autoLevels=False, levels=levels)
            n_rows, n_cols = values.shape
            item.setRect(QRectF(px, py, n_cols, n_rows * ch))
            rects += [QRectF(px + j, py + i * ch, 1, ch) for i in range(n_rows)
                      for j in range(n_cols)]
            texts += [cell_number(v) for v in values.ravel()]
            colors += ink(cmap, values, levels)
        bottom = row_y(c, "a") + h
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
        if self.cells is None:
            return
        vb = self.plot.vb
        # Thinned for the font the axes draw (style_plot enlarges it in presenter mode).
        font = self.plot.getAxis("left").style["tickFont"]
        left, top = cell_ticks(self.cells, self._names, vb.width(), vb.height(), font)
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
        boxes = dict(zip(("row", "col", "group", "cell"), self._boxes()))
        for name, rect in hover_outlines(self.cells, *self._hover).items():
            boxes[name].setRect(rect)
            boxes[name].show()
        self.hover_label.setText(hover_line(self.cells, self._names, *self._hover))
