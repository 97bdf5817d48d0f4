"""Convolution, pooling and flatten: against plain-loop definitions and finite differences.

The loop references below follow the definitions (a sum over each output pixel's window),
so the fast im2col/GEMM path is checked against the mathematics, not against itself.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.engine.activations import get_activation
from nnviz.engine.conv import Conv2D, Pool2D
from nnviz.engine.convnet import (
    ConvNet,
    LayerSpec,
    describe_shapes,
    layer_shapes,
    parse_arch,
)
from nnviz.engine.gradcheck import numerical_gradient, relative_error
from nnviz.engine.losses import get_loss

TOL = 1e-6


# -- plain-loop references -----------------------------------------------------------------

def ref_padding(size, k, s, padding):
    if padding == "valid":
        return (size - k) // s + 1, 0
    out = -(-size // s)
    return out, max((out - 1) * s + k - size, 0) // 2


def ref_conv(x, W, b, s, padding):
    """z[n, y, x, o] = b[o] + Σ_{i,j,c} W[o, i, j, c] · x[n, y·s + i − top, x·s + j − left, c]."""
    m, h, w, c = x.shape
    co, k = W.shape[0], W.shape[1]
    ho, top = ref_padding(h, k, s, padding)
    wo, left = ref_padding(w, k, s, padding)
    z = np.zeros((m, ho, wo, co))
    for n in range(m):
        for yy in range(ho):
            for xx in range(wo):
                for o in range(co):
                    total = b[o]
                    for i in range(k):
                        for j in range(k):
                            r, q = yy * s + i - top, xx * s + j - left
                            if 0 <= r < h and 0 <= q < w:
                                total += np.dot(W[o, i, j], x[n, r, q])
                    z[n, yy, xx, o] = total
    return z


def ref_conv_backward(x, W, delta, s, padding):
    """dW, db and dx by scattering each output's δ over its window."""
    m, h, w, c = x.shape
    k = W.shape[1]
    _, top = ref_padding(h, k, s, padding)
    _, left = ref_padding(w, k, s, padding)
    dW, dx = np.zeros_like(W), np.zeros_like(x)
    db = delta.sum(axis=(0, 1, 2))
    for n in range(m):
        for yy in range(delta.shape[1]):
            for xx in range(delta.shape[2]):
                for o in range(W.shape[0]):
                    d = delta[n, yy, xx, o]
                    for i in range(k):
                        for j in range(k):
                            r, q = yy * s + i - top, xx * s + j - left
                            if 0 <= r < h and 0 <= q < w:
                                dW[o, i, j] += d * x[n, r, q]
                                dx[n, r, q] += d * W[o, i, j]
    return dW, db, dx


