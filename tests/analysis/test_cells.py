"""The cell-by-cell layer records: selection, exact sums and the arithmetic texts."""

import numpy as np
import pytest

from nnviz.analysis.cells import (
    Term,
    choose_inputs,
    choose_units,
    default_input_names,
    layer_cells,
    title_text,
)
from nnviz.analysis.notation import cell_number, f_text, number
from nnviz.analysis.trace import forward_trace
from nnviz.engine.network import MLP

F32 = np.finfo(np.float32).eps


def digit_like(seed=0) -> np.ndarray:
    """A 28×28 'stroke' (about 120 inked pixels in [0.3, 1]) and zeros elsewhere."""
    rng = np.random.default_rng(seed)
    img = np.zeros((28, 28), np.float32)
    img[6:22, 12:16] = 0.3 + 0.7 * rng.random((16, 4))
    img[6:9, 9:19] = 1.0
    return img.ravel()


@pytest.fixture(scope="module")
def trace():
    return forward_trace(MLP((784, 256, 128, 10), "relu", seed=0), digit_like())


def brute_units(z, a, k):
    keyed = sorted(range(len(a)), key=lambda j: (-abs(float(a[j])), -float(z[j]), j))
    return sorted(keyed[:k])


def brute_inputs(W, x, units, r):
    score = [sum(abs(float(W[j, i]) * float(x[i])) for j in units) for i in range(len(x))]
    mass = [sum(abs(float(W[j, i])) for j in units) for i in range(len(x))]
    keyed = sorted(range(len(x)), key=lambda i: (-score[i], -mass[i], i))
    return sorted(keyed[:r])


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_default_selection_matches_brute_force(trace, layer):
    L = trace.layers[layer]
    cells = layer_cells(L)
    z, a, x = L.z[0], L.a[0], L.x[0]
    k = min(24, L.W.shape[0])
    assert cells.units.tolist() == brute_units(z, a, k)
    assert cells.inputs.tolist() == brute_inputs(L.W, x, cells.units, 40)
    assert len(cells.units) == k and len(cells.inputs) == 40
    # the shown units are the strongest: none left out has a larger |a|
    left_out = np.setdiff1d(np.arange(L.W.shape[0]), cells.units)
    if left_out.size:
        assert np.abs(a[left_out]).max() <= np.abs(a[cells.units]).min()


def test_first_layer_shows_inked_pixels(trace):
    cells = layer_cells(trace.layers[0])
    x = trace.layers[0].x[0]
    assert (x[cells.inputs] > 0).all()        # 120 inked pixels: the 40 shown are all inked
    assert np.all(np.diff(cells.inputs) > 0) and np.all(np.diff(cells.units) > 0)


def test_cells_hold_the_records_numbers(trace):
    L = trace.layers[1]
    cells = layer_cells(L, units=[90, 3, 3, 17], inputs=[200, 0, 5])
    assert cells.units.tolist() == [3, 17, 90] and cells.inputs.tolist() == [0, 5, 200]
    for c, j in enumerate(cells.units):
        assert cells.b[c] == L.b[j] and cells.z[c] == L.z[0, j] and cells.a[c] == L.a[0, j]
        for r, i in enumerate(cells.inputs):
            assert cells.W[c, r] == L.W[j, i]
            assert cells.product[c, r] == np.float64(L.W[j, i]) * np.float64(L.x[0, i])
    np.testing.assert_array_equal(cells.x, L.x[0, [0, 5, 200]])
    assert not cells.W.flags.writeable and not cells.product.flags.writeable


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_parts_add_up_to_the_traces_z(trace, layer):
    L = trace.layers[layer]
    cells = layer_cells(L)
    x = L.x[0].astype(np.float64)
    for j in cells.units:
        s = cells.unit_sum(int(j))
        brute = sum(float(L.W[j, i]) * float(x[i]) for i in range(len(x)))
        assert s.shown + s.rest == pytest.approx(brute, rel=1e-12, abs=1e-12)
        shown_brute = sum(float(L.W[j, i]) * float(x[i]) for i in cells.inputs)
        assert s.shown == pytest.approx(shown_brute, rel=1e-12, abs=1e-12)
        # float32 rounding of the engine's sum: a few eps times the sum of |terms|
        scale = float(np.abs(L.W[j].astype(np.float64) * x).sum() + abs(float(L.b[j])))
        assert abs(s.total - float(L.z[0, j])) <= 8 * F32 * scale
        assert s.z == L.z[0, j] and s.a == L.a[0, j]
        assert s.n_shown == 40 and s.n_rest == L.W.shape[1] - 40


