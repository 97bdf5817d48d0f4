"""Augmentation against independent oracles: slicing for shifts, np.rot90 for rotations,
hand-drawn pixel sets for dilation and erosion, moments for rotation and noise."""

import gzip

import numpy as np
import pytest

from nnviz.engine.augment import (
    Augmentation,
    Augmenter,
    augment,
    dilate,
    erode,
    rotation_sources,
    warp,
)

ALL_ON = Augmentation(noise_std=0.1, max_rotation_deg=10, max_shift_px=2, thickness=0.3)


def _readonly(x):
    x = np.array(x, dtype=np.float32)
    x.setflags(write=False)
    return x


def _letter_f():
    """An asymmetric 28x28 pattern (an "F" with a dot), values in (0, 1]."""
    img = np.zeros((28, 28), dtype=np.float32)
    img[5:22, 8:11] = 1.0       # stem
    img[5:8, 11:20] = 0.8       # top bar
    img[12:14, 11:17] = 0.6     # middle bar
    img[20, 22] = 0.3           # a lone dot, bottom right
    return img


def _digits(m, seed=0):
    """m random blob images (m, 784) in [0, 1], ink near the centre."""
    rng = np.random.default_rng(seed)
    x = np.zeros((m, 28, 28), dtype=np.float32)
    x[:, 6:22, 9:19] = rng.random((m, 16, 10), dtype=np.float32)
    return x.reshape(m, 784)


