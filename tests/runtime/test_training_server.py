"""The training server without Qt: the Driver's commands and states, what the Outbox keeps and
drops, initial weights sent once per run and restored, and ``serve`` in a spawned process.

The Driver is deterministic in-process: its weights are compared *exactly* with a Trainer
stepped by hand with the same configuration and seed.
"""

import dataclasses
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import tiny_digits  # Qt-free

import nnviz
from nnviz.engine.config import TrainConfig
from nnviz.engine.training import Trainer, make_network
from nnviz.runtime.messages import (
    AddEpoch,
    AdoptNetwork,
    Delay,
    Diverged,
    Failed,
    Fields,
    NewNetwork,
    Pause,
    Quit,
    Request,
    Resume,
    Snapshot,
    StateChanged,
    Step,
    StopRun,
)
from nnviz.runtime.processes import ServerProcess
from nnviz.runtime.training_server import (
    FINISHED,
    PAUSED,
    RUNNING,
    STOPPED,
    DatasetSource,
    Driver,
    Outbox,
    restore_initial,
    serve,
)

CFG = TrainConfig(hidden=(16,), batch_size=20, epochs=2, seed=3)  # 5 batches an epoch
T = 60  # seconds: generous, the machine is shared


@pytest.fixture(scope="module")
def data():
    return tiny_digits(n_train=100, n_test=50)


def new_driver(data, run_id=1, config=CFG, emit_interval=0.0) -> Driver:
    """A driver with a fresh network from ``config``; its first messages are read."""
    d = Driver(data, emit_interval)
    d.command(command_of("new", config.to_dict(), run_id))
    d.tick()
    return d


def run(d: Driver, max_ticks: int = 1000) -> list[tuple]:
    """Tick while there is work, then once more (the tick that reports the pause)."""
    out = []
    for _ in range(max_ticks):
        if not d.has_work:
            break
        out += d.tick()
    return out + d.tick()


COMMANDS = {"new": NewNetwork, "adopt": AdoptNetwork, "resume": Resume, "pause": Pause,
            "step": Step, "epoch": AddEpoch, "stop": StopRun, "request": Request,
            "fields": lambda names: Fields(tuple(names)), "delay": Delay, "quit": Quit}
KINDS = {Snapshot: "snapshot", StateChanged: "state", Diverged: "diverged", Failed: "failed"}


@dataclasses.dataclass(frozen=True)
class Bogus:
    """A command the training process does not know."""

    n: int


def command_of(name, *args):
    """The typed command for ``name`` (the tests read shorter this way)."""
    return COMMANDS[name](*args)


def pair(msg) -> tuple:
    """``(kind, payload)`` of a typed message, e.g. ``("state", "paused")``."""
    return KINDS[type(msg)], getattr(msg, dataclasses.fields(msg)[0].name)


def pairs(msgs) -> list[tuple]:
    return [pair(m) for m in msgs]


def payloads(msgs, kind):
    return [p for k, p in pairs(msgs) if k == kind]


def direct(data, steps, config=CFG) -> Trainer:
    """The reference: a Trainer stepped ``steps`` times by hand."""
    t = Trainer(make_network(config, data.n_features, data.n_classes), data, config)
    for _ in range(steps):
        t.step()
    return t


def assert_weights_of(snap, trainer):
    for layer, ref in zip(snap.layers, trainer.net.layers, strict=True):
        np.testing.assert_array_equal(layer.W, ref.W)
        np.testing.assert_array_equal(layer.b, ref.b)


# -- the Driver -------------------------------------------------------------------------------

