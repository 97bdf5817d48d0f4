"""Synthetic MNIST-like data for the datasets tests, and where the real MNIST files are."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnviz.datasets import write_idx

SHARED_MNIST = (
    Path(os.environ["NNVIZ_SHARED_DIR"]) if os.environ.get("NNVIZ_SHARED_DIR")
    else Path(__file__).resolve().parents[2].parent / "shared"
) / "datasets" / "mnist"

MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def make_images(n: int, seed: int = 0) -> np.ndarray:
    """uint8 (n, 28, 28): random strokes on black, all 256 values possible."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    # A dark frame, as in MNIST (so an image folder's ink-on-paper inversion stays off).
    images[:, :2], images[:, -2:], images[:, :, :2], images[:, :, -2:] = 0, 0, 0, 0
    return images


def make_labels(n: int, seed: int = 0, n_classes: int = 10) -> np.ndarray:
    """uint8 (n,): every class present, shuffled."""
    rng = np.random.default_rng(seed + 1)
    return rng.permutation(np.arange(n) % n_classes).astype(np.uint8)


@dataclass
class SyntheticIdx:
    """A folder with the four MNIST-named IDX files and the arrays written into them."""

    folder: Path
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def write_mnist_folder(folder: Path, n_train: int = 50, n_test: int = 20) -> SyntheticIdx:
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte.gz": make_images(n_train, seed=1),
        "train-labels-idx1-ubyte.gz": make_labels(n_train, seed=1),
        "t10k-images-idx3-ubyte.gz": make_images(n_test, seed=2),
        "t10k-labels-idx1-ubyte.gz": make_labels(n_test, seed=2),
    }
    for name, array in arrays.items():
        write_idx(folder / name, array)
    return SyntheticIdx(folder, arrays)


# The Kaggle digit-recognizer header.
HEADER = "label," + ",".join(f"pixel{i}" for i in range(784))


def csv_text(images: np.ndarray, labels: np.ndarray, header: str = HEADER) -> str:
    """The CSV text of (N, 28, 28) images and (N,) labels, header first."""
    rows = [
        ",".join(map(str, [int(y), *x.ravel().tolist()]))
        for x, y in zip(images, labels, strict=True)
    ]
    return "\n".join([header, *rows]) + "\n"


def write_csv(path, images, labels, header=HEADER):
    path.write_text(csv_text(images, labels, header))
    return path
