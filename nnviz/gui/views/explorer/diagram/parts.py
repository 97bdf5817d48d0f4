"""The pieces of the network diagram: its geometry, a column of circles, a gap of edges, texts.

Everything here is placement, colour and text; :mod:`nnviz.gui.views.explorer.diagram.view` owns
the scene and decides what to draw. Lengths are view units: the scene is ``BOTTOM − TOP`` tall
and scales with the widget, so circles and the input image grow with it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QGraphicsRectItem

from nnviz.analysis.diagram import MAX_UNITS
from nnviz.analysis.trace import BackwardTrace, ForwardTrace
from nnviz.charts.parts import max_abs_level
from nnviz.charts.theme import Theme

SLOT = 6.0            # vertical distance between circles (view units)
# The output column's class names are a text line high: with fewer units than a full column
# it spreads them over as much height (up to this × SLOT apart), so that 0–9 do not overlap in
# a narrow window (they did, 10 px apart, at 940 px).
MAX_SPREAD = 2.0
DIAMETER = 4.4        # circle diameter (view units, so circles scale with the widget)
MID_Y = 60.0          # vertical centre of every column
TOP, BOTTOM = -9.0, 116.0  # room above the circles for two-line titles
TITLE_Y = MID_Y - (MAX_UNITS / 2 + 0.5) * SLOT  # every column's title sits on this line
IMAGE = 44.0          # side of the input image
IMAGE_RECT = QRectF(0, MID_Y - IMAGE / 2, IMAGE, IMAGE)
LABEL_W = 18.0        # room right of the output column for class names
TIERS = ((0.8, 110), (1.6, 170), (2.8, 235))  # (pen width px, alpha) of weak, middle, strong
DIM = 0.3             # opacity of the layers out of focus
ACT_NAMES = {"relu": "ReLU", "leaky_relu": "leaky ReLU"}
# The line under the diagram: what the circles and lines show in each direction. How to
# read them is behind the diagram's "?" (nnviz.gui.views.explorer.diagram.view.HELP).
CAPTIONS = {
    "forward": "Forward: circles show the activations a, lines the strongest a·W.",
    "backward": "Backward: circles show the deltas δ = ∂L/∂z, lines the strongest W·δ.",
}
# At the last backward step, in place of the backward caption: as short, so that it stays one
# line where the diagram is short of height (appended, it took a second line).
SALIENCY_CAPTION = "Backward: circles δ, lines W·δ, and the image ∂L/∂x, the saliency map."


def architecture(trace: ForwardTrace, image_shape, class_names) -> tuple:
    """What the diagram's items depend on: (sizes, activations, image shape, class names).

    ``class_names`` None names the outputs by their index.
    """
    sizes = (trace.layers[0].W.shape[1],) + tuple(r.W.shape[0] for r in trace.layers)
    if int(np.prod(image_shape)) != sizes[0]:
        raise ValueError(f"image shape {image_shape} does not hold {sizes[0]} inputs")
    names = tuple(class_names) if class_names is not None else tuple(map(str, range(sizes[-1])))
    return sizes, tuple(r.activation for r in trace.layers), tuple(image_shape), names


def layer_title(l: int, n: int, activation: str, last: bool) -> str:
    """``hidden 1`` over ``256 ReLU``, or ``output`` over ``10``: two short lines, so the
    titles of neighbouring columns never run into each other in a narrow window."""
    return f"output\n{n}" if last else f"hidden {l}\n{n} {ACT_NAMES.get(activation, activation)}"


def image_title(image_shape, saliency: bool) -> str:
    """``input`` over ``28×28``, or ``∂L/∂x`` over ``28×28`` while the image shows the saliency
    map: two short lines like the layers' titles (on one, presenter mode's font ran it into
    the first layer's title)."""
    return ("∂L/∂x\n" if saliency else "input\n") + "×".join(map(str, image_shape))


