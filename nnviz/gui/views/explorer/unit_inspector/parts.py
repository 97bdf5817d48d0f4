"""The unit inspector's pieces: pictures of where a unit's z comes from, edit controls, texts.

A first-layer unit's inputs are pixels, so :class:`ImagePair` shows its incoming weights
``W¹[j]`` and the products ``W¹[j] ⊙ x`` as two images on symmetric diverging scales. A deeper
unit's inputs are units, so :class:`ContributionBars` shows the strongest terms
``W^l[j, i]·a^{l-1}_i`` of its sum as bars. Both give exact values under the cursor.
:class:`EditControls` holds the widgets of an edit, and the functions write the inspector's
lines (values, edits, before → after); :mod:`nnviz.gui.views.explorer.unit_inspector.view` places
everything and owns the edits.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from nnviz.analysis.edits import UnitEdit, describe, layer_word
from nnviz.analysis.notation import sup
from nnviz.charts.parts import (
    TITLE_SIZE,
    colour_bar,
    hover_text_item,
    image_plot,
    max_abs_level,
    place_hover,
    style_hover,
)
from nnviz.charts.theme import Theme, style_plot
from nnviz.gui.widgets.help import help_button, topic

N_BARS = 20
BAR_HEIGHT = 0.7
MAX_LISTED = 6  # edits listed by name; the rest are counted
NICE = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "identity": "logit"}
# The lines under the charts carry the sums; how to read the charts is behind their "?".
IMAGE_CAPTION = "The {n} products W{l}[{j}, i]·xᵢ sum to z − b = {s:+.4g}."
BAR_CAPTION = ("The {k} largest of {n} contributions; the other {rest} sum to {r:+.4g}, the "
               "bias adds {b:+.4g}: z = {z:+.4g}.")
EDIT_HELP = topic(
    "inspector.edit", "Edit the unit",
    "Experiments on the chosen unit: shift its bias, scale its incoming weights or switch it "
    "off, and see below the charts how this example's answer and the test accuracy change. "
    "The edits apply to a copy of the network; Reset edits drops them, and Keep as new model "
    "hands the edited network to training.",
    "Shift the bias, scale the weights or switch off this unit, and see what changes")


def unit_kind(activation: str, class_name: str | None = None) -> str:
    """``ReLU``, ``logit``; ``logit of class 7`` for an output unit whose class is named."""
    if class_name is not None:
        return f"logit of class {class_name}"
    return NICE.get(activation, activation)


def values_line(z: float, a: float, b: float, p: float | None = None) -> str:
    """``z = … · a = … · b = …``; an output unit (``p`` given) shows its probability instead."""
    if p is not None:
        return f"z = {z:.4g} (logit) · p = {100 * p:.1f} % · b = {b:.4g}"
    return f"z = {z:.4g} · a = {a:.4g} · b = {b:.4g}"


def edited_line(z: float, a: float, output: bool, off: bool) -> str:
    """The unit's z (and a) in the edited network, and what switching it off means."""
    text = f"edited: z = {z:.4g}" if output else f"edited: z = {z:.4g} · a = {a:.4g}"
    if off:
        text += " · off: logit held at 0" if output else " · off: the layers above see 0"
    return text


def edits_line(edits: tuple[UnitEdit, ...], n_layers: int | None) -> str:
    """``Edits: hidden 2 unit 5: bias -1.00; …``: the first MAX_LISTED by name, then a count."""
    lines = [describe(e, n_layers) for e in edits[:MAX_LISTED]]
    if len(edits) > MAX_LISTED:
        lines.append(f"… and {len(edits) - MAX_LISTED} more")
    return "Edits: " + ("; ".join(lines) if lines else "none")


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


