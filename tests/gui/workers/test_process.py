"""The training process, driven through TrainingProcess: commands at any moment, snapshots
that are frozen copies (received by the session model), live changes, divergence, and shutting
down mid-epoch."""


import numpy as np
import pytest

from nnviz.engine.config import TrainConfig
from nnviz.gui.workers.process import TrainingProcess
from nnviz.session import SessionModel

CFG = TrainConfig(hidden=(32, 16), batch_size=20, epochs=3, seed=0)  # 15 batches per epoch
T = 20_000  # ms: generous, the machine is shared


def process_on(ds) -> TrainingProcess:
    model = SessionModel()
    model.set_dataset(ds)
    return TrainingProcess(model)


@pytest.fixture
def session(qtbot, digits):
    s = process_on(digits)
    s.new_network(CFG)
    qtbot.waitUntil(lambda: s.model.latest is not None, timeout=T)
    yield s
    assert s.shutdown()


def at(s, step, state="paused"):
    return lambda: s.model.latest is not None and s.model.latest.step == step and s.state == state


def round_trip(qtbot, s):
    """The process's state after everything sent so far: commands are applied in order, and
    asking for the snapshot fields (the same ones) sends a snapshot at once."""
    before = s.model.latest
    s.set_snapshot_fields(s.fields)
    qtbot.waitUntil(lambda: s.model.latest is not before, timeout=T)
    return s.model.latest


def test_step_trains_exactly_n_batches_and_snapshots_follow(qtbot, session):
    session.step(5)
    qtbot.waitUntil(at(session, 5), timeout=T)
    snap = session.model.latest
    assert not snap.layers[0].W.flags.writeable and not snap.curves["loss"].flags.writeable
    assert np.array_equal(snap.curves["step"], np.arange(1, 6))
    assert snap.layers[0].W.shape == (32, 784) and snap.sizes == (784, 32, 16, 10)
    # The snapshot's weights are the network's: the softmax of the snapshot's network equals
    # the probabilities computed from its raw layers.
    x = session.model.dataset.x_test[:3]
    a = x
    for layer in snap.layers:
        a = a @ layer.W.T + layer.b
        a = np.maximum(a, 0) if layer.activation == "relu" else a
    assert np.allclose(snap.network().logits(x), a, atol=1e-5)


def test_train_runs_to_the_end_then_epoch_adds_one(qtbot, session):
    session.train()
    qtbot.waitUntil(at(session, 45, "finished"), timeout=T)
    assert len(session.model.latest.history) == 3 and session.model.latest.epochs_done == 3
    session.add_epoch()
    qtbot.waitUntil(lambda: session.model.latest.epochs_done == 4, timeout=T)
    qtbot.waitUntil(at(session, 60), timeout=T)


def test_pause_holds_and_resume_goes_on(qtbot, session):
    session.set_delay(0.02)  # slow motion, so pausing lands mid-run
    session.train()
    qtbot.waitUntil(lambda: session.model.latest.step >= 3, timeout=T)
    session.pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=T)
    held = round_trip(qtbot, session).step
    assert round_trip(qtbot, session).step == held < 45 and session.state == "paused"
    session.set_delay(0)
    session.train()
    qtbot.waitUntil(at(session, 45, "finished"), timeout=T)


def test_epoch_from_mid_epoch_stops_at_the_boundary(qtbot, session):
    session.step(4)
    qtbot.waitUntil(at(session, 4), timeout=T)
    session.add_epoch()
    qtbot.waitUntil(at(session, 15), timeout=T)
    assert session.model.latest.epochs_done == 1


def test_learning_rate_change_mid_run_reaches_the_optimiser(qtbot, session):
    session.set_delay(0.01)
    session.train()
    qtbot.waitUntil(lambda: session.model.latest.step >= 2, timeout=T)
    session.request(lr=0.0123)
    assert session.model.config.lr == 0.0123
    qtbot.waitUntil(lambda: session.model.latest.lr == pytest.approx(0.0123), timeout=T)
    assert session.model.latest.config.lr == pytest.approx(0.0123)
    with pytest.raises(ValueError, match="learning rate must be in"):
        session.request(lr=-1.0)


def test_divergence_pauses_with_a_message_and_keeps_finite_weights(qtbot, digits):
    s = process_on(digits)
    # Leaky ReLU cannot die, so far too large momentum steps overflow within a few batches.
    s.new_network(CFG.replace(activation="leaky_relu", optimizer="momentum", momentum=0.99,
                              lr=99.0, epochs=100))
    try:
        with qtbot.waitSignal(s.diverged, timeout=T) as blocker:
            s.train()
        assert "diverged" in blocker.args[0] and "smaller learning rate" in blocker.args[0]
        qtbot.waitUntil(lambda: s.state == "paused", timeout=T)
        assert all(np.all(np.isfinite(layer.W)) for layer in round_trip(qtbot, s).layers)
        step = s.model.latest.step
        s.request(lr=1e-4)
        s.step(1)  # and it can go on
        qtbot.waitUntil(lambda: s.model.latest.step == step + 1, timeout=T)
    finally:
        s.shutdown()


