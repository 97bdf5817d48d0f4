"""The unit inspector: one unit's z, a and b, where its z comes from, and edits of the unit.

A unit of layer l computes ``z = Σᵢ W^l[j, i]·a^{l-1}_i + b^l_j``. For the first layer the
inputs are pixels, so the incoming weights ``W¹[j]`` and the products ``W¹[j] ⊙ x`` are drawn
as images; deeper units show their strongest incoming contributions as bars. The edit
controls build :class:`~nnviz.core.edits.UnitEdit` records; the caller applies them and
hands back the answer and test accuracy before and after (:meth:`UnitInspector.set_comparison`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

from nnviz.core.edits import (UnitEdit, apply_edits, describe, layer_word, network_from_trace,
                              with_edit)
from nnviz.core.trace import ForwardTrace, forward_trace
from nnviz.gui.theme import LIGHT, Theme
from nnviz.gui.views.curve_tools import SUPERSCRIPT
from nnviz.gui.views.scene_parts import (TITLE_SIZE, Caption, hover_text_item, image_plot,
                                         place_hover, restyle, style_hover)

N_BARS = 20
BAR_HEIGHT = 0.7
MAX_LISTED = 6  # edits listed by name; the rest are counted
NICE = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "identity": "logit"}
PLACEHOLDER = "Edit a unit to see the answer and the accuracy change."
IMAGE_CAPTION = ("Left: the {n} incoming weights W{l}[{j}, :] as an image; red pixels push z up, "
                 "blue ones down. Right: each weight times this drawing's pixel, W·x: what the "
                 "unit finds in this drawing. They sum to z − b = {s:+.4g}.")
BAR_CAPTION = ("The {k} strongest of the {n} contributions W{l}[{j}, i]·a{p}ᵢ to z (red: "
               "excitatory, pushes z up; blue: inhibitory). The other {rest} sum to {r:+.4g}; "
               "the bias adds {b:+.4g}; z = {z:+.4g}.")


def sup(n: int) -> str:
    return str(n).translate(SUPERSCRIPT)


def answer_change(p_before: np.ndarray, p_after: np.ndarray, names) -> str:
    """``"answer 7 (93.1 %) → 1 (54.0 %)"`` for softmax outputs (K,) before and after."""
    k0, k1 = int(np.argmax(p_before)), int(np.argmax(p_after))
    return (f"answer {names[k0]} ({100 * p_before[k0]:.1f} %) → "
            f"{names[k1]} ({100 * p_after[k1]:.1f} %)")


def accuracy_change(before: float | None, after: float | None) -> str:
    """``"test accuracy 97.80 % → 91.20 %"`` for fractions in [0, 1]; None (computing): "…"."""
    def percent(v):
        return "…" if v is None else f"{100 * v:.2f} %"
    return f"test accuracy {percent(before)} → {percent(after)}"


class UnitInspector(QWidget):
    """One unit of a network on one example, and the edits of its units.

    Signals
    -------
    edits_changed(tuple of UnitEdit)
        After any change of the edits (one edit per unit, in the order units were edited).
    keep_requested()
        "Keep as new model": the caller applies :meth:`edits` and adopts the network.

    Attributes
    ----------
    contributions : ndarray, shape (n_in,) or None
        ``W^l[j, :] · a^{l-1}`` of the unit shown, on the example.
    bar_inputs : ndarray of int, shape (k,)
        The input units drawn as bars, strongest |contribution| first (top).
    title_text, values_text, after_text, answer_text, accuracy_text : str
        The lines shown.
    """

    edits_changed = Signal(object)
    keep_requested = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._edits: tuple[UnitEdit, ...] = ()
        self._trace = self._net = None  # the net is rebuilt from the trace when edits need it
        self._layer = self._unit = 0
        self._image_shape = None  # (h, w) when the unit's inputs are drawn as an image
        self._mode = "empty"       # what the scene holds: "empty", "images" or "bars"
        self._class_names = None
        self.contributions = None
        self.bar_inputs = np.zeros(0, dtype=int)
        self.unit_name = self.title_text = self.values_text = self.after_text = ""
        self.answer_text = self.accuracy_text = ""
        self._answer_changed = False
        self._build_scene()
        self._build_controls()
        self._layout_scene()
        self.set_theme(theme)

    # -- construction --------------------------------------------------------------------

    def _build_scene(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.title = pg.LabelItem(justify="left", size="12pt")
        self.values = pg.LabelItem(justify="left", size="10pt")
        self.weight_plot, self.weight_image = image_plot()
        self.product_plot, self.product_image = image_plot()
        self.colorbars = []
        for plot, item in ((self.weight_plot, self.weight_image),
                           (self.product_plot, self.product_image)):
            bar = pg.ColorBarItem(values=(-1, 1), width=12, interactive=False,
                                  orientation="horizontal", colorMapMenu=False)
            bar.setImageItem(item)
            self.colorbars.append(bar)
        self.bar_plot = pg.PlotItem()
        self.bar_plot.getViewBox().invertY(True)
        self.bar_plot.setMouseEnabled(False, False)
        self.bar_plot.setMenuEnabled(False)
        self.bar_plot.hideButtons()
        self.bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=BAR_HEIGHT)
        self.bar_plot.addItem(self.bars)
        self.bar_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.zero_line = pg.InfiniteLine(pos=0, angle=90)
        self.bar_plot.addItem(self.zero_line)
        self.hovers = {}  # plot -> its hover read-out
        for plot in (self.weight_plot, self.product_plot, self.bar_plot):
            self.hovers[plot] = hover_text_item()
            plot.addItem(self.hovers[plot], ignoreBounds=True)
        self.caption = Caption()
        self.answer = pg.LabelItem(justify="left", size="10pt")
        self.accuracy = pg.LabelItem(justify="left", size="10pt")
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _build_controls(self) -> None:
        self.bias_spin = QDoubleSpinBox(minimum=-20.0, maximum=20.0, singleStep=0.1, decimals=2)
        self.scale_spin = QDoubleSpinBox(minimum=0.0, maximum=3.0, singleStep=0.1, decimals=2,
                                         value=1.0)
        self.scale_spin.setPrefix("× ")
        self.off_box = QCheckBox("Switch off")
        self.reset_button = QPushButton("Reset edits")
        self.keep_button = QPushButton("Keep as new model")
        self.bias_spin.setToolTip("Added to the unit's bias b: z moves by this on every input")
        self.scale_spin.setToolTip("Multiplies the unit's incoming weights W[j, :]")
        self.keep_button.setToolTip("Make the edited network the current model")
        for spin in (self.bias_spin, self.scale_spin):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_control)
        self.off_box.toggled.connect(self._on_control)
        self.reset_button.clicked.connect(self.clear_edits)
        self.keep_button.clicked.connect(self.keep_requested)
        self.edit_heading = QLabel()
        self.edit_list = QLabel(wordWrap=True)
        grid = QGridLayout()
        grid.addWidget(self.edit_heading, 0, 0, 1, 4)
        grid.addWidget(QLabel("Bias shift"), 1, 0)
        grid.addWidget(self.bias_spin, 1, 1)
        grid.addWidget(QLabel("Weight scale"), 1, 2)
        grid.addWidget(self.scale_spin, 1, 3)
        grid.addWidget(self.off_box, 2, 0, 1, 4)
        grid.addWidget(self.reset_button, 3, 0, 1, 2)
        grid.addWidget(self.keep_button, 3, 2, 1, 2)
        grid.addWidget(self.edit_list, 4, 0, 1, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.glw, 1)
        layout.addLayout(grid)
        self._sync_controls()

    def _layout_scene(self) -> None:
        """Title and values, then two images (first layer) or the bars, caption, comparison."""
        ci = self.glw.ci
        ci.clear()
        for row, item in enumerate((self.title, self.values)):
            ci.addItem(item, row=row, col=0, colspan=2)
        row = 2
        if self._mode == "images":
            for col, plot in enumerate((self.weight_plot, self.product_plot)):
                ci.addItem(plot, row=2, col=col)
                ci.addItem(self.colorbars[col], row=3, col=col)
                ci.layout.setColumnStretchFactor(col, 1)
            row = 4
        elif self._mode == "bars":
            ci.addItem(self.bar_plot, row=2, col=0, colspan=2)
            row = 3
        for i, item in enumerate((self.caption, self.answer, self.accuracy)):
            ci.addItem(item, row=row + i, col=0, colspan=2)

    # -- public API ----------------------------------------------------------------------

    def export_item(self) -> pg.GraphicsLayout:
        return self.glw.ci

    def edits(self) -> tuple[UnitEdit, ...]:
        return self._edits

    def clear_edits(self) -> None:
        """Drop every edit, reset the controls and emit ``edits_changed(())``."""
        self._edits = ()
        self._sync_controls()
        self._after_edits()
        self.edits_changed.emit(())

    def set_unit(self, trace: ForwardTrace, layer: int, unit: int,
                 image_shape: tuple[int, int] = (28, 28)) -> None:
        """Show unit ``unit`` of layer ``layer`` (from 1) of the unedited network's ``trace``.

        The example is the trace's first row; the unit's edit, if any, goes into the
        controls without emitting ``edits_changed``.
        """
        if not 1 <= layer <= len(trace.layers):
            raise ValueError(f"layer {layer}: the trace has layers 1–{len(trace.layers)}")
        n_units = trace.layers[layer - 1].W.shape[0]
        if not 0 <= unit < n_units:
            raise ValueError(f"unit {unit}: layer {layer} has units 0–{n_units - 1}")
        if trace is not self._trace:
            self._trace, self._net = trace, None
        self._layer, self._unit = int(layer), int(unit)
        n_in = trace.layers[layer - 1].W.shape[1]
        fits = image_shape is not None and image_shape[0] * image_shape[1] == n_in
        self._image_shape = tuple(image_shape) if layer == 1 and fits else None
        mode = "bars" if self._image_shape is None else "images"
        if mode != self._mode:
            self._mode = mode
            self._layout_scene()
        self._draw_unit()
        self._sync_controls()
        self._after_edits()

    def set_comparison(self, p_before, p_after, acc_before: float | None,
                       acc_after: float | None, class_names) -> None:
        """The answer on this example and the test accuracy (fractions) before → after."""
        self._class_names = tuple(class_names)
        self.answer_text = answer_change(np.asarray(p_before), np.asarray(p_after), class_names)
        self.accuracy_text = accuracy_change(acc_before, acc_after)
        self._answer_changed = int(np.argmax(p_before)) != int(np.argmax(p_after))
        self._draw_comparison()
        if self._trace is not None:
            self._draw_title()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.glw.setBackground(theme.background)
        restyle([self.weight_plot, self.product_plot, self.bar_plot], [self.caption], theme)
        for bar in self.colorbars:
            bar.setColorMap(theme.diverging())
            restyle([bar], [], theme)
        for hover in self.hovers.values():
            style_hover(hover, theme)
        self.zero_line.setPen(pg.mkPen(theme.muted))
        self.edit_list.setStyleSheet(f"color: {theme.muted};")
        self._draw_comparison()
        if self._trace is not None:
            self._draw_unit()
            self._after_edits()
        else:
            self.title.setText("Pick a unit to inspect it", color=theme.muted)

    # -- drawing -------------------------------------------------------------------------

    def _parts(self):
        """(layer record, input a^{l-1} (n_in,), z, a, b) of the unit shown."""
        L = self._trace.layers[self._layer - 1]
        j = self._unit
        return L, L.x[0], float(L.z[0, j]), float(L.a[0, j]), float(L.b[j])

    def _draw_title(self) -> None:
        L, n = self._trace.layers[self._layer - 1], len(self._trace.layers)
        kind = NICE.get(L.activation, L.activation)
        if self._layer == n and self._class_names:
            kind = f"logit of class {self._class_names[self._unit]}"
        self.unit_name = f"{layer_word(self._layer, n)} · unit {self._unit}"
        self.title_text = f"{self.unit_name} ({kind})"
        self.title.setText(self.title_text, color=self._theme.foreground)

    def _draw_unit(self) -> None:
        L, x, z, a, b = self._parts()
        self.contributions = L.W[self._unit] * x
        self._draw_title()
        if self._layer == len(self._trace.layers):
            p = float(self._trace.probabilities[0, self._unit])
            self.values_text = f"z = {z:.4g} (logit) · p = {100 * p:.1f} % · b = {b:.4g}"
        else:
            self.values_text = f"z = {z:.4g} · a = {a:.4g} · b = {b:.4g}"
        if self._image_shape is not None:
            self._draw_images(L.W[self._unit])
        else:
            self._draw_bars(z, b)

    def _draw_images(self, w: np.ndarray) -> None:
        l, j, shape = sup(self._layer), self._unit, self._image_shape
        for plot, image, bar, values, title in (
                (self.weight_plot, self.weight_image, self.colorbars[0], w,
                 f"W{l}[{j}]: incoming weights<br>red excites, blue inhibits"),
                (self.product_plot, self.product_image, self.colorbars[1], self.contributions,
                 f"W{l}[{j}] ⊙ x: what it finds<br>in this drawing")):
            m = float(np.abs(values).max()) or 1.0
            image.setImage(values.reshape(shape), autoLevels=False, levels=(-m, m))
            bar.setLevels((-m, m))
            plot.setTitle(title, size=TITLE_SIZE)
        self.caption.set_text(IMAGE_CAPTION.format(n=w.size, l=l, j=j,
                                                   s=float(self.contributions.sum())))

    def _draw_bars(self, z: float, b: float) -> None:
        c, theme = self.contributions, self._theme
        order = np.argsort(-np.abs(c), kind="stable")[:N_BARS]
        self.bar_inputs = order
        shown = c[order]
        low, high = theme.diverging().map([0.1, 0.9], mode="qcolor")
        self.bars.setOpts(x0=np.minimum(shown, 0), x1=np.maximum(shown, 0),
                          y=np.arange(len(order)), height=BAR_HEIGHT, pens=[None] * len(order),
                          brushes=[high if v > 0 else low for v in shown])
        self.bar_plot.getAxis("left").setTicks([[(k, str(i)) for k, i in enumerate(order)], []])
        self.bar_plot.setYRange(-0.6, len(order) - 0.4, padding=0)
        m = float(np.abs(shown).max()) or 1.0
        self.bar_plot.setXRange(-m, m, padding=0.05)
        l, below = self._layer, self._layer - 1
        self.bar_plot.setLabel("left", f"input unit i ({layer_word(below)})" if below
                               else "input feature i")
        self.bar_plot.setLabel("bottom", f"W{sup(l)}[{self._unit}, i] · a{sup(below)}ᵢ")
        self.caption.set_text(BAR_CAPTION.format(
            k=len(order), n=c.size, l=sup(l), j=self._unit, p=sup(below), rest=c.size - len(order),
            r=float(c.sum() - shown.sum()), b=b, z=z))

    # -- edits ---------------------------------------------------------------------------

    def _edit_of_unit(self) -> UnitEdit:
        for edit in self._edits:
            if edit.key == (self._layer, self._unit):
                return edit
        return UnitEdit(max(self._layer, 1), self._unit)

    def _sync_controls(self) -> None:
        """Show the current unit's edit in the controls (no signals); enable what applies."""
        edit = self._edit_of_unit()
        controls = (self.bias_spin, self.scale_spin, self.off_box)
        for widget, value in zip(controls, (edit.bias_shift, edit.weight_scale, edit.off)):
            widget.blockSignals(True)
            widget.setChecked(value) if widget is self.off_box else widget.setValue(value)
            widget.blockSignals(False)
            widget.setEnabled(self._trace is not None)
        for button in (self.reset_button, self.keep_button):
            button.setEnabled(bool(self._edits))
        self.edit_heading.setText(f"<b>Edit {self.unit_name}</b>"
                                  if self._trace is not None else "<b>Edit</b>: pick a unit first")
        output = self._trace is not None and self._layer == len(self._trace.layers)
        self.off_box.setText("Switch off (logit held at 0)" if output
                             else "Switch off (the layers above see 0)")

    def _on_control(self, *_) -> None:
        if self._trace is None:
            return
        edit = UnitEdit(self._layer, self._unit, self.bias_spin.value(),
                        self.scale_spin.value(), self.off_box.isChecked())
        self._edits = with_edit(self._edits, edit)
        self._sync_controls()
        self._after_edits()
        self.edits_changed.emit(self._edits)

    def _after_edits(self) -> None:
        """List the edits; the unit's z and a in the edited network (all edits applied)."""
        n = len(self._trace.layers) if self._trace is not None else None
        lines = [describe(e, n) for e in self._edits[:MAX_LISTED]]
        if len(self._edits) > MAX_LISTED:
            lines.append(f"… and {len(self._edits) - MAX_LISTED} more")
        self.edit_list.setText("Edits: " + ("; ".join(lines) if lines else "none"))
        self.after_text = ""
        if self._trace is not None and self._edits:
            if self._net is None:
                self._net = network_from_trace(self._trace)
            edited = forward_trace(apply_edits(self._net, self._edits), self._trace.layers[0].x)
            L = edited.layers[self._layer - 1]
            z, a = float(L.z[0, self._unit]), float(L.a[0, self._unit])
            self.after_text = (f"edited: z = {z:.4g}" if self._layer == n
                               else f"edited: z = {z:.4g} · a = {a:.4g}")
            if self._edit_of_unit().off:
                self.after_text += (" · off: logit held at 0" if self._layer == n
                                    else " · off: the layers above see 0")
        self._draw_values()

    def _draw_comparison(self) -> None:
        theme = self._theme
        if not self.answer_text:
            self.answer.setText(PLACEHOLDER, color=theme.muted)
            return
        self.answer.setText(self.answer_text,
                            color=theme.bad if self._answer_changed else theme.foreground)
        self.accuracy.setText(self.accuracy_text, color=theme.foreground)

    def _draw_values(self) -> None:
        after = self.after_text and f"<br><span style='color:{self._theme.accent}'>%s</span>"
        self.values.setText(self.values_text + (after and after % self.after_text),
                            color=self._theme.foreground)

    # -- hover ---------------------------------------------------------------------------

    def _on_mouse_moved(self, pos) -> None:
        """Exact values under the cursor: a pixel's W, x and W·x, or a bar's W, a and W·a."""
        for hover in self.hovers.values():
            hover.hide()
        if self._trace is None:
            return
        L, x, *_ = self._parts()
        w = L.W[self._unit]
        if self._image_shape is not None:
            for plot in (self.weight_plot, self.product_plot):
                if plot.sceneBoundingRect().contains(pos):
                    point = plot.vb.mapSceneToView(pos)
                    h, wd = self._image_shape
                    r, c = int(np.floor(point.y())), int(np.floor(point.x()))
                    if 0 <= r < h and 0 <= c < wd:
                        i = r * wd + c
                        place_hover(self.hovers[plot], f"pixel ({r}, {c})\nW = {w[i]:+.4g}\n"
                                    f"x = {x[i]:.4g}\nW·x = {w[i] * x[i]:+.4g}", point, plot.vb)
        elif self.bar_plot.sceneBoundingRect().contains(pos):
            point = self.bar_plot.vb.mapSceneToView(pos)
            k = round(point.y())
            if 0 <= k < len(self.bar_inputs) and abs(point.y() - k) <= BAR_HEIGHT / 2:
                i = int(self.bar_inputs[k])
                place_hover(self.hovers[self.bar_plot], f"input unit {i}\nW = {w[i]:+.4g}\n"
                            f"a = {x[i]:.4g}\nW·a = {w[i] * x[i]:+.4g}", point, self.bar_plot.vb)
