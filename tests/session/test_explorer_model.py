"""ExplorerModel without Qt: one backward trace (one forward pass) per change, the automatic
target following the prediction, edits changing the trace's numbers by hand, the stepper's
position clamped and kept, the follow throttle on an injected clock, "Learn this" and its
undo, and a failing panel reported, the others served, and it served again later."""

import numpy as np
import pytest
from gui_helpers import make_snapshot, tiny_digits

import nnviz.analysis.stepper as stepper_module
from nnviz.analysis.edits import UnitEdit
from nnviz.analysis.trace import backward_trace
from nnviz.engine.config import TrainConfig
from nnviz.engine.network import MLP
from nnviz.session import ExplorerModel, ExplorerSubscriber

CFG = TrainConfig(hidden=(16,), batch_size=32, epochs=100, seed=0)


@pytest.fixture(scope="module")
def digits():
    return tiny_digits()


@pytest.fixture
def model(digits):
    m = ExplorerModel(strict=True)
    m.set_dataset(digits)
    m.set_network(MLP((784, 32, 16, 10), "relu", seed=0), "cross_entropy", "test model")
    return m


class Counter:
    """Counts backward traces (the Stepper's) and forward passes of any MLP (``forward``,
    cached for a backward pass, and ``logits``, which ``predict_proba`` runs)."""

    def __init__(self, monkeypatch):
        self.traces = self.forwards = 0
        trace = stepper_module.backward_trace

        def counted_trace(*args, **kwargs):
            self.traces += 1
            return trace(*args, **kwargs)
        monkeypatch.setattr(stepper_module, "backward_trace", counted_trace)
        for name in ("forward", "logits"):
            monkeypatch.setattr(MLP, name, self._counted(getattr(MLP, name)))

    def _counted(self, method):
        def counted(net, *args, **kwargs):
            self.forwards += 1
            return method(net, *args, **kwargs)
        return counted

    def take(self) -> tuple[int, int]:
        counts = (self.traces, self.forwards)
        self.traces = self.forwards = 0
        return counts


def drawing(seed=3) -> np.ndarray:
    return np.random.default_rng(seed).random(784).astype(np.float32)


def test_one_backward_trace_and_one_forward_pass_per_change(model, digits, monkeypatch):
    counter = Counter(monkeypatch)
    model.set_example(drawing(), -1)  # automatic target, no label: from the same pass
    assert counter.take() == (1, 1)
    model.set_target(4)
    assert counter.take() == (1, 1)
    model.step_forward()
    model.go_to(5)
    assert counter.take() == (0, 0)  # moving the cursor computes nothing
    model.set_example(digits.x_test[0], int(digits.y_test[0]))
    assert counter.take() == (1, 1)
    model.select_unit(1, 3)  # unedited: the inspector's "before" is the trace itself
    assert model.base_trace is model.trace and counter.take() == (0, 0)


def test_the_automatic_target_is_the_prediction_the_label_or_the_choice(model, digits):
    x = drawing()
    model.set_example(x, -1)
    p = model.net.predict_proba(x[None])[0]
    assert model.target == int(np.argmax(p)) == int(model.trace.y[0])
    np.testing.assert_allclose(model.trace.probabilities[0], p, rtol=1e-6)
    ref = backward_trace(model.net.copy(), x, int(np.argmax(p)))
    np.testing.assert_array_equal(model.trace.input_grad, ref.input_grad)
    # Another network answers otherwise: the automatic target follows its answer.
    other = MLP((784, 32, 16, 10), "relu", seed=5)
    other_k = int(np.argmax(other.predict_proba(x[None])[0]))
    model.set_network(other, "cross_entropy", "other")
    assert model.trace.y[0] == other_k == model.target
    model.set_target(7)
    assert model.trace.y[0] == 7 == model.target
    model.set_target(-1)
    assert model.trace.y[0] == other_k
    model.set_example(digits.x_test[2], int(digits.y_test[2]))  # a label wins over the answer
    assert model.trace.y[0] == digits.y_test[2]


