"""Unit edits: the edited network computes exactly what a by-hand pass with the edit computes."""

import numpy as np
import pytest

from nnviz.analysis.edits import (
    UnitEdit,
    apply_edits,
    check_edit,
    describe,
    edited_trace,
    network_from_trace,
    with_edit,
)
from nnviz.analysis.trace import forward_trace
from nnviz.engine.network import MLP

TIGHT = {"rtol": 1e-12, "atol": 1e-13}


@pytest.fixture
def net():
    """A float64 20-8-6-4 ReLU network with non-zero biases."""
    net = MLP((20, 8, 6, 4), "relu", seed=0, dtype=np.float64)
    rng = np.random.default_rng(1)
    for layer in net.layers:
        layer.b[...] = rng.normal(scale=0.3, size=layer.b.shape)
    return net


@pytest.fixture
def x():
    return np.random.default_rng(2).random((7, 20))


def params(net):
    return [(L.W.copy(), L.b.copy()) for L in net.layers]


def by_hand(Wb, x, off=None):
    """z of every layer (list), with ``off = (l, j)`` forcing ``a^l_j = 0`` for the layers above."""
    zs, a = [], x
    for l, (W, b) in enumerate(Wb, 1):
        z = a @ W.T + b
        zs.append(z)
        a = np.maximum(z, 0) if l < len(Wb) else z
        if off is not None and off[0] == l:
            a = a.copy()
            a[:, off[1]] = 0
    return zs


def test_bias_shift_adds_to_one_z(net, x):
    Wb = params(net)
    edited = apply_edits(net, [UnitEdit(2, 3, bias_shift=0.75)])
    trace, before = forward_trace(edited, x), forward_trace(net, x)
    Wb[1][1][3] += 0.75
    expected = by_hand(Wb, x)
    for L, z in zip(trace.layers, expected):
        np.testing.assert_allclose(L.z, z, **TIGHT)
    z2 = trace.layers[1].z
    np.testing.assert_allclose(z2[:, 3], before.layers[1].z[:, 3] + 0.75, **TIGHT)
    others = np.arange(6) != 3
    np.testing.assert_array_equal(z2[:, others], before.layers[1].z[:, others])
    assert edited.layers[1].b[3] == net.layers[1].b[3] + 0.75


def test_weight_scale_multiplies_the_weighted_sum(net, x):
    edited = apply_edits(net, UnitEdit(1, 5, weight_scale=0.4))
    W, b = net.layers[0].W, net.layers[0].b
    z = forward_trace(edited, x).layers[0].z
    np.testing.assert_allclose(z[:, 5], 0.4 * (x @ W[5]) + b[5], **TIGHT)
    np.testing.assert_allclose(edited.layers[0].W[5], 0.4 * W[5], **TIGHT)
    Wb = params(net)
    Wb[0][0][5] *= 0.4
    np.testing.assert_allclose(edited.logits(x), by_hand(Wb, x)[-1], **TIGHT)


@pytest.mark.parametrize("layer, unit", [(1, 2), (1, 6), (2, 1)])
def test_off_makes_the_layers_above_see_zero(net, x, layer, unit):
    a = net.hidden_activations(x)[layer - 1][:, unit]
    assert a.max() > 0.01, "pick a unit that is active on these inputs, or the test cannot fail"
    edited = apply_edits(net, [UnitEdit(layer, unit, off=True)])
    expected = by_hand(params(net), x, off=(layer, unit))[-1]
    np.testing.assert_allclose(edited.logits(x), expected, **TIGHT)
    assert not np.allclose(expected, net.logits(x))
    np.testing.assert_array_equal(edited.layers[layer].W[:, unit], 0)


def test_off_holds_an_output_logit_at_zero(net, x):
    before = net.logits(x)
    edited = apply_edits(net, [UnitEdit(3, 1, bias_shift=2.0, weight_scale=3.0, off=True)])
    after = edited.logits(x)
    np.testing.assert_array_equal(after[:, 1], 0)
    keep = [0, 2, 3]
    np.testing.assert_array_equal(after[:, keep], before[:, keep])
    p = edited.predict_proba(x)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(before[:, keep]).sum(axis=1)), **TIGHT)


def test_edits_of_one_unit_compose_in_any_order(net, x):
    edits = [UnitEdit(2, 0, bias_shift=0.5), UnitEdit(2, 0, weight_scale=2.0),
             UnitEdit(2, 0, bias_shift=-0.2, weight_scale=0.75), UnitEdit(1, 4, off=True)]
    Wb = params(net)
    Wb[1][1][0] += 0.3
    Wb[1][0][0] *= 1.5
    expected = by_hand(Wb, x, off=(1, 4))[-1]
    np.testing.assert_allclose(apply_edits(net, edits).logits(x), expected, **TIGHT)
    np.testing.assert_allclose(apply_edits(net, edits[::-1]).logits(x), expected, **TIGHT)


