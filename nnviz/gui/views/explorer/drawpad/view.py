"""The drawing pad: draw a digit with the mouse and hand it to the network.

The pad owns a square float32 canvas in [0, 1] (white ink on black, as MNIST). It paints with
a soft round brush of its own rather than ``ImageItem``'s draw kernel, which writes into the
array it was given and adds a flat 1.0: here every stroke is stamped, interpolated between
mouse positions, clipped, and announced as a *copy* through ``image_changed``.

Mouse input is read by an event filter on the view's viewport (press / move / release), so no
pyqtgraph scene rate limit or drag threshold stands between the hand and the ink.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from nnviz.charts.theme import LIGHT, Theme
from nnviz.gui.timing import DRAWPAD_EMIT_MS as EMIT_MS
from nnviz.gui.widgets.help import help_button, set_hint, topic

CANVAS = 280          # canvas side, pixels (10 × a 28 × 28 MNIST image)
BRUSH = 18            # default brush diameter on the 280 canvas, pixels
UNDO_DEPTH = 20       # canvases kept for undo
HELP = topic(
    "drawpad.pad", "Drawing pad",
    "Draw a digit with the left mouse button and erase with the right one: white ink on "
    "black, as in MNIST. Before the network sees it, the drawing is cropped to its ink, "
    "scaled to fit in 20 × 20 pixels and centred by its centre of mass in a 28 × 28 image, "
    "the way the MNIST digits were made. Brush sets the pen's width, Clear wipes the canvas "
    f"and Undo takes back the last strokes (up to {UNDO_DEPTH}).",
    "Draw a digit: the left button draws, the right button erases")


def soft_brush(diameter: float) -> np.ndarray:
    """A soft round brush: a Gaussian disc, 1 at the centre, ~0.14 at the rim, 0 beyond.

    Returns a float32 square of odd side ``2·ceil(r) + 1`` with ``r = diameter / 2``.
    """
    r = max(float(diameter) / 2.0, 0.5)
    half = int(np.ceil(r))
    d = np.hypot(*np.mgrid[-half:half + 1, -half:half + 1])
    k = np.exp(-2.0 * (d / r) ** 2)          # σ = r / 2
    k = np.minimum(1.0, 1.6 * k)             # a solid core, soft edge
    k[d > r] = 0.0
    return k.astype(np.float32)


def stamp(canvas: np.ndarray, kernel: np.ndarray, row: float, col: float, erase: bool) -> None:
    """Apply ``kernel`` centred at pixel ``(row, col)`` in place: ink keeps the brighter value,
    erasing subtracts the kernel; the result stays in [0, 1]. Parts off the canvas are cut."""
    half = kernel.shape[0] // 2
    r0, c0 = int(round(row)) - half, int(round(col)) - half
    h, w = canvas.shape
    top, left = max(r0, 0), max(c0, 0)
    bottom, right = min(r0 + kernel.shape[0], h), min(c0 + kernel.shape[1], w)
    if top >= bottom or left >= right:
        return
    k = kernel[top - r0:bottom - r0, left - c0:right - c0]
    patch = canvas[top:bottom, left:right]
    if erase:
        np.clip(patch - k, 0.0, 1.0, out=patch)
    else:
        np.maximum(patch, k, out=patch)


MIN_SLIDER = 64  # px: a slider shorter than this reads as a box, not a range


class DrawPad(QWidget):
    """A square canvas to draw digits on, with brush size, Clear and Undo.

    Signals
    -------
    image_changed(object)
        A copy of the canvas, float32 ``(size, size)`` in [0, 1]. During a stroke at most one
        per ~16 ms (the first at once); always on stroke end, ``clear``, ``undo`` and
        ``set_canvas``.
    stroke_finished()
        A stroke (press … release) ended.
    """

    image_changed = Signal(object)
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None, *, size: int = CANVAS,
                 brush_size: int = BRUSH, theme: Theme = LIGHT):
        super().__init__(parent)
        self._canvas = np.zeros((size, size), np.float32)
        self._undo: deque[np.ndarray] = deque(maxlen=UNDO_DEPTH)
        self._button: Qt.MouseButton | None = None   # the button of the stroke in progress
        self._last: tuple[float, float] | None = None  # (row, col) of the last stamp
        self._dirty = False
        self._emit_timer = QTimer(self, singleShot=True, interval=EMIT_MS)
        self._emit_timer.timeout.connect(self._emit_if_dirty)
        self._brush_size = int(brush_size)
        self._kernel = soft_brush(self._brush_size)

        self.graphics = pg.GraphicsLayoutWidget()
        self.view = self.graphics.addViewBox(row=0, col=0, lockAspect=True, invertY=True,
                                             enableMouse=False, enableMenu=False)
        self.view.setDefaultPadding(0.0)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image_item)
        self.view.setRange(xRange=(0, size), yRange=(0, size), padding=0.0)
        self.graphics.viewport().installEventFilter(self)
        self.graphics.viewport().setCursor(Qt.CursorShape.CrossCursor)
        set_hint(self.graphics, HELP.hint)

        layout = QVBoxLayout(self)
        layout.addLayout(self._build_toolbar())
        layout.addWidget(self.graphics, 1)
        self._show()
        self.set_theme(theme)

    def _build_toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Brush"))
        self.brush_slider = QSlider(Qt.Orientation.Horizontal, minimum=2, maximum=60,
                                    value=self._brush_size)
        self.brush_slider.setToolTip("Brush diameter in canvas pixels (the canvas is "
                                     f"{self._canvas.shape[0]} px wide)")
        self.brush_slider.valueChanged.connect(self.set_brush_size)
        self.brush_slider.setMinimumWidth(MIN_SLIDER)  # at 940 px it shrank to a 45 px knob
        row.addWidget(self.brush_slider, 1)
        self.brush_label = QLabel(f"{self._brush_size} px")
        row.addWidget(self.brush_label)
        self.clear_button = QToolButton(text="Clear")
        self.clear_button.setToolTip("Erase the whole canvas")
        self.clear_button.clicked.connect(self.clear)
        self.undo_button = QToolButton(text="Undo", enabled=False)
        self.undo_button.setToolTip(f"Undo the last stroke (up to {UNDO_DEPTH})")
        self.undo_button.clicked.connect(self.undo)
        row.addWidget(self.clear_button)
        row.addWidget(self.undo_button)
        row.addWidget(help_button(HELP))
        return row

    # -- the contract -----------------------------------------------------------------------

    def canvas(self) -> np.ndarray:
        """A copy of the canvas, float32 ``(size, size)`` in [0, 1]."""
        return self._canvas.copy()

    def brush_size(self) -> int:
        return self._brush_size

    def set_brush_size(self, px: int) -> None:
        """Brush diameter in canvas pixels."""
        px = max(1, int(px))
        self._brush_size = px
        self._kernel = soft_brush(px)
        self.brush_label.setText(f"{px} px")
        if self.brush_slider.value() != px:
            self.brush_slider.blockSignals(True)
            self.brush_slider.setValue(px)
            self.brush_slider.blockSignals(False)

    def set_canvas(self, arr) -> None:
        """Show ``arr``: the canvas size, or 28 × 28 (upscaled ×10 by repetition, for 280).

        Values are clipped to [0, 1]; undo can bring back the previous drawing.
        """
        a = np.asarray(arr, dtype=np.float32)
        size = self._canvas.shape[0]
        if a.ndim == 1 and a.size == 28 * 28:
            a = a.reshape(28, 28)
        if a.shape != self._canvas.shape:
            if a.ndim != 2 or a.shape[0] != a.shape[1] or size % a.shape[0]:
                raise ValueError(f"expected a ({size}, {size}) or (28, 28) image, got {a.shape}")
            f = size // a.shape[0]
            a = np.kron(a, np.ones((f, f), np.float32))
        self._push_undo()
        self._canvas[...] = np.clip(np.nan_to_num(a), 0.0, 1.0)
        self._changed()

    def clear(self) -> None:
        """Empty the canvas (undo brings it back)."""
        self._push_undo()
        self._canvas[...] = 0.0
        self._changed()

    def undo(self) -> None:
        """Restore the canvas from before the last stroke, clear or set_canvas."""
        if not self._undo:
            return
        self._canvas[...] = self._undo.pop()
        self.undo_button.setEnabled(bool(self._undo))
        self._changed()

    def set_theme(self, theme: Theme) -> None:
        """Restyle the view's background and the canvas border."""
        self._theme = theme
        self.graphics.setBackground(theme.background)
        self.view.setBorder(pg.mkPen(theme.muted, width=1))

    # -- painting ---------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            if self._button is None and event.button() in (Qt.MouseButton.LeftButton,
                                                           Qt.MouseButton.RightButton):
                self._begin(event.button(), self._to_pixel(event.position()))
            return True
        if kind == QEvent.Type.MouseMove:
            if self._button is not None:
                self._line_to(self._to_pixel(event.position()))
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            if event.button() == self._button:
                self._line_to(self._to_pixel(event.position()), announce=False)
                self._end()
            return True
        if kind in (QEvent.Type.MouseButtonDblClick, QEvent.Type.ContextMenu, QEvent.Type.Wheel):
            return True
        return super().eventFilter(obj, event)

    def _to_pixel(self, pos: QPointF) -> tuple[float, float]:
        """Viewport position → (row, col) of the canvas pixel under it (fractional)."""
        p = self.image_item.mapFromScene(self.graphics.mapToScene(pos.toPoint()))
        return p.y() - 0.5, p.x() - 0.5   # pixel (i, j) covers [j, j+1] × [i, i+1]

    def _begin(self, button: Qt.MouseButton, at: tuple[float, float]) -> None:
        self._push_undo()
        self._button = button
        self._last = at
        stamp(self._canvas, self._kernel, *at, erase=self._erasing())
        self._painted()

    def _line_to(self, at: tuple[float, float], announce: bool = True) -> None:
        """Stamp from the last point to ``at`` every quarter radius: no gaps on fast moves."""
        (r0, c0), (r1, c1) = self._last, at
        step = max(1.0, self._brush_size / 8.0)
        n = int(np.ceil(np.hypot(r1 - r0, c1 - c0) / step))
        if n == 0:
            return
        erase = self._erasing()
        for t in np.linspace(0.0, 1.0, n + 1)[1:]:
            stamp(self._canvas, self._kernel, r0 + t * (r1 - r0), c0 + t * (c1 - c0), erase)
        self._last = at
        if announce:
            self._painted()

    def _end(self) -> None:
        self._button = self._last = None
        self._emit_timer.stop()
        self._changed()
        self.stroke_finished.emit()

    def _erasing(self) -> bool:
        return self._button == Qt.MouseButton.RightButton

    def _push_undo(self) -> None:
        self._undo.append(self._canvas.copy())
        self.undo_button.setEnabled(True)

    def _painted(self) -> None:
        """Mid-stroke: redraw now, announce at most once per EMIT_MS.

        The first change after a quiet spell is announced at once (the answer must follow
        the pen without the throttle's delay); changes within EMIT_MS of it are gathered
        into one trailing announcement."""
        self._show()
        if self._emit_timer.isActive():
            self._dirty = True
            return
        self._dirty = False
        self._emit_timer.start()
        self.image_changed.emit(self._canvas.copy())

    def _emit_if_dirty(self) -> None:
        if self._dirty:
            self._dirty = False
            self.image_changed.emit(self._canvas.copy())

    def _changed(self) -> None:
        self._show()
        self._dirty = False
        self.image_changed.emit(self._canvas.copy())

    def _show(self) -> None:
        self.image_item.setImage(self._canvas, autoLevels=False, levels=(0.0, 1.0))
