"""The network diagram of a convolutional network: channels as units, the strongest entries
of a flattened vector, and connections that add up to what the layers compute."""

import numpy as np
import pytest
from small_cnns import SMALL, STRIDED, small_cnn

from nnviz.analysis.diagram import channel_contributions, layer_quantity, select
from nnviz.analysis.trace import backward_trace, forward_trace
from nnviz.engine.convnet import ConvNet, parse_arch


def _trace(arch, shape, seed=0):
    net = small_cnn(arch, shape, seed)
    x = np.random.default_rng(seed + 1).random(int(np.prod(shape)))
    return backward_trace(net, x, 1)


def test_units_of_a_small_cnn_are_channels_then_the_strongest_entries():
    t = _trace(SMALL, (8, 8, 1))
    f = select(t)
    assert f.kinds == ("conv", "pool", "flatten", "dense")
    conv, pool, flat, dense = t.layers
    np.testing.assert_array_equal(f.units[0], [0, 1, 2])
    np.testing.assert_allclose(f.values[0], np.abs(conv.a[0]).mean(axis=(1, 2)), rtol=1e-14)
    np.testing.assert_allclose(f.values[1], np.abs(pool.a[0]).mean(axis=(1, 2)), rtol=1e-14)
    a = flat.a[0]
    expect = np.sort(np.argsort(-np.abs(a), kind="stable")[:16])
    np.testing.assert_array_equal(f.units[2], expect)
    np.testing.assert_array_equal(f.values[2], a[expect])
    np.testing.assert_array_equal(f.units[3], [0, 1, 2, 3])
    np.testing.assert_array_equal(f.values[3], t.probabilities[0])
    # Pooling joins each channel to itself, carrying its pooled map's mean.
    e = f.edges[1]
    assert np.all(e.i == e.j)
    for i, v in zip(e.i, e.value):
        assert v == pytest.approx(pool.a[0, i].mean(), rel=1e-14)
    # Flatten joins each entry q to channel q % 3, carrying a[q].
    e = f.edges[2]
    assert len(e.i) == np.count_nonzero(a[f.units[2]]) and np.all(e.i == e.j % 3)
    np.testing.assert_array_equal(e.value, a[e.j])
    # The dense layer reads only the shown entries.
    assert set(f.edges[3].i) <= set(f.units[2])
    back = select(t, "backward")
    np.testing.assert_allclose(back.values[0], np.abs(conv.delta[0]).mean(axis=(1, 2)),
                               rtol=1e-14)
    np.testing.assert_allclose(back.values[1], np.abs(flat.grad_in[0]).mean(axis=(1, 2)),
                               rtol=1e-14)   # ∂L/∂a² is what flatten passed down
    np.testing.assert_array_equal(back.values[2], dense.grad_in[0][back.units[2]])
    assert back.levels[0][0] == -back.levels[0][1]


def test_few_channels_are_chosen_by_the_mean_of_their_maps_and_kept_when_selected():
    t = _trace(STRIDED, (13, 13, 2))
    strength = layer_quantity(t, 1, "forward")
    assert strength.shape == (4,)
    order = np.argsort(-strength, kind="stable")
    f = select(t, max_units=2)
    np.testing.assert_array_equal(f.units[0], np.sort(order[:2]))
    np.testing.assert_array_equal(f.units[1], np.sort(np.argsort(
        -np.abs(t.layers[1].a[0]).mean(axis=(1, 2)), kind="stable")[:2]))
    kept = select(t, max_units=2, keep=(1, int(order[-1])))
    np.testing.assert_array_equal(kept.units[0], np.sort([order[0], order[-1]]))
    assert f.levels[0] == (0.0, float(strength.max()))


@pytest.mark.parametrize("layer", [1, 3])
def test_conv_connections_add_up_to_the_layers_sums(layer):
    t = _trace(STRIDED, (13, 13, 2))
    rec = t.layers[layer - 1]
    C = channel_contributions(rec)
    assert C.shape == rec.W.shape[:2]
    np.testing.assert_allclose(C.sum(axis=1) + rec.b, rec.z[0].mean(axis=(1, 2)), rtol=1e-10)
    # One entry against the definition: the kernel slice W[c, c′] slid over channel c′ alone.
    c, cc = rec.W.shape[0] - 1, rec.W.shape[1] - 1
    _, stride, top, left = rec.conv_geometry
    x, k = rec.x[0, cc], rec.W.shape[-1]
    part = [sum(rec.W[c, cc, u, v] * x[stride * i + u - top, stride * j + v - left]
                for u in range(k) for v in range(k)
                if 0 <= stride * i + u - top < x.shape[0] and 0 <= stride * j + v - left
                < x.shape[1])
            for i in range(rec.shape[1]) for j in range(rec.shape[2])]
    assert C[c, cc] == pytest.approx(np.mean(part), rel=1e-10)
    # Backward: what each δ[c] sends back adds up to the layer's ∂L/∂x, channel by channel.
    B = channel_contributions(rec, "backward")
    np.testing.assert_allclose(B.sum(axis=0), rec.grad_in[0].mean(axis=(1, 2)), rtol=1e-10,
                               atol=1e-15)
    f = select(t, "backward", max_units=16, max_edges=1000)
    e = f.edges[layer - 1]
    assert len(e.i) == np.count_nonzero(B)
    for i, j, v in zip(e.i, e.j, e.value):
        assert v == B[j, i]


@pytest.mark.parametrize("arch, shape", [
    (SMALL, (8, 8, 1)), (STRIDED, (13, 13, 2)),
    ("conv20k3,maxpool2,conv18k3s2,flatten,dense30,dense10", (12, 12, 3)),
    ("avgpool2,flatten,dense7,dense3", (6, 6, 2)), ("flatten,dense3", (4, 4, 1))])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_the_frame_is_consistent_for_any_stack(arch, shape, direction):
    t = _trace(arch, shape, seed=4)
    f = select(t, direction, max_units=8, max_edges=12)
    assert len(f.units) == len(f.values) == len(f.levels) == len(f.edges) == len(t.layers)
    below = np.arange(t.layers[0].x.shape[1])
    for l, (rec, units, values, e) in enumerate(zip(t.layers, f.units, f.values, f.edges), 1):
        n = rec.shape[0] if rec.kind in ("conv", "pool") else rec.a.shape[1]
        assert len(units) == min(n, 8) and np.all(np.diff(units) > 0)
        assert units[0] >= 0 and units[-1] < n and values.shape == units.shape
        assert len(e.i) <= 12 and set(e.i) <= set(below) and set(e.j) <= set(units)
        strength = np.abs(e.value)
        assert np.all(strength > 0) and np.all(np.diff(strength) <= 0)
        lo, hi = f.levels[l - 1]
        assert lo < hi
        below = units
    # A forward trace falls back to activations.
    assert select(forward_trace(ConvNet(shape, parse_arch(arch), seed=4),
                                np.zeros(int(np.prod(shape)))), "backward").direction == "forward"
