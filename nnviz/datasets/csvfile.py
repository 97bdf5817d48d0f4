"""The Kaggle CSV export of MNIST: a header row, then ``label,pixel0,...,pixel783`` per image.

Both popular exports load: Kaggle's digit recognizer (``label,pixel0..pixel783``) and
``mnist_train.csv`` / ``mnist_test.csv`` (``label,1x1..28x28``); only the first header column must
be ``label``. Line numbers in messages count the header as line 1, as an editor does.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NoReturn

import numpy as np

from .errors import DatasetError
from .fileio import read_payload

N_PIXELS = 28 * 28
# A cell we read as an integer: ASCII digits, a sign, spaces or tabs around (int() would also
# take "1_000" and "٣", loadtxt "\u3000 5" and, at random, a character past U+00FF: see below).
_INTEGER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
# The only characters a row may hold to reach loadtxt. Its integer parser hands each character
# to C ``isdigit``, a lookup in glibc's table of 384 entries, so a character past U+00FF reads
# outside the table: a segmentation fault, a made-up number ("Ǿ" read as 462) or a refusal, as
# the memory there happens to be (a cell "\U000fe323" crashed 14 runs in 20). Still so in NumPy
# 2.4.6; a fix, https://github.com/numpy/numpy/pull/31586, was closed unmerged.
_ROW_CHARACTERS = b"0123456789+-, \t"


def read_csv(path: str | os.PathLike[str], n_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Read a labelled MNIST CSV file (optionally gzip-compressed).

    Parameters
    ----------
    path : path-like
        The CSV file.
    n_classes : int
        Labels must lie in ``0 .. n_classes - 1``.

    Returns
    -------
    images : np.ndarray
        uint8, shape (N, 28, 28).
    labels : np.ndarray
        int64, shape (N,).

    Raises
    ------
    DatasetError
        With the line number, on a missing header, a wrong column count, a value that is not an
        integer, a pixel outside 0..255 or a label outside the class range.
    """
    table = read_csv_table(path, n_classes)
    return table[:, 1:].reshape(-1, 28, 28).copy(), table[:, 0].astype(np.int64)


def read_csv_table(path: str | os.PathLike[str], n_classes: int = 10) -> np.ndarray:
    """Parse and validate the CSV into one table, the label then the 784 pixels of each row.

    Parameters
    ----------
    path : path-like
        The CSV file.
    n_classes : int
        Labels must lie in ``0 .. n_classes - 1`` (at most 256 classes).

    Returns
    -------
    np.ndarray
        uint8, shape (N, 785); one array so that the decode cache stores a CSV as one ``.npy``.
    """
    path = Path(path)
    try:
        text = read_payload(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not a text file (byte {exc.start} is not UTF-8)") from None
    # Only "\n", "\r\n" and "\r" end a line, as in an editor: splitlines() would also end one at
    # "\u2028", "\x0c", "\x1c", … and shift the line numbers of every later message.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    columns = _check_header(path, lines[0] if lines else "")
    body = lines[1:]
    if not body:
        raise DatasetError(f"{path}: no data rows after the header")
    table = None
    # loadtxt would skip blank lines and shift every later line number in our messages; only
    # rows of 785 cells reach it, so one line of a billion commas cannot fill the memory; and
    # only rows of ASCII digits, signs, commas, spaces and tabs (see _ROW_CHARACTERS).
    if all(line.count(",") == N_PIXELS and line.strip() and _plain_row(line) for line in body):
        try:
            table = np.loadtxt(body, delimiter=",", dtype=np.int32, ndmin=2, comments=None)
        except (ValueError, OverflowError):
            pass
    if table is None or table.shape[1] != len(columns):
        _raise_first_bad_line(path, body, columns)
    _check_pixel_range(path, table, columns)
    check_csv_labels(path, table[:, 0], n_classes)
    return table.astype(np.uint8)


def check_csv_labels(path: Path, labels: np.ndarray, n_classes: int) -> None:
    """Raise `DatasetError` naming the line of the first label outside ``0 .. n_classes - 1``."""
    bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if bad.size:
        i = int(bad[0])
        raise DatasetError(
            f"{path} line {i + 2}: label {labels[i]} out of range 0..{n_classes - 1}"
        )


def _check_header(path: Path, header: str) -> list[str]:
    """Return the column names; raise unless they are ``label`` and 784 pixel columns."""
    n_columns = header.count(",") + 1
    # At most 786 pieces (the 785 names and any rest): the line may be a hostile gigabyte.
    columns = [name.strip().strip('"') for name in header.split(",", N_PIXELS + 1)]
    if not header.strip():
        raise DatasetError(f"{path}: file has no header row (expected label,pixel0,...,pixel783)")
    if all(_is_number(name) for name in columns):
        raise DatasetError(
            f"{path} line 1: no header row; expected 'label,pixel0,...,pixel783' but found "
            "numbers"
        )
    if columns[0].lower() != "label":
        raise DatasetError(
            f"{path} line 1: first column is {_short(columns[0])}, expected 'label' (a CSV without "
            "labels, like Kaggle's test.csv, cannot be trained on)"
        )
    if n_columns != N_PIXELS + 1:
        raise DatasetError(
            f"{path} line 1: header has {n_columns - 1} pixel columns, expected {N_PIXELS}"
        )
    return columns


def _raise_first_bad_line(path: Path, body: list[str], columns: list[str]) -> NoReturn:
    """Find the first row that does not parse and say why (the slow path, errors only)."""
    for number, line in enumerate(body, start=2):
        if not line.strip():
            raise DatasetError(f"{path} line {number}: empty line")
        if line.count(",") != N_PIXELS:
            raise DatasetError(
                f"{path} line {number}: {line.count(',')} pixel values, expected {N_PIXELS}"
            )
        for name, field in zip(columns, line.split(","), strict=True):
            shown = _short(field.strip(" \t"))  # not strip(): "\u3000" is part of the cell
            if not _INTEGER.fullmatch(field):
                raise DatasetError(
                    f"{path} line {number}: {shown} in column '{name}' is not an integer"
                )
            if len(field.strip(" \t").lstrip("+-").lstrip("0")) > 9:  # past int32: overflows
                raise DatasetError(
                    f"{path} line {number}: {shown} in column '{name}' is out of range "
                    "(pixels are 0..255, labels class numbers)"
                )
    raise DatasetError(f"{path}: cannot parse the CSV rows")  # unreachable in practice


def _plain_row(line: str) -> bool:
    """Whether ``line`` holds nothing but the characters of `_ROW_CHARACTERS`."""
    return line.isascii() and not line.encode("ascii").translate(None, _ROW_CHARACTERS)


def _check_pixel_range(path: Path, table: np.ndarray, columns: list[str]) -> None:
    """Raise `DatasetError` at the first pixel outside 0..255."""
    pixels = table[:, 1:]
    bad_rows = np.flatnonzero(((pixels < 0) | (pixels > 255)).any(axis=1))
    if bad_rows.size:
        row = int(bad_rows[0])
        col = int(np.flatnonzero((pixels[row] < 0) | (pixels[row] > 255))[0])
        raise DatasetError(
            f"{path} line {row + 2}: pixel value {pixels[row, col]} in column "
            f"'{columns[col + 1]}' out of range 0..255"
        )


def _short(text: str, limit: int = 40) -> str:
    """``repr`` of a cell, cut: a hostile cell may be megabytes long."""
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
