"""The one place that starts the window's helper processes: spawned (never forked) and with
one BLAS thread, each with a command pipe in and a message pipe out.

Ctrl+C in a terminal sends SIGINT to the whole process group: the helpers ignore it (from
before their interpreter starts: SIGINT is blocked while they are spawned, and the mask is
inherited), so only the window decides, and it ends them as on any close. Before, each printed
a ``KeyboardInterrupt`` traceback."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable

BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def single_threaded_blas():
    """Start child processes with one BLAS thread: the GUI needs the other core, and a
    multi-threaded BLAS whose threads wait on each other at every barrier slows down badly
    when one of them is preempted (measured: 7× slower steps with one core busy)."""
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARS}
    os.environ.update({k: "1" for k in BLAS_THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class ServerProcess:
    """``target(commands, messages, *args)`` in a child process, not yet started.

    Parameters
    ----------
    target : callable
        The server loop; it receives the child's ends of the two pipes, then ``args``.
    *args
        Pickled into the child when :meth:`start` is called.
    name : str
        The process name (shown by ``ps``).

    Attributes
    ----------
    process : multiprocessing.Process
    commands : Connection
        The parent's end for sending commands (usable before :meth:`start`: they wait in
        the pipe).
    messages : Connection
        The parent's end for receiving what the server sends.
    """

    def __init__(self, target: Callable, *args, name: str):
        ctx = multiprocessing.get_context("spawn")  # fork would copy Qt's threads and locks
        cmd_in, self.commands = ctx.Pipe(duplex=False)
        self.messages, msg_out = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_serve, args=(target, cmd_in, msg_out, *args),
                                   name=name, daemon=True)
        self._child_ends = (cmd_in, msg_out)

    def start(self) -> None:
        """Start the child with one BLAS thread (this pickles ``args``: call it off the GUI
        thread when they are large), then close the child's ends here, so a dead child is
        seen as end-of-file."""
        with single_threaded_blas(), _sigint_blocked():
            self.process.start()
        for end in self._child_ends:
            end.close()

    def end(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the child to end, then terminate it."""
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)


@contextlib.contextmanager
def _sigint_blocked():
    """Block SIGINT in this thread while a child is spawned: the child inherits the mask, so a
    Ctrl+C during its start-up (imports) cannot interrupt it either."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no process groups to signal
        yield
        return
    # Spawning starts multiprocessing's resource tracker first, which unblocks SIGINT when it
    # is up (its own start blocks it): start it before, so the mask below holds.
    from multiprocessing import resource_tracker
    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _serve(target: Callable, *args) -> None:
    """The child's entry: ignore SIGINT (the window ends its helpers), then serve."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored now: harmless
    target(*args)
