"""Convolutional networks through the unchanged training machinery: Trainer, optimisers, L2,
augmentation, dropout, snapshots and the metrics."""

import types

import numpy as np
import pytest

from nnviz.engine.augment import Augmentation
from nnviz.engine.config import TrainConfig
from nnviz.engine.convnet import ConvNet
from nnviz.engine.metrics import evaluate, gradient_rms, inactive_fraction
from nnviz.engine.network import MLP
from nnviz.engine.snapshot import CurveBuffer, take_snapshot
from nnviz.engine.training import Trainer, make_network, train

ARCH = "conv4k3,pool2,conv6k3s2,flatten,dense12,dense3"


def bars(n=300, seed=0):
    """12×12 images of a horizontal, a vertical or a diagonal bar at a random place: a
    task about shape, learnable by a small CNN."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 12, 12), np.float32)
    y = rng.integers(0, 3, n)
    for i, (k, r, c) in enumerate(zip(y, rng.integers(2, 10, n), rng.integers(2, 10, n))):
        if k == 0:
            x[i, r, 1:11] = 1
        elif k == 1:
            x[i, 1:11, c] = 1
        else:
            np.fill_diagonal(x[i], 1)
            x[i] = np.roll(x[i], r - 6, axis=1)
    x = np.clip(x + 0.1 * rng.random(x.shape, dtype=np.float32), 0, 1).reshape(n, -1)
    cut = n * 3 // 4
    return types.SimpleNamespace(x_train=x[:cut], y_train=y[:cut], x_test=x[cut:],
                                 y_test=y[cut:], x_val=x[:0], y_val=y[:0], image_shape=(12, 12))


CFG = TrainConfig(arch=ARCH, lr=5e-3, batch_size=25, epochs=6, seed=3)


def test_make_network_builds_the_stack_the_config_describes():
    net = make_network(CFG, 144, 3, image_shape=(12, 12))
    assert isinstance(net, ConvNet) and net.input_shape == (12, 12, 1)
    assert [s.text for s in net.specs] == ARCH.split(",")
    assert isinstance(make_network(CFG.replace(arch=""), 144, 3), MLP)
    with pytest.raises(ValueError, match=r"layer 6 \(dense3\): the output layer must have "
                                         "one unit per class: dense4"):
        make_network(CFG, 144, 4)
    with pytest.raises(ValueError, match="layer 3 .foo"):
        CFG.replace(arch="conv4k3,pool2,foo")


def test_a_cnn_trains_through_the_trainer_and_its_history():
    data = bars()
    net = make_network(CFG, 144, 3, image_shape=(12, 12))
    reports = []
    trainer = train(net, data, CFG, report=reports.append)
    h = trainer.history
    assert len(h) == 6 and h[-1]["test_accuracy"] > 0.9
    assert h[-1]["train_loss"] < h[0]["train_loss"] / 2
    assert len(h[-1]["grad_rms"]) == 4 and len(h[-1]["inactive"]) == 3
    assert len(reports[0].grad_rms) == 4
    scores = evaluate(net, data.x_test, data.y_test)
    assert scores.accuracy == h[-1]["test_accuracy"] and scores.confusion.shape == (3, 3)


def test_l2_reaches_the_kernels_and_not_the_biases():
    data = bars()
    cfg = CFG.replace(optimizer="sgd", lr=0.1, batch_size=0, l2=0.5, epochs=1)
    net = make_network(cfg, 144, 3, image_shape=(12, 12))
    ref = net.copy()
    Trainer(net, data, cfg).step()
    ref.loss_and_gradients(data.x_train, data.y_train)
    assert ref.layers[0].dW.shape == (4, 3, 3, 1)
    for L in ref.layers:
        L.dW += np.float32(0.5) * L.W
    np.testing.assert_allclose(net.theta, ref.theta - 0.1 * ref.grad, atol=1e-6)


def test_augmentation_and_dropout_run_on_images_and_dense_layers():
    data = bars()
    aug = Augmentation(noise_std=0.1, max_shift_px=1.0)
    cfg = CFG.replace(augmentation=aug, dropout=0.3, epochs=1)
    net = make_network(cfg, 144, 3, image_shape=(12, 12))
    before = net.theta.copy()
    trainer = Trainer(net, data, cfg)
    r = trainer.step()
    assert np.isfinite(r.loss) and not np.array_equal(before, net.theta)
    # Dropout touches the hidden dense layer only; the output and conv layers pass through.
    net.forward(data.x_train[:8], 0.5, np.random.default_rng(0))
    assert net.stack[-2]._keep is not None and net.stack[-1]._keep is None


def test_snapshots_rebuild_the_cnn():
    data = bars()
    net = make_network(CFG, 144, 3, image_shape=(12, 12))
    trainer = Trainer(net, data, CFG)
    trainer.step()
    initial = tuple(L.W.copy() for L in net.layers)
    snap = take_snapshot(trainer, CurveBuffer(len(net.layers)), initial, run_id=1)
    assert snap.layers[0].W.shape == (4, 3, 3, 1) and snap.sizes == net.sizes
    twin = snap.network()
    assert isinstance(twin, ConvNet) and twin.arch_text == ARCH
    np.testing.assert_array_equal(twin.theta, net.theta)
    np.testing.assert_array_equal(twin.predict(data.x_test), net.predict(data.x_test))


def test_metrics_and_caches_of_a_cnn():
    data = bars()
    net = make_network(CFG, 144, 3, image_shape=(12, 12))
    net.loss_and_gradients(data.x_train[:10], data.y_train[:10])
    assert [g > 0 for g in gradient_rms(net)] == [True] * 4
    fractions = inactive_fraction(net, data.x_train[:50])
    assert len(fractions) == 3 and all(0 <= f <= 1 for f in fractions)
    acts = net.hidden_activations(data.x_train[:5])
    assert [a.shape for a in acts] == [(5, 12 * 12 * 4), (5, 3 * 3 * 6), (5, 12), (5, 3)]
    np.testing.assert_allclose(acts[-1], net.logits(data.x_train[:5]), rtol=1e-6)
    net.clear_caches()
    assert all(L.x is None for L in net.stack)