class Column:
    """The circles of layer ``l`` at ``x``: up to MAX_UNITS slots, top to bottom.

    ``names`` (class names, indexed by unit) label the slots of the output column (``last``).

    Attributes
    ----------
    ys : ndarray, shape (k,)
        View y of each slot, increasing downwards.
    units : ndarray of int, shape (k,)
        The unit drawn in each slot (sorted); the diagram replaces it on every redraw.
    scatter, title, more, labels
        The circles, the title above, ``+n more`` below (None when every unit fits), and the
        class names beside an output column (empty otherwise).
    """

    def __init__(self, l: int, n: int, activation: str, x: float, last: bool, names=()):
        self.l, self.n, self.x, self.last = l, n, x, last
        k = min(n, MAX_UNITS)
        self.slot = slot_spacing(k, last)
        self.ys = MID_Y + (np.arange(k) - (k - 1) / 2) * self.slot
        self.units = np.arange(k)
        self.scatter = pg.ScatterPlotItem(x=np.full(k, x), y=self.ys, size=DIAMETER, pxMode=False)
        self.scatter.setZValue(2)
        self.title = pg.TextItem(layer_title(l, n, activation, last), anchor=(0.5, 1))
        self.title.setPos(x, TITLE_Y)
        self.more = pg.TextItem(f"+{n - k} more", anchor=(0.5, 0)) if n > k else None
        if self.more:
            self.more.setPos(x, self.ys[-1] + SLOT * 0.6)
        self.labels = [pg.TextItem(anchor=(0, 0.5)) for _ in range(k)] if last else []
        for label, y, unit in zip(self.labels, self.ys, self.units):
            label.setPos(x + DIAMETER * 0.7, y)
            label.setText(names[unit])
            # No margin round a class name: lines one text line apart do not overlap.
            label.textItem.document().setDocumentMargin(0)

    def items(self):
        return [self.scatter, self.title] + ([self.more] if self.more else []) + self.labels

    def set_slot(self, slot: float, centre: float = MID_Y) -> None:
        """Put the slots ``slot`` apart round ``centre`` (the circles are coloured again by
        ``show_units``)."""
        k = len(self.ys)
        self.slot = slot
        self.ys = centre + (np.arange(k) - (k - 1) / 2) * slot
        self.scatter.setData(x=np.full(k, self.x), y=self.ys, size=DIAMETER, pxMode=False)
        for label, y in zip(self.labels, self.ys):
            label.setPos(self.x + DIAMETER * 0.7, y)

    def style(self, theme: Theme) -> None:
        """Colours of ``theme``; the texts in the application font as it is now (presenter
        mode enlarges it: items made before kept the size they were made with)."""
        self.scatter.setPen(pg.mkPen(theme.muted, width=1))
        for label in self.labels:
            label.setColor(theme.foreground)
        if self.more:
            self.more.setColor(theme.muted)
        for text in [self.title] + ([self.more] if self.more else []) + self.labels:
            text.setFont(QFont())

    def set_focus(self, lit: bool, focused: bool, theme: Theme) -> None:
        """Dim the column unless ``lit``; the title in the accent colour when ``focused``."""
        for item in self.items():
            item.setOpacity(1.0 if lit else DIM)
        self.title.setColor(theme.accent if focused else theme.foreground)

    def show_units(self, units, values, levels, brushes, names) -> None:
        """Put ``units`` (k,) in the slots, coloured by ``values`` (k,) on ``levels``.

        ``brushes`` is the colormap as 256 brushes; ``names`` label an output column's slots.
        """
        if self.last and not np.array_equal(units, self.units):
            for label, unit in zip(self.labels, units):
                label.setText(names[unit])
        self.units = units
        low, high = levels
        t = np.nan_to_num((values - low) / (high - low), nan=0.0)
        index = np.clip(t * 255, 0, 255).astype(np.intp)
        self.scatter.setBrush([brushes[i] for i in index])

    def slot_of(self, unit: int) -> int | None:
        hit = np.flatnonzero(self.units == unit)
        return int(hit[0]) if hit.size else None

    def unit_xy(self, units: np.ndarray) -> np.ndarray:
        """View positions (k, 2) of drawn ``units``."""
        slot = np.searchsorted(self.units, units)  # units are sorted
        return np.stack([np.full(len(units), self.x), self.ys[slot]], 1)

    def unit_at(self, vx: float, vy: float) -> int | None:
        """The unit whose circle holds view point (vx, vy), or None."""
        if abs(vx - self.x) > DIAMETER / 2:
            return None
        slot = int(np.argmin(np.abs(self.ys - vy)))
        if np.hypot(vx - self.x, vy - self.ys[slot]) <= DIAMETER / 2:
            return int(self.units[slot])
        return None


def slot_spacing(k: int, last: bool) -> float:
    """Distance between the slots of a column of ``k`` circles: ``SLOT``, or for the output
    column (``last``, labelled) as far apart as spans a full column, at most ``MAX_SPREAD``
    times ``SLOT``."""
    if not last or k < 2:
        return SLOT
    return SLOT * float(np.clip((MAX_UNITS - 1) / (k - 1), 1.0, MAX_SPREAD))


