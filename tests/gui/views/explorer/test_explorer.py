"""The explorer: a real drag on the pad gives a centred 28×28 input and an answer; every
step shows the engine's numbers; keys step; edits and "Learn this" change the network as they
say."""

import numpy as np
import pytest
from gui_helpers import make_snapshot, shown
from mouse import drag
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextDocument

from nnviz.analysis.edits import UnitEdit
from nnviz.analysis.notation import sup
from nnviz.analysis.preprocess import MNIST_CENTRE, center_of_mass, to_mnist
from nnviz.analysis.trace import backward_trace, forward_trace
from nnviz.charts.theme import DARK, LIGHT
from nnviz.engine.network import MLP
from nnviz.gui.views.explorer.answer import AnswerPanel
from nnviz.gui.views.explorer.view import ExplorerView
from nnviz.session import SessionModel


@pytest.fixture
def explorer(qtbot, digits):
    w = shown(qtbot, ExplorerView(), 1500, 900)
    w.model.set_dataset(digits)
    net = MLP((784, 32, 16, 10), "relu", seed=0)
    w.set_model(net, "cross_entropy", "test model")
    return w


def draw_seven(w):
    drag(w.pad, [(60, 70), (60, 200), (70, 190), (150, 140), (230, 110)])


def test_a_real_drag_gives_a_centred_input_and_an_answer(explorer):
    w = explorer
    assert w.x is None and w.stepper is None
    draw_seven(w)
    assert w.x.shape == (784,) and w.true == -1
    np.testing.assert_array_equal(w.x, to_mnist(w.pad.canvas()).reshape(-1))
    r, c = center_of_mass(w.x.reshape(28, 28))
    assert abs(r - MNIST_CENTRE) < 0.6 and abs(c - MNIST_CENTRE) < 0.6
    ink = np.argwhere(w.x.reshape(28, 28) > 0)
    assert (np.ptp(ink, axis=0) <= 20).all() and np.ptp(ink, axis=0).max() >= 19  # fits 20×20
    p = w.net.predict_proba(w.x[None])[0]
    np.testing.assert_allclose(w.answer.bars.p, p, rtol=1e-6)
    k = int(np.argmax(p))
    assert w.answer.answer_text.startswith(f"{k} · {100 * p[k]:.1f} % sure")
    np.testing.assert_array_equal(w.answer.input_image.image, w.x.reshape(28, 28))
    assert w.latency_ms < 200  # measured properly in benchmarks/bench_drawpad.py


def test_every_step_shows_the_engines_trace(explorer, qtbot):
    w = explorer
    w.load_test_image(3)
    ds_x, ds_y = w.model.dataset.x_test[3], int(w.model.dataset.y_test[3])
    np.testing.assert_array_equal(w.x, ds_x)  # a test image goes in exactly as stored
    assert w.true == ds_y and w.explorer.target == ds_y
    ref = backward_trace(w.net.copy(), ds_x, ds_y)
    sv = w.stepper_view
    seen = []
    for position in range(len(w.stepper.steps)):
        if position:
            qtbot.keyClick(w.pad, Qt.Key.Key_Right)  # as the learner steps
        assert w.stepper.position == position
        step = w.stepper.current
        drawn = {sp.name: sp.values for sp in sv.plots if sp.values is not None}
        seen.append(step.kind)
        if step.kind == "forward":
            l = step.layer
            np.testing.assert_array_equal(drawn[f"z{sup(l)}"], ref.layers[l - 1].z[0])
            if l < 3:
                np.testing.assert_array_equal(drawn[f"a{sup(l)}"], ref.layers[l - 1].a[0])
            assert (w.diagram.focus, w.diagram.direction) == w.explorer.focus == (l, "forward")
        elif step.kind == "backward":
            l = step.layer
            np.testing.assert_array_equal(drawn[f"δ{sup(l)}"], ref.layers[l - 1].delta[0])
            np.testing.assert_array_equal(drawn[f"dW{sup(l)}"], ref.layers[l - 1].dW)
            # db = δ for one example: its numbers are the δ chart's (no chart of its own)
            np.testing.assert_array_equal(ref.layers[l - 1].db, drawn[f"δ{sup(l)}"])
            assert f"db{sup(l)}" not in drawn
            assert (w.diagram.focus, w.diagram.direction) == w.explorer.focus == (l, "backward")
        elif step.kind == "softmax":
            np.testing.assert_allclose(drawn["p"], ref.probabilities[0], rtol=1e-6)
        elif step.kind == "input_grad":
            np.testing.assert_array_equal(drawn["∂L/∂x"], ref.input_grad[0])
    assert seen[0] == "input" and seen[-1] == "input_grad" and "loss" in seen


