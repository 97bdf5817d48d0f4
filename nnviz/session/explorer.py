"""The explorer model ("Draw and step"), without Qt: one network, one example, one trace.

:class:`ExplorerModel` owns what the explorer's panels show: the base network (from the
training run's snapshots while following (as often as the view offers them), or a loaded
model), the unit edits applied to a copy of it, the example ``x`` (n_in,) and its
label, the backward pass's target, the trace (one :class:`~nnviz.analysis.stepper.Stepper`:
one backward trace per change, whose forward part gives the answer and, when the target is
automatic and there is no label, the target), the stepper's position, the selected unit, the
test accuracy of the edited copy and the result of "Learn this".

The panels (answer, diagram, stepper, cells, unit inspector, Learn this) subscribe by name
and implement any of the typed methods of :class:`ExplorerSubscriber`; each is handed the
model and renders what it reads there. They change it only through its intents
(:meth:`ExplorerModel.set_example`, :meth:`~ExplorerModel.step_forward`, …). A panel that
raises is reported to the failure listeners and given what it missed at the next change,
as :class:`~nnviz.session.model.SessionModel`'s views are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

import numpy as np

from nnviz.analysis.edits import UnitEdit, apply_edits
from nnviz.analysis.learn import LearnResult, learn_example
from nnviz.analysis.preprocess import to_mnist
from nnviz.analysis.stepper import Step, Stepper
from nnviz.analysis.trace import BackwardTrace, ForwardTrace, forward_trace
from nnviz.datasets import Dataset
from nnviz.engine.convnet import Network
from nnviz.engine.snapshot import TrainingSnapshot
from nnviz.session.serving import FailureListener, SubscriberFailure, Subscribers

NETWORK, TRACE, POSITION, UNIT, LEARNED = "network", "trace", "position", "unit", "learned"
METHODS = {NETWORK: "show_network", TRACE: "show_trace", POSITION: "show_position",
           UNIT: "show_unit", LEARNED: "show_learned"}  # in the order a change is served
EVERYTHING = tuple(METHODS)

# (edited network, test accuracy of the base network, of the edited one)
Accuracy = tuple[Network, float, float]
# run_in_background(job, done): call done(job()) when it is computed (job None: cancel the
# pending one). The explorer view runs it off the GUI thread; alone, it runs at once.
BackgroundRunner = Callable[["Callable[[], Accuracy] | None", Callable[[Accuracy], None]], None]


@runtime_checkable
class ExplorerSubscriber(Protocol):
    """What a panel of the explorer may implement (any of the methods); each is handed the
    model and reads what it shows from it."""

    def show_network(self, model: ExplorerModel) -> None:
        """The network changed: its source, the edits, following on or off."""

    def show_trace(self, model: ExplorerModel) -> None:
        """The example, the target or the network changed: a new :attr:`~ExplorerModel.trace`
        (None without an example, a network or when the two do not fit)."""

    def show_position(self, model: ExplorerModel) -> None:
        """The stepper moved (also after every new trace)."""

    def show_unit(self, model: ExplorerModel) -> None:
        """The selected unit, its numbers, or the test accuracies changed."""

    def show_learned(self, model: ExplorerModel) -> None:
        """"Learn this" was done or undone (:attr:`~ExplorerModel.learned`)."""


def run_at_once(job: Callable[[], Accuracy] | None, done: Callable[[Accuracy], None]) -> None:
    """The default :data:`BackgroundRunner`: compute in the caller's thread."""
    if job is not None:
        done(job())


