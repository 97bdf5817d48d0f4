"""Real mouse events: drags on the drawing pad's viewport (the pad and explorer tests) and
moves over any pyqtgraph view (hover read-outs; with the ``no_rate_limit`` fixture, as the
scene drops moves that come < 10 ms apart)."""

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton


def to_view(pad, row, col) -> QPoint:
    """Canvas pixel (row, col) → viewport position (through the same mapping the pad uses)."""
    scene = pad.image_item.mapToScene(QPointF(col + 0.5, row + 0.5))
    return pad.graphics.mapFromScene(scene)


def send(pad, kind, pos: QPoint, button, buttons) -> None:
    """A real QMouseEvent to the viewport (QTest.mouseMove cannot carry held buttons reliably)."""
    vp = pad.graphics.viewport()
    ev = QMouseEvent(kind, QPointF(pos), QPointF(vp.mapToGlobal(pos)), button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, ev)


def drag(pad, points, button=LEFT) -> None:
    """Press at the first (row, col), move through the others, release at the last."""
    pts = [to_view(pad, r, c) for r, c in points]
    none = Qt.MouseButton.NoButton
    send(pad, QEvent.Type.MouseButtonPress, pts[0], button, button)
    for p in pts[1:]:
        send(pad, QEvent.Type.MouseMove, p, none, button)
    send(pad, QEvent.Type.MouseButtonRelease, pts[-1], button, none)


def hover(graphics, scene_pos) -> None:
    """A real mouse move, no button held, over ``graphics`` (a QGraphicsView, e.g. a
    GraphicsLayoutWidget) at ``scene_pos``: the scene emits sigMouseMoved as for a hand."""
    pos = graphics.mapFromScene(scene_pos)
    vp = graphics.viewport()
    none = Qt.MouseButton.NoButton
    ev = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(vp.mapToGlobal(pos)), none,
                     none, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(vp, ev)


def hover_view(qtbot, graphics, vb, point) -> None:
    """:func:`hover` at ``point`` in ``vb``'s view coordinates, once the ViewBox has laid out
    its range (pyqtgraph updates the view → scene mapping on the next events) so that the
    point falls inside it."""
    def inside() -> bool:
        return vb.sceneBoundingRect().contains(vb.mapViewToScene(point))
    qtbot.waitUntil(inside, timeout=2000)
    hover(graphics, vb.mapViewToScene(point))
