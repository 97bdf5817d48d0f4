"""What a chapter does to the app, and how it sees that the learner did the one thing asked.

Set-up steps drive the window as a learner would: a preset chosen in the controls, *New
network*, *Step*, a dock raised, a test image sent to the pad, → pressed on the stepper.
Checks read real state only: the session model's newest snapshot, the weights view's layer and
mode, the explorer's example and stepper cursor. Each check returns what is still missing
("" when done), so the lessons can say it.

The window is duck-typed (``views``, ``docks``, ``model``, ``training``, ``explorer_window``,
``new_network``): the views layer never imports the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.engine.presets import PRESETS

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
    run : callable(window)
    ready : callable(window) -> bool, optional
        False while the step cannot run yet (the explorer has no network before the first
        snapshot): the lessons retry it, and the steps after it, a few times a second.
    until : callable(window) -> bool, optional
        After it ran, False while what it started is under way (a dataset loading): the
        steps after it wait for it. It raises SetupError when that failed.
    """

    text: str
    run: Callable[[object], None]
    ready: Callable[[object], bool] | None = None
    until: Callable[[object], bool] | None = None


@dataclass(frozen=True)
class Start:
    """Where training stood when a chapter began: a check asks for progress since then, so a
    run trained before the chapter does not pass it."""

    run_id: int | None = None
    step: int = 0
    epochs_done: int = 0

    @classmethod
    def of(cls, window) -> Start:
        snap = window.model.latest
        return cls() if snap is None else cls(snap.run_id, snap.step, snap.epochs_done)


def trained_since(window, start: Start, steps: int = 0, epochs: int = 0):
    """The newest snapshot if training went at least ``steps`` batches and ``epochs`` epochs
    further than ``start`` (counted from 0 in a run begun since), else None."""
    snap = window.model.latest
    if snap is None:
        return None
    same_run = snap.run_id == start.run_id
    step0, epochs0 = (start.step, start.epochs_done) if same_run else (0, 0)
    return snap if snap.step >= step0 + steps and snap.epochs_done >= epochs0 + epochs else None


def steps_since(window, start: Start) -> int:
    """Batches trained since ``start`` (in a run begun since: all of its batches)."""
    snap = window.model.latest
    if snap is None:
        return 0
    return snap.step - start.step if snap.run_id == start.run_id else snap.step


def on_preset(window, name: str) -> bool:
    """The session holds a live network made with exactly preset ``name``'s settings."""
    return window.training.has_network and window.model.config == PRESETS[name].config


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

    def run(window) -> None:
        loading.clear()
        if not is_digits(window.model.dataset):
            loading.append(window.open_dataset("mnist", offer_download=True))

    def until(window) -> bool:
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

    def run(window) -> None:
        keep = not fresh and on_preset(window, name)
        if not keep:
            window.views["controls"].apply_preset(name)  # as choosing it in the combo
            if not window.new_network():
                raise SetupError("the network could not be built (see the error message)")
        snap = window.model.latest
        done = snap.step if keep and snap is not None else 0  # a new network starts at 0
        if trained > done and not window.training.is_training:
            window.training.step(trained - done)
    return SetupStep(text, run)


def dock(name: str) -> SetupStep:
    """Show and raise the main window's ``name`` dock."""
    def run(window) -> None:
        window.docks[name].show()
        window.docks[name].raise_()
    return SetupStep(f"the {name.capitalize()} panel in front", run)


def weights(layer: int, mode: str) -> SetupStep:
    """The weights view at ``layer`` (0-based) in ``mode`` ("W", "W-W0", …)."""
    def run(window) -> None:
        view = window.views["weights"]
        view.set_mode(mode)
        view.set_layer(layer)
    return SetupStep(f"the Weights panel at layer {layer + 1}", run)


def explorer(label: int | None, position: Callable[[object], int] | None = None,
             where: str = "at the input") -> SetupStep:
    """Draw and step in front, following training: a test image of class ``label`` on the
    pad (None: the pad cleared), the backward target automatic, the stepper reset and moved
    ``position(stepper)`` steps forward (pressing → as a learner would)."""
    what = "the pad cleared" if label is None else f"a test {label} on the pad"

    def run(window) -> None:
        ex = window.views["explorer"]
        window.explorer_window.present()
        ex.follow.setChecked(True)
        ex.stepper_view.set_target(-1)
        if label is None:
            ex.pad.clear()
        else:
            ex.load_test_image(first_test_image(window.model.dataset, label))
        ex.stepper_view.reset()
        for _ in range(position(ex.stepper) if position and ex.stepper else 0):
            ex.stepper_view.forward()
        ex.pad.setFocus()  # → and ← step while the focus is in the explorer

    def ready(window) -> bool:  # without a network there is nothing to step through
        return label is None or window.views["explorer"].net is not None
    return SetupStep(f"Draw and step with {what}, the stepper {where}", run, ready)


# -- checks: each returns what is still missing, "" when done ------------------------------

def missing_test_image(window, start: Start) -> str:
    ex = window.views["explorer"]
    return "" if ex.x is not None and ex.true >= 0 else "No test image on the pad yet."


def missing_layer_two(window, start: Start) -> str:
    snap = window.model.latest
    if snap is None or tuple(snap.sizes[1:-1]) != (10,):
        return "Waiting for a 784-10-10 network (Set up this chapter builds one)."
    if window.views["weights"].layer() != 1:
        return "The Weights panel does not show layer 2 yet."
    return ""


def _stepper_at(window, position: Callable[[object], int], where: str) -> str:
    st = window.views["explorer"].stepper
    if st is None:
        return "Nothing to step through: put an image on the pad."
    return "" if st.position >= position(st) else f"The stepper has not reached {where} yet."


def missing_loss(window, start: Start) -> str:
    return _stepper_at(window, at_loss, "the loss")


def missing_trained_steps(steps: int) -> Callable[[object, Start], str]:
    def missing(window, start: Start) -> str:
        snap = trained_since(window, start, steps=steps)
        if snap is None:
            return f"Train at least {steps} steps ({steps_since(window, start)} so far)."
        return "" if snap.config.batch_size == 0 else "That run is not full batch: press Set up."
    return missing


def missing_learned_change(window, start: Start) -> str:
    view, snap = window.views["weights"], window.model.latest
    if snap is None or snap.step == 0:
        return "The network has not trained yet (Set up trains it)."
    if view.layer() != 0:
        return "The Weights panel is not at layer 1."
    return "" if view.mode() == "W-W0" else "The Weights panel does not show W − W₀ yet."


def missing_drawing_at_output(window, start: Start) -> str:
    ex = window.views["explorer"]
    if ex.x is None or ex.true >= 0:
        return "No drawing on the pad yet (a test image does not count here)."
    return _stepper_at(window, at_output, "the output layer")


def missing_first_delta(window, start: Start) -> str:
    return _stepper_at(window, at_first_delta, "δ¹")


def missing_modern_epoch(window, start: Start) -> str:
    snap = trained_since(window, start, epochs=1)
    if snap is None:
        return "Train one full epoch (Train, F5)."
    c = snap.config
    if c.optimizer != "adam" or c.batch_size == 0:
        return "That run is not Adam on mini-batches: press Set up this chapter."
    return ""


# -- stepper positions (see nnviz.analysis.stepper: input, L layers, softmax, loss, L deltas)

def at_output(st) -> int:
    """The forward step of the last layer (the logits)."""
    return len(st.layers)


def at_loss(st) -> int:
    return st.n_forward


def at_first_delta(st) -> int:
    """The backward step of layer 1 (δ¹, dW¹, db¹)."""
    return st.n_forward + len(st.layers)
