"""Optimisers against plain transcriptions of their published update rules."""

import numpy as np
import pytest

from nnviz.engine.optim import SGD, Adam, effective_momentum, make_optimizer
from nnviz.engine.schedules import lr_factor


def _run(opt, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(7)
    grads = [rng.standard_normal(7) for _ in range(steps)]
    p = theta.copy()
    for g in grads:
        g_in = g.copy()
        opt.step([p], [g_in])
        assert np.array_equal(g_in, g), "the gradient must be left untouched"
    return theta, grads, p


def test_sgd_is_theta_minus_lr_g():
    theta, grads, p = _run(SGD(0.1))
    assert np.allclose(p, theta - 0.1 * np.sum(grads, axis=0), rtol=1e-12)


def test_sgd_momentum_matches_heavy_ball():
    theta, grads, p = _run(SGD(0.05, momentum=0.9))
    v, ref = np.zeros(7), theta.copy()
    for g in grads:
        v = 0.9 * v + g
        ref -= 0.05 * v
    assert np.allclose(p, ref, rtol=1e-12)


def test_momentum_0_between_steps_is_plain_sgd_and_leaves_no_stale_velocity():
    """μ: 0.9 for 3 steps, 0 for 2, 0.9 again for 2. With μ = 0 the step is exactly η·g, and
    the velocity is 0·v + g = g, so μ = 0.9 resumes from the last gradient."""
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(7)
    grads = [rng.standard_normal(7) for _ in range(7)]
    mus = [0.9, 0.9, 0.9, 0.0, 0.0, 0.9, 0.9]
    opt, p = SGD(0.05, momentum=0.9), theta.copy()
    v, ref = np.zeros(7), theta.copy()
    for mu, g in zip(mus, grads):
        opt.momentum = mu
        before = p.copy()
        opt.step([p], [g.copy()])
        v = mu * v + g
        ref -= 0.05 * v
        if mu == 0:
            assert np.array_equal(opt.last_update(0), 0.05 * g)
            np.testing.assert_allclose(before - p, 0.05 * g, rtol=1e-12)
        np.testing.assert_allclose(p, ref, rtol=1e-12)
    # Built with 0 and raised later, it takes the same road from the same state.
    late = SGD(0.05)
    q = theta.copy()
    for mu, g in zip([0.0, 0.0, 0.9], grads):
        late.momentum = mu
        late.step([q], [g])
    v = 0.9 * grads[1] + grads[2]
    np.testing.assert_allclose(q, theta - 0.05 * (grads[0] + grads[1] + v), rtol=1e-12)


def test_adam_matches_the_paper():
    theta, grads, p = _run(Adam(1e-2, 0.9, 0.999, 1e-8), steps=20)
    m = v = np.zeros(7)
    ref = theta.copy()
    for t, g in enumerate(grads, 1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        ref -= 1e-2 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    assert np.allclose(p, ref, rtol=1e-10, atol=1e-14)


def test_last_update_is_what_was_subtracted():
    opt = Adam(1e-3)
    p = np.ones(4, dtype=np.float32)
    before = p.copy()
    opt.step([p], [np.array([1, -2, 3, 0], dtype=np.float32)])
    assert np.allclose(before - p, opt.last_update(0), rtol=1e-3)
    assert opt.last_update(0)[3] == 0


def test_make_optimizer_and_live_momentum():
    assert isinstance(make_optimizer("adam", 1e-3), Adam)
    sgd = make_optimizer("momentum", 0.1, 0.9)
    assert isinstance(sgd, SGD) and sgd.momentum == 0.9
    # Momentum 0 is plain SGD whichever SGD name; Adam's 0 is its default β₁ = 0.9.
    assert make_optimizer("momentum", 0.1).momentum == 0.0
    assert make_optimizer("sgd", 0.1).momentum == 0.0
    assert make_optimizer("adam", 1e-3).beta1 == 0.9
    assert make_optimizer("adam", 1e-3, 0.5).beta1 == 0.5
    assert [effective_momentum(n, 0.0) for n in ("sgd", "momentum", "adam")] == [0.0, 0.0, 0.9]
    assert [effective_momentum(n, 0.7) for n in ("sgd", "momentum", "adam")] == [0.7, 0.7, 0.7]
    adam = make_optimizer("adam", 1e-3)
    adam.momentum = 0.8
    assert adam.beta1 == 0.8
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", 0.1)


def test_schedules():
    assert lr_factor("constant", 7.3) == 1.0
    assert lr_factor("step", 4.9, step_epochs=5, gamma=0.1) == 1.0
    assert lr_factor("step", 10.0, step_epochs=5, gamma=0.1) == pytest.approx(0.01)
    assert lr_factor("cosine", 0.0, total_epochs=10) == 1.0
    assert lr_factor("cosine", 5.0, total_epochs=10) == pytest.approx(0.5)
    assert lr_factor("cosine", 10.0, total_epochs=10, min_factor=0.1) == pytest.approx(0.1)
    assert lr_factor("cosine", 99.0, total_epochs=10) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="unknown schedule"):
        lr_factor("exp", 1.0)
