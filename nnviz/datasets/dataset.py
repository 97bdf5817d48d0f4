"""The `Dataset` every loader returns, and the two array helpers networks need from it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train, validation and test splits of an image classification dataset, ready to train on.

    Every array is read-only: views and the training thread may share them safely.

    Attributes
    ----------
    name : str
        E.g. ``"mnist"``, or the file/folder name for a dataset loaded from a path.
    class_names : tuple of str
        Label ``k`` means ``class_names[k]``.
    x_train, x_val, x_test : np.ndarray
        float32, shape (N, n_features), pixels scaled to [0, 1]; rows are flattened images.
    y_train, y_val, y_test : np.ndarray
        int64, shape (N,), class indices in ``0 .. n_classes - 1``.
    image_shape : (int, int)
        (rows, cols) of one image; ``x.reshape(-1, *image_shape)`` gives the images back.
    source : str
        Where the data came from (a folder or file path).
    """

    name: str
    class_names: tuple[str, ...]
    x_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    x_val: np.ndarray = field(repr=False)
    y_val: np.ndarray = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)
    image_shape: tuple[int, int] = (28, 28)
    source: str = ""

    def __post_init__(self) -> None:
        n_features = self.image_shape[0] * self.image_shape[1]
        for part in ("train", "val", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if x.dtype != np.float32 or x.ndim != 2 or x.shape[1] != n_features:
                raise ValueError(f"x_{part}: expected float32 (N, {n_features}), got "
                                 f"{x.dtype} {x.shape}")
            if y.dtype != np.int64 or y.shape != (len(x),):
                raise ValueError(f"y_{part}: expected int64 ({len(x)},), got {y.dtype} {y.shape}")
            if y.size and (y.min() < 0 or y.max() >= len(self.class_names)):
                raise ValueError(f"y_{part}: labels must lie in 0..{len(self.class_names) - 1}")
            x.setflags(write=False)
            y.setflags(write=False)

    @property
    def n_classes(self) -> int:
        """Number of classes, K."""
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        """Number of input features, D (pixels per image)."""
        return int(self.x_train.shape[1])

    def __str__(self) -> str:
        return (
            f"{self.name}: {len(self.x_train)} train / {len(self.x_val)} val / "
            f"{len(self.x_test)} test images of {self.image_shape[0]}×{self.image_shape[1]}, "
            f"{self.n_classes} classes (from {self.source})"
        )


def normalize(images: np.ndarray) -> np.ndarray:
    """Flatten uint8 images and scale them to [0, 1].

    Parameters
    ----------
    images : np.ndarray
        uint8, shape (N, rows, cols) or (N, D).

    Returns
    -------
    np.ndarray
        float32, shape (N, rows * cols), ``images / 255``.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"normalize expects uint8 pixels 0..255, got {images.dtype}")
    if images.ndim < 2:
        raise ValueError(f"normalize expects (N, ...) images, got shape {images.shape}")
    flat = images.reshape(len(images), int(np.prod(images.shape[1:])))  # -1 fails for N=0
    return np.divide(flat, np.float32(255), dtype=np.float32)


def one_hot(y: np.ndarray, n_classes: int, dtype: npt.DTypeLike = np.float32) -> np.ndarray:
    """Encode class indices as one-hot rows.

    Parameters
    ----------
    y : np.ndarray
        Integer class indices, shape (N,), each in ``0 .. n_classes - 1``.
    n_classes : int
        K, the number of columns.
    dtype : dtype
        Of the result.

    Returns
    -------
    np.ndarray
        Shape (N, K); row ``i`` is 1 in column ``y[i]`` and 0 elsewhere.
    """
    y = np.asarray(y)
    if y.ndim != 1 or (y.size and y.dtype.kind not in "iu"):
        raise ValueError(f"one_hot expects a 1-D integer array, got {y.dtype} {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"one_hot: labels {y.min()}..{y.max()} do not fit 0..{n_classes - 1}")
    encoded = np.zeros((len(y), n_classes), dtype=dtype)
    encoded[np.arange(len(y)), y] = 1
    return encoded
