"""Maps computed in a child process: jobs in over one pipe, progress and maps out over another.

:func:`serve` is the child's main loop. It runs one job at a time; a newer job, a cancel or
``quit`` arriving meanwhile stops the one under way at its next progress report (t-SNE's
neighbour search, up to ~1 s for 5,000 points, cannot be interrupted). Every job gets
exactly one final answer, so the other side can count what is still running.

Commands: a :class:`MapJob`, :class:`~nnviz.runtime.messages.CancelJob`,
:class:`~nnviz.runtime.messages.Quit`. Messages: :class:`~nnviz.runtime.messages.MapProgress`,
then one of :class:`~nnviz.runtime.messages.MapResult`, :class:`~nnviz.runtime.messages.MapFailed`
or :class:`~nnviz.runtime.messages.MapCancelled`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from nnviz.analysis.embedding import Cancelled, LayerMap, map_layer
from nnviz.runtime.messages import CancelJob, MapCancelled, MapFailed, MapProgress, MapResult, Quit


@dataclass(frozen=True)
class MapJob:
    """One map to compute: the network (architecture and parameters, as in a checkpoint) and
    the images ``x`` (n, n_in) already chosen, mapped at ``layer`` by ``method``; with
    ``previous`` (n, 2), the coordinates of an earlier map of the same images, to follow
    (see :func:`~nnviz.analysis.embedding.map_layer`)."""

    job_id: int
    arch: dict
    params: dict
    x: np.ndarray
    layer: int
    method: str
    seed: int = 0
    previous: np.ndarray | None = None

    @classmethod
    def of(cls, job_id: int, net, x, layer: int, method: str, seed: int = 0,
           previous=None) -> "MapJob":
        params = {k: np.array(v) for k, v in net.parameters().items()}
        if previous is not None:
            previous = np.array(previous, dtype=np.float64)
        return cls(job_id, net.architecture(), params, np.ascontiguousarray(x), layer, method,
                   seed, previous)


def run_job(job: MapJob, progress, should_stop) -> LayerMap:
    """The map of ``job`` (any process); ``indices`` of the result count rows of ``job.x``."""
    from nnviz.engine.network import MLP
    net = MLP.from_architecture(job.arch, job.params)
    return map_layer(net, job.x, np.arange(len(job.x)), job.layer, job.method, seed=job.seed,
                     progress=progress, should_stop=should_stop, previous=job.previous)


class _Inbox:
    """The commands that arrived while a job ran: the newest map, a cancel, a quit."""

    def __init__(self, commands, messages):
        self.commands, self.messages = commands, messages
        self.next: MapJob | Quit | None = None  # the command to handle after the current job

    def interrupts(self, job_id: int) -> bool:
        """Read what has arrived; True if the job ``job_id`` must stop."""
        stop = False
        while self.commands.poll():
            cmd = self.commands.recv()
            if isinstance(cmd, CancelJob):
                stop = stop or cmd.job_id == job_id
                continue
            if isinstance(self.next, MapJob):
                self.messages.send(MapCancelled(self.next.job_id))  # replaced unstarted
            if not isinstance(self.next, Quit):
                self.next = cmd
            stop = True
        return stop


def _preload() -> None:
    import openTSNE  # noqa: F401 - ~1 s (scikit-learn), better spent before the first t-SNE


def serve(commands, messages) -> None:
    """Child-process main: compute maps until :class:`Quit` or the pipe closes."""
    threading.Thread(target=_preload, name="preload", daemon=True).start()
    inbox = _Inbox(commands, messages)
    while True:
        if inbox.next is not None:
            cmd, inbox.next = inbox.next, None
        else:
            try:
                cmd = commands.recv()
            except (EOFError, OSError):
                return
        if isinstance(cmd, Quit):
            return
        if not isinstance(cmd, MapJob):
            continue  # a cancel for a job already answered
        job = cmd
        try:
            result = run_job(job, lambda d, t, i=job.job_id: messages.send(MapProgress(i, d, t)),
                             lambda i=job.job_id: inbox.interrupts(i))
        except Cancelled:
            messages.send(MapCancelled(job.job_id))
        except Exception as exc:  # noqa: BLE001 - reported, and the process goes on
            messages.send(MapFailed(job.job_id, str(exc) or type(exc).__name__))
        else:
            messages.send(MapResult(job.job_id, result))
