"""Driving a Trainer by commands: run, pause, step N batches, finish the epoch, stop.

:class:`Driver` is the control logic of a training run with no threads and no Qt: a caller
feeds it commands (:meth:`command`) and calls :meth:`tick` in a loop; every tick trains at
most one batch and returns the messages to publish (snapshots, state changes, divergence).
:func:`serve` runs a Driver in a child process over two pipes — see
:mod:`nnviz.gui.workers.training` for why training does not share the GUI's process.

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

RUNNING, PAUSED, FINISHED, STOPPED = "running", "paused", "finished", "stopped"
# The commands that train or change a run: ignored when there is none (before the first
# network, after stop).
RUN_COMMANDS = frozenset({"resume", "step", "epoch", "request"})


class Driver:
    """Commands in, messages out; one batch per :meth:`tick` at most.

    Messages are tuples ``("snapshot", TrainingSnapshot)``, ``("state", str)``,
    ``("diverged", str)`` and ``("failed", str)``. The state is ``PAUSED`` (also before the
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
        self._out: list[tuple] = []
        self.fields = ALL_FIELDS
        # The commands by name, as they come through the pipe.
        self.commands: dict[str, Callable[..., None]] = {
            "new": self.cmd_new, "adopt": self.cmd_adopt, "resume": self.cmd_resume,
            "pause": self.cmd_pause, "step": self.cmd_step, "epoch": self.cmd_epoch,
            "stop": self.cmd_stop, "request": self.cmd_request, "fields": self.cmd_fields,
            "delay": self.cmd_delay}

    # -- commands ----------------------------------------------------------------------------

    def command(self, name: str, *args) -> None:
        """Apply one command: ``new``, ``adopt``, ``resume``, ``pause``, ``step``, ``epoch``,
        ``stop``, ``request``, ``fields`` or ``delay`` (:attr:`commands`: the methods
        ``cmd_<name>``).

        The training commands (``resume``, ``step``, ``epoch``, ``request``) need a run: before
        the first network, and after ``stop`` until ``new`` or ``adopt``, they are ignored. An
        unknown command is answered with a ``failed`` message."""
        if name in RUN_COMMANDS and (self.trainer is None or self.state == STOPPED):
            return
        handler = self.commands.get(name)
        if handler is None:
            self._out.append(("failed", f"the training process has no command {name!r}"))
            return
        handler(*args)

    def cmd_new(self, config: dict, run_id: int) -> None:
        cfg = TrainConfig.from_dict(config)
        self._adopt(Trainer(make_network(cfg, self.data.n_features, self.data.n_classes),
                            self.data, cfg), run_id)

    def cmd_adopt(self, arch: dict, params: dict, config: dict, history: list, run_id: int) -> None:
        from nnviz.engine.network import MLP
        net = MLP.from_architecture(arch, params)
        cfg = TrainConfig.from_dict(config)
        trainer = Trainer(net, self.data, cfg.replace(epochs=max(cfg.epochs, len(history))))
        trainer.history = [dict(r) for r in history]
        trainer.epochs_done = len(history)
        trainer.step_count = int(history[-1].get("step", 0)) if history else 0
        self._adopt(trainer, run_id)

    def cmd_resume(self) -> None:
        self._running = True

    def cmd_pause(self) -> None:
        """Halt after the current batch and forget steps or an epoch's end still to do; the
        run goes on where it was with ``resume``, ``step`` or ``epoch``."""
        self._running, self._budget, self._to_epoch_end = False, 0, False

    def cmd_stop(self) -> None:
        """End the run: cancel what was asked (running, steps, the epoch's end) and send the
        final snapshot with the state ``STOPPED``. Nothing happens without a run."""
        if self.trainer is None or self.state == STOPPED:
            return
        self.cmd_pause()
        self._set_state(STOPPED)
        self._snapshot()

    def cmd_step(self, n: int) -> None:
        self._running = False
        self._budget += max(int(n), 0)

    def cmd_epoch(self) -> None:
        if self.trainer is not None and self.trainer.finished:
            self.trainer.request(epochs=self.trainer.config.epochs + 1)
        self._running, self._to_epoch_end = False, True

    def cmd_request(self, changes: dict) -> None:
        try:
            self._run().request(**changes)
        except ValueError as exc:
            self._out.append(("failed", str(exc)))

    def cmd_fields(self, names) -> None:
        """Which optional arrays snapshots carry (``dW``, ``uW``); sends one at once, so a
        paused run shows a newly chosen view mode too."""
        self.fields = frozenset(names) & ALL_FIELDS
        if self.trainer is not None:
            self._snapshot()

    def cmd_delay(self, seconds: float) -> None:
        self.delay = max(float(seconds), 0.0)

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

    def tick(self) -> list[tuple]:
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
            self._out.append(("diverged", str(exc)))
            return None
        except Exception as exc:  # noqa: BLE001 - a bad step must not end the process
            self.cmd_pause()
            self._out.append(("failed", f"{type(exc).__name__}: {exc}"))
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
        self._out.append(("snapshot", take_snapshot(self.trainer, self.curves, self.initial,
                                                    self.run_id, self._rate, self.fields)))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self._out.append(("state", state))


class Outbox:
    """Sends messages from a thread of its own, so training never waits for the reader.

    Snapshots are latest-only: one not yet sent is replaced by a newer one. Other messages
    keep their order and go first. The initial weights ``W0`` travel only with a run's
    first snapshot (they never change); :func:`restore_initial` puts them back.
    """

    def __init__(self, conn):
        self.conn = conn
        self._cond = threading.Condition()
        self._queue: list[tuple] = []
        self._snapshot = None
        self._closed = False
        self._sent_run = None
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def put(self, msg: tuple) -> None:
        with self._cond:
            if msg[0] == "snapshot":
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

    def _without_initial(self, msg: tuple) -> tuple:
        snap = msg[1]
        if snap.run_id == self._sent_run:
            layers = tuple(dataclasses.replace(L, W0=None) for L in snap.layers)
            return ("snapshot", dataclasses.replace(snap, layers=layers))
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
    than receiving ~200 MB of pickled arrays (which would hold the GUI's GIL for a while)."""

    source: str
    data_dir: str | None = None

    def load(self):
        from nnviz.datasets import load_dataset
        return load_dataset(self.source, self.data_dir)


def serve(commands, messages, data, emit_interval: float = 0.05) -> None:
    """Child-process main: read commands from ``commands``, send messages to ``messages``.

    ``data`` is the dataset itself or a :class:`DatasetSource` to load it from.
    Commands are tuples ``(name, *args)``; ``("quit",)`` ends the process. While idle the
    process sleeps in ``poll``; while training it checks for commands before every batch.
    """
    outbox = Outbox(messages)
    if isinstance(data, DatasetSource):
        try:
            data = data.load()
        except Exception as exc:  # noqa: BLE001 - reported, then the process ends
            outbox.put(("failed", f"the training process could not load the data: {exc}"))
            outbox.close()
            return
    driver = Driver(data, emit_interval)
    while True:
        wait = 0.0 if driver.has_work else 0.5
        while commands.poll(wait):
            cmd = commands.recv()
            if cmd[0] == "quit":
                outbox.put(("state", STOPPED))
                outbox.close()
                return
            driver.command(*cmd)
            wait = 0.0
        for msg in driver.tick():
            outbox.put(msg)
        if driver.delay and driver.has_work:
            commands.poll(driver.delay)
