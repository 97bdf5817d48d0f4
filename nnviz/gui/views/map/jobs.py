"""Computing maps in a child process, so the window never waits for them.

Measured on two cores with a 10 ms heartbeat timer (``benchmarks/bench_map.py``): in a pool
thread of the GUI's process, a map froze the event loop for 0.3–0.8 s (PCA's QR/SVD, t-SNE's
neighbour search) as OpenBLAS's two threads took both cores. Holding BLAS to one thread for
the job (threadpoolctl) fixed that only while the same thread kept control of OpenBLAS:
threadpoolctl lets one thread at a time set its limits, and quietly ignores the others. So,
as for training (:mod:`nnviz.gui.workers.training`), maps are made in a process of their own, started
on the first map with one BLAS thread and kept for the next ones: jobs go out over a pipe
(from a sender thread, as a job carries a few MB of images), progress and maps come back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import queue
import threading
import weakref

import numpy as np
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from nnviz.engine.snapshot import frozen
from nnviz.runtime.map_server import MapJob, serve
from nnviz.runtime.processes import ServerProcess

POLL_MS = 25


class MapServer(QObject):
    """The map process, its pipes and the GUI-thread timer that reads its messages; shared by
    every :class:`MapJobs` of the application (see :func:`server`)."""

    def __init__(self):
        super().__init__()
        self._process = None
        self._owners: dict[int, weakref.ref] = {}  # job id → MapJobs awaiting its answer
        self._orphans: set[int] = set()  # jobs whose view is gone, told to stop
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._read)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, job: MapJob, owner: "MapJobs") -> None:
        if self._process is None or not self._process.is_alive():
            self._start()
        self._owners[job.job_id] = weakref.ref(owner)
        self._outbox.put(("map", job))
        self._timer.start()

    def cancel(self, job_id: int) -> None:
        if job_id in self._owners:
            self._outbox.put(("cancel", job_id))

    def shutdown(self) -> None:
        """End the process (at quit; a later job starts a new one)."""
        if self._process is not None and self._process.is_alive():
            self._outbox.put(("quit",))
            self._outbox.put(None)
            self._process.join(1.0)
            if self._process.is_alive():
                self._process.terminate()
        self._process = None

    def kill(self) -> None:
        """Terminate the process at once (tests: a crash)."""
        self._process.terminate()
        self._process.join(2.0)

    def _start(self) -> None:
        server = ServerProcess(serve, name="nnviz-maps")
        server.start()
        self._process, self._messages, cmd_out = server.process, server.messages, server.commands
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
        if not self._owners and not self._orphans:
            self._timer.stop()

    def _dispatch(self, msg) -> None:
        kind, job_id = msg[0], msg[1]
        ref = self._owners.get(job_id) if kind == "progress" else self._owners.pop(job_id, None)
        owner = ref() if ref is not None else None
        if owner is not None and shiboken6.isValid(owner):
            owner._answer(kind, job_id, *msg[2:])
        elif ref is not None and kind == "progress":  # its view is gone: stop the work
            self.cancel(job_id)
            del self._owners[job_id]  # so its later reports and its answer are dropped
            self._orphans.add(job_id)  # read on until that answer
        if kind != "progress":
            self._orphans.discard(job_id)

    def _fail_all(self, message: str) -> None:
        owners, self._owners, self._orphans = self._owners, {}, set()
        self._process = None
        self._outbox.put(None)  # ends the sender thread of the dead process
        for job_id, ref in owners.items():
            if (owner := ref()) is not None and shiboken6.isValid(owner):
                owner._answer("failed", job_id, message)


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


_server: MapServer | None = None


def server() -> MapServer:
    """The application's map process (created on first use, in the GUI thread)."""
    global _server
    if _server is None:
        _server = MapServer()
    return _server


_job_ids = itertools.count(1)


class MapJobs(QObject):
    """One view's map requests. Starting a job supersedes the one under way: that one is
    told to stop and whatever it still reports is dropped.

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
        self._current: int | None = None
        self._live: dict[int, tuple] = {}  # job id → (test-set indices, about), until answered

    @property
    def busy(self) -> bool:
        """Some job has not been answered yet (a superseded one until the process says so)."""
        return bool(self._live)

    @property
    def running(self) -> bool:
        """The current (latest) job has not been answered yet."""
        return self._current in self._live

    def start(self, net, x, indices, layer: int, method: str, seed: int = 0,
              about: str = "", previous=None) -> None:
        """Map ``x[indices]`` at ``layer`` of ``net`` (copied now); ``previous`` (n, 2), the
        coordinates of an earlier map of the same images, is a map for this one to follow."""
        self.supersede()
        job = MapJob.of(next(_job_ids), net, x[indices], layer, method, seed, previous)
        self._current = job.job_id
        self._live[job.job_id] = (frozen(indices), about)
        server().submit(job, self)

    def supersede(self) -> None:
        """Stop the current job without a word: it is replaced, or no longer wanted."""
        if self._current is not None:
            server().cancel(self._current)
        self._current = None

    def cancel(self) -> None:
        """Stop the current job; :attr:`cancelled` follows once the process has stopped it."""
        if self.running:
            server().cancel(self._current)

    def _answer(self, kind: str, job_id: int, *payload) -> None:
        """A message of the process about job ``job_id`` (from :class:`MapServer`)."""
        if kind == "progress":
            if job_id == self._current:
                self.progress.emit(int(payload[0]), int(payload[1]))
            return
        indices, about = self._live.pop(job_id)
        if job_id != self._current:
            return
        if kind == "done":
            m = payload[0]
            arrays = {f.name: frozen(getattr(m, f.name)) for f in dataclasses.fields(m)
                      if isinstance(getattr(m, f.name), np.ndarray)}
            self.finished.emit(dataclasses.replace(m, **{**arrays, "indices": indices}), about)
        elif kind == "failed":
            self.failed.emit(payload[0])
        else:
            self.cancelled.emit()
