"""The Lessons window, as a learner goes through it: every chapter is set up, the app is as the
chapter says, its check fails, the task is done with the real actions, mouse and keys, the
check passes and Next opens the next chapter. On the tiny dataset, in the real window."""

import re
from dataclasses import replace

import numpy as np
import pytest
from gui_helpers import trained
from mouse import drag
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QApplication

from nnviz.engine.presets import PRESETS
from nnviz.gui.lessons.chapters import CHAPTERS
from nnviz.gui.lessons.steps import MODERN, TINY, at_first_delta, at_loss, at_output
from nnviz.gui.lessons.view import LessonsView
from nnviz.gui.widgets.mathtext import math_family
from nnviz.gui.workers.tasks import Task

READING_WPM = 120   # technical text with equations, read with the app beside it
LOOKING_S = 30      # per chapter: looking at the view, finding the button, drawing


@pytest.fixture
def lessons(window, qtbot) -> LessonsView:
    window.actions_["lessons"].trigger()
    qtbot.waitExposed(window.lessons_window)
    return window.lessons_window.centralWidget()


def set_up(qtbot, view: LessonsView) -> None:
    view.setup_button.click()
    qtbot.waitUntil(lambda: not view.setting_up, timeout=20_000)
    assert view.setup_report.text().startswith("Set up ✓"), view.setup_report.text()


def not_yet(view: LessonsView) -> None:
    """The check fails, says what is missing, and Next stays disabled."""
    assert not view.check()
    assert view.status.text().startswith("Not yet: ")
    assert not view.next_button.isEnabled()


def passes(qtbot, view: LessonsView) -> None:
    """The 4 Hz check sees the task done by itself; Next opens the next chapter."""
    qtbot.waitUntil(lambda: view.index in view.done, timeout=20_000)
    assert view.status.text().startswith("<b>Done ✓</b>")
    assert view.chapter_list.item(view.index).text().startswith("✓")
    if view.index < len(view.chapters) - 1:
        assert view.next_button.isEnabled()
        index = view.index
        view.next_button.click()
        assert view.index == index + 1 and not view.next_button.isEnabled()


def new_run(qtbot, window, old_run, **config):
    """Wait for the first snapshot of a network built since ``old_run`` with ``config``."""
    qtbot.waitUntil(lambda: window.model.latest is not None
                    and window.model.latest.run_id != old_run
                    and all(getattr(window.model.latest.config, k) == v
                            for k, v in config.items()), timeout=20_000)
    window.refresh_views()
    return window.model.latest


def press_right(qtbot, ex, times: int) -> None:
    for _ in range(times):
        qtbot.keyClick(ex.pad, Qt.Key.Key_Right)


def chapter_1_data(qtbot, window, view, digits):
    ex = window.views["explorer"]
    set_up(qtbot, view)
    assert window.views["data"].isVisible() and window.explorer_window.isVisible()
    assert ex.x is None and ex.pad.canvas().max() == 0  # the pad cleared
    not_yet(view)
    ex.random_button.click()
    i = ex.test_spin.value()
    np.testing.assert_array_equal(ex.x, digits.x_test[i])
    assert ex.true == digits.y_test[i]
    passes(qtbot, view)


def chapter_2_network(qtbot, window, view):
    old_run = getattr(window.model.latest, "run_id", None)  # the fixture's network, if any yet
    set_up(qtbot, view)
    controls, weights = window.views["controls"], window.views["weights"]
    assert controls.preset.currentData() == TINY
    assert window.model.config == PRESETS[TINY].config
    snap = new_run(qtbot, window, old_run, batch_size=0)
    assert snap.sizes == (784, 10, 10) and snap.step == 0
    assert weights.isVisible() and weights.layer() == 0 and weights.mode() == "W"
    qtbot.waitUntil(lambda: weights.layer_box.count() == 2)
    not_yet(view)
    weights.layer_box.setCurrentIndex(1)  # the learner picks "2: 10 → 10"
    assert weights.image_item.image.shape == (10, 10)
    passes(qtbot, view)


def chapter_3_softmax(qtbot, window, view, digits):
    run = window.model.latest.run_id
    set_up(qtbot, view)
    assert window.model.latest.run_id == run  # the preset's network is kept
    ex = window.views["explorer"]
    first_3 = np.flatnonzero(digits.y_test == 3)[0]
    assert ex.true == 3 and np.array_equal(ex.x, digits.x_test[first_3])
    assert ex.stepper.position == 0
    not_yet(view)
    press_right(qtbot, ex, at_loss(ex.stepper) - 1)
    assert ex.stepper.current.kind == "softmax"
    not_yet(view)
    press_right(qtbot, ex, 1)
    assert ex.stepper.current.kind == "loss"
    passes(qtbot, view)


