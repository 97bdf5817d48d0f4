"""The "?" of every chart and control group, and the one-line hint in the status bar on hover.

Each view declares its explanations once, at import, with :func:`topic`: a title, two or three
sentences for the "?" and a one-line hint for the status bar. :data:`TOPICS` collects them,
so a test can check that every topic has its "?" in the window and no text is said twice.

- :func:`help_button`: a "?" for a layout (a control row, a panel). Clicking it, or Space or
  Enter when it has the focus, opens the explanation in a small popup; hovering shows it as
  a tooltip; either way the status bar shows the hint.
- :func:`group_help` (:func:`corner_help`): a "?" in the title row of a QGroupBox (the
  top-right corner of any widget), the hint on hover of the whole box.
- :func:`chart_help`: a "?" at the top-right corner of a chart in a pyqtgraph
  GraphicsLayoutWidget, as a small widget over the view (so exported images stay clean),
  and the chart's hint in the status bar while the mouse is over the chart. A PlotItem whose
  title leaves no room for it gets the button's width (:func:`make_room`); after a view
  rebuilds its charts, :func:`reanchor` moves the button to the new one.
- :func:`set_hint`: a status-bar hint on hover for any widget (Qt's status tip).

Status tips travel from the hovered widget up to its window; a QMainWindow shows them in its
status bar, so every window that holds views needs one (the side windows make theirs).
"""

from __future__ import annotations

import html
import re
import weakref
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QCursor, QGuiApplication, QStatusTipEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsGridLayout,
    QGraphicsView,
    QGraphicsWidget,
    QGroupBox,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

BUTTON_SIZE = 16   # px at the normal font: small enough to sit in a title row
POPUP_WIDTH = 360  # px: two or three sentences in four to six lines
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_OPEN_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)


@dataclass(frozen=True)
class Topic:
    """What one "?" explains.

    Attributes
    ----------
    key : str
        Unique, ``"<view>.<thing>"`` (``"curves.loss"``).
    title : str
        The popup's heading (the chart's or group's name).
    text : str
        Two or three sentences: what it shows and how to read it.
    hint : str
        One line for the status bar while the mouse is over the chart or group.
    """

    key: str
    title: str
    text: str
    hint: str


TOPICS: dict[str, Topic] = {}


def sentence_count(text: str) -> int:
    """Sentence ends in ``text``: ``.``, ``!`` or ``?`` before a space or the end (so
    ``0.5`` and ``W·a`` are not ends)."""
    return len(SENTENCE_END.findall(text))


def topic(key: str, title: str, text: str, hint: str) -> Topic:
    """Register and return the explanation ``key`` (called once per topic, at import).

    Raises
    ------
    ValueError
        When ``key`` is taken, or ``text`` is not two or three sentences, or ``hint`` is
        empty or longer than one line.
    """
    if key in TOPICS:
        raise ValueError(f"help topic {key!r} is defined twice")
    if not 2 <= sentence_count(text) <= 3:
        raise ValueError(f"help topic {key!r}: the text should be 2 or 3 sentences, "
                         f"it has {sentence_count(text)}")
    if not hint or "\n" in hint:
        raise ValueError(f"help topic {key!r}: the hint should be one non-empty line")
    TOPICS[key] = Topic(key, title, text, hint)
    return TOPICS[key]


def set_hint(widget: QWidget, text: str) -> None:
    """Show ``text`` in the window's status bar while the mouse is over ``widget``."""
    widget.setStatusTip(text)


def show_status_tip(widget: QWidget, text: str) -> None:
    """Send ``text`` as a status tip from ``widget`` (up to the status bar of its window)."""
    QGuiApplication.sendEvent(widget, QStatusTipEvent(text))


