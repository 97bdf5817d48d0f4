"""The session model: what the window is about, each thing held once, without Qt.

:class:`SessionModel` owns the dataset (and what it was opened from), the configuration of
the current network, the newest training snapshot, the run records and the weights each
run can be saved from. The training relay hands it every snapshot (:meth:`SessionModel.receive`),
so runs are recorded whether or not anything shows them; a timer has it hand the newest one
to the subscribers (:meth:`SessionModel.publish`), once.

Subscribers (the views) implement any of four typed methods, one per kind of change:
:class:`DatasetSubscriber`, :class:`ConfigSubscriber`, :class:`SnapshotSubscriber` and
:class:`RunsSubscriber`. They are served in subscription order. One that raises is reported
to the failure listeners (once per distinct error) and given what it missed at the next
change, of any kind; the others are served as usual, and nothing is ever dropped for good.
A view that draws later than it is told (the GUI's frame scheduler) reports how its draws
went with :meth:`SessionModel.report_draw`, through the same listeners.
"""

from __future__ import annotations

import dataclasses
import traceback
from typing import Any, Protocol, runtime_checkable

import numpy as np

from nnviz.datasets import Dataset, DatasetError
from nnviz.datasets.split import stratified_split
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.engine.snapshot import TrainingSnapshot
from nnviz.runs.record import RunRecord, RunRecorder
from nnviz.session.serving import FailureListener, SubscriberFailure, Subscribers

__all__ = ["MAX_VAL_FRACTION", "ConfigSubscriber", "DatasetSubscriber", "FailureListener",
           "RunsSubscriber", "SessionModel", "SnapshotSubscriber", "SubscriberFailure",
           "check_val_fraction", "hold_out_validation", "weights_of"]

DATASET, CONFIG, SNAPSHOT, RUNS = "dataset", "config", "snapshot", "runs"
KINDS = (DATASET, CONFIG, SNAPSHOT, RUNS)  # the order in which missed changes are given again
DRAW = "draw"  # a view took a change but failed to draw it later (see report_draw)
# The largest validation split the window offers: beyond it the network loses more training
# images than a finer estimate of its generalisation is worth.
MAX_VAL_FRACTION = 0.3


def check_val_fraction(fraction: float) -> float:
    """``fraction`` as a float if it is a validation split the window offers, in
    [0, ``MAX_VAL_FRACTION``]; else ValueError saying so in percent."""
    fraction = float(fraction)
    if not 0.0 <= fraction <= MAX_VAL_FRACTION:  # NaN fails too
        raise ValueError(f"the validation split must be 0 to {100 * MAX_VAL_FRACTION:g} % of "
                         f"the training images, got {100 * fraction:g} %")
    return fraction


def hold_out_validation(ds: Dataset, fraction: float, seed: int) -> Dataset:
    """``ds`` with ``fraction`` of its training rows held out as its validation set,
    stratified and chosen by ``seed``: the rows ``load_dataset(..., val_fraction=fraction,
    seed=seed)`` holds out of the same training rows. ``fraction = 0`` returns ``ds`` as it is.

    Raises
    ------
    ValueError
        If ``fraction`` is outside [0, ``MAX_VAL_FRACTION``], or (DatasetError) the training
        rows are too few for it, saying how many are needed.
    """
    fraction = check_val_fraction(fraction)
    if fraction == 0.0:
        return ds
    try:
        keep, held = stratified_split(ds.y_train, fraction, seed)
    except DatasetError as exc:
        raise DatasetError(f"{ds.name}: cannot hold out the validation set: {exc}") from None
    return dataclasses.replace(ds, x_train=ds.x_train[keep], y_train=ds.y_train[keep],
                               x_val=ds.x_train[held], y_val=ds.y_train[held])


@runtime_checkable
class DatasetSubscriber(Protocol):
    def set_dataset(self, ds: Dataset) -> None:
        """The session's dataset is now ``ds`` (the next runs train on it)."""


@runtime_checkable
class ConfigSubscriber(Protocol):
    def show_config(self, config: TrainConfig | None) -> None:
        """The current network's configuration (None: there is no network)."""


@runtime_checkable
class SnapshotSubscriber(Protocol):
    def show_snapshot(self, snap: TrainingSnapshot) -> None:
        """A newer snapshot of the current run, published once."""


@runtime_checkable
class RunsSubscriber(Protocol):
    def show_runs(self, runs: tuple[RunRecord, ...]) -> None:
        """Every run of the session, oldest first (a run appeared, gained an epoch or was
        renamed)."""


METHODS = {DATASET: "set_dataset", CONFIG: "show_config", SNAPSHOT: "show_snapshot",
           RUNS: "show_runs"}


