"""The training process and the thread relaying it, driven for a :class:`SessionModel`.

The window sends its training commands here; the snapshots go to the model, which records
the runs and hands them to the views. It owns the thread life cycle:
``started→run``, ``finished→quit``, ``finished→deleteLater``, ``thread.finished→deleteLater``,
and :meth:`shutdown` stops the process, quits and waits, so closing the window mid-epoch
is clean. One training process serves one dataset; a new network is a command to it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal, Slot
from shiboken6 import isValid

from nnviz.engine.config import TrainConfig
from nnviz.gui.workers.training import TrainingWorker
from nnviz.runtime.training_server import FINISHED, PAUSED, STOPPED
from nnviz.session import SessionModel


class TrainingProcess(QObject):
    """Trains on ``model.dataset``; the current run's configuration is ``model.config``,
    its snapshots go to ``model.receive``. Holds only the process's own state (``state``,
    ``delay``, the snapshot ``fields``).

    Call :meth:`shutdown` before the model's dataset changes: one process serves one dataset.
    """

    state_changed = Signal(str)
    diverged = Signal(str)
    failed = Signal(str)

    def __init__(self, model: SessionModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.state = STOPPED
        self.delay = 0.0
        self._run_id = 0
        self._run_over = False  # the current run was ended by stop(); a new one must start
        self._serial = 0  # of the current TrainingWorker
        self._retired: list[QThread] = []  # threads of processes that ended by themselves
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self.fields = frozenset({"dW", "uW"})

    # -- data and networks ---------------------------------------------------------------------

    @property
    def has_network(self) -> bool:
        """A run the training process can go on with: not before the first network, not
        after :meth:`stop` or the process's end (then Train needs a new network)."""
        return self.model.config is not None and not self._run_over

    def new_network(self, config: TrainConfig) -> None:
        """A fresh network from ``config`` for the model's dataset (paused)."""
        if self.model.dataset is None:
            raise ValueError("open a dataset first (File → Open dataset…)")
        self.model.set_config(config)
        self._run_id += 1
        self._command("new", config.to_dict(), self._run_id)
        self._run_over = False

    def adopt_model(self, net, config: TrainConfig | None, history: list[dict]) -> None:
        """Continue from a loaded model (its history kept), on the model's dataset."""
        ds = self.model.dataset
        if ds is None:
            raise ValueError("open a dataset first (File → Open dataset…)")
        if net.sizes[0] != ds.n_features or net.sizes[-1] < ds.n_classes:
            raise ValueError(f"the model takes {net.sizes[0]} inputs and {net.sizes[-1]} classes; "
                             f"{ds.name} has {ds.n_features} and {ds.n_classes}")
        config = config or TrainConfig(hidden=net.sizes[1:-1], activation=tuple(net.activation_names))
        self.model.set_config(config)
        self._run_id += 1
        params = {k: v.copy() for k, v in net.parameters().items()}
        self._command("adopt", net.architecture(), params, config.to_dict(), list(history), self._run_id)
        self._run_over = False

    # -- the thread ------------------------------------------------------------------------------

    def _command(self, *command) -> None:
        if self._worker is None:
            self._start_worker()
        self._worker.send(*command)

    def _start_worker(self) -> None:
        self._retired = [t for t in self._retired if isValid(t)]  # finished ones are deleted
        self._serial += 1
        worker = TrainingWorker(self.model.origin or self.model.dataset, serial=self._serial)
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
        worker.ended.connect(self._on_worker_ended)
        self._worker, self._thread = worker, thread
        if self.delay:
            worker.send("delay", self.delay)
        worker.send("fields", sorted(self.fields))
        thread.start()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """End the training process and wait for the thread; True when it ended in time.
        The network is gone with the process."""
        worker, thread = self._worker, self._thread
        self._worker = self._thread = None
        self.model.set_config(None)
        for old in self._retired:
            if isValid(old):
                old.wait(timeout_ms)
        self._retired = []
        if worker is None:
            return True
        worker.stop()
        if not isValid(thread):  # ended by itself and deleted before _on_worker_ended ran
            self._set_state(STOPPED)
            return True
        thread.quit()  # the queued finished→quit cannot arrive while we block in wait()
        ok = thread.wait(timeout_ms)
        self._set_state(STOPPED)
        return ok

    # -- commands ------------------------------------------------------------------------------------

    def train(self) -> None:
        self._send("resume")

    def pause(self) -> None:
        """Halt after the current batch (cancels Step/+1 epoch); Train goes on with the
        same run, at the same step, from the same weights."""
        self._send("pause")

    def step(self, n: int = 1) -> None:
        self._send("step", n)

    def add_epoch(self) -> None:
        self._send("epoch")

    def stop(self) -> None:
        """End the run: the process halts it after the current batch (cancelling Step/+1
        epoch) and reports ``stopped``. Its last snapshot stays, to save or inspect, and
        ``model.config`` stays (the run's settings); :attr:`has_network` turns false at once,
        so the window's next Train or Step builds a new network first."""
        self._send("stop")
        self._run_over = True

    def request(self, **changes) -> None:
        """Live hyperparameter changes for the next batch: the model's configuration takes
        them (ValueError, and nothing sent, if TrainConfig refuses them)."""
        if self.model.change_config(**changes) is not None:
            self._send("request", changes)

    def set_snapshot_fields(self, fields) -> None:
        """The optional arrays (``dW``, ``uW``) that snapshots should carry from now on."""
        self.fields = frozenset(fields)
        if self._worker:
            self._worker.send("fields", sorted(self.fields))

    def set_delay(self, seconds: float) -> None:
        self.delay = seconds
        if self._worker:
            self._worker.send("delay", seconds)

    def _send(self, *command) -> None:
        if self._worker is not None and self.has_network:
            self._worker.send(*command)

    @property
    def is_training(self) -> bool:
        return self.state not in (PAUSED, STOPPED, FINISHED)

    # -- worker signals, received in the GUI thread ------------------------------------------------

    @Slot(object)
    def _on_snapshot(self, snap) -> None:
        if self.sender() is self._worker and snap.run_id == self._run_id:
            self.model.receive(snap)  # recorded now; the window's timer hands it to the views

    @Slot(str)
    def _on_state(self, state: str) -> None:
        if self.sender() is self._worker:
            self._set_state(state)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        self.diverged.emit(message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)

    @Slot(int)
    def _on_worker_ended(self, serial: int) -> None:
        """The current training process ended by itself (it failed to start or died):
        forget it, so a later command starts a new one and nothing touches its deleted
        thread. The last snapshot stays, so its weights can still be saved."""
        if serial == self._serial and self._worker is not None:
            # The thread is still finishing: keep it referenced until it has (a QThread
            # collected while running aborts the interpreter).
            self._retired.append(self._thread)
            self._worker = self._thread = None
            self.model.set_config(None)
            self._set_state(STOPPED)
