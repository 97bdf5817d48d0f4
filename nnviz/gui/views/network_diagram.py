"""The network as a diagram: the input image, a column of circles per layer, the strongest edges.

Circles are coloured by activation (sequential colormap, per layer) or, backward, by ``δ``
(diverging, symmetric per layer); edges are the largest contributions ``a·W`` (forward) or
``W·δ`` (backward) between the drawn units, red excitatory, blue inhibitory, three widths by
strength. What to draw comes from :func:`nnviz.core.diagram.select`; this module only places
it. Items are built once per architecture and updated in place, so a redraw costs ~1 ms.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from nnviz.core.diagram import MAX_UNITS, DiagramFrame, select
from nnviz.core.trace import BackwardTrace, ForwardTrace
from nnviz.gui.theme import LIGHT, Theme
from nnviz.gui.views.scene_parts import Caption, hover_text_item, place_hover, style_hover

SLOT = 6.0            # vertical distance between circles (view units)
DIAMETER = 4.4        # circle diameter (view units, so circles scale with the widget)
MID_Y = 60.0          # vertical centre of every column
TOP, BOTTOM = 0.0, 116.0
TITLE_Y = MID_Y - (MAX_UNITS / 2 + 0.5) * SLOT  # every column's title sits on this line
IMAGE = 44.0          # side of the input image
IMAGE_RECT = QRectF(0, MID_Y - IMAGE / 2, IMAGE, IMAGE)
LABEL_W = 18.0        # room right of the output column for class names
TIERS = ((0.8, 110), (1.6, 170), (2.8, 235))  # (pen width px, alpha) of weak, middle, strong
DIM = 0.3             # opacity of the layers out of focus
ACT_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}
CAPTIONS = {
    "forward": "Forward: circles are the activations a (bright = large, per layer; output: "
               "the probability p). Lines: the strongest contributions a·W to the next layer's z, "
               "red excitatory, blue inhibitory. Wide layers show their {k} strongest units.",
    "backward": "Backward: circles are the deltas δ = ∂L/∂z (red > 0, blue < 0, per layer). "
                "Lines: the strongest terms W·δ flowing back to the layer below, red positive, "
                "blue negative. Each layer shows its {k} units with the largest |δ|.",
}


def layer_title(l: int, n: int, activation: str, last: bool) -> str:
    """``hidden 1 · 256 ReLU`` or ``output · 10``."""
    return f"output · {n}" if last else f"hidden {l} · {n} {ACT_NAMES.get(activation, activation)}"


class _Column:
    """The circles of layer ``l`` at ``x``: up to MAX_UNITS slots, top to bottom."""

    def __init__(self, l: int, n: int, activation: str, x: float, last: bool):
        self.l, self.n, self.x, self.last = l, n, x, last
        k = min(n, MAX_UNITS)
        self.ys = MID_Y + (np.arange(k) - (k - 1) / 2) * SLOT
        self.units = np.arange(k)
        self.scatter = pg.ScatterPlotItem(x=np.full(k, x), y=self.ys, size=DIAMETER, pxMode=False)
        self.scatter.setZValue(2)
        self.title = pg.TextItem(layer_title(l, n, activation, last), anchor=(0.5, 1))
        self.title.setPos(x, TITLE_Y)
        self.more = pg.TextItem(f"+{n - k} more", anchor=(0.5, 0)) if n > k else None
        if self.more:
            self.more.setPos(x, self.ys[-1] + SLOT * 0.6)
        self.labels = [pg.TextItem(anchor=(0, 0.5)) for _ in range(k)] if last else []
        for label, y in zip(self.labels, self.ys):
            label.setPos(x + DIAMETER * 0.7, y)

    def items(self):
        return [self.scatter, self.title] + ([self.more] if self.more else []) + self.labels

    def slot_of(self, unit: int) -> int | None:
        hit = np.flatnonzero(self.units == unit)
        return int(hit[0]) if hit.size else None


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
    columns : list of _Column
        One per layer 1..L; ``columns[l-1].units`` are the unit indices of its slots.
    edges : list of dict
        Per gap ``l`` (layer l−1 to l): ``{(sign, tier): PlotCurveItem}``, sign ``+1``/``-1``.
    """

    unit_clicked = Signal(int, int)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._trace: ForwardTrace | None = None
        self._key = None
        self._image_shape = (28, 28)
        self._names: tuple[str, ...] = ()
        self.focus, self.direction = None, "forward"
        self.selected: tuple[int, int] | None = None
        self.frame: DiagramFrame | None = None
        self.columns: list[_Column] = []
        self.edges: list[dict] = []
        self._build_scene()
        self.set_theme(theme)

    def _build_scene(self) -> None:
        self.glw = pg.GraphicsLayoutWidget()
        self.plot = self.glw.addPlot(row=0, col=0)
        self.caption = Caption(CAPTIONS["forward"].format(k=MAX_UNITS))
        self.glw.ci.addItem(self.caption, row=1, col=0)
        self.plot.hideButtons()
        for name in ("left", "bottom"):
            self.plot.hideAxis(name)
        vb = self.vb = self.plot.getViewBox()
        vb.invertY(True)
        vb.setAspectLocked(True)
        vb.setMouseEnabled(False, False)
        vb.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.image_frame = QGraphicsRectItem(IMAGE_RECT)
        self.image_frame.setZValue(0.5)
        self.image_title = pg.TextItem(anchor=(0.5, 1))
        self.image_title.setPos(IMAGE / 2, TITLE_Y)
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
        self.glw.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.glw.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # -- public API ----------------------------------------------------------------------

    def export_item(self) -> pg.GraphicsLayout:
        return self.glw.ci

    def set_trace(self, trace: ForwardTrace, image_shape=(28, 28), class_names=None) -> None:
        """Draw example 0 of ``trace`` (a forward or backward trace)."""
        sizes = (trace.layers[0].W.shape[1],) + tuple(r.W.shape[0] for r in trace.layers)
        if int(np.prod(image_shape)) != sizes[0]:
            raise ValueError(f"image shape {image_shape} does not hold {sizes[0]} inputs")
        names = tuple(class_names) if class_names is not None else tuple(map(str, range(sizes[-1])))
        key = (sizes, tuple(r.activation for r in trace.layers), tuple(image_shape), names)
        self._trace = trace
        if key != self._key:
            self._rebuild(key)
        self.image.setImage(np.reshape(trace.layers[0].x[0], image_shape), autoLevels=False,
                            levels=(0, 1))
        self.image.setRect(IMAGE_RECT)  # scales the h × w pixels into the view's square
        self._draw()

    def set_focus(self, layer: int | None, direction: str = "forward") -> None:
        """Light up layer ``layer`` (0 = input, 1..L) as being computed; None for no focus.

        ``direction="backward"`` colours circles by ``δ`` and draws ``W·δ`` (with a backward
        trace); its highlighted gap is the one above ``layer``, where ``δ^layer`` comes from.
        """
        if direction not in CAPTIONS:
            raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
        redraw = direction != self.direction
        self.focus, self.direction = layer, direction
        if redraw and self._trace is not None:
            self._draw()
        else:
            self._apply_focus()

    def set_selected(self, layer: int | None, unit: int | None) -> None:
        """Ring unit ``unit`` of layer ``layer`` (kept on screen even if not strong); None clears."""
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
        self.image_frame.setPen(pg.mkPen(theme.muted))
        accent = QColor(theme.accent)
        accent.setAlpha(45 if theme.dark else 30)
        self.band.setBrush(QBrush(accent))
        self.band.setPen(pg.mkPen(None))
        self.ring.setPen(pg.mkPen(theme.accent, width=2.5))
        self._luts = {name: [pg.mkBrush(*rgb) for rgb in cmap.getLookupTable(0, 1, 256, alpha=False)]
                      for name, cmap in (("forward", theme.sequential()),
                                         ("backward", theme.diverging()))}
        div, end = theme.diverging(), 0.22 if theme.dark else 0.1  # lighter ends on dark
        self._edge_colors = {1: div.map(1 - end, mode="qcolor"), -1: div.map(end, mode="qcolor")}
        for column in self.columns:
            self._style_column(column)
        for gap in self.edges:
            self._style_gap(gap)
        if self._trace is not None:
            self._draw()
        else:
            self._apply_focus()  # titles' colours

    # -- construction --------------------------------------------------------------------

    def _rebuild(self, key) -> None:
        """Items for a new architecture: one column per layer, six edge curves per gap."""
        sizes, activations, self._image_shape, self._names = key
        self._key = key
        for item in [i for c in self.columns for i in c.items()] + \
                [c for gap in self.edges for c in gap.values()]:
            self.plot.removeItem(item)
        L = len(sizes) - 1
        spacing = float(np.clip((1.85 * (BOTTOM - TOP) - IMAGE - LABEL_W) / L, 34.0, 70.0))
        self.spacing = spacing
        self.columns = [_Column(l, sizes[l], activations[l - 1], IMAGE + l * spacing, l == L)
                        for l in range(1, L + 1)]
        self.edges = [{(s, t): pg.PlotCurveItem(connect="pairs") for s in (1, -1)
                       for t in range(len(TIERS))} for _ in range(L)]
        for column in self.columns:
            for item in column.items():
                self.plot.addItem(item, ignoreBounds=True)
            for label, unit in zip(column.labels, column.units):
                label.setText(self._names[unit])
        for gap in self.edges:
            for curve in gap.values():
                curve.setZValue(1)
                self.plot.addItem(curve, ignoreBounds=True)
        h, w = self._image_shape
        self._pixel_xy = np.stack([(np.arange(h * w) % w + 0.5) * IMAGE / w,
                                   MID_Y - IMAGE / 2 + (np.arange(h * w) // w + 0.5) * IMAGE / h], 1)
        for column in self.columns:
            self._style_column(column)
        for gap in self.edges:
            self._style_gap(gap)
        self.image_title.setText("input · " + "×".join(map(str, self._image_shape)))
        self.vb.setRange(xRange=(-2, self.columns[-1].x + LABEL_W), yRange=(TOP, BOTTOM),
                         padding=0)

    def _style_column(self, column: _Column) -> None:
        theme = self._theme
        column.scatter.setPen(pg.mkPen(theme.muted, width=1))
        for label in column.labels:
            label.setColor(theme.foreground)
        if column.more:
            column.more.setColor(theme.muted)

    def _style_gap(self, gap: dict) -> None:
        for (sign, tier), curve in gap.items():
            color = QColor(self._edge_colors[sign])
            width, alpha = TIERS[tier]
            color.setAlpha(alpha)
            curve.setPen(pg.mkPen(color, width=width))

    # -- drawing -------------------------------------------------------------------------

    def _draw(self) -> None:
        """Choose units and edges for the current direction and update every item."""
        f = self.frame = select(self._trace, self.direction, keep=self.selected)
        luts = self._luts[f.direction]
        for column, units, values, (low, high) in zip(self.columns, f.units, f.values, f.levels):
            if column.last and not np.array_equal(units, column.units):
                for label, unit in zip(column.labels, units):
                    label.setText(self._names[unit])
            column.units = units
            t = np.nan_to_num((values - low) / (high - low), nan=0.0)
            index = np.clip(t * 255, 0, 255).astype(np.intp)
            column.scatter.setBrush([luts[i] for i in index])
        for l, (gap, e) in enumerate(zip(self.edges, f.edges), 1):
            self._draw_gap(l, gap, e)
        caption = CAPTIONS[f.direction].format(k=MAX_UNITS)
        if caption != self.caption.text():
            self.caption.set_text(caption)
        self._apply_focus()
        self._place_ring()

    def _unit_xy(self, l: int, units: np.ndarray) -> np.ndarray:
        """View positions (k, 2) of units of layer ``l`` (pixels of the image for l = 0)."""
        if l == 0:
            return self._pixel_xy[units]
        column = self.columns[l - 1]
        slot = np.searchsorted(column.units, units)  # units are sorted
        return np.stack([np.full(len(units), column.x), column.ys[slot]], 1)

    def _draw_gap(self, l: int, gap: dict, e) -> None:
        """Edges of gap ``l`` by sign and strength tier, as pairs of points."""
        start, end = self._unit_xy(l - 1, e.i), self._unit_xy(l, e.j)
        strength = np.abs(e.value)
        top = strength[0] if len(strength) else 1.0
        tier = np.minimum((len(TIERS) * strength / top).astype(int), len(TIERS) - 1)
        sign = np.where(e.value > 0, 1, -1)
        for (s, t), curve in gap.items():
            pick = (sign == s) & (tier == t)
            xy = np.empty((2 * int(pick.sum()), 2))
            xy[0::2], xy[1::2] = start[pick], end[pick]
            curve.setData(xy[:, 0], xy[:, 1])

    def _focused_gap(self) -> int | None:
        """The gap whose edges compute the focused layer: below it forward, above it backward."""
        if self.focus is None:
            return None
        return self.focus if self.frame is None or self.frame.direction == "forward" else self.focus + 1

    def _apply_focus(self) -> None:
        """A band behind the focused column; other columns and gaps dimmed."""
        focus, theme = self.focus, self._theme
        gap = self._focused_gap()
        for l, column in enumerate(self.columns, 1):
            lit = focus is None or focus == l
            for item in column.items():
                item.setOpacity(1.0 if lit else DIM)
            column.title.setColor(theme.accent if focus == l else theme.foreground)
        self.image.setOpacity(1.0 if focus in (None, 0) else DIM)
        self.image_title.setColor(theme.accent if focus == 0 else theme.foreground)
        for l, curves in enumerate(self.edges, 1):
            for curve in curves.values():
                curve.setOpacity(1.0 if gap is None or gap == l else DIM / 2)
        if focus is None or not 0 <= focus <= len(self.columns):
            self.band.hide()
            return
        x = IMAGE / 2 if focus == 0 else self.columns[focus - 1].x
        half = max(IMAGE / 2 + 2, self.spacing * 0.42) if focus == 0 else self.spacing * 0.42
        self.band.setRect(QRectF(x - half, TOP + 1, 2 * half, BOTTOM - TOP - 2))
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

    def unit_scene_pos(self, layer: int, unit: int) -> QPointF | None:
        """Scene position of a drawn unit's centre, or None when it is not drawn."""
        slot = self._slot(layer, unit)
        if slot is None:
            return None
        column = self.columns[layer - 1]
        return self.vb.mapViewToScene(QPointF(column.x, column.ys[slot]))

    def unit_at(self, scene_pos) -> tuple[int, int] | None:
        """The (layer, unit) whose circle holds ``scene_pos``, or None."""
        p = self.vb.mapSceneToView(scene_pos)
        for column in self.columns:
            if abs(p.x() - column.x) <= DIAMETER / 2:
                slot = int(np.argmin(np.abs(column.ys - p.y())))
                if np.hypot(p.x() - column.x, p.y() - column.ys[slot]) <= DIAMETER / 2:
                    return column.l, int(column.units[slot])
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
            text = self._pixel_text(point)
        else:
            return
        if text:
            place_hover(self.hover, text, point, self.vb)

    def unit_text(self, l: int, j: int) -> str:
        """The hover read-out of unit ``j`` of layer ``l``: z, a (p, δ when known)."""
        rec, last = self._trace.layers[l - 1], l == len(self.columns)
        head = f"output {self._names[j]} (unit {j})" if last else f"layer {l}, unit {j}"
        lines = [head, f"z = {rec.z[0, j]:.4g}", f"a = {rec.a[0, j]:.4g}"]
        if last:
            lines.append(f"p = {self._trace.probabilities[0, j]:.4f}")
        if rec.delta is not None:
            lines.append(f"δ = {rec.delta[0, j]:.4g}")
        return "\n".join(lines)

    def _pixel_text(self, point) -> str:
        h, w = self._image_shape
        col = int(np.floor(point.x() / IMAGE * w))
        row = int(np.floor((point.y() - (MID_Y - IMAGE / 2)) / IMAGE * h))
        if not (0 <= row < h and 0 <= col < w):
            return ""
        i = row * w + col
        text = f"pixel ({row}, {col})\nx = {self._trace.layers[0].x[0, i]:.3f}"
        if isinstance(self._trace, BackwardTrace):
            text += f"\n∂L/∂x = {self._trace.input_grad[0, i]:.3g}"
        return text
