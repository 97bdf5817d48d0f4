"""The activations view: one test image going through the network, live while it trains.

The probe image, each hidden layer's activations as a heatmap of its units with its colour
bar (inactive units overlaid), and the softmax output as one bar per class. In a dock taller
than wide (the main window's) the probe and the output share the top row and the hidden
layers fill the room below, in as many columns as makes their cells largest; in a wide one
they all stand in one row. Each snapshot costs one forward pass of a single image (~0.1 ms)
plus item updates.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.charts.output_bars import LABEL_PT, OutputBars
from nnviz.charts.parts import (
    TITLE_SIZE,
    Caption,
    WrappingLabel,
    hover_text_item,
    image_plot,
    place_hover,
    restyle,
    style_hover,
)
from nnviz.charts.theme import LIGHT, Theme, size_label
from nnviz.datasets import Dataset
from nnviz.engine.losses import softmax
from nnviz.gui.timing import LIVE_HZ
from nnviz.gui.views.activations.parts import (
    SATURATED,
    LayerPanel,
    hidden_columns,
    probe_forward,
)
from nnviz.gui.widgets.frames import DrawSlot
from nnviz.gui.widgets.help import chart_help, help_button, reanchor, topic
from nnviz.session import SessionModel

INPUT_CAPTION = "Test image #{i}, true class {true}."
HEADER_PT = 12  # the prediction line in the normal theme (Theme.points scales it)
WIDE = 1.6  # a dock this many times wider than tall shows everything in one row
MIN_PLOT = (120, 80)  # px: the least heatmap worth a column (the layout check's least plot)
TOP_SHARE = (0.3, 0.5)  # of the height for the probe and output row (as the bars need)
PROBE_HELP = topic(
    "activations.probe", "The probe image",
    "One test image, the probe, goes through the network after every snapshot, so you can "
    "watch the same digit being read better and better as training goes on. ◀ ▶ (or the "
    "arrow keys after a click on the charts) step through the test set, Random jumps "
    "anywhere, and a click in Evaluation or Map sends an image here.",
    "Choose the test image whose forward pass is drawn · ← → step through the test set")
INPUT_HELP = topic(
    "activations.input", "Input x",
    "The probe image exactly as the first layer receives it: one value in [0, 1] per pixel, "
    "0 for the background and 1 for full ink. Hovering a pixel shows its value.",
    "The probe's pixels x, the input of layer 1 · bright = ink")
HIDDEN_HELP = topic(
    "activations.hidden", "Hidden layers",
    "Each hidden layer's activations a = f(z) for the probe, one cell per unit in a grid "
    "shaped to the room (unit 0 top-left, row by row); its colour bar reads the colours as "
    "numbers, from 0 to the largest a for ReLU and sigmoid, from −m to m (m = max |a|, white "
    "0) for activations with signs (tanh, leaky ReLU, identity). Marked cells (red; in the text "
    "colour on a blue–red scale) are units that are off for this image (ReLU: a = 0; leaky ReLU: "
    "z ≤ 0, only the leak's slope left) or saturated (sigmoid, tanh: "
    f"f′(z) < {SATURATED:g}), so almost no gradient flows through them. Hover a cell for "
    "its z and a.",
    "Each hidden layer's activations a = f(z) for the probe and their scale · marked: off "
    "or saturated")
OUTPUT_HELP = topic(
    "activations.output", "Output probabilities",
    "The softmax output: the network's probability for each class, all the bars together "
    "summing to 1. The filled bar is its answer, green if right and red if wrong; the "
    "outlined bar marked ◀ is the true class.",
    "p = softmax(z) for each class · filled: the answer, outlined ◀: the true class")


class ActivationsView(QWidget):
    """Input, hidden activations and output probabilities of one probe image.

    Parameters
    ----------
    theme : Theme
    parent : QWidget, optional
    model : SessionModel, optional
        The window's, whose dataset this view shows (default: one of its own, for the view
        on its own).

    Signals
    -------
    probe_changed(int)
        The probe's index in ``x_test`` changed.

    Attributes
    ----------
    panels : list of LayerPanel
        One per hidden layer of the current network.
    probabilities : ndarray, shape (K,) or None
        Softmax output for the probe, as drawn by the bars.
    prediction_text : str
        The line above the charts, e.g. "predicted 7 (93.1 %), true 7 ✓".
    """

    probe_changed = Signal(int)

    def __init__(self, theme: Theme = LIGHT, parent=None, *, model: SessionModel | None = None):
        super().__init__(parent)
        # The dataset is the model's (the window's; on its own, one of its own).
        self.model = model if model is not None else SessionModel.alone("activations", self)
        # The newest snapshot, drawn while visible at most LIVE_HZ times a second.
        self.drawing = DrawSlot(self, self._draw_network, LIVE_HZ, "activations")
        self._shape_key = None  # (run_id, sizes, activations) the panels were built for
        self._probe = 0
        # The arrangement the scene is laid out in (see _arrangement).
        self._arranged: tuple[str, int, float] | None = None
        self._rng = np.random.default_rng(0)
        self._theme = theme
        self.panels: list[LayerPanel] = []
        self.probabilities = None
        self._build_controls()
        self._build_scene()
        self.set_theme(theme)

    # -- construction --------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.prev_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.random_button = QPushButton("Random")
        self.spin = QSpinBox()
        self.spin.setRange(0, 0)
        self.spin.setPrefix("#")
        self.spin.setKeyboardTracking(False)
        for button, tip in ((self.prev_button, "Previous test image (←)"),
                            (self.next_button, "Next test image (→)"),
                            (self.random_button, "A random test image")):
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for button in (self.prev_button, self.next_button):
            button.setFixedWidth(36)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.random_button.clicked.connect(self.random_probe)
        self.spin.valueChanged.connect(self.set_probe)
        self.glw = pg.GraphicsLayoutWidget()
        # A row of up to five charts in a dock: thin margins leave their titles room for a "?".
        self.glw.ci.layout.setContentsMargins(4, 4, 4, 4)
        self.glw.ci.layout.setHorizontalSpacing(3)
        self.glw.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.glw.setFocusProxy(self)  # a click on the charts lets ← → browse
        self.glw.installEventFilter(self)  # its size chooses the arrangement
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Probe (test image):"))
        for widget in (self.prev_button, self.spin, self.next_button, self.random_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(help_button(PROBE_HELP))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.glw, 1)

    def _build_scene(self) -> None:
        self.header = WrappingLabel(justify="center", size=f"{HEADER_PT}pt")
        self.input_plot, self.input_item = image_plot("Input x")
        self.input_hover = hover_text_item()
        self.input_plot.addItem(self.input_hover, ignoreBounds=True)
        self.input_caption = Caption()
        self.output = OutputBars()
        self.output.plot.setTitle("p = softmax(z)", size=TITLE_SIZE)  # room for the "?"
        # The scene: header, body, caption; the body holds the charts as arranged (the top
        # row and the hidden layers' grid are layouts of their own in a tall dock).
        self.body = pg.GraphicsLayout()
        self.top = pg.GraphicsLayout()
        self.hidden = pg.GraphicsLayout()
        for layout in (self.body, self.top, self.hidden):
            layout.layout.setContentsMargins(0, 0, 0, 0)
            layout.layout.setSpacing(6)
        ci = self.glw.ci
        ci.addItem(self.header, row=0, col=0)
        ci.addItem(self.body, row=1, col=0)
        ci.addItem(self.input_caption, row=2, col=0)
        ci.layout.setRowStretchFactor(1, 1)
        self.input_help = chart_help(self.glw, INPUT_HELP, self.input_plot)
        self.hidden_help = chart_help(self.glw, HIDDEN_HELP, None)  # on the first hidden layer
        chart_help(self.glw, OUTPUT_HELP, self.output.plot)
        self._layout_scene()
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _arrangement(self) -> tuple[str, int, float]:
        """("tall" or "wide", hidden layers per row, the top row's height) for the graphics'
        size and the theme's fonts."""
        # Its size less its frame and the layout's margins (its viewport's size lags behind in
        # its resize event, where this runs).
        edge = 2 * self.glw.frameWidth() + 8
        width, height = self.glw.width() - edge, self.glw.height() - edge
        n = len(self.panels)
        if width <= 0 or height <= 0 or width > WIDE * height:
            return "wide", max(n, 1), 0.0
        theme = self._theme
        app = QFontMetricsF(QApplication.font()).height()
        title = QFont()
        title.setPointSizeF(float(TITLE_SIZE.removesuffix("pt")) * theme.font_scale)
        label = QFont()
        label.setPointSizeF(theme.points(LABEL_PT))
        line = max(app, QFontMetricsF(label).height())
        header = QFont()
        header.setPointSizeF(theme.points(HEADER_PT))
        # The output's ten bars each as tall as a line and a bit, its title and its axis.
        need = 1.25 * line * len(self.output.labels) + QFontMetricsF(title).height() + 2 * app + 12
        top_h = min(max(need, TOP_SHARE[0] * height), TOP_SHARE[1] * height)
        rest = height - top_h - QFontMetricsF(header).height() - app - 3 * 6 - 8
        # What a layer's cell has beside its heatmap (its colour bar, the plot's margins) and
        # above it (its title), and its least width (its title's; a digit more or less of
        # units off moves it by a few pixels).
        least = Qt.SizeHint.MinimumSize
        bar_w = title_h = least_w = 0.0
        for p in self.panels:
            cell, label = p.cell.effectiveSizeHint(least), p.plot.titleLabel
            bar_w = max(bar_w, cell.width() - label.effectiveSizeHint(least).width())
            title_h = max(title_h, p.plot.effectiveSizeHint(least).height() + 4)
            least_w = max(least_w, cell.width() + 16)
        cols = hidden_columns([p.n for p in self.panels], width, rest, title_h, bar_w,
                              least_w, MIN_PLOT)
        return "tall", cols, round(top_h)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.glw and event.type() == QEvent.Type.Resize:
            self._layout_scene()
        return super().eventFilter(watched, event)

    def _layout_scene(self, force: bool = False) -> None:
        """(Re)place input, hidden panels and output as :meth:`_arrangement` says, when it
        changed (or ``force``): header above, the input's caption below (the static
        explanations are behind each chart's "?")."""
        arrangement = self._arrangement()
        if arrangement == self._arranged and not force:
            return
        self._arranged = arrangement
        mode, per_row, top_h = arrangement
        for layout in (self.hidden, self.top, self.body):  # inner ones first: in the scene
            layout.clear()
        cells = [p.cell for p in self.panels]
        if mode == "wide":
            columns = [self.input_plot, *cells, self.output.plot]
            for col, item in enumerate(columns):
                self.body.addItem(item, row=0, col=col)
                self.body.layout.setColumnStretchFactor(col, 2 if col == 0 else 3)
            self.body.layout.setRowStretchFactor(0, 1)
        else:
            self.top.addItem(self.input_plot, row=0, col=0)
            self.top.addItem(self.output.plot, row=0, col=1)
            self.top.layout.setColumnStretchFactor(0, 2)
            self.top.layout.setColumnStretchFactor(1, 3)
            self.top.setMinimumHeight(top_h)
            self.top.setMaximumHeight(top_h)
            self.body.addItem(self.top, row=0, col=0)
            for i, cell in enumerate(cells):
                self.hidden.addItem(cell, row=i // per_row, col=i % per_row)
            for col in range(per_row):
                self.hidden.layout.setColumnStretchFactor(col, 1)
            for row in range(-(-len(cells) // per_row)):
                self.hidden.layout.setRowStretchFactor(row, 1)
            if cells:
                self.body.addItem(self.hidden, row=1, col=0)
        hidden = [p.plot for p in self.panels]
        reanchor(self.hidden_help, hidden[0] if hidden else None,
                 covers=hidden[1:] + [p.bar for p in self.panels])

    # -- public API ----------------------------------------------------------------------

    @property
    def probe_index(self) -> int:
        """Index of the probe image in the dataset's test set."""
        return self._probe

    def export_item(self) -> pg.GraphicsLayout:
        return self.glw.ci

    def set_dataset(self, ds: Dataset) -> None:
        """Probe images come from ``ds.x_test``; class names label the output bars."""
        self.spin.blockSignals(True)
        self.spin.setRange(0, max(len(ds.x_test) - 1, 0))
        self.spin.blockSignals(False)
        self.output.set_classes(ds.class_names)
        old = self._probe
        self._probe = min(self._probe, max(len(ds.x_test) - 1, 0))
        self._show_probe()
        if self._probe != old:
            self.probe_changed.emit(self._probe)

    def set_probe(self, index: int) -> None:
        """Show test image ``index`` (wraps around the test set) and emit ``probe_changed``."""
        ds = self.model.dataset
        if ds is None or not len(ds.x_test):
            return
        index = int(index) % len(ds.x_test)
        if index == self._probe:
            return
        self._probe = index
        self._show_probe()
        self.probe_changed.emit(index)

    def step(self, delta: int) -> None:
        """Move the probe by ``delta`` test images."""
        self.set_probe(self._probe + delta)

    def random_probe(self) -> None:
        """Jump to a random other test image."""
        ds = self.model.dataset
        if ds is not None and len(ds.x_test) > 1:
            offset = int(self._rng.integers(1, len(ds.x_test)))
            self.set_probe(self._probe + offset)

    def show_snapshot(self, snap) -> None:
        """Run the probe through ``snap``'s weights and update the charts (skipped if hidden)."""
        key = (snap.run_id, tuple(snap.sizes), tuple(L.activation for L in snap.layers))
        if key != self._shape_key:
            self._rebuild(snap, key)
        self.drawing.offer(snap)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.glw.setBackground(theme.background)
        plots = [self.input_plot, self.output.plot] + [p.plot for p in self.panels]
        restyle(plots, [self.input_caption], theme)
        self.input_item.setColorMap(theme.sequential())
        style_hover(self.input_hover, theme)
        self.output.set_theme(theme)
        for panel in self.panels:
            panel.set_theme(theme)
        size_label(self.header, HEADER_PT, theme)
        self._draw_header()
        self._layout_scene()  # the fonts decide the rows' heights

    # -- drawing -------------------------------------------------------------------------

    def _rebuild(self, snap, key) -> None:
        """A new network (or other sizes): one panel per hidden layer."""
        self._shape_key = key
        self.panels = [LayerPanel(L.index, L.W.shape[0], L.activation) for L in snap.layers[:-1]]
        for panel in self.panels:
            panel.set_theme(self._theme)
            restyle([panel.plot], [], self._theme)
        self._layout_scene(force=True)

    def _show_probe(self) -> None:
        ds = self.model.dataset
        self.spin.blockSignals(True)
        self.spin.setValue(self._probe)
        self.spin.blockSignals(False)
        x = ds.x_test[self._probe].reshape(ds.image_shape)
        self.input_item.setImage(x, autoLevels=False, levels=(0, 1))
        true = ds.class_names[ds.y_test[self._probe]]
        self.input_caption.set_text(INPUT_CAPTION.format(i=self._probe, true=true))
        self._draw_header()
        self.drawing.redraw()  # now if visible, else when shown

    def _draw_network(self, snap) -> None:
        """Forward pass of the probe through ``snap``, drawn into the existing items."""
        ds = self.model.dataset
        if not self._fits(snap):
            self.probabilities = None
            self._draw_header()
            return
        zs, acts = probe_forward(snap.layers, ds.x_test[self._probe])
        for panel, z, a in zip(self.panels, zs[:-1], acts[:-1], strict=True):
            panel.show(z, a)
        self.probabilities = softmax(acts[-1][None, :])[0]
        self.output.show(self.probabilities, acts[-1], int(ds.y_test[self._probe]))
        self._draw_header()

    def _fits(self, snap) -> bool:
        """A snapshot whose input and output sizes match the dataset's."""
        ds = self.model.dataset
        return (snap is not None and ds is not None and snap.sizes[0] == ds.n_features
                and snap.sizes[-1] == ds.n_classes)

    def _draw_header(self) -> None:
        ds, p, theme = self.model.dataset, self.probabilities, self._theme
        snap = self.drawing.newest
        if ds is None:
            text, color = "No dataset loaded", theme.muted
        elif snap is None:
            text, color = "No network yet: start training to see its activations", theme.muted
        elif not self._fits(snap):
            text, color = "This network was built for other data: start a new run", theme.muted
        elif p is None:
            text, color = "", theme.muted  # drawn when the view is shown
        else:
            k, true = int(p.argmax()), int(ds.y_test[self._probe])
            names = ds.class_names
            mark = "✓" if k == true else "✗"
            text = f"predicted {names[k]} ({100 * p[k]:.1f} %), true {names[true]} {mark}"
            color = theme.good if k == true else theme.bad
        self.prediction_text = text
        self.header.setText(text, color=color)

    # -- hover ---------------------------------------------------------------------------

    def _on_mouse_moved(self, pos) -> None:
        """Exact values under the cursor: a pixel, a unit (z and a) or a class (p and z)."""
        for panel in self.panels:
            panel.hover.hide()
        self.input_hover.hide()
        self.output.hover.hide()
        if self.model.dataset is not None and self.input_plot.sceneBoundingRect().contains(pos):
            self._hover_input(self.input_plot.vb.mapSceneToView(pos))
            return
        for panel in self.panels:
            if panel.a is not None and panel.plot.sceneBoundingRect().contains(pos):
                point = panel.plot.vb.mapSceneToView(pos)
                unit = panel.unit_at(point.x(), point.y())
                if unit is not None:
                    place_hover(panel.hover, panel.hover_text(unit), point, panel.plot.vb)
                return
        if self.output.plot.sceneBoundingRect().contains(pos):
            self.output.hover_at(self.output.plot.vb.mapSceneToView(pos))

    def _hover_input(self, point) -> None:
        h, w = self.model.dataset.image_shape
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        if 0 <= row < h and 0 <= col < w:
            value = self.model.dataset.x_test[self._probe][row * w + col]
            place_hover(self.input_hover, f"pixel ({row}, {col})\nx = {value:.3f}", point,
                        self.input_plot.vb)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.step(-1 if event.key() == Qt.Key.Key_Left else 1)
            event.accept()
        else:
            super().keyPressEvent(event)

