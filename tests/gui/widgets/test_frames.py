"""DrawSlot and FrameScheduler without a window: fake views, an injected clock, no sleeps.

A slot draws only while its view is visible, the newest item once, on show what waited; a
scheduler draws at most each slot's rate, the most overdue first, one costly draw per frame,
and reports a draw that raises instead of stopping the others."""

import pytest
from PySide6.QtWidgets import QWidget

from nnviz.gui.widgets.frames import DrawSlot, FrameScheduler
from nnviz.session import SessionModel


class Clock:
    """Seconds that pass only when told (``advance``), or by ``cost`` per fake draw."""

    def __init__(self, t: float = 10.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


class FakeView(QWidget):
    """A view whose draw records the item and costs ``cost`` seconds of ``clock``."""

    def __init__(self, name: str, clock: Clock, hz: float = 20, cost: float = 0.0, **kw):
        super().__init__()
        self.clock, self.cost, self.drawn = clock, cost, []
        self.drawing = DrawSlot(self, self._draw, hz, name, clock=clock, **kw)

    def _draw(self, item) -> None:
        self.drawn.append(item)
        self.clock.advance(self.cost)


@pytest.fixture
def clock():
    return Clock()


def views(qtbot, clock, n, **kw) -> list[FakeView]:
    made = [FakeView(f"v{i}", clock, **kw) for i in range(n)]
    for v in made:
        qtbot.addWidget(v)
    return made


def test_a_hidden_view_draws_nothing_and_the_newest_once_shown(qtbot, clock):
    [v] = views(qtbot, clock, 1)
    v.drawing.offer("a")
    v.drawing.offer("b")
    assert v.drawn == [] and v.drawing.pending == "b" and v.drawing.newest == "b"
    v.show()
    qtbot.waitExposed(v)
    assert v.drawn == ["b"] and v.drawing.pending is None and v.drawing.drawn == "b"
    v.hide()
    v.show()  # shown again with nothing new: not drawn again
    v.drawing.offer("b")  # the item drawn, offered again: nothing to do
    assert v.drawn == ["b"]
    v.drawing.offer("c")  # alone and visible: drawn at once
    assert v.drawn == ["b", "c"]


def test_redraw_draws_the_newest_again_now_or_when_shown(qtbot, clock):
    [v] = views(qtbot, clock, 1)
    v.drawing.redraw()  # nothing yet
    v.show()
    v.drawing.offer("a")
    v.drawing.redraw()  # a choice of the view changed
    assert v.drawn == ["a", "a"]
    v.hide()
    v.drawing.redraw()
    assert v.drawn == ["a", "a"] and v.drawing.pending == "a"
    v.show()
    assert v.drawn == ["a", "a", "a"]


def test_at_once_draws_hidden_and_ahead_of_the_rate(qtbot, clock):
    [v] = views(qtbot, clock, 1, hz=1, pace_alone=True)
    v.drawing.offer("run 1", at_once=True)
    v.drawing.offer("run 2", at_once=True)
    assert v.drawn == ["run 1", "run 2"] and not v.isVisible()


def test_a_paced_view_alone_draws_an_early_item_when_it_is_due(qtbot, clock):
    [v] = views(qtbot, clock, 1, hz=4, pace_alone=True)  # a period of 0.25 s
    v.show()
    v.drawing.offer("a")
    clock.advance(0.245)
    v.drawing.offer("b")  # 5 ms early: waits
    v.drawing.offer("c")  # the newest is the one drawn
    assert v.drawn == ["a"] and v.drawing.pending == "c"
    clock.advance(0.005)  # the timer (set for ~6 ms) finds it due
    qtbot.waitUntil(lambda: v.drawn == ["a", "c"], timeout=2000)


def test_a_condition_holds_drawing_back(qtbot, clock):
    following = [False]
    v = FakeView("v", clock, when=lambda: following[0])
    qtbot.addWidget(v)
    v.show()
    v.drawing.offer("a")
    assert v.drawn == [] and not v.drawing.ready()
    following[0] = True
    v.drawing.offer(v.drawing.newest, at_once=True)
    assert v.drawn == ["a"]


def test_rates_must_be_positive(qtbot, clock):
    w = QWidget()
    qtbot.addWidget(w)
    with pytest.raises(ValueError, match="positive"):
        DrawSlot(w, print, 0)


# -- the scheduler ------------------------------------------------------------------------


def scheduler(clock, made, **kw) -> FrameScheduler:
    frames = FrameScheduler(frame_ms=16, budget_ms=4, clock=clock, **kw)
    for v in made:
        frames.add(v.drawing)
        v.show()
    return frames


def test_views_due_at_once_are_drawn_over_several_frames_most_overdue_first(qtbot, clock):
    made = views(qtbot, clock, 4, hz=20, cost=0.010)  # each draw costs 10 ms: one per frame
    frames = scheduler(clock, made)
    for i, v in enumerate(made):  # drawn last at 10.00, 10.01, 10.02, 10.03 s
        v.drawing.offer(f"first {i}")
        frames.draw_slot(v.drawing)
    assert [v.drawing.last for v in made] == pytest.approx([10.0, 10.01, 10.02, 10.03])
    for i, v in reversed(list(enumerate(made))):  # offered in the other order
        v.drawing.offer(f"second {i}")
    assert frames.tick() == []  # 40 ms after the first: no view is due yet at 20 Hz
    clock.t = 10.2  # all four due: drawn one per frame, the one drawn longest ago first
    order = []
    for _ in range(4):
        order += frames.tick()
        clock.advance(0.016 - 0.010)  # the rest of the frame
    assert order == ["v0", "v1", "v2", "v3"]
    assert [v.drawn for v in made] == [[f"first {i}", f"second {i}"] for i in range(4)]
    assert frames.tick() == []  # nothing waits


def test_a_busy_frame_clock_starves_no_view(qtbot, clock):
    made = views(qtbot, clock, 3, hz=25, cost=0.012)  # 3 × 25 Hz of 12 ms: more than a core
    frames = scheduler(clock, made)
    for frame in range(300):  # ~5 s; every view has a new item at every frame
        for v in made:
            v.drawing.offer((v.drawing.name, frame))
        frames.tick()
        clock.advance(0.004)  # 16 ms frames when a draw happened
    counts = [len(v.drawn) for v in made]
    assert min(counts) >= 95 and max(counts) - min(counts) <= 1  # one per frame, in turn


def test_the_rate_is_kept_to_within_the_frame(qtbot, clock):
    [v] = views(qtbot, clock, 1, hz=10)
    frames = scheduler(clock, [v])
    times = []
    for frame in range(100):
        v.drawing.offer(frame)
        if frames.tick():
            times.append(clock.t)
        clock.advance(0.016)
    gaps = {round(b - a, 6) for a, b in zip(times, times[1:])}
    # 100 ms is 6.25 frames: drawn every 6th frame (half a frame of slack), never faster.
    assert gaps == {0.096} and len(times) == 17


def test_cheap_draws_share_a_frame_within_the_budget(qtbot, clock):
    made = views(qtbot, clock, 6, cost=0.0011)
    frames = scheduler(clock, made)
    for v in made:
        v.drawing.offer("x")
    assert frames.tick() == ["v0", "v1", "v2", "v3"]  # 4.4 ms spent: over the budget
    assert frames.tick() == ["v4", "v5"]


def test_hidden_views_wait_and_flush_draws_all_that_wait(qtbot, clock):
    made = views(qtbot, clock, 3, hz=1, cost=0.010)
    frames = scheduler(clock, made)
    made[2].hide()
    for v in made:
        v.drawing.offer("a")
    assert frames.flush() == ["v0", "v1"]  # rates aside, the visible ones
    for v in made[:2]:
        v.drawing.offer("b")
    assert frames.tick() == []  # not due at 1 Hz
    assert frames.flush() == ["v0", "v1"] and made[2].drawn == []
    made[2].show()  # shown: what waited is drawn now
    assert made[2].drawn == ["a"]
    assert {k: n for k, (n, _, _) in frames.draw_times().items()} == {"v0": 2, "v1": 2, "v2": 1}


def test_a_draw_that_raises_is_reported_and_the_others_drawn(qtbot, clock):
    made = views(qtbot, clock, 2)
    model = SessionModel()
    told = []
    model.add_failure_listener(lambda name, failure: told.append((name, failure)))
    frames = scheduler(clock, made, failed=model.report_draw)
    broken = made[0].drawing

    def boom(item):
        raise RuntimeError("cannot draw")
    broken._draw = boom
    for v in made:
        v.drawing.offer("a")
    assert frames.flush() == ["v0", "v1"]
    assert made[1].drawn == ["a"] and broken.drawn is None and broken.pending is None
    [(name, failure)] = told
    assert (name, failure.kind, failure.error) == ("v0", "draw", "RuntimeError: cannot draw")
    assert "Traceback" in failure.details and model.failures["v0"] is failure
    broken.offer("b")
    frames.flush()  # the same error again: reported once
    assert len(told) == 1
    broken._draw = made[0]._draw
    broken.offer("c")  # the next change is drawn: the failure is over
    frames.flush()
    assert made[0].drawn == ["c"] and told[-1] == ("v0", None) and model.failures == {}


def test_a_scheduler_without_a_listener_raises(qtbot, clock):
    [v] = views(qtbot, clock, 1)
    frames = scheduler(clock, [v])
    v.drawing._draw = lambda item: 1 / 0
    v.drawing.offer("a")
    with pytest.raises(ZeroDivisionError):
        frames.tick()