def test_accuracy(net: Network, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of ``x`` (m, n_in) that ``net`` classifies as ``y`` (m,)."""
    return float((net.predict(x) == y).mean())


class ExplorerModel:
    """The explorer's network, example, trace and cursor, held once.

    Attributes
    ----------
    base_net : MLP, ConvNet or None
        The network as it came (snapshot or loaded model), unedited.
    net : MLP, ConvNet or None
        What the panels show: ``base_net`` with :attr:`edits` applied (``base_net`` itself
        without edits).
    loss : str
    source : str
        Where the network came from ("training run 1, step 5 (epoch 0.01)").
    notice : str
        A message about the last change ("Edits dropped: …"), else "".
    edits : tuple of UnitEdit
    x : ndarray (n_in,) or None
        The example as the network receives it.
    true : int
        Its label, -1 for a drawing.
    chosen_target : int
        The target picked in the stepper, -1 for automatic (the label, else the answer).
    stepper : Stepper or None
        The cursor over the current trace's steps.
    mismatch : str
        Why there is no trace although there is an example and a network, else "".
    selected : (int, int) or None
        The unit (layer from 1, unit) being inspected.
    accuracy : (network, float, float) or None
        The edited network and the test accuracies before → after, once measured.
    learned : LearnResult or None
        The last "Learn this", until the network changes again.
    follow : bool
        Take the training run's networks (:meth:`follow_snapshot`).
    shown_snapshot : TrainingSnapshot or None
        The snapshot the network came from.
    class_names : list of str
    image_shape : (int, int)

    Parameters
    ----------
    run_in_background : BackgroundRunner
        How the test accuracies are computed (default: at once).
    strict : bool
        A panel's exception is raised to the caller (a view used on its own).
    """

    def __init__(self, run_in_background: BackgroundRunner = run_at_once,
                 strict: bool = False):
        self.run_in_background = run_in_background
        self.dataset: Dataset | None = None
        self.class_names = [str(k) for k in range(10)]
        self.image_shape: tuple[int, ...] = (28, 28)
        self.base_net: Network | None = None
        self.net: Network | None = None
        self.loss = "cross_entropy"
        self.source = ""
        self.notice = ""
        self.edits: tuple[UnitEdit, ...] = ()
        self.x: np.ndarray | None = None
        self.true = -1
        self.chosen_target = -1
        self.stepper: Stepper | None = None
        self.mismatch = ""
        self.selected: tuple[int, int] | None = None
        self.accuracy: Accuracy | None = None
        self.learned: LearnResult | None = None
        self.follow = True
        self.shown_snapshot: TrainingSnapshot | None = None
        self._before_learning: tuple[Network, tuple[UnitEdit, ...], str] | None = None
        self._base_trace: ForwardTrace | None = None  # of base_net, when edited (cached)
        self._subscribers = Subscribers(METHODS, lambda _kind: self, strict=strict)

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(self, name: str, subscriber) -> None:
        """Serve ``subscriber`` (after those subscribed before); it is shown everything now."""
        self._subscribers.subscribe(name, subscriber, EVERYTHING)

    def unsubscribe(self, name: str) -> None:
        self._subscribers.unsubscribe(name)

    def add_failure_listener(self, listener: FailureListener) -> None:
        """``listener(name, failure)`` when panel ``name`` fails anew, ``(name, None)`` when
        it is served again."""
        self._subscribers.add_failure_listener(listener)

    @property
    def failures(self) -> dict[str, SubscriberFailure]:
        return self._subscribers.failures

    def _notify(self, *kinds: str) -> None:
        self._subscribers.notify(*kinds)

    # -- what the panels read ---------------------------------------------------------------

    @property
    def trace(self) -> BackwardTrace | None:
        """The current example's forward and backward pass through :attr:`net`."""
        return None if self.stepper is None else self.stepper.trace

    @property
    def target(self) -> int:
        """The backward pass's target: the chosen class, else the label, else the answer
        (-1 while there is no trace to take it from)."""
        if self.chosen_target >= 0:
            return self.chosen_target
        if self.true >= 0:
            return self.true
        return -1 if self.trace is None else int(self.trace.y[0])

    @property
    def step(self) -> Step | None:
        return None if self.stepper is None else self.stepper.current

    @property
    def focus(self) -> tuple[int, str] | None:
        """(layer, direction) of the current step: what the diagram lights up."""
        step = self.step
        return None if step is None else (step.layer, step.direction)

    @property
    def cell_layer(self) -> int:
        """The layer the cell-by-cell view shows: the stepper's (layer 1 at the input)."""
        return max(self.step.layer, 1) if self.step is not None else 1

    @property
    def base_trace(self) -> ForwardTrace | None:
        """The example through the unedited network: the trace itself when unedited, else
        one forward pass, made once per change."""
        if self.trace is None or self.base_net is None or self.x is None:
            return None
        if self.net is self.base_net:
            return self.trace
        if self._base_trace is None:
            self._base_trace = forward_trace(self.base_net, self.x)
        return self._base_trace

    @property
    def known_accuracy(self) -> tuple[float, float] | None:
        """The test accuracies before → after of the edits shown, once measured."""
        if self.accuracy is None or self.accuracy[0] is not self.net:
            return None
        return self.accuracy[1], self.accuracy[2]

    @property
    def source_text(self) -> str:
        """The line under the answer: the network, where it came from, how many edits."""
        if self.notice:
            return self.notice
        if self.base_net is None:
            return "No network yet: press Train or load a model."
        arch = "-".join(map(str, self.base_net.sizes))
        n = len(self.edits)
        edited = f" · {n} unit edit{'s' if n > 1 else ''}" if n else ""
        return f"Network {arch}: {self.source}{edited}"

    # -- the dataset and the network --------------------------------------------------------

    def set_dataset(self, ds: Dataset) -> None:
        """Test images and accuracies come from ``ds``; its class names label the panels."""
        self.dataset = ds
        self.class_names = [str(n) for n in ds.class_names]
        self.image_shape = tuple(ds.image_shape)

    def set_network(self, net: Network, loss: str = "cross_entropy",
                    source: str = "loaded model") -> None:
        """Explore ``net`` (e.g. a loaded model); stops following the training run."""
        self.follow = False
        self._set_network(net, loss, source)

    def set_follow(self, on: bool) -> None:
        """Follow the training run (the view then offers its newest snapshot) or keep the
        network as it is."""
        self.follow = bool(on)
        if on:
            self.shown_snapshot = None  # the newest snapshot is taken at once
        self.notice = ""
        self._notify(NETWORK)

    def is_new_run(self, snap: TrainingSnapshot | None) -> bool:
        """``snap`` is of another run than the network shown (or none is shown)."""
        return snap is not None and (self.shown_snapshot is None
                                     or snap.run_id != self.shown_snapshot.run_id)

    def follow_snapshot(self, snap: TrainingSnapshot) -> None:
        """Take the training run's network in ``snap`` if following (how often is the
        view's choice: it offers snapshots at its declared rate, a new run's at once)."""
        if not self.follow or snap is self.shown_snapshot:
            return
        self.shown_snapshot = snap
        loss = getattr(snap.config, "loss", "cross_entropy")
        self._set_network(snap.network(), loss,
                          f"training run {snap.run_id}, step {snap.step} (epoch {snap.epoch:.2f})")

    def _set_network(self, net: Network, loss: str, source: str) -> None:
        if self.base_net is None or net.sizes != self.base_net.sizes:
            self.selected = None  # the selected unit and the edits belong to the old shape
            self.edits = ()
        self.base_net, self.loss, self.source = net, loss, source
        self.notice = ""
        self.learned = None
        self._apply_edits(self.edits, measure=False)
        self._notify(*EVERYTHING)

    # -- the example and the target --------------------------------------------------------

    def set_example(self, x, true: int = -1) -> None:
        """Explore the input ``x`` (n_in,) with label ``true`` (-1: unknown)."""
        self.x = np.asarray(x, np.float32).reshape(-1)
        self.true = int(true)
        self._retrace()
        self._notify(TRACE, POSITION, UNIT)

    def set_drawing(self, canvas: np.ndarray) -> None:
        """Explore a drawing ``canvas`` (H, W) in [0, 1], prepared as MNIST was
        (:func:`~nnviz.analysis.preprocess.to_mnist`); a blank one clears the example."""
        if canvas.max() <= 0:
            self.clear()
        else:
            self.set_example(to_mnist(canvas).reshape(-1), -1)

    def clear(self) -> None:
        """No example (the pad was cleared): nothing derived from it stays, not even the
        last "Learn this" (its before/after was of the old drawing)."""
        self.x, self.true = None, -1
        self.learned = None
        self._retrace()
        self._notify(TRACE, POSITION, UNIT, LEARNED)

    def set_target(self, target: int) -> None:
        """The class the backward pass pushes towards (-1: automatic)."""
        if int(target) == self.chosen_target:
            return
        self.chosen_target = int(target)
        self._retrace()
        self._notify(TRACE, POSITION, UNIT)

    def _retrace(self) -> None:
        """One backward trace of the example, at the position the stepper was at."""
        position = 0 if self.stepper is None else self.stepper.position
        self.stepper, self.mismatch, self._base_trace = None, "", None
        if self.net is None or self.x is None:
            return
        if self.x.size != self.net.sizes[0]:
            self.mismatch = (f"This network takes {self.net.sizes[0]} inputs; a drawing "
                             f"gives {self.x.size} (28×28).")
            return
        # Automatic without a label: the trace takes the class its own forward part predicts.
        target = self.chosen_target if self.chosen_target >= 0 else self.true
        # The model owns self.net: the trace may overwrite its gradient buffers.
        self.stepper = Stepper(self.net, self.x, target if target >= 0 else None, self.loss)
        self.stepper.seek(position)

    # -- the stepper ------------------------------------------------------------------------

    def step_forward(self) -> bool:
        """One step on; False at the end (or without a trace)."""
        return self._moved(self.stepper is not None and self.stepper.forward())

    def step_back(self) -> bool:
        """One step back; False at the input."""
        return self._moved(self.stepper is not None and self.stepper.back())

    def reset(self) -> None:
        """Back to the input."""
        self.go_to(0)

    def go_to(self, position: int) -> None:
        """To step ``position`` (clamped to the steps there are)."""
        if self.stepper is not None:
            old = self.stepper.position
            self.stepper.seek(position)
            self._moved(self.stepper.position != old)

    def _moved(self, moved: bool) -> bool:
        if moved:
            self._notify(POSITION)
        return moved

    # -- units and edits --------------------------------------------------------------------

    def select_unit(self, layer: int, unit: int) -> None:
        self.selected = (int(layer), int(unit))
        self._notify(UNIT)

    def set_edits(self, edits: Iterable[UnitEdit]) -> None:
        """Apply ``edits`` to a copy of the base network (all dropped if one does not fit it)
        and measure the test accuracy before → after."""
        if self.base_net is None:
            return
        self._apply_edits(tuple(edits), measure=True)
        self._notify(NETWORK, TRACE, POSITION, UNIT)

    def _apply_edits(self, edits: tuple[UnitEdit, ...], measure: bool) -> None:
        assert self.base_net is not None
        try:
            self.net = apply_edits(self.base_net, edits) if edits else self.base_net
            self.edits = tuple(edits)
        except ValueError as exc:  # an edit for another architecture: drop them all
            self.net, self.edits = self.base_net, ()
            self.notice = f"Edits dropped: {exc}"
        if measure or self.edits:
            self._measure_accuracy()
        self._retrace()

    def _measure_accuracy(self) -> None:
        """Test accuracy before and after the edits; only when the edits or the network
        change (it does not depend on the example)."""
        self.accuracy = None
        ds = self.dataset
        if ds is None or not len(ds.x_test) or not self.edits:
            self.run_in_background(None, self._measured)
            return
        base, edited = self.base_net, self.net
        assert base is not None and edited is not None
        x, y = ds.x_test, ds.y_test
        self.run_in_background(lambda: (edited, test_accuracy(base, x, y),
                                        test_accuracy(edited, x, y)), self._measured)

    def _measured(self, result: Accuracy) -> None:
        self.accuracy = result
        self._notify(UNIT)

    def keep_edits(self) -> Network | None:
        """Make the edited network the one explored (unedited now); returns a copy of it to
        continue training from, None without edits."""
        if self.net is None or self.net is self.base_net:
            return None
        edited = self.net
        self.edits = ()
        self.set_network(edited, self.loss, "edited model (kept)")
        return edited.copy()

    # -- learn this -------------------------------------------------------------------------

    def learn_this(self, lr: float, steps: int = 1) -> LearnResult | None:
        """Learn the example (``steps`` gradient steps at ``lr`` towards :attr:`target`); the
        taught network becomes the one explored (no edits, not following)."""
        if self.base_net is None or self.net is None or self.x is None or self.target < 0:
            return None
        result = learn_example(self.net, self.x, self.target, lr, self.loss, steps)
        self._before_learning = (self.base_net, self.edits, self.source)
        self.edits = ()
        self.follow = False
        self._set_network(result.net, self.loss, f"taught: {self.source}")
        self.learned = result
        self._notify(LEARNED)
        return result

    def keep_taught(self) -> Network | None:
        """A copy of the taught network to continue training from (None: nothing taught)."""
        if self.learned is None:
            return None
        net = self.learned.net.copy()
        self.learned = None
        self._notify(LEARNED)
        return net

    def undo_learning(self) -> None:
        """Back to the network (and its edits) from before "Learn this"."""
        if self._before_learning is None:
            return
        base, edits, source = self._before_learning
        self._before_learning = None
        self.edits = edits
        self._set_network(base, self.loss, source)
