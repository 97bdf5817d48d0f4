"""The one background-work mechanism: tasks answer once, lanes drop what is stale."""

import threading

import pytest
from PySide6.QtCore import QObject

from nnviz.gui.workers.tasks import Lane, Task, run_in_pool


class Gate:
    """Work that waits until released, reporting progress and checking for cancellation."""

    def __init__(self, result):
        self.result, self.go = result, threading.Event()

    def __call__(self, task):
        task.report(1, 2)
        assert self.go.wait(10)
        task.check()
        return self.result


def record(lane, task, log, name, start=run_in_pool):
    return lane.start(task, start, done=lambda r: log.append((name, "done", r)),
                      failed=lambda m: log.append((name, "failed", m)),
                      cancelled=lambda: log.append((name, "cancelled")),
                      progress=lambda d, t: log.append((name, "progress", d, t)))


def test_a_task_answers_once_with_its_result_or_its_error(qtbot):
    answers = []
    ok, bad = Task(lambda task: 6 * 7), Task(lambda task: 1 / 0)
    for task in (ok, bad):
        task.done.connect(lambda r: answers.append(("done", r)))
        task.failed.connect(lambda m: answers.append(("failed", m)))
        with qtbot.waitSignal(task.ended, timeout=5000):
            run_in_pool(task)
    assert answers == [("done", 42), ("failed", "division by zero")]
    assert ok.is_ended and bad.is_ended


def test_a_newer_task_supersedes_the_older_whose_answer_is_dropped(qtbot):
    lane, log = Lane(), []
    first, second = Gate("old"), Gate("new")
    old = record(lane, Task(first), log, "old")
    qtbot.waitUntil(lambda: ("old", "progress", 1, 2) in log, timeout=5000)
    new = record(lane, Task(second), log, "new")
    assert old.stop_requested and not new.stop_requested and lane.current is new
    first.go.set()  # the old work ends cancelled (it checks), and nobody hears it
    second.go.set()
    qtbot.waitUntil(lambda: not lane.busy, timeout=5000)
    assert log == [("old", "progress", 1, 2), ("new", "progress", 1, 2), ("new", "done", "new")]
    assert lane.dropped == 1


def test_cancel_delivers_cancelled_to_the_lane(qtbot):
    lane, log = Lane(), []
    gate = Gate("never")
    record(lane, Task(gate), log, "t")
    assert lane.running and lane.busy
    lane.cancel()
    gate.go.set()
    qtbot.waitUntil(lambda: not lane.busy, timeout=5000)
    assert log[-1] == ("t", "cancelled") and not lane.running and lane.dropped == 0


def test_a_task_answered_by_someone_else_and_cancelled_through_its_hook(qtbot):
    lane, log, told = Lane(), [], []
    started = []
    task = Task(on_cancel=lambda: told.append("stop"))
    record(lane, task, log, "p", start=started.append)
    assert started == [task]  # the lane does not run it: the "process" does
    task.report(3, 10)
    lane.cancel()
    task.confirm_cancelled()
    qtbot.waitUntil(lambda: not lane.busy, timeout=5000)
    assert told == ["stop"] and log == [("p", "progress", 3, 10), ("p", "cancelled")]


def test_deleting_the_owner_cancels_its_tasks(qtbot):
    owner = QObject()
    lane, log = Lane(owner), []
    gate = Gate("orphan")
    task = record(lane, Task(gate), log, "o")
    with qtbot.waitSignal(owner.destroyed, timeout=5000):
        owner.deleteLater()
    assert task.stop_requested
    gate.go.set()
    qtbot.waitUntil(lambda: task.is_ended, timeout=5000)


@pytest.mark.parametrize("superseded", [False, True])
def test_supersede_is_silent(qtbot, superseded):
    lane, log = Lane(), []
    gate = Gate("x")
    task = record(lane, Task(gate), log, "s")
    if superseded:
        lane.supersede()
    gate.go.set()
    qtbot.waitUntil(lambda: task.is_ended and not lane.busy, timeout=5000)
    assert [e[1] for e in log if e[1] != "progress"] == ([] if superseded else ["done"])


