"""The training loop, headless, on small synthetic data (report=list.append)."""

import types

import numpy as np
import pytest

from nnviz.engine.augment import Augmentation
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.engine.optim import Adam
from nnviz.engine.training import StepReport, Trainer, TrainingDiverged, make_network, train


def blobs(n=600, d=16, k=4, seed=0, spread=0.4):
    """k Gaussian blobs in d dimensions, squashed to [0, 1]: learnable to ~100 %."""
    rng = np.random.default_rng(seed)
    centres = rng.random((k, d))
    y = rng.integers(0, k, n)
    x = np.clip(centres[y] + spread * 0.1 * rng.standard_normal((n, d)), 0, 1).astype(np.float32)
    cut = n * 3 // 4
    return types.SimpleNamespace(x_train=x[:cut], y_train=y[:cut], x_test=x[cut:], y_test=y[cut:],
                                 x_val=x[:0], y_val=y[:0])


CFG = TrainConfig(hidden=(16,), lr=0.01, batch_size=32, epochs=8, seed=1)


def run(cfg=CFG, data=None):
    data = data or blobs()
    net = make_network(cfg, data.x_train.shape[1], 4)
    reports = []
    trainer = train(net, data, cfg, report=reports.append)
    return net, trainer, reports


def test_training_learns_and_reports_every_batch():
    net, trainer, reports = run()
    assert all(isinstance(r, StepReport) for r in reports)
    assert len(reports) == 8 * int(np.ceil(450 / 32)) == trainer.step_count
    assert [r.step for r in reports] == list(range(1, len(reports) + 1))
    h = trainer.history
    assert [r["epoch"] for r in h] == list(range(1, 9))
    assert h[-1]["test_accuracy"] > 0.95
    assert h[-1]["train_loss"] < h[0]["train_loss"] / 2
    assert h[-1]["val_loss"] is None  # an empty validation split is reported as absent
    assert len(h[-1]["grad_rms"]) == 2 and len(h[-1]["inactive"]) == 1
    assert [r.record for r in reports if r.record] == h
    assert h[-1]["elapsed_s"] >= h[0]["elapsed_s"] > 0
    # The epoch's train loss is the sample-weighted mean of its batch losses.
    first = [r for r in reports if r.step <= h[0]["step"]]
    assert h[0]["train_loss"] == pytest.approx(
        sum(r.loss * r.batch_size for r in first) / sum(r.batch_size for r in first))


def test_same_seed_same_weights_other_seed_other_weights():
    a, _, _ = run()
    b, _, _ = run()
    c, _, _ = run(CFG.replace(seed=2))
    assert np.array_equal(a.theta, b.theta)
    assert not np.allclose(a.theta, c.theta)


def test_full_batch_is_one_step_per_epoch():
    _, trainer, reports = run(CFG.replace(batch_size=0, optimizer="sgd", lr=0.5, epochs=3))
    assert [r.batch_size for r in reports] == [450, 450, 450]


def test_live_changes_apply_at_the_next_batch():
    data = blobs()
    net = make_network(CFG, 16, 4)
    tr = Trainer(net, data, CFG)
    tr.step()
    tr.request(lr=0.05, batch_size=10, momentum=0.5, dropout=0.2, l2=1e-3,
               augmentation=Augmentation(noise_std=0.1))
    assert tr.optimizer.lr == pytest.approx(0.01)  # not yet
    r = tr.step()
    assert r.lr == pytest.approx(0.05) and tr.optimizer.lr == pytest.approx(0.05)
    assert r.batch_size == 10 and tr.optimizer.beta1 == 0.5
    assert tr.config.dropout == 0.2 and tr.config.augmentation.noise_std == 0.1
    with pytest.raises(ValueError, match="hidden cannot change during training"):
        tr.request(hidden=(8,))
    with pytest.raises(ValueError, match="dropout must be in"):
        tr.request(dropout=1.5)
    assert tr.config.dropout == 0.2


def _steps(trainer, n):
    """Train ``n`` batches; for each, the update the optimiser subtracted and plain SGD's
    η·g for the same gradient: two (n, P) arrays."""
    updates, sgd = [], []
    for _ in range(n):
        trainer.step()
        g, lr = trainer.net.grad, trainer.net.dtype.type(trainer.optimizer.lr)
        updates.append(trainer.optimizer.last_update(0).copy())
        sgd.append(g * lr)
    return np.array(updates), np.array(sgd)