def weights_of(snap: TrainingSnapshot) -> dict[str, np.ndarray]:
    """``{"W1": …, "b1": …}``: the snapshot's weights and biases (read-only, not copied),
    without its gradients, updates, curves or initial weights."""
    return {f"{k}{L.index}": getattr(L, k) for L in snap.layers for k in ("W", "b")}


class SessionModel:
    """The dataset, the configuration, the newest snapshot and the runs, held once.

    Attributes
    ----------
    dataset : Dataset or None
        What the next runs train on: the dataset as opened, or with a validation split held
        out of its training rows (:meth:`hold_out`).
    opened : Dataset or None
        The dataset as it was opened.
    val_fraction : float
        Share of the opened training rows held out as validation (0: as opened).
    split_seed : int
        The seed that chose them.
    source : str or None
        What the dataset was opened from (a known name or a path), if anything.
    origin : object or None
        How a helper process can load the same data itself (a ``DatasetSource``), if it can.
    config : TrainConfig or None
        The current network's configuration (None before the first network and after the
        training process ended); every change goes through :class:`TrainConfig`, which
        validates it.
    latest : TrainingSnapshot or None
        The newest snapshot received of the current run (not necessarily published yet).
    shown : TrainingSnapshot or None
        The snapshot last published to the subscribers.
    failures : dict of str to SubscriberFailure
        The subscribers whose last delivery failed, by name.

    Parameters
    ----------
    strict : bool
        A subscriber's exception is raised to the caller once it is recorded (the
        subscribers after it are not served): for a view used on its own (see :meth:`alone`).
    """

    def __init__(self, strict: bool = False):
        self.dataset: Dataset | None = None
        self.opened: Dataset | None = None
        self.val_fraction, self.split_seed = 0.0, 0
        self.source: str | None = None
        self.origin = None
        self.config: TrainConfig | None = None
        self.latest: TrainingSnapshot | None = None
        self.shown: TrainingSnapshot | None = None
        self._recorder = RunRecorder()
        self._weights: dict[int, dict[str, np.ndarray]] = {}  # run_id → its newest weights
        self._runs_shown: dict[int, tuple[int, str]] = {}     # run_id → (epochs, name) published
        self._subscribers = Subscribers(METHODS, self._current, optional=(DATASET, SNAPSHOT),
                                        strict=strict)

    @property
    def strict(self) -> bool:
        return self._subscribers.strict

    @property
    def failures(self) -> dict[str, SubscriberFailure]:
        return self._subscribers.failures

    @classmethod
    def alone(cls, name: str, subscriber) -> SessionModel:
        """A strict model serving ``subscriber`` only: a view used without a window (tests,
        scripts), whose errors are its caller's."""
        model = cls(strict=True)
        model.subscribe(name, subscriber)
        return model

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(self, name: str, subscriber) -> None:
        """Serve ``subscriber`` (after those subscribed before) from now on; it is given at
        once what there is: the dataset, the configuration, the snapshot shown, the runs."""
        kinds = {DATASET, SNAPSHOT, RUNS} | ({CONFIG} if self.config else set())
        self._subscribers.subscribe(name, subscriber, kinds)

    def unsubscribe(self, name: str) -> None:
        """Serve ``name`` no more (what it was shown stays in the model)."""
        self._subscribers.unsubscribe(name)

    def add_failure_listener(self, listener: FailureListener) -> None:
        """Call ``listener(name, failure)`` when subscriber ``name`` fails with a new error,
        and ``listener(name, None)`` when it is served again."""
        self._subscribers.add_failure_listener(listener)

    def report(self, name: str, failure: SubscriberFailure | None) -> None:
        """Tell the failure listeners that ``name`` (a part of a view with a model of its
        own, e.g. the explorer's diagram) failed, or (None) is served again."""
        self._subscribers.tell(name, failure)

    def report_draw(self, name: str, exc: BaseException | None) -> None:
        """Subscriber ``name`` failed to draw what it took (``exc``, called in its ``except``
        block), or drew it (None). A draw failure stays reported until a draw succeeds; the
        view draws again at its next change."""
        if exc is not None:
            self._subscribers.fail(SubscriberFailure(name, DRAW, f"{type(exc).__name__}: {exc}",
                                                     traceback.format_exc(limit=4)))
        else:
            self._subscribers.recover(name, DRAW)

    # -- changes ----------------------------------------------------------------------------

    def set_dataset(self, ds: Dataset, source: str | None = None, origin=None) -> None:
        """Make ``ds`` the session's dataset: no network, no snapshot yet; the next runs are
        recorded on it (the runs so far stay)."""
        self.opened, self.source, self.val_fraction, self.split_seed = ds, source, 0.0, 0
        self._use_dataset(ds, origin)

    def holding_out(self, val_fraction: float, seed: int) -> Dataset | None:
        """The dataset the next runs would train on with ``val_fraction`` of the opened
        training rows held out by ``seed`` (:func:`hold_out_validation`), for
        :meth:`hold_out`; None if that is the dataset already (or none is open). ValueError
        (nothing changed) if the split is refused."""
        val_fraction = check_val_fraction(val_fraction)
        if self.opened is None or (val_fraction == self.val_fraction
                                   and (val_fraction == 0.0 or seed == self.split_seed)):
            return None
        return hold_out_validation(self.opened, val_fraction, seed)

    def hold_out(self, split: Dataset, val_fraction: float, seed: int) -> None:
        """Train the next runs on ``split``, made by :meth:`holding_out` with these
        arguments: as :meth:`set_dataset` (no network, no snapshot), the opened dataset and
        its source kept; the ``origin`` (a ``DatasetSource``) loads that split itself."""
        self.val_fraction, self.split_seed = float(val_fraction), int(seed)
        origin: Any = self.origin
        if hasattr(origin, "val_fraction"):  # a DatasetSource
            origin = dataclasses.replace(origin, val_fraction=self.val_fraction,
                                         seed=self.split_seed)
        self._use_dataset(split, origin)

    def _use_dataset(self, ds: Dataset, origin) -> None:
        had_config = self.config is not None
        self.dataset, self.origin = ds, origin
        self.config = self.latest = self.shown = None
        self._recorder.dataset = str(ds.name)
        self._notify(DATASET)
        if had_config:
            self._notify(CONFIG)

    def set_config(self, config: TrainConfig | None) -> TrainConfig | None:
        """The current network's configuration (None: no network); returns it."""
        if config is not None and not isinstance(config, TrainConfig):
            raise TypeError(f"a TrainConfig is needed, not {type(config).__name__}")
        if config != self.config:
            self.config = config
            self._notify(CONFIG)
        return config

    def change_config(self, **changes) -> TrainConfig | None:
        """The configuration with ``changes`` (``lr=0.003``): ValueError, and nothing
        changed, if :class:`TrainConfig` refuses them; None when there is no network."""
        if self.config is None:
            return None
        return self.set_config(self.config.replace(**changes))

    def receive(self, snap: TrainingSnapshot) -> None:
        """A new snapshot of the current run: it becomes :attr:`latest`, its run's record
        and weights are updated (only the newest weights of each run are kept). The
        subscribers get it at the next :meth:`publish`."""
        self.latest = snap
        if self._recorder.update(snap) is not None:
            self._weights[snap.run_id] = weights_of(snap)

    def publish(self) -> TrainingSnapshot | None:
        """Hand the newest snapshot to the subscribers, once, and the runs if one appeared,
        gained an epoch or was renamed; returns the snapshot (None when there is nothing new).
        Snapshots received between two calls are simply replaced."""
        self._publish_runs()
        snap = self.latest
        if snap is None or snap is self.shown:
            return None
        self.shown = snap  # a paused run may send the same step again, with gradients
        self._notify(SNAPSHOT)
        return snap

    # -- runs -------------------------------------------------------------------------------

    @property
    def runs(self) -> tuple[RunRecord, ...]:
        """Every run of the session that trained at least a batch, oldest first."""
        return tuple(self._recorder.records())

    def run(self, run_id: int) -> RunRecord | None:
        return self._recorder.get(run_id)

    def rename_run(self, run_id: int, name: str) -> RunRecord:
        """Name run ``run_id`` (KeyError if there is no such run); the subscribers are told."""
        record = self._recorder.rename(run_id, name)
        self._publish_runs()
        return record

    def network_of(self, run_id: int) -> MLP:
        """A new network with run ``run_id``'s newest weights, built as its record says
        (so its initialiser and dtype are the run's). KeyError if it has not trained yet."""
        record = self._recorder.get(run_id)
        if record is None or run_id not in self._weights:
            raise KeyError(f"run {run_id} has not trained yet")
        return MLP.from_architecture(record.architecture, self._weights[run_id])

    def _publish_runs(self) -> None:
        shown = {r.run_id: (r.metrics.epochs, r.name) for r in self._recorder.records()}
        if shown != self._runs_shown:
            self._runs_shown = shown
            self._notify(RUNS)

    # -- serving ----------------------------------------------------------------------------

    def _notify(self, kind: str) -> None:
        self._subscribers.notify(kind)

    def _current(self, kind: str):
        return {DATASET: self.dataset, CONFIG: self.config, SNAPSHOT: self.shown,
                RUNS: self.runs}[kind]
