"""The IDX format of the original MNIST files: read (gzip or raw), validate, write.

An IDX file is a big-endian header followed by the values in C order::

    magic  = 0x00 0x00 <type code> <number of dimensions>
    dims   = one uint32 per dimension
    values = prod(dims) values of the type

MNIST uses type 0x08 (unsigned byte): images are ``0x00000803`` (N × rows × cols) and labels
``0x00000801`` (N).
"""

from __future__ import annotations

import gzip
import os
import struct
from math import prod
from pathlib import Path

import numpy as np

from .errors import DatasetError
from .fileio import MAX_PAYLOAD_BYTES, PayloadTooLarge, read_payload, read_payload_head

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_LONGEST_HEADER = 4 + 4 * 255  # the magic and up to 255 dimensions
# Extra bytes read past the declared data, so that a file with a few trailing bytes is told
# exactly how many it holds; a file with more is told "more than".
_TRAILING_SLACK = 1 << 20

# Type code -> big-endian dtype, as in LeCun's description of the format.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read any IDX file.

    Parameters
    ----------
    path : path-like
        An IDX file, gzip-compressed or raw.

    Returns
    -------
    np.ndarray
        Shape as declared by the header, native byte order, writable.

    Raises
    ------
    DatasetError
        On a bad magic number, a header cut short, a header declaring more than
        `MAX_PAYLOAD_BYTES`, or a payload whose length differs from the header's dimensions.
    """
    path = Path(path)

    def describe(dims, dtype):
        return f"{'×'.join(map(str, dims))} values of {dtype.itemsize} byte(s)", "data"

    magic, dims, offset, payload = _read_checked(path, None, describe)
    dtype = IDX_TYPES[(magic >> 8) & 0xFF]
    values = np.frombuffer(payload, dtype, offset=offset).reshape(dims)
    return values.astype(dtype.newbyteorder("="))  # a native-order, writable copy


def read_idx_images(
    path: str | os.PathLike[str], image_shape: tuple[int, int] | None = (28, 28)
) -> np.ndarray:
    """Read an IDX image file (magic ``0x00000803``).

    Parameters
    ----------
    path : path-like
        E.g. ``train-images-idx3-ubyte.gz``.
    image_shape : (rows, cols) or None
        The image size required; None accepts any.

    Returns
    -------
    np.ndarray
        uint8, shape (N, rows, cols), pixels 0..255.
    """
    path = Path(path)

    def describe(dims, _dtype):
        return f"{dims[0]} images of {dims[1]}×{dims[2]}", "pixels"

    _, (count, rows, cols), offset, payload = _read_checked(path, IMAGES_MAGIC, describe)
    if image_shape is not None and (rows, cols) != tuple(image_shape):
        raise DatasetError(
            f"{path}: images are {rows}×{cols}, expected {image_shape[0]}×{image_shape[1]}"
        )
    return np.frombuffer(payload, np.uint8, offset=offset).reshape(count, rows, cols).copy()


def read_idx_labels(path: str | os.PathLike[str], n_classes: int | None = 10) -> np.ndarray:
    """Read an IDX label file (magic ``0x00000801``).

    Parameters
    ----------
    path : path-like
        E.g. ``train-labels-idx1-ubyte.gz``.
    n_classes : int or None
        Labels must lie in ``0 .. n_classes - 1``; None skips the check.

    Returns
    -------
    np.ndarray
        int64, shape (N,).
    """
    path = Path(path)

    def describe(dims, _dtype):
        return f"{dims[0]} labels", "labels"

    _, _, offset, payload = _read_checked(path, LABELS_MAGIC, describe)
    labels = np.frombuffer(payload, np.uint8, offset=offset).astype(np.int64)
    if n_classes is not None:
        check_label_range(path, labels, n_classes)
    return labels


def check_label_range(path: Path, labels: np.ndarray, n_classes: int) -> None:
    """Raise `DatasetError` naming the first label outside ``0 .. n_classes - 1``."""
    bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if bad.size:
        i = int(bad[0])
        raise DatasetError(
            f"{path}: label {labels[i]} out of range 0..{n_classes - 1} "
            f"(item {i}; {bad.size} bad label(s) in all)"
        )


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed if the name ends with ``.gz``.

    Parameters
    ----------
    path : path-like
        Destination file.
    array : np.ndarray
        1 to 255 dimensions of uint8, int8, int16, int32, float32 or float64; a (N, 28, 28)
        uint8 array gives an MNIST image file, a (N,) uint8 array a label file.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX needs 1 to 255 dimensions, got {array.ndim}")
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, code, array.ndim, *array.shape)
    data = header + array.astype(IDX_TYPES[code], copy=False).tobytes(order="C")
    if path.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    path.write_bytes(data)
    return path


def _read_checked(path: Path, wanted: int | None, describe) -> tuple[int, tuple, int, bytes]:
    """Check the header, then read the file: (magic, dims, offset of the values, payload).

    The size the header declares is checked against `MAX_PAYLOAD_BYTES` before the file is
    decompressed, and the file is read with that size as its limit, so a header declaring
    terabytes or a gzip bomb cannot fill the memory. ``describe(dims, dtype)`` gives the
    messages' words: what the header declares, and what the values are called.
    """
    head = read_payload_head(path, _LONGEST_HEADER)
    if wanted is None:
        magic, dims, offset = _parse_header(path, head)
    else:
        (dims, offset), magic = _expect_magic(path, head, wanted), wanted
    dtype = IDX_TYPES[(magic >> 8) & 0xFF]
    expected = prod(dims) * dtype.itemsize  # exact: Python integers do not overflow
    declared, unit = describe(dims, dtype)
    if expected > MAX_PAYLOAD_BYTES:
        raise DatasetError(f"{path}: header says {declared}, {expected:,} bytes, more than the "
                           f"{MAX_PAYLOAD_BYTES:,} a dataset file may hold")
    # A zero among huge sizes (0 × 3e9 × 3e9) holds nothing, but NumPy refuses the shape.
    if prod(d for d in dims if d) * dtype.itemsize > MAX_PAYLOAD_BYTES:
        raise DatasetError(f"{path}: header says {declared}: sizes past the "
                           f"{MAX_PAYLOAD_BYTES:,} bytes a dataset file may hold")
    limit = offset + expected + _TRAILING_SLACK
    try:
        payload = read_payload(path, limit)
    except PayloadTooLarge:
        raise DatasetError(f"{path}: header says {declared} but the file holds more than "
                           f"{limit - offset:,} bytes of {unit} ({expected} expected)") from None
    if len(payload) - offset != expected:
        raise DatasetError(
            f"{path}: header says {declared} but the file holds {len(payload) - offset} bytes "
            f"of {unit} ({expected} expected)"
        )
    return magic, dims, offset, payload


def _parse_header(path: Path, payload: bytes) -> tuple[int, tuple[int, ...], int]:
    """Return (magic, dims, offset of the values) of an IDX payload."""
    if len(payload) < 4:
        raise DatasetError(f"{path}: only {len(payload)} bytes, too short for an IDX header")
    (magic,) = struct.unpack(">I", payload[:4])
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    if magic >> 16 or code not in IDX_TYPES or ndim == 0:
        raise DatasetError(
            f"{path}: magic number 0x{magic:08X} is not an IDX file (expected 0x0000TTDD: "
            "two zero bytes, a type code 08/09/0B/0C/0D/0E and the number of dimensions)"
        )
    offset = 4 + 4 * ndim
    if len(payload) < offset:
        raise DatasetError(
            f"{path}: header declares {ndim} dimensions but the file ends after "
            f"{len(payload)} bytes ({offset} needed for the header alone)"
        )
    dims = struct.unpack(f">{ndim}I", payload[4:offset])
    return magic, dims, offset


def _expect_magic(path: Path, payload: bytes, wanted: int) -> tuple[tuple[int, ...], int]:
    """Check the payload is the MNIST image or label file ``wanted``; return (dims, offset)."""
    magic = struct.unpack(">I", payload[:4])[0] if len(payload) >= 4 else None
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        shown = "missing (file shorter than 4 bytes)" if magic is None else f"0x{magic:08X}"
        raise DatasetError(
            f"{path}: magic number {shown} is not an IDX image (0x{IMAGES_MAGIC:08X}) "
            f"or label (0x{LABELS_MAGIC:08X}) file"
        )
    if magic != wanted:
        kinds = {IMAGES_MAGIC: "an image", LABELS_MAGIC: "a label"}
        raise DatasetError(
            f"{path}: is {kinds[magic]} file (magic 0x{magic:08X}), expected {kinds[wanted]} "
            f"file (0x{wanted:08X}); are the image and label files swapped?"
        )
    _, dims, offset = _parse_header(path, payload)
    return dims, offset