def test_momentum_0_is_plain_sgd_at_the_start_and_mid_run():
    # Full batch and no dropout: a batch's gradient depends on the weights only, so runs
    # from the same weights must take bit-identical steps.
    data = blobs()
    cfg = CFG.replace(optimizer="momentum", lr=0.05, batch_size=0, epochs=20)
    k, n = 3, 4
    # Started with momentum 0 ("SGD with momentum" at 0) against plain SGD.
    started0 = Trainer(make_network(cfg, 16, 4), data, cfg.replace(momentum=0.0))
    plain = Trainer(make_network(cfg, 16, 4), data, cfg.replace(optimizer="sgd"))
    updates, sgd = _steps(started0, n)
    np.testing.assert_array_equal(updates, sgd)
    np.testing.assert_array_equal(updates, _steps(plain, n)[0])
    np.testing.assert_array_equal(started0.net.theta, plain.net.theta)
    # Started with 0.9, changed to 0 after batch k, against plain SGD from its batch-k weights.
    mid = Trainer(make_network(cfg, 16, 4), data, cfg.replace(momentum=0.9))
    heavy, heavy_sgd = _steps(mid, k)
    assert not np.allclose(heavy[1:], heavy_sgd[1:], rtol=0.1)  # momentum was on
    mid.request(momentum=0.0)
    net = make_network(cfg, 16, 4)
    net.theta[...] = mid.net.theta
    plain = Trainer(net, data, cfg.replace(optimizer="sgd"))
    updates, sgd = _steps(mid, n)
    assert mid.optimizer.momentum == 0.0 and np.abs(updates).max() > 1e-3
    np.testing.assert_array_equal(updates, sgd)
    np.testing.assert_array_equal(updates, _steps(plain, n)[0])
    np.testing.assert_array_equal(mid.net.theta, plain.net.theta)


def test_adam_momentum_0_is_beta1_0_9_at_the_start_and_mid_run():
    data = blobs()
    tr = Trainer(make_network(CFG, 16, 4), data, CFG)  # Adam, momentum 0
    assert tr.optimizer.beta1 == 0.9
    tr.request(momentum=0.5)
    tr.step()
    assert tr.optimizer.beta1 == 0.5
    tr.request(momentum=0.0)
    tr.step()
    assert tr.optimizer.beta1 == 0.9


def test_divergence_stops_with_a_message_and_keeps_the_last_good_weights():
    # Leaky ReLU units cannot die, so a far too large step makes the weights grow
    # geometrically until the gradient overflows float32.
    cfg = CFG.replace(optimizer="momentum", momentum=0.99, lr=50.0, activation="leaky_relu")
    data = blobs()
    data.x_train = data.x_train * 1e3
    net = make_network(cfg, 16, 4)
    tr = Trainer(net, data, cfg)
    before = []  # θ before each step
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+.*smaller learning rate"):
        for _ in range(1000):
            before.append(net.theta.copy())
            tr.step()
    # The failing step's weights gave a NaN loss; the step before gave a finite one: those stay.
    assert len(before) >= 2
    assert np.array_equal(net.theta, before[-2])
    assert np.all(np.isfinite(net.theta))
    assert tr.step_count == len(before) - 1


def test_nan_input_is_reported_as_divergence_and_training_can_go_on():
    data = blobs()
    tr = Trainer(make_network(CFG, 16, 4), data, CFG.replace(batch_size=0))
    tr.step()
    good = tr.net.theta.copy()
    tr.net.theta[:5] = np.inf  # as if an update had overflowed
    with pytest.raises(TrainingDiverged, match="loss became infinite or NaN"):
        tr.step()
    assert np.all(np.isfinite(tr.net.theta))
    assert not np.array_equal(tr.net.theta, good)  # restored to θ before the last update
    tr.step()  # and it trains on
    assert tr.step_count == 2


def test_should_stop_is_checked_before_every_batch():
    data = blobs()
    net = make_network(CFG, 16, 4)
    reports = []
    train(net, data, CFG, report=reports.append, should_stop=lambda: len(reports) >= 5)
    assert len(reports) == 5


def test_schedule_reaches_optimizer():
    cfg = CFG.replace(schedule="step", step_epochs=1, gamma=0.5, epochs=3)
    _, trainer, reports = run(cfg)
    lrs = sorted({round(r.lr, 6) for r in reports})
    assert lrs == [0.0025, 0.005, 0.01]


def test_train_subset_and_epochs_can_grow():
    cfg = CFG.replace(train_subset=100, epochs=1)
    data = blobs()
    tr = Trainer(make_network(cfg, 16, 4), data, cfg)
    assert len(tr.x_train) == 100
    tr.run()
    assert tr.finished and tr.samples_seen == 100
    tr.request(epochs=2)
    tr.run()
    assert tr.epochs_done == 2 and tr.samples_seen == 200


def test_augmentation_and_dropout_still_learn():
    cfg = CFG.replace(dropout=0.2, augmentation=Augmentation(noise_std=0.05))
    _, trainer, _ = run(cfg)
    assert trainer.history[-1]["test_accuracy"] > 0.9


def test_bad_config_values_are_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="learning rate must be in"):
        TrainConfig(lr=-1)
    with pytest.raises(ValueError, match="activation must be one of"):
        TrainConfig(activation="swish")
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        TrainConfig.from_dict({"lr": 0.1, "colour": "red"})
    assert TrainConfig.from_dict(CFG.to_dict()) == CFG


