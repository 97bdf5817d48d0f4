"""The "?" helper: topics, the button and its popup, group boxes, charts and status-bar hints."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QEnterEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QMainWindow,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnviz.gui.widgets import help as help_module
from nnviz.gui.widgets.help import (
    BUTTON_SIZE,
    ChartHelp,
    Topic,
    chart_help,
    group_help,
    help_button,
    reanchor,
    sentence_count,
    set_hint,
    topic,
)

LOSS = Topic("t.loss", "Loss", "How wrong the network is. Lower is better.", "the loss per batch")
RATE = Topic("t.rate", "Learning rate", "The step size. It follows the schedule.", "the step size")
GROUP = Topic("t.group", "Settings", "Some settings. They take effect at once.", "the settings")


@pytest.fixture
def registry(monkeypatch):
    """An empty TOPICS for the test (the app's own topics are left alone)."""
    monkeypatch.setattr(help_module, "TOPICS", {})
    return help_module


def move(widget, point: QPoint) -> None:
    """A real mouse-move event (no button) at ``point`` of ``widget``."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), QPointF(widget.mapToGlobal(point)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def enter(widget) -> None:
    QApplication.sendEvent(widget, QEnterEvent(QPointF(2, 2), QPointF(2, 2), QPointF(2, 2)))


def test_sentence_count_ignores_decimals_and_products():
    assert sentence_count("x is in [0, 1] and 0.5 is grey. W·a adds up: z = 1.5.") == 2
    assert sentence_count("Why? Because. And so!") == 3
    assert sentence_count("no end") == 0


def test_topic_registers_once_and_checks_its_words(registry):
    made = topic("v.chart", "Chart", "One. Two.", "a hint")
    assert registry.TOPICS == {"v.chart": made}
    assert made == Topic("v.chart", "Chart", "One. Two.", "a hint")
    with pytest.raises(ValueError, match="'v.chart' is defined twice"):
        topic("v.chart", "Chart", "One. Two.", "a hint")
    with pytest.raises(ValueError, match="2 or 3 sentences, it has 1"):
        topic("v.short", "Short", "Only one sentence.", "a hint")
    with pytest.raises(ValueError, match="2 or 3 sentences, it has 4"):
        topic("v.long", "Long", "One. Two. Three. Four.", "a hint")
    with pytest.raises(ValueError, match="one non-empty line"):
        topic("v.hint", "Hint", "One. Two.", "two\nlines")
    with pytest.raises(ValueError, match="one non-empty line"):
        topic("v.none", "Hint", "One. Two.", "")
    assert list(registry.TOPICS) == ["v.chart"]  # nothing half-registered


def test_button_explains_on_click_space_and_enter(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    ran = []
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), parent)  # as the explorer's "run"
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(lambda: ran.append(1))
    button = help_button(LOSS, parent)
    other = QWidget(parent)
    other.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    with qtbot.waitActive(parent):  # window shortcuts work in the active window only
        parent.show()
    other.setFocus()
    qtbot.keyClick(other, Qt.Key.Key_Space)
    assert ran == [1]  # the shortcut works: the button must keep it from its own keys
    ran.clear()
    assert button.text() == "?" and button.size().width() == BUTTON_SIZE
    assert button.statusTip() == "the loss per batch"
    assert "How wrong the network is. Lower is better." in button.toolTip()
    assert button.accessibleName() == "Help: Loss"
    assert button.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert button.popup is None
    button.click()
    popup = button.popup
    assert popup.isVisible() and popup.windowFlags() & Qt.WindowType.Popup
    assert popup.label.text() == "<b>Loss</b><p>How wrong the network is. Lower is better.</p>"
    popup.close()
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Return):
        button.popup = None
        button.setFocus()
        qtbot.keyClick(button, key)
        assert button.popup is not None and button.popup.isVisible(), key
        button.popup.close()
    assert ran == []  # the key opened the help, not the window's shortcut


def test_popup_text_is_escaped():
    about = Topic("t.html", "a < b", "Is x < y? Then y > x.", "compare")
    assert help_module.popup_html(about) == "<b>a &lt; b</b><p>Is x &lt; y? Then y &gt; x.</p>"


def window_with(qtbot, content: QWidget) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(content)
    window.statusBar()
    window.resize(640, 480)
    with qtbot.waitExposed(window):
        window.show()
    return window


def test_group_help_sits_in_the_title_row_and_hints_on_hover(qtbot):
    box = QGroupBox("Settings")
    QVBoxLayout(box).addWidget(QSpinBox())
    window = window_with(qtbot, box)
    button = group_help(box, GROUP)
    assert button.parentWidget() is box and button.targets == [box]
    assert button.geometry().right() == box.width() - 6 - 1 and button.y() == 0
    window.resize(500, 400)
    qtbot.waitUntil(lambda: button.geometry().right() == box.width() - 7)
    assert box.statusTip() == "the settings"
    enter(box)
    assert window.statusBar().currentMessage() == "the settings"


def test_set_hint_shows_in_the_status_bar(qtbot):
    spin = QSpinBox()
    window = window_with(qtbot, spin)
    set_hint(spin, "how many")
    enter(spin)
    assert window.statusBar().currentMessage() == "how many"
    QApplication.sendEvent(spin, QEvent(QEvent.Type.Leave))
    assert window.statusBar().currentMessage() == ""


@pytest.fixture
def charts(qtbot):
    """A window with two plots side by side: a long title over a narrow plot, a short one."""
    glw = pg.GraphicsLayoutWidget()
    window = window_with(qtbot, glw)
    long = glw.addPlot(row=0, col=0, title="A title as wide as its whole plot")
    short = glw.addPlot(row=0, col=1, title="Rate")
    glw.ci.layout.setColumnStretchFactor(1, 3)
    bar = pg.ColorBarItem(values=(0, 1))
    glw.addItem(bar, row=0, col=2)
    buttons = chart_help(glw, LOSS, long, covers=[bar]), chart_help(glw, RATE, short)
    qtbot.waitUntil(lambda: all(b.isVisible() for b in buttons))
    return window, glw, long, short, bar, buttons


def view_rect(glw, item):
    return glw.mapFromScene(item.sceneBoundingRect()).boundingRect()


def test_chart_buttons_sit_in_the_top_right_corner_clear_of_the_title(qtbot, charts):
    window, glw, long, short, bar, (b_long, b_short) = charts
    assert b_long.parentWidget() is glw.viewport() and b_long.targets == [long, bar]
    for button, plot in ((b_long, long), (b_short, short)):
        corner = view_rect(glw, plot)
        assert abs(button.geometry().right() + 1 - (corner.right() - 2)) <= 1
        assert abs(button.y() - (corner.top() + 1)) <= 1
    # The long title left no room: the plot's right-axis column took the button's width, so
    # the title, centred in what is left, ends left of the button. The short one costs nothing.
    assert long.layout.columnMinimumWidth(2) == BUTTON_SIZE + 3
    assert short.layout.columnMinimumWidth(2) == 0
    title = glw.mapFromScene(long.titleLabel.item.sceneBoundingRect()).boundingRect()
    assert title.right() < b_long.x()
    # They follow their charts when the window changes size.
    window.resize(900, 500)
    qtbot.waitUntil(lambda: abs(b_short.geometry().right() + 1
                                - (view_rect(glw, short).right() - 2)) <= 1)


def test_hovering_a_chart_or_what_it_covers_shows_its_hint(qtbot, charts):
    window, glw, long, short, bar, _ = charts
    status = window.statusBar()
    move(glw.viewport(), view_rect(glw, short).center())
    assert status.currentMessage() == "the step size"
    move(glw.viewport(), view_rect(glw, long).center())
    assert status.currentMessage() == "the loss per batch"
    move(glw.viewport(), view_rect(glw, short).center())
    move(glw.viewport(), view_rect(glw, bar).center())  # covered: the same explanation
    assert status.currentMessage() == "the loss per batch"
    QApplication.sendEvent(glw.viewport(), QEvent(QEvent.Type.Leave))
    assert status.currentMessage() == ""
    assert ChartHelp.of(glw).hint_at(QPoint(1, 1)) == ""  # the layout's margin: no chart


def test_buttons_hide_with_their_chart_and_follow_a_rebuild(qtbot, charts):
    window, glw, long, short, bar, (b_long, b_short) = charts
    glw.ci.removeItem(short)
    reanchor(b_short, None)
    assert not b_short.isVisible() and b_short.targets == []
    assert ChartHelp.of(glw).hint_at(view_rect(glw, long).center()) == "the loss per batch"
    rebuilt = glw.addPlot(row=1, col=0, title="Rate again")
    reanchor(b_short, rebuilt)
    qtbot.waitUntil(lambda: b_short.isVisible()
                    and abs(b_short.y() - (view_rect(glw, rebuilt).top() + 1)) <= 1)
    assert b_short.targets == [rebuilt]
    long.hide()
    assert not b_long.isVisible()
    long.show()
    assert b_long.isVisible()


def test_room_for_the_button_is_given_and_taken_back_with_hysteresis(qtbot):
    """Giving a plot the button's column can widen it; the decision must not flip back (a
    flip-flop here once kept the window relaying out forever)."""
    glw = pg.GraphicsLayoutWidget()
    glw.ci.layout.setContentsMargins(0, 0, 0, 0)
    plot = glw.addPlot(title="A title of some width")
    for side in ("left", "bottom"):
        plot.hideAxis(side)
    plot.layout.setContentsMargins(0, 0, 0, 0)
    grid, room = plot.layout, BUTTON_SIZE + 3
    text = plot.titleLabel.itemRect().width()
    glw.resize(int(text) + 60, 200)
    with qtbot.waitExposed(glw):
        glw.show()

    def settle(reserved: float, width: float):
        """The plot ``width`` wide, its column at ``reserved``; the room make_room leaves."""
        grid.setColumnMinimumWidth(2, reserved)
        glw.resize(int(width), 200)
        qtbot.waitUntil(lambda: abs(plot.geometry().width() - width) < 1)
        help_module.make_room(plot)
        return grid.columnMinimumWidth(2)

    gap_25, gap_40, gap_10 = text + 50, text + 80, text + 20  # widths leaving that gap
    assert settle(0, gap_25) == 0        # enough room: nothing taken
    assert settle(room, gap_25) == room  # given already: kept, not handed back and forth
    assert settle(room, gap_40) == 0     # plenty of room: given back
    assert settle(0, gap_10) == room     # too little: given


def test_the_button_grows_with_the_app_font_and_its_question_mark_stays_whole(qtbot):
    """Presenter mode sets the app font ×1.5: a fixed 16 px button cut the "?" (it needs 21 px)."""
    from PySide6.QtGui import QFont

    from nnviz.charts.theme import PRESENTER_FONT_SCALE
    from nnviz.gui.widgets.layout_check import layout_problems

    panel = QWidget()
    qtbot.addWidget(panel)
    button = help_button(LOSS, panel)
    QVBoxLayout(panel).addWidget(button)
    panel.show()
    app = QApplication.instance()
    normal = QFont(app.font())
    assert button.size().toTuple() == (BUTTON_SIZE, BUTTON_SIZE)
    try:
        large = QFont(normal)
        large.setPointSizeF(normal.pointSizeF() * PRESENTER_FONT_SCALE)
        app.setFont(large)
        qtbot.waitUntil(lambda: button.width() > BUTTON_SIZE)
        side = button.fontMetrics().height() + 2
        assert button.font().bold() and button.size().toTuple() == (side, side)
        assert button.fontMetrics().boundingRect("?").height() <= button.height() - 2
        assert [p for p in layout_problems(panel) if "text cut" in p] == []
    finally:
        app.setFont(normal)
    qtbot.waitUntil(lambda: button.width() == BUTTON_SIZE)
