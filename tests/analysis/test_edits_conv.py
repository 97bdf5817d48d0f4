"""Unit edits of a convolutional network: a conv layer's unit is a channel (its kernel, its
bias, and the next layer's weights that read it, through pooling and flatten)."""

import numpy as np
import pytest
from small_cnns import SMALL, STRIDED, small_cnn

from nnviz.analysis.edits import (
    UnitEdit,
    apply_edits,
    check_edit,
    describe,
    edited_trace,
    layer_word,
    network_from_trace,
    trace_input,
)
from nnviz.analysis.trace import forward_trace
from nnviz.engine.convnet import ConvNet
from nnviz.engine.layers import Dense


def _net(arch, shape, seed=0):
    net = small_cnn(arch, shape, seed)
    return net


@pytest.fixture
def small():
    return _net(SMALL, (8, 8, 1)), np.random.default_rng(5).random((3, 64))


@pytest.fixture
def strided():
    return _net(STRIDED, (13, 13, 2)), np.random.default_rng(6).random((2, 338))


def by_hand(net, x, layer, channel):
    """Logits of ``net`` with channel ``channel`` of stack layer ``layer``'s output set to 0."""
    a = net._as_maps(x)
    for i, L in enumerate(net.stack, 1):
        a = L.activation.forward(a @ L.W.T + L.b) if isinstance(L, Dense) else L.apply(a)
        if i == layer:
            a = a.copy()
            a[..., channel] = 0
    return a


@pytest.mark.parametrize("case, layer", [("small", 1), ("strided", 1), ("strided", 3)])
def test_zeroing_a_channel_makes_exactly_its_map_zero(case, layer, request):
    net, x = request.getfixturevalue(case)
    before = forward_trace(net, x)
    conv0 = before.layers[layer - 1]
    n = conv0.shape[0]
    c = int(np.argmax(np.count_nonzero(conv0.a, axis=(0, 2, 3))))
    b = float(conv0.b[c])
    edited = forward_trace(apply_edits(net, UnitEdit(layer, c, bias_shift=-b,
                                                     weight_scale=0)), x)
    conv = edited.layers[layer - 1]
    assert np.count_nonzero(conv.z[:, c]) == 0 and np.count_nonzero(conv.a[:, c]) == 0
    assert np.count_nonzero(conv0.a[:, c]) > 0  # it was not zero before
    others = [o for o in range(n) if o != c]
    np.testing.assert_array_equal(conv.z[:, others], conv0.z[:, others])
    np.testing.assert_array_equal(conv.a[:, others], conv0.a[:, others])


def test_scaling_a_channel_scales_its_whole_kernel(strided):
    net, x = strided
    before = forward_trace(net, x)
    conv0 = before.layers[2]            # conv2k1: stack layer 3, parameters W2 and b2
    c, b = 1, float(conv0.b[1])
    twin = apply_edits(net, UnitEdit(3, c, weight_scale=0.5, bias_shift=0.25))
    W, W0 = twin.layers[1].W, net.layers[1].W
    np.testing.assert_array_equal(W[c], 0.5 * W0[c])   # every input channel and offset
    np.testing.assert_array_equal(W[0], W0[0])
    assert twin.layers[1].b[c] == b + 0.25 and twin.layers[1].b[0] == net.layers[1].b[0]
    np.testing.assert_array_equal(twin.theta[:net.layers[0].W.size + 4],
                                  net.theta[:net.layers[0].W.size + 4])  # layer 1 untouched
    z = forward_trace(twin, x).layers[2].z
    np.testing.assert_allclose(z[:, c], 0.5 * (conv0.z[:, c] - b) + b + 0.25, rtol=1e-12)
    # The network edited is left as it was.
    np.testing.assert_array_equal(net.layers[1].W, conv0.W.transpose(0, 2, 3, 1))


def test_switching_a_channel_off_zeroes_the_dense_columns_of_its_positions(small):
    net, x = small
    c = 2
    twin = apply_edits(net, UnitEdit(1, c, off=True))
    W, W0 = twin.layers[1].W, net.layers[1].W   # (4, 4·4·3): flatten of (4, 4, 3), NHWC
    assert W.shape == (4, 48)
    cols = [(i * 4 + j) * 3 + c for i in range(4) for j in range(4)]
    assert cols[:3] == [2, 5, 8]
    assert np.count_nonzero(W[:, cols]) == 0
    rest = np.setdiff1d(np.arange(48), cols)
    np.testing.assert_array_equal(W[:, rest], W0[:, rest])
    np.testing.assert_array_equal(twin.layers[0].W, net.layers[0].W)  # the channel computes
    np.testing.assert_allclose(twin.logits(x), by_hand(net, x, 1, c), rtol=1e-12, atol=1e-14)
    assert not np.allclose(twin.logits(x), net.logits(x))
    # The channel's own map is unchanged: only the layers above stop reading it.
    np.testing.assert_array_equal(forward_trace(twin, x).layers[0].a,
                                  forward_trace(net, x).layers[0].a)