def test_sum_with_nonzero_bias_and_all_inputs_shown():
    net = MLP((784, 16, 10), "relu", seed=3)
    net.layers[1].b[...] = np.linspace(-0.5, 0.5, 10, dtype=np.float32)
    L = forward_trace(net, digit_like(1)).layers[1]
    cells = layer_cells(L, inputs=range(16))
    assert cells.units.tolist() == list(range(10)) and cells.inputs.tolist() == list(range(16))
    np.testing.assert_array_equal(cells.rest, 0)
    total = cells.shown + cells.b
    np.testing.assert_allclose(total, L.z[0], rtol=0, atol=8 * F32 * np.abs(total).max())
    text = cells.unit_sum(9).text()
    assert text.startswith(f"z²₉ = Σ 16 inputs {number(cells.shown[9])} + b 0.5 = "
                           f"{number(L.z[0, 9])}")
    assert text.endswith("(a logit)") and "others" not in text


def test_term_text_is_the_arithmetic(trace):
    L = trace.layers[0]
    cells = layer_cells(L)
    j, i = int(cells.units[2]), int(cells.inputs[7])
    t = cells.term(j, i)
    assert t == Term(1, j, i, float(L.W[j, i]), float(L.x[0, i]),
                     float(np.float64(L.W[j, i]) * np.float64(L.x[0, i])))
    assert t.text() == (f"W¹[{j}, {i}] · x[{i}] = {number(t.w)} × {number(t.x)} = "
                        f"{number(t.p)}")


def test_unit_and_input_texts(trace):
    L = trace.layers[0]
    cells = layer_cells(L)
    j = int(cells.units[0])
    s = cells.unit_sum(j)
    sub = str(j).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    assert s.text() == (f"z¹{sub} = Σ 40 shown {number(s.shown)} + Σ 744 others "
                        f"{number(s.rest)} + b 0 = {number(s.z)},  a = relu({number(s.z)}) = "
                        f"{number(s.a)}")
    i = int(cells.inputs[0])
    terms = cells.input_terms(i)
    np.testing.assert_array_equal(terms.p, cells.product[:, 0])
    assert terms.text().startswith(f"x[{i}] = {number(L.x[0, i])} enters all 256 units of z¹")
    assert f"sums to {number(cells.product[:, 0].sum())}" in terms.text()
    blank = layer_cells(L, inputs=[0]).input_terms(0)          # pixel (0, 0) is blank
    assert blank.text().endswith("but adds 0 to each: W¹[j, 0] · 0 = 0")


def test_titles(trace):
    assert title_text(layer_cells(trace.layers[1])) == (
        "Layer 2: z² = W²·a¹ + b²   (128×256)·(256×1) + (128×1) — showing 24 of 128 units "
        "and 40 of 256 inputs")
    small = forward_trace(MLP((784, 16, 10), "relu", seed=0), digit_like()).layers[1]
    assert title_text(layer_cells(small)) == (
        "Layer 2: z² = W²·a¹ + b²   (10×16)·(16×1) + (10×1) — all 10 units and 16 inputs")


def test_selection_helpers_and_errors(trace):
    z = np.array([0.5, -1.0, 2.0, -3.0, 0.0], np.float32)
    a = np.maximum(z, 0)
    # |a| first (2.0, 0.5), then among a = 0 the larger z (0.0 before −1.0)
    assert choose_units(z, a, 3).tolist() == [0, 2, 4]
    W = np.array([[1.0, -2.0, 0.1], [0.5, 0.5, 0.1]], np.float32)
    x = np.array([1.0, 0.5, 0.0], np.float32)
    assert choose_inputs(W, x, np.array([0, 1]), 2).tolist() == [0, 1]
    assert choose_inputs(W, x, np.array([0]), 1).tolist() == [1]   # a tie at 1: the larger |W| wins
    with pytest.raises(ValueError, match="units"):
        layer_cells(trace.layers[2], units=[10])
    with pytest.raises(ValueError, match="inputs"):
        layer_cells(trace.layers[2], inputs=[])
    cells = layer_cells(trace.layers[2])
    with pytest.raises(ValueError, match="not among the shown inputs"):
        cells.input_pos(int(np.setdiff1d(np.arange(128), cells.inputs)[0]))


def test_names_and_numbers():
    names = default_input_names(1, 784)
    assert names[406] == "406 (14,14)" and names[27] == "27 (0,27)"
    assert default_input_names(3, 128)[17] == "a²₁₇"
    assert default_input_names(1, 10)[3] == "x₃"
    assert f_text("relu") == "a = relu(z)" and f_text("identity") == "a = z"
    assert f_text("sigmoid") == "a = σ(z)"
    assert [cell_number(v) for v in (0, 0.118, -0.31, 1.58, 12.3, -0.004, 250.4)] == \
        ["0", "0.12", "−0.31", "1.6", "12", "−4e−3", "250"]
    assert [number(v) for v in (0.1184, -0.31, 1.5, 0.00015, 1.5e-6, 12345.0)] == \
        ["0.118", "−0.31", "1.5", "0.00015", "1.5e−6", "1.23e4"]