def test_an_ended_task_holds_nothing_of_its_work(qtbot):
    """The soak benchmark found every ended task alive with its closure (a snapshot each)."""
    import gc
    import weakref

    class Big:
        pass

    refs = []
    for _ in range(5):
        big = Big()
        refs.append(weakref.ref(big))
        task = Task(lambda task, big=big: id(big))
        with qtbot.waitSignal(task.ended, timeout=5000):
            run_in_pool(task)
        del big, task

    def all_freed() -> bool:  # the pool's thread may still be letting go of the last one
        gc.collect()
        return [r() for r in refs] == [None] * 5
    qtbot.waitUntil(all_freed, timeout=5000)


def test_the_lane_is_not_busy_when_the_answer_arrives(qtbot):
    """A receiver may ask at once (the evaluation view checks busy in its slot)."""
    lane, seen = Lane(), []
    task = lane.start(Task(lambda task: 1), done=lambda r: seen.append((lane.busy, lane.running)))
    qtbot.waitUntil(lambda: task.is_ended and bool(seen), timeout=5000)
    assert seen == [(False, False)]


def finished_in_a_thread(task):
    """A start that runs the work in another thread and returns once it has answered: the
    worst timing, where the work ends before the GUI thread looks at the task."""
    worker = threading.Thread(target=task.run)
    worker.start()
    worker.join()


def test_is_delivered_waits_for_the_gui_thread_while_is_ended_does_not(qtbot):
    lane, log = Lane(), []
    task = record(lane, Task(lambda task: 1 / 0), log, "t", start=finished_in_a_thread)
    # Answered in its thread, not yet heard: GUI code must not act on is_ended here.
    assert task.is_ended and not task.is_delivered and log == []
    qtbot.waitUntil(lambda: task.is_delivered, timeout=5000)
    assert log == [("t", "failed", "division by zero")]  # the receiver ran first


def test_what_a_caller_remembers_travels_in_the_context_and_nothing_is_bolted_on(qtbot):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Request:
        source: str
        offer_download: bool

    lane, seen = Lane(), []
    task = Task(lambda task: len(task.context.source), context=Request("mnist", True))
    lane.start(task, done=lambda n: seen.append((n, lane.current.context)))
    qtbot.waitUntil(lambda: task.is_delivered, timeout=5000)
    assert seen == [(5, Request("mnist", True))] and Task().context is None
    with pytest.raises(AttributeError, match="has no attribute 'source'"):
        task.source = "letters"  # the old way: an attribute set from outside
    with pytest.raises(AttributeError):
        task.context = Request("letters", False)  # read-only


SNIPPET = '''
from dataclasses import dataclass

from nnviz.gui.workers.tasks import Lane, Task


@dataclass(frozen=True)
class Request:
    source: str


def right() -> None:
    task: Task[int, Request] = Task(lambda t: len(t.context.source), context=Request("mnist"))
    Lane().start(task, done=lambda n: print(n + 1))


def wrong_context() -> None:
    task: Task[int, Request] = Task(lambda t: 1, context="mnist")


def wrong_result() -> None:
    task: Task[int, None] = Task(lambda t: "forty-two")


def wrong_receiver() -> None:
    task: Task[int, None] = Task(lambda t: 42)
    Lane().start(task, done=lambda s: s.upper())
'''


def test_the_type_checker_refuses_a_wrong_context_result_or_receiver(tmp_path, monkeypatch):
    """Task[T, C]: the result's and the context's types are checked (mypy, as in CI)."""
    from pathlib import Path

    from mypy import api

    import nnviz
    monkeypatch.setenv("MYPYPATH", str(Path(nnviz.__file__).parents[1]))  # this tree's nnviz
    path = tmp_path / "snippet.py"
    path.write_text(SNIPPET)
    out, err, status = api.run([str(path), "--no-incremental", "--cache-dir", str(tmp_path / "c"),
                                "--python-version", "3.11"])
    errors = [line.split(": error: ")[1] for line in out.splitlines() if ": error: " in line]
    lines = sorted({int(line.split(":")[1]) for line in out.splitlines() if ": error: " in line})
    assert status == 1 and lines == [18, 22, 27], out + err  # the three wrong ones, not right()
    assert any('"context" to "Task" has incompatible type "str"; expected "Request"' in e
               for e in errors)
    assert any('Incompatible return value type (got "str", expected "int")' in e for e in errors)
    assert any('"int" has no attribute "upper"' in e for e in errors)
