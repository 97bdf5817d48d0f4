"""Traces of a convolutional network: every layer's input, z, a, δ, dW, db and the gradient
it passes down, as (m, C, H, W) maps, and max pooling's argmax."""

import numpy as np

from nnviz.analysis.trace import backward_trace, forward_trace
from nnviz.engine.convnet import ConvNet
from nnviz.engine.gradcheck import numerical_gradient, relative_error
from nnviz.engine.losses import get_loss

ARCH = "conv3k3,maxpool2,conv2k3s2valid,flatten,dense5,dense4"


def _net():
    net = ConvNet((8, 8, 2), ARCH, init="xavier", seed=2, dtype=np.float64)
    net.theta += 0.1 * np.random.default_rng(2).standard_normal(net.theta.size)
    return net


def test_forward_records_every_layer_with_chw_shapes():
    net = _net()
    x = np.random.default_rng(0).random((3, 128))
    t = forward_trace(net, x)
    assert [r.kind for r in t.layers] == ["conv", "pool", "conv", "flatten", "dense", "dense"]
    assert [r.index for r in t.layers] == [1, 0, 2, 0, 3, 4]
    assert [r.shape for r in t.layers] == [(3, 8, 8), (3, 4, 4), (2, 1, 1), (2,), (5,), (4,)]
    assert t.layers[0].x.shape == (3, 2, 8, 8) and t.layers[0].W.shape == (3, 2, 3, 3)
    assert t.layers[1].W is None and t.layers[1].activation == "pool2"
    # The conv record's z is the definition's, channel first.
    maps = x.reshape(3, 8, 8, 2)
    W = net.layers[0].W  # (C_out, k, k, C_in)
    padded = np.pad(maps, ((0, 0), (1, 1), (1, 1), (0, 0)))
    z00 = np.einsum("nijc,oijc->no", padded[:, 2:5, 3:6], W) + net.layers[0].b
    np.testing.assert_allclose(t.layers[0].z[:, :, 2, 3], z00, rtol=1e-12)
    np.testing.assert_allclose(t.layers[0].a, np.maximum(t.layers[0].z, 0))
    np.testing.assert_allclose(t.probabilities.sum(axis=1), 1)
    assert all(L.x is None for L in net.stack)  # caches cleared


def test_pooling_argmax_points_at_the_maximum_of_each_window():
    net = _net()
    t = forward_trace(net, np.random.default_rng(1).random((2, 128)))
    pool = t.layers[1]
    flat_in = pool.x.reshape(2, 3, 64)
    picked = np.take_along_axis(flat_in, pool.argmax.reshape(2, 3, 16), axis=2).reshape(2, 3, 4, 4)
    np.testing.assert_array_equal(picked, pool.a)
    rows, cols = np.divmod(pool.argmax, 8)
    assert np.all(rows // 2 == np.arange(4)[:, None]) and np.all(cols // 2 == np.arange(4))


def test_backward_records_deltas_gradients_and_what_each_layer_passes_down():
    net = _net()
    rng = np.random.default_rng(3)
    x, y = rng.random((2, 128)), np.array([1, 3])
    t = backward_trace(net, x, y)
    loss = get_loss("cross_entropy")
    numeric = numerical_gradient(lambda: loss.value(net.logits(x), y), x)
    assert relative_error(t.input_grad, numeric) < 1e-6
    conv1, pool, conv2, flat, d1, d2 = t.layers
    assert conv1.dW.shape == (3, 2, 3, 3) and conv1.db.shape == (3,)
    assert conv1.delta.shape == (2, 3, 8, 8) and pool.delta is None
    # What a layer passes down is what the layer below receives: δ = grad ⊙ f'(z).
    np.testing.assert_allclose(conv1.delta, pool.grad_in * (conv1.z > 0))
    np.testing.assert_allclose(d1.delta, d2.grad_in * (d1.z > 0))
    # Flatten passes d1's input gradient back as the map it came from (NHWC order).
    np.testing.assert_allclose(np.moveaxis(flat.grad_in, 1, 3).reshape(2, -1), d1.grad_in)
    assert flat.grad_in.shape == (2, 2, 1, 1) and conv1.grad_in.shape == (2, 2, 8, 8)
    # Max pooling routes δ to its argmax only.
    routed = np.zeros((2, 3, 64))
    np.put_along_axis(routed, pool.argmax.reshape(2, 3, 16), conv2.grad_in.reshape(2, 3, 16),
                      axis=2)
    np.testing.assert_allclose(pool.grad_in.reshape(2, 3, 64), routed)
    # dW of the first conv agrees with the engine's gradient for the same batch.
    net.loss_and_gradients(x, y)
    np.testing.assert_allclose(conv1.dW, np.moveaxis(net.layers[0].dW, 3, 1))