def test_a_new_network_is_paused_at_step_0_with_its_initial_weights(data):
    d = Driver(data)
    d.command(command_of("new", CFG.to_dict(), 7))
    msgs = d.tick()
    assert [k for k, _ in pairs(msgs)] == ["snapshot"]  # already paused: no state message
    snap = msgs[0].snapshot
    assert (snap.run_id, snap.step, snap.epoch, snap.epochs_done) == (7, 0, 0.0, 0)
    assert snap.sizes == (784, 16, 10) and snap.n_train == 100 and snap.history == ()
    assert len(snap.curves["step"]) == 0
    assert_weights_of(snap, direct(data, 0))
    for layer in snap.layers:
        np.testing.assert_array_equal(layer.W0, layer.W)
    assert d.state == PAUSED and not d.has_work and d.tick() == []


def test_step_n_trains_exactly_n_batches_as_a_trainer_does(data):
    d = new_driver(data)
    d.command(command_of("step", 3))
    msgs = run(d)
    assert payloads(msgs, "state") == [RUNNING, PAUSED]
    snaps = payloads(msgs, "snapshot")
    assert [s.step for s in snaps] == [1, 2, 3, 3]  # emit_interval 0: every batch, then paused
    ref = Trainer(make_network(CFG, 784, 10), data, CFG)
    losses = [ref.step().loss for _ in range(3)]
    assert_weights_of(snaps[-1], ref)
    np.testing.assert_array_equal(snaps[-1].curves["step"], [1, 2, 3])
    np.testing.assert_allclose(snaps[-1].curves["loss"], losses, rtol=1e-12)
    assert snaps[-1].epoch == pytest.approx(0.6) and np.all(np.isfinite(losses))


def test_snapshots_are_throttled_to_the_emit_interval(data):
    d = new_driver(data, emit_interval=1e9)
    d.command(command_of("step", 7))  # crosses the end of epoch 1 at step 5
    snaps = payloads(run(d), "snapshot")
    # Only the batch that completed an epoch and the pause send one.
    assert [s.step for s in snaps] == [5, 7]
    d.command(command_of("delay", 0.25))  # slow motion: every batch is shown
    d.command(command_of("step", 2))
    assert [s.step for s in payloads(run(d), "snapshot")] == [8, 9, 9]
    d.command(command_of("delay", -3))
    assert d.delay == 0.0


def test_resume_trains_to_the_end_and_epoch_adds_one(data):
    d = new_driver(data)
    d.command(command_of("resume"))
    msgs = run(d)
    assert payloads(msgs, "state") == [RUNNING, FINISHED]
    snap = payloads(msgs, "snapshot")[-1]
    ref = direct(data, 10)
    assert (snap.step, snap.epochs_done, d.trainer.finished) == (10, 2, True)
    assert_weights_of(snap, ref)
    assert [(r["epoch"], r["step"]) for r in snap.history] == [(1, 5), (2, 10)]
    assert [r["test_accuracy"] for r in snap.history] == [r["test_accuracy"] for r in ref.history]
    assert [r["train_loss"] for r in snap.history] == [r["train_loss"] for r in ref.history]
    d.command(command_of("resume"))  # finished: nothing to do
    assert payloads(run(d), "snapshot")[-1].step == 10
    d.command(command_of("epoch"))
    msgs = run(d)
    snap = payloads(msgs, "snapshot")[-1]
    assert (snap.step, snap.epochs_done, snap.config.epochs) == (15, 3, 3)
    assert payloads(msgs, "state") == [RUNNING, PAUSED]


def test_epoch_from_mid_epoch_stops_at_its_end(data):
    d = new_driver(data)
    d.command(command_of("step", 2))
    run(d)
    d.command(command_of("epoch"))
    snap = payloads(run(d), "snapshot")[-1]
    assert (snap.step, snap.epochs_done, snap.epoch) == (5, 1, 1.0)


