"""The evaluation equals independent computations on the same predictions."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

from nnviz.analysis.evaluation import CONFIDENT, Evaluation, threshold_curve
from nnviz.engine.config import TrainConfig
from nnviz.engine.losses import get_loss, softmax
from nnviz.engine.metrics import evaluate
from nnviz.engine.network import MLP
from nnviz.engine.training import Trainer, make_network


def bars(n=300, seed=0):
    """Class k: a bright bar at place k plus noise (learnable in a few epochs)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    img = rng.random((n, 28, 28)).astype(np.float32) * 0.3
    for i, k in enumerate(y):
        r, c = 3 + 11 * (k // 5), 3 + 5 * (k % 5)
        img[i, r:r + 10, c:c + 4] = 0.6 + 0.4 * rng.random()
    return img.reshape(n, 784), y.astype(np.int64)


@pytest.fixture(scope="module")
def trained():
    """A network that is right on most, but not all, of 500 test images, and sure of some
    of its errors: one test label in eight is wrong on purpose."""
    from nnviz.datasets import Dataset
    x_tr, y_tr = bars(400, 1)
    x_te, y_te = bars(500, 2)
    y_te[::8] = (y_te[::8] + 3) % 10
    ds = Dataset("bars", tuple(map(str, range(10))), x_tr, y_tr, x_tr[:0], y_tr[:0], x_te, y_te)
    cfg = TrainConfig(hidden=(16,), batch_size=50, epochs=1, lr=2e-2, seed=0)
    trainer = Trainer(make_network(cfg, 784, 10), ds, cfg)
    for _ in range(36):
        trainer.step()
    return trainer.net, x_te, y_te


@pytest.fixture(scope="module")
def ev(trained):
    net, x, y = trained
    return Evaluation.compute(net, x, y, "cross_entropy", batch_size=64)


def test_predictions_loss_and_summary_equal_a_direct_computation(trained, ev):
    net, x, y = trained
    z = net.logits(x)
    p = softmax(z)
    np.testing.assert_allclose(ev.probabilities, p, rtol=1e-5, atol=1e-6)  # BLAS in batches
    np.testing.assert_array_equal(ev.predictions, p.argmax(1))
    np.testing.assert_allclose(ev.confidence, p.max(1), rtol=1e-5)
    assert ev.loss == pytest.approx(get_loss("cross_entropy").value(z, y), rel=1e-5)
    assert ev.loss == pytest.approx(evaluate(net, x, y).loss, rel=1e-6)  # metrics agrees
    right = [int(np.argmax(p[i]) == y[i]) for i in range(len(y))]
    assert ev.accuracy == sum(right) / len(y)
    assert 0.6 < ev.accuracy < 0.95, "the fixture must make some errors and get most right"
    assert ev.n_errors == len(y) - sum(right) == len(ev.misclassified)
    assert ev.mean_confidence == pytest.approx(float(np.mean(p.max(1), dtype=np.float64)), rel=1e-6)
    wrong = [i for i in range(len(y)) if not right[i]]
    assert ev.n_confident_errors == sum(1 for i in wrong if p[i].max() >= CONFIDENT) > 0
    assert (ev.n, ev.n_classes) == (500, 10)


def test_mse_loss_is_the_trained_loss(trained):
    net, x, y = trained
    ev = Evaluation.compute(net, x, y, "mse")
    assert ev.loss_name == "mse"
    assert ev.loss == pytest.approx(get_loss("mse").value(net.logits(x), y), rel=1e-5)


def test_confusion_and_per_class_accuracy_equal_plain_loops(ev):
    y, pred = ev.labels, ev.predictions
    counts = np.zeros((10, 10), dtype=np.int64)
    for t, p in zip(y, pred):
        counts[t, p] += 1
    np.testing.assert_array_equal(ev.confusion, counts)
    also = np.zeros((10, 10), dtype=np.int64)
    np.add.at(also, (y, pred), 1)
    np.testing.assert_array_equal(ev.confusion, also)
    for k in range(10):
        members = [i for i in range(len(y)) if y[i] == k]
        assert ev.per_class_accuracy[k] == sum(pred[i] == k for i in members) / len(members)
        np.testing.assert_allclose(ev.confusion_normalised[k], counts[k] / len(members))
    assert ev.confusion.sum() == ev.n and np.trace(ev.confusion) == ev.n - ev.n_errors


def test_cells_hold_exactly_their_images(ev):
    for t in range(10):
        for p in range(10):
            cell = ev.cell_indices(t, p)
            assert list(cell) == [i for i in range(ev.n) if ev.labels[i] == t
                                  and ev.predictions[i] == p]
            assert len(cell) == ev.confusion[t, p]


def test_misclassified_most_confident_first(ev):
    m = ev.misclassified
    assert sorted(m) == [i for i in range(ev.n) if ev.labels[i] != ev.predictions[i]]
    c = ev.confidence[m]
    assert np.all(np.diff(c) <= 0)
    for a, b in itertools.pairwise(m):  # ties keep index order
        assert ev.confidence[a] > ev.confidence[b] or a < b


def test_threshold_coverage_and_accuracy_equal_a_direct_count(ev):
    for t in (0.0, 0.3, 0.5, 0.8, 0.9, 0.99, 1.0, float(ev.confidence[ev.misclassified[0]])):
        answered = [i for i in range(ev.n) if ev.confidence[i] >= t]
        right = sum(bool(ev.correct[i]) for i in answered)
        got = ev.at_threshold(t)
        assert got.n_answered == len(answered)
        assert got.coverage == len(answered) / ev.n
        if answered:
            assert got.accuracy == right / len(answered)
        else:
            assert np.isnan(got.accuracy)
        t_, cov, acc = ev.threshold_curve([t])
        assert t_[0] == t and cov[0] == got.coverage
        assert (np.isnan(acc[0]) and np.isnan(got.accuracy)) or acc[0] == got.accuracy
    assert ev.at_threshold(0.0).coverage == 1.0 and ev.at_threshold(0.0).accuracy == ev.accuracy


def test_threshold_curve_shape_and_monotone_coverage(ev):
    t, cov, acc = ev.threshold_curve()
    assert t.shape == cov.shape == acc.shape == (501,)
    assert t[0] == 0.0 and t[-1] == 1.0
    assert np.all(np.diff(cov) <= 0)
    assert cov[0] == 1.0


def test_threshold_curve_with_ties_and_no_answers():
    conf = np.array([0.5, 0.5, 0.9, 0.2], dtype=np.float32)
    correct = np.array([True, False, True, False])
    t, cov, acc = threshold_curve(conf, correct, [0.0, 0.5, 0.51, 0.9, 0.95])
    np.testing.assert_array_equal(t, [0.0, 0.5, 0.51, 0.9, 0.95])
    np.testing.assert_array_equal(cov, [1.0, 0.75, 0.25, 0.25, 0.0])
    np.testing.assert_array_equal(acc[:4], [0.5, 2 / 3, 1.0, 1.0])
    assert np.isnan(acc[4])
    _, cov, acc = threshold_curve(np.zeros(0), np.zeros(0, bool), [0.5])
    assert cov[0] == 0.0 and np.isnan(acc[0])


def one_hot_probabilities(pred, k=10, sure=0.8):
    p = np.full((len(pred), k), (1 - sure) / (k - 1), dtype=np.float32)
    p[np.arange(len(pred)), pred] = sure
    return p


def test_no_errors():
    y = np.arange(30) % 10
    ev = Evaluation.from_probabilities(one_hot_probabilities(y), y)
    assert ev.accuracy == 1.0 and ev.n_errors == 0 and ev.misclassified.shape == (0,)
    assert ev.n_confident_errors == 0
    np.testing.assert_array_equal(ev.confusion, 3 * np.eye(10, dtype=np.int64))
    np.testing.assert_array_equal(ev.per_class_accuracy, np.ones(10))
    assert ev.at_threshold(0.9).n_answered == 0 and np.isnan(ev.at_threshold(0.9).accuracy)
    assert np.isnan(ev.loss)


def test_all_errors_confident_and_not():
    y = np.arange(20) % 10
    pred = (y + 1) % 10
    p = one_hot_probabilities(pred, sure=0.95)
    p[:5] = one_hot_probabilities(pred[:5], sure=0.6)
    ev = Evaluation.from_probabilities(p, y)
    assert ev.accuracy == 0.0 and ev.n_errors == 20 and ev.n_confident_errors == 15
    assert list(ev.misclassified) == list(range(5, 20)) + list(range(5))
    np.testing.assert_array_equal(np.diag(ev.confusion), 0)
    assert ev.at_threshold(0.5).accuracy == 0.0


def test_one_class_absent():
    y = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 3, 2])  # nothing of class 3 in the labels
    ev = Evaluation.from_probabilities(one_hot_probabilities(pred, k=4), y)
    assert ev.confusion.shape == (4, 4) and ev.confusion[2, 3] == 1
    np.testing.assert_array_equal(ev.per_class_accuracy[:3], [0.5, 1.0, 0.5])
    assert np.isnan(ev.per_class_accuracy[3]) and np.isnan(ev.confusion_normalised[3]).all()
    assert list(ev.cell_indices(3, 3)) == [] and list(ev.cell_indices(2, 3)) == [4]


def test_arrays_are_frozen(ev):
    for name in ("labels", "probabilities", "predictions", "confidence", "correct",
                 "confusion", "confusion_normalised", "per_class_accuracy", "misclassified"):
        arr = getattr(ev, name)
        assert not arr.flags.writeable, name
        with pytest.raises(ValueError):
            arr[...] = 0


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="expected probabilities"):
        Evaluation.from_probabilities(np.ones((3, 2)), np.zeros(4, int))


def test_ten_thousand_mnist_sized_images():
    # What it costs: benchmarks/bench_costs.py ("evaluation").
    net = MLP((784, 256, 128, 10), seed=0)
    x = np.random.default_rng(0).random((10_000, 784), dtype=np.float32)
    y = np.arange(10_000) % 10
    ev = Evaluation.compute(net, x, y)
    assert ev.n == 10_000 and ev.confusion.sum() == 10_000


def test_evaluation_and_robustness_import_no_qt():
    code = ("import sys, nnviz.analysis.evaluation, nnviz.analysis.robustness; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'PySide6', 'shiboken6', 'pyqtgraph'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
