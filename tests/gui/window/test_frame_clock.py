"""The window draws on one frame clock: every view's slot is on it, a published snapshot is
drawn by the live views over several frames (one per frame), and a hidden view waits."""

from gui_helpers import trained

from nnviz.gui.timing import FRAME_MS

LIVE = ("curves", "weights", "activations")


def test_a_snapshot_is_drawn_by_the_views_one_per_frame(qtbot, window):
    frames = window.frames
    assert window._timer is frames.timer and frames.timer.interval() == FRAME_MS
    assert set(frames.slots) == {"curves", "weights", "activations", "data", "explorer",
                                 "evaluation", "map", "runs"}
    trained(qtbot, window, 3)
    frames.stop()  # the frames are ticked by hand from here on
    frames.budget = 0.0  # however cheap the tiny network's draws: one view per frame
    window.training.step(1)
    qtbot.waitUntil(lambda: window.model.latest.step == 4, timeout=20_000)
    for name in LIVE:
        frames.slots[name].last -= 1.0  # each is due, whatever the clock says
    drawn = []
    for _ in range(6):
        drawn.append(frames.tick())
    live = [names for names in drawn if set(names) & set(LIVE)]
    assert [len(names) for names in live] == [1, 1, 1]  # no frame draws two of them
    assert sorted(n for names in live for n in names) == sorted(LIVE)
    snap = window.model.shown
    assert snap.step == 4 and all(frames.slots[n].drawn is snap for n in LIVE)
    hidden = frames.slots["map"]  # the analysis window is closed: the map only holds it
    assert not window.views["map"].isVisible() and hidden.count == 0 and hidden.pending is snap
    times = frames.draw_times()
    assert set(LIVE) <= set(times) and all(n >= 2 and 0 < med <= worst
                                           for n, med, worst in (times[k] for k in LIVE))
