"""The window's one mechanism for background work: a :class:`Task` that reports progress, can
be cancelled and ends with one answer, and a :class:`Lane` whose one rule drops stale answers.

A task runs in Qt's global thread pool (:func:`run_in_pool`: evaluations, robustness curves,
the explorer's accuracies), in a daemon thread of its own when it reads files
(:func:`run_in_daemon_thread`: loading a dataset or a model, whose read may wait on the operating
system for ever, and the application's exit must not wait for it), or in a helper process that
answers through it (the map process, :mod:`nnviz.gui.workers.maps`). Either way its signals
arrive in the GUI thread, and it ends with exactly one of ``done``, ``failed`` or
``cancelled``, then ``ended``.

The stale rule: a view starts its tasks in a :class:`Lane`. Starting a task supersedes the
lane's current one (it is cancelled, and whatever it still says is dropped), so only the
newest task of a lane reaches the view. When the lane's owner is deleted, its tasks are
cancelled.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast, overload

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class Cancelled(Exception):
    """Raised by :meth:`Task.check` in the work when the task has been cancelled."""


T = TypeVar("T")  # a task's result
C = TypeVar("C")  # what its caller gave it to remember

# The only attributes a Task has (besides Qt's): what its caller needs goes in its context.
_ATTRIBUTES = frozenset({"_fn", "_context", "_on_cancel", "stop_requested", "is_ended",
                         "is_delivered"})


class Task(QObject, Generic[T, C]):
    """One piece of background work with a result of type ``T``, created and connected in the
    GUI thread.

    Parameters
    ----------
    fn : callable, optional
        ``fn(task) -> T``, run by :func:`run_in_pool` off the GUI thread. It may call
        ``task.report(done, total)`` and ``task.check()`` (or read ``task.stop_requested``)
        at its own pace. A task answered by a process has no ``fn``: the process's relay calls
        :meth:`succeed`, :meth:`fail` or :meth:`confirm_cancelled` in the GUI thread.
    context : C, optional
        What the caller needs when the answer comes (a frozen dataclass, an id): read back as
        :attr:`context`, typed. A task takes no other attributes (setting one raises
        ``AttributeError``), so nothing is bolted on from outside.
    on_cancel : callable, optional
        Called once by :meth:`cancel` (e.g. to tell a process to stop the work).

    Signals
    -------
    progress(object, object)
        ``(done, total)``; ``total`` may be None.
    done(object)
        The result, a ``T``.
    failed(str)
        The work raised; the message is for a person.
    cancelled()
        The work stopped after :meth:`cancel`.
    ended()
        After the one answer above: the task may be let go.
    """

    progress = Signal(object, object)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal()

    @overload
    def __init__(self: Task[T, None], fn: Callable[[Task[T, None]], T] | None = None, *,
                 on_cancel: Callable[[], None] | None = None) -> None: ...

    @overload
    def __init__(self, fn: Callable[[Task[T, C]], T] | None = None, *, context: C,
                 on_cancel: Callable[[], None] | None = None) -> None: ...

    def __init__(self, fn=None, *, context=None, on_cancel=None):
        super().__init__()
        self._fn = fn
        self._context = context
        self._on_cancel = on_cancel
        self.stop_requested = False  # a plain bool: read by the work in its own thread
        self.is_ended = False  # set by the work's thread as it answers
        # Set in the GUI thread once the answer and ``ended`` have been delivered there: what
        # GUI code must look at (``is_ended`` turns True before any receiver has run).
        self.is_delivered = False
        self.ended.connect(self._on_delivered)

    def __setattr__(self, name: str, value) -> None:
        if name not in _ATTRIBUTES:
            raise AttributeError(f"a Task has no attribute {name!r}: pass what the caller "
                                 f"needs as its context")
        super().__setattr__(name, value)

    @property
    def context(self) -> C:
        """What the caller gave the task to remember (None if nothing)."""
        return self._context

    def report(self, done, total=None) -> None:
        """Progress, from the work's thread (queued to the GUI thread)."""
        self.progress.emit(done, total)

    def check(self) -> None:
        """Raise :class:`Cancelled` once the task has been cancelled."""
        if self.stop_requested:
            raise Cancelled

    def cancel(self) -> None:
        """Ask the work to stop; ``cancelled`` follows when it has (unless it finished first)."""
        if not self.stop_requested and not self.is_ended:
            self.stop_requested = True
            if self._on_cancel is not None:
                self._on_cancel()

    # -- the one answer, then ``ended`` --------------------------------------------------------

    def succeed(self, result: T) -> None:
        """End the task with its result."""
        self.is_ended = True
        self.done.emit(result)
        self.ended.emit()

    def fail(self, message: str) -> None:
        """End the task with a message for a person."""
        self.is_ended = True
        self.failed.emit(message)
        self.ended.emit()

    def confirm_cancelled(self) -> None:
        """End the task as stopped after :meth:`cancel`."""
        self.is_ended = True
        self.cancelled.emit()
        self.ended.emit()

    @Slot()
    def _on_delivered(self) -> None:
        self.is_delivered = True

    def run(self) -> None:
        """Run ``fn`` here and answer: in a pool thread (see :func:`run_in_pool`)."""
        fn, self._fn = self._fn, None  # its closure may hold a snapshot: let it go with the run
        if fn is None:
            raise RuntimeError("this task has no work to run (or has run it already)")
        try:
            try:
                result = fn(self)
            except Cancelled:
                self.confirm_cancelled()
            except Exception as exc:  # noqa: BLE001 - reported to the user, never a crash
                self.fail(str(exc) or type(exc).__name__)
            else:
                self.succeed(result)
        except RuntimeError:
            pass  # the task's C++ side is gone (application quitting): nobody to tell


