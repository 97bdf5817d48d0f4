"""Driving a Trainer by commands: run, pause, step N batches, finish the epoch, stop.

:class:`Driver` is the control logic of a training run with no threads and no Qt: a caller
feeds it commands (:meth:`command`) and calls :meth:`tick` in a loop; every tick trains at
most one batch and returns the messages to publish (snapshots, state changes, divergence).
:func:`serve` runs a Driver in a child process over two pipes — see
:mod:`nnviz.gui.workers.relay` for why training does not share the GUI's process.

Pause and stop differ in what comes after: a paused run (``PAUSED``) goes on where it was
with ``resume``, ``step`` or ``epoch``; a stopped run (``STOPPED``) is over — its last
snapshot stays, so it can be saved or looked at, but only ``new`` or ``adopt`` train again.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from nnviz.engine.config import TrainConfig
from nnviz.engine.snapshot import ALL_FIELDS, CurveBuffer, frozen, take_snapshot
from nnviz.engine.training import Trainer, TrainingDiverged, make_network
from nnviz.runtime.messages import (
    AddEpoch,
    AdoptNetwork,
    Delay,
    Diverged,
    Failed,
    Fields,
    NewNetwork,
    Pause,
    Quit,
    Request,
    Resume,
    Snapshot,
    StateChanged,
    Step,
    StopRun,
)

RUNNING, PAUSED, FINISHED, STOPPED = "running", "paused", "finished", "stopped"
# The commands that train or change a run: ignored when there is none (before the first
# network, after stop).
RUN_COMMANDS = frozenset({Resume, Step, AddEpoch, Request})
Message = Snapshot | StateChanged | Diverged | Failed


class Driver:
    """Commands in, messages out; one batch per :meth:`tick` at most.

    Commands and messages are the dataclasses of :mod:`nnviz.runtime.messages`: in,
    :class:`NewNetwork` … :class:`Delay`; out, :class:`Snapshot`, :class:`StateChanged`,
    :class:`Diverged` and :class:`Failed`. The state is ``PAUSED`` (also before the
    first network), ``RUNNING``, ``FINISHED`` (all epochs done; ``epoch`` adds one) or
    ``STOPPED`` (the run was ended by ``stop``).
    """

    def __init__(self, data, emit_interval: float = 0.05):
        self.data = data
        self.emit_interval = emit_interval
        self.trainer: Trainer | None = None
        self.run_id = 0
        self.state = PAUSED
        self.delay = 0.0
        self._running, self._budget, self._to_epoch_end = False, 0, False
        self._rate, self._last_emit = 0.0, 0.0
        self._out: list[Message] = []
        self.fields = ALL_FIELDS
        # The commands by type, as they come through the pipe.
        self.commands: dict[type, Callable] = {
            NewNetwork: self.cmd_new, AdoptNetwork: self.cmd_adopt, Resume: self.cmd_resume,
            Pause: self.cmd_pause, StopRun: self.cmd_stop, Step: self.cmd_step,
            AddEpoch: self.cmd_epoch, Request: self.cmd_request, Fields: self.cmd_fields,
            Delay: self.cmd_delay}

    # -- commands ----------------------------------------------------------------------------

    def command(self, cmd) -> None:
        """Apply one command (:class:`NewNetwork`, :class:`Step`, …), dispatched on its type
        to the method ``cmd_<name>``.

        The training commands (:class:`Resume`, :class:`Step`, :class:`AddEpoch`,
        :class:`Request`) need a run: before the first network, and after :class:`StopRun`
        until a new or adopted network, they are ignored. An unknown command is answered with
        a :class:`Failed` message."""
        if type(cmd) in RUN_COMMANDS and (self.trainer is None or self.state == STOPPED):
            return
        handler = self.commands.get(type(cmd))
        if handler is None:
            self._out.append(Failed(f"the training process has no command {type(cmd).__name__!r}"))
            return
        handler(cmd)

    def cmd_new(self, cmd: NewNetwork) -> None:
        cfg = TrainConfig.from_dict(cmd.config)
        self._adopt(Trainer(make_network(cfg, self.data.n_features, self.data.n_classes),
                            self.data, cfg), cmd.run_id)

    def cmd_adopt(self, cmd: AdoptNetwork) -> None:
        from nnviz.engine.network import MLP
        net = MLP.from_architecture(cmd.arch, cmd.params)
        cfg = TrainConfig.from_dict(cmd.config)
        history = cmd.history
        trainer = Trainer(net, self.data, cfg.replace(epochs=max(cfg.epochs, len(history))))
        trainer.history = [dict(r) for r in history]
        trainer.epochs_done = len(history)
        trainer.step_count = int(history[-1].get("step", 0)) if history else 0
        self._adopt(trainer, cmd.run_id)

    def cmd_resume(self, cmd: Resume | None = None) -> None:
        self._running = True

    def cmd_pause(self, cmd: Pause | None = None) -> None:
        """Halt after the current batch and forget steps or an epoch's end still to do; the
        run goes on where it was with ``resume``, ``step`` or ``epoch``."""
        self._running, self._budget, self._to_epoch_end = False, 0, False

    def cmd_stop(self, cmd: StopRun | None = None) -> None:
        """End the run: cancel what was asked (running, steps, the epoch's end) and send the
        final snapshot with the state ``STOPPED``. Nothing happens without a run."""
        if self.trainer is None or self.state == STOPPED:
            return
        self.cmd_pause()
        self._set_state(STOPPED)
        self._snapshot()

    def cmd_step(self, cmd: Step) -> None:
        self._running = False
        self._budget += max(int(cmd.n), 0)

    def cmd_epoch(self, cmd: AddEpoch | None = None) -> None:
        if self.trainer is not None and self.trainer.finished:
            self.trainer.request(epochs=self.trainer.config.epochs + 1)
        self._running, self._to_epoch_end = False, True

    def cmd_request(self, cmd: Request) -> None:
        try:
            self._run().request(**cmd.changes)
        except ValueError as exc:
            self._out.append(Failed(str(exc)))

    def cmd_fields(self, cmd: Fields) -> None:
        """Which optional arrays snapshots carry (``dW``, ``uW``); sends one at once, so a
        paused run shows a newly chosen view mode too."""
        self.fields = frozenset(cmd.names) & ALL_FIELDS
        if self.trainer is not None:
            self._snapshot()

    def cmd_delay(self, cmd: Delay) -> None:
        self.delay = max(float(cmd.seconds), 0.0)

    def _adopt(self, trainer: Trainer, run_id: int) -> None:
        self.trainer, self.run_id = trainer, run_id
        self.curves = CurveBuffer(len(trainer.net.layers))
        self.initial = tuple(frozen(L.W) for L in trainer.net.layers)
        self.cmd_pause()
        self._rate = 0.0
        self._set_state(PAUSED)
        self._snapshot()

    def _run(self) -> Trainer:
        """The trainer, where one is sure to exist (``has_work``, ``RUN_COMMANDS``)."""
        if self.trainer is None:
            raise RuntimeError("the training process has no run")
        return self.trainer

    # -- the loop ------------------------------------------------------------------------------

    @property
    def has_work(self) -> bool:
        return self.trainer is not None and (self._running or self._budget > 0
                                             or self._to_epoch_end)

    def tick(self) -> list[Message]:
        """Train one batch if there is work; return (and forget) the pending messages."""
        if self.has_work and self._run().finished:
            self.cmd_pause()
            self._set_state(FINISHED)
            self._snapshot()
        elif self.has_work:
            self._set_state(RUNNING)
            record = self._one_step()
            now = time.perf_counter()
            if record is not None or now - self._last_emit >= self.emit_interval or self.delay:
                self._snapshot()
        elif self.state == RUNNING:
            self._set_state(PAUSED)
            self._snapshot()
        out, self._out = self._out, []
        return out

    def _one_step(self):
        t0 = time.perf_counter()
        try:
            r = self._run().step()
        except TrainingDiverged as exc:
            self.cmd_pause()
            self._out.append(Diverged(str(exc)))
            return None
        except Exception as exc:  # noqa: BLE001 - a bad step must not end the process
            self.cmd_pause()
            self._out.append(Failed(f"{type(exc).__name__}: {exc}"))
            return None
        rate = r.batch_size / max(time.perf_counter() - t0, 1e-9)
        self._rate = rate if self._rate == 0 else 0.9 * self._rate + 0.1 * rate
        self.curves.append(r.step, r.loss, r.accuracy, r.lr, r.grad_rms)
        if self._budget > 0:
            self._budget -= 1
        if r.record is not None:
            self._to_epoch_end = False
        return r.record

    def _snapshot(self) -> None:
        self._last_emit = time.perf_counter()
        self._out.append(Snapshot(take_snapshot(self.trainer, self.curves, self.initial,
                                                self.run_id, self._rate, self.fields)))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._out.append(StateChanged(state))


class Outbox:
    """Sends messages from a thread of its own, so training never waits for the reader.

    Snapshots are latest-only: one not yet sent is replaced by a newer one. Other messages
    keep their order and go first. The initial weights ``W0`` travel only with a run's
    first snapshot (they never change); :func:`restore_initial` puts them back.
    """

    def __init__(self, conn):
        self.conn = conn
        self._cond = threading.Condition()
        self._queue: list[Message] = []
        self._snapshot: Snapshot | None = None
        self._closed = False
        self._sent_run = None
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def put(self, msg: Message) -> None:
        with self._cond:
            if isinstance(msg, Snapshot):
                self._snapshot = msg
            else:
                self._queue.append(msg)
            self._cond.notify()

    def close(self, timeout: float = 2.0) -> None:
        """Send what is pending, then stop."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._snapshot or self._closed)
                batch, self._queue = self._queue, []
                if self._snapshot is not None:
                    batch.append(self._without_initial(self._snapshot))
                    self._snapshot = None
                closed = self._closed and not batch
            if closed:
                return
            try:
                for msg in batch:
                    self.conn.send(msg)
            except (BrokenPipeError, OSError):
                return

    def _without_initial(self, msg: Snapshot) -> Snapshot:
        snap = msg.snapshot
        if snap.run_id == self._sent_run:
            layers = tuple(dataclasses.replace(L, W0=None) for L in snap.layers)
            return Snapshot(dataclasses.replace(snap, layers=layers))
        self._sent_run = snap.run_id
        return msg


def restore_initial(snap, cache: dict):
    """Give a received snapshot its run's initial weights back (see :class:`Outbox`)."""
    if snap.layers and snap.layers[0].W0 is not None:
        cache.clear()
        cache[snap.run_id] = tuple(L.W0 for L in snap.layers)
        return snap
    initial = cache.get(snap.run_id)
    if initial is None:
        return snap
    layers = tuple(dataclasses.replace(L, W0=w0) for L, w0 in zip(snap.layers, initial))
    return dataclasses.replace(snap, layers=layers)


@dataclasses.dataclass(frozen=True)
class DatasetSource:
    """Where a dataset was loaded from: the training process loads it again itself rather
    than receiving ~200 MB of pickled arrays (which would hold the GUI's GIL for a while),
    with ``val_fraction`` of its training rows held out as validation by ``seed``."""

    source: str
    data_dir: str | None = None
    val_fraction: float = 0.0
    seed: int = 0

    def load(self):
        from nnviz.datasets import load_dataset
        return load_dataset(self.source, self.data_dir, val_fraction=self.val_fraction,
                            seed=self.seed)


def serve(commands, messages, data, emit_interval: float = 0.05) -> None:
    """Child-process main: read commands from ``commands``, send messages to ``messages``.

    ``data`` is the dataset itself or a :class:`DatasetSource` to load it from.
    Commands are those of :meth:`Driver.command`; :class:`Quit` ends the process. While idle the
    process sleeps in ``poll``; while training it checks for commands before every batch.
    """
    outbox = Outbox(messages)
    if isinstance(data, DatasetSource):
        try:
            data = data.load()
        except Exception as exc:  # noqa: BLE001 - reported, then the process ends
            outbox.put(Failed(f"the training process could not load the data: {exc}"))
            outbox.close()
            return
    driver = Driver(data, emit_interval)
    while True:
        wait = 0.0 if driver.has_work else 0.5
        while commands.poll(wait):
            cmd = commands.recv()
            if isinstance(cmd, Quit):
                outbox.put(StateChanged(STOPPED))
                outbox.close()
                return
            driver.command(cmd)
            wait = 0.0
        for msg in driver.tick():
            outbox.put(msg)
        if driver.delay and driver.has_work:
            commands.poll(driver.delay)