def test_pause_cancels_steps_and_resume_goes_on_with_the_same_run(data):
    d = new_driver(data)
    d.command(command_of("step", 100))
    d.tick(), d.tick()
    d.command(command_of("epoch"))
    d.command(command_of("pause"))
    msgs = d.tick()
    assert payloads(msgs, "state") == [PAUSED] and not d.has_work
    held = payloads(msgs, "snapshot")[-1]
    assert held.step == 2 and d.tick() == []  # nothing more while paused
    d.command(command_of("resume"))
    msgs = run(d)
    end = payloads(msgs, "snapshot")[-1]
    # The same run went on: same id and initial weights, the curve continued, and the
    # weights are those of 10 uninterrupted batches.
    assert end.run_id == held.run_id and end.layers[0].W0 is held.layers[0].W0
    np.testing.assert_array_equal(end.curves["step"], np.arange(1, 11))
    np.testing.assert_array_equal(end.curves["loss"][:2], held.curves["loss"])
    assert_weights_of(end, direct(data, 10))


def test_stop_ends_the_run_and_only_a_new_network_trains_again(data):
    d = new_driver(data)
    d.command(command_of("resume"))
    d.tick(), d.tick()
    d.command(command_of("step", 5))
    d.tick()
    d.command(command_of("epoch"))
    d.command(command_of("stop"))
    msgs = d.tick()
    assert msgs[0] == StateChanged(STOPPED) and [k for k, _ in pairs(msgs)] == ["state",
                                                                                 "snapshot"]
    ended = msgs[1].snapshot
    assert (ended.run_id, ended.step) == (1, 3)  # the step and epoch targets were cancelled
    assert_weights_of(ended, direct(data, 3))
    # The run is over: training commands are ignored, a second stop changes nothing.
    for cmd in (("resume",), ("step", 4), ("epoch",), ("request", {"lr": 0.5}), ("stop",)):
        d.command(command_of(*cmd))
    assert not d.has_work and d.tick() == [] and d.state == STOPPED
    assert d.trainer.step_count == 3 and d.trainer._pending == {}  # the lr was not taken
    # Its last state can still be looked at (a weights-view mode asks for gradients).
    d.command(command_of("fields", ["dW"]))
    again = payloads(d.tick(), "snapshot")[0]
    assert again.step == 3 and again.layers[0].dW.shape == (16, 784) and d.state == STOPPED
    # A new network is a new run, from step 0 and fresh weights (the same seed: the same
    # initial weights as the ended run had).
    d.command(command_of("new", CFG.to_dict(), 2))
    msgs = d.tick()
    assert payloads(msgs, "state") == [PAUSED]
    fresh = payloads(msgs, "snapshot")[0]
    assert (fresh.run_id, fresh.step) == (2, 0)
    np.testing.assert_array_equal(fresh.layers[0].W, ended.layers[0].W0)
    assert not np.array_equal(fresh.layers[0].W, ended.layers[0].W)
    d.command(command_of("resume"))
    end = payloads(run(d), "snapshot")[-1]
    assert (end.run_id, end.step) == (2, 10)
    assert_weights_of(end, direct(data, 10))


def test_the_commands_are_a_table_of_the_drivers_methods(data):
    """The commands that come through the pipe are dispatched on their type through one table
    (what a tool can follow), not attribute names put together at run time."""
    d = Driver(data)
    assert set(d.commands) == {NewNetwork, AdoptNetwork, Resume, Pause, Step, AddEpoch, StopRun,
                               Request, Fields, Delay}  # Quit ends the serving loop itself
    assert all(f.__self__ is d and f.__name__.startswith("cmd_") for f in d.commands.values())
    d.commands[Delay] = lambda cmd: setattr(d, "delay", 2 * cmd.seconds)
    d.command(Delay(0.5))  # dispatched through the table
    assert d.delay == 1.0


