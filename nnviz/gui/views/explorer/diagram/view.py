"""The network as a diagram: the input image, a column of circles per layer, the strongest edges.

Circles are coloured by activation (sequential colormap, per layer) or, backward, by ``δ``
(diverging, symmetric per layer); edges are the largest contributions ``a·W`` (forward) or
``W·δ`` (backward) between the drawn units, red excitatory, blue inhibitory, three widths by
strength. At the backward pass's last step (focus on the input) the input image shows the
saliency map ``∂L/∂x`` instead of the pixels. What to draw comes from
:func:`nnviz.analysis.diagram.select`; this module only places it (geometry, columns and read-outs
are in :mod:`~nnviz.gui.views.explorer.diagram.parts`). Items are built once per architecture
and updated in place, so a redraw costs ~1 ms.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from nnviz.analysis.diagram import MAX_UNITS, DiagramFrame, select
from nnviz.analysis.trace import ForwardTrace
from nnviz.charts.parts import (
    Caption,
    hover_text_item,
    place_hover,
    style_hover,
)
from nnviz.charts.theme import LIGHT, Theme
from nnviz.gui.views.explorer.diagram.parts import (
    BOTTOM,
    CAPTIONS,
    DIAMETER,
    DIM,
    IMAGE,
    LABEL_W,
    SALIENCY_CAPTION,
    TOP,
    Column,
    InputImage,
    architecture,
    band_brush,
    band_rect,
    circle_brushes,
    column_spacing,
    draw_gap,
    edge_colors,
    label_slot,
    new_gap,
    pixel_text,
    shows_saliency,
    style_gap,
    text_height,
    unit_text,
    view_rows,
)
from nnviz.gui.widgets.help import chart_help, topic

HELP = topic(
    "diagram.network", "The network at work",
    "One example flowing through the network: the input image, then a column of circles "
    "per layer, joined by the largest terms between them. Forward, circles are the "
    "activations a (bright for large; at the output the probability p) and lines the "
    "contributions a·W to the next layer's z, red exciting and blue inhibiting; backward, "
    "circles are the deltas δ = ∂L/∂z (red > 0, blue < 0) and lines the terms W·δ flowing "
    "down, and at the last step the image turns into ∂L/∂x, the saliency map (red: "
    "brightening that pixel raises the loss). Wide layers show their "
    f"{MAX_UNITS} strongest units, and a click on a circle opens it in the unit inspector.",
    "One example flowing through the layers · click a circle to inspect that unit")


class NetworkDiagram(QWidget):
    """One example going through the network, as circles and lines in a single scene.

    Signals
    -------
    unit_clicked(int, int)
        Layer ``l ≥ 1`` and unit ``j`` of a circle the user clicked.

    Attributes
    ----------
    frame : DiagramFrame or None
        What is drawn (units, values, levels, edges per layer).
    columns : list of Column
        One per layer 1..L; ``columns[l-1].units`` are the unit indices of its slots.
    edges : list of dict
        Per gap ``l`` (layer l−1 to l): ``{(sign, tier): PlotCurveItem}``, sign ``+1``/``-1``.
    input : InputImage
        The input image (``image``, ``image_frame``, ``image_title`` are its items);
        ``input.saliency`` tells whether it shows ``∂L/∂x`` instead of ``x``.
    """

    unit_clicked = Signal(int, int)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._trace: ForwardTrace | None = None
        self._key = None
        self._names: tuple[str, ...] = ()
        self.focus, self.direction = None, "forward"
        self.selected: tuple[int, int] | None = None
        self.frame: DiagramFrame | None = None
        self.columns: list[Column] = []
        self.edges: list[dict] = []
        self.rows = (TOP, BOTTOM)  # the view's top and bottom (see _fit_rows)
        self._build_scene()
        self.set_theme(theme)

    def _build_scene(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.plot = self.glw.addPlot(row=0, col=0)
        self.caption = Caption(CAPTIONS["forward"])
        self.glw.ci.addItem(self.caption, row=1, col=0)
        chart_help(self.glw, HELP, self.plot)
        self.plot.hideButtons()
        for name in ("left", "bottom"):
            self.plot.hideAxis(name)
        vb = self.vb = self.plot.getViewBox()
        vb.invertY(True)
        vb.setAspectLocked(True)
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self.input = InputImage()
        self.image, self.image_frame, self.image_title = self.input.items()
        self.band = QGraphicsRectItem()
        self.band.setZValue(-5)
        self.band.hide()
        self.ring = pg.ScatterPlotItem(size=DIAMETER * 1.6, pxMode=False, brush=None)
        self.ring.setZValue(3)
        self.hover = hover_text_item()
        for item in (self.image, self.image_frame, self.image_title, self.band, self.ring):
            self.plot.addItem(item, ignoreBounds=True)  # the view range is fixed
        self.plot.addItem(self.hover, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.glw)
        vb.sigResized.connect(self._fit_rows)
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.glw.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # -- public API ----------------------------------------------------------------------

    def export_item(self) -> pg.GraphicsLayout:
        return self.glw.ci

    def set_trace(self, trace: ForwardTrace, image_shape=(28, 28), class_names=None) -> None:
        """Draw example 0 of ``trace`` (a forward or backward trace)."""
        key = architecture(trace, image_shape, class_names)
        self._trace = trace
        if key != self._key:
            self._rebuild(key)
        self._draw()

    # -- as a view of the explorer model ----------------------------------------------------

    def show_trace(self, model) -> None:
        """The :class:`~nnviz.session.ExplorerModel`'s trace; without an example (the pad
        cleared) no activations, edges or input are left from the last one."""
        if model.trace is not None:
            self.set_trace(model.trace, model.image_shape, model.class_names)
        elif model.x is None and self._trace is not None:
            self.clear_activations()

    def clear_activations(self) -> None:
        """Units in the colour of 0, no edges, no input picture (the layout stays)."""
        self._trace = None
        if self.frame is not None:
            for column, units in zip(self.columns, self.frame.units):
                column.show_units(units, np.zeros(len(units)), (0.0, 1.0),
                                  self._luts["forward"], self._names)
        for curves in self.edges:
            for curve in curves.values():
                curve.setData([], [])
        self.input.image.clear()

    def show_position(self, model) -> None:
        """Light up the stepper's current step."""
        if model.focus is not None:
            self.set_focus(*model.focus)

    def show_unit(self, model) -> None:
        """Ring the unit being inspected."""
        if model.selected != self.selected:
            self.set_selected(*(model.selected or (None, None)))

    def set_focus(self, layer: int | None, direction: str = "forward") -> None:
        """Light up layer ``layer`` (0 = input, 1..L) as being computed; None for no focus.

        ``direction="backward"`` colours circles by ``δ`` and draws ``W·δ`` (with a backward
        trace); its highlighted gap is the one above ``layer``, where ``δ^layer`` comes from.
        Backward at layer 0 (the gradient with respect to the input) the image shows ``∂L/∂x``.
        """
        if direction not in CAPTIONS:
            raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
        redraw = direction != self.direction
        self.focus, self.direction = layer, direction
        if redraw and self._trace is not None:
            self._draw()
            return
        if self._trace is not None and shows_saliency(self._trace, layer, direction) != \
                self.input.saliency:
            self._draw_image()  # into or out of the last backward step, ∂L/∂x
        self._apply_focus()

    def set_selected(self, layer: int | None, unit: int | None) -> None:
        """Ring unit ``unit`` of layer ``layer`` (kept on screen even if not strong); None
        clears."""
        self.selected = None if layer is None or unit is None else (int(layer), int(unit))
        shown = self._slot(*self.selected) is not None if self.selected else True
        if not shown and self._trace is not None:
            self._draw()
        else:
            self._place_ring()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.glw.setBackground(theme.background)
        self.caption.set_color(theme.muted)
        style_hover(self.hover, theme)
        self.input.style(theme)
        self.band.setBrush(band_brush(theme))
        self.band.setPen(pg.mkPen(None))
        self.ring.setPen(pg.mkPen(theme.accent, width=2.5))
        self._luts, self._edge_colors = circle_brushes(theme), edge_colors(theme)
        for column in self.columns:
            column.style(theme)
        for gap in self.edges:
            style_gap(gap, self._edge_colors)
        self._fit_rows()  # the texts' new size
        self._fit_height()
        if self._trace is not None:
            self._draw()
        else:
            self._apply_focus()  # titles' colours

    # -- construction --------------------------------------------------------------------

    def _rebuild(self, key) -> None:
        """Items for a new architecture: one column per layer, six edge curves per gap."""
        sizes, activations, image_shape, self._names = key
        self._key = key
        self.input.set_shape(image_shape)
        for item in [i for c in self.columns for i in c.items()] + \
                [c for gap in self.edges for c in gap.values()]:
            self.plot.removeItem(item)
        L = len(sizes) - 1
        self.spacing = column_spacing(L)
        self.columns = [Column(l, sizes[l], activations[l - 1], IMAGE + l * self.spacing, l == L,
                               self._names) for l in range(1, L + 1)]
        self.edges = [new_gap() for _ in range(L)]
        for column in self.columns:
            for item in column.items():
                self.plot.addItem(item, ignoreBounds=True)
            column.style(self._theme)
        for gap in self.edges:
            for curve in gap.values():
                self.plot.addItem(curve, ignoreBounds=True)
            style_gap(gap, self._edge_colors)
        self._fit_rows()
        self._fit_height()

    def _fit_height(self) -> None:
        """At least as high as the titles, the class names a line apart and the caption
        need in their pixel size (in presenter mode at 1280×720 the splitter gave less, and
        0–9 overlapped); the stepper below scrolls instead."""
        out = self.columns[-1] if self.columns else None
        if out is None or not out.labels:
            return
        line = max(text_height(t) for t in out.labels)
        above = max(text_height(t) for t in [c.title for c in self.columns] + [self.input.title])
        grid = self.glw.ci.layout
        _, top, _, bottom = grid.getContentsMargins()
        need = (above + 4 + (len(out.ys) - 1) * (line + 1) + line + 4 + top + bottom
                + grid.verticalSpacing() + self.caption.minimumHeight())
        self.setMinimumHeight(round(need))

    def _fit_rows(self) -> None:
        """The view's range: the diagram's width, and its rows widened so that the titles
        and ``+n more`` fit in their pixel size (presenter mode's font in a 285 px high
        diagram cut the titles' first line off)."""
        if not self.columns:
            return
        x0, x1 = -2.0, self.columns[-1].x + LABEL_W
        texts = [c.title for c in self.columns] + [self.input.title]
        above = max(text_height(t) for t in texts) + 2
        mores = [c.more for c in self.columns if c.more is not None]
        below = max((text_height(m) for m in mores), default=0.0) + 2
        lowest = max((m.pos().y() for m in mores), default=BOTTOM)
        size = (max(self.vb.width(), 1.0), max(self.vb.height(), 1.0))
        self.rows = view_rows(size, x1 - x0, above, below, lowest)
        self.vb.setRange(xRange=(x0, x1), yRange=self.rows, padding=0)
        out = self.columns[-1]
        if out.labels:
            scale = min(size[0] / (x1 - x0), size[1] / (self.rows[1] - self.rows[0]))
            slot, centre = label_slot(len(out.ys), max(text_height(t) for t in out.labels),
                                      scale, self.rows)
            if abs(slot - out.slot) > 1e-3 or abs(centre - out.ys.mean()) > 1e-3:
                out.set_slot(slot, centre)
                if self._trace is not None:
                    self._draw()  # the edges end at the moved circles
        if self.band.isVisible() and self.focus is not None:
            self.band.setRect(band_rect(self.focus, self.columns, self.spacing, self.rows))

    # -- drawing -------------------------------------------------------------------------

    def _draw(self) -> None:
        """Choose units and edges for the current direction and update every item."""
        f = self.frame = select(self._trace, self.direction, keep=self.selected)
        for column, units, values, levels in zip(self.columns, f.units, f.values, f.levels):
            column.show_units(units, values, levels, self._luts[f.direction], self._names)
        for l, (gap, e) in enumerate(zip(self.edges, f.edges), 1):
            draw_gap(gap, self._unit_xy(l - 1, e.i), self._unit_xy(l, e.j), e.value)
        self._draw_image()
        self._apply_focus()
        self._place_ring()

    def _draw_image(self) -> None:
        """The input pixels in grey on (0, 1), or ``∂L/∂x`` at the last backward step."""
        saliency = shows_saliency(self._trace, self.focus, self.direction)
        self.input.show(self._trace, saliency)
        caption = SALIENCY_CAPTION if saliency else CAPTIONS[self.frame.direction]
        if caption != self.caption.text():
            self.caption.set_text(caption)
            self._fit_height()

    def _unit_xy(self, l: int, units: np.ndarray) -> np.ndarray:
        """View positions (k, 2) of units of layer ``l`` (pixels of the image for l = 0)."""
        return self.input.pixel_xy[units] if l == 0 else self.columns[l - 1].unit_xy(units)

    def _focused_gap(self) -> int | None:
        """The gap whose edges compute the focused layer: below it forward, above it backward."""
        if self.focus is None:
            return None
        forward = self.frame is None or self.frame.direction == "forward"
        return self.focus if forward else self.focus + 1

    def _apply_focus(self) -> None:
        """A band behind the focused column; other columns and gaps dimmed."""
        focus, theme = self.focus, self._theme
        gap = self._focused_gap()
        for l, column in enumerate(self.columns, 1):
            column.set_focus(focus is None or focus == l, focus == l, theme)
        self.image.setOpacity(1.0 if focus in (None, 0) else DIM)
        self.image_title.setColor(theme.accent if focus == 0 else theme.foreground)
        for l, curves in enumerate(self.edges, 1):
            for curve in curves.values():
                curve.setOpacity(1.0 if gap is None or gap == l else DIM / 2)
        if focus is None or not 0 <= focus <= len(self.columns):
            self.band.hide()
            return
        self.band.setRect(band_rect(focus, self.columns, self.spacing, self.rows))
        self.band.show()

    def _slot(self, l: int, unit: int) -> int | None:
        if not 1 <= l <= len(self.columns):
            return None
        return self.columns[l - 1].slot_of(unit)

    def _place_ring(self) -> None:
        slot = self._slot(*self.selected) if self.selected else None
        if slot is None:
            self.ring.setData([], [])
            return
        column = self.columns[self.selected[0] - 1]
        self.ring.setData([column.x], [column.ys[slot]])

    # -- mouse ---------------------------------------------------------------------------

    def unit_at(self, scene_pos) -> tuple[int, int] | None:
        """The (layer, unit) whose circle holds ``scene_pos``, or None."""
        p = self.vb.mapSceneToView(scene_pos)
        for column in self.columns:
            unit = column.unit_at(p.x(), p.y())
            if unit is not None:
                return column.l, unit
        return None

    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self._trace is None:
            return
        hit = self.unit_at(ev.scenePos())
        if hit is not None:
            self.set_selected(*hit)
            self.unit_clicked.emit(*hit)

    def _on_mouse_moved(self, pos) -> None:
        self.hover.hide()
        if self._trace is None:
            return
        hit = self.unit_at(pos)
        point = self.vb.mapSceneToView(pos)
        if hit is not None:
            text = self.unit_text(*hit)
        elif self.image.sceneBoundingRect().contains(pos):
            text = pixel_text(self._trace, self.input.shape, point.x(), point.y())
        else:
            return
        if text:
            place_hover(self.hover, text, point, self.vb)

    def unit_text(self, l: int, j: int) -> str:
        """The hover read-out of unit ``j`` of layer ``l``: z, a (p, δ when known)."""
        return unit_text(self._trace, self._names, l, j)