def test_l2_weight_decay_adds_lambda_w_to_the_gradient():
    data = blobs()
    cfg = CFG.replace(optimizer="sgd", lr=0.1, batch_size=0, l2=0.5, epochs=1)
    net = make_network(cfg, 16, 4)
    ref = net.copy()
    Trainer(net, data, cfg).step()
    ref.loss_and_gradients(data.x_train, data.y_train)
    for L_ref in ref.layers:
        L_ref.dW += 0.5 * L_ref.W
    expected = ref.theta - 0.1 * ref.grad
    assert np.allclose(net.theta, expected, atol=1e-6)


def test_l2_is_coupled_on_weights_only_and_left_out_of_the_reported_loss():
    data = blobs()
    cfg = CFG.replace(optimizer="sgd", lr=0.1, batch_size=0, epochs=1)
    runs = {}
    for lam in (0.0, 0.5):
        net = make_network(cfg, 16, 4)
        W = [L.W.copy() for L in net.layers]
        runs[lam] = (Trainer(net, data, cfg.replace(l2=lam)).step(), net, W)
    (r0, net0, W), (r1, net1, _) = runs[0.0], runs[0.5]
    for L0, L1, W_before in zip(net0.layers, net1.layers, W):
        np.testing.assert_array_equal(L1.db, L0.db)  # biases: no λ in their gradient
        np.testing.assert_array_equal(L1.b, L0.b)
        np.testing.assert_array_equal(L1.dW, L0.dW + np.float32(0.5) * W_before)
    # The reported losses are the data loss: the same with and without λ.
    assert r1.loss == r0.loss and r1.record["train_loss"] == r0.record["train_loss"]
    # Coupled: with Adam, λ·W goes through Adam's scaling with the rest of the gradient
    # (AdamW would subtract lr·λ·W beside it).
    cfg = cfg.replace(optimizer="adam", lr=1e-3, l2=0.5)
    net = make_network(cfg, 16, 4)
    ref = net.copy()
    Trainer(net, data, cfg).step()
    ref.loss_and_gradients(data.x_train, data.y_train)
    for L in ref.layers:
        L.dW += np.float32(0.5) * L.W
    Adam(1e-3).step([ref.theta], [ref.grad])
    np.testing.assert_allclose(net.theta, ref.theta, rtol=1e-6, atol=1e-7)


def test_mlp_parameters_are_views_of_one_buffer():
    net = MLP((5, 4, 3), seed=0)
    assert net.n_parameters == 5 * 4 + 4 + 4 * 3 + 3
    net.parameters()["W2"][0, 0] = 7.0
    assert net.theta[5 * 4 + 4] == 7.0
    assert [p.shape for p in net.parameters().values()] == [(4, 5), (4,), (3, 4), (3,)]


def test_one_activation_per_hidden_layer():
    cfg = TrainConfig(hidden=(8, 6), activation=("tanh", "sigmoid"))
    net = make_network(cfg, 16, 4)
    assert net.activation_names == ["tanh", "sigmoid"]
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainConfig(hidden=(8, 6)).activations == ("relu", "relu")
    with pytest.raises(ValueError, match="1 activations given for 2 hidden layers"):
        TrainConfig(hidden=(8, 6), activation=("tanh",))


@pytest.mark.parametrize("optimizer, lr", [("sgd", 50.0), ("adam", 10.0)])
def test_a_diverging_run_keeps_weights_whose_loss_is_near_the_recent_losses(optimizer, lr):
    # Issue 16: the weights "of the last good step" gave a loss around 2e21 (only an infinite
    # loss counted as bad). MNIST-like data: 784 pixels in [0, 1], the default network.
    from synthetic_data import make_images, make_labels

    from nnviz.engine.losses import get_loss
    from nnviz.engine.metrics import evaluate
    x = make_images(512, seed=3).reshape(512, -1).astype(np.float32) / 255
    y = make_labels(512, seed=3).astype(np.int64)
    data = types.SimpleNamespace(x_train=x, y_train=y, x_test=x[:64], y_test=y[:64],
                           image_shape=(28, 28))
    cfg = TrainConfig(optimizer=optimizer, lr=lr, batch_size=128, epochs=50, seed=0)
    tr = Trainer(make_network(cfg, 784, 10), data, cfg)
    losses = []
    with pytest.raises(TrainingDiverged) as caught:
        for _ in range(200):
            losses.append(tr.step().loss)
    recent = np.median(losses[-50:])
    exc = caught.value
    assert exc.kept_step == tr.step_count == len(losses) and exc.kept_loss == losses[-1]
    assert f"step {exc.kept_step} measured were kept (loss {exc.kept_loss:.4g}" in str(exc)
    assert exc.kept_loss <= 10 * recent
    # The kept weights on the whole training set: near the recent losses, not 1e21.
    assert evaluate(tr.net, x, y, get_loss("cross_entropy")).loss <= 10 * recent