def test_stop_of_a_finished_run_and_without_a_network(data):
    d = Driver(data)
    for cmd in (("stop",), ("step", 3), ("resume",), ("epoch",), ("request", {"lr": 0.1})):
        d.command(command_of(*cmd))  # no network yet: nothing to do, nothing to fail
    assert not d.has_work and d.tick() == [] and d.state == PAUSED
    d.command(Bogus(1))
    assert d.tick() == [Failed("the training process has no command 'Bogus'")]
    d = new_driver(data)
    d.command(command_of("resume"))
    run(d)
    assert d.state == FINISHED
    d.command(command_of("stop"))
    msgs = d.tick()
    assert payloads(msgs, "state") == [STOPPED] and payloads(msgs, "snapshot")[0].step == 10
    d.command(command_of("epoch"))  # a stopped run takes no more epochs (else 3 would be pending)
    assert not d.has_work and d.trainer.finished


def test_live_requests_apply_at_the_next_batch_and_bad_ones_fail_clearly(data):
    d = new_driver(data)
    d.command(command_of("step", 2))
    run(d)
    d.command(command_of("request", {"lr": 0.0123}))
    d.command(command_of("request", {"lr": -1.0}))
    d.command(command_of("request", {"hidden": [8]}))
    msgs = d.tick()
    failed = payloads(msgs, "failed")
    assert len(failed) == 2 and "learning rate must be in" in failed[0]
    assert failed[1] == "hidden cannot change during training; start a new network"
    d.command(command_of("step", 2))
    snap = payloads(run(d), "snapshot")[-1]
    assert snap.lr == pytest.approx(0.0123) and snap.config.lr == pytest.approx(0.0123)
    ref = direct(data, 2)
    ref.request(lr=0.0123)
    ref.step(), ref.step()
    assert_weights_of(snap, ref)  # the change reached the optimiser at step 3, not later


def test_fields_choose_the_optional_arrays_and_send_one_at_once(data):
    d = Driver(data)
    d.command(command_of("fields", ["dW", "bogus"]))
    assert d.fields == frozenset({"dW"}) and d.tick() == []  # no network: no snapshot
    d = new_driver(data)
    d.command(command_of("fields", []))
    d.command(command_of("step", 1))
    layer = payloads(run(d), "snapshot")[-1].layers[0]
    assert layer.dW is None and layer.uW is None and layer.W.shape == (16, 784)
    d.command(command_of("fields", ["uW"]))  # while paused: a snapshot at once, of the same step
    snap = payloads(d.tick(), "snapshot")[0]
    assert snap.step == 1 and snap.layers[0].dW is None
    assert snap.layers[0].uW.shape == (16, 784) and np.abs(snap.layers[0].uW).max() > 0
    np.testing.assert_allclose(snap.layers[0].W0 - snap.layers[0].uW, snap.layers[0].W, atol=1e-7)


def test_divergence_pauses_with_a_message_and_keeps_finite_weights(data):
    wild = CFG.replace(activation="leaky_relu", optimizer="momentum", momentum=0.99, lr=99.0,
                       epochs=1000)
    d = new_driver(data, config=wild)
    d.command(command_of("resume"))
    msgs = run(d, max_ticks=2000)
    (message,) = payloads(msgs, "diverged")
    assert message.startswith(f"training diverged at step {d.trainer.step_count + 1} ")
    assert "smaller learning rate" in message
    assert payloads(msgs, "state") == [RUNNING, PAUSED] and not d.has_work
    snap = payloads(msgs, "snapshot")[-1]
    assert all(np.all(np.isfinite(L.W)) for L in snap.layers)
    d.command(command_of("request", {"lr": 1e-4}))
    d.command(command_of("step", 1))  # and it can go on
    assert payloads(run(d), "snapshot")[-1].step == snap.step + 1


def test_an_error_in_a_step_pauses_with_a_message(data, monkeypatch):
    d = new_driver(data)

    def boom():
        raise RuntimeError("boom")
    monkeypatch.setattr(d.trainer, "step", boom)
    d.command(command_of("resume"))
    msgs = run(d)
    assert payloads(msgs, "failed") == ["RuntimeError: boom"] and d.state == PAUSED