def test_keyboard_steps_runs_and_resets(explorer, qtbot):
    w = explorer
    w.load_test_image(0)
    w.pad.setFocus()
    assert w.stepper.position == 0
    qtbot.keyClick(w.pad, Qt.Key.Key_Right)
    qtbot.keyClick(w.pad, Qt.Key.Key_Right)
    assert w.stepper.position == 2
    qtbot.keyClick(w.pad, Qt.Key.Key_Left)
    assert w.stepper.position == 1
    qtbot.keyClick(w.pad, Qt.Key.Key_Escape)
    assert w.stepper.position == 0
    w.stepper_view._run_timer.setInterval(5)
    qtbot.keyClick(w.pad, Qt.Key.Key_Space)
    assert w.stepper_view.running
    qtbot.waitUntil(lambda: w.stepper.at_end and not w.stepper_view.running, timeout=3000)


def test_stepping_keeps_its_place_while_drawing(explorer, qtbot):
    w = explorer
    draw_seven(w)
    for _ in range(3):
        qtbot.keyClick(w.pad, Qt.Key.Key_Right)
    assert w.stepper.position == 3
    drag(w.pad, [(200, 60), (200, 220)])  # another stroke: new numbers, same step
    assert w.stepper.position == 3
    np.testing.assert_array_equal(w.stepper.trace.layers[0].x[0], w.x)


def test_target_choice_drives_the_backward_pass(explorer):
    w = explorer
    w.load_test_image(5)
    w.stepper_view.set_target(2)
    assert w.stepper.trace.y[0] == 2
    ref = backward_trace(w.net.copy(), w.x, 2)
    np.testing.assert_array_equal(w.stepper.trace.input_grad, ref.input_grad)
    w.stepper_view.set_target(-1)
    assert w.stepper.trace.y[0] == w.true


def test_the_edit_list_says_none_before_any_edit_and_lists_them_after(explorer):
    w = explorer
    w.load_test_image(1)
    assert w.inspector.edit_list.text() == "Edits: none"
    w.inspector.edits_changed.emit((UnitEdit(1, 4, bias_shift=2.0),))
    assert w.inspector.edit_list.text().startswith("Edits: hidden 1 unit 4")


def test_unit_edit_changes_the_output_exactly(explorer, qtbot):
    w = explorer
    w.load_test_image(1)
    w.select_unit(1, 4)
    assert w.tabs.currentWidget() is w.inspector
    base = w.explorer.base_net
    w.inspector.edits_changed.emit((UnitEdit(1, 4, bias_shift=2.0), UnitEdit(2, 7, off=True)))
    # By hand: b¹₄ + 2, and unit 7 of layer 2 contributes nothing above it.
    a = w.x.astype(np.float64)
    W1, b1 = base.layers[0].W.astype(np.float64), base.layers[0].b.astype(np.float64).copy()
    b1[4] += 2.0
    a1 = np.maximum(W1 @ a + b1, 0)
    a2 = np.maximum(base.layers[1].W @ a1 + base.layers[1].b, 0)
    a2[7] = 0
    z3 = base.layers[2].W @ a2 + base.layers[2].b
    np.testing.assert_allclose(w.stepper.trace.layers[-1].z[0], z3, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w.answer.bars.z, z3, rtol=1e-5, atol=1e-5)
    assert np.array_equal(base.theta, w.explorer.base_net.theta)  # the original is untouched
    # The test accuracy before → after, computed off the GUI thread, by a direct count.
    ds = w.model.dataset
    acc = [float((n.predict(ds.x_test) == ds.y_test).mean()) for n in (base, w.net)]
    qtbot.waitUntil(lambda: f"{100 * acc[1]:.2f}" in w.inspector.accuracy_text, timeout=5000)
    assert f"{100 * acc[0]:.2f}" in w.inspector.accuracy_text


