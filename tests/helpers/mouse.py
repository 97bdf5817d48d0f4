"""Real mouse events for the drawing pad's viewport (shared by the pad and explorer tests)."""

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
