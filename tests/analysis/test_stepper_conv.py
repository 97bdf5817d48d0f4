"""The stepper on convolutional networks: conv, pooling and flatten steps with their
equations, their arrays in map shapes, and each number the engine's (checked against plain
loops over the definitions)."""

import numpy as np
import pytest
from small_cnns import SMALL, STRIDED, small_cnn

from nnviz.analysis.notation import sup
from nnviz.analysis.stepper import Stepper


def _stepper(arch, shape, seed=0, target=1):
    net = small_cnn(arch, shape, seed)
    x = np.random.default_rng(seed + 1).random(int(np.prod(shape)))
    return Stepper(net, x, target)


def plain_conv(x, W, b, stride, top, left, out_hw):
    """z[c, i, j] = Σ W[c, c′, u, v]·x[c′, s·i + u − top, s·j + v − left] + b[c], by loops."""
    c_out, c_in, k, _ = W.shape
    _, h, w = x.shape
    ho, wo = out_hw
    z = np.zeros((c_out, ho, wo))
    for c in range(c_out):
        for i in range(ho):
            for j in range(wo):
                total = b[c]
                for cc in range(c_in):
                    for u in range(k):
                        for v in range(k):
                            r, q = stride * i + u - top, stride * j + v - left
                            if 0 <= r < h and 0 <= q < w:
                                total += W[c, cc, u, v] * x[cc, r, q]
                z[c, i, j] = total
    return z


def plain_conv_input_grad(delta, W, in_shape, stride, top, left):
    """∂L/∂x[c′, s·i + u − top, s·j + v − left] += W[c, c′, u, v]·δ[c, i, j], by loops."""
    g = np.zeros(in_shape)
    c_out, c_in, k, _ = W.shape
    for c in range(c_out):
        for i in range(delta.shape[1]):
            for j in range(delta.shape[2]):
                for cc in range(c_in):
                    for u in range(k):
                        for v in range(k):
                            r, q = stride * i + u - top, stride * j + v - left
                            if 0 <= r < in_shape[1] and 0 <= q < in_shape[2]:
                                g[cc, r, q] += W[c, cc, u, v] * delta[c, i, j]
    return g


def test_steps_in_order_with_map_shapes_in_titles_and_equations():
    st = _stepper(SMALL, (8, 8, 1))
    assert [(s.kind, s.layer) for s in st.steps] == [
        ("input", 0), ("forward", 1), ("forward", 2), ("forward", 3), ("forward", 4),
        ("softmax", 4), ("loss", 4), ("backward", 4), ("backward", 3), ("backward", 2),
        ("backward", 1), ("input_grad", 0)]
    assert st.n_forward == 6 and st.steps[st.n_forward].kind == "loss"
    inp, conv, pool, flat, dense = st.steps[:5]
    assert inp.title == "Input x: 1 map of 8×8 pixel values in [0, 1]"
    assert inp.equations == ("x   (1×8×8)",)
    assert conv.title == ("Layer 1: 3×3 convolution, stride 1, same padding → 3 maps of 8×8 "
                          "(relu)")
    assert conv.equations[0] == "z¹ = W¹ ∗ x + b¹   (3×1×3×3) ∗ (1×8×8) + (3) → (3×8×8)"
    assert conv.equations[1].startswith(
        "z¹[c, i, j] = Σ W¹[c, c′, u, v]·x[c′, i + u − 1, j + v − 1] + b¹[c]   "
        "sum over c′ < 1 and u, v < 3; 0 outside the map")
    assert conv.equations[2] == "a¹ = relu(z¹)   (3×8×8)"
    assert pool.title == "Layer 2: 2×2 max pooling → 3 maps of 4×4"
    assert pool.equations[0] == "a² = max over each 2×2 block of a¹   (3×8×8) → (3×4×4)"
    assert flat.title == "Layer 3: flatten 3 maps of 4×4 → 48 values"
    assert flat.equations[1].startswith("a³[(i·4 + j)·3 + c] = a²[c, i, j]")
    assert dense.equations[0] == "z⁴ = W⁴·a³ + b⁴   (4×48)·(48×1) + (4×1) → (4×1)"
    back = {s.layer: s for s in st.steps if s.kind == "backward"}
    assert back[3].equations[0] == "∂L/∂a³ = W⁴ᵀ·δ⁴   (48×4)·(4×1) → (48×1)"
    assert back[1].equations[1] == "δ¹ = ∂L/∂a¹ ⊙ relu′(z¹)   (3×8×8) ⊙ (3×8×8)"
    assert st.steps[-1].equations[0].startswith("∂L/∂x = W¹ᵀ ∗ δ¹   transposed convolution")

    strided = _stepper(STRIDED, (13, 13, 2))
    conv = strided.steps[1]
    assert conv.equations[0] == "z¹ = W¹ ∗ x + b¹   (4×2×3×3) ∗ (2×13×13) + (4) → (4×6×6)"
    assert conv.equations[1].endswith("x[c′, 2i + u, 2j + v] + b¹[c]   sum over c′ < 2 and "
                                      "u, v < 3")  # valid: no padding to mention
    assert strided.steps[2].equations[1] == ("a²[c, i, j] = Σ a¹[c, 3i + u, 3j + v] / 9   "
                                             "sum over u, v < 3")