def test_learn_this_raises_the_target_probability(explorer):
    w = explorer
    w.load_test_image(2)
    target = int(np.argmin(w.net.predict_proba(w.x[None])[0]))
    w.stepper_view.set_target(target)
    before = w.net.predict_proba(w.x[None])[0][target]
    w.learn(0.5, 1)
    after = w.net.predict_proba(w.x[None])[0][target]
    assert after > before
    assert w.learn_this.result.p_after[target] == pytest.approx(after, rel=1e-5)
    assert not w.follow.isChecked()
    adopted = []
    w.adopt_requested.connect(adopted.append)
    w.learn_this.keep_button.click()
    assert len(adopted) == 1 and np.array_equal(adopted[0].theta, w.net.theta)


def test_follows_a_training_snapshot(qtbot, digits):
    w = ExplorerView()
    qtbot.addWidget(w)
    w.show()
    w.model.set_dataset(digits)
    snap = make_snapshot(digits, steps=5)[0]
    w.show_snapshot(snap)
    assert w.explorer.base_net is not None and w.explorer.base_net.sizes == snap.sizes
    for L, layer in zip(snap.layers, w.explorer.base_net.layers):
        np.testing.assert_array_equal(layer.W, L.W)
    assert "training run 1, step 5" in w.source_label.text()
    w.load_test_image(0)
    tr = forward_trace(snap.network(), digits.x_test[0])
    np.testing.assert_allclose(w.answer.bars.p, tr.probabilities[0], rtol=1e-6)


def test_dark_theme_and_clear(explorer):
    w = explorer
    draw_seven(w)
    w.set_theme(DARK)
    w.pad.clear()
    assert w.x is None and w.stepper is None and w.answer.answer_text == ""


def test_a_network_of_another_shape_is_explained_not_crashed(explorer):
    w = explorer
    w.load_test_image(0)
    w.select_unit(2, 15)
    w.set_model(MLP((784, 8, 10), "relu", seed=1), "cross_entropy", "smaller")
    assert w.explorer.selected is None and w.stepper is not None  # the old selection is dropped
    w.set_model(MLP((100, 8, 10), "relu", seed=1), "cross_entropy", "not for drawings")
    draw_seven(w)
    assert w.stepper is None and "takes 100 inputs" in w.answer.answer.text()


def test_undo_learning_brings_back_the_network_and_its_edits(explorer):
    w = explorer
    w.load_test_image(2)
    edit = UnitEdit(1, 5, bias_shift=1.0)
    w.inspector.set_edits((edit,))
    w.inspector.edits_changed.emit((edit,))
    edited = w.net.theta.copy()
    w.learn(0.1, 1)
    assert not np.array_equal(w.net.theta, edited) and w.explorer.edits == ()
    w.learn_this.undo_button.click()
    assert w.explorer.edits == (edit,) and w.inspector.edits() == (edit,)
    np.testing.assert_array_equal(w.net.theta, edited)


def test_a_snapshot_held_back_by_the_rate_limit_is_taken_later(qtbot, digits):
    w = shown(qtbot, ExplorerView(), 800, 600)
    w.model.set_dataset(digits)
    first, trainer, curves = make_snapshot(digits, steps=2)
    w.show_snapshot(first)
    second = make_snapshot(digits, steps=4)[0]  # same run id, arrives at once: held back
    w.show_snapshot(second)
    assert "step 2" in w.source_label.text()
    qtbot.waitUntil(lambda: "step 4" in w.source_label.text(), timeout=2000)  # the last one
    np.testing.assert_array_equal(w.explorer.base_net.layers[0].W, second.layers[0].W)


def test_presenter_mode_enlarges_the_answer_and_its_bars_labels(explorer):
    """The answer line (the class 22 pt, how sure 12 pt) and the bars' value labels (8 pt)
    × 1.5 in presenter mode, and back, with the same answer."""
    w = explorer
    w.load_test_image(0)
    panel = w.answer

    def sizes() -> tuple[float, float]:
        document = QTextDocument()
        document.setHtml(panel.answer.text())
        text = document.toPlainText()
        at = QTextCursor(document)
        at.setPosition(1)
        big = at.charFormat().fontPointSize()
        at.setPosition(text.index("sure"))
        return big, at.charFormat().fontPointSize()

    for theme, scale in ((LIGHT, 1.0), (LIGHT.presenting(), 1.5), (LIGHT, 1.0)):
        w.set_theme(theme)
        assert sizes() == (22 * scale, 12 * scale)
        assert {label.textItem.font().pointSizeF() for label in panel.bars.labels} == {8 * scale}
        name, sure = panel.answer_text.split(" · ", 1)  # the same answer, drawn again
        document = QTextDocument()
        document.setHtml(panel.answer.text())
        assert document.toPlainText().split() == f"{name} {sure}".split()


