"""Every chart and control group of the real window and its side windows has a "?" with two
or three sentences of its own, and hovering it (or its chart, or its group) puts its one-line
hint in the status bar of the window it is in."""

from collections import Counter

import pyqtgraph as pg
from gui_helpers import trained
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QEnterEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsView,
    QGroupBox,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from nnviz.gui.widgets.help import TOPICS, ChartHelp, HelpButton, help_buttons, sentence_count


def windows_of(w):
    return (w, *w.side_windows)


def open_everything(qtbot, w):
    """Train a little and show every window, an example in the explorer and a unit in it."""
    trained(qtbot, w, 5)
    for window in w.side_windows:
        window.resize(1500, 900)
        window.present()
    ex = w.views["explorer"]
    qtbot.waitUntil(lambda: ex.explorer.base_net is not None, timeout=5000)
    ex.load_test_image(0)
    ex.select_unit(1, 0)


def test_every_topic_has_one_question_mark_and_its_own_words(qtbot, window):
    buttons = help_buttons(window)  # the side windows are the main window's children
    keys = Counter(b.topic.key for b in buttons)
    assert set(keys) == set(TOPICS), set(keys) ^ set(TOPICS)
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    assert len(TOPICS) >= 50  # the list the count is checked against is not empty
    for about in TOPICS.values():
        assert 2 <= sentence_count(about.text) <= 3, about.key
        assert about.hint and "\n" not in about.hint and len(about.hint) <= 100, about.key
    for field in ("text", "hint", "title"):
        values = [getattr(t, field) for t in TOPICS.values()]
        repeated = [v for v, n in Counter(values).items() if n > 1]
        assert repeated == [], (field, repeated)
    for b in buttons:
        assert b.text() == "?" and b.statusTip() == b.topic.hint and b.toolTip()


def test_every_chart_and_group_box_is_explained(qtbot, window):
    open_everything(qtbot, window)
    buttons = help_buttons(window)
    targets = {id(t) for b in buttons for t in b.targets}
    missing = []
    for view in window.findChildren(QGraphicsView):
        if not isinstance(view, pg.GraphicsView) or view.scene() is None:
            continue
        for item in view.scene().items():
            if not isinstance(item, pg.PlotItem) or isinstance(item, pg.ColorBarItem):
                continue
            chain, parent = [item], item.parentItem()
            while parent is not None:  # a "?" on the layout holding it covers it too
                chain.append(parent)
                parent = parent.parentItem()
            if not any(id(i) in targets for i in chain):
                missing.append((type(view.parentWidget()).__name__, item.titleLabel.text))
    assert missing == []
    boxes = window.findChildren(QGroupBox)
    assert len(boxes) == 6  # the Controls panel's groups
    for box in boxes:
        corner = [c for c in box.findChildren(HelpButton) if box in c.targets]
        assert len(corner) == 1 and corner[0].statusTip() == box.statusTip() != "", box.title()


def reveal(widget) -> None:
    """Make the tabs above ``widget`` show the pages that hold it."""
    while widget is not None:
        parent = widget.parentWidget()
        if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
            parent.parentWidget().setCurrentWidget(widget)
        widget = parent


def configurations(top, w):
    """Show, in turn, every dock, every tab, both kinds of unit in the inspector and every
    step of the stepper: together they show every "?" at least once."""
    yield
    if top is w:
        for dock in w.docks.values():
            dock.raise_()
            yield
        curves = w.views["curves"]
        for name in ("grad_plot", "inactive_plot"):  # beyond the charts the dock has room for
            curves.choose_chart(name)
            yield
    for tabs in top.findChildren(QTabWidget):
        for i in range(tabs.count()):
            reveal(tabs)
            tabs.setCurrentIndex(i)
            yield
    ex = w.views["explorer"]
    if top is w.explorer_window:
        reveal(ex.inspector)
        ex.select_unit(2, 0)  # a deeper unit: bars instead of images
        yield
        reveal(ex.stepper_view)
        for _ in range(40):
            if ex.stepper.at_end:
                break
            ex.stepper_view.forward()
            yield


def hover_chart(view: QGraphicsView, item) -> None:
    point = view.mapFromScene(item.sceneBoundingRect().center())
    QApplication.sendEvent(view.viewport(), QMouseEvent(
        QEvent.Type.MouseMove, QPointF(point), QPointF(view.viewport().mapToGlobal(point)),
        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))


def enter(widget) -> None:
    QApplication.sendEvent(widget, QEnterEvent(QPointF(3, 3), QPointF(3, 3), QPointF(3, 3)))


def test_hovering_shows_each_hint_in_its_windows_status_bar(qtbot, window):
    open_everything(qtbot, window)
    checked = set()
    for top in windows_of(window):
        status = top.statusBar()
        for _ in configurations(top, window):
            QApplication.processEvents()
            for helper in top.findChildren(ChartHelp):  # the main window's: the side ones' too
                if not helper.view.isVisible() or helper.view.window() is not top:
                    continue
                for anchor in helper.anchors:
                    if not anchor.button.isVisible():
                        continue
                    for item in anchor.button.targets:
                        hover_chart(helper.view, item)
                        assert status.currentMessage() == anchor.button.topic.hint, \
                            (anchor.button.topic.key, type(item).__name__)
                    QApplication.sendEvent(helper.view.viewport(), QEvent(QEvent.Type.Leave))
                    assert status.currentMessage() == ""
                    checked.add(anchor.button.topic.key)
            for button in top.findChildren(HelpButton):
                if button.isVisible() and button.window() is top:
                    widgets = [t for t in button.targets if isinstance(t, QWidget)]
                    for widget in (button, *widgets):
                        status.clearMessage()
                        enter(widget)
                        assert status.currentMessage() == button.topic.hint, button.topic.key
                    checked.add(button.topic.key)
    assert set(TOPICS) - checked == set()  # every "?" was shown and hovered
