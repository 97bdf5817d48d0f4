"""The one owner of what the window is about: the dataset, the training session (the current
network and its newest snapshot) and the runs recorded so far.

Views subscribe to it, with one contract: ``set_dataset(ds)`` when the dataset changes and
``show_snapshot(snap)`` when a newer snapshot is published, each only if the view has it.
The window changes the state; it no longer pushes the dataset into each view.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, Signal

from nnviz.gui.workers.session import TrainingSession
from nnviz.runs.record import RunRecorder


class SessionState(QObject):
    """Holds the session's state and tells the subscribers when it changes.

    Parameters
    ----------
    training : TrainingSession
        The training process's front: ``config`` (the current network's), ``latest``
        (the newest snapshot), ``state``.
    parent : QObject, optional

    Signals
    -------
    dataset_changed(object)
        After every subscriber has the new :class:`~nnviz.datasets.Dataset`.
    subscriber_failed(str, str)
        A subscriber raised (name, short traceback); reported once per subscriber, and the
        others are still served.

    Attributes
    ----------
    dataset : Dataset or None
    source : str or None
        What the dataset was opened from (a known name or a path), if anything.
    runs : RunRecorder
        Every run of the session, fed by the runs view from the published snapshots.
    shown : TrainingSnapshot or None
        The snapshot last published.
    """

    dataset_changed = Signal(object)
    subscriber_failed = Signal(str, str)

    def __init__(self, training: TrainingSession, parent=None):
        super().__init__(parent)
        self.training = training
        self.runs = RunRecorder()
        self.dataset = None
        self.source = None
        self.shown = None
        self._subscribers: dict[str, object] = {}
        self._failed: set[str] = set()

    @property
    def latest(self):
        """The newest snapshot of the training process (not necessarily published yet)."""
        return self.training.latest

    def subscribe(self, name: str, subscriber) -> None:
        """Serve ``subscriber`` (in subscription order) from now on; it gets the current
        dataset at once, if there is one."""
        self._subscribers[name] = subscriber
        if self.dataset is not None and hasattr(subscriber, "set_dataset"):
            self._call(name, subscriber.set_dataset, self.dataset)

    def set_dataset(self, ds, source=None, origin=None) -> None:
        """Make ``ds`` the session's dataset: the training process is replaced (``origin``,
        a :class:`~nnviz.runtime.training_server.DatasetSource`, lets it load the data
        itself), the next runs are recorded on it, and every subscriber is told."""
        self.training.set_dataset(ds, origin)
        self.dataset, self.source, self.shown = ds, source, None
        self.runs.dataset = str(ds.name)
        for name, subscriber in self._subscribers.items():
            if hasattr(subscriber, "set_dataset"):
                self._call(name, subscriber.set_dataset, ds)
        self.dataset_changed.emit(ds)

    def publish(self):
        """Hand the newest snapshot to the subscribers, once; returns it (None when there is
        nothing new). Snapshots arriving between two calls are simply replaced."""
        snap = self.training.latest
        if snap is None or snap is self.shown:
            return None
        self.shown = snap  # a paused run may send the same step again, with gradients
        for name, subscriber in self._subscribers.items():
            if hasattr(subscriber, "show_snapshot"):
                self._call(name, subscriber.show_snapshot, snap)
        return snap

    def _call(self, name: str, method, arg) -> None:
        try:
            method(arg)
        except Exception:  # noqa: BLE001 - one broken view must not blank the others
            if name not in self._failed:
                self._failed.add(name)
                traceback.print_exc()
                self.subscriber_failed.emit(name, traceback.format_exc(limit=3))
