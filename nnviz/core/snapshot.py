"""Freezing arrays for hand-over between threads and for records that must not change."""

from __future__ import annotations

import numpy as np


def frozen(arr) -> np.ndarray | None:
    """A read-only copy of ``arr`` (None stays None)."""
    if arr is None:
        return None
    out = np.array(arr, copy=True)
    out.setflags(write=False)
    return out
