"""The chapters' set-up steps and checks against a fake of the window's commands: what the
lessons ask of the window, in order, and what they read back — no window, no views."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from gui_helpers import make_snapshot

from nnviz.engine.presets import PRESETS
from nnviz.gui.lessons import steps
from nnviz.gui.lessons.chapters import CHAPTERS
from nnviz.gui.lessons.steps import MODERN, TINY, SetupError, Start
from nnviz.session import SessionModel


class FakeCommands:
    """A :class:`~nnviz.gui.window.commands.WindowCommands` that records every command and
    holds the state the checks read. It has no ``views``, ``docks`` or ``training``: a step
    reaching for the window's widgets fails with AttributeError."""

    def __init__(self, ds):
        self.model = SessionModel(strict=True)
        self.model.set_dataset(ds, "tiny")
        self.explorer_window = None
        self.calls: list[tuple] = []
        self.network = self.training = False
        self.preset = None
        self.weights = (0, "W")
        self.true: int | None = None
        self.stepper = None
        self.opened = SimpleNamespace(is_delivered=False)

    def _did(self, *call) -> None:
        self.calls.append(call)

    def open_dataset(self, source, offer_download=False):
        self._did("open_dataset", source, offer_download)
        return self.opened

    def choose_preset(self, name):
        self._did("choose_preset", name)
        self.preset = PRESETS[name].config

    def new_network(self):
        self._did("new_network")
        self.model.set_config(self.preset)
        self.network = True
        return True

    def has_network(self):
        return self.network

    def is_training(self):
        return self.training

    def step(self, n):
        self._did("step", n)

    def show_dock(self, name):
        self._did("show_dock", name)

    def show_weights(self, layer, mode):
        self._did("show_weights", layer, mode)
        self.weights = (layer, mode)

    def weights_shown(self):
        return self.weights

    def present_explorer(self):
        self._did("present_explorer")

    def explorer_follow(self):
        self._did("explorer_follow")

    def explorer_set_target(self, target):
        self._did("explorer_set_target", target)

    def explorer_put_test_image(self, index):
        self._did("explorer_put_test_image", index)
        if index is None:
            self.true, self.stepper = None, None
        else:  # a 784-10-10 network: input, 2 layers, softmax, loss, then 2 deltas
            self.true = int(self.model.dataset.y_test[index])
            self.stepper = SimpleNamespace(layers=(0, 1), n_forward=4, position=0)

    def explorer_reset_stepper(self):
        self._did("explorer_reset_stepper")
        if self.stepper is not None:
            self.stepper.position = 0

    def explorer_step_forward(self, n):
        self._did("explorer_step_forward", n)
        if self.stepper is not None:
            self.stepper.position += n

    def explorer_focus(self):
        self._did("explorer_focus")

    def explorer_has_network(self):
        return self.network

    def explorer_true_label(self):
        return self.true

    def explorer_stepper(self):
        return self.stepper


def set_up(app: FakeCommands, chapter) -> None:
    for step in chapter.setup:
        assert step.ready is None or step.ready(app), step.text
        step.run(app)
        assert step.until is None or step.until(app), step.text


EXPLORER = ["present_explorer", "explorer_follow", "explorer_set_target",
            "explorer_put_test_image", "explorer_reset_stepper", "explorer_step_forward",
            "explorer_focus"]


def test_chapter_3_builds_the_tiny_network_and_puts_a_3_on_the_pad(digits):
    app = FakeCommands(digits)
    chapter = CHAPTERS[2]
    set_up(app, chapter)
    first_3 = int(np.flatnonzero(digits.y_test == 3)[0])
    assert app.calls == [("choose_preset", TINY), ("new_network",), ("present_explorer",),
                         ("explorer_follow",), ("explorer_set_target", -1),
                         ("explorer_put_test_image", first_3), ("explorer_reset_stepper",),
                         ("explorer_step_forward", 0), ("explorer_focus",)]
    assert app.model.config == PRESETS[TINY].config
    assert chapter.missing(app, Start()) == "The stepper has not reached the loss yet."
    app.explorer_step_forward(3)  # to the softmax
    assert not chapter.check(app)
    app.explorer_step_forward(1)  # the loss: at_loss = n_forward = 4
    assert chapter.check(app)


