"""Clear leaves nothing of the old drawing; the stepper's first chart is drawn at once."""

import numpy as np
import pytest
from gui_helpers import shown
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget
from test_explorer import draw_seven, explorer  # noqa: F401 (the fixture)

from nnviz.charts.theme import LIGHT, PRESENTER_FONT_SCALE
from nnviz.engine.network import MLP
from nnviz.gui.views.explorer.view import ExplorerView
from nnviz.gui.widgets.layout_check import assert_laid_out, layout_problems
from nnviz.gui.window.presenter import style_every_axis


def test_clear_clears_the_bars_the_diagram_and_learn_this(explorer):  # noqa: F811
    w = explorer
    draw_seven(w)
    w.learn(0.05)
    assert w.learn_this.result is not None
    assert len(w.answer.bars.bars.opts["width"]) == 10
    assert w.diagram.input.image.image is not None
    w.pad.clear()
    assert w.x is None and w.explorer.learned is None
    assert w.answer.bars.p is None and len(w.answer.bars.bars.opts["width"]) == 0
    assert all(label.toPlainText() == "" for label in w.answer.bars.labels)
    assert w.learn_this.result is None and len(w.learn_this.after_bars.opts["height"]) == 0
    assert w.diagram.input.image.image is None
    assert all(len(c.xData if c.xData is not None else []) == 0
               for curves in w.diagram.edges for c in curves.values())


def test_the_input_chart_is_drawn_the_first_time(explorer, qtbot):  # noqa: F811
    w = explorer
    w.resize(940, 700)
    qtbot.wait_until(lambda: w.width() == 940)
    w._random_test_image()
    sp = w.stepper_view.plots[0]
    np.testing.assert_array_equal(sp.image.image, w.x.reshape(28, 28))

    def drawn_large():  # not collapsed to the title row (it was, until a resize)
        shown = sp.image.mapRectToScene(sp.image.boundingRect())
        return shown.width() > 100 and shown.height() > 100

    qtbot.wait_until(drawn_large, timeout=2000)  # the layout runs in the next events


def test_the_stepper_controls_are_whole_at_940_px(explorer, qtbot):  # noqa: F811
    w = explorer
    w.resize(940, 700)
    w.load_test_image(0)
    sv = w.stepper_view
    for _ in range(4):
        sv.forward()
    qtbot.wait_until(lambda: sv.position_label.width() >= sv.position_label.sizeHint().width())
    assert sv.position_label.text().startswith("Step 5 of ")
    assert sv.t_slider.width() > 2 * sv.t_slider.height()  # a slider, not a checkbox-sized box


def test_the_diagrams_input_title_is_whole_at_940_px(explorer, qtbot):  # noqa: F811
    w = explorer
    w.resize(940, 700)
    qtbot.wait_until(lambda: w.width() == 940)
    w.load_test_image(0)
    w.grab()  # drawn: a TextItem places its text when painted
    title = w.diagram.input.title
    assert title.toPlainText().startswith("input")
    visible = w.diagram.vb.sceneBoundingRect()
    shown = title.textItem.mapRectToScene(title.textItem.boundingRect())
    assert shown.left() >= visible.left() - 0.5 and shown.right() <= visible.right() + 0.5


def test_the_stepper_writes_relu_as_the_lessons_do(explorer):  # noqa: F811
    w = explorer
    w.load_test_image(0)
    w.stepper_view.forward()  # layer 1: a¹ = ReLU(z¹)
    text = w.stepper_view.equation.text()
    assert "ReLU" in text and "relu" not in text


@pytest.mark.parametrize("size", [
    (1920, 1080),
    (1280, 800),  # before: the answer's charts 106 and 117 px wide (the unit column took 440)
    (940, 700),  # before: the softmax charts 12 px high, 0–9 on each other, a 45 px slider
])
def test_the_explorer_is_laid_out(explorer, qtbot, size):  # noqa: F811
    w = explorer
    w.resize(*size)
    qtbot.wait_until(lambda: (w.width(), w.height()) == size)
    w.load_test_image(0)
    for _ in range(4):
        w.stepper_view.forward()
    for _ in range(5):  # the graphics layouts run in the next events
        QApplication.processEvents()
    w.grab()
    assert_laid_out(w)


def test_the_unit_inspector_is_a_line_until_a_unit_is_picked(explorer, qtbot):  # noqa: F811
    """Before: "Pick a unit to inspect it" in a 440 px column, 668 px high, before any pick."""
    from nnviz.gui.views.explorer.view import COMPACT_WIDTH
    w = explorer
    w.resize(940, 700)
    qtbot.wait_until(lambda: w.width() == 940)
    w.load_test_image(0)
    QApplication.processEvents()
    line = w.inspector.fontMetrics().lineSpacing()
    # The tab bar and the hint (two lines at most), not half the window (it was 668 px).
    qtbot.wait_until(lambda: w.tabs.height() <= w.tabs.tabBar().height() + 2 * line + 20)
    assert w.inspector.hint.isVisible() and not w.inspector.glw.isVisible()
    assert w.right.width() <= COMPACT_WIDTH  # the width goes to the diagram and the stepper
    assert w.inspector.hint.height() >= w.inspector.hint.heightForWidth(w.inspector.hint.width())
    narrow = w.diagram.width()
    w.select_unit(1, 3)
    qtbot.wait_until(lambda: w.tabs.height() > 500)  # the picked unit gets the column
    assert w.inspector.glw.isVisible() and not w.inspector.hint.isVisible()
    assert w.right.width() >= 0.25 * w.width() and w.diagram.width() < narrow


def middle_problems(w) -> list[str]:
    """The layout check of the diagram and the stepper, and of what the stepper's page shows
    (inside its scroll area, reached by scrolling, so the check of the whole skips it)."""
    sv = w.stepper_view
    problems = layout_problems(w.diagram) + layout_problems(w.middle_tabs)
    page = getattr(sv, "step_page", sv)  # (before the page scrolled: the stepper itself)
    for child in page.findChildren(QWidget):
        if child.isVisible() and child.parentWidget() is page and page is not sv:
            problems += layout_problems(child)
    return problems


@pytest.mark.parametrize("size, presenting", [
    ((940, 700), False),  # before: softmax charts 12 px high, the class names 0–9 overlapped
    ((1280, 800), False), ((1920, 1080), False),
    ((1280, 720), True),  # before: the diagram's titles cut, 0–9 on top of each other
    ((1920, 1080), True)])
def test_the_diagram_and_every_step_are_laid_out(qtbot, digits, size, presenting):
    font = QFont(QApplication.font())
    theme = LIGHT.presenting(presenting)
    if presenting:  # the application font as the window enlarges it
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
        QApplication.setFont(big)
    try:
        w = shown(qtbot, ExplorerView(theme), *size)
        w.model.set_dataset(digits)
        w.set_model(MLP((784, 32, 16, 10), "relu", seed=0), "cross_entropy", "test model")
        style_every_axis(w, theme)
        w.load_test_image(0)
        for position in range(len(w.stepper.steps)):
            for _ in range(5):  # the graphics layouts run in the next events
                QApplication.processEvents()
            w.grab()
            assert middle_problems(w) == [], (position, w.stepper.current.kind)
            w.stepper_view.forward()
        if not presenting and hasattr(w.stepper_view, "step_scroll"):
            assert not w.stepper_view.step_scroll.verticalScrollBar().maximum()  # all in view
    finally:
        QApplication.setFont(font)
