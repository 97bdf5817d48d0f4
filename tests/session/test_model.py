"""SessionModel without Qt: the dataset, the configuration, the newest snapshot and the runs
held once; typed events in order; a failing subscriber reported and served again at the next
change while the others go on; runs and their weights kept with no view at all."""

import gc
import weakref

import numpy as np
import pytest
from gui_helpers import make_snapshot, tiny_digits

from nnviz.engine.config import TrainConfig
from nnviz.runs.library import RunLibrary
from nnviz.session import (
    ConfigSubscriber,
    DatasetSubscriber,
    RunsSubscriber,
    SessionModel,
    SnapshotSubscriber,
)

CFG = TrainConfig(hidden=(16,), batch_size=32, epochs=100, seed=0)  # 10 batches an epoch


@pytest.fixture(scope="module")
def digits():
    return tiny_digits()


@pytest.fixture(scope="module")
def snaps(digits):
    """Run 1 after 5 and 12 batches (0, then 1 epoch), run 2 after 3."""
    return {(1, 5): make_snapshot(digits, 5, CFG, run_id=1)[0],
            (1, 12): make_snapshot(digits, 12, CFG, run_id=1)[0],
            (2, 3): make_snapshot(digits, 3, CFG.replace(hidden=(8,)), run_id=2)[0]}


class Journal:
    """A subscriber of every kind that writes (name, kind, payload) into a shared list."""

    def __init__(self, name, events):
        self.name, self.events = name, events

    def set_dataset(self, ds):
        self.events.append((self.name, "dataset", ds))

    def show_config(self, config):
        self.events.append((self.name, "config", config))

    def show_snapshot(self, snap):
        self.events.append((self.name, "snapshot", snap))

    def show_runs(self, runs):
        self.events.append((self.name, "runs", tuple((r.run_id, r.metrics.epochs, r.name)
                                                     for r in runs)))


class Breaks(Journal):
    """A Journal whose ``kind`` deliveries raise while ``broken``."""

    def __init__(self, name, events, kind):
        super().__init__(name, events)
        self.kind, self.broken = kind, True

    def __getattribute__(self, attr):
        method = super().__getattribute__(attr)
        names = {"dataset": "set_dataset", "snapshot": "show_snapshot", "runs": "show_runs"}
        if attr == names.get(super().__getattribute__("kind")) and self.broken:
            def broken(value):
                raise RuntimeError(f"boom in {attr}")
            return broken
        return method


def test_the_dataset_config_and_snapshot_are_held_once(digits, snaps):
    m = SessionModel()
    assert (m.dataset, m.config, m.latest, m.shown, m.runs) == (None, None, None, None, ())
    m.set_dataset(digits, "tiny", origin="how to load it")
    assert (m.dataset, m.source, m.origin) == (digits, "tiny", "how to load it")
    assert m.set_config(CFG) is CFG and m.config is CFG
    assert m.change_config(lr=0.003).lr == 0.003 and m.config == CFG.replace(lr=0.003)
    with pytest.raises(ValueError, match="learning rate must be in"):
        m.change_config(lr=-1.0)  # TrainConfig's own check, and nothing changed
    assert m.config.lr == 0.003
    with pytest.raises(TypeError):
        m.set_config({"lr": 0.1})
    m.receive(snaps[(1, 5)])
    assert m.latest is snaps[(1, 5)] and m.shown is None
    assert m.publish() is snaps[(1, 5)] and m.shown is snaps[(1, 5)]
    assert m.publish() is None  # nothing new
    other = tiny_digits(n_train=50, n_test=20, seed=1)
    m.set_dataset(other)
    assert (m.dataset, m.source, m.origin, m.config, m.latest, m.shown) == (other, None, None,
                                                                            None, None, None)
    assert [r.run_id for r in m.runs] == [1] and m.runs[0].dataset == "tiny-digits"  # kept
    m.set_config(None)
    assert m.change_config(lr=0.1) is None  # no network: nothing to change


