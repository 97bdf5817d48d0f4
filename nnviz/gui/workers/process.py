"""The training process and its relay, driven for a :class:`SessionModel`.

The window sends its training commands here; the snapshots go to the model, which records
the runs and hands them to the views. The process and the threads carrying its pipes are a
:class:`~nnviz.gui.workers.relay.ProcessRelay` (see there for why training has a process of
its own); :meth:`TrainingProcess.shutdown` ends it and waits, so closing the window mid-epoch
is clean. One training process serves one dataset; a new network is a command to it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from nnviz.engine.config import TrainConfig
from nnviz.engine.snapshot import refreeze
from nnviz.gui.timing import EMIT_INTERVAL_S as EMIT_INTERVAL
from nnviz.gui.workers.relay import ProcessEnded, ProcessRelay
from nnviz.runtime.messages import (
    AddEpoch,
    AdoptNetwork,
    Delay,
    Diverged,
    Failed,
    Fields,
    NewNetwork,
    Pause,
    Request,
    Resume,
    Snapshot,
    StateChanged,
    Step,
    StopRun,
)
from nnviz.runtime.training_server import FINISHED, PAUSED, STOPPED, restore_initial, serve
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
        self._relay: ProcessRelay | None = None
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
        self._command(NewNetwork(config.to_dict(), self._run_id))
        self._run_over = False

    def adopt_model(self, net, config: TrainConfig | None, history: list[dict]) -> None:
        """Continue from a loaded model (its history kept), on the model's dataset."""
        ds = self.model.dataset
        if ds is None:
            raise ValueError("open a dataset first (File → Open dataset…)")
        if net.sizes[0] != ds.n_features or net.sizes[-1] < ds.n_classes:
            raise ValueError(f"the model takes {net.sizes[0]} inputs and {net.sizes[-1]} classes; "
                             f"{ds.name} has {ds.n_features} and {ds.n_classes}")
        config = config or TrainConfig(hidden=net.sizes[1:-1],
                                       activation=tuple(net.activation_names))
        self.model.set_config(config)
        self._run_id += 1
        params = {k: v.copy() for k, v in net.parameters().items()}
        self._command(AdoptNetwork(net.architecture(), params, config.to_dict(), list(history),
                                   self._run_id))
        self._run_over = False

    # -- the process --------------------------------------------------------------------------

    def _command(self, command) -> None:
        relay = self._relay if self._relay is not None else self._start_relay()
        relay.send(command)

    def _start_relay(self) -> ProcessRelay:
        initial: dict = {}  # run_id → initial weights (sent once per run)

        def prepare(message):  # in the relay's reader thread
            if isinstance(message, Snapshot):
                return Snapshot(refreeze(restore_initial(message.snapshot, initial)))
            return message

        relay = ProcessRelay(serve, self.model.origin or self.model.dataset, EMIT_INTERVAL,
                             name="nnviz-training", prepare=prepare, handlers={
                                 Snapshot: self._on_snapshot,
                                 StateChanged: lambda m: self._set_state(m.state),
                                 Diverged: lambda m: self.diverged.emit(m.message),
                                 Failed: lambda m: self.failed.emit(m.message),
                                 ProcessEnded: self._on_process_ended})
        self._relay = relay
        if self.delay:
            relay.send(Delay(self.delay))
        relay.send(Fields(tuple(sorted(self.fields))))
        relay.start()
        return relay

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """End the training process and wait for it; True when it ended in time. The network
        is gone with the process."""
        relay, self._relay = self._relay, None
        self.model.set_config(None)
        ok = relay is None or relay.stop(timeout_ms / 1000)
        self._set_state(STOPPED)
        return ok

    # -- commands ------------------------------------------------------------------------------

    def train(self) -> None:
        self._send(Resume())

    def pause(self) -> None:
        """Halt after the current batch (cancels Step/+1 epoch); Train goes on with the
        same run, at the same step, from the same weights."""
        self._send(Pause())

    def step(self, n: int = 1) -> None:
        self._send(Step(n))

    def add_epoch(self) -> None:
        self._send(AddEpoch())

    def stop(self) -> None:
        """End the run: the process halts it after the current batch (cancelling Step/+1
        epoch) and reports ``stopped``. Its last snapshot stays, to save or inspect, and
        ``model.config`` stays (the run's settings); :attr:`has_network` turns false at once,
        so the window's next Train or Step builds a new network first."""
        self._send(StopRun())
        self._run_over = True

    def request(self, **changes) -> None:
        """Live hyperparameter changes for the next batch: the model's configuration takes
        them (ValueError, and nothing sent, if TrainConfig refuses them)."""
        if self.model.change_config(**changes) is not None:
            self._send(Request(changes))

    def set_snapshot_fields(self, fields) -> None:
        """The optional arrays (``dW``, ``uW``) that snapshots should carry from now on."""
        self.fields = frozenset(fields)
        if self._relay is not None:
            self._relay.send(Fields(tuple(sorted(self.fields))))

    def set_delay(self, seconds: float) -> None:
        self.delay = seconds
        if self._relay is not None:
            self._relay.send(Delay(seconds))

    def _send(self, command) -> None:
        if self._relay is not None and self.has_network:
            self._relay.send(command)

    @property
    def is_training(self) -> bool:
        return self.state not in (PAUSED, STOPPED, FINISHED)

    # -- the process's messages, handed over in the GUI thread --------------------------------

    def _on_snapshot(self, message: Snapshot) -> None:
        if message.snapshot.run_id == self._run_id:
            self.model.receive(message.snapshot)  # recorded now; the window's timer shows it

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _on_process_ended(self, message: ProcessEnded) -> None:
        """The training process ended by itself (it failed to start or died): forget it, so a
        later command starts a new one. The last snapshot stays, so its weights can still be
        saved."""
        self.failed.emit(f"cannot start the training process: {message.error}" if message.error
                         else f"the training process ended unexpectedly (exit code "
                              f"{message.exitcode})")
        self._relay = None
        self.model.set_config(None)
        self._set_state(STOPPED)
