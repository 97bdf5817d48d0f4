"""What a chapter does to the app, and how it sees that the learner did the one thing asked.

Set-up steps drive the window as a learner would: a preset chosen in the controls, *New
network*, *Step*, a dock raised, a test image sent to the pad, → pressed on the stepper.
Checks read real state only: the session model's newest snapshot, the weights view's layer and
mode, the explorer's example and stepper cursor. Each check returns what is still missing
("" when done), so the lessons can say it.

Both talk to the window through :class:`~nnviz.gui.window.commands.WindowCommands` and read
its ``model`` (the :class:`~nnviz.session.SessionModel`), never the views' widgets: the
lessons sit above the window, which does not import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.analysis.stepper import Stepper
from nnviz.engine.presets import PRESETS
from nnviz.gui.window.commands import WindowCommands

TINY = "tiny-relu-fullbatch"
MODERN = "default"


class SetupError(RuntimeError):
    """A chapter cannot be set up now (e.g. there is no dataset); the message says why."""


@dataclass(frozen=True)
class SetupStep:
    """One thing a chapter's set-up does.

    Attributes
    ----------
    text : str
        What it does, as the status line reports it ("the Weights panel at layer 1").
    run : callable(WindowCommands)
    ready : callable(WindowCommands) -> bool, optional
        False while the step cannot run yet (the explorer has no network before the first
        snapshot): the lessons retry it, and the steps after it, a few times a second.
    until : callable(WindowCommands) -> bool, optional
        After it ran, False while what it started is under way (a dataset loading): the
        steps after it wait for it. It raises SetupError when that failed.
    """

    text: str
    run: Callable[[WindowCommands], None]
    ready: Callable[[WindowCommands], bool] | None = None
    until: Callable[[WindowCommands], bool] | None = None


@dataclass(frozen=True)
class Start:
    """Where training stood when a chapter began: a check asks for progress since then, so a
    run trained before the chapter does not pass it."""

    run_id: int | None = None
    step: int = 0
    epochs_done: int = 0

    @classmethod
    def of(cls, window: WindowCommands) -> Start:
        snap = window.model.latest
        return cls() if snap is None else cls(snap.run_id, snap.step, snap.epochs_done)


def trained_since(window: WindowCommands, start: Start, steps: int = 0, epochs: int = 0):
    """The newest snapshot if training went at least ``steps`` batches and ``epochs`` epochs
    further than ``start`` (counted from 0 in a run begun since), else None."""
    snap = window.model.latest
    if snap is None:
        return None
    same_run = snap.run_id == start.run_id
    step0, epochs0 = (start.step, start.epochs_done) if same_run else (0, 0)
    return snap if snap.step >= step0 + steps and snap.epochs_done >= epochs0 + epochs else None


def steps_since(window: WindowCommands, start: Start) -> int:
    """Batches trained since ``start`` (in a run begun since: all of its batches)."""
    snap = window.model.latest
    if snap is None:
        return 0
    return snap.step - start.step if snap.run_id == start.run_id else snap.step


def on_preset(window: WindowCommands, name: str) -> bool:
    """The session holds a live network made with exactly preset ``name``'s settings."""
    return window.has_network() and window.model.config == PRESETS[name].config


def first_test_image(ds, label: int) -> int:
    """The first test image of class ``label`` (0 if there is none)."""
    found = np.flatnonzero(np.asarray(ds.y_test) == label)
    return int(found[0]) if found.size else 0


DIGITS = tuple(str(d) for d in range(10))


def is_digits(ds) -> bool:
    """``ds`` is 28×28 handwritten digits 0…9 (MNIST, or a part of it): what the chapters
    talk about, draw and count on."""
    return (ds is not None and tuple(ds.image_shape) == (28, 28)
            and tuple(ds.class_names) == DIGITS)


# -- set-up steps --------------------------------------------------------------------------

def digits() -> SetupStep:
    """MNIST, unless handwritten digits are open already: loaded as File > Open does, with
    the offer to download it when it is nowhere to be found; the next steps wait for it."""
    loading = []  # the loading task of the last run, if it started one

    def run(window: WindowCommands) -> None:
        loading.clear()
        if not is_digits(window.model.dataset):
            loading.append(window.open_dataset("mnist", offer_download=True))

    def until(window: WindowCommands) -> bool:
        if is_digits(window.model.dataset):
            return True
        # Its failure delivered (the download offered), or it was replaced: not merely
        # ended in its thread, which can happen before this first look.
        if loading and loading[0].is_delivered:
            raise SetupError("MNIST could not be opened (File → Download dataset… gets it; "
                             "then set the chapter up again)")
        return False
    return SetupStep("MNIST's handwritten digits", run, until=until)


