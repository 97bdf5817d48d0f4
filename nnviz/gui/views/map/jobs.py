"""Computing maps in a child process, so the window never waits for them.

Measured on two cores with a 10 ms heartbeat timer (``benchmarks/bench_map.py``): in a pool
thread of the GUI's process, a map froze the event loop for 0.3–0.8 s (PCA's QR/SVD, t-SNE's
neighbour search) as OpenBLAS's two threads took both cores. Holding BLAS to one thread for
the job (threadpoolctl) fixed that only while the same thread kept control of OpenBLAS:
threadpoolctl lets one thread at a time set its limits, and quietly ignores the others. So,
as for training (:mod:`nnviz.gui.workers.training`), maps are made in a process of their own,
started on the first map with one BLAS thread and kept for the next ones: jobs go out over a
pipe (from a sender thread, as a job carries a few MB of images), progress and maps come back.

Each job is a :class:`~nnviz.gui.workers.tasks.Task` answered by the process, started in the
view's :class:`~nnviz.gui.workers.tasks.Lane`: the window's one way of doing background work.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import queue
import threading

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from nnviz.engine.snapshot import frozen
from nnviz.gui.workers.tasks import Lane, Task
from nnviz.runtime.map_server import MapJob, serve
from nnviz.runtime.processes import ServerProcess

POLL_MS = 25


class MapProcess(QObject):
    """The GUI's side of the map process (:func:`nnviz.runtime.map_server.serve`): starts it,
    sends it jobs, and reads its messages on a GUI-thread timer; shared by every
    :class:`MapJobs` of the application (see :func:`map_process`)."""

    def __init__(self):
        super().__init__()
        self._process = None
        self._tasks: dict[int, Task] = {}  # job id → its task, until answered
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._read)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, job: MapJob, task: Task) -> None:
        """Send ``job`` to the process; ``task`` reports its progress and answer, and
        cancelling it tells the process to stop the job."""
        if self._process is None or not self._process.is_alive():
            self._start()
        self._tasks[job.job_id] = task
        self._outbox.put(("map", job))
        self._timer.start()

    def cancel(self, job_id: int) -> None:
        if job_id in self._tasks:
            self._outbox.put(("cancel", job_id))

    def shutdown(self) -> None:
        """End the process (at quit; a later job starts a new one)."""
        if self._process is not None and self._process.is_alive():
            self._outbox.put(("quit",))
            self._outbox.put(None)
            self._child.end(1.0)
        self._process = None

    def kill(self) -> None:
        """Terminate the process at once (tests: a crash)."""
        self._process.terminate()
        self._process.join(2.0)

    def _start(self) -> None:
        self._child = child = ServerProcess(serve, name="nnviz-maps")
        child.start()
        self._process, self._messages, cmd_out = child.process, child.messages, child.commands
        self._outbox = queue.SimpleQueue()
        threading.Thread(target=_send_all, args=(self._outbox, cmd_out), name="nnviz-maps-out",
                         daemon=True).start()

    def _read(self) -> None:
        try:
            while self._messages.poll():
                self._dispatch(self._messages.recv())
        except (EOFError, OSError):
            pass
        if self._process is not None and not self._process.is_alive():
            self._fail_all(f"the map process ended (exit code {self._process.exitcode})")
        if not self._tasks:
            self._timer.stop()

    def _dispatch(self, msg) -> None:
        kind, job_id = msg[0], msg[1]
        if kind == "progress":
            if (task := self._tasks.get(job_id)) is not None:
                task.report(*msg[2:4])
        elif (task := self._tasks.pop(job_id, None)) is not None:
            answer = {"done": task.succeed, "failed": task.fail}.get(kind)
            answer(msg[2]) if answer is not None else task.confirm_cancelled()

    def _fail_all(self, message: str) -> None:
        tasks, self._tasks = self._tasks, {}
        self._process = None
        self._outbox.put(None)  # ends the sender thread of the dead process
        for task in tasks.values():
            task.fail(message)


def _send_all(outbox: queue.SimpleQueue, conn) -> None:
    """Sender thread: pickling and writing a job must not hold up the GUI thread (a pipe
    write waits while the process is busy in a neighbour search)."""
    while (cmd := outbox.get()) is not None:
        try:
            conn.send(cmd)
        except (BrokenPipeError, OSError):
            return
    with contextlib.suppress(OSError):
        conn.close()


_map_process: MapProcess | None = None


def map_process() -> MapProcess:
    """The application's map process (created on first use, in the GUI thread)."""
    global _map_process
    if _map_process is None:
        _map_process = MapProcess()
    return _map_process


_job_ids = itertools.count(1)


class MapJobs(QObject):
    """One view's map requests, in a :class:`Lane`: starting a job supersedes the one under
    way, which is told to stop, and whatever it still reports is dropped.

    Signals
    -------
    progress(int, int)
        Iterations done and total of the current t-SNE.
    finished(object, str)
        The current job's ``LayerMap`` (``indices`` into the test set) and its ``about``.
    failed(str)
    cancelled()
        The current job stopped after :meth:`cancel`.
    """

    progress = Signal(int, int)
    finished = Signal(object, str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lane = Lane(self)

    @property
    def busy(self) -> bool:
        """Some job has not been answered yet (a superseded one until the process says so)."""
        return self.lane.busy

    @property
    def running(self) -> bool:
        """The current (latest) job has not been answered yet."""
        return self.lane.running

    @property
    def current_job_id(self) -> int | None:
        """The id of the current job, as the process knows it."""
        return self.lane.current.context if self.lane.current is not None else None

    def start(self, net, x, indices, layer: int, method: str, seed: int = 0,
              about: str = "", previous=None) -> None:
        """Map ``x[indices]`` at ``layer`` of ``net`` (copied now); ``previous`` (n, 2), the
        coordinates of an earlier map of the same images, is a map for this one to follow."""
        job = MapJob.of(next(_job_ids), net, x[indices], layer, method, seed, previous)
        task = Task(context=job.job_id, on_cancel=lambda: map_process().cancel(job.job_id))
        indices = frozen(indices)
        self.lane.start(task, lambda t: map_process().submit(job, t),
                        done=lambda m: self._finished(m, indices, about),
                        failed=self.failed.emit, cancelled=self.cancelled.emit,
                        progress=lambda done, total: self.progress.emit(int(done), int(total)))

    def supersede(self) -> None:
        """Stop the current job without a word: it is replaced, or no longer wanted."""
        self.lane.supersede()

    def cancel(self) -> None:
        """Stop the current job; :attr:`cancelled` follows once the process has stopped it."""
        self.lane.cancel()

    def _finished(self, m, indices: np.ndarray, about: str) -> None:
        arrays = {f.name: frozen(getattr(m, f.name)) for f in dataclasses.fields(m)
                  if isinstance(getattr(m, f.name), np.ndarray)}
        self.finished.emit(dataclasses.replace(m, **{**arrays, "indices": indices}), about)
