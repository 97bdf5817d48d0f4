"""The stepper's steps carry the engine's numbers, with the equations' real shapes; the
gradients it shows match finite differences; "Learn this" raises the target's probability."""

import numpy as np
import pytest
from small_cnns import SMALL, small_cnn

from nnviz.analysis.learn import learn_example
from nnviz.analysis.notation import sup
from nnviz.analysis.stepper import Stepper, softmax_steps
from nnviz.analysis.trace import backward_trace
from nnviz.engine.gradcheck import numerical_gradient, relative_error
from nnviz.engine.losses import get_loss
from nnviz.engine.network import MLP


@pytest.fixture
def net():
    return MLP((784, 16, 12, 10), ["relu", "sigmoid"], seed=0, dtype=np.float64)


@pytest.fixture
def x():
    return np.random.default_rng(1).random(784)


def test_steps_in_order_with_shapes_in_the_equations(net, x):
    st = Stepper(net, x, 3)
    kinds = [s.kind for s in st.steps]
    assert kinds == ["input", "forward", "forward", "forward", "softmax", "loss",
                     "backward", "backward", "backward", "input_grad"]
    assert [s.layer for s in st.steps] == [0, 1, 2, 3, 3, 3, 3, 2, 1, 0]
    assert st.n_forward == 5
    eq1 = st.steps[1].equations
    assert eq1[0] == "z¹ = W¹·x + b¹   (16×784)·(784×1) + (16×1) → (16×1)"
    assert eq1[1] == "a¹ = relu(z¹)   (16×1)"
    assert st.steps[2].equations[0].startswith("z² = W²·a¹ + b²   (12×16)·(16×1)")
    assert len(st.steps[3].equations) == 1  # the output layer has no f: softmax is the next step
    back2 = st.steps[7].equations
    assert back2[0] == "δ² = W³ᵀ·δ³ ⊙ sigmoid′(z²)   (12×10)·(10×1) ⊙ (12×1)"
    assert back2[1] == "dW² = δ²·a¹ᵀ   (12×1)·(1×16) → (12×16)"
    assert st.steps[-1].equations[0] == "∂L/∂x = W¹ᵀ·δ¹   (784×16)·(16×1) → (784×1)"


def test_every_number_is_the_engines_trace(net, x):
    st = Stepper(net.copy(), x, 3)
    tr = backward_trace(net, x, 3)
    for s in st.steps:
        for arr in s.arrays.values():
            assert not arr.flags.writeable
    for l, rec in enumerate(tr.layers, 1):
        fwd, bwd = st.steps[l], st.steps[len(st.steps) - 1 - l]
        assert np.array_equal(fwd.arrays[f"z{sup(l)}"], rec.z[0])
        if l < 3:
            assert np.array_equal(fwd.arrays[f"a{sup(l)}"], rec.a[0])
        assert np.array_equal(bwd.arrays[f"δ{sup(l)}"], rec.delta[0])
        assert np.array_equal(bwd.arrays[f"dW{sup(l)}"], rec.dW)
        assert np.array_equal(bwd.arrays[f"db{sup(l)}"], rec.db)
    assert np.array_equal(st.steps[4].arrays["p"], tr.probabilities[0])
    assert np.array_equal(st.steps[-1].arrays["∂L/∂x"], tr.input_grad[0])
    assert st.steps[5].title == f"Loss for target 3: {tr.loss:.4g}"


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_shown_gradients_match_finite_differences(net, x, loss):
    st = Stepper(net.copy(), x, 7, loss)
    loss_fn = get_loss(loss)
    f = lambda: loss_fn.value(net.logits(x[None]), np.array([7]))  # noqa: E731
    rng = np.random.default_rng(0)
    for l, layer in enumerate(net.layers, 1):
        shown = st.steps[len(st.steps) - 1 - l].arrays
        idx = rng.choice(layer.W.size, min(80, layer.W.size), replace=False)
        numerical = numerical_gradient(f, layer.W, indices=idx)
        assert relative_error(shown[f"dW{sup(l)}"], numerical) < 1e-6
        assert relative_error(shown[f"db{sup(l)}"], numerical_gradient(f, layer.b)) < 1e-6
    xin = x.copy()
    g = lambda: loss_fn.value(net.logits(xin[None]), np.array([7]))  # noqa: E731
    saliency = st.steps[-1].arrays["∂L/∂x"]
    assert relative_error(saliency, numerical_gradient(g, xin)) < 1e-6
    assert relative_error(saliency * 1.001, numerical_gradient(g, xin)) > 1e-4  # can fail