def test_adopt_continues_a_model_with_its_history(data):
    ref = direct(data, 5)
    d = Driver(data)
    params = {k: v.copy() for k, v in ref.net.parameters().items()}
    d.command(command_of("adopt", ref.net.architecture(), params, CFG.replace(epochs=1).to_dict(),
              list(ref.history), 4))
    snap = payloads(d.tick(), "snapshot")[0]
    assert (snap.run_id, snap.step, snap.epochs_done) == (4, 5, 1)
    assert_weights_of(snap, ref)
    assert snap.history[0]["test_accuracy"] == ref.history[0]["test_accuracy"]
    d.command(command_of("epoch"))  # finished at 1 epoch: one more
    snap = payloads(run(d), "snapshot")[-1]
    assert (snap.step, snap.epochs_done, len(snap.history)) == (10, 2, 2)


def test_snapshots_of_a_run_share_one_frozen_copy_of_the_initial_weights(data):
    d = Driver(data, emit_interval=0.0)
    d.command(command_of("new", CFG.to_dict(), 1))
    d.command(command_of("step", 3))
    snaps = payloads(d.tick() + run(d), "snapshot")
    w0 = snaps[0].layers[0].W0
    assert len(snaps) == 5 and all(s.layers[0].W0 is w0 for s in snaps)
    assert not w0.flags.writeable and w0 is not d.trainer.net.layers[0].W
    np.testing.assert_array_equal(w0, direct(data, 0).net.layers[0].W)
    assert not np.array_equal(w0, snaps[-1].layers[0].W)  # trained away from it
    assert not snaps[-1].layers[0].W.flags.writeable


# -- the Outbox and restore_initial -------------------------------------------------------

class GatedConnection:
    """Records what is sent; the first send waits for :attr:`release`, so messages pile up."""

    def __init__(self):
        self.sent = []
        self.entered, self.release = threading.Event(), threading.Event()

    def send(self, msg):
        self.entered.set()
        self.release.wait(T)
        self.sent.append(msg)


@pytest.fixture(scope="module")
def snaps(data):
    """Snapshots of run 1 after 1, 2, 3 batches and of run 2 at step 0."""
    d = new_driver(data)
    d.command(command_of("step", 3))
    out = [s for s in payloads(run(d), "snapshot")][:3]
    d.command(command_of("new", CFG.to_dict(), 2))
    return out + payloads(d.tick(), "snapshot")


def test_outbox_sends_the_newest_snapshot_after_the_other_messages(snaps):
    conn = GatedConnection()
    box = Outbox(conn)
    box.put(Snapshot(snaps[0]))
    assert conn.entered.wait(T)  # the outbox thread is sending it
    box.put(Snapshot(snaps[1]))  # replaced by the next one before it could go
    box.put(StateChanged(RUNNING))
    box.put(Snapshot(snaps[2]))
    box.put(Diverged("far too large steps"))
    conn.release.set()
    box.close()
    assert not box._thread.is_alive()
    kinds = [(k, p.step if k == "snapshot" else p) for k, p in pairs(conn.sent)]
    assert kinds == [("snapshot", 1), ("state", RUNNING), ("diverged", "far too large steps"),
                     ("snapshot", 3)]
    # W0 travels with the run's first snapshot only; the rest is the snapshot unchanged.
    first, later = pairs(conn.sent)[0][1], pairs(conn.sent)[-1][1]
    assert first is snaps[0] and all(L.W0 is not None for L in first.layers)
    assert all(L.W0 is None for L in later.layers)
    assert later.layers[0].W is snaps[2].layers[0].W and later.step == 3
    assert snaps[2].layers[0].W0 is not None  # the original was not changed