def chapter_4_training(qtbot, window, view):
    old = window.model.latest
    set_up(qtbot, view)
    assert window.docks["curves"].isVisible()
    snap = new_run(qtbot, window, old.run_id, batch_size=0)
    assert snap.step == 0  # a fresh network: the loss from the start
    not_yet(view)
    window.actions_["train"].trigger()
    qtbot.waitUntil(lambda: view.index in view.done, timeout=20_000)
    window.actions_["pause"].trigger()
    qtbot.waitUntil(lambda: window.training.state in ("paused", "finished"), timeout=10_000)
    snap = window.model.latest
    assert snap.run_id != old.run_id and snap.step >= 30 and snap.config.batch_size == 0
    loss = snap.curves["loss"]
    assert loss[-1] < 0.9 * loss[0]  # the loss fell, full batch after full batch
    passes(qtbot, view)


def chapter_5_weights(qtbot, window, view):
    weights = window.views["weights"]
    weights.set_mode("dW")  # something else, so that set-up has to put it back
    run = window.model.latest.run_id
    set_up(qtbot, view)
    assert weights.isVisible() and weights.layer() == 0 and weights.mode() == "W"
    qtbot.waitUntil(lambda: window.model.latest.step >= 50 and not window.training.is_training,
                    timeout=20_000)
    assert window.model.latest.run_id == run  # chapter 4's network, trained on to 50 steps
    not_yet(view)
    buttons = weights.mode_buttons.buttons()
    button = next(b for b in buttons if b.text().startswith("Learned W"))
    button.click()
    assert weights.mode() == "W-W0"
    passes(qtbot, view)


def chapter_6_draw(qtbot, window, view):
    ex = window.views["explorer"]
    set_up(qtbot, view)
    assert window.explorer_window.isVisible() and ex.x is None
    not_yet(view)
    drag(ex.pad, [(60, 90), (45, 140), (60, 190), (95, 195), (130, 140)])     # a 3: the top,
    drag(ex.pad, [(130, 140), (165, 195), (205, 190), (232, 140), (215, 90)])  # the bottom
    assert ex.true == -1 and ex.x is not None and ex.stepper.position == 0
    not_yet(view)  # drawn, not stepped yet
    press_right(qtbot, ex, at_output(ex.stepper))
    step = ex.stepper.current
    assert (step.kind, step.layer) == ("forward", 2)
    passes(qtbot, view)


def chapter_7_backprop(qtbot, window, view):
    ex = window.views["explorer"]
    set_up(qtbot, view)
    assert ex.true == 3 and ex.stepper.position == at_loss(ex.stepper)
    assert ex.stepper.current.kind == "loss"
    not_yet(view)
    press_right(qtbot, ex, 1)
    assert "δ²" in ex.stepper.current.arrays
    not_yet(view)
    press_right(qtbot, ex, 1)
    assert ex.stepper.position == at_first_delta(ex.stepper)
    assert "δ¹" in ex.stepper.current.arrays and "dW¹" in ex.stepper.current.arrays
    passes(qtbot, view)


def chapter_8_modern(qtbot, window, view):
    old = window.model.latest
    set_up(qtbot, view)
    assert window.views["controls"].preset.currentData() == MODERN
    snap = new_run(qtbot, window, old.run_id, optimizer="adam")
    assert snap.sizes == (784, 256, 128, 10) and snap.config.batch_size == 128
    not_yet(view)
    window.actions_["train"].trigger()
    qtbot.waitUntil(lambda: view.index in view.done, timeout=30_000)
    window.actions_["pause"].trigger()
    snap = window.model.latest
    assert snap.epochs_done >= 1 and snap.history[-1]["test_accuracy"] is not None
    passes(qtbot, view)
    assert not view.next_button.isEnabled() and "All 8 chapters are done" in view.status.text()


def test_a_learner_goes_through_every_chapter(qtbot, window, lessons, digits, no_rate_limit):
    view = lessons
    assert view.index == 0 and len(view.chapters) == 8
    for k, chapter in enumerate((
            lambda: chapter_1_data(qtbot, window, view, digits),
            lambda: chapter_2_network(qtbot, window, view),
            lambda: chapter_3_softmax(qtbot, window, view, digits),
            lambda: chapter_4_training(qtbot, window, view),
            lambda: chapter_5_weights(qtbot, window, view),
            lambda: chapter_6_draw(qtbot, window, view),
            lambda: chapter_7_backprop(qtbot, window, view),
            lambda: chapter_8_modern(qtbot, window, view))):
        assert view.index == k
        chapter()
    assert view.done == set(range(8))


