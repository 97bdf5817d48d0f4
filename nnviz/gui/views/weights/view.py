"""The network's weights: first-layer receptive fields, deeper layers as matrices, histograms.

The first layer's unit ``i`` computes ``z_i = W[i]·x + b_i``, so its 784 weights drawn as a
28×28 image show which pixels excite it (red) and which inhibit it (blue): its receptive field.
Deeper layers have no image to relate to and are drawn as ``n_out × n_in`` heat maps. The same
pictures show the last gradient ``dW``, the last update ``uW`` or what training has changed so
far, ``W − W₀``, instead of ``W``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnviz.analysis.notation import sup
from nnviz.charts.parts import TITLE_SIZE, colour_bar, tile
from nnviz.charts.theme import LIGHT, Theme, style_plot
from nnviz.engine.snapshot import TrainingSnapshot
from nnviz.gui.timing import LIVE_HZ
from nnviz.gui.views.weights.parts import (
    MODES,
    READING,
    WHAT,
    WeightHistogram,
    describe_pixel,
    layer_name,
    layer_values,
    short_number,
    symmetric_level,
    tile_at,
)
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import BUTTON_SIZE, chart_help, help_button, set_hint, topic
from nnviz.gui.widgets.layout_check import MIN_PLOT

CHART_MARGIN, CHART_SPACING = 9, 6  # px around and between the charts (set, not asked)

PAGE_SIZES = (16, 64, 256)  # receptive fields per page: 4 × 4, 8 × 8, 16 × 16
MIN_FIELD = 36              # px: the smallest receptive field (≈ 40 with its gap) that
                            # the page size chosen from the room gives
PADDING = 0.01              # of the image's range on each side: the outline shows
LEGEND_RIGHT = 3.0          # the histogram's legend goes right of it in a view this many times
                            # wider than tall (presenting at 1280×720), else below it

CONTROLS_HELP = topic(
    "weights.controls", "What is drawn",
    "W shows the weights themselves, dW the gradient of the loss on the last batch, uW the "
    "last update the optimiser made and W − W₀ all that training has changed since the "
    "start. Layer chooses the weight matrix; the first layer's receptive fields are shown 16, "
    "64 or 256 a page (at first as many as fit at a readable size). Lock scale keeps the "
    "colour bar's range as it is while training goes on, so that colours can be compared "
    "between snapshots; unlocked, each snapshot sets its own.",
    "Choose what to draw (W, dW, uW or W − W₀) and which layer's weights")
IMAGE_HELP = topic(
    "weights.image", "Receptive fields and weight matrices",
    "In layer 1 each tile holds one unit's incoming values, one per pixel, drawn as an image: "
    "for W its receptive field, red where ink pushes the unit's z up and blue where it pushes "
    "it down. Deeper layers are a matrix, row i for unit i and column j for input j; the "
    "tooltips of W, dW, uW and W − W₀ say how to read their colours. The colour bar is "
    "symmetric about 0 (white) and saturates at the 99.5th percentile of |value|; hovering "
    "gives exact numbers, and a click enlarges a receptive field (click again or Esc: back to "
    "the page).",
    "Layer 1: a tile per unit's receptive field (click: enlarge) · deeper: the matrix · "
    "red > 0, blue < 0")
HISTOGRAM_HELP = topic(
    "weights.histogram", "Distribution of the values shown",
    "A histogram (count per bin) of the values drawn on the left, all of the layer's: W now "
    "(line) over its distribution at initialisation (shaded), or dW, uW or W − W₀. Its bins "
    "follow the values, so every one of them is counted in place. Training usually widens W's "
    "and grows tails as some weights become important, while L2 pulls them back towards 0.",
    "Histogram of the values shown (mode W: now, line, and at initialisation, shaded)")
def mosaic(W: np.ndarray, image_shape: tuple[int, int], cols: int, pad: int = 1,
           fill: float = np.nan) -> np.ndarray:
    """Tile the rows of ``W`` as images, row-major, ``cols`` tiles per row, ``pad`` pixels apart.

    Parameters
    ----------
    W : ndarray, shape (k, h·w)
        One image per row (e.g. a unit's incoming weights).
    image_shape : (h, w)
    cols : int
        Tiles per mosaic row; ``ceil(k / cols)`` rows.
    pad : int
        Gap between tiles, filled with ``fill`` (NaN draws transparent).

    Returns
    -------
    ndarray, shape (rows·(h+pad) − pad, cols·(w+pad) − pad)
        Tile ``t`` (``r, c = divmod(t, cols)``) starts at ``(r·(h+pad), c·(w+pad))`` and
        equals ``W[t].reshape(h, w)``.
    """
    return tile(W.reshape(len(W), *image_shape), cols, pad, fill,
                dtype=np.result_type(W.dtype, np.float32))


def toggle(text: str, checked: bool = False) -> QToolButton:
    """A checkable tool button."""
    button = QToolButton()
    button.setText(text)
    button.setCheckable(True)
    button.setChecked(checked)
    return button


class WeightsView(QWidget):
    """Receptive fields / weight matrices of one layer and the histogram of the values shown.

    Signals
    -------
    mode_changed(str)
        ``"W"``, ``"dW"``, ``"uW"`` or ``"W-W0"``.
    layer_changed(int)
        0-based index of the layer shown.
    """

    mode_changed = Signal(str)
    layer_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT):
        super().__init__(parent)
        self._theme = theme
        # The newest snapshot, drawn while visible at most LIVE_HZ times a second.
        self.drawing = DrawSlot(self, self._draw, LIVE_HZ, "weights")
        self._run_key: tuple | None = None     # (run_id, sizes) of the network shown
        self._config_key: tuple | None = None  # what the axes, titles and page box are for
        self._levels_key: tuple | None = None  # what the locked colour levels were taken for
        self._mode, self._layer, self._page = "W", 0, 0
        self.per_page = PAGE_SIZES[0]   # receptive fields a page
        self._per_page_chosen = False   # by the user; until then it follows the room
        self.focus: int | None = None   # the unit whose field is enlarged, if any
        self._image_shape: tuple[int, int] | None = None
        self._class_names: tuple[str, ...] = ()
        self._shown: Any = None  # describe_pixel's (values, first, cols, shape), for hover
        self._n_out = 0                 # units of the layer shown
        self._image_title = ("", "")    # the image's title: name, and a matrix's size
        self.levels = (-1.0, 1.0)
        self.graphics = pg.GraphicsLayoutWidget()
        self._build_plots()
        self.readout = QLabel(" ")  # a line of its own: the control row is full in a narrow dock
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        chart_help(self.graphics, IMAGE_HELP, self.image_plot, covers=[self.colorbar])
        chart_help(self.graphics, HISTOGRAM_HELP, self.hist_plot, covers=[self.hist_legend])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 2)  # the chart's height is short in every dock
        layout.setSpacing(2)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.image_plot.vb.sigResized.connect(self._fit_page)
        self.set_theme(theme)

    # -- construction -----------------------------------------------------------------------

    def _build_controls(self) -> QVBoxLayout:
        """The mode buttons, then the layer, page and scale choices: on the same row when the
        view is wide enough for both, else on a second row (the buttons' names stay whole)."""
        self.mode_row = QHBoxLayout()
        self.mode_buttons = QButtonGroup(self, exclusive=True)
        for mode, text in MODES.items():
            button = toggle(text, checked=mode == self._mode)
            button.setToolTip(f"Show the {WHAT[mode]}. {READING[mode]}")
            set_hint(button, READING[mode])
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
            self.mode_buttons.addButton(button)
            self.mode_row.addWidget(button)
        self.mode_row.addStretch(1)
        self.mode_row.addWidget(help_button(CONTROLS_HELP))
        self.layer_box = QComboBox()
        self.layer_box.currentIndexChanged.connect(self.set_layer)
        self.layer_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.page_label = QLabel("Units")
        self.per_page_box = QComboBox()
        for n in PAGE_SIZES:
            self.per_page_box.addItem(str(n), n)
        self.per_page_box.setToolTip("Receptive fields a page")
        self.per_page_box.activated.connect(
            lambda i: self.set_per_page(self.per_page_box.itemData(i)))
        self.page_box = QSpinBox(minimum=1, maximum=1)
        self.page_box.setToolTip("Page of units")
        self.page_box.valueChanged.connect(lambda p: self.set_page(p - 1))
        self.lock_button = toggle("Lock scale")
        self.lock_button.setToolTip(
            "Keep the colour bar's range while training goes on (colours compare between "
            "snapshots); unlocked, each snapshot sets its own")
        set_hint(self.lock_button, "Keep the colour scale as it is across snapshots")
        self.lock_button.toggled.connect(self.set_scale_locked)
        self.layer_widgets = [QLabel("Layer"), self.layer_box, self.page_label,
                              self.per_page_box, self.page_box, self.lock_button]
        self.layer_group = QWidget()  # moved as one between the two rows
        self._group = group = QHBoxLayout(self.layer_group)
        group.setContentsMargins(0, 0, 0, 0)
        for widget in self.layer_widgets:
            group.addWidget(widget)
        self.layer_row = QHBoxLayout()
        self.layer_row.addWidget(self.layer_group)
        self.layer_row.addStretch(1)
        self.one_row = False
        controls = QVBoxLayout()
        controls.setSpacing(2)
        controls.addLayout(self.mode_row)
        controls.addLayout(self.layer_row)
        return controls

    def _arrange_controls(self) -> None:
        """One row when the buttons and the layer choices fit side by side, else two. The
        width counts every layer choice, shown or not, so that showing the page choices
        never moves the rows (and the chart's height with them)."""
        buttons = self.mode_buttons.buttons()
        spacing = self._group.spacing()
        needed = sum(w.sizeHint().width() + spacing for w in [*buttons, *self.layer_widgets])
        one_row = self.width() >= needed + 56  # the "?", the gap and the margins
        if one_row == self.one_row:
            return
        self.one_row = one_row
        source, target = (self.layer_row, self.mode_row) if one_row else (self.mode_row,
                                                                          self.layer_row)
        source.removeWidget(self.layer_group)
        self._group.setContentsMargins(16 if one_row else 0, 0, 0, 0)  # a gap
        # after the buttons (before the stretch), or at the start of the second row
        target.insertWidget(len(buttons) if one_row else 0, self.layer_group)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange_controls()
        self._place_legend()
        self._size_columns()

    def _size_columns(self) -> None:
        """Receptive fields get a square as tall as the chart (the mosaic is square), the
        histogram the rest; a matrix shares the width 3 : 2 with the histogram. Where even
        their smallest widths do not fit side by side, the histogram's title takes two lines,
        then its count axis goes (its shape is what is read there)."""
        g, image, hist = self.graphics, self.image_plot, self.hist_plot
        tick = QFontMetrics(hist.getAxis("left").style["tickFont"] or self.font())
        matrix = image.getAxis("left").isVisible()
        if matrix:
            # The axes' names only where they leave the data area its size (not in a
            # 438-px dock, not presenting at 1280×720): the read-out names i and j too.
            image.getAxis("bottom").showLabel(g.height() > 5 * tick.height() + MIN_PLOT[1])
            image.getAxis("left").showLabel(g.width() > 600)
        for plot in (image, hist):  # their own minimum widths first
            plot.setPreferredWidth(-1)
        # Room for the "?" beside the titles of plots at their smallest, from the start:
        # given later (make_room), it would come from a plot with no room to give.
        for plot in (hist, image) if matrix else (hist,):
            plot.layout.setColumnMinimumWidth(2, BUTTON_SIZE + 3)
        # Axes of fixed widths: pyqtgraph's follow their tick labels after the next paint,
        # which would change the widths measured here.
        hist.getAxis("left").setWidth(tick.horizontalAdvance("000k") + 10)  # count_ticks
        if matrix:
            label = image.getAxis("left").label.isVisible()
            image.getAxis("left").setWidth(tick.horizontalAdvance("0000") + 10
                                           + (tick.height() + 4 if label else 0))
        for two_lines, counts, short in ((False, True, False), (True, True, False),
                                         (True, False, False), (True, False, True)):
            if two_lines != self.histogram.two_lines:
                self.histogram.set_title(two_lines)
            hist.showAxis("left", counts)
            self._set_image_title(short)
            least = [item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
                     for item in (image, hist)]
            wanted = least[0] if matrix else max(least[0], self._fields_width())
            if wanted + least[1] + self._fixed_width() <= g.viewport().width():
                break
        hist.setPreferredWidth(least[1])  # the image has its width first, then the
        layout = g.ci.layout              # histogram grows
        if matrix:
            image.setPreferredWidth(least[0])
            layout.setColumnStretchFactor(0, 3)
        else:  # a square as tall as the chart, as far as the histogram leaves room
            title = image.titleLabel.size().height()
            image.setPreferredWidth(max(wanted, g.height() - title + BUTTON_SIZE + 5))
            layout.setColumnStretchFactor(0, 0)

    def _fields_width(self) -> float:
        """The image plot's width that draws the page's receptive fields MIN_FIELD px wide
        (or as tall as the chart allows)."""
        shape = self._image_shape or (28, 28)
        cols = math.isqrt(self.per_page) if self.focus is None else 1
        side = cols * (shape[1] + 1) * MIN_FIELD / shape[1]
        title = self.image_plot.titleLabel.size().height()
        return min(side, self.graphics.height() - title) * 1.02 + BUTTON_SIZE + 5

    def _set_image_title(self, two_lines: bool) -> None:
        """The image's title, a matrix's size after its name or (``two_lines``) below it."""
        name, size = self._image_title
        text = f"{name}<br>{size}" if two_lines and size else f"{name}: {size}" if size \
            else name
        if text != self.image_plot.titleLabel.text:
            self.image_plot.setTitle(text, size=TITLE_SIZE)

    def _fixed_width(self) -> float:
        """The chart's width besides the two plots: colour bar, legend beside the histogram
        (if there), the layout's margins and gaps."""
        items = [self.colorbar, *([self.hist_legend] if self.legend_right else [])]
        # The constants set in _build_plots: asked of the layout, its spacing (from the
        # style) crashed PySide in the main window, a segmentation fault.
        return (sum(i.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() for i in items)
                + 2 * CHART_MARGIN + CHART_SPACING * (len(items) + 1) + 2)

    def _build_plots(self) -> None:
        self.graphics.ci.layout.setContentsMargins(*(CHART_MARGIN,) * 4)
        self.graphics.ci.layout.setHorizontalSpacing(CHART_SPACING)
        self.image_plot = self.graphics.addPlot(row=0, col=0, rowspan=2)
        self.image_plot.invertY(True)  # row 0 at the top, as images and matrices are read
        self.image_plot.setMenuEnabled(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setPos(-0.5, -0.5)  # pixel (i, j) centred on (j, i): ticks mark units
        self.image_plot.addItem(self.image_item)
        self.image_plot.vb.setDefaultPadding(PADDING)  # the fields fill their square
        self.tile_box = QGraphicsRectItem()  # outlines the hovered receptive field
        self.tile_box.setZValue(10)
        self.tile_box.hide()
        self.image_plot.addItem(self.tile_box, ignoreBounds=True)
        self.colorbar = colour_bar(self.image_item, self.levels, width=14)
        self.graphics.addItem(self.colorbar, row=0, col=1, rowspan=2)
        self.hist_plot = self.graphics.addPlot(row=0, col=2)
        for plot in (self.image_plot, self.hist_plot):  # the layout check's smallest
            plot.vb.setMinimumSize(MIN_PLOT[0] + 2, MIN_PLOT[1] + 2)
        # Outside the plot, below it or (in a wide, short view) right of it: it covers no bar.
        self.hist_legend = pg.LegendItem(labelTextSize="8pt", horSpacing=8)
        self.hist_legend.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.Fixed)
        self.legend_right: bool | None = None
        self.histogram = WeightHistogram(self.hist_plot, self.hist_legend)
        self.graphics.ci.layout.setColumnStretchFactor(2, 2)
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)  # the room is the fields'
        self._place_legend()

    def _place_legend(self) -> None:
        """The histogram's legend below it, in one row, or right of it, one entry a line,
        when the chart is more than LEGEND_RIGHT times wider than tall (there is no height
        to spare for it then, and room beside)."""
        right = self.graphics.width() > LEGEND_RIGHT * self.graphics.height()
        if right == self.legend_right:
            return
        if self.legend_right is not None:
            self.graphics.ci.removeItem(self.hist_legend)
        self.legend_right = right
        self.hist_legend.setColumnCount(1 if right else 2)
        self.graphics.ci.layout.setColumnStretchFactor(3, 0)
        if right:
            self.graphics.addItem(self.hist_legend, row=0, col=3, rowspan=2)
            self.graphics.ci.layout.setRowStretchFactor(1, 0)
        else:
            self.graphics.addItem(self.hist_legend, row=1, col=2)

    # -- the contract -----------------------------------------------------------------------

    def set_dataset(self, ds) -> None:
        """Take the image shape (for receptive fields) and class names (output rows)."""
        self._image_shape = tuple(ds.image_shape) if ds.image_shape else None
        self._class_names = tuple(ds.class_names)
        self._redraw()

    def export_item(self) -> pg.GraphicsLayout:
        return self.graphics.ci

    # -- choices ----------------------------------------------------------------------------

    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """Show the weights ``"W"``, the last gradient ``"dW"``, the last update ``"uW"`` or
        the change since initialisation ``"W-W0"`` (what training has written so far)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode_buttons.buttons()[list(MODES).index(mode)].setChecked(True)
        if mode != self._mode:
            self._mode = mode
            self._redraw()
            self.mode_changed.emit(mode)

    def layer(self) -> int:
        return self._layer

    def set_layer(self, index: int) -> None:
        """Show layer ``index`` (0-based; 0 is the first, drawn as receptive fields)."""
        if index < 0 or index == self._layer or index >= max(self.layer_box.count(), 1):
            return
        self._layer, self._page, self.focus = index, 0, None
        if self.layer_box.currentIndex() != index:  # called from code, not from the box
            self.layer_box.setCurrentIndex(index)
        self._redraw()
        self.layer_changed.emit(index)

    def set_page(self, page: int) -> None:
        """Show units ``page·per_page …`` of a wide first layer (clipped to the pages there
        are); an enlarged field goes back to its page."""
        page = max(0, min(int(page), self.page_box.maximum() - 1))
        if page != self._page or self.focus is not None:
            self._page, self.focus = page, None
            self.page_box.setValue(page + 1)
            self._redraw()

    def set_per_page(self, n: int, chosen: bool = True) -> None:
        """Show ``n`` receptive fields a page (one of PAGE_SIZES), the page that holds the
        first unit shown now. ``chosen``: by the user, so it no longer follows the room."""
        if n not in PAGE_SIZES:
            raise ValueError(f"fields a page must be one of {PAGE_SIZES}, got {n!r}")
        self._per_page_chosen |= chosen
        self.per_page_box.setCurrentIndex(PAGE_SIZES.index(n))
        if n != self.per_page:
            self._page = self._page * self.per_page // n
            self.per_page = n
            self._redraw()

    def fitting_page_size(self) -> int:
        """The most fields a page of which each is MIN_FIELD px or more in the chart's data
        area now, gaps and padding counted (PAGE_SIZES[0] when none is)."""
        area = self.image_plot.vb.size()
        side = min(area.width(), area.height()) / (1 + 2 * PADDING)
        h = (self._image_shape or (28, 28))[0]

        def field(n: int) -> float:  # px of one field in a mosaic of isqrt(n) a row
            return side / (math.isqrt(n) * (h + 1) - 1) * h
        return max([n for n in PAGE_SIZES if field(n) >= MIN_FIELD], default=PAGE_SIZES[0])

    def _fit_page(self) -> None:
        if not self._per_page_chosen:
            self.set_per_page(self.fitting_page_size(), chosen=False)

    def enlarge(self, unit: int | None) -> None:
        """Show unit ``unit``'s receptive field alone (None: the page again, the one that
        holds the unit that was enlarged)."""
        if unit == self.focus:
            return
        if unit is None:
            self._page = self.focus // self.per_page if self.focus is not None else self._page
            self.page_box.blockSignals(True)
            self.page_box.setValue(self._page + 1)
            self.page_box.blockSignals(False)
        self.focus = unit
        self._redraw()

    def scale_locked(self) -> bool:
        return self.lock_button.isChecked()

    def set_scale_locked(self, locked: bool) -> None:
        """Keep the colour levels as they are across snapshots (unlocked: each snapshot
        sets its own). Another layer, mode or network takes new levels, then keeps them."""
        self.lock_button.setChecked(locked)
        if not locked:
            self._levels_key = None
            self._redraw()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.focus is not None:
            self.enlarge(None)
            event.accept()
            return
        super().keyPressEvent(event)

    # -- drawing ----------------------------------------------------------------------------

    def show_snapshot(self, snap: TrainingSnapshot) -> None:
        """Draw ``snap`` (when visible, and in the window when the frame clock says)."""
        self.drawing.offer(snap)

    def _redraw(self) -> None:
        self.drawing.redraw()

    def _draw(self, snap: TrainingSnapshot) -> None:
        if (snap.run_id, snap.sizes) != self._run_key:
            self._reset(snap)
        key = (self._run_key, self._layer, self._mode, self._image_shape, self._class_names,
               self._page, self.per_page, self.focus)
        if key != self._config_key:
            self._configure(snap)
            self._config_key = key
        L = snap.layers[self._layer]
        values = layer_values(L, self._mode)
        if values is None:  # not in this snapshot: the next one brings it (see take_snapshot)
            return
        shown = values
        shape = self._tile_shape(values.shape[1])
        if shape is not None:
            first, cols = self._first_and_cols(len(values))
            shown = values[first:first + (1 if self.focus is not None else self.per_page)]
            image = mosaic(shown, shape, cols)
            self._shown = (shown, first, cols, shape)
        else:
            image = values
            self._shown = (values, 0, 0, None)
        levels_key = (self._run_key, self._layer, self._mode)
        if not (self.scale_locked() and levels_key == self._levels_key):
            m = symmetric_level(shown)
            self.levels, self._levels_key = (-m, m), levels_key
            self.colorbar.setLevels(self.levels)
            ticks = [(v, short_number(v)) for v in (-m, -m / 2, 0.0, m / 2, m)]
            self.colorbar.axis.setTicks([ticks])
        self.image_item.setImage(image, autoLevels=False, levels=self.levels)
        title = self.hist_plot.titleLabel.text
        self.histogram.show_values(values, L.W0 if self._mode == "W" else None, self._layer,
                                   self._mode)
        if self.hist_plot.titleLabel.text != title:
            self._size_columns()  # another width for the histogram

    def _first_and_cols(self, n_out: int) -> tuple[int, int]:
        """The first unit drawn and the tiles a row: one enlarged field, or a page in a
        square grid (every page of a paged layer in the same grid)."""
        if self.focus is not None:
            return self.focus, 1
        if n_out > self.per_page:
            return self._page * self.per_page, math.isqrt(self.per_page)
        return 0, math.ceil(math.sqrt(n_out))

    def _tile_shape(self, n_in: int) -> tuple[int, int] | None:
        """(h, w) when the shown layer's inputs are image pixels, else None (a matrix)."""
        if self._layer != 0:
            return None
        if self._image_shape and self._image_shape[0] * self._image_shape[1] == n_in:
            return self._image_shape
        side = math.isqrt(n_in)
        return (side, side) if side * side == n_in else None

    def _reset(self, snap: TrainingSnapshot) -> None:
        """A new network: rebuild the layer list, keep the choice of layer if it still exists."""
        self._run_key = (snap.run_id, snap.sizes)
        self._layer = self._layer if self._layer < len(snap.layers) else 0
        self._page, self.focus = 0, None
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for i in range(len(snap.layers)):
            self.layer_box.addItem(f"W{sup(i + 1)}: {snap.sizes[i]} → {snap.sizes[i + 1]}")
        self.layer_box.setCurrentIndex(self._layer)
        self.layer_box.blockSignals(False)
        self.histogram.reset()
        self._hide_hover()

    def _configure(self, snap: TrainingSnapshot) -> None:
        """Page choices, axes, aspect and title for the layer, mode and page shown."""
        n_out, n_in = snap.layers[self._layer].W.shape
        self._n_out = n_out
        shape = self._tile_shape(n_in)
        if shape is None:
            self.focus = None
        elif self.focus is not None and self.focus >= n_out:
            self.focus = None
        n_pages = -(-n_out // self.per_page) if shape else 1
        self._page = min(self._page, n_pages - 1)
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(n_pages)
        self.page_box.setValue(self._page + 1)
        self.page_box.setSuffix(f" of {n_pages}")
        self.page_box.blockSignals(False)
        self.page_box.setVisible(n_pages > 1)
        pageable = shape is not None and n_out > PAGE_SIZES[0]
        for widget in (self.per_page_box, self.page_label):
            widget.setVisible(pageable)
        plot, name = self.image_plot, layer_name(self._mode, self._layer + 1)
        plot.setAspectLocked(shape is not None)  # square pixels for images, fill for matrices
        for axis in ("left", "bottom"):
            plot.showAxis(axis, shape is None)
        if shape is not None and self.focus is not None:
            self._image_title = (f"{name}, unit {self.focus}", "")
        elif shape is not None:
            first, _ = self._first_and_cols(n_out)
            last = min(first + self.per_page, n_out) - 1
            self._image_title = (f"{name}, units {first}–{last}", "")
        else:
            self._image_title = (name, f"{n_out} × {n_in}")
        self._set_image_title(False)
        if shape is None:
            plot.setLabel("bottom", f"j: unit of layer {self._layer}" if self._layer
                          else "j: input feature")
            plot.setLabel("left", "i: unit")
        names = self._class_names
        last = self._layer == len(snap.layers) - 1 and len(names) == n_out
        plot.getAxis("left").setTicks([list(enumerate(names))] if last else None)
        plot.enableAutoRange()
        self._size_columns()
        self._hide_hover()

    # -- hover and click --------------------------------------------------------------------

    def _hide_hover(self) -> None:
        self.tile_box.hide()
        self.readout.setText(" ")

    def _on_mouse_moved(self, pos) -> None:
        """Unit and value under the cursor; outline the receptive field."""
        found = self._under(pos) if self._shown is not None else None
        if found is None:
            self._hide_hover()
            return
        text, box = found
        self.readout.setText(text)
        if box is None or self.focus is not None:
            self.tile_box.hide()
        else:
            self.tile_box.setRect(*box)
            self.tile_box.show()

    def _pixel(self, pos) -> tuple[int, int]:
        p = self.image_item.mapFromScene(pos)
        return math.floor(p.y()), math.floor(p.x())

    def _under(self, pos):
        """(readout text, tile rectangle or None) for scene position ``pos``, or None."""
        if not self.image_plot.vb.sceneBoundingRect().contains(pos):
            return None
        values, first, cols, shape = self._shown
        r, c = self._pixel(pos)
        return describe_pixel(values, first, cols, shape, r, c,
                              layer_name(self._mode, self._layer + 1))

    def _on_click(self, event) -> None:
        """A click on a receptive field enlarges it; a click on the enlarged one (or Esc)
        goes back to the page."""
        if event.button() != Qt.MouseButton.LeftButton or self._shown is None \
                or self._shown[3] is None \
                or not self.image_plot.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        if self.focus is not None:
            self.enlarge(None)
            return
        values, first, cols, shape = self._shown
        found = tile_at(*self._pixel(event.scenePos()), shape, cols, len(values))
        if found is not None:
            self.enlarge(first + found[0])
            self.graphics.setFocus()  # Esc reaches the view

    # -- theme ------------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Restyle background, axes, colour bar, histogram and outline."""
        self._theme = theme
        self.graphics.setBackground(theme.background)
        style_plot(self.image_plot, theme)
        style_plot(self.colorbar, theme)
        self.colorbar.setColorMap(theme.diverging())
        self._fit_colorbar_axis()
        self.histogram.set_theme(theme)
        self.tile_box.setPen(pg.mkPen(theme.foreground, width=theme.line_width(2), cosmetic=True))

    def _fit_colorbar_axis(self) -> None:
        """The colour bar's axis as wide as its longest label (``-7.7e-5``) in the tick font
        now (presenter mode's is larger)."""
        fm = QFontMetrics(self.colorbar.axis.style["tickFont"] or self.font())
        self.colorbar.axis.setWidth(fm.horizontalAdvance("-7.7e-5") + 12)
        # The end labels are centred on the bar's ends: half a line above and below it.
        self.colorbar.setContentsMargins(0, fm.height() / 2, 0, fm.height() / 2)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit_colorbar_axis()
