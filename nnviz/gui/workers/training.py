"""The training worker: a QObject in a QThread that relays a training *process*.

Training runs in a child process (:func:`nnviz.runtime.training_server.serve`), not in a thread
of the GUI's process. Measured here (``benchmarks/bench_gui.py``): with the engine in a QThread,
the GUI thread's pyqtgraph painting and the trainer's Python glue fought over the GIL —
every hand-over can wait a whole switch interval — and training ran at 25 % of its
headless speed with 150 ms event-loop stalls even at 5 redraws a second. In its own
process the trainer never waits for the GUI, and the GUI never waits for the trainer.

This QObject lives in a QThread, blocks in ``poll`` on the message pipe, and re-emits what
arrives as Qt signals (snapshots re-frozen), so the GUI thread never blocks on the pipe and
Qt queues each signal into the receiver's thread. The GUI sends commands with its
thread-safe methods, which write to the command pipe.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot

from nnviz.engine.snapshot import refreeze
from nnviz.runtime.processes import ServerProcess
from nnviz.runtime.training_server import STOPPED, restore_initial, serve

POLL_S = 0.05


class TrainingWorker(QObject):
    """Starts the training process for ``data`` when its thread starts; relays messages.

    Signals
    -------
    snapshot_ready(TrainingSnapshot), state_changed(str), diverged(str), failed(str)
    finished()
        The process has ended (after :meth:`stop`) and the thread may quit.
    ended(int)
        The same moment, with :attr:`serial`: by the time a queued slot runs, the worker
        may be deleted (``finished → deleteLater``), so ``sender()`` cannot tell who ended.
    """

    snapshot_ready = Signal(object)
    state_changed = Signal(str)
    diverged = Signal(str)
    failed = Signal(str)
    finished = Signal()
    ended = Signal(int)

    def __init__(self, data, emit_interval: float = 0.045, serial: int = 0):
        super().__init__()
        self.serial = int(serial)
        self._server = ServerProcess(serve, data, emit_interval, name="nnviz-training")
        self._commands, self._messages = self._server.commands, self._server.messages
        self._process = self._server.process
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._initial: dict = {}  # run_id → initial weights (sent once per run)

    # -- commands, from any thread ----------------------------------------------------------------

    def send(self, *command) -> None:
        """Queue a command for the training process (see
        :class:`nnviz.runtime.training_server.Driver`)."""
        with self._lock:
            if self._stop.is_set():
                return
            try:
                self._commands.send(command)
            except (BrokenPipeError, OSError):
                pass  # the process is gone; run() reports it

    def stop(self) -> None:
        """Ask the process to end (``quit``); :attr:`finished` follows. Ending a *run* while
        the process goes on is the ``stop`` command: ``send("stop")``."""
        self.send("quit")
        self._stop.set()

    # -- the relay, in the worker thread ---------------------------------------------------

    @Slot()
    def run(self) -> None:
        try:
            self._server.start()  # pickles the dataset: here, not in the GUI thread
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(f"cannot start the training process: {exc}")
            self.ended.emit(self.serial)
            self.finished.emit()
            return
        while True:
            try:
                if self._messages.poll(POLL_S):
                    self._dispatch(self._messages.recv())
                elif self._stop.is_set() or not self._process.is_alive():
                    break
            except (EOFError, OSError):
                break
        self._server.end(2.0)
        if not self._stop.is_set():
            self.failed.emit(f"the training process ended unexpectedly (exit code "
                             f"{self._process.exitcode})")
        self.state_changed.emit(STOPPED)
        self.ended.emit(self.serial)
        self.finished.emit()

    def _dispatch(self, msg) -> None:
        kind, payload = msg
        if kind == "snapshot":
            self.snapshot_ready.emit(refreeze(restore_initial(payload, self._initial)))
        elif kind == "state":
            self.state_changed.emit(payload)
        elif kind == "diverged":
            self.diverged.emit(payload)
        elif kind == "failed":
            self.failed.emit(payload)