class _Runnable(QRunnable):
    def __init__(self, task: Task[Any, Any]):
        super().__init__()
        self.task: Task[Any, Any] | None = task

    def run(self) -> None:
        # Qt may keep this runnable's Python side after the run (measured: every ended task
        # stayed alive with its closure, ~1.5 MB a snapshot): hold nothing past it.
        task, self.task = self.task, None
        if task is not None:
            task.run()


class _Keeper(QObject):
    """Holds started tasks until they have ended: the work must not outlive its task, and
    the object that started one may be gone before the answer arrives."""

    def __init__(self):
        super().__init__()
        self.tasks: set[Task[Any, Any]] = set()

    def hold(self, task: Task[Any, Any]) -> None:
        self.tasks.add(task)
        task.ended.connect(self.release)

    @Slot()
    def release(self) -> None:
        self.tasks.discard(self.sender())


_keeper: _Keeper | None = None


def keep_until_ended(task: Task[T, C]) -> Task[T, C]:
    """Keep ``task`` referenced until it has ended (call in the GUI thread)."""
    global _keeper
    if _keeper is None:
        _keeper = _Keeper()
    _keeper.hold(task)
    return task


def run_in_pool(task: Task[T, C]) -> Task[T, C]:
    """Run the task's work in Qt's global thread pool; the task is kept until it has ended."""
    keep_until_ended(task)
    QThreadPool.globalInstance().start(_Runnable(task))
    return task


def run_in_daemon_thread(task: Task[T, C]) -> Task[T, C]:
    """Run the task's work in a daemon thread of its own; the task is kept until it has ended.

    For work that may block in the operating system (a read from a file system that hangs):
    Qt's pool waits for every running task when the application ends, a daemon thread is
    simply left behind by the exiting interpreter. Its signals reach the GUI thread as the
    pool's do (queued: the task lives there).
    """
    keep_until_ended(task)
    threading.Thread(target=task.run, name="nnviz-task", daemon=True).start()
    return task


def _cancel_all(tasks: set) -> None:
    for task in list(tasks):
        if shiboken6.isValid(task):
            task.cancel()


class Lane(QObject):
    """Tasks of one kind for one view, one at a time as far as the view can tell.

    Parameters
    ----------
    parent : QObject
        The owner; when it is deleted, the lane's unfinished tasks are cancelled.

    Attributes
    ----------
    current : Task or None
        The newest task: the only one whose signals reach the receivers.
    dropped : int
        Answers of superseded tasks that were thrown away (their progress reports are
        dropped too, uncounted).
    """

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.current: Task[Any, Any] | None = None
        self.dropped = 0
        self._receivers: dict[Task[Any, Any], dict[str, Callable | None]] = {}
        # A plain set, reachable after this QObject is gone.
        self._unfinished: set[Task[Any, Any]] = set()
        self.destroyed.connect(functools.partial(_cancel_all, self._unfinished))

    @property
    def busy(self) -> bool:
        """Some task of this lane has not ended (a superseded one until it has stopped)."""
        return bool(self._unfinished)

    @property
    def running(self) -> bool:
        """The current task has not ended."""
        return self.current is not None and self.current in self._unfinished

    def start(self, task: Task[T, C], start: Callable[[Task[T, C]], object] = run_in_pool, *,
              done: Callable[[T], object] | None = None,
              failed: Callable[[str], object] | None = None,
              progress: Callable[[Any, Any], object] | None = None,
              cancelled: Callable[[], object] | None = None) -> Task[T, C]:
        """Supersede the current task, then ``start(task)`` with these receivers, called in
        the GUI thread while ``task`` is the current one."""
        self.supersede()
        self.current = task
        self._receivers[task] = {"done": done, "failed": failed, "progress": progress,
                                 "cancelled": cancelled}
        self._unfinished.add(task)
        task.progress.connect(self._on_progress)
        task.done.connect(self._on_done)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        task.ended.connect(self._on_ended)
        start(task)
        return task

    def supersede(self) -> None:
        """Cancel the current task without a word: nothing it says reaches the receivers."""
        if self.current is not None:
            self.current.cancel()
        self.current = None

    def cancel(self) -> None:
        """Cancel the current task; its ``cancelled`` (or a result that beat it) is delivered."""
        if self.current is not None and self.running:
            self.current.cancel()

    def _deliver(self, kind: str, *args) -> None:
        task = cast("Task[Any, Any]", self.sender())
        if kind != "progress":  # its answer: no longer busy when the receiver runs ('ended'
            self._unfinished.discard(task)  # is queued behind it)
        if task is not self.current:
            self.dropped += kind != "progress"
            return
        receiver = self._receivers[task][kind]
        if receiver is not None:
            receiver(*args)

    @Slot(object, object)
    def _on_progress(self, done, total) -> None:
        self._deliver("progress", done, total)

    @Slot(object)
    def _on_done(self, result) -> None:
        self._deliver("done", result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._deliver("failed", message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._deliver("cancelled")

    @Slot()
    def _on_ended(self) -> None:
        task = cast("Task[Any, Any]", self.sender())
        self._unfinished.discard(task)
        self._receivers.pop(task, None)