def _shifted(img, dx, dy):
    """Reference shift by slicing: content moves right by dx, down by dy, zero fill."""
    out = np.zeros_like(img)
    h, w = img.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        img[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _centre_of_mass(img):
    rows, cols = np.indices(img.shape)
    return np.array([(img * rows).sum(), (img * cols).sum()]) / img.sum()


# --- Augmentation -------------------------------------------------------------------------

def test_augmentation_defaults_are_disabled_and_any_field_enables():
    assert not Augmentation().enabled
    for field in ("noise_std", "max_rotation_deg", "max_shift_px", "thickness"):
        assert Augmentation(**{field: 0.5}).enabled


@pytest.mark.parametrize("kwargs, name", [
    ({"noise_std": -0.1}, "noise_std"), ({"noise_std": 1.5}, "noise_std"),
    ({"max_rotation_deg": 46}, "max_rotation_deg"), ({"max_shift_px": 8.5}, "max_shift_px"),
    ({"thickness": 1.01}, "thickness"), ({"thickness": float("nan")}, "thickness"),
    ({"max_shift_px": "2"}, "max_shift_px"),
])
def test_augmentation_rejects_out_of_range_values_by_name(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Augmentation(**kwargs)


def test_augmentation_accepts_its_limits():
    a = Augmentation(noise_std=1, max_rotation_deg=45, max_shift_px=8, thickness=1)
    assert a.max_rotation_deg == 45 and a.enabled


# --- disabled, shapes, inputs ---------------------------------------------------------------

def test_disabled_returns_an_equal_copy_and_leaves_the_input_alone():
    x = _readonly(_digits(16))
    before = x.copy()
    for out in (Augmenter()(x, Augmentation(), np.random.default_rng(0)),
                augment(x, Augmentation(), np.random.default_rng(0))):
        assert out is not x and not np.shares_memory(out, x)
        assert np.array_equal(out, x) and out.dtype == np.float32
    assert np.array_equal(x, before)


@pytest.mark.parametrize("m", [1, 7, 128])
def test_all_on_gives_a_new_float32_batch_in_range_and_keeps_the_input(m):
    x = _readonly(_digits(m))
    before = x.copy()
    out = Augmenter()(x, ALL_ON, np.random.default_rng(1))
    assert out.shape == (m, 784) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert np.array_equal(x, before)
    assert not np.array_equal(out, x)


def test_an_empty_batch_gives_an_empty_batch():
    out = Augmenter()(np.zeros((0, 784), np.float32), ALL_ON, np.random.default_rng(0))
    assert out.shape == (0, 784) and out.dtype == np.float32


def test_float64_and_fortran_order_inputs_give_the_float32_c_order_result():
    x = _digits(20)
    expected = Augmenter()(x, ALL_ON, np.random.default_rng(2))
    for variant in (x.astype(np.float64), np.asfortranarray(x)):
        assert np.array_equal(Augmenter()(variant, ALL_ON, np.random.default_rng(2)), expected)


def test_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match="784"):
        Augmenter()(np.zeros((4, 28, 28), np.float32), ALL_ON, np.random.default_rng(0))
    with pytest.raises(ValueError, match="784"):
        warp(np.zeros((4, 100), np.float32), 10)


# --- geometry -------------------------------------------------------------------------------

def test_warp_shift_moves_a_block_by_exactly_two_columns():
    img = np.zeros((28, 28), dtype=np.float32)
    img[10:14, 5:9] = 1.0
    out = warp(img.reshape(1, -1), 0, dx=2, dy=0).reshape(28, 28)
    expected = np.zeros_like(img)
    expected[10:14, 7:11] = 1.0
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("dx, dy", [(2, 0), (-3, 0), (0, 4), (-1, -2), (8, -8)])
def test_warp_shift_matches_slicing_and_fills_with_zeros(dx, dy):
    img = _letter_f()
    out = warp(img.reshape(1, -1), 0, dx, dy).reshape(28, 28)
    assert np.array_equal(out, _shifted(img, dx, dy))


def test_warp_rejects_fractional_shifts():
    with pytest.raises(ValueError, match="whole pixels"):
        warp(np.zeros((1, 784), np.float32), 0, dx=0.5)


@pytest.mark.parametrize("angle, k", [(90, 1), (-90, -1), (180, 2), (270, 3)])
def test_warp_quarter_turns_match_rot90_counter_clockwise(angle, k):
    img = _letter_f()
    out = warp(img.reshape(1, -1), angle).reshape(28, 28)
    assert np.array_equal(out, np.rot90(img, k))


def test_positive_angle_turns_the_right_edge_up():
    img = np.zeros((28, 28), dtype=np.float32)
    img[13:15, 22:25] = 1.0  # right of centre
    out = warp(img.reshape(1, -1), 30).reshape(28, 28)
    row, col = _centre_of_mass(out)
    assert row < 13.5 - 3 and col < 23  # up (smaller row) and pulled towards the centre


def test_small_rotation_moves_the_centre_of_mass_as_the_rotation_and_keeps_the_ink():
    img = np.zeros((28, 28), dtype=np.float32)
    img[6:20, 10:16] = np.linspace(0.2, 1.0, 6)  # an off-centre, graded bar
    img[18:22, 8:20] = 0.7
    angle = 7.0
    out = warp(img.reshape(1, -1), angle).reshape(28, 28)
    t = np.deg2rad(angle)
    oy, ox = _centre_of_mass(img) - 13.5
    # Counter-clockwise on screen (y down): (ox, oy) -> (cos·ox + sin·oy, -sin·ox + cos·oy).
    expected = 13.5 + np.array([-np.sin(t) * ox + np.cos(t) * oy, np.cos(t) * ox + np.sin(t) * oy])
    assert np.linalg.norm(_centre_of_mass(out) - expected) < 0.5
    assert abs(out.sum() / img.sum() - 1) < 0.03


def test_rotation_sources_marks_outside_with_the_pixel_count():
    src = rotation_sources([0, 45], (28, 28), pad=2)
    assert src.shape == (2, 32, 32) and src.dtype == np.int32
    assert np.array_equal(src[0, 2:-2, 2:-2].ravel(), np.arange(784))
    assert (src[0, :2] == 784).all() and (src[0, :, -2:] == 784).all()
    assert src[1, 2, 2] == 784  # the output's corner comes from beyond the image at 45°
    row, col = divmod(int(src[1, 2 + 13, 2 + 13]), 28)  # the centre stays near the centre
    assert abs(row - 13.5) <= 1 and abs(col - 13.5) <= 1


@pytest.mark.parametrize("m", [1, 7, 128, 300])
def test_random_geometry_is_warp_of_each_samples_drawn_transform(m):
    x = _digits(m, seed=3)
    augmenter, aug = Augmenter(seed=5), Augmentation(max_rotation_deg=10, max_shift_px=3)
    draw = augmenter.draw(m, aug, np.random.default_rng(m))
    out = augmenter.apply(x, draw)
    assert np.abs(draw.angle_deg).max() <= 10 and np.abs(draw.dx).max() <= 3
    assert np.abs(draw.dy).max() <= 3 and len(draw.angle_deg) == m
    for i in range(m):
        expected = warp(x[i:i + 1], draw.angle_deg[i], draw.dx[i], draw.dy[i])[0]
        assert np.array_equal(out[i], expected), i


def test_random_shifts_match_slicing_and_cover_the_range():
    x = _digits(128, seed=4)
    augmenter = Augmenter()
    draw = augmenter.draw(128, Augmentation(max_shift_px=2), np.random.default_rng(6))
    out = augmenter.apply(x, draw).reshape(-1, 28, 28)
    for i in range(128):
        assert np.array_equal(out[i], _shifted(x[i].reshape(28, 28), draw.dx[i], draw.dy[i]))
    assert set(draw.dx.tolist()) == set(draw.dy.tolist()) == {-2, -1, 0, 1, 2}
    assert not draw.angle_deg.any()


def test_drawn_angles_are_whole_degrees_spread_over_the_range():
    draw = Augmenter().draw(1024, Augmentation(max_rotation_deg=10.9), np.random.default_rng(0))
    counts = np.bincount(draw.angle_deg + 10, minlength=21)
    assert len(counts) == 21 and counts.min() > 20  # every degree in [-10, 10], roughly even
    assert not draw.dx.any() and not draw.dy.any()


# --- stroke thickness -----------------------------------------------------------------------

def test_dilation_makes_a_one_pixel_line_three_wide():
    img = np.zeros((1, 28, 28), dtype=np.float32)
    img[0, 5:20, 12] = 1.0
    out = dilate(img)[0]
    assert np.array_equal(np.flatnonzero(out[12]), [11, 12, 13])
    assert (out[5:20] > 0).sum(axis=1).tolist() == [3] * 15
    assert out.sum() == 3 * 15 + 2  # plus one pixel beyond each end (a cross element)


def test_erosion_makes_a_three_wide_bar_one_wide():
    img = np.zeros((1, 28, 28), dtype=np.float32)
    img[0, 5:20, 11:14] = 0.9
    out = erode(img)[0]
    expected = np.zeros((28, 28), dtype=np.float32)
    expected[6:19, 12] = 0.9
    assert np.array_equal(out, expected)


def test_erosion_treats_outside_as_black_and_dilation_keeps_values():
    img = np.full((1, 28, 28), 0.5, dtype=np.float32)
    assert np.array_equal(dilate(img), img)
    eroded = erode(img)[0]
    assert (eroded[1:-1, 1:-1] == 0.5).all()
    assert (eroded[0] == 0).all() and (eroded[:, -1] == 0).all()


def test_thickness_one_thickens_or_thins_every_sample_about_half_each():
    x = _digits(400, seed=7)
    augmenter = Augmenter()
    draw = augmenter.draw(400, Augmentation(thickness=1.0), np.random.default_rng(8))
    out = augmenter.apply(x, draw).reshape(-1, 28, 28)
    images = x.reshape(-1, 28, 28)
    thick, thin = draw.stroke == 1, draw.stroke == -1
    assert (thick | thin).all() and 160 < thick.sum() < 240
    assert np.array_equal(out[thick], dilate(images[thick]))
    assert np.array_equal(out[thin], erode(images[thin]))


def test_thickness_changes_about_that_share_of_samples():
    x = _digits(1000, seed=9)
    out = Augmenter()(x, Augmentation(thickness=0.3), np.random.default_rng(10))
    changed = (out != x).any(axis=1).mean()
    assert 0.25 < changed < 0.35  # binomial(1000, 0.3): sd 0.015


# --- noise ----------------------------------------------------------------------------------

@pytest.mark.parametrize("m", [128, 300])  # 300 images read the noise bank in two runs
def test_noise_on_mid_grey_has_zero_mean_and_the_asked_std(m):
    x = np.full((m, 784), 0.5, dtype=np.float32)
    augmenter, rng = Augmenter(), np.random.default_rng(11)
    for std in (0.05, 0.1):  # 5 and 10 sigmas from the clip limits: clipping is negligible
        noise = augmenter(x, Augmentation(noise_std=std), rng) - 0.5
        assert abs(noise.mean()) < 0.02 * std
        assert abs(noise.std() / std - 1) < 0.02
    flat, half = noise.ravel(), 50_000
    assert abs(np.corrcoef(flat[:half], flat[half:2 * half])[0, 1]) < 0.05
    if m == 300:  # the second run starts at element 2**17, from another bank offset
        assert abs(np.corrcoef(flat[:half], flat[1 << 17:(1 << 17) + half])[0, 1]) < 0.05


def test_noise_is_clipped_to_the_unit_interval():
    x = np.concatenate([np.zeros((4, 784)), np.ones((4, 784))]).astype(np.float32)
    out = Augmenter()(x, Augmentation(noise_std=1.0), np.random.default_rng(12))
    assert out.min() == 0.0 and out.max() == 1.0
    assert 0.3 < (out[:4] == 0).mean() < 0.7 and 0.3 < (out[4:] == 1).mean() < 0.7


def test_noise_differs_between_samples_and_batches():
    x = np.full((64, 784), 0.5, dtype=np.float32)
    augmenter, rng = Augmenter(), np.random.default_rng(13)
    a = augmenter(x, Augmentation(noise_std=0.1), rng) - 0.5
    b = augmenter(x, Augmentation(noise_std=0.1), rng) - 0.5
    assert abs(np.corrcoef(a[0], a[1])[0, 1]) < 0.15
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.15


# --- reproducibility ------------------------------------------------------------------------

def test_same_seed_and_rng_state_give_identical_batches():
    x = _digits(128, seed=14)
    runs = []
    for _ in range(2):
        augmenter, rng = Augmenter(seed=3), np.random.default_rng(15)
        runs.append([augmenter(x, ALL_ON, rng) for _ in range(3)])
    for a, b in zip(*runs, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(runs[0][0], runs[0][1])


def test_a_different_rng_or_seed_gives_a_different_batch():
    x = _digits(128, seed=16)
    base = Augmenter(seed=3)(x, ALL_ON, np.random.default_rng(17))
    assert not np.array_equal(base, Augmenter(seed=3)(x, ALL_ON, np.random.default_rng(18)))
    assert not np.array_equal(base, Augmenter(seed=4)(x, ALL_ON, np.random.default_rng(17)))
    geometry = Augmentation(max_rotation_deg=10, max_shift_px=2)  # the seed reaches it too
    a, b = (Augmenter(seed=s).draw(128, geometry, np.random.default_rng(17)) for s in (3, 4))
    assert not np.array_equal(a.angle_deg, b.angle_deg)


def test_changing_the_augmentation_mid_run_and_back_reproduces_the_batch():
    x = _digits(128, seed=19)
    augmenter = Augmenter()
    first = augmenter(x, ALL_ON, np.random.default_rng(20))
    other = Augmentation(noise_std=0.3, max_rotation_deg=30, max_shift_px=5, thickness=0.6)
    augmenter(x, other, np.random.default_rng(21))
    assert np.array_equal(augmenter(x, ALL_ON, np.random.default_rng(20)), first)


def test_augment_wrapper_equals_a_seed_zero_augmenter():
    x = _digits(32, seed=22)
    expected = Augmenter(seed=0)(x, ALL_ON, np.random.default_rng(23))
    assert np.array_equal(augment(x, ALL_ON, np.random.default_rng(23)), expected)


def test_apply_refuses_a_draw_from_another_seed_or_size():
    x = _digits(8)
    draw = Augmenter(seed=1).draw(8, ALL_ON, np.random.default_rng(0))
    with pytest.raises(ValueError, match="seed"):
        Augmenter(seed=2).apply(x, draw)
    with pytest.raises(ValueError, match="8 samples"):
        Augmenter(seed=1).apply(x[:4], draw)


# --- real digits ----------------------------------------------------------------------------

def test_on_real_digits_small_rotation_keeps_ink_and_thinning_keeps_most_digits(mnist_dir):
    with gzip.open(mnist_dir / "t10k-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    x = raw.reshape(-1, 784)[:500].astype(np.float32) / 255
    ink = x.sum(axis=1)
    rotated = warp(x, 10).sum(axis=1)
    assert abs(np.median(rotated / ink) - 1) < 0.03
    thinned = erode(x.reshape(-1, 28, 28)).sum(axis=(1, 2)) / ink
    thickened = dilate(x.reshape(-1, 28, 28)).sum(axis=(1, 2)) / ink
    assert (thinned > 0.05).mean() > 0.9 and 1.4 < np.median(thickened) < 2.2
