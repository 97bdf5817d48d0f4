"""The analysis layer's functions on a convolutional network (no Qt): evaluation,
robustness, the maps' layer features, "Learn this" and saliency."""

import numpy as np
import pytest

from nnviz.analysis.embedding import layer_features, map_layer
from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.learn import learn_example
from nnviz.analysis.robustness import robustness_curves
from nnviz.analysis.trace import backward_trace
from nnviz.engine.convnet import ConvNet


@pytest.fixture
def net():
    return ConvNet((28, 28, 1), "conv4k5,pool2,conv6k3s2,flatten,dense10", seed=1)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.random((40, 784), dtype=np.float32), rng.integers(0, 10, 40)


def test_layer_features_are_each_layers_maps(net, images):
    x, _ = images
    f1 = layer_features(net, x, 1, batch_size=16)
    assert f1.shape == (40, 28 * 28 * 4)
    np.testing.assert_allclose(f1, net.hidden_activations(x)[0].reshape(40, -1), rtol=1e-6)
    assert layer_features(net, x, 2).shape == (40, 7 * 7 * 6)
    out = layer_features(net, x, 3)
    np.testing.assert_allclose(out, net.predict_proba(x), rtol=1e-5)
    coords = map_layer(net, x, np.arange(40), 2, "pca")
    assert np.asarray(coords.coords if hasattr(coords, "coords") else coords).shape[0] == 40


def test_evaluation_and_robustness_of_a_cnn(net, images):
    x, y = images
    ev = Evaluation.compute(net, x, y)
    assert ev.confusion.sum() == 40
    assert ev.accuracy == pytest.approx(np.mean(net.predict(x) == y))
    curves = robustness_curves(net, x, y, kinds=["noise"], n=None)
    levels, acc = curves["noise"]
    assert acc[0] == pytest.approx(ev.accuracy) and len(acc) == len(levels)


def test_learn_this_raises_the_targets_probability_on_a_copy(net, images):
    x, _ = images
    before = net.theta.copy()
    lesson = learn_example(net, x[0], target=3, lr=0.5, steps=3)
    assert lesson.gain > 0 and isinstance(lesson.net, ConvNet)
    np.testing.assert_array_equal(net.theta, before)  # the network itself is untouched


def test_saliency_is_the_input_gradient_as_an_image(net, images):
    x, y = images
    t = backward_trace(net, x[:2], y[:2])
    assert t.input_grad.shape == (2, 784) and np.abs(t.input_grad).max() > 0
