"""The network's weights: first-layer receptive fields, deeper layers as matrices, histograms.

The first layer's unit ``i`` computes ``z_i = W[i]·x + b_i``, so its 784 weights drawn as a
28×28 image show which pixels excite it (red) and which inhibit it (blue): its receptive field.
Deeper layers have no image to relate to and are drawn as ``n_out × n_in`` heat maps. The same
pictures show the last gradient ``dW``, the last update ``uW`` or what training has changed so
far, ``W − W₀``, instead of ``W``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
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
from nnviz.charts.parts import tile
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
)
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import chart_help, help_button, set_hint, topic

PAGE = 256        # tiles per page: 16 × 16 receptive fields of 28 × 28 fill a 1600×1000 window
PAGE_COLS = 16

CONTROLS_HELP = topic(
    "weights.controls", "What is drawn",
    "W shows the weights themselves, dW the gradient of the loss on the last batch, uW the "
    "last update the optimiser made and W − W₀ all that training has changed since the "
    "start. Layer chooses the weight matrix; a first layer of more than 256 units is shown "
    "a page of units at a time.",
    "Choose what to draw (W, dW, uW or W − W₀) and which layer's weights")
IMAGE_HELP = topic(
    "weights.image", "Receptive fields and weight matrices",
    "In layer 1 each tile holds one unit's incoming values, one per pixel, drawn as an image: "
    "for W its receptive field, red where ink pushes the unit's z up and blue where it pushes "
    "it down. Deeper layers are a matrix, row i for unit i and column j for input j; the "
    "tooltips of W, dW, uW and W − W₀ say how to read their colours. The colour bar is "
    "symmetric about 0 (white) and saturates at the 99.5th percentile of |value|, and hovering "
    "gives exact numbers.",
    "Layer 1: each tile is one unit's receptive field · deeper layers: the matrix · red > 0, "
    "blue < 0")
HISTOGRAM_HELP = topic(
    "weights.histogram", "Distribution of the weights",
    "A histogram of this layer's weights now (line) over their distribution at "
    "initialisation (shaded). Training usually widens it and grows tails as some weights "
    "become important, while L2 pulls the weights back towards 0.",
    "Histogram of the layer's weights now (line) and at initialisation (shaded)")
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


class WeightsView(QWidget):
    """Receptive fields / weight matrices of one layer and its weight histogram.

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
        self._run_key = None            # (run_id, sizes) of the network shown
        self._config_key = None         # what the axes, titles and caption were set up for
        self._mode, self._layer, self._page = "W", 0, 0
        self._image_shape: tuple[int, int] | None = None
        self._class_names: tuple[str, ...] = ()
        self._shown = None              # describe_pixel's (values, first, cols, shape), for hover
        self.levels = (-1.0, 1.0)
        self.graphics = pg.GraphicsLayoutWidget()
        self._build_plots()
        self.readout = QLabel(" ")  # a line of its own: the control row is full in a narrow dock
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        chart_help(self.graphics, IMAGE_HELP, self.image_plot, covers=[self.colorbar])
        chart_help(self.graphics, HISTOGRAM_HELP, self.hist_plot)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.set_theme(theme)

    # -- construction -----------------------------------------------------------------------

    def _build_controls(self) -> QVBoxLayout:
        """The mode buttons, then the layer and page choices: on the same row when the view
        is wide enough for both, else on a second row (the buttons' names stay whole)."""
        self.mode_row = QHBoxLayout()
        self.mode_buttons = QButtonGroup(self, exclusive=True)
        for mode, text in MODES.items():
            button = QToolButton(text=text, checkable=True, checked=mode == self._mode)
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
        self.page_box = QSpinBox(minimum=1, maximum=1)
        self.page_box.valueChanged.connect(lambda p: self.set_page(p - 1))
        self.layer_widgets = [QLabel("Layer"), self.layer_box, self.page_label, self.page_box]
        self.layer_group = QWidget()  # moved as one between the two rows
        group = QHBoxLayout(self.layer_group)
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
        """One row when the buttons and the layer choices fit side by side, else two."""
        parts = [*self.mode_buttons.buttons(), self.layer_group]
        needed = sum(w.sizeHint().width() for w in parts) + 40  # the "?" and the spacing
        one_row = self.width() >= needed
        if one_row == self.one_row:
            return
        self.one_row = one_row
        source, target = (self.layer_row, self.mode_row) if one_row else (self.mode_row,
                                                                          self.layer_row)
        source.removeWidget(self.layer_group)
        self.layer_group.layout().setContentsMargins(16 if one_row else 0, 0, 0, 0)  # a gap
        # after the buttons (before the stretch), or at the start of the second row
        target.insertWidget(len(self.mode_buttons.buttons()) if one_row else 0, self.layer_group)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange_controls()

    def _build_plots(self) -> None:
        self.image_plot = self.graphics.addPlot(row=0, col=0)
        self.image_plot.invertY(True)  # row 0 at the top, as images and matrices are read
        self.image_plot.setMenuEnabled(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setPos(-0.5, -0.5)  # pixel (i, j) centred on (j, i): ticks mark units
        self.image_plot.addItem(self.image_item)
        self.tile_box = QGraphicsRectItem()  # outlines the hovered receptive field
        self.tile_box.setZValue(10)
        self.tile_box.hide()
        self.image_plot.addItem(self.tile_box, ignoreBounds=True)
        self.colorbar = pg.ColorBarItem(values=self.levels, interactive=False, width=14,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image_item)
        self.colorbar.axis.setWidth(58)
        self.graphics.addItem(self.colorbar, row=0, col=1)
        self.hist_plot = self.graphics.addPlot(row=0, col=2)
        self.histogram = WeightHistogram(self.hist_plot)
        layout = self.graphics.ci.layout
        layout.setColumnStretchFactor(0, 5)
        layout.setColumnStretchFactor(2, 2)

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
        self._layer, self._page = index, 0
        if self.layer_box.currentIndex() != index:  # called from code, not from the box
            self.layer_box.setCurrentIndex(index)
        self._redraw()
        self.layer_changed.emit(index)

    def set_page(self, page: int) -> None:
        """Show units ``page·256 …`` of a wide first layer (clipped to the pages there are)."""
        page = max(0, min(int(page), self.page_box.maximum() - 1))
        if page != self._page:
            self._page = page
            self.page_box.setValue(page + 1)
            self._redraw()

    # -- drawing ----------------------------------------------------------------------------

    def show_snapshot(self, snap: TrainingSnapshot) -> None:
        """Draw ``snap`` (when visible, and in the window when the frame clock says)."""
        self.drawing.offer(snap)

    def _redraw(self) -> None:
        self.drawing.redraw()

    def _draw(self, snap: TrainingSnapshot) -> None:
        if (snap.run_id, snap.sizes) != self._run_key:
            self._reset(snap)
        key = (self._run_key, self._layer, self._mode, self._image_shape, self._class_names)
        if key != self._config_key:
            self._configure(snap)
            self._config_key = key
        L = snap.layers[self._layer]
        values = layer_values(L, self._mode)
        if values is None:  # not in this snapshot: the next one brings it (see take_snapshot)
            return
        shape = self._tile_shape(values.shape[1])
        if shape is not None:
            first = self._page * PAGE
            values = values[first:first + PAGE]
            cols = PAGE_COLS if L.W.shape[0] > PAGE else math.ceil(math.sqrt(len(values)))
            image = mosaic(values, shape, cols)
            self._shown = (values, first, cols, shape)
        else:
            image = values
            self._shown = (values, 0, 0, None)
        m = symmetric_level(values)
        self.levels = (-m, m)
        self.image_item.setImage(image, autoLevels=False, levels=self.levels)
        self.colorbar.setLevels(self.levels)
        self.colorbar.axis.setTicks([[(v, short_number(v)) for v in (-m, -m / 2, 0.0, m / 2, m)]])
        self.histogram.show_weights(L.W, L.W0, self._layer)

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
        self._page = 0
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for i in range(len(snap.layers)):
            self.layer_box.addItem(f"W{sup(i + 1)}: {snap.sizes[i]} → {snap.sizes[i + 1]}")
        self.layer_box.setCurrentIndex(self._layer)
        self.layer_box.blockSignals(False)
        self.histogram.reset()
        self._hide_hover()

    def _configure(self, snap: TrainingSnapshot) -> None:
        """Page box, axes, aspect and title for the layer and mode shown."""
        n_out, n_in = snap.layers[self._layer].W.shape
        shape = self._tile_shape(n_in)
        n_pages = -(-n_out // PAGE) if shape else 1
        self._page = min(self._page, n_pages - 1)
        self.page_box.blockSignals(True)
        self.page_box.setMaximum(n_pages)
        self.page_box.setValue(self._page + 1)
        self.page_box.setSuffix(f" of {n_pages}")
        self.page_box.blockSignals(False)
        for widget in (self.page_box, self.page_label):
            widget.setVisible(n_pages > 1)
        plot, name = self.image_plot, layer_name(self._mode, self._layer + 1)
        plot.setAspectLocked(shape is not None)  # square pixels for images, fill for matrices
        for axis in ("left", "bottom"):
            plot.showAxis(axis, shape is None)
        if shape is not None:
            plot.setTitle(f"{name}: receptive fields of {n_out} units")
        else:
            plot.setTitle(f"{name}: {n_out} × {n_in}, row i = unit of layer {self._layer + 1}")
            plot.setLabel("bottom", f"j: input unit (from layer {self._layer})" if self._layer
                          else "j: input feature")
            plot.setLabel("left", "i: unit")
        names = self._class_names
        last = self._layer == len(snap.layers) - 1 and len(names) == n_out
        plot.getAxis("left").setTicks([list(enumerate(names))] if last else None)
        plot.enableAutoRange()
        self._hide_hover()

    # -- hover ------------------------------------------------------------------------------

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
        if box is None:
            self.tile_box.hide()
        else:
            self.tile_box.setRect(*box)
            self.tile_box.show()

    def _under(self, pos):
        """(readout text, tile rectangle or None) for scene position ``pos``, or None."""
        if not self.image_plot.vb.sceneBoundingRect().contains(pos):
            return None
        p = self.image_item.mapFromScene(pos)
        return describe_pixel(*self._shown, math.floor(p.y()), math.floor(p.x()),
                              layer_name(self._mode, self._layer + 1))

    # -- theme ------------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        """Restyle background, axes, colour bar, histogram and outline."""
        self._theme = theme
        self.graphics.setBackground(theme.background)
        style_plot(self.image_plot, theme)
        style_plot(self.colorbar, theme)
        self.colorbar.setColorMap(theme.diverging())
        self.histogram.set_theme(theme)
        self.tile_box.setPen(pg.mkPen(theme.foreground, width=theme.line_width(2), cosmetic=True))
