"""The stepper view: equations as mathematics in the theme's colours, a "?" per kind of step,
for the charts, the notation and the options, and presenter mode's larger charts."""

import numpy as np
import pytest
from gui_helpers import shown
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from nnviz.analysis.notation import equation_html
from nnviz.analysis.stepper import Stepper
from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.network import MLP
from nnviz.gui.views.explorer.stepper.topics import STEP_HELP
from nnviz.gui.views.explorer.stepper.view import StepperView, as_lessons_write
from nnviz.gui.widgets.help import help_buttons
from nnviz.gui.widgets.mathtext import MATH_SCALE


@pytest.fixture
def view(qtbot):
    v = shown(qtbot, StepperView(LIGHT), 900, 640)
    net = MLP((784, 16, 12, 10), ["relu", "sigmoid"], seed=0)
    v.set_stepper(Stepper(net, np.random.default_rng(1).random(784), 3))
    return v


def step_to(qtbot, v, position: int) -> None:
    """Reset, then click Step ▶ ``position`` times, as a learner does."""
    qtbot.mouseClick(v.reset_button, Qt.MouseButton.LeftButton)
    for _ in range(position):
        qtbot.mouseClick(v.step_button, Qt.MouseButton.LeftButton)
    assert v.stepper.position == position


def visible_step_help(v) -> list[str]:
    return [kind for kind, b in v.step_help.items() if b.isVisibleTo(v)]


def test_every_equation_is_set_as_mathematics_in_the_theme(view, qtbot):
    v = view
    for position, step in enumerate(v.stepper.steps):
        step_to(qtbot, v, position)
        text = v.equation.text()
        for line in step.equations:
            assert equation_html(as_lessons_write(line), muted=LIGHT.muted) in text
        assert f"color: {LIGHT.foreground}" in text
        assert step.title in v.title_label.text()
    step_to(qtbot, v, 1)
    assert "<i>z</i>¹ = <b>W</b>¹·<i>x</i> + <i>b</i>¹" in v.equation.text()
    v.set_theme(DARK)
    assert equation_html(v.stepper.current.equations[0], muted=DARK.muted) in v.equation.text()
    assert LIGHT.muted not in v.equation.text()


def test_the_math_font_is_a_larger_serif(view):
    font = view.equation.font()
    assert font.pointSizeF() == pytest.approx(QApplication.font().pointSizeF() * MATH_SCALE)
    assert font.families()[0] == "Cambria" and "DejaVu Serif" in font.families()


def test_the_question_mark_beside_the_title_explains_this_step(view, qtbot):
    v = view
    seen = []
    for position in range(len(v.stepper.steps)):
        step_to(qtbot, v, position)
        seen.append(visible_step_help(v))
    assert seen == [["input"], ["forward"], ["forward"], ["output"], ["softmax"], ["loss"],
                    ["backward"], ["backward"], ["backward"], ["input_grad"]]
    # The notes that were printed under the equations are in the "?" now, not on screen.
    assert "Each unit sums its weighted inputs" in STEP_HELP["forward"].text
    assert "Each unit sums" not in v.equation.text()
    v.set_stepper(None)
    assert visible_step_help(v) == [] and v.equation.text() == ""


def test_charts_notation_and_options_have_their_question_marks(view):
    keys = {b.topic.key for b in help_buttons(view)}
    assert {"stepper.charts", "stepper.notation", "stepper.options"} <= keys
    assert {f"stepper.{kind}" for kind in STEP_HELP} <= keys
    assert view.charts_help.isVisibleTo(view)


def test_presenter_theme_thickens_the_target_outline_and_makes_room_for_the_title(view, qtbot):
    v = view
    step_to(qtbot, v, 5)  # the loss: p with the target outlined
    plot = v.plots[0]
    assert plot.highlight.opts["pen"].widthF() == pytest.approx(2.5)
    row = plot.plot.layout.rowMinimumHeight(0)
    v.set_theme(LIGHT.presenting())
    assert plot.highlight.opts["pen"].widthF() == pytest.approx(5.0)
    assert plot.plot.titleLabel.item.scale() == pytest.approx(1.25)
    assert plot.plot.layout.rowMinimumHeight(0) > row
    v.set_theme(LIGHT)
    assert plot.highlight.opts["pen"].widthF() == pytest.approx(2.5)
    assert plot.plot.layout.rowMinimumHeight(0) == row


def test_the_titles_min_max_line_grows_in_presenter_mode(view, qtbot):
    """The chart title's second line, "min …, max …", is drawn at 8 pt, and at 12 pt in
    presenter mode (its span's size inside a title the theme scales by 1.25), then 8 again."""
    v = view
    step_to(qtbot, v, 5)
    item = v.plots[0].plot.titleLabel.item

    def drawn_pt(at: int) -> float:
        cursor = QTextCursor(item.document())
        cursor.setPosition(at + 1)
        return cursor.charFormat().fontPointSize() * item.scale()

    for theme, title_pt, line_pt in ((LIGHT, 10, 8), (LIGHT.presenting(), 12.5, 12),
                                     (LIGHT, 10, 8)):
        v.set_theme(theme)
        text = item.document().toPlainText()
        assert text.splitlines()[1].startswith("min ")
        assert drawn_pt(0) == pytest.approx(title_pt)
        assert drawn_pt(text.index("min ")) == pytest.approx(line_pt)


def test_heatmaps_have_colour_bars_at_the_datas_levels(view, qtbot):
    """z, a, δ, dW, ∂L/∂x had only "min …, max …": each image now has a colour bar at its
    levels, symmetric about 0 for the signed ones, moved (not made again) at each step."""
    from nnviz.gui.views.explorer.stepper.plots import GREY
    v = view
    bars = [sp.bar for sp in v.plots]
    seen = set()
    for position in range(len(v.stepper.steps)):
        step_to(qtbot, v, position)
        assert [sp.bar for sp in v.plots] == bars  # the same items at every step
        for sp in v.plots:
            if sp.kind in ("image", "grid", "matrix"):
                assert sp.bar.isVisible()
                lo, hi = sp.bar.levels()
                m = float(np.abs(sp.values).max())
                if sp.name.startswith(("z", "δ", "dW", "∂")):
                    assert (lo, hi) == pytest.approx((-m, m))
                elif sp.name == "x":
                    assert (lo, hi) == (0.0, 1.0) and sp.bar._colorMap is GREY
                else:
                    assert (lo, hi) == pytest.approx((0.0, float(sp.values.max())))
                assert tuple(sp.image.levels) == pytest.approx((lo, hi))
                seen.add(sp.name[:2])
            elif sp.values is not None:
                assert not sp.bar.isVisible()
    assert {"x", "∂L", "dW"} <= seen


def test_x_and_its_gradient_are_drawn_the_same_size(view, qtbot):
    v = view
    step_to(qtbot, v, len(v.stepper.steps) - 1)
    x, grad = v.plots[0], v.plots[1]
    assert (x.name, grad.name) == ("x", "∂L/∂x")
    QApplication.processEvents()

    def shown(sp):
        r = sp.image.mapRectToScene(sp.image.boundingRect())
        return round(r.width()), round(r.height())
    qtbot.wait_until(lambda: shown(x) == shown(grad) and shown(x)[0] > 100)
    assert x.bar.isVisible() and grad.bar.isVisible()
