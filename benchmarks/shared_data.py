"""Where the benchmarks find the shared datasets: ``$NNVIZ_SHARED_DIR/datasets`` (as the tests
and CI), else ``../shared/datasets`` beside the checkout."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("NNVIZ_SHARED_DIR",
                             Path(__file__).resolve().parents[1].parent / "shared"))
DATASETS = SHARED / "datasets"
MNIST = DATASETS / "mnist"


def datasets_dir() -> Path | None:
    """The shared datasets folder, or None when it is absent (lookup then goes on as usual)."""
    return DATASETS if DATASETS.is_dir() else None
