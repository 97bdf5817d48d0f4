"""Spoiling test images: each kind does what it says, curves start at the plain accuracy."""

import numpy as np
import pytest

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.robustness import SPOILERS, robustness_curves, spoil
from nnviz.engine.config import TrainConfig
from nnviz.engine.image_ops import dilate, erode, warp
from nnviz.engine.network import MLP
from nnviz.engine.training import Trainer, make_network


def digits_like(n=200, seed=0):
    """Class k: a bright bar at place k on a dark background."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    img = np.zeros((n, 28, 28), dtype=np.float32)
    for i, k in enumerate(y):
        r, c = 3 + 11 * (k // 5), 3 + 5 * (k % 5)
        img[i, r:r + 10, c:c + 3] = 0.7 + 0.3 * rng.random()
    return img.reshape(n, 784), y.astype(np.int64)


@pytest.fixture(scope="module")
def trained():
    from nnviz.datasets import Dataset
    x_tr, y_tr = digits_like(300, 1)
    x_te, y_te = digits_like(150, 2)
    ds = Dataset("bars", tuple(map(str, range(10))), x_tr, y_tr, x_tr[:0], y_tr[:0], x_te, y_te)
    cfg = TrainConfig(hidden=(24,), batch_size=50, epochs=1, lr=1e-2, seed=0)
    trainer = Trainer(make_network(cfg, 784, 10), ds, cfg)
    for _ in range(12):
        trainer.step()
    return trainer.net, x_te, y_te


def test_every_kind_has_levels_from_zero():
    assert set(SPOILERS) == {"noise", "rotation", "thicker", "thinner"}
    for s in SPOILERS.values():
        assert s.levels[0] == 0 and all(np.diff(s.levels) > 0) and len(s.levels) >= 4
        assert s.max_level == s.levels[-1]
    assert SPOILERS["rotation"].describe(30) == "±30°"
    assert SPOILERS["noise"].describe(0.2) == "σ = 0.2"


@pytest.mark.parametrize("kind", list(SPOILERS))
def test_level_zero_returns_the_images_unchanged(kind):
    x, _ = digits_like(5)
    out = spoil(x, kind, 0.0)
    assert out is x


def test_noise_is_gaussian_and_clipped():
    x = np.full((50, 784), 0.5, dtype=np.float32)
    out = spoil(x, "noise", 0.1, np.random.default_rng(3))
    assert out.dtype == np.float32 and out.shape == x.shape
    assert abs(float((out - 0.5).std()) - 0.1) < 0.003
    wild = spoil(x, "noise", 2.0, np.random.default_rng(3))
    assert wild.min() == 0.0 and wild.max() == 1.0  # clipped to [0, 1]
    np.testing.assert_array_equal(spoil(x, "noise", 0.1, np.random.default_rng(3)), out)


def test_rotation_turns_each_image_one_way_or_the_other():
    x, _ = digits_like(40)
    out = spoil(x, "rotation", 90, np.random.default_rng(0))
    images = x.reshape(-1, 28, 28)
    ccw, cw = np.rot90(images, 1, axes=(1, 2)), np.rot90(images, -1, axes=(1, 2))
    which = []
    for o, a, b in zip(out.reshape(-1, 28, 28), ccw, cw):
        assert np.array_equal(o, a) or np.array_equal(o, b)
        which.append(np.array_equal(o, a))
    assert 5 < sum(which) < 35  # both directions occur
    np.testing.assert_array_equal(spoil(x[:1], "rotation", 30, np.random.default_rng(1)),
                                  warp(x[:1], 30) if np.random.default_rng(1).random() >= 0.5
                                  else warp(x[:1], -30))


def test_thicker_and_thinner_are_dilation_and_erosion_blended():
    x, _ = digits_like(6)
    img = x.reshape(-1, 28, 28)
    np.testing.assert_array_equal(spoil(x, "thicker", 1), dilate(img).reshape(6, 784))
    np.testing.assert_array_equal(spoil(x, "thicker", 2), dilate(dilate(img)).reshape(6, 784))
    np.testing.assert_array_equal(spoil(x, "thinner", 1), erode(img).reshape(6, 784))
    half = spoil(x, "thinner", 0.5)
    np.testing.assert_allclose(half, (0.5 * img + 0.5 * erode(img)).reshape(6, 784), rtol=1e-6)
    mixed = spoil(x, "thicker", 1.25)
    d1 = dilate(img)
    np.testing.assert_allclose(mixed, (0.75 * d1 + 0.25 * dilate(d1)).reshape(6, 784), rtol=1e-6)
    ink = [float(spoil(x, "thicker", lv).sum()) for lv in SPOILERS["thicker"].levels]
    assert all(np.diff(ink) > 0)
    ink = [float(spoil(x, "thinner", lv).sum()) for lv in SPOILERS["thinner"].levels]
    assert all(np.diff(ink) < 0)


def test_bad_kind_or_level():
    x, _ = digits_like(2)
    with pytest.raises(ValueError, match="unknown spoiling 'blur'"):
        spoil(x, "blur", 1)
    with pytest.raises(ValueError, match="must be ≥ 0"):
        spoil(x, "noise", -0.1)
    with pytest.raises(ValueError, match="unknown spoiling"):
        robustness_curves(MLP((784, 10)), x, np.zeros(2, int), kinds=["blur"])


def test_curves_at_zero_equal_plain_accuracy(trained):
    net, x, y = trained
    plain = Evaluation.compute(net, x, y).accuracy
    assert plain > 0.8
    curves = robustness_curves(net, x, y, n=None)
    assert list(curves) == list(SPOILERS)
    for kind, (levels, acc) in curves.items():
        np.testing.assert_array_equal(levels, SPOILERS[kind].levels)
        assert acc.shape == levels.shape and acc.dtype == np.float64
        assert acc[0] == plain, kind
    # Strong noise and rotation hurt (the bars survive thicker and thinner strokes).
    assert curves["noise"][1][-1] < plain - 0.2 and curves["rotation"][1][-1] < plain - 0.5


def test_each_point_is_the_accuracy_on_spoilt_images(trained):
    net, x, y = trained
    curves = robustness_curves(net, x, y, kinds=["noise"], levels={"noise": [0.0, 0.3]}, seed=4)
    # Every level of a kind uses the stream (seed, kind's position in SPOILERS).
    spoilt = spoil(x, "noise", 0.3, np.random.default_rng([4, 0]))
    assert curves["noise"][1][1] == np.mean(net.predict(spoilt) == y)


def test_subset_is_deterministic_and_seeded(trained):
    net, x, y = trained
    a = robustness_curves(net, x, y, n=60, seed=1)
    b = robustness_curves(net, x, y, n=60, seed=1)
    for kind in a:
        np.testing.assert_array_equal(a[kind][1], b[kind][1])
    subset = np.sort(np.random.default_rng(1).choice(len(x), 60, replace=False))
    assert a["rotation"][1][0] == np.mean(net.predict(x[subset]) == y[subset])
    c = robustness_curves(net, x, y, kinds=["thinner", "noise"], n=60, seed=1)
    assert list(c) == ["thinner", "noise"]  # a kind's draws do not depend on the others
    np.testing.assert_array_equal(c["noise"][1], a["noise"][1])


def test_progress_and_stop(trained):
    net, x, y = trained
    calls = []
    robustness_curves(net, x, y, kinds=["noise", "rotation"], n=30,
                      progress=lambda done, total: calls.append((done, total)))
    total = len(SPOILERS["noise"].levels) + len(SPOILERS["rotation"].levels)
    assert calls == [(i, total) for i in range(1, total + 1)]
    polls = []

    def stop_after_three():
        polls.append(1)
        return len(polls) > 3

    cut = robustness_curves(net, x, y, n=30, should_stop=stop_after_three)
    assert list(cut) == ["noise"] and len(cut["noise"][0]) == 3
