"""The charts' arithmetic, no window needed: mosaics of images, grid shapes, symmetric scales."""

import numpy as np
import pytest

from nnviz.charts.parts import grid_shape, max_abs_level, tile, tile_origin


def test_tile_puts_every_image_at_its_origin_and_fills_the_rest():
    images = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    mosaic = tile(images, cols=2, gap=1)
    assert mosaic.shape == (3 * (2 + 1) - 1, 2 * (3 + 1) - 1) == (8, 7)
    assert mosaic.dtype == np.float32 and mosaic.flags.c_contiguous
    for i in range(5):
        r, c = tile_origin(i, 2, (2, 3))
        np.testing.assert_array_equal(mosaic[r:r + 2, c:c + 3], images[i])
    assert [tile_origin(i, 2, (2, 3)) for i in range(5)] == [(0, 0), (0, 4), (3, 0), (3, 4),
                                                             (6, 0)]
    assert np.isnan(mosaic[:, 3]).all() and np.isnan(mosaic[2, :]).all()  # the gaps
    assert np.isnan(mosaic[6:, 4:]).all()  # the unused sixth cell
    assert np.count_nonzero(~np.isnan(mosaic)) == images.size


def test_tile_with_another_gap_fill_and_dtype():
    images = np.ones((3, 4, 4), dtype=np.uint8) * np.array([1, 2, 3], np.uint8)[:, None, None]
    mosaic = tile(images, cols=3, gap=2, fill=0, dtype=np.uint8)
    assert mosaic.shape == (4, 3 * 6 - 2) and mosaic.dtype == np.uint8
    assert mosaic.sum() == 16 * (1 + 2 + 3)
    assert tile_origin(2, 3, (4, 4), gap=2) == (0, 12)
    np.testing.assert_array_equal(mosaic[:, 12:16], 3)
    assert (mosaic[:, 4:6] == 0).all()


def test_tile_of_one_image_is_the_image():
    image = np.random.default_rng(0).random((1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(tile(image, cols=4), np.pad(
        image[0], ((0, 0), (0, 3 * 29)), constant_values=np.nan))


@pytest.mark.parametrize(("n", "shape"), [(256, (16, 16)), (128, (8, 16)), (10, (2, 5)),
                                          (97, (9, 11)), (1, (1, 1)), (7, (2, 4)), (12, (3, 4))])
def test_grid_shape(n, shape):
    assert grid_shape(n) == shape


def test_grid_shapes_hold_every_cell_rows_first_and_near_square():
    for n in range(1, 600):
        rows, cols = grid_shape(n)
        assert rows * cols >= n and rows <= cols
        assert rows * cols < n + cols  # never a whole empty row
        assert rows * cols == n or cols - rows <= 2


def test_grid_shape_refuses_no_cells():
    with pytest.raises(ValueError, match="n ≥ 1, got 0"):
        grid_shape(0)


def test_max_abs_level_is_the_largest_magnitude_or_one():
    assert max_abs_level(np.array([-3.5, 2.0, 0.25])) == 3.5
    assert max_abs_level(np.array([[0.1], [-0.2]], np.float32)) == pytest.approx(0.2)
    assert max_abs_level(np.zeros(4)) == 1.0  # all zero: a scale of ±1, not ±0
    assert max_abs_level(np.array([])) == 1.0
    assert max_abs_level(np.array([1.0, np.nan])) == 1.0
    assert max_abs_level(np.array([np.inf, 1.0])) == 1.0
