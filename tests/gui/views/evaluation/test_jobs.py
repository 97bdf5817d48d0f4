"""The evaluation view's background jobs answer with typed results: an Evaluated (the key asked
for, the engine's evaluation, the network built in the worker) and a RobustnessReady."""

import numpy as np

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import SPOILERS, robustness_curves
from nnviz.engine.network import MLP
from nnviz.gui.views.evaluation.jobs import Evaluated, EvaluationJobs, RobustnessReady


def test_an_evaluation_answers_with_its_key_the_evaluation_and_the_network(qtbot, digits):
    jobs, net = EvaluationJobs(), MLP((784, 12, 10), seed=4)
    x, y = digits.x_test, digits.y_test
    with qtbot.waitSignal(jobs.evaluated, timeout=10_000) as blocker:
        jobs.evaluate(("run", 3), lambda: net, x, y, "cross_entropy")
    result = blocker.args[0]
    assert isinstance(result, Evaluated) and result.key == ("run", 3) and result.net is net
    ref = Evaluation.compute(net, x, y, "cross_entropy")
    assert result.evaluation.accuracy == ref.accuracy and result.evaluation.n == len(y)
    np.testing.assert_array_equal(result.evaluation.misclassified, ref.misclassified)
    assert not jobs.busy


def test_robustness_answers_with_its_key_and_the_curves(qtbot, digits):
    jobs, net = EvaluationJobs(), MLP((784, 12, 10), seed=4)
    x, y = digits.x_test, digits.y_test
    with qtbot.waitSignal(jobs.robustness_ready, timeout=30_000) as blocker:
        jobs.robustness("k", net, x, y, n=len(y))
    result = blocker.args[0]
    assert isinstance(result, RobustnessReady) and result.key == "k"
    ref = robustness_curves(net, x, y, n=len(y))
    assert set(result.curves) == set(ref) == set(SPOILERS)
    for kind, (levels, accuracies) in ref.items():
        np.testing.assert_array_equal(result.curves[kind][0], levels)
        np.testing.assert_array_equal(result.curves[kind][1], accuracies)