def test_the_chapters_take_minutes_to_read_and_do():
    """What going through the lessons costs a learner: reading (at READING_WPM), looking and
    doing (LOOKING_S); the app's own time is measured by docs/lessons_screenshots.py."""
    total = sum(60 * chapter.words() / READING_WPM + LOOKING_S for chapter in CHAPTERS)
    assert 5 * 60 < total < 40 * 60  # the texts stay short: minutes, not hours


def test_f2_opens_the_lessons_from_the_help_menu(qtbot, window):
    action = window.actions_["lessons"]
    assert action.shortcut().toString() == "F2"
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert action in help_menu.actions()
    assert action in window.explorer_window.actions()  # F2 also from Draw and step
    assert not window.lessons_window.isVisible()
    action.trigger()
    assert window.lessons_window.isVisible()
    view = window.lessons_window.centralWidget()
    assert isinstance(view, LessonsView) and view.index == 0
    assert view.heading.text() == "Chapter 1 of 8"
    assert "one-hot" in view.text.toPlainText()
    from nnviz.gui.window.actions import shortcut_table
    assert ("Lessons", "F2") in shortcut_table(window.actions_)


def test_next_waits_for_the_check_and_the_list_for_the_chapters_reached(qtbot, window, lessons):
    view = lessons
    enabled = Qt.ItemFlag.ItemIsEnabled
    assert not view.next_button.isEnabled() and not view.back_button.isEnabled()
    reachable = [bool(view.chapter_list.item(k).flags() & enabled) for k in range(8)]
    assert reachable == [True] + [False] * 7
    assert not view.check()
    window.views["explorer"].random_button.click()
    assert view.check() and view.next_button.isEnabled()
    view.next_button.click()
    assert view.index == 1 and view.heading.text() == "Chapter 2 of 8"
    assert bool(view.chapter_list.item(1).flags() & enabled)
    assert not bool(view.chapter_list.item(2).flags() & enabled)
    view.back_button.click()
    assert view.index == 0 and view.next_button.isEnabled()  # done stays done


def test_training_before_the_chapter_does_not_count(qtbot, window, lessons):
    """Chapter 4 asks for 30 steps *since it began*: a run trained before it is not enough."""
    view = lessons
    window.views["controls"].apply_preset(TINY)
    window.new_network()
    trained(qtbot, window, 35)
    view.done.update({0, 1, 2})
    view.go_to(3)
    assert not view.check() and "(0 so far)" in view.status.text()
    window.training.step(29)
    qtbot.waitUntil(lambda: window.model.latest.step == 64 and window.training.state == "paused",
                    timeout=20_000)
    assert not view.check() and "(29 so far)" in view.status.text()
    window.training.step(1)
    qtbot.waitUntil(lambda: view.index in view.done, timeout=20_000)


def test_without_a_dataset_set_up_says_what_to_do(qtbot, make_window):
    w = make_window()
    w.lessons_window.present()
    view = w.lessons_window.centralWidget()
    view.setup_button.click()
    assert "Open a dataset first" in view.setup_report.text()
    assert not view.setting_up and w.model.config is None and not w.errors
    assert not view.check()


def test_the_lessons_window_leaves_exports_to_the_views(qtbot, window, lessons, tmp_path,
                                                         monkeypatch):
    trained(qtbot, window, 2)
    monkeypatch.setattr(QApplication, "activeWindow", staticmethod(lambda: window.lessons_window))
    name = window.files.current_view_name()
    assert name in window.views
    assert window.files.export_view(name, tmp_path / "view.png"), window.errors
    assert window.lessons_window in window.side_windows


def test_the_equations_are_set_as_mathematics_with_their_shapes():
    """Every chapter has equations; each is a line of equation_html (italic variables, bold
    W, shapes apart and muted), none a monospace block."""
    bodies = [c.body for c in CHAPTERS]
    assert not any("<pre" in b for b in bodies)
    equations = [re.findall(r'<p class="eq">(.*?)</p>', b) for b in bodies]
    assert [len(e) for e in equations] == [2, 3, 2, 1, 1, 2, 6, 2]
    backprop = equations[6]
    assert backprop[3] == ('δ¹ = <b>W</b>²ᵀ·δ² ⊙ ReLU′(<i>z</i>¹)&emsp;<span style="color:'
                           '#808080; font-size: medium">(10×10)·(10×1) ⊙ (10×1)</span>')
    shaped = [bool(re.search(r'font-size: medium">[(→ ]*\(\d+×\d+\)', e))
              for es in equations for e in es]
    assert shaped.count(False) == 4  # the notes (a number), (α = 0.1), m and v's, θ's


