"""The unit inspector: one unit's z, a and b, where its z comes from, and edits of the unit.

A unit of layer l computes ``z = Σᵢ W^l[j, i]·a^{l-1}_i + b^l_j``. For the first layer the
inputs are pixels, so the incoming weights ``W¹[j]`` and the products ``W¹[j] ⊙ x`` are drawn
as images; deeper units show their strongest incoming contributions as bars. The edit
controls build :class:`~nnviz.analysis.edits.UnitEdit` records; the caller applies them and
hands back the answer and test accuracy before and after (:meth:`UnitInspector.set_comparison`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnviz.analysis.edits import (
    UnitEdit,
    apply_edits,
    layer_word,
    network_from_trace,
    with_edit,
)
from nnviz.analysis.trace import ForwardTrace, forward_trace
from nnviz.charts.parts import Caption, WrappingLabel
from nnviz.charts.theme import LIGHT, Theme, size_label
from nnviz.gui.views.explorer.unit_inspector.parts import (
    N_BARS,
    ContributionBars,
    EditControls,
    ImagePair,
    accuracy_change,
    answer_change,
    edited_line,
    edits_line,
    unit_kind,
    values_line,
)
from nnviz.gui.widgets.help import chart_help, topic

__all__ = ["N_BARS", "PLACEHOLDER", "UnitInspector", "accuracy_change", "answer_change"]

PLACEHOLDER = "Edit a unit to see the answer and the accuracy change."
HINT = "Click a unit in the diagram to inspect it."  # the one line shown before a pick
TITLE_PT, TEXT_PT = 12, 10  # the unit's name and the other lines in the normal theme
IMAGES_HELP = topic(
    "inspector.images", "Weights and what they find",
    "For a first-layer unit, left: its incoming weights W[j, :] as an image, red pixels "
    "pushing z up where there is ink and blue ones pushing it down. Right: each weight "
    "times this example's pixel, W·x, what the unit actually finds in this image; these "
    "products plus the bias b make z. Hover a pixel for its W, x and W·x.",
    "A first-layer unit's weights (left) and weight × pixel for this example (right)")
BARS_HELP = topic(
    "inspector.bars", "Where z comes from",
    "For a deeper unit, the largest contributions W[j, i]·aᵢ of the units below to this "
    "unit's z, the strongest on top: red bars push z up (excitatory) and blue ones push it "
    "down (inhibitory). The line below adds up the rest and the bias, so the bars and z can "
    "be checked against each other; hover a bar for its W, a and W·a.",
    "The largest contributions W·a to this unit's z · red pushes z up, blue down")


class UnitInspector(QWidget):
    """One unit of a network on one example, and the edits of its units.

    Signals
    -------
    edits_changed(tuple of UnitEdit)
        After any change of the edits (one edit per unit, in the order units were edited).
    keep_requested()
        "Keep as new model": the caller applies :meth:`edits` and adopts the network.
    picked_changed(bool)
        A unit is shown now (the panel grows from its one-line hint), or no longer.

    Attributes
    ----------
    contributions : ndarray, shape (n_in,) or None
        ``W^l[j, :] · a^{l-1}`` of the unit shown, on the example.
    bar_inputs : ndarray of int, shape (k,)
        The input units drawn as bars, strongest |contribution| first (top).
    pair, chart, controls : ImagePair, ContributionBars, EditControls
        The parts; their items are attributes here too (``weight_image``, ``bars``, ``bias_spin``…).
    title_text, values_text, after_text, answer_text, accuracy_text : str
        The lines shown.
    """

    edits_changed = Signal(object)
    keep_requested = Signal()
    picked_changed = Signal(bool)

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
        self.title = WrappingLabel(justify="left", size=f"{TITLE_PT}pt")
        self.values = WrappingLabel(justify="left", size=f"{TEXT_PT}pt")
        self.pair, self.chart = ImagePair(), ContributionBars()
        pair, chart = self.pair, self.chart  # their items, under the names the callers know
        self.weight_plot, self.weight_image = pair.weight_plot, pair.weight_image
        self.product_plot, self.product_image = pair.product_plot, pair.product_image
        self.colorbars = pair.colorbars
        self.bar_plot, self.bars, self.zero_line = chart.plot, chart.bars, chart.zero_line
        self.hovers = {**pair.hovers, chart.plot: chart.hover}  # plot -> its hover read-out
        self.caption = Caption()
        self.answer = WrappingLabel(justify="left", size=f"{TEXT_PT}pt")
        self.accuracy = WrappingLabel(justify="left", size=f"{TEXT_PT}pt")
        self.help = {"images": chart_help(self.glw, IMAGES_HELP, self.product_plot,
                                          covers=[self.weight_plot, *self.colorbars]),
                     "bars": chart_help(self.glw, BARS_HELP, self.bar_plot)}
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)

    def _build_controls(self) -> None:
        self.controls = c = EditControls()
        self.bias_spin, self.scale_spin, self.off_box = c.bias_spin, c.scale_spin, c.off_box
        self.reset_button, self.keep_button = c.reset_button, c.keep_button
        self.edit_heading, self.edit_list = c.edit_heading, c.edit_list
        self.edit_list.setText(edits_line((), None))  # until the model hands it its edits
        for spin in (self.bias_spin, self.scale_spin):
            spin.valueChanged.connect(self._on_control)
        self.off_box.toggled.connect(self._on_control)
        self.reset_button.clicked.connect(self.clear_edits)
        self.keep_button.clicked.connect(self.keep_requested)
        # Before a unit is picked, one line (the panel is compact; the explorer gives the
        # room to the others); the scene and the edit controls come with the first pick.
        self.hint = QLabel(HINT, wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.glw, 1)
        layout.addWidget(self.controls)
        self._sync_controls()
        self._show_picked(False)

    @property
    def picked(self) -> bool:
        """A unit is shown (else the panel is its one-line hint)."""
        return self._trace is not None

    def _show_picked(self, picked: bool) -> None:
        changed = picked == self.hint.isVisibleTo(self)
        self.hint.setVisible(not picked)
        self.glw.setVisible(picked)
        self.controls.setVisible(picked)
        vertical = QSizePolicy.Policy.Preferred if picked else QSizePolicy.Policy.Maximum
        self.setSizePolicy(QSizePolicy.Policy.Preferred, vertical)
        self.updateGeometry()
        if changed:
            self.picked_changed.emit(picked)

    def compact_height(self, width: int) -> int:
        """The height of the one-line hint and the margins at ``width`` px (before a pick)."""
        m = self.layout().contentsMargins()
        return self.hint.heightForWidth(width - m.left() - m.right()) + m.top() + m.bottom()

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

    def set_edits(self, edits) -> None:
        """Take ``edits`` (a tuple of UnitEdit) as the current ones, without emitting."""
        self._edits = tuple(edits)
        self._sync_controls()
        self._after_edits()

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
        self._show_picked(True)
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

    def show_network(self, model) -> None:
        """The :class:`~nnviz.session.ExplorerModel`'s edits into the controls."""
        if tuple(model.edits) != self._edits:
            self.set_edits(model.edits)

    def show_unit(self, model) -> None:
        """The selected unit of the unedited network, and the answer and test accuracy
        before → after the edits."""
        base = model.base_trace
        if model.selected is None or base is None:
            return
        self.set_unit(base, *model.selected, model.image_shape)
        known = model.known_accuracy or (None, None)
        self.set_comparison(base.probabilities[0], model.trace.probabilities[0], *known,
                            model.class_names)

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
        self.pair.style(theme)
        self.chart.style(theme)
        self.caption.set_color(theme.muted)
        self.edit_list.setStyleSheet(f"color: {theme.muted};")
        self.hint.setStyleSheet(f"color: {theme.muted};")
        size_label(self.title, TITLE_PT, theme)
        for label in (self.values, self.answer, self.accuracy):
            size_label(label, TEXT_PT, theme)
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
        named = self._layer == n and self._class_names
        kind = unit_kind(L.activation, self._class_names[self._unit] if named else None)
        self.unit_name = f"{layer_word(self._layer, n)} · unit {self._unit}"
        self.title_text = f"{self.unit_name} ({kind})"
        self.title.setText(self.title_text, color=self._theme.foreground)

    def _draw_unit(self) -> None:
        L, x, z, a, b = self._parts()
        self.contributions = L.W[self._unit] * x
        self._draw_title()
        output = self._layer == len(self._trace.layers)
        p = float(self._trace.probabilities[0, self._unit]) if output else None
        self.values_text = values_line(z, a, b, p)
        if self._image_shape is not None:
            caption = self.pair.draw(L.W[self._unit], self.contributions, self._image_shape,
                                     self._layer, self._unit)
        else:
            caption = self.chart.draw(self.contributions, self._layer, self._unit, z, b,
                                      self._theme)
            self.bar_inputs = self.chart.inputs
        self.caption.set_text(caption)

    # -- edits ---------------------------------------------------------------------------

    def _edit_of_unit(self) -> UnitEdit:
        for edit in self._edits:
            if edit.key == (self._layer, self._unit):
                return edit
        return UnitEdit(max(self._layer, 1), self._unit)

    def _sync_controls(self) -> None:
        """Show the current unit's edit in the controls (no signals); enable what applies."""
        shown = self._trace is not None
        output = shown and self._layer == len(self._trace.layers)
        self.controls.show_edit(self._edit_of_unit(), self.unit_name if shown else None, output,
                                bool(self._edits))

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
        self.edit_list.setText(edits_line(self._edits, n))
        self.after_text = ""
        if self._trace is not None and self._edits:
            if self._net is None:
                self._net = network_from_trace(self._trace)
            edited = forward_trace(apply_edits(self._net, self._edits), self._trace.layers[0].x)
            L = edited.layers[self._layer - 1]
            self.after_text = edited_line(float(L.z[0, self._unit]), float(L.a[0, self._unit]),
                                          self._layer == n, self._edit_of_unit().off)
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
        if self._image_shape is not None:
            self.pair.hover_at(pos, L.W[self._unit], x, self._image_shape)
        else:
            self.chart.hover_at(pos, L.W[self._unit], x)
