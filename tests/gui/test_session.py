"""The training thread, driven through TrainingSession: commands at any moment, snapshots
that are frozen copies, live changes, divergence, and shutting down mid-epoch."""

import numpy as np
import pytest

from nnviz.core import TrainConfig
from nnviz.gui.session import TrainingSession

CFG = TrainConfig(hidden=(32, 16), batch_size=20, epochs=3, seed=0)  # 15 batches per epoch


@pytest.fixture
def session(qtbot, digits):
    s = TrainingSession()
    s.dataset = digits
    s.new_network(CFG)
    yield s
    assert s.shutdown(3000)


def wait_state(qtbot, s, state, timeout=10_000):
    qtbot.waitUntil(lambda: s.state == state, timeout=timeout)


def test_step_trains_exactly_n_batches_and_snapshots_follow(qtbot, session):
    session.step(5)
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.step == 5, timeout=10_000)
    wait_state(qtbot, session, "paused")
    assert session.trainer.step_count == 5
    snap = session.latest
    assert not snap.layers[0].W.flags.writeable
    # Paused: the snapshot equals the live weights exactly, and is a copy, not a view.
    assert np.array_equal(snap.layers[0].W, session.trainer.net.layers[0].W)
    assert not np.shares_memory(snap.layers[0].W, session.trainer.net.theta)
    assert np.array_equal(snap.curves["step"], np.arange(1, 6))


def test_train_runs_to_the_end_then_epoch_adds_one(qtbot, session):
    session.train()
    wait_state(qtbot, session, "finished")
    assert session.trainer.epochs_done == 3 and len(session.trainer.history) == 3
    qtbot.waitUntil(lambda: len(session.latest.history) == 3, timeout=5000)
    session.add_epoch()
    qtbot.waitUntil(lambda: session.trainer.epochs_done == 4, timeout=10_000)
    assert session.trainer.step_count == 60


def test_pause_holds_and_resume_goes_on(qtbot, session):
    session.set_delay(0.01)  # slow motion, so pausing lands mid-run
    session.train()
    qtbot.waitUntil(lambda: session.trainer.step_count >= 3, timeout=10_000)
    session.pause()
    wait_state(qtbot, session, "paused")
    held = session.trainer.step_count
    qtbot.wait(200)
    assert session.trainer.step_count == held < 45
    session.set_delay(0)
    session.train()
    wait_state(qtbot, session, "finished")
    assert session.trainer.step_count == 45


def test_epoch_from_mid_epoch_stops_at_the_boundary(qtbot, session):
    session.step(4)
    qtbot.waitUntil(lambda: session.trainer.step_count == 4, timeout=10_000)
    session.add_epoch()
    qtbot.waitUntil(lambda: session.trainer.epochs_done == 1, timeout=10_000)
    wait_state(qtbot, session, "paused")
    assert session.trainer.step_count == 15


def test_learning_rate_change_mid_run_reaches_the_optimiser(qtbot, session):
    session.set_delay(0.005)
    session.train()
    qtbot.waitUntil(lambda: session.trainer.step_count >= 2, timeout=10_000)
    session.request(lr=0.0123)
    qtbot.waitUntil(lambda: session.trainer.optimizer.lr == pytest.approx(0.0123), timeout=10_000)
    qtbot.waitUntil(lambda: session.latest.lr == pytest.approx(0.0123), timeout=10_000)


def test_divergence_pauses_with_a_message_and_keeps_finite_weights(qtbot, session):
    session.step(2)
    qtbot.waitUntil(lambda: session.trainer.step_count == 2 and session.state == "paused", timeout=10_000)
    session.trainer.net.theta[:10] = np.inf  # as if the last update had overflowed
    with qtbot.waitSignal(session.diverged, timeout=10_000) as blocker:
        session.step(1)
    assert "diverged" in blocker.args[0]
    wait_state(qtbot, session, "paused")
    assert np.all(np.isfinite(session.trainer.net.theta))
    session.step(1)  # and it can go on
    qtbot.waitUntil(lambda: session.trainer.step_count == 3, timeout=10_000)


def test_stop_then_train_continues_the_same_network(qtbot, session):
    session.step(3)
    qtbot.waitUntil(lambda: session.trainer.step_count == 3, timeout=10_000)
    assert session.shutdown(1000)
    assert session.state == "stopped"
    session.step(2)
    qtbot.waitUntil(lambda: session.trainer.step_count == 5, timeout=10_000)


def test_shutdown_during_training_is_quick(qtbot, digits):
    import time
    s = TrainingSession()
    s.dataset = digits
    s.new_network(CFG.replace(epochs=10_000))
    s.train()
    qtbot.waitUntil(lambda: s.trainer.step_count > 10, timeout=10_000)
    t = time.perf_counter()
    assert s.shutdown(1000)
    assert time.perf_counter() - t < 1.0


def test_new_network_resets_run_and_needs_a_dataset(qtbot, session):
    session.step(2)
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.step == 2, timeout=10_000)
    first = session.latest.run_id
    session.new_network(CFG.replace(hidden=(8,)))
    qtbot.waitUntil(lambda: session.latest.run_id != first, timeout=10_000)
    assert session.latest.step == 0 and session.latest.sizes == (784, 8, 10)
    empty = TrainingSession()
    with pytest.raises(ValueError, match="open a dataset first"):
        empty.new_network(CFG)