def test_switching_a_channel_off_zeroes_the_next_convolutions_input_slice(strided):
    net, x = strided
    c = 3   # of conv4k3s2valid, read by conv2k1 through avgpool3
    twin = apply_edits(net, UnitEdit(1, c, off=True))
    W, W0 = twin.layers[1].W, net.layers[1].W   # (C_out, k, k, C_in) = (2, 1, 1, 4)
    assert np.count_nonzero(W[..., c]) == 0 and np.count_nonzero(W0[..., c]) == 2
    np.testing.assert_array_equal(W[..., :c], W0[..., :c])
    np.testing.assert_allclose(twin.logits(x), by_hand(net, x, 1, c), rtol=1e-12, atol=1e-14)
    # A conv channel right before flatten: the dense columns c::C (here C = 2).
    twin = apply_edits(net, UnitEdit(3, 1, off=True))
    assert np.count_nonzero(twin.layers[2].W[:, 1::2]) == 0
    np.testing.assert_array_equal(twin.layers[2].W[:, 0::2], net.layers[2].W[:, 0::2])
    np.testing.assert_allclose(twin.logits(x), by_hand(net, x, 3, 1), rtol=1e-12, atol=1e-14)
    # Dense layers of a ConvNet are numbered by their place in the stack.
    twin = apply_edits(net, [UnitEdit(5, 4, off=True), UnitEdit(6, 0, off=True)])
    assert np.count_nonzero(twin.layers[3].W[:, 4]) == 0
    assert np.count_nonzero(twin.layers[3].W[0]) == 0 and twin.layers[3].b[0] == 0
    np.testing.assert_array_equal(twin.logits(x)[:, 0], 0)


def test_pool_and_flatten_layers_refuse_edits_in_one_line(small):
    net, _ = small
    with pytest.raises(ValueError, match=r"^edit of layer 2 \(pool2\): a pooling layer has no "
                                         r"weights or units of its own to edit; edit the "
                                         r"channels of a conv layer before it$"):
        apply_edits(net, UnitEdit(2, 0))
    with pytest.raises(ValueError, match=r"^edit of layer 3 \(flatten\): a flatten layer"):
        check_edit(net, UnitEdit(3, 0, off=True))
    with pytest.raises(ValueError, match=r"^edit of conv 1 channel 3: that layer has channels "
                                         r"0–2$"):
        check_edit(net, UnitEdit(1, 3))
    with pytest.raises(ValueError, match=r"^edit of layer 5: this network has layers 1–4 "
                                         r"\(conv3k3,pool2,flatten,dense4; layer 4 is the "
                                         r"output\)$"):
        check_edit(net, UnitEdit(5, 0))
    check_edit(net, UnitEdit(4, 3))


def test_a_cnn_is_rebuilt_from_its_trace_and_edited_through_it(strided):
    net, x = strided
    trace = forward_trace(net, x)
    twin = network_from_trace(trace)
    assert isinstance(twin, ConvNet) and twin.arch_text == net.arch_text
    np.testing.assert_array_equal(twin.theta, net.theta)
    np.testing.assert_array_equal(trace_input(trace), x)
    edit = UnitEdit(1, 0, weight_scale=2.0, off=True)
    got = edited_trace(trace, edit)
    want = forward_trace(apply_edits(net, edit), x)
    for a, b in zip(got.layers, want.layers):
        np.testing.assert_array_equal(a.a, b.a)
    np.testing.assert_array_equal(got.probabilities, want.probabilities)


def test_conv_edits_are_described_as_channels():
    assert layer_word(1, 4, "conv") == "conv 1"
    assert layer_word(4, 4, "dense") == "output"
    edit = UnitEdit(1, 2, weight_scale=0.5, off=True)
    assert describe(edit, 4, "conv") == "conv 1 channel 2: weights ×0.5, off"
    assert describe(edit, 4) == "hidden 1 unit 2: weights ×0.5, off"
