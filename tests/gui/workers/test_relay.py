"""The one process relay: typed messages from a real child process, handed to the handler of
their type in the GUI thread, in order; a child that dies is reported, and the app goes on."""

import threading

from PySide6.QtCore import QCoreApplication
from relay_children import Tick, Tock, die, tick_tock

from nnviz.gui.workers.relay import ProcessEnded, ProcessRelay

T = 20_000  # ms: generous, the machine is shared (a spawned child imports NumPy)


def relay_of(target, *args, into: list):
    """A relay whose handlers note ``(message, in the GUI thread?)``."""
    def note(message):
        into.append((message, threading.current_thread() is threading.main_thread()))
    return ProcessRelay(target, *args, name="nnviz-test",
                        handlers={Tick: note, Tock: note, ProcessEnded: note})


def test_messages_reach_their_handlers_in_the_gui_thread_in_order(qtbot):
    got = []
    relay = relay_of(tick_tock, 50, into=got)
    relay.start()
    relay.send(Tock(-1))  # sent back once the child has said its 150 messages
    relay.send(Tick(-2))
    qtbot.waitUntil(lambda: len(got) == 102, timeout=T)
    expected = [m for i in range(50) for m in (Tick(i), Tock(i))] + [Tock(-1), Tick(-2)]
    assert got == [(m, True) for m in expected]  # Unheard has no handler: dropped
    assert relay.running
    assert relay.stop(5.0) and not relay.running
    QCoreApplication.processEvents()  # the reader has ended: all it emitted is queued here
    assert len(got) == 102 and relay.stop(5.0)  # handed nothing more; stopping twice is fine


def test_a_child_that_dies_is_reported_and_another_one_starts(qtbot):
    got = []
    relay = relay_of(die, 3, into=got)
    relay.start()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=T)
    assert got == [(Tick(0), True), (ProcessEnded(exitcode=3, expected=False), True)]
    assert not relay.running and relay.stop(1.0)
    again = []  # the application goes on: a new process answers
    other = relay_of(tick_tock, 1, into=again)
    other.start()
    qtbot.waitUntil(lambda: len(again) == 2, timeout=T)
    assert [m for m, _ in again] == [Tick(0), Tock(0)]
    assert other.stop(5.0)


def test_a_child_that_cannot_start_is_reported(qtbot):
    got = []
    relay = relay_of(tick_tock, threading.Lock(), into=got)  # a lock cannot be pickled
    relay.start()
    qtbot.waitUntil(lambda: bool(got), timeout=T)
    (ended, in_gui), = got
    assert in_gui and ended.exitcode is None and not ended.expected
    assert "pickle" in ended.error


def test_a_relay_asked_to_stop_ends_its_child(qtbot):
    got = []
    relay = relay_of(tick_tock, 1, into=got)
    relay.start()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=T)
    process = relay._server.process
    assert process.is_alive()
    assert relay.stop(5.0)
    assert process.exitcode == 0  # it read Quit and returned
    relay.send(Tick(9))  # after stop: nowhere to go, no error
    QCoreApplication.processEvents()
    assert len(got) == 2  # its ProcessEnded was not handed over: the relay was stopped