def label_slot(k: int, line_px: float, scale: float,
               rows: tuple[float, float]) -> tuple[float, float]:
    """The output column's slot distance and centre (view units) for class names ``line_px``
    high at ``scale`` px per unit: :func:`slot_spacing` round ``MID_Y``, or further apart when
    the names would overlap (a short view, presenter mode's font), lower if need be, between
    the titles and the view's bottom (``rows``)."""
    base = slot_spacing(k, True)
    if k < 2:
        return base, MID_Y
    half = line_px / 2 / scale  # half a name's height
    top, bottom = TITLE_Y + half + 1, rows[1] - half - 1  # where the first and last names sit
    # a pixel apart: the layout check rounds boxes out to whole pixels
    slot = max(base, min((line_px + 1) / scale, (bottom - top) / (k - 1)))
    span = (k - 1) * slot
    centre = min(max(MID_Y, top + span / 2), max(bottom - span / 2, MID_Y))
    return float(slot), float(centre)


def column_spacing(n_layers: int) -> float:
    """Distance between columns: the scene about 1.85 times as wide as tall, within [34, 70]."""
    return float(np.clip((1.85 * (BOTTOM - TOP) - IMAGE - LABEL_W) / n_layers, 34.0, 70.0))


def band_rect(focus: int, columns: list[Column], spacing: float,
              rows: tuple[float, float] = (TOP, BOTTOM)) -> QRectF:
    """The highlight behind the focused column (0: the input image), from the view's ``rows``
    (top, bottom) ``TOP``, ``BOTTOM`` or as :func:`view_rows` widened them."""
    x = IMAGE / 2 if focus == 0 else columns[focus - 1].x
    half = max(IMAGE / 2 + 2, spacing * 0.42) if focus == 0 else spacing * 0.42
    top, bottom = rows
    return QRectF(x - half, top + 1, 2 * half, bottom - top - 2)


def text_height(text: pg.TextItem) -> float:
    """Pixels of a TextItem's lines, without its document's margins."""
    item = text.textItem
    return item.boundingRect().height() - 2 * item.document().documentMargin()


def view_rows(size: tuple[float, float], width: float, above: float, below: float,
              lowest: float) -> tuple[float, float]:
    """The view's top and bottom (view units) for a diagram ``width`` units wide in a view of
    ``size`` (w, h) px, with its aspect locked: ``TOP`` and ``BOTTOM``, or wider so that
    ``above`` px of titles fit over ``TITLE_Y`` and ``below`` px of text under ``lowest`` (the
    texts keep their pixel size, so in a small view they need more view units).
    """
    w, h = size
    top, bottom = TOP, BOTTOM
    for _ in range(4):  # the scale depends on the rows: a few rounds settle it
        scale = min(w / width, h / (bottom - top))
        top = min(TOP, TITLE_Y - above / scale)
        bottom = max(BOTTOM, lowest + below / scale)
    return top, bottom


def band_brush(theme: Theme) -> QBrush:
    accent = QColor(theme.accent)
    accent.setAlpha(45 if theme.dark else 30)
    return QBrush(accent)


def circle_brushes(theme: Theme) -> dict[str, list]:
    """256 brushes per direction: sequential forward (a, p), diverging backward (δ)."""
    return {name: [pg.mkBrush(*rgb) for rgb in cmap.getLookupTable(0, 1, 256, alpha=False)]
            for name, cmap in (("forward", theme.sequential()), ("backward", theme.diverging()))}


def edge_colors(theme: Theme) -> dict[int, QColor]:
    """Edge colour per sign, near the diverging map's ends (lighter ends on dark)."""
    div, end = theme.diverging(), 0.22 if theme.dark else 0.1
    return {1: div.map(1 - end, mode="qcolor"), -1: div.map(end, mode="qcolor")}


def new_gap() -> dict:
    """The curves of one gap, ``{(sign, tier): PlotCurveItem}``, each drawing point pairs."""
    gap = {(s, t): pg.PlotCurveItem(connect="pairs") for s in (1, -1) for t in range(len(TIERS))}
    for curve in gap.values():
        curve.setZValue(1)
    return gap


def style_gap(gap: dict, colors: dict[int, QColor]) -> None:
    for (sign, tier), curve in gap.items():
        color = QColor(colors[sign])
        width, alpha = TIERS[tier]
        color.setAlpha(alpha)
        curve.setPen(pg.mkPen(color, width=width))


def draw_gap(gap: dict, start: np.ndarray, end: np.ndarray, value: np.ndarray) -> None:
    """Edges from ``start`` to ``end`` (k, 2) by the sign and strength tier of ``value`` (k,)."""
    sign, tier = edge_classes(value)
    for (s, t), curve in gap.items():
        pick = (sign == s) & (tier == t)
        xy = np.empty((2 * int(pick.sum()), 2))
        xy[0::2], xy[1::2] = start[pick], end[pick]
        curve.setData(xy[:, 0], xy[:, 1])