def test_subscribers_get_typed_events_in_order(digits, snaps):
    events = []
    m = SessionModel()
    a, b = Journal("a", events), Journal("b", events)
    for kind in (DatasetSubscriber, ConfigSubscriber, SnapshotSubscriber, RunsSubscriber):
        assert isinstance(a, kind)
    m.subscribe("a", a)
    assert events == [("a", "runs", ())]  # what there is: no dataset, no snapshot yet
    m.set_dataset(digits)
    m.subscribe("b", b)  # late: given the dataset at once
    m.set_config(CFG)
    m.set_config(CFG)  # the same: no event
    m.receive(snaps[(1, 5)])
    assert events[1:] == [("a", "dataset", digits), ("b", "dataset", digits), ("b", "runs", ()),
                          ("a", "config", CFG), ("b", "config", CFG)]  # received, not published
    del events[:]
    m.publish()
    run = ((1, 0, "run 1"),)
    assert events == [("a", "runs", run), ("b", "runs", run),
                      ("a", "snapshot", snaps[(1, 5)]), ("b", "snapshot", snaps[(1, 5)])]
    del events[:]
    m.set_dataset(digits)  # a new dataset ends the network: its config goes too
    assert events == [("a", "dataset", digits), ("b", "dataset", digits),
                      ("a", "config", None), ("b", "config", None)]


def test_runs_subscribers_hear_of_new_runs_epochs_and_names_only(digits, snaps):
    events = []
    m = SessionModel()
    m.set_dataset(digits)
    m.subscribe("runs", Journal("runs", events))
    del events[:]
    for key in ((1, 5), (1, 5), (1, 12), (2, 3)):
        m.receive(snaps[key])
        m.publish()
    m.rename_run(1, "mine")
    runs = [e[2] for e in events if e[1] == "runs"]
    assert runs == [((1, 0, "run 1"),), ((1, 1, "run 1"),), ((1, 1, "run 1"), (2, 0, "run 2")),
                    ((1, 1, "mine"), (2, 0, "run 2"))]
    assert m.run(1).metrics.steps == 12 and m.run(1).name == "mine"


def test_a_failing_subscriber_is_reported_and_served_again_at_the_next_change(digits, snaps):
    events, told = [], []
    m = SessionModel()
    m.add_failure_listener(lambda name, failure: told.append((name, failure)))
    m.set_dataset(digits)
    weights = Breaks("weights", events, "snapshot")
    m.subscribe("weights", weights)
    m.subscribe("curves", Journal("curves", events))
    del events[:]
    m.receive(snaps[(1, 5)])
    m.publish()
    assert ("curves", "snapshot", snaps[(1, 5)]) in events  # served after the failing one
    assert not [e for e in events if e[:2] == ("weights", "snapshot")]
    [(name, failure)] = told
    assert (name, failure.kind, failure.error) == ("weights", "snapshot",
                                                  "RuntimeError: boom in show_snapshot")
    assert failure.message == ("The weights view failed: RuntimeError: boom in show_snapshot "
                               "(tried again at the next change)")
    assert "Traceback" in failure.details and m.failures == {"weights": failure}
    m.receive(snaps[(1, 12)])
    m.publish()  # fails again, the same way: not told twice
    assert len(told) == 1
    weights.broken = False
    del events[:]
    m.set_config(CFG)  # the next change, of another kind: the missed snapshot first
    assert events == [("weights", "snapshot", snaps[(1, 12)]), ("weights", "config", CFG),
                      ("curves", "config", CFG)]
    assert told[-1] == ("weights", None) and m.failures == {}
    weights.broken = True  # fails again after it recovered: told again
    m.receive(snaps[(2, 3)])
    m.publish()
    assert [(name, f and f.kind) for name, f in told] == [("weights", "snapshot"),
                                                         ("weights", None),
                                                         ("weights", "snapshot")]


