"""The evaluation view's computations, off the GUI thread, in two lanes (evaluations and
robustness curves, :class:`~nnviz.gui.workers.tasks.Lane`): a newer request supersedes the
lane's older one, whose result is dropped, and a superseded robustness computation stops at
its next level.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import robustness_curves
from nnviz.gui.workers.tasks import Lane, Task

ROBUSTNESS_N = 2000  # test images per robustness point: ±1 % of binomial noise, ~0.5 s in all


@dataclass(frozen=True)
class Evaluated:
    """An evaluation of ``net`` (an MLP or a ConvNet) on the test set, for the request ``key``."""

    key: Hashable
    evaluation: Evaluation
    net: Any


@dataclass(frozen=True)
class RobustnessReady:
    """:func:`robustness_curves` (kind → (levels, accuracies)) for the request ``key``."""

    key: Hashable
    curves: dict[str, tuple[np.ndarray, np.ndarray]]


class EvaluationJobs(QObject):
    """Runs evaluations and robustness curves, the newest request of each kind winning.

    Signals
    -------
    evaluated(Evaluated)
        The newest evaluation request's answer.
    robustness_ready(RobustnessReady)
        The newest robustness request's curves.
    robustness_progress(int, int)
        Levels done and in all, of the newest robustness request.
    failed(str)
        The newest request raised; the message is for a person.
    """

    evaluated = Signal(object)
    robustness_ready = Signal(object)
    robustness_progress = Signal(int, int)
    failed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.lanes = {"eval": Lane(self), "robust": Lane(self)}

    @property
    def busy(self) -> bool:
        """An evaluation or robustness request has not delivered its result yet."""
        return any(lane.running for lane in self.lanes.values())

    @property
    def dropped(self) -> int:
        """Answers and progress reports thrown away because a newer request had been made."""
        return sum(lane.dropped for lane in self.lanes.values())

    def evaluate(self, key, make_net: Callable, x: np.ndarray, y: np.ndarray, loss: str) -> None:
        """Evaluate ``make_net()`` (called in the worker: building a network from a snapshot
        takes a few ms) on ``x``, ``y``; supersedes any earlier evaluation request."""
        def run(task: Task[Evaluated, None]) -> Evaluated:
            net = make_net()
            return Evaluated(key, Evaluation.compute(net, x, y, loss), net)
        self.lanes["eval"].start(Task(run), done=self.evaluated.emit, failed=self.failed.emit)

    def robustness(self, key, net, x: np.ndarray, y: np.ndarray, n: int = ROBUSTNESS_N,
                   seed: int = 0, image_shape=(28, 28)) -> None:
        """Robustness curves of ``net`` (not modified by anyone while this runs)."""
        def run(task: Task[RobustnessReady, None]) -> RobustnessReady:
            curves = robustness_curves(net, x, y, n=n, seed=seed, image_shape=image_shape,
                                       progress=task.report,
                                       should_stop=lambda: task.stop_requested)
            task.check()  # stopped early: the curves are incomplete
            return RobustnessReady(key, curves)
        self.lanes["robust"].start(
            Task(run), done=self.robustness_ready.emit, failed=self.failed.emit,
            progress=lambda done, total: self.robustness_progress.emit(int(done), int(total)))

    def cancel(self) -> None:
        """Supersede every request: their results will be dropped, robustness stops early."""
        for lane in self.lanes.values():
            lane.supersede()
