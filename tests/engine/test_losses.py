"""Cross-entropy is −log_softmax(z)_y computed from the logits, everywhere it is shown: exact
for a logit gap far beyond where a clipped −log p stops (87.34 in float32)."""

import types

import numpy as np
import pytest

from nnviz.analysis.evaluation import Evaluation
from nnviz.analysis.stepper import Stepper
from nnviz.analysis.trace import backward_trace
from nnviz.engine.config import TrainConfig
from nnviz.engine.losses import cross_entropy, get_loss, softmax
from nnviz.engine.metrics import evaluate
from nnviz.engine.network import MLP
from nnviz.engine.training import Trainer

GAP = 200.0  # exp(-200) is 0 in float32 (and its −log would be 87.34 if clipped at `tiny`)


def reference(z, y):
    """−log_softmax(z)_y in float64, written out."""
    z = np.asarray(z, dtype=np.float64)
    top = z.max(axis=1)
    return -(z[np.arange(len(y)), y] - top - np.log(np.exp(z - top[:, None]).sum(axis=1)))


@pytest.mark.parametrize("scale", [1.0, 30.0, 300.0])
def test_cross_entropy_equals_float64_log_softmax_on_random_logits(scale):
    rng = np.random.default_rng(int(scale))
    z = (scale * rng.standard_normal((500, 10))).astype(np.float32)
    y = rng.integers(0, 10, 500)
    ref = reference(z, y)
    got = cross_entropy(z, y)
    assert got.dtype == np.float64 and got.shape == (500,)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)
    ce = get_loss("cross_entropy")
    value, _ = ce.value_and_delta(z, y)
    assert ce.value(z, y) == pytest.approx(ref.mean(), rel=1e-7)
    assert value == ce.value(z, y)
    if scale == 300.0:
        assert ref.max() > 500  # far past 87.34: the case the clip got wrong
    # In float64 the same function is exact to rounding.
    np.testing.assert_allclose(cross_entropy(z.astype(np.float64), y), ref, rtol=1e-12, atol=1e-12)


def test_the_fused_gradient_is_still_softmax_minus_onehot_over_m():
    rng = np.random.default_rng(4)
    z = (10 * rng.standard_normal((64, 10))).astype(np.float32)
    y = rng.integers(0, 10, 64)
    _, delta = get_loss("cross_entropy").value_and_delta(z, y)
    expected = softmax(z)
    expected[np.arange(64), y] -= 1
    expected *= np.float32(1 / 64)
    assert delta.dtype == np.float32
    np.testing.assert_array_equal(delta, expected)


def test_a_logit_gap_of_200_is_a_loss_of_200_not_87():
    z = np.array([[0.0, GAP, 0.0, 0.0], [GAP, 0.0, 3.0, 0.0]], dtype=np.float32)
    y = np.array([0, 2])
    ce = get_loss("cross_entropy")
    np.testing.assert_allclose(cross_entropy(z, y), [GAP, GAP - 3.0], rtol=1e-7)
    assert ce.value(z, y) == pytest.approx(GAP - 1.5, rel=1e-7)
    assert ce.value_and_delta(z, y)[0] == pytest.approx(GAP - 1.5, rel=1e-7)


def wrong_by_200(n=40, d=16):
    """A linear network (no hidden layer) whose logits are (0, 200, 0, 0) for every input,
    and data whose labels are all 0: every example's loss is 200."""
    rng = np.random.default_rng(0)
    x = rng.random((n, d)).astype(np.float32)
    y = np.zeros(n, dtype=np.int64)
    data = types.SimpleNamespace(x_train=x, y_train=y, x_test=x, y_test=y,
                                 x_val=x[:0], y_val=y[:0])
    cfg = TrainConfig(hidden=(), optimizer="sgd", lr=1e-6, batch_size=0, epochs=1)
    net = MLP((d, 4), [], seed=0)
    net.layers[0].W[...] = 0
    net.layers[0].b[...] = (0, GAP, 0, 0)
    return net, data, cfg


def test_training_step_and_epoch_record_report_the_true_loss():
    net, data, cfg = wrong_by_200()
    report = Trainer(net, data, cfg).step()
    assert report.loss == pytest.approx(GAP, rel=1e-7)
    assert report.record["train_loss"] == pytest.approx(GAP, rel=1e-7)
    # One step of lr 1e-6 narrows the gap by 2e-6; the test loss is taken after it.
    assert report.record["test_loss"] == pytest.approx(GAP, rel=1e-6)


def test_trace_stepper_and_evaluation_show_the_true_loss():
    net, data, _ = wrong_by_200()
    x, y = data.x_test, data.y_test
    assert backward_trace(net.copy(), x[0], 0).loss == pytest.approx(GAP, rel=1e-7)
    assert backward_trace(net.copy(), x, y).loss == pytest.approx(GAP, rel=1e-7)
    st = Stepper(net.copy(), x[0], 0)
    loss_step = next(s for s in st.steps if s.kind == "loss")
    assert loss_step.title == "Loss for target 0: 200"
    assert loss_step.equations == ("L = −log p[0] = −log softmax(z¹)[0]",
                                   "= log Σₖ exp(z¹ₖ − max z¹) − (z¹[0] − max z¹) = 200")
    assert evaluate(net, x, y).loss == pytest.approx(GAP, rel=1e-7)
    assert Evaluation.compute(net, x, y).loss == pytest.approx(GAP, rel=1e-7)
