"""A view's map requests, computed in the map process (:mod:`nnviz.gui.workers.maps`), so
the window never waits for them: each job is a task answered by the process, started in the
view's :class:`~nnviz.gui.workers.tasks.Lane`.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from PySide6.QtCore import QObject, Signal

from nnviz.engine.snapshot import frozen
from nnviz.gui.workers.maps import map_process
from nnviz.gui.workers.tasks import Lane
from nnviz.runtime.map_server import MapJob

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
        process, indices = map_process(), frozen(indices)
        self.lane.start(process.task_for(job), lambda t: process.submit(job, t),
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