class HelpPopup(QFrame):
    """The explanation of a topic in a small popup; a click elsewhere or Esc closes it."""

    def __init__(self, about: Topic, parent: QWidget):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.label = QLabel(popup_html(about), wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setFixedWidth(POPUP_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.addWidget(self.label)


def popup_html(about: Topic) -> str:
    return f"<b>{html.escape(about.title)}</b><p>{html.escape(about.text)}</p>"


class HelpButton(QToolButton):
    """A compact "?" that explains ``about``; its status tip is the topic's hint.

    Attributes
    ----------
    topic : Topic
    targets : list
        The chart items (QGraphicsWidgets) or widgets it explains, for hover hints and tests.
    popup : HelpPopup or None
        The open popup, if any.
    """

    def __init__(self, about: Topic, parent: QWidget | None = None):
        super().__init__(parent)
        self.topic = about
        self.targets: list = []
        self.popup: HelpPopup | None = None
        self.setObjectName(f"help-{about.key}")
        self.setText("?")
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; Space opens it
        self.setCursor(QCursor(Qt.CursorShape.WhatsThisCursor))
        self.setAccessibleName(f"Help: {about.title}")
        self.setAccessibleDescription(about.text)
        self.setToolTip(popup_html(about))
        set_hint(self, about.hint)
        font = self.font()
        font.setBold(True)
        self.setFont(font)  # only the weight: the size still follows the app (presenter mode)
        self.fit_font()
        self.clicked.connect(self.show_help)

    def fit_font(self) -> None:
        """A square that holds the "?" at the current font: BUTTON_SIZE px at the normal
        font, larger in presenter mode (a fixed 16 px cut the 1.5× "?" at its foot)."""
        side = max(BUTTON_SIZE, self.fontMetrics().height() + 2)
        self.setFixedSize(side, side)

    def changeEvent(self, event):
        if event.type() == QEvent.Type.FontChange:
            self.fit_font()
        super().changeEvent(event)

    def event(self, event):
        # Space, Enter or Return open the help even where a window shortcut (the explorer's
        # Space: run the stepper) would otherwise take the key.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _OPEN_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
        else:
            super().keyPressEvent(event)

    def show_help(self) -> HelpPopup:
        """Open the explanation below the button, kept on the screen; returns the popup."""
        self.popup = HelpPopup(self.topic, self)
        self.popup.adjustSize()
        self.popup.move(self._popup_position(self.popup.sizeHint().width(),
                                             self.popup.sizeHint().height()))
        self.popup.show()
        return self.popup

    def _popup_position(self, width: int, height: int) -> QPoint:
        below = self.mapToGlobal(QPoint(self.width(), self.height()))
        pos = QPoint(below.x() - width, below.y() + 2)
        screen = self.screen()
        if screen is not None:
            area: QRect = screen.availableGeometry()
            pos.setX(max(area.left(), min(pos.x(), area.right() - width)))
            if pos.y() + height > area.bottom():  # no room below: above the button
                pos.setY(self.mapToGlobal(QPoint(0, 0)).y() - height - 2)
        return pos


def help_button(about: Topic, parent: QWidget | None = None) -> HelpButton:
    """A "?" for ``about``, to put in a layout (a control row, a panel's corner)."""
    return HelpButton(about, parent)


# -- a "?" in the top-right corner of a widget (a group box's title row) ----------------------


class _CornerKeeper(QObject):
    """Keeps a button at the top-right corner of its parent as the parent resizes."""

    def __init__(self, button: QWidget, inset: int):
        super().__init__(button)
        self.button, self.inset = button, inset
        button.parentWidget().installEventFilter(self)
        self.place()

    def eventFilter(self, obj, event):
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.place()
        return False

    def place(self) -> None:
        parent = self.button.parentWidget()
        self.button.move(parent.width() - self.button.width() - self.inset, 0)
        self.button.raise_()


def corner_help(widget: QWidget, about: Topic, inset: int = 6) -> HelpButton:
    """A "?" in the top-right corner of ``widget``; the hint on hover of all of it.

    For a QGroupBox the corner is the right end of its title row (:func:`group_help`); for a
    table, the right end of its header.
    """
    button = HelpButton(about, widget)
    button.setAutoFillBackground(True)  # covers whatever line or text is drawn behind it
    button.targets.append(widget)
    set_hint(widget, about.hint)
    _CornerKeeper(button, inset)
    button.show()
    return button


def group_help(box: QGroupBox, about: Topic) -> HelpButton:
    """A "?" at the right end of ``box``'s title row; the hint on hover of the whole box."""
    return corner_help(box, about)


# -- a "?" on a chart of a pyqtgraph view ---------------------------------------------------------


@dataclass
class _Anchor:
    button: HelpButton
    item: QGraphicsWidget | None
    covers: list = field(default_factory=list)


class ChartHelp(QObject):
    """The "?" buttons over one QGraphicsView's charts, and their hover hints.

    Each button sits inside the top-right corner of its chart's item (the title row of a
    PlotItem); it follows the item as the layout moves it and hides with it. While the mouse
    is over a chart (or one of the items it ``covers``), the chart's hint is the status tip.
    """

    def __init__(self, view: QGraphicsView):
        super().__init__(view)
        self.view = view
        self.anchors: list[_Anchor] = []
        self._watched = weakref.WeakSet()  # charts whose moves re-place the buttons
        self._tip = ""
        view.viewport().setMouseTracking(True)
        view.viewport().installEventFilter(self)

    @staticmethod
    def of(view: QGraphicsView) -> ChartHelp:
        """The view's ChartHelp (made on first use)."""
        found = view.findChild(ChartHelp, options=Qt.FindChildOption.FindDirectChildrenOnly)
        return found if found is not None else ChartHelp(view)

    def add(self, about: Topic, chart: QGraphicsWidget | None, covers=()) -> HelpButton:
        button = HelpButton(about, self.view.viewport())
        button.setAutoFillBackground(True)  # readable over an image or a curve
        self.anchors.append(_Anchor(button, chart))
        self.anchor(button, chart, covers)
        return button

    def anchor(self, button: HelpButton, chart: QGraphicsWidget | None, covers=()) -> None:
        """Put ``button`` on ``chart`` (again, after the view rebuilt its charts); None
        hides it until the view has such a chart again."""
        entry = next(a for a in self.anchors if a.button is button)
        entry.item, entry.covers = chart, list(covers)
        button.targets[:] = [t for t in (chart, *entry.covers) if t is not None]
        if chart is not None and chart not in self._watched:
            self._watched.add(chart)
            chart.geometryChanged.connect(self.place)
            chart.visibleChanged.connect(self.place)
        self.place()

    def place(self) -> None:
        """Move every button to the top-right corner of its chart, as the view shows it now."""
        for a in self.anchors:
            try:
                shown = (a.item is not None and a.item.isVisible()
                         and a.item.scene() is self.view.scene())
            except RuntimeError:  # the chart was deleted before the view re-anchored it
                shown = False
            if not shown:
                a.button.hide()
                continue
            make_room(a.item, a.button.width())
            corner = a.item.mapToScene(a.item.boundingRect().topRight())
            at = self.view.mapFromScene(corner)
            a.button.move(at.x() - a.button.width() - 2, at.y() + 1)
            a.button.show()
            a.button.raise_()

    def hint_at(self, pos: QPoint) -> str:
        """The hint of the chart under viewport position ``pos`` ("" when none)."""
        scene_pos = self.view.mapToScene(pos)
        for a in self.anchors:
            for target in a.button.targets:
                try:
                    if (target.isVisible() and target.scene() is self.view.scene()
                            and target.sceneBoundingRect().contains(scene_pos)):
                        return a.button.topic.hint
                except RuntimeError:
                    continue
        return ""

    def eventFilter(self, obj, event):
        kind = event.type()
        if kind == QEvent.Type.MouseMove:
            self._show(self.hint_at(event.position().toPoint()))
        elif kind == QEvent.Type.Leave:
            self._show("")
        elif kind in (QEvent.Type.Resize, QEvent.Type.Show):
            self.place()
        return False

    def _show(self, tip: str) -> None:
        # A hint is sent on every move (the status bar ignores a message it already shows,
        # and something else may have cleared it); the empty one only once, on leaving a
        # chart, so that other messages stay while the mouse is over the view's margins.
        if tip or self._tip:
            show_status_tip(self.view, tip)
        self._tip = tip


def make_room(chart: QGraphicsWidget, side: int = BUTTON_SIZE) -> None:
    """Keep a PlotItem's title from running under its "?" at the top-right corner.

    A centred title that leaves too little room on its right gets the button's width in the
    plot's right-axis column (empty while that axis is hidden); one that leaves enough room
    costs the plot nothing. ``gap`` is the room the title would leave without that column.
    Giving the column can also widen the plot (a layout short of room favours the larger
    minimum) by up to its width, moving ``gap`` by up to half of it: so the column is given
    below ``room`` and taken back only from ``2 · room``, and the two never alternate.
    """
    grid, title = getattr(chart, "layout", None), getattr(chart, "titleLabel", None)
    if not isinstance(grid, QGraphicsGridLayout) or title is None:
        return
    room = side + 3
    reserved = grid.columnMinimumWidth(2)
    if title.isVisible() and title.text and not chart.getAxis("right").isVisible():
        gap = (title.geometry().width() + reserved - title.itemRect().width()) / 2
        wanted = room if gap < (2 * room if reserved else room) else 0.0
    else:
        wanted = 0.0
    if wanted != reserved:
        grid.setColumnMinimumWidth(2, wanted)


def chart_help(view: QGraphicsView, about: Topic, chart: QGraphicsWidget | None,
               covers=()) -> HelpButton:
    """A "?" at the top-right corner of ``chart`` in ``view``, and its hint on hover.

    Parameters
    ----------
    view : QGraphicsView
        The GraphicsLayoutWidget that shows ``chart``.
    about : Topic
    chart : QGraphicsWidget
        Usually a PlotItem; the button sits in its title row.
    covers : iterable of QGraphicsWidget
        Other items the same explanation covers (a chart's colour bar, the other columns of
        a row of mosaics): hovering them shows the same hint.

    After the view rebuilds its charts, call :func:`reanchor` with the new chart.
    """
    return ChartHelp.of(view).add(about, chart, covers)


def reanchor(button: HelpButton, chart: QGraphicsWidget | None, covers=()) -> None:
    """Move a :func:`chart_help` button to ``chart`` (None: hide it), e.g. after a rebuild."""
    ChartHelp.of(button.parentWidget().parentWidget()).anchor(button, chart, covers)


def help_buttons(widget: QWidget) -> list[HelpButton]:
    """Every "?" inside ``widget``."""
    return widget.findChildren(HelpButton)