@pytest.mark.parametrize("arch, shape", [(SMALL, (8, 8, 1)), (STRIDED, (13, 13, 2))])
def test_forward_arrays_are_the_trace_and_the_definitions(arch, shape):
    st = _stepper(arch, shape)
    layers = st.layers
    np.testing.assert_array_equal(st.steps[0].arrays["x"], layers[0].x[0])
    assert st.steps[0].arrays["x"].shape == (shape[2], shape[0], shape[1])
    for l, rec in enumerate(layers, 1):
        step, s = st.steps[l], sup(l)
        assert step.layer == l
        if rec.kind == "conv":
            np.testing.assert_array_equal(step.arrays[f"z{s}"], rec.z[0])
            np.testing.assert_array_equal(step.arrays[f"a{s}"], rec.a[0])
            _, stride, top, left = rec.conv_geometry
            z = plain_conv(rec.x[0], rec.W, rec.b, stride, top, left, rec.shape[1:])
            np.testing.assert_allclose(step.arrays[f"z{s}"], z, rtol=1e-12, atol=1e-12)
            np.testing.assert_array_equal(step.arrays[f"a{s}"],
                                          np.maximum(step.arrays[f"z{s}"], 0))
        elif rec.kind == "pool":
            a_in, p = rec.x[0], rec.spec.size
            c, h, w = a_in.shape
            blocks = a_in.reshape(c, h // p, p, w // p, p)
            expect = blocks.max(axis=(2, 4)) if rec.spec.mode == "max" else \
                blocks.mean(axis=(2, 4))
            np.testing.assert_allclose(step.arrays[f"a{s}"], expect, rtol=1e-14)
            assert step.arrays[f"a{s}"].shape == (c, h // p, w // p)
        elif rec.kind == "flatten":
            a_in = rec.x[0]
            c, h, w = a_in.shape
            flat = step.arrays[f"a{s}"]
            for cc, i, j in [(0, 0, 0), (c - 1, h - 1, w - 1), (c - 1, 0, w - 1)]:
                assert flat[(i * w + j) * c + cc] == a_in[cc, i, j]
            np.testing.assert_array_equal(flat, np.moveaxis(a_in, 0, 2).ravel())
        else:
            np.testing.assert_array_equal(step.arrays[f"z{s}"], rec.z[0])


def test_max_pool_backward_routes_the_gradient_exactly_to_each_argmax():
    st = _stepper(SMALL, (8, 8, 1))
    step = next(s for s in st.steps if s.kind == "backward" and s.layer == 2)
    g_out, g_in, argmax = step.arrays["∂L/∂a²"], step.arrays["∂L/∂a¹"], step.arrays["argmax²"]
    assert g_out.shape == (3, 4, 4) and g_in.shape == (3, 8, 8) and argmax.shape == (3, 4, 4)
    expect = np.zeros((3, 64))
    for c in range(3):
        for i in range(4):
            for j in range(4):
                expect[c, argmax[c, i, j]] = g_out[c, i, j]
    np.testing.assert_array_equal(g_in, expect.reshape(3, 8, 8))
    assert np.count_nonzero(g_in) == np.count_nonzero(g_out)
    # The argmax is the maximum of its block, and the gradient from above is the flatten's.
    a1 = st.layers[0].a[0].reshape(3, 64)
    np.testing.assert_array_equal(np.take_along_axis(a1, argmax.reshape(3, 16), 1),
                                  st.layers[1].a[0].reshape(3, 16))
    np.testing.assert_array_equal(g_out, st.layers[2].grad_in[0])


def test_avg_pool_backward_spreads_the_gradient_over_each_block():
    st = _stepper(STRIDED, (13, 13, 2))
    step = next(s for s in st.steps if s.kind == "backward" and s.layer == 2)
    g_out, g_in = step.arrays["∂L/∂a²"], step.arrays["∂L/∂a¹"]
    np.testing.assert_allclose(g_in, np.repeat(np.repeat(g_out, 3, 1), 3, 2) / 9, rtol=1e-14)
    assert "argmax²" not in step.arrays


@pytest.mark.parametrize("arch, shape", [(SMALL, (8, 8, 1)), (STRIDED, (13, 13, 2))])
def test_conv_backward_steps_are_the_definitions(arch, shape):
    st = _stepper(arch, shape)
    layers = st.layers
    for step in st.steps:
        if step.kind != "backward" or layers[step.layer - 1].kind != "conv":
            continue
        l, rec = step.layer, layers[step.layer - 1]
        s = sup(l)
        g, delta = step.arrays[f"∂L/∂a{s}"], step.arrays[f"δ{s}"]
        np.testing.assert_array_equal(delta, rec.delta[0])
        np.testing.assert_array_equal(g, layers[l].grad_in[0])
        np.testing.assert_allclose(delta, g * (rec.z[0] > 0), rtol=1e-14)
        np.testing.assert_allclose(step.arrays[f"db{s}"], delta.sum(axis=(1, 2)), rtol=1e-12)
        _, stride, top, left = rec.conv_geometry
        x = rec.x[0]
        k = rec.W.shape[-1]
        dW = np.zeros(rec.W.shape)
        for c in range(rec.W.shape[0]):
            for cc in range(rec.W.shape[1]):
                for u in range(k):
                    for v in range(k):
                        for i in range(delta.shape[1]):
                            for j in range(delta.shape[2]):
                                r, q = stride * i + u - top, stride * j + v - left
                                if 0 <= r < x.shape[1] and 0 <= q < x.shape[2]:
                                    dW[c, cc, u, v] += delta[c, i, j] * x[cc, r, q]
        np.testing.assert_allclose(step.arrays[f"dW{s}"], dW, rtol=1e-10, atol=1e-14)
    # What layer 1 passes down is the saliency: the transposed convolution of δ¹.
    last, first = st.steps[-1], layers[0]
    _, stride, top, left = first.conv_geometry
    expect = plain_conv_input_grad(first.delta[0], first.W, first.in_shape, stride, top, left)
    np.testing.assert_allclose(last.arrays["∂L/∂x"], expect, rtol=1e-10, atol=1e-14)
    c, h, w = first.in_shape
    np.testing.assert_array_equal(last.arrays["∂L/∂x"],
                                  st.trace.input_grad[0].reshape(h, w, c).transpose(2, 0, 1))


def test_flatten_backward_reshapes_the_gradient_back_to_maps():
    st = _stepper(SMALL, (8, 8, 1))
    step = next(s for s in st.steps if s.kind == "backward" and s.layer == 3)
    vec, maps = step.arrays["∂L/∂a³"], step.arrays["∂L/∂a²"]
    dense = st.layers[3]
    np.testing.assert_allclose(vec, dense.W.T @ dense.delta[0], rtol=1e-12)
    assert maps.shape == (3, 4, 4)
    np.testing.assert_array_equal(maps, vec.reshape(4, 4, 3).transpose(2, 0, 1))


@pytest.mark.parametrize("arch", ["avgpool2,flatten,dense7,dense3", "flatten,dense3"])
def test_a_stack_without_a_first_convolution_passes_the_gradient_down_to_the_image(arch):
    st = _stepper(arch, (6, 6, 2))
    last = st.steps[-1]
    assert last.equations == ("∂L/∂x as layer 1 passed it down   (2×6×6)",)
    np.testing.assert_array_equal(
        last.arrays["∂L/∂x"], st.trace.input_grad[0].reshape(6, 6, 2).transpose(2, 0, 1))
    first_back = [s for s in st.steps if s.kind == "backward"][-1]
    assert first_back.layer == 1 and "∂L/∂x" in first_back.arrays
    if arch.startswith("avgpool"):
        assert first_back.equations[1].startswith(
            "∂L/∂x[c, 2i + u, 2j + v] = ∂L/∂a¹[c, i, j] / 4")