def test_a_subscriber_that_missed_the_dataset_gets_it_before_the_next_snapshot(digits, snaps):
    events, told = [], []
    m = SessionModel()
    m.add_failure_listener(lambda name, failure: told.append((name, failure)))
    data = Breaks("data", events, "dataset")
    m.subscribe("data", data)
    m.subscribe("curves", Journal("curves", events))
    del events[:]
    m.set_dataset(digits)
    assert events == [("curves", "dataset", digits)] and told[0][1].kind == "dataset"
    data.broken = False
    m.receive(snaps[(1, 5)])
    del events[:]
    m.publish()
    assert [e[:2] for e in events] == [("data", "dataset"), ("data", "runs"), ("curves", "runs"),
                                       ("data", "snapshot"), ("curves", "snapshot")]
    assert told[-1] == ("data", None)


def test_runs_are_recorded_with_no_subscriber_at_all(digits, snaps):
    m = SessionModel()
    m.set_dataset(digits, "tiny")
    for key in ((1, 5), (1, 12), (2, 3)):
        m.receive(snaps[key])  # never published
    assert [(r.run_id, r.metrics.steps, r.metrics.epochs, r.dataset) for r in m.runs] == [
        (1, 12, 1, "tiny-digits"), (2, 3, 0, "tiny-digits")]
    assert m.run(1).history == snaps[(1, 12)].history and m.run(3) is None


def test_a_run_is_recorded_although_its_runs_view_raised(digits, snaps):
    m = SessionModel()
    m.set_dataset(digits)
    view = Breaks("runs", [], "runs")
    m.subscribe("runs", view)
    m.receive(snaps[(1, 5)])
    m.publish()
    assert "runs" in m.failures
    view.broken = False
    m.receive(snaps[(1, 12)])
    m.publish()
    assert [e for e in view.events if e[1] == "runs"][-1] == ("runs", "runs", ((1, 1, "run 1"),))
    assert m.failures == {}
    assert m.run(1).metrics.steps == 12


def test_a_run_is_saved_from_its_newest_weights_after_the_view_is_gone(digits, snaps, tmp_path):
    m = SessionModel()
    m.set_dataset(digits)
    m.subscribe("runs", Journal("runs", []))
    early = make_snapshot(digits, 5, CFG, run_id=1)[0]
    gone = weakref.ref(early)
    m.receive(early)
    m.publish()
    m.receive(snaps[(1, 12)])
    m.publish()
    m.receive(snaps[(2, 3)])
    m.publish()
    m.unsubscribe("runs")
    del early
    gc.collect()
    assert gone() is None  # an older snapshot of a run is not kept: only the newest weights
    net = m.network_of(1)
    for layer, kept in zip(net.layers, snaps[(1, 12)].layers):
        np.testing.assert_array_equal(layer.W, kept.W)
        np.testing.assert_array_equal(layer.b, kept.b)
    assert net.sizes == (784, 16, 10) and net.layers[0].W.flags.writeable  # a copy to train on
    library = RunLibrary(tmp_path / "models")
    library.save("kept", m.network_of(1), m.run(1))
    loaded, record = library.load("kept")
    np.testing.assert_array_equal(loaded.layers[0].W, snaps[(1, 12)].layers[0].W)
    assert record.metrics.steps == 12 and record.history == snaps[(1, 12)].history
    with pytest.raises(KeyError, match="run 9 has not trained yet"):
        m.network_of(9)


def test_the_newest_snapshot_of_a_finished_run_is_not_held_for_its_weights(digits):
    m = SessionModel()
    m.set_dataset(digits)
    last = make_snapshot(digits, 5, CFG, run_id=1)[0]
    gone, weights = weakref.ref(last), last.layers[0].W
    m.receive(last)
    m.receive(make_snapshot(digits, 3, CFG, run_id=2)[0])  # the next run: run 1 is history
    del last
    gc.collect()
    assert gone() is None  # its gradients, updates and curves are freed
    np.testing.assert_array_equal(m.network_of(1).layers[0].W, weights)



