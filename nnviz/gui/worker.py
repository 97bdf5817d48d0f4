"""The training worker: a QObject in its own QThread that steps the Trainer and emits
frozen snapshots.

The worker's loop is busy, so it runs no queued slots: the GUI controls it by calling its
thread-safe methods (``resume``, ``pause``, ``step_batches``, ``run_epoch``, ``stop``,
``set_delay``, ``request``) directly, which set flags and wake the loop. Snapshots go out at
most every ``emit_interval`` seconds (and at every pause or epoch end); the GUI keeps only
the newest one.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nnviz.core.snapshot import CurveBuffer, frozen, take_snapshot
from nnviz.core.training import Trainer, TrainingDiverged

RUNNING, PAUSED, FINISHED, STOPPED = "running", "paused", "finished", "stopped"


class TrainingWorker(QObject):
    """Steps ``trainer`` in the thread it is moved to; see the module docstring.

    Signals
    -------
    snapshot_ready(TrainingSnapshot)
    state_changed(str)
        ``running``, ``paused``, ``finished`` (all epochs done) or ``stopped``.
    diverged(str)
        The message of a :class:`TrainingDiverged`; the worker pauses, weights restored.
    failed(str)
        Any other exception in a step; the worker pauses.
    finished()
        The loop has ended (after :meth:`stop`); the thread may quit.
    """

    snapshot_ready = Signal(object)
    state_changed = Signal(str)
    diverged = Signal(str)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, trainer: Trainer, run_id: int = 1, emit_interval: float = 0.05,
                 curves: CurveBuffer | None = None, initial=None):
        super().__init__()
        self.trainer = trainer
        self.run_id = run_id
        self.emit_interval = emit_interval
        self.curves = curves or CurveBuffer(len(trainer.net.layers))
        self.initial = initial or tuple(frozen(L.W) for L in trainer.net.layers)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._running = False     # train until finished
        self._budget = 0          # batches still to do while not running (Step)
        self._to_epoch_end = False
        self._delay = 0.0
        self._rate = 0.0          # samples per second, smoothed
        self.state = PAUSED

    # -- control, from any thread ----------------------------------------------------------

    def resume(self) -> None:
        """Train until all epochs are done (or paused)."""
        self._set(running=True)

    def pause(self) -> None:
        """Stop after the current batch; keep everything."""
        self._set(running=False, budget=0, to_epoch_end=False)

    def step_batches(self, n: int = 1) -> None:
        """Train exactly ``n`` more batches, then pause."""
        with self._lock:
            self._running = False
            self._budget += max(int(n), 0)
        self._wake.set()

    def run_epoch(self) -> None:
        """Train to the end of the current epoch (one more epoch if at a boundary), then pause.
        When all epochs are done, the target grows by one."""
        if self.trainer.finished:
            self.trainer.request(epochs=self.trainer.config.epochs + 1)
        self._set(running=False, to_epoch_end=True)

    def stop(self) -> None:
        """End the loop; :attr:`finished` is emitted when it has."""
        with self._lock:
            self._stop = True
        self._wake.set()

    def set_delay(self, seconds: float) -> None:
        """Slow motion: wait this long after every batch (interruptible)."""
        self._delay = max(float(seconds), 0.0)
        self._wake.set()

    def request(self, **changes) -> None:
        """Hyperparameter changes for the next batch (``Trainer.request``; may raise ValueError)."""
        self.trainer.request(**changes)
        self._wake.set()

    def _set(self, running=None, budget=None, to_epoch_end=None) -> None:
        with self._lock:
            if running is not None:
                self._running = running
            if budget is not None:
                self._budget = budget
            if to_epoch_end is not None:
                self._to_epoch_end = to_epoch_end
        self._wake.set()

    # -- the loop, in the worker thread ------------------------------------------------------

    @Slot()
    def run(self) -> None:
        """The loop: step while there is work, otherwise sleep until woken."""
        last_emit = 0.0
        self._emit_snapshot()
        while True:
            with self._lock:
                if self._stop:
                    break
                work = self._running or self._budget > 0 or self._to_epoch_end
            if work and self.trainer.finished:
                self._set(running=False, budget=0, to_epoch_end=False)
                self._change_state(FINISHED)
                self._emit_snapshot()
                continue
            if not work:
                if self.state == RUNNING:
                    self._change_state(PAUSED)
                    self._emit_snapshot()
                self._wake.wait(0.25)
                self._wake.clear()
                continue
            self._change_state(RUNNING)
            record = self._one_step()
            now = time.perf_counter()
            if record is not None or now - last_emit >= self.emit_interval:
                self._emit_snapshot()
                last_emit = now
            if self._delay > 0:
                self._emit_snapshot()
                self._wake.wait(self._delay)
                self._wake.clear()
        self._change_state(STOPPED)
        self.finished.emit()

    def _one_step(self):
        """One batch with bookkeeping; returns the epoch record if the batch ended an epoch."""
        t0 = time.perf_counter()
        try:
            r = self.trainer.step()
        except TrainingDiverged as exc:
            self.pause()
            self.diverged.emit(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - a bad step must not kill the thread
            self.pause()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
            return None
        dt = time.perf_counter() - t0
        rate = r.batch_size / max(dt, 1e-9)
        self._rate = rate if self._rate == 0 else 0.9 * self._rate + 0.1 * rate
        self.curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
        with self._lock:
            if self._budget > 0:
                self._budget -= 1
            if r.record is not None:
                self._to_epoch_end = False
        return r.record

    def _emit_snapshot(self) -> None:
        self.snapshot_ready.emit(take_snapshot(self.trainer, self.curves, self.initial,
                                               self.run_id, self._rate))

    def _change_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
