"""MNIST-style preprocessing of drawings: area resize, centre of mass, the 28×28 pipeline."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from nnviz.analysis.preprocess import (
    MNIST_CENTRE,
    center_of_mass,
    resize_area,
    to_mnist,
)


def _canvas(r0: int, r1: int, c0: int, c1: int, size: int = 280) -> np.ndarray:
    canvas = np.zeros((size, size))
    canvas[r0:r1, c0:c1] = 1.0
    return canvas


def _ink_extent(img: np.ndarray, threshold: float = 0.05) -> tuple[int, int]:
    rows = np.flatnonzero((img > threshold).any(axis=1))
    cols = np.flatnonzero((img > threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.mark.parametrize("centre", [MNIST_CENTRE, 13.5])
def test_off_centre_rectangle_is_scaled_to_20_and_centred(centre):
    out = to_mnist(_canvas(10, 150, 180, 250), centre=centre)  # 140 x 70, top right
    assert max(_ink_extent(out)) in (19, 20, 21)
    row, col = center_of_mass(out)
    assert abs(row - centre) <= 0.5 and abs(col - centre) <= 0.5


def test_default_centre_is_where_mnist_puts_it():
    assert MNIST_CENTRE == 14.0


def test_aspect_ratio_is_kept():
    tall = to_mnist(_canvas(40, 240, 100, 200))  # 200 x 100
    wide = to_mnist(_canvas(100, 200, 40, 240))  # 100 x 200
    assert _ink_extent(tall) == (20, 10)
    assert _ink_extent(wide) == (10, 20)
    np.testing.assert_allclose(tall.sum(), 200.0, rtol=1e-6)  # fully inside: all mass kept


@pytest.mark.parametrize("shape, out", [((280, 280), (20, 20)), ((137, 61), (20, 9)),
                                        ((7, 3), (20, 9)), ((5, 40), (5, 40))])
def test_resize_area_preserves_the_mean(shape, out):
    img = np.random.default_rng(0).random(shape)
    res = resize_area(img, *out)
    assert res.shape == out
    expected = img.sum() * (out[0] / shape[0]) * (out[1] / shape[1])
    np.testing.assert_allclose(res.sum(), expected, rtol=1e-5)
    np.testing.assert_allclose(res.mean(), img.mean(), rtol=1e-5)


def test_resize_area_numbers():
    img = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(resize_area(img, 2, 2), [[2.5, 4.5], [10.5, 12.5]])  # 2x2 means
    np.testing.assert_array_equal(resize_area(img, 4, 4), img)  # identity
    # 3 -> 2: output pixels cover [0, 1.5) and [1.5, 3)
    np.testing.assert_allclose(resize_area(np.array([[0.0, 3.0, 6.0]]), 1, 2), [[1.0, 5.0]])
    # enlarging degenerates to nearest with a blend where an output pixel straddles two inputs
    np.testing.assert_allclose(resize_area(np.array([[0.0, 1.0]]), 1, 3), [[0.0, 0.5, 1.0]])


def test_shrinking_makes_grey_edges():
    canvas = np.zeros((280, 280))
    canvas[20:220, 50:65] = 1.0  # two bars 15 px wide: bbox 200 x 200, scale 0.1,
    canvas[20:220, 235:250] = 1.0  # so each output pixel averages 10 x 10 input pixels
    out = to_mnist(canvas)
    cols = np.flatnonzero(out.any(axis=0))
    assert cols.size == 4 and cols[-1] - cols[0] == 19
    np.testing.assert_allclose(out[:, cols].max(axis=0), [1.0, 0.5, 0.5, 1.0], rtol=1e-6)


def test_empty_canvas_gives_zeros():
    out = to_mnist(np.zeros((280, 280)))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert not out.any()
    assert not to_mnist(np.full((50, 50), 0.04)).any()  # below threshold is no ink


def test_single_dot_becomes_a_centred_blob():
    canvas = np.zeros((280, 280))
    canvas[30:34, 250:254] = 1.0  # a 4x4 dot in a corner, enlarged to 20x20
    out = to_mnist(canvas)
    assert _ink_extent(out) == (20, 20)
    row, col = center_of_mass(out)
    assert abs(row - 14.0) <= 0.5 and abs(col - 14.0) <= 0.5
    one_px = np.zeros((28, 28))
    one_px[3, 20] = 0.8
    out = to_mnist(one_px)
    np.testing.assert_allclose(out, 0.8 * _canvas(4, 24, 4, 24, size=28))


def test_output_is_float32_in_unit_range():
    canvas = np.random.default_rng(1).random((280, 280)) * 1.2 - 0.1  # out-of-range input
    out = to_mnist(canvas)
    assert out.dtype == np.float32 and out.shape == (28, 28)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_centre_of_mass():
    img = np.zeros((5, 7))
    img[1, 2], img[3, 6] = 1.0, 3.0
    assert center_of_mass(img) == pytest.approx((2.5, 5.0))
    assert center_of_mass(np.zeros((4, 6))) == (1.5, 2.5)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError):
        to_mnist(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError):
        resize_area(np.zeros((4, 4)), 0, 3)


@pytest.mark.mnist
def test_upscaled_mnist_digits_come_back(mnist_dir):
    with gzip.open(mnist_dir / "t10k-images-idx3-ubyte.gz") as f:
        digits = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:200] / 255.0
    block = np.ones((10, 10))
    corr = np.array([np.corrcoef(to_mnist(np.kron(d, block)).ravel(), d.ravel())[0, 1]
                     for d in digits])
    assert corr.min() > 0.99  # 13.5 as the centre would give a median of ~0.79