def test_chapter_7_keeps_the_network_trains_it_and_steps_to_the_loss(digits):
    app = FakeCommands(digits)
    app.choose_preset(TINY)
    app.new_network()
    snap = make_snapshot(digits, steps=20, config=PRESETS[TINY].config)[0]
    app.model.receive(snap)
    app.calls.clear()
    chapter = CHAPTERS[6]
    set_up(app, chapter)
    # The preset's network is kept; it lacks 30 of the 50 steps asked for.
    assert app.calls[0] == ("step", 50 - snap.step)
    assert [c[0] for c in app.calls[1:]] == EXPLORER
    assert app.calls[-2] == ("explorer_step_forward", 4)  # at the loss
    assert app.stepper.position == 4 and app.true == 3
    assert chapter.missing(app, Start()) == "The stepper has not reached δ¹ yet."
    app.explorer_step_forward(2)  # δ², then δ¹: n_forward + 2 layers
    assert chapter.check(app)


def test_chapter_1_clears_the_pad_and_waits_for_a_test_image(digits):
    app = FakeCommands(digits)
    chapter = CHAPTERS[0]
    set_up(app, chapter)
    assert app.calls[0] == ("show_dock", "data")
    assert ("explorer_put_test_image", None) in app.calls
    assert chapter.missing(app, Start()) == "No test image on the pad yet."
    app.explorer_put_test_image(5)
    assert chapter.check(app)


def test_chapters_2_and_5_set_and_read_the_weights_panel(digits):
    app = FakeCommands(digits)
    app.weights = (1, "dW")
    set_up(app, CHAPTERS[1])
    assert app.calls[-2:] == [("show_dock", "weights"), ("show_weights", 0, "W")]
    app.model.receive(make_snapshot(digits, steps=3, config=PRESETS[TINY].config)[0])
    assert CHAPTERS[1].missing(app, Start()) == "The Weights panel does not show layer 2 yet."
    app.show_weights(1, "W")
    assert CHAPTERS[1].check(app)
    assert CHAPTERS[4].missing(app, Start()) == "The Weights panel is not at layer 1."
    app.show_weights(0, "W-W0")
    assert CHAPTERS[4].check(app)


def test_chapter_6_counts_a_drawing_only(digits):
    app = FakeCommands(digits)
    app.true, app.stepper = 3, SimpleNamespace(layers=(0, 1), n_forward=4, position=2)
    missing = CHAPTERS[5].missing
    assert missing(app, Start()).startswith("No drawing on the pad yet")
    app.true = -1  # drawn: the stepper must reach the output layer (2 forward steps)
    assert missing(app, Start()) == ""
    app.stepper.position = 1
    assert missing(app, Start()) == "The stepper has not reached the output layer yet."


def test_chapter_8_builds_a_fresh_modern_network_even_on_that_preset(digits):
    app = FakeCommands(digits)
    app.choose_preset(MODERN)
    app.new_network()
    app.calls.clear()
    set_up(app, CHAPTERS[7])
    assert app.calls == [("choose_preset", MODERN), ("new_network",), ("show_dock", "curves")]


def test_other_data_is_replaced_by_mnist_and_a_failed_load_ends_the_set_up(digits):
    app = FakeCommands(replace(digits, name="letters", class_names=tuple("ABCDEFGHIJ")))
    step = steps.digits()
    step.run(app)
    assert app.calls == [("open_dataset", "mnist", True)]
    assert not step.until(app)  # still loading
    app.opened.is_delivered = True  # its failure reached the window
    with pytest.raises(SetupError, match="MNIST could not be opened"):
        step.until(app)


def test_a_preset_that_cannot_be_built_stops_the_set_up(digits):
    app = FakeCommands(digits)
    app.new_network = lambda: False
    with pytest.raises(SetupError, match="could not be built"):
        steps.preset(TINY).run(app)


def test_the_lessons_window_runs_on_the_commands_alone(qtbot, digits):
    """The Lessons widget set up and checked against the fake: no main window exists."""
    from nnviz.gui.lessons.view import LessonsView
    app = FakeCommands(digits)
    view = LessonsView(app)
    qtbot.addWidget(view)
    view.set_up()
    assert not view.setting_up and view.setup_report.text().startswith("Set up ✓")
    assert not view.check()
    app.explorer_put_test_image(0)
    assert view.check() and view.next_button.isEnabled()