def test_shutdown_during_training_ends_the_run(qtbot, digits):
    s = process_on(digits)
    s.new_network(CFG.replace(epochs=10_000))
    s.train()
    qtbot.waitUntil(lambda: s.model.latest is not None and s.model.latest.step > 10, timeout=T)
    assert s.shutdown(2000)  # ended mid-run (how fast: benchmarks/bench_costs.py, "close")
    assert s.state == "stopped" and not s.has_network


def test_new_network_resets_run_and_needs_a_dataset(qtbot, session):
    session.step(2)
    qtbot.waitUntil(at(session, 2), timeout=T)
    first = session.model.latest.run_id
    session.new_network(CFG.replace(hidden=(8,)))
    qtbot.waitUntil(lambda: session.model.latest.run_id != first, timeout=T)
    assert session.model.latest.step == 0 and session.model.latest.sizes == (784, 8, 10)
    empty = TrainingProcess(SessionModel())
    with pytest.raises(ValueError, match="open a dataset first"):
        empty.new_network(CFG)


def test_adopting_a_model_keeps_its_weights_and_history(qtbot, session):
    from nnviz.engine.network import MLP
    net = MLP((784, 12, 10), "tanh", seed=5)
    history = [{"epoch": 1, "step": 15, "test_accuracy": 0.5}]
    session.adopt_model(net, CFG.replace(hidden=(12,), activation="tanh"), history)
    qtbot.waitUntil(lambda: session.model.latest.sizes == (784, 12, 10), timeout=T)
    assert np.array_equal(session.model.latest.layers[0].W, net.layers[0].W)
    snap = session.model.latest
    assert snap.step == 15 and snap.history[0]["test_accuracy"] == 0.5
    with pytest.raises(ValueError, match="takes 20 inputs"):
        session.adopt_model(MLP((20, 10)), None, [])


def test_snapshots_carry_gradients_and_updates_only_when_asked(qtbot, session):
    session.set_snapshot_fields(set())
    session.step(2)
    qtbot.waitUntil(at(session, 2), timeout=T)
    latest = round_trip(qtbot, session)
    assert latest.step == 2 and latest.layers[0].dW is None and latest.layers[0].uW is None
    assert session.model.latest.layers[0].W is not None
    before = session.model.latest
    session.set_snapshot_fields({"dW"})  # while paused: a snapshot comes at once
    qtbot.waitUntil(lambda: session.model.latest is not before, timeout=T)
    layer = session.model.latest.layers[0]
    assert layer.dW.shape == (32, 784) and not layer.dW.flags.writeable and layer.uW is None


def test_pause_keeps_the_run_and_stop_ends_it(qtbot, session):
    session.step(3)
    qtbot.waitUntil(at(session, 3), timeout=T)
    run = session.model.latest.run_id
    session.pause()  # nothing to halt: the run stays, Step goes on with it
    session.step(2)
    qtbot.waitUntil(at(session, 5), timeout=T)
    assert session.model.latest.run_id == run and session.has_network
    session.stop()
    assert not session.has_network and session.model.config == CFG  # at once; the settings stay
    qtbot.waitUntil(lambda: session.state == "stopped", timeout=T)
    session.step(4)  # the run is over: not sent
    session.set_snapshot_fields({"dW"})  # the process still has its last state to show
    qtbot.waitUntil(lambda: session.model.latest.layers[0].dW is not None, timeout=T)
    snap = session.model.latest
    assert (snap.run_id, snap.step, session.state) == (run, 5, "stopped")
    session.new_network(CFG)  # what the window's Train does after Stop
    session.step(2)
    qtbot.waitUntil(at(session, 2), timeout=T)
    assert session.model.latest.run_id == run + 1 and session.has_network


def test_a_training_process_that_dies_is_reported_and_a_new_network_starts_another(
        qtbot, session):
    session.step(2)
    qtbot.waitUntil(at(session, 2), timeout=T)
    states = []
    session.state_changed.connect(states.append)
    with qtbot.waitSignal(session.failed, timeout=T) as blocker:
        session._relay.kill()  # as if the process crashed
    assert blocker.args[0] == "the training process ended unexpectedly (exit code -15)"
    assert states == ["stopped"] and not session.has_network and session.model.config is None
    assert session.model.latest.step == 2  # its last snapshot stays, to be saved
    session.new_network(CFG)  # a new process
    session.step(3)
    qtbot.waitUntil(at(session, 3), timeout=T)
    assert session.model.latest.run_id == 2


def test_a_training_process_that_cannot_start_is_reported(qtbot, digits):
    model = SessionModel()
    model.set_dataset(digits, "digits", origin=lambda: digits)  # cannot be pickled for it
    s = TrainingProcess(model)
    with qtbot.waitSignal(s.failed, timeout=T) as blocker:
        s.new_network(CFG)
    assert blocker.args[0].startswith("cannot start the training process: ")
    assert "pickle" in blocker.args[0]
    qtbot.waitUntil(lambda: s._relay is None, timeout=T)
    assert s.state == "stopped" and not s.has_network and s.shutdown()
