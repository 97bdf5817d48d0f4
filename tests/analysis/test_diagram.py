"""The diagram's choice of units and connections equals brute-force computations."""

import numpy as np
import pytest

from nnviz.analysis.diagram import (
    MAX_EDGES,
    MAX_UNITS,
    select,
    strongest_backward_edges,
    strongest_edges,
    strongest_units,
    value_levels,
)
from nnviz.analysis.trace import backward_trace, forward_trace
from nnviz.engine.network import MLP


def brute_units(values, k):
    """The k largest |v|, ties to the lower index, by sorting (value, index) pairs."""
    pairs = sorted(range(len(values)), key=lambda i: (-abs(values[i]), i))
    return sorted(pairs[:k])


def brute_edges(C, rows, cols, k):
    """All (|c|, i, j, c) of the matrix C (len(rows), len(cols)), strongest k non-zero."""
    cands = [(abs(C[r, c]), cols[c], rows[r], C[r, c])
             for r in range(len(rows)) for c in range(len(cols)) if C[r, c] != 0]
    cands.sort(key=lambda t: -t[0])
    return cands[:k]


def check_edges(e, C_full, k, rows, cols):
    """``e`` holds the k strongest entries of C_full restricted to rows × cols."""
    expected = brute_edges(C_full[np.ix_(rows, cols)], rows, cols, k)
    assert len(e.i) == len(e.j) == len(e.value) == len(expected)
    # the same strengths, strongest first
    np.testing.assert_allclose(np.abs(e.value), [t[0] for t in expected], rtol=1e-12)
    assert (np.diff(np.abs(e.value)) <= 0).all()
    # each edge's value is that connection's entry, with its sign
    np.testing.assert_array_equal(e.value, C_full[e.j, e.i])
    assert set(e.j) <= set(rows) and set(e.i) <= set(cols)
    assert len(set(zip(e.i, e.j))) == len(e.i)  # no connection twice


def test_strongest_units_small_layer_keeps_natural_order():
    v = np.array([0.1, -3.0, 2.0])
    np.testing.assert_array_equal(strongest_units(v, 16), [0, 1, 2])


def test_strongest_units_equal_brute_force():
    rng = np.random.default_rng(0)
    for n, k in [(256, 16), (128, 16), (17, 16), (40, 3)]:
        v = rng.normal(size=n)
        got = strongest_units(v, k)
        assert list(got) == brute_units(v, k)
        assert np.abs(v[got]).min() >= np.sort(np.abs(v))[-k]


def test_strongest_units_relu_ties_go_to_lower_index():
    v = np.zeros(256)
    v[[200, 7, 31]] = [1.0, 0.5, 2.0]   # three active units, the rest off
    got = strongest_units(v, 16)
    zeros = [i for i in range(256) if i not in (7, 31, 200)][:13]  # the lowest indices
    assert list(got) == sorted([7, 31, 200] + zeros)


def test_strongest_units_keep_replaces_the_weakest():
    v = np.arange(100, dtype=float)           # the strongest 16 are 84..99
    got = strongest_units(v, 16, keep=3)
    assert list(got) == [3] + list(range(85, 100))
    assert list(strongest_units(v, 16, keep=90)) == list(range(84, 100))  # already shown


def test_strongest_units_nan_is_weakest():
    v = np.array([np.nan, 1.0, np.nan, -2.0, 0.5])
    assert list(strongest_units(v, 2)) == [1, 3]


def test_strongest_edges_equal_brute_force():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(30, 50))
    a_prev = np.maximum(rng.normal(size=50), 0)      # ReLU input: many zeros
    rows, cols = np.array([1, 4, 9, 20, 29]), np.arange(0, 50, 2)
    C_full = W * a_prev[None, :]
    for k in (1, 7, 40, 500):
        check_edges(strongest_edges(a_prev, W, rows, cols, k), C_full, k, rows, cols)
    e = strongest_edges(a_prev, W, rows, cols, 500)
    assert len(e.i) == np.count_nonzero(C_full[np.ix_(rows, cols)])  # zeros are left out
    assert (a_prev[e.i] > 0).all()
    assert strongest_edges(a_prev, W, rows, cols, 0).value.shape == (0,)


def test_strongest_edges_signs_are_excitatory_and_inhibitory():
    W = np.array([[2.0, -1.0], [-3.0, 0.5]])
    a_prev = np.array([1.0, 4.0])
    e = strongest_edges(a_prev, W, [0, 1], [0, 1], 4)
    # contributions a_i W_ji: (j0: 2, -4), (j1: -3, 2)
    assert list(zip(e.i, e.j, e.value)) == [(1, 0, -4.0), (0, 1, -3.0), (0, 0, 2.0), (1, 1, 2.0)]


