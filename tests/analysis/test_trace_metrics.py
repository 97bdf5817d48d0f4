"""Traces record what the engine computed; metrics equal independent computations."""

import numpy as np
import pytest

from nnviz.analysis.trace import backward_trace, forward_trace
from nnviz.engine.gradcheck import numerical_gradient, relative_error
from nnviz.engine.losses import get_loss, softmax
from nnviz.engine.metrics import (
    confusion_matrix,
    evaluate,
    inactive_fraction,
    per_class_accuracy,
)
from nnviz.engine.network import MLP


@pytest.fixture
def net():
    return MLP((784, 16, 12, 10), ["relu", "sigmoid"], seed=0, dtype=np.float64)


def test_forward_trace_matches_the_equations(net):
    x = np.random.default_rng(1).random(784)
    tr = forward_trace(net, x)
    assert len(tr.layers) == 3
    a = x[None, :]
    for rec, layer in zip(tr.layers, net.layers):
        assert np.array_equal(rec.x, a)
        assert np.allclose(rec.z, a @ rec.W.T + rec.b)
        assert np.allclose(rec.a, layer.activation.forward(rec.z))
        assert not rec.a.flags.writeable and rec.delta is None
        a = rec.a
    assert [r.z.shape for r in tr.layers] == [(1, 16), (1, 12), (1, 10)]
    assert np.allclose(tr.probabilities, softmax(tr.layers[-1].a))
    assert tr.probabilities.sum() == pytest.approx(1.0)
    assert net.layers[0].x is None  # caches cleared after tracing


def test_backward_trace_deltas_and_gradients(net):
    rng = np.random.default_rng(2)
    x, y = rng.random(784), 3
    tr = backward_trace(net, x, y, "cross_entropy")
    p = tr.probabilities[0]
    onehot = np.eye(10)[y]
    assert np.allclose(tr.layers[-1].delta[0], p - onehot)
    assert tr.loss == pytest.approx(-np.log(p[y]))
    for l in range(2, 0, -1):  # δˡ = (δˡ⁺¹ · Wˡ⁺¹) ⊙ f'(zˡ)
        up, rec = tr.layers[l], tr.layers[l - 1]
        fprime = net.layers[l - 1].activation.derivative(rec.z, rec.a)
        assert np.allclose(rec.delta, (up.delta @ up.W) * fprime)
    for rec in tr.layers:
        assert np.allclose(rec.dW, rec.delta.T @ rec.x) and np.allclose(rec.db, rec.delta.sum(0))
    # And they are the true gradients (finite differences on W¹ rows and the pixels).
    f = lambda: get_loss("cross_entropy").value(net.logits(x[None]), np.array([y]))  # noqa: E731
    idx = rng.choice(16 * 784, 60, replace=False)
    num = numerical_gradient(f, net.layers[0].W, indices=idx)
    assert relative_error(tr.layers[0].dW, num) < 1e-6
    xin = x.copy()
    g = lambda: get_loss("cross_entropy").value(net.logits(xin[None]), np.array([y]))  # noqa: E731
    assert relative_error(tr.input_grad[0], numerical_gradient(g, xin)) < 1e-6


def test_confusion_matrix_and_per_class_accuracy_by_hand():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    c = confusion_matrix(y_true, y_pred, 4)
    loop = np.zeros((4, 4), int)
    for t, p in zip(y_true, y_pred):
        loop[t, p] += 1
    assert np.array_equal(c, loop)
    acc = per_class_accuracy(c)
    assert np.allclose(acc[:3], [0.5, 1.0, 2 / 3]) and np.isnan(acc[3])


def test_evaluate_in_batches_equals_one_pass(net):
    rng = np.random.default_rng(3)
    x, y = rng.random((257, 784)), rng.integers(0, 10, 257)
    ev = evaluate(net, x, y, batch_size=50)
    p = softmax(net.logits(x))
    assert np.array_equal(ev.predictions, p.argmax(1))
    assert ev.accuracy == pytest.approx(np.mean(p.argmax(1) == y))
    assert ev.loss == pytest.approx(-np.mean(np.log(p[np.arange(257), y])))
    assert ev.confusion.sum() == 257 and ev.n == 257


def test_inactive_fraction_counts_dead_relus():
    net = MLP((4, 5, 2), "relu", seed=0, dtype=np.float64)
    net.layers[0].b[:2] = -100.0  # two units can never switch on
    net.layers[0].b[2:] = 100.0
    assert inactive_fraction(net, np.random.default_rng(0).random((20, 4))) == [pytest.approx(0.4)]
