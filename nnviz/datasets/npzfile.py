"""NumPy ``.npz`` archives laid out as Keras' ``mnist.npz``: ``x_train, y_train, x_test, y_test``.

Images may be integers 0..255 or floats 0..1 (as many people save them after scaling); floats
are brought back to uint8 so that every reader hands `normalize` the same thing. Pickled object
arrays are refused: loading one would run arbitrary code from the file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from nnviz.files.npz import NPZ_ERRORS, ArrayRefused, member_names, read_array
from nnviz.files.regular import NotRegularFile, open_regular

from .errors import DatasetError
from .fileio import MAX_PAYLOAD_BYTES

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"


def read_npz(path: str | os.PathLike[str], n_classes: int = 10) -> dict[str, np.ndarray]:
    """Read and validate a Keras-style MNIST ``.npz`` file.

    Parameters
    ----------
    path : path-like
        The archive.
    n_classes : int
        Labels must lie in ``0 .. n_classes - 1``.

    Returns
    -------
    dict of str to np.ndarray
        ``x_train`` and ``x_test`` uint8 of shape (N, 28, 28); ``y_train`` and ``y_test``
        int64 of shape (N,).

    Raises
    ------
    DatasetError
        If the file is not an ``.npz``, lacks a key, holds an object array, or an array has the
        wrong shape, dtype, pixel range or label range.
    """
    path = Path(path)
    _check_signature(path)
    arrays = _load_arrays(path)
    result: dict[str, np.ndarray] = {}
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        result[f"x_{part}"] = _images(path, f"x_{part}", x)
        result[f"y_{part}"] = _labels(path, f"y_{part}", y, n_classes)
        if len(x) != len(y):
            raise DatasetError(
                f"{path}: x_{part} has {len(x)} images but y_{part} has {len(y)} labels"
            )
    return result


def _check_signature(path: Path) -> None:
    """Tell a missing, empty, single-``.npy`` or non-zip file from an ``.npz`` before loading."""
    try:
        with open_regular(path) as stream:
            head = stream.read(6)
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except (IsADirectoryError, NotRegularFile) as exc:  # a FIFO would block for ever
        raise DatasetError(f"{path}: {exc.strerror}; not read") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not head:
        raise DatasetError(f"{path}: file is empty (0 bytes)")
    if head.startswith(_NPY_MAGIC):
        raise DatasetError(
            f"{path}: is a single .npy array, not an .npz archive of {', '.join(NPZ_KEYS)}"
        )
    if not head.startswith(_ZIP_MAGIC):
        raise DatasetError(f"{path}: not an .npz archive (no zip signature)")


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Return the four arrays, refusing pickles and naming what is missing.

    Each array's header is checked against the bytes its member holds and against
    `MAX_PAYLOAD_BYTES` before the array is allocated (`nnviz.files.npz`).
    """
    try:
        with open_regular(path) as stream, zipfile.ZipFile(stream) as archive:
            names = member_names(archive)
            missing = [key for key in NPZ_KEYS if key not in names]
            if missing:
                raise DatasetError(
                    f"{path}: missing array(s) {', '.join(missing)} "
                    f"(the archive holds: {', '.join(names) or 'nothing'})"
                )
            return {key: read_array(archive, names[key], MAX_PAYLOAD_BYTES) for key in NPZ_KEYS}
    except DatasetError:
        raise
    except ArrayRefused as exc:
        raise DatasetError(f"{path}: {exc}") from None
    except NPZ_ERRORS as exc:
        raise DatasetError(f"{path}: corrupt .npz archive ({exc})") from None


def _images(path: Path, key: str, x: np.ndarray) -> np.ndarray:
    """Validate one image array; return it as uint8 (N, 28, 28)."""
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise DatasetError(f"{path}: {key} has shape {x.shape}, expected (N, 28, 28) or (N, 784)")
    if x.dtype.kind == "f":
        if not np.isfinite(x).all():
            raise DatasetError(f"{path}: {key} contains NaN or infinite pixel values")
        low, high = float(x.min(initial=0.0)), float(x.max(initial=0.0))
        if low < 0.0 or high > 1.0:
            raise DatasetError(
                f"{path}: {key} holds float pixels in {low:g}..{high:g}; floats must be scaled "
                "to 0..1 (or store uint8 0..255)"
            )
        return np.rint(x * 255.0).astype(np.uint8)
    if x.dtype.kind not in "iu":
        raise DatasetError(f"{path}: {key} has dtype {x.dtype}, expected integers or floats")
    low, high = int(x.min(initial=0)), int(x.max(initial=0))
    if low < 0 or high > 255:
        raise DatasetError(f"{path}: {key} holds pixel values {low}..{high}, expected 0..255")
    return x.astype(np.uint8)


def _labels(path: Path, key: str, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Validate one label array; return it as int64 (N,)."""
    if y.ndim != 1:
        raise DatasetError(
            f"{path}: {key} has shape {y.shape}, expected (N,) class indices "
            "(one-hot labels? store y.argmax(axis=1))"
        )
    whole = y.dtype.kind in "iu" or (y.dtype.kind == "f" and np.array_equal(y, np.round(y)))
    if not whole:  # NaN is not equal to itself, so it lands here too
        raise DatasetError(f"{path}: {key} has dtype {y.dtype}, expected integer class indices")
    # Compared in the stored dtype: casting 1e300 or 2**63 to int64 first would wrap around.
    bad = np.flatnonzero(~((y >= 0) & (y < n_classes)))
    if bad.size:
        raise DatasetError(
            f"{path}: {key}[{bad[0]}]: label {y[bad[0]]} out of range 0..{n_classes - 1}"
        )
    return y.astype(np.int64)