def test_strongest_backward_edges_equal_brute_force():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(12, 20))
    delta = rng.normal(size=12)
    rows, cols = np.arange(12), np.array([0, 3, 5, 8, 13, 19])
    C_full = W * delta[:, None]                 # W_ji δ_j
    for k in (5, 40):
        check_edges(strongest_backward_edges(delta, W, rows, cols, k), C_full, k, rows, cols)
    # all terms of unit i's sum: Σ_j W_ji δ_j = (Wᵀδ)_i
    e = strongest_backward_edges(delta, W, rows, cols, 10_000)
    for i in cols:
        assert e.value[e.i == i].sum() == pytest.approx((W.T @ delta)[i])


def test_value_levels():
    assert value_levels(np.array([0.0, 2.0, 0.5]), symmetric=False) == (0.0, 2.0)
    assert value_levels(np.array([-0.5, 0.3]), symmetric=False) == (-0.5, 0.3)
    assert value_levels(np.array([-0.5, 0.3]), symmetric=True) == (-0.5, 0.5)
    assert value_levels(np.zeros(4), symmetric=False) == (0.0, 1e-6)
    low, high = value_levels(np.zeros(4), symmetric=True)
    assert low < 0 < high and low == -high
    assert value_levels(np.array([np.nan, 1.0]), symmetric=False) == (0.0, 1.0)


@pytest.fixture(scope="module")
def big():
    net = MLP((784, 256, 128, 10), "relu", seed=0)
    x = np.random.default_rng(3).random(784).astype(np.float32)
    return net, x


def test_select_forward_on_784_256_128_10(big):
    net, x = big
    tr = forward_trace(net, x)
    f = select(tr)
    assert f.direction == "forward"
    assert [len(u) for u in f.units] == [16, 16, 10]
    for l, rec in enumerate(tr.layers, 1):
        a = rec.a[0] if l < 3 else tr.probabilities[0]
        assert list(f.units[l - 1]) == brute_units(a, MAX_UNITS)
        np.testing.assert_array_equal(f.values[l - 1], a[f.units[l - 1]])
    assert f.levels[0] == (0.0, float(tr.layers[0].a.max()))
    assert f.levels[2] == (0.0, 1.0)
    # gap 1: from any pixel to the shown units of layer 1, contributions x_i W_ji
    check_edges(f.edges[0], tr.layers[0].W * x[None, :], MAX_EDGES, f.units[0], np.arange(784))
    # gap 2: between the shown units of layers 1 and 2
    C2 = tr.layers[1].W * tr.layers[1].x[0][None, :]
    check_edges(f.edges[1], C2, MAX_EDGES, f.units[1], f.units[0])
    assert len(f.edges[0].i) == MAX_EDGES and (f.edges[0].value > 0).any()
    assert (f.edges[0].value < 0).any()


def test_select_backward_uses_deltas(big):
    net, x = big
    tr = backward_trace(net, x, 4)
    f = select(tr, "backward")
    assert f.direction == "backward"
    for l, rec in enumerate(tr.layers, 1):
        d = rec.delta[0]
        assert list(f.units[l - 1]) == brute_units(d, MAX_UNITS)
        m = float(np.abs(d).max())
        assert f.levels[l - 1] == (-m, m)
    out = tr.layers[2]
    C3 = out.W * out.delta[0][:, None]
    check_edges(f.edges[2], C3, MAX_EDGES, f.units[2], f.units[1])
    # a forward trace cannot show deltas: backward falls back to activations
    assert select(forward_trace(net, x), "backward").direction == "forward"
    with pytest.raises(ValueError, match="direction"):
        select(tr, "sideways")


def test_select_keeps_the_selected_unit(big):
    net, x = big
    tr = forward_trace(net, x)
    weakest = int(np.argmin(np.abs(tr.layers[1].a[0])))
    f = select(tr, keep=(2, weakest))
    assert weakest in f.units[1] and len(f.units[1]) == 16
    assert weakest not in select(tr).units[1]


def test_select_small_sigmoid_network_shows_every_unit():
    net = MLP((784, 16, 10), "sigmoid", seed=1)
    x = np.random.default_rng(4).random(784).astype(np.float32)
    f = select(forward_trace(net, x))
    assert [list(u) for u in f.units] == [list(range(16)), list(range(10))]
    low, high = f.levels[0]
    assert 0 <= low and high <= 1 and low == 0.0      # sigmoid a ∈ (0, 1): levels from 0
