"""Learning-rate schedules as factors of the base rate, functions of training progress.

Progress is measured in epochs as a float (``epoch + fraction of the current epoch``), so a
schedule keeps its shape when the batch size changes mid-run.
"""

from __future__ import annotations

import math

SCHEDULES = ("constant", "step", "cosine")


def lr_factor(schedule: str, progress: float, *, total_epochs: float = 1.0,
              step_epochs: float = 5.0, gamma: float = 0.5, min_factor: float = 0.0) -> float:
    """The multiplier of the base learning rate after ``progress`` epochs.

    - ``constant``: 1.
    - ``step``: ``gamma ** floor(progress / step_epochs)``.
    - ``cosine``: from 1 down to ``min_factor`` over ``total_epochs`` along half a cosine,
      then stays at ``min_factor``.
    """
    if schedule == "constant":
        return 1.0
    if schedule == "step":
        return gamma ** math.floor(progress / step_epochs)
    if schedule == "cosine":
        t = min(max(progress / max(total_epochs, 1e-12), 0.0), 1.0)
        return min_factor + (1.0 - min_factor) * 0.5 * (1.0 + math.cos(math.pi * t))
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