class ImagePair:
    """A first-layer unit's incoming weights and their products with the pixels, side by side.

    Attributes
    ----------
    weight_plot, product_plot : PlotItem
        Not in a layout: the inspector places them (with ``colorbars`` under them).
    weight_image, product_image : ImageItem
        ``W¹[j]`` and ``W¹[j] ⊙ x`` reshaped to the image, each on ``(−m, m)`` for its own m.
    colorbars : list of ColorBarItem
        Under the weights and under the products.
    hovers : dict
        Plot → its hover read-out.
    """

    def __init__(self):
        self.weight_plot, self.weight_image = image_plot()
        self.product_plot, self.product_image = image_plot()
        self.colorbars = []
        self.hovers = {}
        for plot, item in ((self.weight_plot, self.weight_image),
                           (self.product_plot, self.product_image)):
            bar = colour_bar(item, orientation="horizontal")
            self.colorbars.append(bar)
            self.hovers[plot] = hover_text_item()
            plot.addItem(self.hovers[plot], ignoreBounds=True)

    def style(self, theme: Theme) -> None:
        for plot in (self.weight_plot, self.product_plot):
            style_plot(plot, theme)
        for bar in self.colorbars:
            bar.setColorMap(theme.diverging())
            style_plot(bar, theme)
        for hover in self.hovers.values():
            style_hover(hover, theme)

    def draw(self, w: np.ndarray, products: np.ndarray, shape, layer: int, unit: int) -> str:
        """Weights ``w`` (n,) and ``products`` (n,) as ``shape`` images; returns the caption."""
        l, j = sup(layer), unit
        for plot, image, bar, values, title in (
                (self.weight_plot, self.weight_image, self.colorbars[0], w,
                 f"W{l}[{j}]<br>incoming weights"),  # short: their colours are behind the "?"
                (self.product_plot, self.product_image, self.colorbars[1], products,
                 f"W{l}[{j}] ⊙ x<br>in this drawing")):
            m = max_abs_level(values)
            image.setImage(values.reshape(shape), autoLevels=False, levels=(-m, m))
            bar.setLevels((-m, m))
            plot.setTitle(title, size=TITLE_SIZE)
        return IMAGE_CAPTION.format(n=w.size, l=l, j=j, s=float(products.sum()))

    def hover_at(self, pos, w: np.ndarray, x: np.ndarray, shape) -> None:
        """The pixel's W, x and W·x under scene point ``pos``, if it is over an image."""
        h, wd = shape
        for plot in (self.weight_plot, self.product_plot):
            if plot.sceneBoundingRect().contains(pos):
                point = plot.vb.mapSceneToView(pos)
                r, c = int(np.floor(point.y())), int(np.floor(point.x()))
                if 0 <= r < h and 0 <= c < wd:
                    i = r * wd + c
                    place_hover(self.hovers[plot], f"pixel ({r}, {c})\nW = {w[i]:+.4g}\n"
                                f"x = {x[i]:.4g}\nW·x = {w[i] * x[i]:+.4g}", point, plot.vb)


