"""The window's one relay to a helper process: the training process and the map process both
talk to the window through a :class:`ProcessRelay`.

Training and maps run in child processes (:class:`~nnviz.runtime.processes.ServerProcess`),
not in threads of the GUI's process. Measured (``benchmarks/bench_gui.py``): with the engine in
a QThread, the GUI thread's pyqtgraph painting and the trainer's Python glue fought over the
GIL — every hand-over can wait a whole switch interval — and training ran at 25 % of its
headless speed with 150 ms event-loop stalls even at 5 redraws a second. Maps, made in a pool
thread, froze the event loop for 0.3–0.8 s as OpenBLAS's threads took both cores
(``benchmarks/bench_map.py``). In their own processes, with one BLAS thread, neither waits for
the GUI, and the GUI never waits for them.

The relay has two threads of its own, so the GUI thread never blocks on a pipe:

* the *reader* starts the process (pickling its arguments, e.g. a dataset, off the GUI thread),
  then blocks in ``poll`` on the message pipe; each message (unpickled there, e.g. a map or a
  snapshot of a few MB) is emitted as a Qt signal, which Qt queues into the GUI thread, where
  the relay calls the handler of the message's type;
* the *sender* writes the commands queued by :meth:`ProcessRelay.send` (a pipe write waits while
  the child is busy, and a map job carries a few MB of images).

Before, the map process was read by a GUI-thread timer polling every 25 ms (unpickling the
maps in the GUI thread, and up to 25 ms late); the training relay was a QThread. A plain
daemon thread is enough here: it holds no Qt object and never touches one, only emits.

When the process ends — asked to by :meth:`ProcessRelay.stop`, or by itself (it crashed, or
could not start) — the last message is a :class:`ProcessEnded`.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from nnviz.gui.timing import POLL_S
from nnviz.runtime.messages import Quit
from nnviz.runtime.processes import ServerProcess


@dataclass(frozen=True)
class ProcessEnded:
    """The helper process has ended: ``expected`` when :meth:`ProcessRelay.stop` asked it to;
    ``error`` says why it could not start (then ``exitcode`` is None), for a person."""

    exitcode: int | None
    expected: bool
    error: str = ""


Handlers = Mapping[type, Callable[[Any], None]]


class ProcessRelay(QObject):
    """``target(commands, messages, *args)`` in a child process, and its messages delivered to
    ``handlers[type(message)]`` in the GUI thread, in the order the child sent them.

    Parameters
    ----------
    target, *args, name
        As for :class:`~nnviz.runtime.processes.ServerProcess`.
    handlers : mapping of type to callable
        Called in the GUI thread with each message of that type, :class:`ProcessEnded`
        included; messages of other types are dropped.
    prepare : callable, optional
        ``prepare(message) -> message``, run in the reader thread before the message is
        handed over (e.g. to re-freeze a snapshot's arrays off the GUI thread).

    Create it in the GUI thread; nothing runs before :meth:`start`. After :meth:`stop`,
    nothing more is handed to the handlers.
    """

    _arrived = Signal(object)

    def __init__(self, target: Callable, *args, name: str, handlers: Handlers,
                 prepare: Callable[[Any], Any] | None = None):
        super().__init__()
        self.name = name
        self._server = ServerProcess(target, *args, name=name)
        self._handlers = dict(handlers)
        self._prepare = prepare
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._closed = False  # GUI thread: stop() was called, hand nothing over any more
        self._end_timeout = 2.0
        self._arrived.connect(self._dispatch)
        self._reader = threading.Thread(target=self._read, name=f"{name}-relay", daemon=True)

    # -- the GUI thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the reader thread, which starts the process."""
        self._reader.start()

    @property
    def running(self) -> bool:
        """Started, not stopped, and the process has not been seen to end."""
        return self._reader.is_alive() and not self._stopping.is_set()

    def send(self, command) -> None:
        """Queue ``command`` for the process (in order; sent once it has started)."""
        if not self._stopping.is_set():
            self._outbox.put(command)

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the process to end (:class:`~nnviz.runtime.messages.Quit`) and wait up to
        ``timeout`` seconds for it (then it is terminated); True when it ended in time. What it
        still says is dropped."""
        self._closed = True
        if not self._stopping.is_set():
            self._outbox.put(Quit())
            self._end_timeout = max(timeout - POLL_S, 0.1)
            self._stopping.set()
        if not self._reader.is_alive():
            return True
        self._reader.join(timeout)
        return not self._reader.is_alive()

    def kill(self) -> None:
        """Terminate the process at once, as a crash would (tests)."""
        self._server.process.terminate()
        self._server.process.join(2.0)

    @Slot(object)
    def _dispatch(self, message) -> None:
        if self._closed:
            return
        handler = self._handlers.get(type(message))
        if handler is not None:
            handler(message)

    # -- the reader thread ---------------------------------------------------------------------

    def _emit(self, message) -> None:
        with contextlib.suppress(RuntimeError):  # the application is gone: nobody to tell
            self._arrived.emit(message)

    def _read(self) -> None:
        server = self._server
        try:
            server.start()
        except Exception as exc:  # noqa: BLE001 - reported to the user, never a crash
            self._emit(ProcessEnded(None, False, str(exc) or type(exc).__name__))
            return
        threading.Thread(target=_send_all, args=(self._outbox, server.commands),
                         name=f"{self.name}-out", daemon=True).start()
        messages, process = server.messages, server.process
        while True:
            try:
                if messages.poll(POLL_S):
                    message = messages.recv()
                    self._emit(message if self._prepare is None else self._prepare(message))
                elif self._stopping.is_set() or not process.is_alive():
                    break
            except (EOFError, OSError):  # the process is gone: its end of the pipe closed
                break
        self._outbox.put(None)  # ends the sender
        server.end(self._end_timeout)
        self._emit(ProcessEnded(process.exitcode, self._stopping.is_set()))


def _send_all(outbox: queue.SimpleQueue, conn) -> None:
    """The sender thread: pickling and writing a command must not hold up the GUI thread."""
    while (cmd := outbox.get()) is not None:
        try:
            conn.send(cmd)
        except (BrokenPipeError, OSError):
            return
    with contextlib.suppress(OSError):
        conn.close()