def test_outbox_sends_w0_again_for_a_new_run_and_everything_pending_on_close(snaps):
    conn = GatedConnection()
    conn.release.set()
    box = Outbox(conn)
    for s in (snaps[0], snaps[1], snaps[3]):
        box.put(StateChanged(s.step))
        box.put(Snapshot(s))
    box.close()
    assert [p for k, p in pairs(conn.sent) if k == "state"] == [1, 2, 0]  # all, in order
    sent = [p for k, p in pairs(conn.sent) if k == "snapshot"]
    assert sent[-1].run_id == 2 and sent[-1].layers[0].W0 is snaps[3].layers[0].W0
    assert sent[0].layers[0].W0 is not None  # run 1's first to go


def test_outbox_ends_quietly_when_the_reader_is_gone(snaps):
    class Broken:
        def send(self, msg):
            raise BrokenPipeError

    box = Outbox(Broken())
    box.put(Snapshot(snaps[0]))
    box._thread.join(T)
    assert not box._thread.is_alive()
    box.put(StateChanged(PAUSED))  # no error, nothing waits
    box.close(0.1)


def test_restore_initial_shares_one_copy_per_run(snaps):
    cache = {}
    first, later, other = snaps[0], snaps[2], snaps[3]
    # As the Outbox sends a run's later snapshots: without W0.
    stripped = dataclasses.replace(
        later, layers=tuple(dataclasses.replace(L, W0=None) for L in later.layers))
    assert restore_initial(stripped, cache) is stripped  # run unknown yet: left as it came
    assert restore_initial(first, cache) is first and list(cache) == [1]
    back = restore_initial(stripped, cache)
    assert back.step == 3 and back.layers[0].W is later.layers[0].W
    assert all(b.W0 is f.W0 for b, f in zip(back.layers, first.layers, strict=True))
    assert restore_initial(other, cache) is other and list(cache) == [2]  # the old run is let go


def test_initial_weights_cross_a_real_pipe_once_and_come_back(data):
    receiver, sender = multiprocessing.Pipe(duplex=False)
    box = Outbox(sender)
    d = Driver(data, emit_interval=0.0)
    d.command(command_of("new", CFG.to_dict(), 1))

    def exchange(n):
        """Step ``n`` batches, send everything, receive up to the paused snapshot."""
        d.command(command_of("step", n))
        for msg in run(d):
            box.put(msg)
        got = []
        while not got or got[-1].step != d.trainer.step_count or d.state != PAUSED:
            assert receiver.poll(T)
            kind, payload = pair(receiver.recv())
            if kind == "snapshot":
                got.append(payload)
        return got

    first = exchange(2)
    later = exchange(3)
    closer = threading.Thread(target=box.close)  # it may be waiting for us to read
    closer.start()
    while closer.is_alive() or receiver.poll(0):
        if receiver.poll(0.05):
            kind, payload = pair(receiver.recv())
            later += [payload] if kind == "snapshot" else []
    assert not box._thread.is_alive()
    assert first[0].layers[0].W0 is not None  # the first to go (older ones may be dropped)
    assert all(L.W0 is None for s in first[1:] + later for L in s.layers)
    cache = {}
    restored = [restore_initial(s, cache) for s in first + later]
    init = direct(data, 0).net.layers
    for s in restored:
        for layer, ref in zip(s.layers, init, strict=True):
            np.testing.assert_array_equal(layer.W0, ref.W)
            assert layer.W0 is restored[0].layers[layer.index - 1].W0
    assert restored[-1].step == 5
    assert_weights_of(restored[-1], direct(data, 5))


# -- serve ---------------------------------------------------------------------------------

def test_serve_reports_data_it_cannot_load_and_ends():
    cmd_in, _ = multiprocessing.Pipe(duplex=False)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    serve(cmd_in, sender, DatasetSource("/nonexistent/digits.csv"))  # returns
    kind, message = pair(receiver.recv())
    assert kind == "failed"
    assert message.startswith("the training process could not load the data: "
                              "/nonexistent/digits.csv: neither a known dataset")