class ContributionBars:
    """The ``N_BARS`` strongest terms ``W[j, i]·a_i`` of a unit's z, strongest on top.

    Attributes
    ----------
    plot : PlotItem
        Not in a layout: the inspector places it.
    bars : BarGraphItem
        One bar per term from 0 to its value; red excitatory, blue inhibitory.
    zero_line, hover
        The line at 0 and the hover read-out.
    inputs : ndarray of int, shape (k,)
        The input units drawn, top to bottom.
    """

    def __init__(self):
        self.plot = pg.PlotItem()
        self.plot.getViewBox().invertY(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=BAR_HEIGHT)
        self.plot.addItem(self.bars)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.zero_line = pg.InfiniteLine(pos=0, angle=90)
        self.plot.addItem(self.zero_line)
        self.hover = hover_text_item()
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.inputs = np.zeros(0, dtype=int)

    def style(self, theme: Theme) -> None:
        style_plot(self.plot, theme)
        style_hover(self.hover, theme)
        self.zero_line.setPen(pg.mkPen(theme.muted))

    def draw(self, c: np.ndarray, layer: int, unit: int, z: float, b: float,
             theme: Theme) -> str:
        """Bars of the strongest of the contributions ``c`` (n_in,); returns the caption."""
        order = np.argsort(-np.abs(c), kind="stable")[:N_BARS]
        self.inputs = order
        shown = c[order]
        low, high = theme.diverging().map([0.1, 0.9], mode="qcolor")
        self.bars.setOpts(x0=np.minimum(shown, 0), x1=np.maximum(shown, 0),
                          y=np.arange(len(order)), height=BAR_HEIGHT, pens=[None] * len(order),
                          brushes=[high if v > 0 else low for v in shown])
        self.plot.getAxis("left").setTicks([[(k, str(i)) for k, i in enumerate(order)], []])
        self.plot.setYRange(-0.6, len(order) - 0.4, padding=0)
        m = max_abs_level(shown)
        self.plot.setXRange(-m, m, padding=0.05)
        below = layer - 1
        self.plot.setLabel("left", f"input unit i ({layer_word(below)})" if below
                           else "input feature i")
        self.plot.setLabel("bottom", f"W{sup(layer)}[{unit}, i] · a{sup(below)}ᵢ")
        return BAR_CAPTION.format(
            k=len(order), n=c.size, l=sup(layer), j=unit, p=sup(below), rest=c.size - len(order),
            r=float(c.sum() - shown.sum()), b=b, z=z)

    def hover_at(self, pos, w: np.ndarray, x: np.ndarray) -> None:
        """The bar's W, a and W·a under scene point ``pos``, if it is over a bar."""
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        point = self.plot.vb.mapSceneToView(pos)
        k = round(point.y())
        if 0 <= k < len(self.inputs) and abs(point.y() - k) <= BAR_HEIGHT / 2:
            i = int(self.inputs[k])
            place_hover(self.hover, f"input unit {i}\nW = {w[i]:+.4g}\n"
                        f"a = {x[i]:.4g}\nW·a = {w[i] * x[i]:+.4g}", point, self.plot.vb)


class EditControls(QWidget):
    """Bias shift, weight scale and switch-off of one unit; reset and keep; the list of edits.

    It makes no edits itself: the inspector connects the controls and calls :meth:`show_edit`.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
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
        self.edit_heading = QLabel()
        self.edit_list = QLabel(wordWrap=True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.edit_heading, 0, 0, 1, 3)
        grid.addWidget(help_button(EDIT_HELP), 0, 3, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(QLabel("Bias shift"), 1, 0)
        grid.addWidget(self.bias_spin, 1, 1)
        grid.addWidget(QLabel("Weight scale"), 1, 2)
        grid.addWidget(self.scale_spin, 1, 3)
        grid.addWidget(self.off_box, 2, 0, 1, 4)
        grid.addWidget(self.reset_button, 3, 0, 1, 2)
        grid.addWidget(self.keep_button, 3, 2, 1, 2)
        grid.addWidget(self.edit_list, 4, 0, 1, 4)

    def show_edit(self, edit: UnitEdit, unit_name: str | None, output: bool,
                  any_edits: bool) -> None:
        """Put ``edit`` in the controls without signals; ``unit_name`` None: no unit yet."""
        controls = (self.bias_spin, self.scale_spin, self.off_box)
        for widget, value in zip(controls, (edit.bias_shift, edit.weight_scale, edit.off)):
            widget.blockSignals(True)
            widget.setChecked(value) if widget is self.off_box else widget.setValue(value)
            widget.blockSignals(False)
            widget.setEnabled(unit_name is not None)
        for button in (self.reset_button, self.keep_button):
            button.setEnabled(any_edits)
        self.edit_heading.setText(f"<b>Edit {unit_name}</b>" if unit_name is not None
                                  else "<b>Edit</b>: pick a unit first")
        self.off_box.setText("Switch off (logit held at 0)" if output
                             else "Switch off (the layers above see 0)")