def pixel_centres(image_shape) -> np.ndarray:
    """View positions (h·w, 2) of the input image's pixel centres, row by row."""
    h, w = image_shape
    i = np.arange(h * w)
    return np.stack([(i % w + 0.5) * IMAGE / w, MID_Y - IMAGE / 2 + (i // w + 0.5) * IMAGE / h], 1)


def edge_classes(value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign (+1/−1) and strength tier (0..len(TIERS)−1) of edges ``value`` (strongest first)."""
    strength = np.abs(value)
    top = strength[0] if len(strength) else 1.0
    tier = np.minimum((len(TIERS) * strength / top).astype(int), len(TIERS) - 1)
    return np.where(value > 0, 1, -1), tier


class InputImage:
    """The input at the diagram's left: the pixels ``x`` in grey on (0, 1), or, at the last
    backward step, the saliency map ``∂L/∂x`` in the diverging colormap on (−m, m).

    Attributes
    ----------
    image, frame, title
        The ImageItem (its h × w pixels scaled into ``IMAGE_RECT``), its outline and title.
    saliency : bool
        Whether ``image`` shows ``∂L/∂x`` rather than ``x``.
    shape : tuple of int
        ``(h, w)`` of the image.
    pixel_xy : ndarray, shape (h·w, 2)
        View positions of the pixel centres, where the first gap's edges end.
    """

    def __init__(self):
        self.image = pg.ImageItem()
        self.frame = QGraphicsRectItem(IMAGE_RECT)
        self.frame.setZValue(0.5)
        # Left-aligned over the image: centred, a narrow diagram cut its first letters off
        # ("nput · 28×28" at 940 px); to the right there is the gap to the first layer.
        self.title = pg.TextItem(anchor=(0, 1))
        self.title.setPos(-2, TITLE_Y)
        self.saliency = False
        self._lut = None
        self.set_shape((28, 28))

    def items(self):
        return [self.image, self.frame, self.title]

    def set_shape(self, shape) -> None:
        self.shape = tuple(shape)
        self.pixel_xy = pixel_centres(self.shape)

    def style(self, theme: Theme) -> None:
        self.frame.setPen(pg.mkPen(theme.muted))
        self.title.setFont(QFont())  # the application font as it is now (see Column.style)
        self._lut = theme.diverging().getLookupTable(nPts=256)

    def show(self, trace: ForwardTrace, saliency: bool) -> None:
        """Example 0 of ``trace``: ``x``, or ``∂L/∂x`` when ``saliency`` (see shows_saliency)."""
        self.saliency = saliency
        values, levels = input_picture(trace, self.shape, saliency)
        self.image.setLookupTable(self._lut if saliency else None, update=False)
        self.image.setImage(values, autoLevels=False, levels=levels)
        self.image.setRect(IMAGE_RECT)  # scales the h × w pixels into the view's square
        self.title.setText(image_title(self.shape, saliency))


def shows_saliency(trace: ForwardTrace | None, focus: int | None, direction: str) -> bool:
    """Whether the input image shows ``∂L/∂x``: backward, focus on the input, gradient known."""
    return (direction == "backward" and focus == 0 and isinstance(trace, BackwardTrace)
            and trace.input_grad is not None)


def input_picture(trace: ForwardTrace, image_shape, saliency: bool):
    """The input image's array (h, w) and levels: ``x`` on (0, 1), or ``∂L/∂x`` on (−m, m)."""
    if not saliency:
        return np.reshape(trace.layers[0].x[0], image_shape), (0, 1)
    g = np.reshape(trace.input_grad[0], image_shape)
    m = max_abs_level(g)
    return g, (-m, m)


def unit_text(trace: ForwardTrace, names, l: int, j: int) -> str:
    """The hover read-out of unit ``j`` of layer ``l``: z, a (p, δ when known)."""
    rec, last = trace.layers[l - 1], l == len(trace.layers)
    head = f"output {names[j]} (unit {j})" if last else f"layer {l}, unit {j}"
    lines = [head, f"z = {rec.z[0, j]:.4g}", f"a = {rec.a[0, j]:.4g}"]
    if last:
        lines.append(f"p = {trace.probabilities[0, j]:.4f}")
    if rec.delta is not None:
        lines.append(f"δ = {rec.delta[0, j]:.4g}")
    return "\n".join(lines)


def pixel_text(trace: ForwardTrace, image_shape, vx: float, vy: float) -> str:
    """The hover read-out of the pixel at view point (vx, vy): x (and ∂L/∂x); '' outside."""
    h, w = image_shape
    col = int(np.floor(vx / IMAGE * w))
    row = int(np.floor((vy - (MID_Y - IMAGE / 2)) / IMAGE * h))
    if not (0 <= row < h and 0 <= col < w):
        return ""
    i = row * w + col
    text = f"pixel ({row}, {col})\nx = {trace.layers[0].x[0, i]:.3f}"
    if isinstance(trace, BackwardTrace):
        text += f"\n∂L/∂x = {trace.input_grad[0, i]:.3g}"
    return text
