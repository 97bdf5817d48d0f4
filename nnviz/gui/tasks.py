"""Running a plain function off the GUI thread, with its result, error and progress
delivered back as signals (queued into the GUI thread)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    done = Signal(object)
    error = Signal(str)
    progress = Signal(object, object)  # (done, total) — total may be None


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
        except RuntimeError:
            pass  # the receiver's side was deleted meanwhile (window closed): nobody to tell


def start_task(task: Task) -> Task:
    QThreadPool.globalInstance().start(task)
    return task