def test_cursor_moves_and_stops_at_the_ends(net, x):
    st = Stepper(net, x, 0)
    assert st.position == 0 and not st.back()
    while st.forward():
        pass
    assert st.at_end and st.current.kind == "input_grad" and st.position == len(st.steps) - 1
    assert st.back() and st.current.kind == "backward"
    st.reset()
    assert st.position == 0
    st.seek(99)
    assert st.at_end


def test_softmax_steps_spelled_out():
    z = np.array([2.0, -1.0, 0.5, 3.0])
    s = softmax_steps(z)
    assert np.allclose(s.shifted, z - 3.0) and s.shifted.max() == 0
    assert np.allclose(s.exp, np.exp(z - 3.0))
    assert s.total == pytest.approx(np.exp(z - 3).sum())
    assert np.allclose(s.p, np.exp(z) / np.exp(z).sum()) and s.p.sum() == pytest.approx(1)
    hot, cold = softmax_steps(z, 4.0), softmax_steps(z, 0.25)
    assert np.allclose(hot.scaled, z / 4)
    assert cold.p.max() > s.p.max() > hot.p.max()  # low T sharpens, high T flattens
    with pytest.raises(ValueError, match="temperature"):
        softmax_steps(z, 0)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_learn_this_raises_the_target_probability(net, x, loss):
    before = net.theta.copy()
    p0 = net.predict_proba(x[None])[0]
    target = int(np.argmin(p0))  # the least likely class: the hardest lesson
    lesson = learn_example(net, x, target, lr=0.5, loss=loss)
    assert np.array_equal(net.theta, before)  # the original network is untouched
    assert np.allclose(lesson.p_before, p0)
    assert lesson.p_after[target] > lesson.p_before[target] and lesson.gain > 0
    assert lesson.loss_after < lesson.loss_before
    assert np.allclose(lesson.p_after, lesson.net.predict_proba(x[None])[0])
    # Exactly one SGD step: θ' = θ − η ∇L.
    tr = backward_trace(net.copy(), x, target, loss)
    grads = np.concatenate([np.concatenate([r.dW.ravel(), r.db]) for r in tr.layers])
    assert np.allclose(lesson.net.theta, before - 0.5 * grads)


def test_learn_this_rejects_bad_input(net, x):
    with pytest.raises(ValueError, match="class 0..9"):
        learn_example(net, x, 10)
    with pytest.raises(ValueError, match="learning rate"):
        learn_example(net, x, 1, lr=0)


def test_no_target_means_the_class_the_same_pass_predicts(net, x):
    """Without a target the trace backpropagates towards its own answer: the very numbers of
    a trace for that class, from one forward pass."""
    k = int(np.argmax(net.predict_proba(x[None])[0]))
    auto, ref = backward_trace(net, x, None), backward_trace(net, x, k)
    assert auto.y.tolist() == [k]
    np.testing.assert_array_equal(auto.input_grad, ref.input_grad)
    for a, b in zip(auto.layers, ref.layers, strict=True):
        np.testing.assert_array_equal(a.dW, b.dW)
    batch = np.random.default_rng(2).random((5, 784))
    assert backward_trace(net, batch).y.tolist() == net.predict(batch).tolist()
    st = Stepper(net, x, None)
    assert int(st.trace.y[0]) == k and st.trace.loss == pytest.approx(ref.loss)
    cnn = small_cnn(SMALL, (8, 8, 1))
    img = np.random.default_rng(3).random(64)
    k = int(np.argmax(cnn.predict_proba(img[None])[0]))
    np.testing.assert_array_equal(backward_trace(cnn, img).input_grad,
                                  backward_trace(cnn, img, k).input_grad)