def ref_pool(x, p, mode):
    """Output and, for max, the gradient-routing mask of the first maximum of each window."""
    m, h, w, c = x.shape
    out = np.zeros((m, h // p, w // p, c))
    first = np.zeros(x.shape, dtype=bool)
    for n in range(m):
        for yy in range(h // p):
            for xx in range(w // p):
                for ch in range(c):
                    win = x[n, yy * p:(yy + 1) * p, xx * p:(xx + 1) * p, ch]
                    if mode == "max":
                        out[n, yy, xx, ch] = win.max()
                        r, q = np.unravel_index(np.argmax(win), win.shape)
                        first[n, yy * p + r, xx * p + q, ch] = True
                    else:
                        out[n, yy, xx, ch] = win.mean()
    return out, first


# -- the fast path against the references ---------------------------------------------------

def _conv_layer(rng, in_shape, co, k, s, padding, act="identity"):
    W = rng.standard_normal((co, k, k, in_shape[2]))
    b = rng.standard_normal(co)
    return Conv2D(W, b, np.zeros_like(W), np.zeros_like(b), get_activation(act), in_shape, s,
                  padding)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("k,h,w", [(3, 6, 7), (1, 4, 4), (2, 5, 6), (5, 7, 5)])
@pytest.mark.parametrize("c", [3, 1])  # one channel: the first layer's own patch layout
def test_conv_forward_and_backward_match_the_loop_definition(k, h, w, stride, padding, c):
    rng = np.random.default_rng(k * 100 + h * 10 + stride)
    layer = _conv_layer(rng, (h, w, c), 4, k, stride, padding)
    x = rng.standard_normal((2, h, w, c))
    z = layer.forward(x)
    expected = ref_conv(x, layer.W, layer.b, stride, padding)
    assert z.shape == expected.shape == (2, *layer.out_shape)
    np.testing.assert_allclose(z, expected, rtol=1e-10, atol=1e-10)
    delta = rng.standard_normal(z.shape)
    dx = layer.backward(delta.copy())
    dW, db, dx_ref = ref_conv_backward(x, layer.W, delta, stride, padding)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.db, db, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)


def test_same_padding_keeps_the_size_and_stride_two_halves_it():
    rng = np.random.default_rng(0)
    assert _conv_layer(rng, (28, 28, 1), 8, 5, 1, "same").out_shape == (28, 28, 8)
    assert _conv_layer(rng, (28, 28, 1), 8, 5, 1, "valid").out_shape == (24, 24, 8)
    assert _conv_layer(rng, (28, 28, 1), 8, 3, 2, "same").out_shape == (14, 14, 8)
    assert _conv_layer(rng, (7, 7, 2), 8, 3, 2, "valid").out_shape == (3, 3, 8)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("p", [2, 3])
def test_pooling_matches_the_loop_definition(p, mode):
    rng = np.random.default_rng(p)
    x = rng.standard_normal((3, 2 * p, 3 * p, 2))
    x[0, 0, 0, 0] = x[0, 0, 1, 0] = 9.0  # a tie: δ goes to the first maximum only
    layer = Pool2D(x.shape[1:], p, mode)
    out = layer.forward(x)
    expected, first = ref_pool(x, p, mode)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    g = rng.standard_normal(out.shape)
    dx = layer.backward(g)
    up = np.repeat(np.repeat(g, p, axis=1), p, axis=2)
    np.testing.assert_allclose(dx, np.where(first, up, 0.0) if mode == "max" else up / p ** 2,
                               rtol=1e-12)
    if mode == "max":
        assert layer.argmax.shape == out.shape
        assert layer.argmax[0, 0, 0, 0] == 0 and dx[0, 0, 1, 0] == 0.0


# -- whole networks against finite differences ---------------------------------------------

def _gradcheck(net, x, y, loss="cross_entropy"):
    loss_fn = get_loss(loss)
    z = net.forward(x)
    _, delta = loss_fn.value_and_delta(z, y)
    input_grad = net.backward(delta, need_input_grad=True)
    analytic = {k: v.copy() for k, v in net.gradients().items()}
    f = lambda: loss_fn.value(net.logits(x), y)  # noqa: E731
    for key, p in net.parameters().items():
        numeric = numerical_gradient(f, p)
        assert relative_error(analytic[key], numeric) < TOL, key
        assert relative_error(analytic[key] * 1.001, numeric) > 1e-4  # the check can fail
    numeric = numerical_gradient(f, x)
    assert input_grad.shape == x.shape
    assert relative_error(input_grad, numeric) < TOL


def _net(arch, input_shape, seed=0, activation="tanh"):
    net = ConvNet(input_shape, parse_arch(arch, activation), init="xavier", seed=seed,
                  dtype=np.float64)
    rng = np.random.default_rng(seed)
    net.theta += 0.1 * rng.standard_normal(net.theta.size)  # off every kink
    return net, rng


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("arch", [
    "conv3k3,pool2,flatten,dense4",
    "conv3k3valid,avgpool2,flatten,dense4",
    "conv2k3s2,conv3k2s2valid,flatten,dense4",
    "conv3k3s2valid,flatten,dense5,dense4",
    "conv2k1,maxpool3,flatten,dense4",
])
def test_conv_networks_match_finite_differences(arch, activation):
    net, rng = _net(arch, (6, 6, 2), activation=activation)
    x = rng.random((3, 6 * 6 * 2))
    y = rng.integers(0, 4, 3)
    _gradcheck(net, x, y)


def test_mse_loss_through_a_conv_stack_matches_finite_differences():
    net, rng = _net("conv2k3,maxpool2,conv3k3s2,flatten,dense3", (8, 8, 1))
    _gradcheck(net, rng.random((2, 64)), rng.integers(0, 3, 2), "mse")


@st.composite
def stacks(draw):
    """A random valid stack on a small random input, as (arch text, input shape)."""
    h, w, c = draw(st.integers(3, 8)), draw(st.integers(3, 8)), draw(st.integers(1, 3))
    items, shape = [], (h, w, c)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv", "pool"]))
        if kind == "pool":
            sizes = [p for p in (2, 3) if shape[0] % p == 0 and shape[1] % p == 0]
            if not sizes:
                continue
            p = draw(st.sampled_from(sizes))
            items.append(f"{draw(st.sampled_from(['max', 'avg']))}pool{p}")
            shape = (shape[0] // p, shape[1] // p, shape[2])
        else:
            k = draw(st.integers(1, min(3, shape[0], shape[1])))
            s, pad = draw(st.sampled_from([1, 2])), draw(st.sampled_from(["same", "valid"]))
            co = draw(st.integers(1, 3))
            items.append(f"conv{co}k{k}s{s}{pad}")
            spec = LayerSpec("conv", co, k, s, pad)
            shape = layer_shapes(shape, [spec, LayerSpec("flatten"), LayerSpec("dense", 1)])[0][0]
    items += ["flatten"] + [f"dense{draw(st.integers(1, 4))}"] * draw(st.integers(0, 1))
    items.append("dense3")
    return ",".join(items), (h, w, c)


@settings(max_examples=25, deadline=None)
@given(stacks(), st.integers(0, 2 ** 16))
def test_random_stacks_match_finite_differences(stack, seed):
    arch, shape = stack
    net, rng = _net(arch, shape, seed)
    x = rng.random((2, int(np.prod(shape))))
    _gradcheck(net, x, rng.integers(0, 3, 2))


# -- descriptions ----------------------------------------------------------------------------

def test_shapes_of_the_readme_example():
    specs = parse_arch("conv8k5,pool2,conv16k5,pool2,flatten,dense10")
    assert describe_shapes((28, 28, 1), specs) == (
        "28×28×1 → conv8k5 28×28×8 → pool2 14×14×8 → conv16k5 14×14×16 → pool2 7×7×16 → "
        "flatten 784 → dense10 10")
    net = ConvNet((28, 28, 1), specs)
    assert net.sizes == (784, 28 * 28 * 8, 14 * 14 * 16, 10)
    assert net.n_parameters == 8 * 26 + 16 * (200 + 1) + 10 * 785
    assert [L.W.shape for L in net.layers] == [(8, 5, 5, 1), (16, 5, 5, 8), (10, 784)]
    # Views into the flat buffers, as for the MLP.
    assert all(np.shares_memory(L.W, net.theta) and np.shares_memory(L.dW, net.grad)
               for L in net.layers)


def test_he_initialisation_uses_the_kernel_fan_in():
    net = ConvNet((28, 28, 4), parse_arch("conv64k5,flatten,dense10"), init="he", seed=1)
    assert np.std(net.layers[0].W) == pytest.approx(np.sqrt(2 / (5 * 5 * 4)), rel=0.03)


@pytest.mark.parametrize("arch,message", [
    ("conv8k31,flatten,dense10", "layer 1 (conv8k31): a 31×31 kernel is larger than the 28×28"),
    ("conv8k5,pool3,flatten,dense10", "layer 2 (pool3): 3×3 pooling needs sides that are "
                                      "multiples of 3, but the map here is 28×28"),
    ("conv8k5,dense10", "layer 2 (dense10): a dense layer needs a vector, but the input here "
                        "is a 28×28×8 map: put flatten before it"),
    ("conv8k5,pool2,flatten", "layer 3 (flatten): the last layer must be a dense"),
    ("conv8k5s3,flatten,dense10", "layer 1 (conv8k5s3): stride must be 1 or 2"),
    ("flatten,conv8k5,dense10", "layer 2 (conv8k5): a convolution needs a map"),
    ("conv8k5,flatten,dense7", "layer 3 (dense7): the output layer must have one unit per "
                               "class: dense10"),
])
def test_a_wrong_stack_is_one_line_naming_the_layer(arch, message):
    with pytest.raises(ValueError) as err:
        layer_shapes((28, 28, 1), parse_arch(arch), n_classes=10)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


@pytest.mark.parametrize("arch,message", [
    ("conv8k5,pool2,foo3", "layer 3 (foo3): not a layer"),
    ("conv8k5:softmax,flatten,dense10", "layer 1 (conv8k5:softmax): unknown activation"),
    ("", "empty architecture"),
])
def test_a_wrong_syntax_is_one_line_naming_the_item(arch, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_arch(arch)


def test_the_syntax_reads_back_from_the_specs():
    text = "conv8k5,conv4k3s2valid,avgpool2,maxpool1,flatten,dense16,dense10"
    specs = parse_arch(text)
    assert ",".join(s.text for s in specs).replace("maxpool1", "pool1") == \
        text.replace("maxpool1", "pool1")
    assert specs[1] == LayerSpec("conv", 4, 3, 2, "valid")
    assert parse_arch("dense5:tanh")[0].activation == "tanh"


def test_the_readme_gives_the_shapes_the_engine_computes():
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Convolutional networks"):]
    section = " ".join(section.replace("`", "").split())
    specs = parse_arch("conv8k5,pool2,conv16k5,pool2,flatten,dense10")
    assert describe_shapes((28, 28, 1), specs) in section
    assert f"({ConvNet((28, 28, 1), specs).n_parameters:,} parameters" in section
