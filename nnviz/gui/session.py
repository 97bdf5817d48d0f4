"""A training session: the dataset, the Trainer, and the worker thread that drives it.

The window talks to this object only; it owns the thread life cycle (DESIGN.md "Threads"):
``started→run``, ``finished→quit``, ``finished→deleteLater``, ``thread.finished→deleteLater``,
and :meth:`shutdown` stops, quits and waits, so closing the window mid-epoch is clean.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnviz.core import TrainConfig, Trainer, make_network
from nnviz.core.snapshot import CurveBuffer, frozen
from nnviz.gui.worker import FINISHED, PAUSED, STOPPED, TrainingWorker


class TrainingSession(QObject):
    """Holds ``dataset``, ``trainer`` and the newest snapshot; forwards worker signals."""

    snapshot_ready = Signal(object)
    state_changed = Signal(str)
    diverged = Signal(str)
    failed = Signal(str)
    network_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dataset = None
        self.trainer: Trainer | None = None
        self.latest = None
        self.state = STOPPED
        self.delay = 0.0
        self._run_id = 0
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._curves = self._initial = None

    # -- networks ---------------------------------------------------------------------------

    def new_network(self, config: TrainConfig) -> None:
        """Stop any run and build a fresh network for the current dataset (paused)."""
        if self.dataset is None:
            raise ValueError("open a dataset first (File → Open dataset…)")
        net = make_network(config, self.dataset.n_features, self.dataset.n_classes)
        self._adopt(Trainer(net, self.dataset, config))

    def adopt_model(self, net, config: TrainConfig | None, history: list[dict]) -> None:
        """Continue from a loaded model (its history kept), on the current dataset."""
        if self.dataset is None:
            raise ValueError("open a dataset first (File → Open dataset…)")
        if net.sizes[0] != self.dataset.n_features or net.sizes[-1] < self.dataset.n_classes:
            raise ValueError(f"the model takes {net.sizes[0]} inputs and {net.sizes[-1]} classes; "
                             f"{self.dataset.name} has {self.dataset.n_features} and "
                             f"{self.dataset.n_classes}")
        config = config or TrainConfig(hidden=net.sizes[1:-1], activation=tuple(net.activation_names))
        trainer = Trainer(net, self.dataset, config.replace(epochs=max(config.epochs, len(history))))
        trainer.history = [dict(r) for r in history]
        trainer.epochs_done = len(history)
        trainer.step_count = int(history[-1].get("step", 0)) if history else 0
        self._adopt(trainer)

    def _adopt(self, trainer: Trainer) -> None:
        self.shutdown()
        self.trainer = trainer
        self._run_id += 1
        self._curves = CurveBuffer(len(trainer.net.layers))
        self._initial = tuple(frozen(L.W) for L in trainer.net.layers)
        self._start_worker()
        self.network_changed.emit()

    # -- the thread ---------------------------------------------------------------------------

    def _start_worker(self) -> None:
        worker = TrainingWorker(self.trainer, self._run_id, curves=self._curves, initial=self._initial)
        worker.set_delay(self.delay)
        thread = QThread()
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        worker.finished.connect(worker.deleteLater)
        thread.finished.connect(thread.deleteLater)
        worker.snapshot_ready.connect(self._on_snapshot)
        worker.state_changed.connect(self._on_state)
        worker.diverged.connect(self._on_diverged)
        worker.failed.connect(self._on_failed)
        self._worker, self._thread = worker, thread
        thread.start()

    def _ensure_worker(self) -> TrainingWorker | None:
        if self.trainer is None:
            return None
        if self._worker is None:
            self._start_worker()
        return self._worker

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the worker and wait for its thread; True when it ended in time."""
        worker, thread = self._worker, self._thread
        self._worker = self._thread = None
        if worker is None:
            return True
        worker.stop()
        thread.quit()
        ok = thread.wait(timeout_ms)
        self._on_state(STOPPED)
        return ok

    # -- commands -------------------------------------------------------------------------------

    def train(self) -> None:
        if w := self._ensure_worker():
            w.resume()

    def pause(self) -> None:
        if self._worker:
            self._worker.pause()

    def step(self, n: int = 1) -> None:
        if w := self._ensure_worker():
            w.step_batches(n)

    def add_epoch(self) -> None:
        if w := self._ensure_worker():
            w.run_epoch()

    def stop(self) -> None:
        """End the run's thread; the network stays and Train continues it."""
        self.shutdown()

    def request(self, **changes) -> None:
        """Live hyperparameter changes for the next batch (raises ValueError if invalid)."""
        if self.trainer is not None:
            self.trainer.request(**changes)

    def set_delay(self, seconds: float) -> None:
        self.delay = seconds
        if self._worker:
            self._worker.set_delay(seconds)

    @property
    def is_training(self) -> bool:
        return self.state not in (PAUSED, STOPPED, FINISHED)

    # -- worker signals, received in the GUI thread ------------------------------------------------

    @Slot(object)
    def _on_snapshot(self, snap) -> None:
        if snap.run_id == self._run_id and (self.latest is None or self.latest.run_id != snap.run_id
                                            or snap.step >= self.latest.step):
            self.latest = snap
            self.snapshot_ready.emit(snap)

    @Slot(str)
    def _on_state(self, state: str) -> None:
        sender = self.sender()
        if sender is not None and sender is not self._worker:
            return  # a stopped worker's last signals, still queued
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        self.diverged.emit(message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)
