"""The cells of a convolutional network: conv, pooling and flatten layers channel by
channel (each an H×W map), with the arithmetic of each pixel."""

import numpy as np
import pytest
from small_cnns import SMALL, STRIDED, small_cnn

from nnviz.analysis.cells import (
    LayerCells,
    MapCells,
    choose_channels,
    default_input_names,
    layer_cells,
    title_text,
)
from nnviz.analysis.trace import backward_trace


def _trace(arch, shape, seed=0):
    net = small_cnn(arch, shape, seed)
    x = np.random.default_rng(seed + 1).random((2, int(np.prod(shape))))
    return backward_trace(net, x, [1, 2])


@pytest.fixture
def small():
    return _trace(SMALL, (8, 8, 1))


def test_each_layer_is_shown_as_its_channels_with_shapes_in_the_titles(small):
    conv, pool, flat, dense = (layer_cells(r) for r in small.layers)
    assert [type(c) for c in (conv, pool, flat, dense)] == [MapCells] * 3 + [LayerCells]
    assert conv.shape_text == "3 maps of 8×8" and pool.shape_text == "3 maps of 4×4"
    assert conv.maps.shape == (3, 8, 8) and pool.maps.shape == (3, 4, 4)
    assert conv.kernels.shape == (3, 1, 3, 3) and conv.z.shape == (3, 8, 8)
    assert conv.names == ["map 0 · 8×8", "map 1 · 8×8", "map 2 · 8×8"]
    assert title_text(conv) == ("Layer 1: z¹ = W¹ ∗ x + b¹   (3×1×3×3) ∗ (1×8×8) + (3) — "
                                "3 maps of 8×8 from 1 map of 8×8")
    assert title_text(pool) == "Layer 2: 2×2 max pooling — 3 maps of 8×8 → 3 maps of 4×4"
    assert title_text(flat) == ("Layer 3: flatten — 3 maps of 4×4 → 48 values, channels "
                                "last")
    # The dense layer after flatten is layer 4 of the stack, as in the stepper.
    assert dense.layer == 4
    assert title_text(dense).startswith("Layer 4: z⁴ = W⁴·a³ + b⁴   (4×48)·(48×1) + (4×1)")
    np.testing.assert_array_equal(conv.maps, small.layers[0].a[0])
    np.testing.assert_array_equal(conv.kernels, small.layers[0].W)
    np.testing.assert_array_equal(pool.maps, small.layers[1].a[0])
    np.testing.assert_array_equal(layer_cells(small.layers[0], example=1).maps,
                                  small.layers[0].a[1])


def test_the_strongest_channels_are_shown_when_there_are_many():
    t = _trace("conv20k3,pool2,flatten,dense3", (6, 6, 2), seed=3)
    cells = layer_cells(t.layers[0])
    a = t.layers[0].a[0]
    strength = np.abs(a).mean(axis=(1, 2))
    expect = np.sort(np.argsort(-strength, kind="stable")[:16])
    np.testing.assert_array_equal(cells.channels, expect)
    assert len(cells.channels) == 16 and cells.maps.shape == (16, 6, 6)
    np.testing.assert_allclose(cells.strength, strength[expect], rtol=1e-14)
    np.testing.assert_array_equal(cells.maps, a[expect])
    assert title_text(cells).endswith(" — showing 16 of 20 maps")
    np.testing.assert_array_equal(choose_channels(a, 3), np.sort(np.argsort(-strength)[:3]))
    chosen = layer_cells(t.layers[0], units=[7, 2, 7])
    np.testing.assert_array_equal(chosen.channels, [2, 7])
    with pytest.raises(ValueError, match="channels must be"):
        layer_cells(t.layers[0], units=[20])


@pytest.mark.parametrize("arch, shape, layer", [(SMALL, (8, 8, 1), 1),
                                                (STRIDED, (13, 13, 2), 1),
                                                (STRIDED, (13, 13, 2), 3)])
def test_each_conv_pixel_is_its_kernel_times_its_patch_plus_the_bias(arch, shape, layer):
    rec = _trace(arch, shape).layers[layer - 1]
    cells = layer_cells(rec)
    _, stride, top, left = rec.conv_geometry
    x = rec.x[0]
    c_in, h, w = x.shape
    k = rec.W.shape[-1]
    for c in cells.channels:
        for i in range(rec.shape[1]):
            for j in range(rec.shape[2]):
                s = cells.pixel_sum(c, i, j)
                patch = np.zeros((c_in, k, k))
                for u in range(k):
                    for v in range(k):
                        r, q = stride * i + u - top, stride * j + v - left
                        if 0 <= r < h and 0 <= q < w:
                            patch[:, u, v] = x[:, r, q]
                np.testing.assert_array_equal(s.x, patch)
                np.testing.assert_array_equal(s.W, rec.W[c])
                assert s.z == rec.z[0, c, i, j] and s.a == rec.a[0, c, i, j]
                assert s.total == pytest.approx(s.z, rel=1e-12, abs=1e-14)
    s = cells.pixel_sum(cells.channels[0], 0, 0)
    assert s.text().startswith(f"z{'¹' if layer == 1 else '³'}[{cells.channels[0]}, 0, 0] = "
                               f"Σ {c_in * k * k} products ")


def test_pooling_cells_show_each_block_and_its_maximum(small):
    cells = layer_cells(small.layers[1])
    a1 = small.layers[1].x[0]
    for c in range(3):
        for i in range(4):
            for j in range(4):
                b = cells.block(c, i, j)
                np.testing.assert_array_equal(b.values, a1[c, 2 * i:2 * i + 2, 2 * j:2 * j + 2])
                assert b.a == b.values.max() == b.values[b.picked]
    b = cells.block(1, 2, 3)
    assert b.text().startswith("a²[1, 2, 3] = max of a¹[1, 4:6, 6:8] = ")
    avg = layer_cells(_trace(STRIDED, (13, 13, 2)).layers[1]).block(0, 1, 0)
    assert avg.picked is None and avg.a == pytest.approx(avg.values.mean(), rel=1e-14)
    assert avg.values.shape == (3, 3)
    with pytest.raises(ValueError, match="pixel_sum is for conv layers"):
        cells.pixel_sum(0, 0, 0)


def test_flatten_cells_say_where_each_pixel_lands_in_the_vector(small):
    rec = small.layers[2]
    cells = layer_cells(rec)
    assert cells.positions.shape == (3, 4, 4)
    assert cells.positions[2, 1, 3].item() == (1 * 4 + 3) * 3 + 2
    np.testing.assert_array_equal(rec.a[0][cells.positions], cells.maps)
    assert sorted(cells.positions.ravel()) == list(range(48))
    names = default_input_names(4, 48, map_shape=(3, 4, 4))
    assert names[23] == "a³₂₃ [2, 1, 3]"
    assert default_input_names(4, 48)[23] == "a³₂₃"