def test_edits_change_the_trace_numbers_exactly(model, digits):
    x = digits.x_test[1]
    model.set_example(x, int(digits.y_test[1]))
    base = model.base_net
    z1_before = model.trace.layers[0].z[0].copy()
    model.set_edits((UnitEdit(1, 4, bias_shift=2.0), UnitEdit(2, 7, off=True)))
    a = x.astype(np.float64)
    b1 = base.layers[0].b.astype(np.float64).copy()
    b1[4] += 2.0
    z1 = base.layers[0].W.astype(np.float64) @ a + b1
    a2 = np.maximum(base.layers[1].W @ np.maximum(z1, 0) + base.layers[1].b, 0)
    a2[7] = 0
    z3 = base.layers[2].W @ a2 + base.layers[2].b
    np.testing.assert_allclose(model.trace.layers[0].z[0], z1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.trace.layers[-1].z[0], z3, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(model.base_trace.layers[0].z[0], z1_before)  # "before"
    assert model.base_net is base and model.net is not base
    # The test accuracies before → after (computed at once without a background runner).
    acc = [float((n.predict(digits.x_test) == digits.y_test).mean()) for n in (base, model.net)]
    assert model.known_accuracy == pytest.approx(tuple(acc))
    assert "2 unit edits" in model.source_text
    model.set_edits((UnitEdit(1, 99, bias_shift=1.0),))  # no unit 99 in a layer of 32
    assert model.edits == () and model.net is base and model.source_text.startswith("Edits dropped")


def test_the_stepper_position_is_clamped_and_kept_across_examples(model):
    model.set_example(drawing(1))
    n = len(model.stepper.steps)
    assert model.stepper.position == 0 and not model.step_back()
    model.go_to(10_000)
    assert model.stepper.position == n - 1 and not model.step_forward()
    model.go_to(-5)
    assert model.stepper.position == 0
    for _ in range(3):
        assert model.step_forward()
    assert model.focus == (model.stepper.current.layer, "forward")
    model.set_example(drawing(2))  # another stroke: new numbers, the same step
    assert model.stepper.position == 3
    np.testing.assert_array_equal(model.trace.layers[0].x[0], drawing(2))
    model.reset()
    assert model.stepper.position == 0 and model.cell_layer == 1
    model.clear()
    assert model.stepper is None and model.trace is None and model.x is None
    model.go_to(4)  # nothing to move
    assert model.step_forward() is False


def test_following_takes_the_runs_snapshots_until_a_network_is_set(digits):
    m = ExplorerModel(strict=True)
    m.set_dataset(digits)
    first = make_snapshot(digits, 2, CFG, run_id=1)[0]
    second = make_snapshot(digits, 4, CFG, run_id=1)[0]
    assert m.is_new_run(first)
    m.follow_snapshot(first)
    assert m.shown_snapshot is first and not m.is_new_run(second)
    assert m.source == "training run 1, step 2 (epoch 0.21)"
    m.follow_snapshot(second)
    assert m.shown_snapshot is second
    np.testing.assert_array_equal(m.base_net.layers[0].W, second.layers[0].W)
    other_run = make_snapshot(digits, 3, CFG.replace(hidden=(8,)), run_id=2)[0]
    assert m.is_new_run(other_run)
    m.follow_snapshot(other_run)
    assert m.base_net.sizes == (784, 8, 10)
    m.set_network(MLP((784, 8, 10), "relu", seed=1), "cross_entropy", "loaded")
    assert not m.follow
    m.follow_snapshot(first)
    assert m.source == "loaded"  # not following: kept
    m.set_follow(True)
    m.follow_snapshot(first)
    assert m.shown_snapshot is first and m.source.startswith("training run 1")


class Panel:
    """A panel of every kind that writes what it is shown into a shared list."""

    def __init__(self, journal, name):
        self.journal, self.name = journal, name

    def show_network(self, m):
        self.journal.append((self.name, "network", m.source))

    def show_trace(self, m):
        self.journal.append((self.name, "trace", None if m.trace is None else m.target))

    def show_position(self, m):
        self.journal.append((self.name, "position", m.focus))

    def show_unit(self, m):
        self.journal.append((self.name, "unit", m.selected))

    def show_learned(self, m):
        self.journal.append((self.name, "learned", m.learned is not None))


class Broken(Panel):
    def __init__(self, journal, name):
        super().__init__(journal, name)
        self.broken = True

    def show_trace(self, m):
        if self.broken:
            raise RuntimeError("no trace for me")
        super().show_trace(m)


def test_a_failing_panel_is_reported_the_others_served_and_it_is_served_again(digits):
    m = ExplorerModel()
    m.set_dataset(digits)
    journal, told = [], []
    m.add_failure_listener(lambda name, failure: told.append((name, failure)))
    broken = Broken(journal, "broken")
    m.subscribe("broken", broken)
    m.subscribe("good", Panel(journal, "good"))
    assert isinstance(broken, ExplorerSubscriber)
    m.set_network(MLP((784, 16, 10), "relu", seed=0), "cross_entropy", "net")
    journal.clear()
    m.set_example(digits.x_test[0], int(digits.y_test[0]))
    assert ("good", "trace", int(digits.y_test[0])) in journal  # the other is served as usual
    assert ("broken", "position", (0, "forward")) in journal  # and so is the broken one's rest
    assert [name for name, _ in told] == ["broken"]  # once per distinct error
    assert told[0][1].kind == "trace" and told[0][1].error == "RuntimeError: no trace for me"
    assert "The broken view failed" in told[0][1].message and "broken" in m.failures
    broken.broken = False
    journal.clear()
    m.step_forward()  # the next change, of another kind, brings what it missed
    assert journal[:2] == [("broken", "trace", int(digits.y_test[0])),
                           ("broken", "position", (1, "forward"))]
    assert told[-1] == ("broken", None) and not m.failures


def test_learn_this_teaches_a_copy_and_undo_brings_back_the_network_and_its_edits(model, digits):
    x = digits.x_test[2]
    model.set_example(x, -1)
    edit = UnitEdit(1, 5, bias_shift=1.0)
    model.set_edits((edit,))
    edited = model.net
    target = int(np.argmin(model.trace.probabilities[0]))
    model.set_target(target)
    before = float(model.trace.probabilities[0][target])
    result = model.learn_this(0.5, 1)
    assert model.learned is result and model.edits == () and not model.follow
    assert model.base_net is result.net and model.source == "taught: test model"
    assert float(model.trace.probabilities[0][target]) == pytest.approx(
        float(result.p_after[target]), rel=1e-5) and result.p_after[target] > before
    kept = model.keep_taught()
    assert np.array_equal(kept.theta, result.net.theta) and kept is not result.net
    assert model.learned is None
    model.undo_learning()
    assert model.edits == (edit,) and np.array_equal(model.net.theta, edited.theta)
    adopted = model.keep_edits()
    assert np.array_equal(adopted.theta, edited.theta) and model.edits == ()
    assert model.source == "edited model (kept)" and model.keep_edits() is None