def test_the_answer_panel_keeps_qwidgets_show(qtbot):
    panel = AnswerPanel()
    qtbot.addWidget(panel)
    panel.show()  # QWidget.show(), no longer shadowed by a show(x, p, z) of its own
    assert panel.isVisible()
    p = np.full(10, 0.01)
    p[3] = 0.91
    panel.show_answer(np.zeros(784), p, np.log(p), true=3)
    assert panel.answer_text == "3 · 91.0 % sure   (true 3 ✓)"
    np.testing.assert_allclose(panel.bars.p, p)


def test_the_cells_follow_the_stepper_while_their_tab_shows(explorer, qtbot):
    w = explorer
    w.load_test_image(4)
    w.cells.cells = None
    for _ in range(2):
        qtbot.keyClick(w.pad, Qt.Key.Key_Right)
    assert w.cells.cells is None  # behind the Stepper tab: not drawn
    w.middle_tabs.setCurrentWidget(w.cells)
    assert w.cells.cells.layer == w.stepper.current.layer == 2  # drawn when chosen
    qtbot.keyClick(w.pad, Qt.Key.Key_Right)
    assert w.cells.cells.layer == w.stepper.current.layer == 3


def test_a_failing_panel_is_reported_on_the_window_s_line_and_the_others_go_on(qtbot, digits):
    session = SessionModel()  # as in the window: not strict
    told = []
    session.add_failure_listener(lambda name, failure: told.append((name, failure)))
    w = shown(qtbot, ExplorerView(model=session), 1200, 800)
    session.subscribe("explorer", w)
    session.set_dataset(digits)
    w.set_model(MLP((784, 16, 10), "relu", seed=0), "cross_entropy", "test model")
    draw_seven(w)
    broken = w.diagram.show_trace

    def fail(model):
        raise RuntimeError("diagram broken")
    w.diagram.show_trace = fail
    w.load_test_image(0)
    assert [name for name, _ in told] == ["explorer diagram"]
    assert told[0][1].message.startswith("The explorer diagram view failed: RuntimeError")
    p = w.net.predict_proba(w.x[None])[0]
    np.testing.assert_allclose(w.answer.bars.p, p, rtol=1e-6)  # the answer is served
    assert w.diagram._trace is not w.explorer.trace
    w.diagram.show_trace = broken
    w.stepper_view.step_button.click()  # the next change gives it the trace it missed
    assert w.stepper.position == 1
    assert w.diagram._trace is w.explorer.trace and told[-1] == ("explorer diagram", None)


def test_the_answer_rows_stay_apart_in_presenter_mode(qtbot):
    """Presenting at 1280×720 the pad above left the answer ~220 px: its ten rows of 12 pt
    labels ("16.4 %", "12.1 %", …) ran into each other. The panel now asks for a row each."""
    from PySide6.QtGui import QFont, QFontMetricsF
    from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

    from nnviz.charts.theme import PRESENTER_FONT_SCALE
    from nnviz.gui.widgets.layout_check import layout_problems

    font = QFont(QApplication.font())
    big = QFont(font)
    big.setPointSizeF(font.pointSizeF() * PRESENTER_FONT_SCALE)
    QApplication.setFont(big)
    try:
        column = QWidget()  # the explorer's left column: the pad takes 5 parts, the answer 3
        layout = QVBoxLayout(column)
        layout.addWidget(QWidget(), 5)
        panel = AnswerPanel(LIGHT.presenting(True))
        layout.addWidget(panel, 3)
        shown(qtbot, column, 356, 640)
        p = np.array([0.115, 0.152, 0.047, 0.133, 0.054, 0.034, 0.095, 0.084, 0.121, 0.164])
        panel.show_answer(np.zeros(784), p, np.log(p), true=0)
        QApplication.processEvents()
        tops = sorted(label.sceneBoundingRect().top() for label in panel.bars.labels)
        line = QFontMetricsF(panel.bars.labels[0].textItem.font()).height()
        assert min(b - a for a, b in zip(tops, tops[1:])) >= line  # was 9.9 px for 19 px
        assert [p for p in layout_problems(panel) if p.startswith("text overlap")] == []
    finally:
        QApplication.setFont(font)
