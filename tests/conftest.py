"""Test-wide set-up: Qt offscreen before Qt loads, pyqtgraph row-major, the MNIST location."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def shared_dir() -> Path:
    """``../shared`` beside the checkout (as in CI), or ``NNVIZ_SHARED_DIR``."""
    env = os.environ.get("NNVIZ_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"


MNIST_DIR = shared_dir() / "datasets" / "mnist"
HAVE_MNIST = (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four original MNIST files; skips the test when absent."""
    if not HAVE_MNIST:
        pytest.skip(f"real MNIST not found at {MNIST_DIR} (set NNVIZ_SHARED_DIR)")
    return MNIST_DIR
