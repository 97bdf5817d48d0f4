"""Running a plain function off the GUI thread, with its result, error and progress
delivered back as signals (queued into the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class TaskSignals(QObject):
    done = Signal(object)
    error = Signal(str)
    progress = Signal(object, object)  # (done, total) — total may be None
    ended = Signal()  # after done or error: the task may be let go


class Task(QRunnable):
    """``fn(progress)`` in the global thread pool; ``progress(done, total)`` is thread-safe.

    Connect to ``signals`` (bound methods of GUI objects) before :func:`start_task`.
    Exceptions become ``error(message)``: the message is what a person is shown.
    """

    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn
        self.signals = TaskSignals()
        self.setAutoDelete(False)  # we keep the reference: signals must outlive run()

    def run(self) -> None:
        try:
            try:
                result = self.fn(self.signals.progress.emit)
            except Exception as exc:  # noqa: BLE001 - reported to the user, never a crash
                self.signals.error.emit(str(exc) or type(exc).__name__)
            else:
                self.signals.done.emit(result)
            self.signals.ended.emit()
        except RuntimeError:
            pass  # the receiver's side was deleted meanwhile (window closed): nobody to tell


class _Running(QObject):
    """Holds started tasks until they have ended: a QRunnable must outlive ``run()``, and the
    object that started one may be gone before its result arrives."""

    def __init__(self):
        super().__init__()
        self.tasks: dict[TaskSignals, Task] = {}

    def hold(self, task: Task) -> None:
        self.tasks[task.signals] = task
        task.signals.ended.connect(self.release)

    @Slot()
    def release(self) -> None:
        self.tasks.pop(self.sender(), None)


_running: _Running | None = None


def start_task(task: Task) -> Task:
    """Run ``task`` in the global thread pool; it is kept alive until it has ended."""
    global _running
    if _running is None:
        _running = _Running()  # created in the GUI thread, where start_task is called
    _running.hold(task)
    QThreadPool.globalInstance().start(task)
    return task
