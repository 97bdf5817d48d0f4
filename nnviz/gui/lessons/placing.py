"""Where the Lessons window and the window a chapter brings forward go, so that neither
covers the other: the learner reads one while acting in the other."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

GAP = 8             # px between the two windows
MIN_LESSONS = 560   # px: the narrowest Lessons window whose list and text still read well


def beside(lessons: QRect, other: QRect, screen: QRect) -> tuple[QRect, QRect]:
    """The frames of the lessons and of ``other`` once placed side by side on ``screen``.

    Windows that do not overlap stay. Otherwise ``other`` moves right of the lessons, or
    left of them, where the screen has room; if neither side has, the two share the screen's
    width: the lessons on the left, narrowed to what ``other`` leaves (no narrower than
    :data:`MIN_LESSONS`), ``other`` right of them. Only then, on a screen too small for
    both, may they still overlap.

    Parameters
    ----------
    lessons, other : QRect
        Frame geometries (window decorations included), global coordinates.
    screen : QRect
        The available geometry of the screen the lessons are on.

    Returns
    -------
    (QRect, QRect)
        New frames of the lessons and of ``other``; sizes kept unless the width is shared.
    """
    lessons, other = QRect(lessons), QRect(other)
    if not lessons.intersects(other):
        return lessons, other
    top = max(screen.top(), min(other.top(), screen.bottom() - other.height() + 1))
    if lessons.right() + GAP + other.width() <= screen.right():
        other.moveLeft(lessons.right() + GAP + 1)
    elif lessons.left() - GAP - other.width() >= screen.left():
        other.moveLeft(lessons.left() - GAP - other.width())
    else:
        width = max(MIN_LESSONS, screen.width() - other.width() - GAP)
        lessons = QRect(screen.left(), lessons.top(), min(width, lessons.width()),
                        lessons.height())
        other.moveLeft(max(screen.left(),
                           min(lessons.right() + GAP + 1, screen.right() - other.width() + 1)))
        return lessons, other
    other.moveTop(top)
    return lessons, other


def screen_area(widget: QWidget) -> QRect | None:
    """The available geometry of the screen ``widget`` is on (None: no screen)."""
    screen = widget.screen()
    return None if screen is None else screen.availableGeometry()


def place_beside(lessons: QWidget, other: QWidget) -> None:
    """Move (and where needed narrow) the two windows as :func:`beside` says."""
    area = screen_area(lessons)
    if area is None or not other.isVisible():
        return
    a, b = beside(lessons.frameGeometry(), other.frameGeometry(), area)
    if a != lessons.frameGeometry():
        lessons.resize(lessons.width() - (lessons.frameGeometry().width() - a.width()),
                       lessons.height())
        lessons.move(a.topLeft())
    if b.topLeft() != other.frameGeometry().topLeft():
        other.move(b.topLeft())
