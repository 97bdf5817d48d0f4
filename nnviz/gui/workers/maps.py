"""The map process: maps (:func:`nnviz.runtime.map_server.serve`) computed in a child process
of their own, through a :class:`~nnviz.gui.workers.relay.ProcessRelay`, so the window never
waits for them.

Measured on two cores with a 10 ms heartbeat timer (``benchmarks/bench_map.py``): in a pool
thread of the GUI's process, a map froze the event loop for 0.3–0.8 s (PCA's QR/SVD, t-SNE's
neighbour search) as OpenBLAS's two threads took both cores. Holding BLAS to one thread for
the job (threadpoolctl) fixed that only while the same thread kept control of OpenBLAS:
threadpoolctl lets one thread at a time set its limits, and quietly ignores the others. So,
as for training, maps are made in a process of their own, started on the first map with one
BLAS thread and kept for the next ones.

Each job is a :class:`~nnviz.gui.workers.tasks.Task` answered by the process (its context is
the job's id), started in a view's :class:`~nnviz.gui.workers.tasks.Lane`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject

from nnviz.analysis.embedding import LayerMap
from nnviz.gui.workers.relay import ProcessEnded, ProcessRelay
from nnviz.gui.workers.tasks import Task
from nnviz.runtime.map_server import MapJob, serve
from nnviz.runtime.messages import CancelJob, MapCancelled, MapFailed, MapProgress, MapResult

MapTask = Task[LayerMap, int]  # answered with the map; its context is the job's id


class MapProcess(QObject):
    """The GUI's side of the map process: starts it on the first job (again after it died),
    sends it jobs and answers their tasks; one for the application (see :func:`map_process`)."""

    def __init__(self):
        super().__init__()
        self._relay: ProcessRelay | None = None
        self._tasks: dict[int, MapTask] = {}  # job id → its task, until answered
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def pending(self) -> frozenset[int]:
        """The ids of the jobs sent and not answered yet."""
        return frozenset(self._tasks)

    def task_for(self, job: MapJob) -> MapTask:
        """A task for ``job``: cancelling it tells the process to stop the job."""
        return Task(context=job.job_id, on_cancel=lambda: self.cancel(job.job_id))

    def submit(self, job: MapJob, task: MapTask) -> None:
        """Send ``job`` to the process; ``task`` (from :meth:`task_for`) reports its progress
        and answer."""
        if self._relay is None:
            self._relay = ProcessRelay(serve, name="nnviz-maps", handlers={
                MapProgress: self._on_progress, MapResult: self._on_result,
                MapFailed: self._on_failed, MapCancelled: self._on_cancelled,
                ProcessEnded: self._on_process_ended})
            self._relay.start()
        self._tasks[job.job_id] = task
        self._relay.send(job)

    def cancel(self, job_id: int) -> None:
        if job_id in self._tasks and self._relay is not None:
            self._relay.send(CancelJob(job_id))

    def shutdown(self) -> None:
        """End the process (at quit; a later job starts a new one)."""
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.stop(1.0)

    def kill(self) -> None:
        """Terminate the process at once (tests: a crash)."""
        if self._relay is not None:
            self._relay.kill()

    # -- the process's messages, in the GUI thread -----------------------------------------

    def _on_progress(self, m: MapProgress) -> None:
        if (task := self._tasks.get(m.job_id)) is not None:
            task.report(m.done, m.total)

    def _on_result(self, m: MapResult) -> None:
        if (task := self._tasks.pop(m.job_id, None)) is not None:
            task.succeed(m.map)

    def _on_failed(self, m: MapFailed) -> None:
        if (task := self._tasks.pop(m.job_id, None)) is not None:
            task.fail(m.message)

    def _on_cancelled(self, m: MapCancelled) -> None:
        if (task := self._tasks.pop(m.job_id, None)) is not None:
            task.confirm_cancelled()

    def _on_process_ended(self, m: ProcessEnded) -> None:
        self._relay = None
        tasks, self._tasks = self._tasks, {}
        message = (f"cannot start the map process: {m.error}" if m.error
                   else f"the map process ended (exit code {m.exitcode})")
        for task in tasks.values():
            task.fail(message)


_map_process: MapProcess | None = None


def map_process() -> MapProcess:
    """The application's map process (created on first use, in the GUI thread)."""
    global _map_process
    if _map_process is None:
        _map_process = MapProcess()
    return _map_process
