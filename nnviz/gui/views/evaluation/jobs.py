"""The evaluation view's computations, off the GUI thread: a newer request supersedes older ones.

Each request gets a generation number; a result that comes back with an older number is
dropped (and counted in ``dropped``), and a superseded robustness computation stops at its
next level. Tasks run in Qt's global thread pool (:mod:`nnviz.gui.workers.tasks`) and stay referenced
until their result is delivered, even if the view goes away first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import robustness_curves
from nnviz.gui.workers.tasks import Task, start_task

ROBUSTNESS_N = 2000  # test images per robustness point: ±1 % of binomial noise, ~0.5 s in all


class EvaluationJobs(QObject):
    """Runs evaluations and robustness curves one generation at a time.

    Signals
    -------
    evaluated(object)
        ``(key, evaluation, net)`` of the newest evaluation request.
    robustness_ready(object)
        ``(key, curves)``: :func:`robustness_curves` of the newest robustness request.
    robustness_progress(int, int)
        Levels done and in all, of the newest robustness request.
    failed(str)
        The newest request raised; the message is for a person.

    Attributes
    ----------
    dropped : int
        Results thrown away because a newer request had been made.
    """

    evaluated = Signal(object)
    robustness_ready = Signal(object)
    robustness_progress = Signal(int, int)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._gen = {"eval": 0, "robust": 0}
        self._pending = {"eval": False, "robust": False}
        self.dropped = 0

    @property
    def busy(self) -> bool:
        """An evaluation or robustness request has not delivered its result yet."""
        return any(self._pending.values())

    def evaluate(self, key, make_net: Callable, x: np.ndarray, y: np.ndarray, loss: str) -> None:
        """Evaluate ``make_net()`` (called in the worker: building a network from a snapshot
        takes a few ms) on ``x``, ``y``; supersedes any earlier evaluation request."""
        gen = self._next("eval")

        def run(progress):
            net = make_net()
            return key, Evaluation.compute(net, x, y, loss), net
        self._start(gen, "eval", run, self._on_evaluated)

    def robustness(self, key, net, x: np.ndarray, y: np.ndarray, n: int = ROBUSTNESS_N,
                   seed: int = 0, image_shape=(28, 28)) -> None:
        """Robustness curves of ``net`` (not modified by anyone while this runs)."""
        gen = self._next("robust")
        gens = self._gen  # the plain dict, not this QObject, is read from the worker

        def run(progress):
            curves = robustness_curves(
                net, x, y, n=n, seed=seed, image_shape=image_shape,
                progress=lambda done, total: progress((gen, done), total),
                should_stop=lambda: gens["robust"] != gen)
            return key, curves
        self._start(gen, "robust", run, self._on_robustness)

    def cancel(self) -> None:
        """Supersede every request: their results will be dropped, robustness stops early."""
        for kind in self._gen:
            self._next(kind)
            self._pending[kind] = False

    # -- plumbing ----------------------------------------------------------------------------

    def _next(self, kind: str) -> int:
        self._gen[kind] += 1
        self._pending[kind] = True
        return self._gen[kind]

    def _start(self, gen: int, kind: str, fn: Callable, slot) -> None:
        def guarded(progress):
            # Never raise: ``done`` always arrives tagged with its generation, errors too.
            try:
                return kind, gen, fn(progress), None
            except Exception as exc:  # noqa: BLE001 - shown to the user
                return kind, gen, None, str(exc) or type(exc).__name__
        task = Task(guarded)
        task.signals.done.connect(slot)
        if kind == "robust":
            task.signals.progress.connect(self._on_progress)
        start_task(task)

    def _current(self, payload) -> bool:
        kind, gen, _, error = payload
        if gen != self._gen[kind]:
            self.dropped += 1
            return False
        self._pending[kind] = False
        if error is not None:
            self.failed.emit(error)
            return False
        return True

    @Slot(object)
    def _on_evaluated(self, payload) -> None:
        if self._current(payload):
            self.evaluated.emit(payload[2])

    @Slot(object)
    def _on_robustness(self, payload) -> None:
        if self._current(payload):
            self.robustness_ready.emit(payload[2])

    @Slot(object, object)
    def _on_progress(self, tag, total) -> None:
        gen, done = tag
        if gen == self._gen["robust"]:
            self.robustness_progress.emit(int(done), int(total))