def test_the_original_is_untouched(net, x):
    theta, logits = net.theta.copy(), net.logits(x)
    W1 = net.layers[0].W
    edited = apply_edits(net, [UnitEdit(1, 2, 1.0, 0.0, True), UnitEdit(3, 0, off=True)])
    np.testing.assert_array_equal(net.theta, theta)
    np.testing.assert_array_equal(net.logits(x), logits)
    assert net.layers[0].W is W1 and edited.theta is not net.theta
    assert edited.sizes == net.sizes and edited.activation_names == net.activation_names
    assert edited.dtype == np.float64
    assert not np.array_equal(edited.theta, theta)
    np.testing.assert_array_equal(apply_edits(net, []).theta, theta)


@pytest.mark.parametrize("kwargs, message", [
    ({"layer": 0, "unit": 0}, r"layer numbers start at 1 \(W1 is layer 1\), got layer=0"),
    ({"layer": 1, "unit": -1}, r"unit indices start at 0, got unit=-1"),
    ({"layer": 1.5, "unit": 0}, r"got layer=1.5"),
    ({"layer": 1, "unit": 0, "bias_shift": float("nan")}, r"bias_shift must be a finite number"),
    ({"layer": 1, "unit": 0, "weight_scale": float("inf")}, r"weight_scale must be a finite"),
])
def test_bad_edits_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        UnitEdit(**kwargs)


def test_edits_are_checked_against_the_network(net):
    with pytest.raises(ValueError, match=r"edit of layer 4: this network has layers 1–3 "
                                         r"\(20-8-6-4; layer 3 is the output\)"):
        apply_edits(net, [UnitEdit(1, 0), UnitEdit(4, 0)])
    with pytest.raises(ValueError, match=r"edit of hidden 2 unit 6: that layer has units 0–5"):
        check_edit(net, UnitEdit(2, 6))
    with pytest.raises(ValueError, match=r"edit of output unit 4: that layer has units 0–3"):
        apply_edits(net, UnitEdit(3, 4, off=True))
    with pytest.raises(TypeError, match="takes UnitEdit objects, got tuple"):
        apply_edits(net, [(1, 0)])
    check_edit(net, UnitEdit(3, 3))  # the last unit of the last layer is fine


def test_edits_hold_plain_numbers():
    edit = UnitEdit(np.int64(2), np.int64(3), np.float32(0.5), np.float64(2), np.bool_(True))
    assert edit == UnitEdit(2, 3, 0.5, 2.0, True)
    assert type(edit.layer) is int and type(edit.bias_shift) is float and type(edit.off) is bool
    assert edit.key == (2, 3) and not edit.is_noop and UnitEdit(1, 1).is_noop


def test_with_edit_keeps_one_edit_per_unit():
    a, b = UnitEdit(1, 3, bias_shift=0.5), UnitEdit(2, 0, off=True)
    edits = with_edit(with_edit((), a), b)
    assert edits == (a, b)
    a2 = UnitEdit(1, 3, weight_scale=0.0)
    assert with_edit(edits, a2) == (a2, b)        # replaced in place
    assert with_edit(edits, UnitEdit(1, 3)) == (b,)  # a no-op removes the unit's edit
    assert with_edit((), UnitEdit(1, 3)) == ()


def test_describe():
    assert (describe(UnitEdit(1, 37, bias_shift=0.5, weight_scale=0.0, off=True))
            == "hidden 1 unit 37: bias +0.50, weights ×0.0, off")
    assert describe(UnitEdit(2, 5, bias_shift=-1.25)) == "hidden 2 unit 5: bias -1.25"
    assert describe(UnitEdit(3, 7, weight_scale=1.5), n_layers=3) == "output unit 7: weights ×1.5"
    assert (describe(UnitEdit(3, 7, weight_scale=0.25), n_layers=4)
            == "hidden 3 unit 7: weights ×0.25")
    assert describe(UnitEdit(1, 0)) == "hidden 1 unit 0: no change"


def test_a_trace_rebuilds_its_network_and_replays_with_edits(net, x):
    net.layers[0].b[2] = 0.1
    trace = forward_trace(net, x)
    twin = network_from_trace(trace)
    np.testing.assert_array_equal(twin.theta, net.theta)
    assert twin.sizes == net.sizes and twin.activation_names == ["relu", "relu"]
    assert twin.dtype == np.float64
    edits = (UnitEdit(1, 2, off=True), UnitEdit(3, 0, bias_shift=1.0))
    replay = edited_trace(trace, edits)
    np.testing.assert_array_equal(replay.layers[0].x, x)
    np.testing.assert_allclose(replay.probabilities, apply_edits(net, edits).predict_proba(x),
                               **TIGHT)
    assert not np.allclose(replay.probabilities, trace.probabilities)