def test_serve_in_a_spawned_process_trains_stops_and_quits(data):
    server = ServerProcess(serve, data, 0.0, name="nnviz-test-training")
    send, messages = server.commands.send, server.messages
    send(command_of("fields", []))  # commands wait in the pipe until the process reads them
    send(command_of("new", CFG.to_dict(), 1))
    send(command_of("step", 4))
    server.start()
    try:
        def until(done):
            """Receive until ``done(kind, payload)``; every message on the way."""
            got = []
            while True:
                assert messages.poll(T), got
                got.append(pair(messages.recv()))
                if done(*got[-1]):
                    return got

        got = until(lambda k, p: (k, p) == ("state", PAUSED))
        got += until(lambda k, p: k == "snapshot")  # the paused one follows its state
        assert [p for k, p in got if k == "state"] == [RUNNING, PAUSED]
        sent = [p for k, p in got if k == "snapshot"]
        assert sent[0].layers[0].W0 is not None  # with the run's first snapshot to go only
        assert all(L.W0 is None for s in sent[1:] for L in s.layers)
        snap = sent[-1]
        assert (snap.run_id, snap.step) == (1, 4) and snap.layers[0].dW is None
        ref = direct(data, 4)  # another process, another BLAS thread count: allclose
        for layer, r in zip(snap.layers, ref.net.layers, strict=True):
            np.testing.assert_allclose(layer.W, r.W, rtol=1e-5, atol=1e-6)
        send(command_of("stop"))
        assert until(lambda k, p: True) == [("state", STOPPED)]
        assert until(lambda k, p: True)[0][1].step == 4
        send(command_of("resume"))  # ignored: the run is over
        send(command_of("fields", ["dW"]))  # a snapshot at once, of the same step
        got = until(lambda k, p: k == "snapshot" and p.layers[0].dW is not None)
        assert got[-1][1].step == 4 and [m for m in got if m[0] == "state"] == []
        send(command_of("quit"))
        assert until(lambda k, p: True) == [("state", STOPPED)]
        server.process.join(T)
        assert server.process.exitcode == 0
        with pytest.raises(EOFError):  # nothing more: the process's end of the pipe is closed
            pair(messages.recv())
    finally:
        server.end(5.0)
    assert not server.process.is_alive()
    assert server.process not in multiprocessing.active_children()


def test_the_training_server_imports_no_qt():
    code = ("import sys, nnviz.runtime.training_server, nnviz.runtime.processes; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'}))")
    root = str(Path(nnviz.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=T, check=True)
    assert out.stdout.strip() == "[]"


def test_a_request_sent_while_the_process_trains_lands_between_two_batches(data):
    """The GUI's live changes arrive while the training process is in its loop: the new
    learning rate takes over from one batch to the next, and training does not stop."""
    server = ServerProcess(serve, data, 0.0, name="nnviz-test-training")
    send, messages = server.commands.send, server.messages
    send(command_of("fields", []))
    send(command_of("new", CFG.replace(epochs=10_000).to_dict(), 1))
    send(command_of("resume"))
    server.start()
    try:
        def next_snapshot():
            while True:
                assert messages.poll(T)
                kind, payload = pair(messages.recv())[:2]
                assert kind != "failed", payload
                if kind == "snapshot":
                    return payload

        while (snap := next_snapshot()).step < 3:
            pass
        send(command_of("request", {"lr": 0.123}))  # the process is training meanwhile
        while (snap := next_snapshot()).config.lr != pytest.approx(0.123):
            assert snap.lr == pytest.approx(CFG.lr)
        changed_at = snap.step
        lrs = snap.curves["lr"]
        assert lrs[-1] == pytest.approx(0.123)  # the batch just taken used it
        assert lrs[0] == pytest.approx(CFG.lr) and set(np.round(lrs, 6)) == {
            round(CFG.lr, 6), 0.123}  # one change, between two batches
        while (snap := next_snapshot()).step <= changed_at + 3:
            pass  # and it trains on
        send(command_of("quit"))
        server.process.join(T)
        assert server.process.exitcode == 0
    finally:
        server.end(1.0)