def preset(name: str, fresh: bool = False, trained: int = 0) -> SetupStep:
    """A network from preset ``name``: the current one if it is made from that preset (unless
    ``fresh``), else a new one; then, if it has done fewer than ``trained`` steps and is not
    training, as many *Step*s as it lacks (training then pauses)."""
    text = f"{'a fresh' if fresh else 'a'} network from the preset {name}"
    if trained:
        text += f", trained at least {trained} steps"

    def run(window: WindowCommands) -> None:
        keep = not fresh and on_preset(window, name)
        if not keep:
            window.choose_preset(name)  # as choosing it in the combo
            if not window.new_network():
                raise SetupError("the network could not be built (see the error message)")
        snap = window.model.latest
        done = snap.step if keep and snap is not None else 0  # a new network starts at 0
        if trained > done and not window.is_training():
            window.step(trained - done)
    return SetupStep(text, run)


def dock(name: str) -> SetupStep:
    """Show and raise the main window's ``name`` dock."""
    def run(window: WindowCommands) -> None:
        window.show_dock(name)
    return SetupStep(f"the {name.capitalize()} panel in front", run)


def weights(layer: int, mode: str) -> SetupStep:
    """The weights view at ``layer`` (0-based) in ``mode`` ("W", "W-W0", …)."""
    def run(window: WindowCommands) -> None:
        window.show_weights(layer, mode)
    return SetupStep(f"the Weights panel at layer {layer + 1}", run)


def explorer(label: int | None, position: Callable[[Stepper], int] | None = None,
             where: str = "at the input") -> SetupStep:
    """Draw and step in front, following training: a test image of class ``label`` on the
    pad (None: the pad cleared), the backward target automatic, the stepper reset and moved
    ``position(stepper)`` steps forward (pressing → as a learner would)."""
    what = "the pad cleared" if label is None else f"a test {label} on the pad"

    def run(window: WindowCommands) -> None:
        window.present_explorer()
        window.explorer_follow()
        window.explorer_set_target(-1)
        window.explorer_put_test_image(
            None if label is None else first_test_image(window.model.dataset, label))
        window.explorer_reset_stepper()
        stepper = window.explorer_stepper()
        window.explorer_step_forward(position(stepper) if position and stepper else 0)
        window.explorer_focus()  # → and ← step while the focus is in the explorer

    def ready(window: WindowCommands) -> bool:  # no network: nothing to step through
        return label is None or window.explorer_has_network()
    return SetupStep(f"Draw and step with {what}, the stepper {where}", run, ready)


# -- checks: each returns what is still missing, "" when done ------------------------------

def missing_test_image(window: WindowCommands, start: Start) -> str:
    true = window.explorer_true_label()
    return "" if true is not None and true >= 0 else "No test image on the pad yet."


def missing_layer_two(window: WindowCommands, start: Start) -> str:
    snap = window.model.latest
    if snap is None or tuple(snap.sizes[1:-1]) != (10,):
        return "Waiting for a 784-10-10 network (Set up this chapter builds one)."
    if window.weights_shown()[0] != 1:
        return "The Weights panel does not show layer 2 yet."
    return ""


def _stepper_at(window: WindowCommands, position: Callable[[Stepper], int], where: str) -> str:
    st = window.explorer_stepper()
    if st is None:
        return "Nothing to step through: put an image on the pad."
    return "" if st.position >= position(st) else f"The stepper has not reached {where} yet."


def missing_loss(window: WindowCommands, start: Start) -> str:
    return _stepper_at(window, at_loss, "the loss")


def missing_trained_steps(steps: int) -> Callable[[WindowCommands, Start], str]:
    def missing(window: WindowCommands, start: Start) -> str:
        snap = trained_since(window, start, steps=steps)
        if snap is None:
            return f"Train at least {steps} steps ({steps_since(window, start)} so far)."
        return "" if snap.config.batch_size == 0 else "That run is not full batch: press Set up."
    return missing


def missing_learned_change(window: WindowCommands, start: Start) -> str:
    snap, (layer, mode) = window.model.latest, window.weights_shown()
    if snap is None or snap.step == 0:
        return "The network has not trained yet (Set up trains it)."
    if layer != 0:
        return "The Weights panel is not at layer 1."
    return "" if mode == "W-W0" else "The Weights panel does not show W − W₀ yet."


def missing_drawing_at_output(window: WindowCommands, start: Start) -> str:
    if window.explorer_true_label() != -1:
        return "No drawing on the pad yet (a test image does not count here)."
    return _stepper_at(window, at_output, "the output layer")


def missing_first_delta(window: WindowCommands, start: Start) -> str:
    return _stepper_at(window, at_first_delta, "δ¹")


def missing_modern_epoch(window: WindowCommands, start: Start) -> str:
    snap = trained_since(window, start, epochs=1)
    if snap is None:
        return "Train one full epoch (Train, F5)."
    c = snap.config
    if c.optimizer != "adam" or c.batch_size == 0:
        return "That run is not Adam on mini-batches: press Set up this chapter."
    return ""


# -- stepper positions (see nnviz.analysis.stepper: input, L layers, softmax, loss, L deltas)

def at_output(st: Stepper) -> int:
    """The forward step of the last layer (the logits)."""
    return len(st.layers)


def at_loss(st: Stepper) -> int:
    return st.n_forward


def at_first_delta(st: Stepper) -> int:
    """The backward step of layer 1 (δ¹, dW¹, db¹)."""
    return st.n_forward + len(st.layers)