def test_a_model_of_one_view_alone_raises_its_errors_to_the_caller(digits):
    events = []
    view = Breaks("data", events, "dataset")
    m = SessionModel.alone("data", view)
    with pytest.raises(RuntimeError, match="boom in set_dataset"):
        m.set_dataset(digits)
    assert m.dataset is digits and m.failures["data"].kind == "dataset"
    view.broken = False
    m.set_config(CFG)  # served again, what it missed first
    assert [e[:2] for e in events] == [("data", "runs"), ("data", "dataset"), ("data", "config")]


# -- the validation split -----------------------------------------------------------------

@pytest.mark.mnist
def test_a_tenth_of_mnist_held_out_trains_on_54000_and_validates_on_6000(mnist_dir):
    from nnviz.datasets import load_dataset
    from nnviz.engine.training import Trainer, make_network
    from nnviz.runtime.training_server import DatasetSource
    opened = load_dataset(mnist_dir)
    assert len(opened.y_train) == 60_000 and len(opened.y_val) == 0
    m = SessionModel()
    m.set_dataset(opened, str(mnist_dir), DatasetSource(str(mnist_dir)))
    split = m.holding_out(0.1, seed=3)
    m.hold_out(split, 0.1, seed=3)
    assert (len(m.dataset.y_train), len(m.dataset.y_val)) == (54_000, 6_000)
    assert m.opened is opened and len(m.dataset.y_test) == 10_000
    # Stratified: each digit keeps its share (MNIST has 5923 zeros: 592 held out).
    assert np.bincount(m.dataset.y_val)[0] == 592
    # What the training process loads itself is the same split, row for row, and is what
    # the trainer trains and validates on.
    loaded = m.origin.load()
    assert m.origin == DatasetSource(str(mnist_dir), None, 0.1, 3)
    np.testing.assert_array_equal(loaded.x_val, m.dataset.x_val)
    np.testing.assert_array_equal(loaded.y_train, m.dataset.y_train)
    trainer = Trainer(make_network(CFG, 784, 10), loaded, CFG)
    assert trainer.x_train.shape == (54_000, 784) and len(trainer.data.x_val) == 6_000


def test_the_validation_split_is_checked_in_one_place_with_its_range(digits):
    from nnviz.session.model import check_val_fraction, hold_out_validation
    for bad in (0.31, -0.01, float("nan")):
        with pytest.raises(ValueError, match="validation split must be 0 to 30 % of the "
                                             "training images, got"):
            check_val_fraction(bad)
    with pytest.raises(ValueError, match=r"got 45 %"):
        hold_out_validation(digits, 0.45, 0)
    few = tiny_digits(n_train=10, n_test=10)  # one image per class: none can be held out
    with pytest.raises(ValueError, match="tiny-digits: cannot hold out the validation set: "
                                         "class 0 has only 1 row"):
        hold_out_validation(few, 0.2, 0)


def test_a_split_replaces_the_dataset_for_the_next_runs_and_none_gives_it_back(digits):
    events = []
    m = SessionModel()
    m.subscribe("j", Journal("j", events))
    m.set_dataset(digits, "tiny")
    m.set_config(CFG)
    assert m.holding_out(0.0, 5) is None  # as opened already
    split = m.holding_out(0.2, 5)
    assert (len(split.y_train), len(split.y_val)) == (240, 60)
    del events[:]
    m.hold_out(split, 0.2, 5)
    assert m.dataset is split and m.opened is digits and m.source == "tiny"
    assert (m.val_fraction, m.split_seed, m.config) == (0.2, 5, None)
    assert [(n, k) for n, k, _ in events] == [("j", "dataset"), ("j", "config")]
    assert m.holding_out(0.2, 5) is None  # that split already
    assert len(m.holding_out(0.2, 6).y_val) == 60  # another seed, other rows
    back = m.holding_out(0.0, 6)
    assert back is digits
    m.hold_out(back, 0.0, 6)
    assert m.dataset is digits and len(m.dataset.y_val) == 0
    m.set_dataset(tiny_digits(n_train=50, n_test=20, seed=1))  # a new dataset: as opened
    assert m.val_fraction == 0.0
