"""Backpropagation against centred finite differences in float64, for every combination."""

import numpy as np
import pytest

from nnviz.analysis.trace import backward_trace
from nnviz.engine.gradcheck import numerical_gradient, relative_error
from nnviz.engine.losses import get_loss
from nnviz.engine.network import MLP

ACTIVATIONS = ["relu", "leaky_relu", "sigmoid", "tanh", "identity"]
LOSSES = ["cross_entropy", "mse"]
SHAPES = [(7, 5, 3), (7, 6, 5, 4), (9, 8, 3, 6, 4)]
TOL = 1e-6


def _problem(sizes, activation, seed=0, m=5):
    rng = np.random.default_rng(seed)
    net = MLP(sizes, activation, init="xavier", seed=seed, dtype=np.float64)
    # Non-zero biases so no unit sits exactly at a ReLU kink; inputs ~ pixels.
    net.theta += 0.1 * rng.standard_normal(net.theta.size)
    x = rng.random((m, sizes[0]))
    y = rng.integers(0, sizes[-1], m)
    return net, x, y


@pytest.mark.parametrize("sizes", SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_parameter_gradients_match_finite_differences(activation, loss, sizes):
    net, x, y = _problem(sizes, activation)
    loss_fn = get_loss(loss)
    net.loss_and_gradients(x, y, loss_fn)
    analytic = {k: v.copy() for k, v in net.gradients().items()}
    f = lambda: loss_fn.value(net.logits(x), y)  # noqa: E731
    for key, p in net.parameters().items():
        numeric = numerical_gradient(f, p)
        assert relative_error(analytic[key], numeric) < TOL, key
        # The check must be able to fail: a wrong gradient is far off.
        assert relative_error(analytic[key] * 1.001, numeric) > 1e-4


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_input_gradient_matches_finite_differences(activation, loss):
    net, x, y = _problem((10, 8, 6, 4), activation, seed=3, m=3)
    trace = backward_trace(net, x, y, loss)
    loss_fn = get_loss(loss)
    numeric = numerical_gradient(lambda: loss_fn.value(net.logits(x), y), x)
    assert trace.input_grad.shape == x.shape
    assert relative_error(trace.input_grad, numeric) < TOL


def test_dropout_gradient_with_a_fixed_mask():
    net, x, y = _problem((7, 6, 5, 3), "relu", seed=5)
    loss_fn = get_loss("cross_entropy")

    def loss_with_mask():
        return loss_fn.value(net.forward(x, 0.3, np.random.default_rng(42)), y)

    net.loss_and_gradients(x, y, loss_fn, dropout=0.3, rng=np.random.default_rng(42))
    analytic = net.grad.copy()
    numeric = numerical_gradient(loss_with_mask, net.theta)
    assert relative_error(analytic, numeric) < TOL
    # Dropout really dropped something: the gradient differs from the no-dropout one.
    net.loss_and_gradients(x, y, loss_fn)
    assert relative_error(net.grad, analytic) > 1e-3


def test_leaky_relu_slope_is_used():
    net, x, y = _problem((6, 5, 3), "leaky_relu", seed=2)
    z1 = net.logits(x)
    net.layers[0].activation.slope = 0.2
    assert not np.allclose(net.logits(x), z1)


def test_relative_error_of_wrong_gradient_is_large():
    g = np.array([1.0, -2.0, 3.0])
    assert relative_error(g, g) == 0.0
    assert relative_error(g, -g) == pytest.approx(1.0)
