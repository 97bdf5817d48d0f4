"""Every rate and interval of the GUI, in one place, each with the reason for its value.

The window draws on one frame clock (:class:`nnviz.gui.widgets.frames.FrameScheduler`):
every :data:`FRAME_MS` it takes the newest snapshot and draws the most overdue view, each
view at most at its declared rate (the ``*_HZ`` below). The other timers poll pipes, throttle
input or pace an animation. Qt-free: the helper processes may read it too.
"""

from __future__ import annotations

# -- the frame clock --------------------------------------------------------------------------

FRAME_MS = 14
"""The scheduler's tick (~70 Hz). Each tick draws one view (or a few cheap ones, see
:data:`FRAME_BUDGET_MS`), so a redraw of every view is spread over several frames and no
single tick paints them all. The three live views then take three ticks: at 16 ms (60 Hz)
that is 48 ms, which any late tick pushed below the 20 Hz they aim at (bench_gui: 19.4 Hz);
at 14 ms, 42 ms (bench_gui: 21.9 Hz)."""

FRAME_BUDGET_MS = 1.0
"""After its most overdue view, a tick draws the next one only while it has spent less than
this. Each chart's draw is followed by its paint (several times the draw: bench_gui.py), which
this does not see: only draws that change little to paint (an evaluation request, a table
unchanged) share a frame."""

# -- what the training process sends ----------------------------------------------------------

EMIT_INTERVAL_S = 0.035
"""The training child sends a snapshot at most every 35 ms (~28 Hz): a new one waits whenever
a live view's turn comes (every three frames, 42 ms), while a snapshot (a copy of every
weight) stays a small share of a step (bench_gui: 98–99 % of headless throughput)."""

POLL_S = 0.05
"""A process relay's reader thread (training, maps) blocks this long on the message pipe
before it looks whether it should stop or its process died: stopping waits at most 50 ms,
and an idle relay wakes 20 times a second."""

# -- the views' declared rates (at most this many draws per second) ----------------------------

LIVE_HZ = 25
"""Curves, weights and activations: the frame clock rounds it to every third frame (~24 Hz
at most, as the three take turns)."""

FOLLOW_HZ = 4
"""The explorer takes the training run's network 4 times a second while following: it runs
the stepper, the diagram and the answer again, which a user reads, not watches."""

EPOCH_HZ = 4
"""Evaluation and map react to a new epoch (their work runs off the GUI thread), the runs
table to a changed record, the data view to its settings: 4 Hz is prompt enough."""

# -- other timers ------------------------------------------------------------------------------


DRAWPAD_EMIT_MS = 16
"""The drawing pad announces a changed image at most once a frame during a stroke."""

STEPPER_RUN_MS = 700
"""Space in the stepper: one step every 0.7 s, slow enough to read each step's equation."""

LESSONS_CHECK_MS = 250
"""The lessons check their step's condition 4 times a second while visible: cheap reads."""

SIGINT_MS = 200
"""Python runs its signal handlers between bytecodes: a timer this often lets Ctrl+C in while
the event loop idles in C++."""

SCREENSHOT_TICK_MS = 100
"""The ``--screenshot`` director looks at the training's progress 10 times a second."""