def test_the_lessons_set_equations_in_the_math_face_a_step_larger(qtbot, window, lessons):
    view = lessons
    view.go_to(6)
    doc = view.text.document()
    formats = {}  # fragment text → its format (a copy: Qt's goes with the block iterator)
    block = doc.begin()
    while block.isValid():
        for fragment in block.textFormats():
            text = block.text()[fragment.start:fragment.start + fragment.length]
            formats[text] = QTextCharFormat(fragment.format)
        block = block.next()
    body = next(f for t, f in formats.items() if t.startswith("Backpropagation finds"))
    z = formats["z"]
    assert isinstance(z, QTextCharFormat) and z.fontItalic()
    assert math_family() in z.fontFamilies()
    assert z.property(QTextCharFormat.Property.FontSizeAdjustment) == 1  # "large"
    assert body.property(QTextCharFormat.Property.FontSizeAdjustment) in (None, 0)
    assert formats["W"].fontWeight() > body.fontWeight()


def test_set_up_opens_mnist_in_place_of_other_data(qtbot, make_window, digits, monkeypatch):
    """Fashion-MNIST (or any data but digits) open: the set-up loads MNIST as File > Open
    does, offering the download, and the chapter's other steps wait until it is there."""
    fashion = replace(digits, name="fashion-mnist",
                      class_names=("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                   "Shirt", "Sneaker", "Bag", "Ankle boot"))
    w = make_window()
    w.files.set_dataset(fashion, "fashion-mnist")
    opened = []

    def open_dataset(source, offer_download=False):  # loads in 300 ms, as a task would
        opened.append((source, offer_download))
        QTimer.singleShot(300, lambda: w.files.set_dataset(digits, "mnist"))
        return Task()  # as the window's: a task, here one that never answers
    monkeypatch.setattr(w.files, "open_dataset", open_dataset)
    w.lessons_window.present()
    view = w.lessons_window.centralWidget()
    view.go_to(1)  # A 784-10-10 network: digits, the tiny preset, the weights at layer 1
    view.setup_button.click()
    assert opened == [("mnist", True)]
    assert view.setting_up and "waiting for MNIST's handwritten digits" in view.setup_report.text()
    assert w.model.config is None or w.model.config.hidden != (10,)  # not yet its preset
    qtbot.waitUntil(lambda: not view.setting_up, timeout=20_000)
    assert view.setup_report.text().startswith("Set up ✓ MNIST's handwritten digits; a network")
    assert w.model.dataset is digits and w.model.config.hidden == (10,)
    assert opened == [("mnist", True)]  # once


def test_set_up_waits_for_the_failure_to_be_delivered(qtbot, make_window, digits, tmp_path,
                                                     monkeypatch):
    """The loading may fail in its thread before the set-up first looks (a fast failure on a
    loaded machine): the set-up still waits for the failure to reach the window, which
    offers the download, and only then says it cannot go on (it gave up at once before,
    with no offer made yet: the race behind the flaky test below)."""
    import threading

    from nnviz.gui.window import file_commands

    def finished_in_a_thread(task):  # the loading runs in a thread, answered before it returns
        worker = threading.Thread(target=task.run)
        worker.start()
        worker.join()
        return task
    monkeypatch.setattr(file_commands, "run_in_daemon_thread", finished_in_a_thread)
    letters = replace(digits, name="letters", class_names=tuple("ABCDEFGHIJ"))
    w = make_window()
    w.data_dir = tmp_path
    w.files.set_dataset(letters, "letters")
    offered = []
    w.files._offer_download = lambda source, message: offered.append(source)
    w.lessons_window.present()
    view = w.lessons_window.centralWidget()
    view.setup_button.click()
    assert view.setting_up and offered == []
    qtbot.waitUntil(lambda: not view.setting_up, timeout=20_000)
    assert offered == ["mnist"]
    assert view.setup_report.text().startswith("Cannot set this chapter up: MNIST could not")


def test_set_up_says_so_when_mnist_cannot_be_opened(qtbot, make_window, digits, tmp_path):
    """No MNIST in the data folder: the loading fails (the window offers the download) and
    the set-up stops with a message instead of waiting for ever."""
    letters = replace(digits, name="letters", class_names=tuple("ABCDEFGHIJ"))
    w = make_window()
    w.data_dir = tmp_path  # an empty folder: MNIST is nowhere
    w.files.set_dataset(letters, "letters")
    offered = []
    w.files._offer_download = lambda source, message: offered.append(source)  # no modal dialog
    w.lessons_window.present()
    view = w.lessons_window.centralWidget()
    view.setup_button.click()
    assert view.setting_up
    qtbot.waitUntil(lambda: not view.setting_up, timeout=20_000)
    assert view.setup_report.text().startswith("Cannot set this chapter up: MNIST could not "
                                               "be opened"), view.setup_report.text()
    assert offered == ["mnist"] and w.model.dataset is letters
