"""One way to draw: a view's :class:`DrawSlot` and the window's :class:`FrameScheduler`.

A view hands its slot what it draws (a snapshot, the runs, a dataset: the *item*) with
:meth:`DrawSlot.offer`; the slot holds the newest one and calls the view's draw function
with it only while the view is visible, at most at the view's declared rate. Hidden, it
only keeps the newest item, and draws it when the view is shown. On its own (tests,
scripts) a view draws what it is offered at once; in the window a :class:`FrameScheduler`
decides when: every frame it has the session publish, then draws the most overdue view
(and more only while the frame's small budget lasts), so the views' redraws are spread over
frames instead of all landing, and being painted, in one event-loop tick. It times every
draw, per view (:meth:`FrameScheduler.draw_times`).
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

from nnviz.gui.timing import FRAME_BUDGET_MS, FRAME_MS

Clock = Callable[[], float]
TIMES_KEPT = 4096  # draw durations kept per view (a few minutes of drawing at 20 Hz)


class DrawSlot(QObject):
    """What one view draws, and when: the newest item, drawn while visible and due.

    Parameters
    ----------
    widget : QWidget
        The view: drawing waits while it is hidden, and its Show event draws what waits.
        The slot is its child.
    draw : callable(item)
        Draws ``item`` into the view's items. An exception leaves :attr:`drawn` as it was
        (the next offer is tried); the view alone raises it to the caller, the scheduler
        reports it.
    hz : float
        The most draws per second the view wants (the scheduler keeps to it).
    name : str
        For the scheduler's reports and timings.
    when : callable() -> bool, optional
        A further condition to draw (e.g. the explorer's "Follow training" box).
    pace_alone : bool
        Keep to ``hz`` without a scheduler too (a rate the user sees, not a frame budget):
        an item offered too soon is drawn when due, by a single-shot timer.
    clock : callable() -> float
        Seconds; ``time.perf_counter`` (tests inject their own).

    Attributes
    ----------
    pending : object or None
        The newest item offered and not drawn yet.
    drawn : object or None
        The item last drawn (while it is being drawn, that one).
    last : float
        ``clock()`` at the last draw (−inf before the first).
    count : int
        Draws so far.
    times : deque of float
        The durations of the last :data:`TIMES_KEPT` draws, in seconds.
    scheduler : FrameScheduler or None
        The one that draws this slot (None: the view draws on its own).
    """

    def __init__(self, widget: QWidget, draw: Callable[[Any], object], hz: float,
                 name: str = "", *, when: Callable[[], bool] | None = None,
                 pace_alone: bool = False, clock: Clock = time.perf_counter):
        super().__init__(widget)
        if not hz > 0:
            raise ValueError(f"a draw rate must be positive, got {hz!r}")
        self.widget, self.name, self.hz = widget, name or type(widget).__name__, float(hz)
        self._draw, self._when, self.pace_alone, self.clock = draw, when, pace_alone, clock
        self.pending: Any = None
        self.drawn: Any = None
        self.last = -math.inf
        self.times: deque[float] = deque(maxlen=TIMES_KEPT)
        self.count = 0  # draws so far
        self.scheduler: FrameScheduler | None = None
        self._pace_timer: QTimer | None = None
        widget.installEventFilter(self)

    @property
    def newest(self):
        """The newest item: the one waiting, else the one drawn (None: nothing yet)."""
        return self.pending if self.pending is not None else self.drawn

    @property
    def period(self) -> float:
        return 1.0 / self.hz

    def ready(self) -> bool:
        """The view can draw: it is visible and its own condition holds."""
        return self.widget.isVisible() and (self._when is None or bool(self._when()))

    def due_at(self, slack: float = 0.0) -> float:
        """When the next draw may happen: a period after the last, less ``slack``."""
        return self.last + self.period - slack

    def due(self, now: float, slack: float = 0.0) -> bool:
        """An item waits, the view is ready and the rate allows a draw at ``now``."""
        return self.pending is not None and now >= self.due_at(slack) and self.ready()

    # -- what the view calls ------------------------------------------------------------------

    def offer(self, item, at_once: bool = False) -> None:
        """Hold ``item`` as the newest to draw. ``at_once``: draw it now, visible or not and
        due or not (e.g. a new run, whose shapes the view must take at once)."""
        if item is None or (item is self.drawn and self.pending is None and not at_once):
            return
        self.pending = item
        if at_once:
            self.draw()
        elif self.scheduler is None:
            self._draw_alone()

    def redraw(self) -> None:
        """Draw the newest item again now if the view is ready (one of its choices changed:
        a mode, a layer, the probe), else when it is shown."""
        if self.newest is None:
            return
        self.pending = self.newest
        if self.ready():
            self.draw()

    def forget(self) -> None:
        """Nothing to draw any more (and nothing drawn)."""
        self.pending = self.drawn = None

    def draw(self, now: float | None = None) -> bool:
        """Draw the waiting item now (whatever the rate); False if none waits."""
        item = self.pending
        if item is None:
            return False
        self.pending, previous, self.drawn = None, self.drawn, item  # the view reads it too
        self.last = self.clock() if now is None else now
        start = time.perf_counter()
        try:
            self._draw(item)
        except BaseException:
            self.drawn = previous
            raise
        finally:
            self.times.append(time.perf_counter() - start)
            self.count += 1
        return True

    # -- on its own ----------------------------------------------------------------------------

    def _draw_alone(self) -> None:
        if not self.ready():
            return  # the Show event draws it
        wait = self.due_at() - self.clock() if self.pace_alone else 0.0
        if wait <= 0:
            self.draw()
            return
        if self._pace_timer is None:
            self._pace_timer = QTimer(self, singleShot=True, timeout=self._draw_alone)
        if not self._pace_timer.isActive():
            self._pace_timer.start(int(1000 * wait) + 1)

    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.Show:
            return False
        # The slot and its view hold each other: the cycle collector may clear the slot's
        # attributes while Qt still sends it the view's events (seen in a clean-clone run).
        if watched is not self.__dict__.get("widget") or self.__dict__.get("pending") is None:
            return False
        # Shown: what waits is drawn now (as a view alone does; in the window a view is
        # shown by the user, rarely several at a time).
        if self.scheduler is None:
            self._draw_alone()
        elif self.ready():
            self.scheduler.draw_slot(self)
        return False


class FrameScheduler(QObject):
    """The window's frame clock: one timer, every view's draws spread over its frames.

    Each tick (:meth:`tick`) first calls ``before`` (the window has the session publish the
    newest snapshot: the views offer it to their slots), then draws the due slot that has
    waited longest past its due time, and the next ones only while the tick has spent less
    than ``budget_ms``. A slot is due when an item waits, its view is ready and a period of
    its rate has passed, less half a frame (the ticks would otherwise round every period up
    to a whole number of frames).

    Parameters
    ----------
    parent : QObject, optional
    frame_ms : int
    budget_ms : float
    before : callable(), optional
    failed : callable(name, exception or None), optional
        Told ``(name, exc)`` when a slot's draw raised (the slot draws again at its next
        offer), and ``(name, None)`` after each draw that did not.
    clock : callable() -> float
    """

    def __init__(self, parent: QObject | None = None, *, frame_ms: int = FRAME_MS,
                 budget_ms: float = FRAME_BUDGET_MS, before: Callable[[], object] | None = None,
                 failed: Callable[[str, BaseException | None], object] | None = None,
                 clock: Clock = time.perf_counter):
        super().__init__(parent)
        self.slots: dict[str, DrawSlot] = {}
        self.frame, self.budget = frame_ms / 1000, budget_ms / 1000
        self.before, self.failed, self.clock = before, failed, clock
        # Precise: a coarse timer may slip by 5 %, and three views in turn every third frame
        # would then fall below the 20 Hz they aim at.
        self.timer = QTimer(self, interval=frame_ms, timeout=self.tick,
                            timerType=Qt.TimerType.PreciseTimer)

    def add(self, slot: DrawSlot) -> DrawSlot:
        """Draw ``slot`` from now on (its view no longer draws on offer)."""
        slot.scheduler = self
        self.slots[slot.name] = slot
        return slot

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def overdue(self, slot: DrawSlot, now: float) -> float:
        """How long past its due time ``slot`` is at ``now`` (inf: never drawn)."""
        return now - slot.due_at(self.frame / 2)

    def due(self, now: float) -> list[DrawSlot]:
        """The slots due at ``now``, most overdue first (ties: in the order added)."""
        slots = [s for s in self.slots.values() if s.due(now, self.frame / 2)]
        return sorted(slots, key=lambda s: -self.overdue(s, now))

    def tick(self) -> list[str]:
        """One frame: publish, then draw the most overdue slots within the budget. Returns
        the names drawn."""
        if self.before is not None:
            self.before()
        start = self.clock()
        drawn: list[str] = []
        for slot in self.due(start):
            if drawn and self.clock() - start >= self.budget:
                break
            self.draw_slot(slot)
            drawn.append(slot.name)
        return drawn

    def flush(self) -> list[str]:
        """Publish, then draw every slot with an item waiting whose view is ready, rates
        aside (``MainWindow.refresh_views``: tests and screenshots want it all drawn now)."""
        if self.before is not None:
            self.before()
        drawn = [s for s in self.slots.values() if s.pending is not None and s.ready()]
        for slot in drawn:
            self.draw_slot(slot)
        return [s.name for s in drawn]

    def draw_slot(self, slot: DrawSlot) -> None:
        """Draw ``slot``'s waiting item; a draw that raises is reported, not raised."""
        try:
            slot.draw(self.clock())
        except Exception as exc:  # noqa: BLE001 - one broken view must not stop the others
            if self.failed is None:
                raise
            self.failed(slot.name, exc)
            return
        if self.failed is not None:
            self.failed(slot.name, None)

    def draw_times(self) -> dict[str, tuple[int, float, float]]:
        """Per view that drew: (draws so far, median, worst) of its last draws' durations,
        in seconds."""
        return {name: (s.count, statistics.median(s.times), max(s.times))
                for name, s in self.slots.items() if s.times}
