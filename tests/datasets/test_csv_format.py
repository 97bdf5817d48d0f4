"""The Kaggle CSV layout: exact round trips and line-precise errors."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from synthetic_data import HEADER, csv_text, make_images, make_labels, write_csv

import nnviz
from nnviz.datasets import DatasetError, read_csv
from nnviz.datasets.csvfile import read_csv_table


@pytest.fixture
def rows():
    return make_images(12, seed=3), make_labels(12, seed=3)


def test_round_trip_exact_pixels_and_labels(tmp_path, rows):
    images, labels = rows
    x, y = read_csv(write_csv(tmp_path / "mnist.csv", images, labels))
    assert x.dtype == np.uint8 and x.shape == (12, 28, 28)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_other_header_names_crlf_and_gzip(tmp_path, rows):
    images, labels = rows
    header = "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29))
    text = csv_text(images, labels, header).replace("\n", "\r\n")
    path = tmp_path / "mnist_train.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    x, y = read_csv(path)
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_wrong_column_count_names_the_line(tmp_path, rows):
    lines = csv_text(*rows).splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]  # line 4 (the header is line 1) loses its last pixel
    path = tmp_path / "mnist.csv"
    path.write_text("\n".join(lines))
    expected = f"{path} line 4: 783 pixel values, expected 784"
    with pytest.raises(DatasetError, match=re.escape(expected)):
        read_csv(path)


def test_every_row_short_is_caught_too(tmp_path):
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    row = "3," + ",".join(["0"] * 783)
    path = tmp_path / "short.csv"
    path.write_text("\n".join([header, row, row]))
    with pytest.raises(DatasetError, match=r"short\.csv line 2: 783 pixel values, expected 784"):
        read_csv(path)


def test_non_numeric_value(tmp_path, rows):
    lines = csv_text(*rows).splitlines()
    fields = lines[5].split(",")
    fields[11] = "abc"
    lines[5] = ",".join(fields)
    path = tmp_path / "mnist.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(DatasetError, match=r"mnist\.csv line 6: 'abc' in column 'pixel10' is "
                                           r"not an integer"):
        read_csv(path)


def test_pixel_300_out_of_range(tmp_path, rows):
    images, labels = rows
    lines = csv_text(images, labels).splitlines()
    fields = lines[9].split(",")
    fields[1 + 42] = "300"
    lines[9] = ",".join(fields)
    path = tmp_path / "mnist.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(DatasetError, match=r"mnist\.csv line 10: pixel value 300 in column "
                                           r"'pixel42' out of range 0\.\.255"):
        read_csv(path)


def test_negative_pixel_out_of_range(tmp_path, rows):
    lines = csv_text(*rows).splitlines()
    lines[2] = lines[2].split(",", 1)[0] + ",-1," + lines[2].split(",", 2)[2]
    path = tmp_path / "neg.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(DatasetError, match=r"line 3: pixel value -1 in column 'pixel0'"):
        read_csv(path)


def test_label_out_of_range(tmp_path, rows):
    images, labels = rows
    labels = labels.astype(np.int64)
    labels[7] = 12
    path = write_csv(tmp_path / "mnist.csv", images, labels)
    with pytest.raises(DatasetError, match=re.escape(f"{path} line 9: label 12 out of range 0..9")):
        read_csv(path)


def test_missing_header(tmp_path, rows):
    text = csv_text(*rows).split("\n", 1)[1]  # drop the header row
    path = tmp_path / "mnist.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=r"mnist\.csv line 1: no header row; expected "
                                           r"'label,pixel0,\.\.\.,pixel783' but found numbers"):
        read_csv(path)


def test_unlabelled_csv_like_kaggle_test(tmp_path):
    header = ",".join(f"pixel{i}" for i in range(784))
    path = tmp_path / "test.csv"
    path.write_text(header + "\n" + ",".join(["0"] * 784) + "\n")
    with pytest.raises(DatasetError, match=r"line 1: first column is 'pixel0', expected 'label'"):
        read_csv(path)


def test_header_with_too_few_columns(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("label," + ",".join(f"p{i}" for i in range(64)) + "\n1," + "0," * 63 + "0\n")
    with pytest.raises(DatasetError, match=r"line 1: header has 64 pixel columns, expected 784"):
        read_csv(path)


def test_header_only_empty_and_binary(tmp_path):
    only = tmp_path / "only.csv"
    only.write_text(HEADER + "\n\n")
    with pytest.raises(DatasetError, match=r"only\.csv: no data rows after the header"):
        read_csv(only)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DatasetError, match=r"empty\.csv: file is empty \(0 bytes\)"):
        read_csv(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"label,\xff\xfe")
    with pytest.raises(DatasetError, match=r"binary\.csv: not a text file \(byte 6 is not UTF-8\)"):
        read_csv(binary)


def test_blank_line_in_the_middle(tmp_path, rows):
    lines = csv_text(*rows).splitlines()
    lines.insert(4, "")
    path = tmp_path / "gap.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(DatasetError, match=r"gap\.csv line 5: empty line"):
        read_csv(path)


def test_table_is_one_uint8_array_for_the_cache(tmp_path, rows):
    images, labels = rows
    table = read_csv_table(write_csv(tmp_path / "m.csv", images, labels))
    assert table.dtype == np.uint8 and table.shape == (12, 785)
    np.testing.assert_array_equal(table[:, 0], labels)


@pytest.mark.parametrize("cell, message", [
    ("99999999999999999999", r"line 4: '99999999999999999999' in column 'pixel5' is out of "
                             r"range \(pixels are 0\.\.255, labels class numbers\)"),
    ("1_000", r"line 4: '1_000' in column 'pixel5' is not an integer"),  # int() takes it
    ("٣", r"line 4: '٣' in column 'pixel5' is not an integer"),  # so does int(), Arabic 3
    ("x" * 5000, r"line 4: 'xxxxxxxxx.*…' in column 'pixel5' is not an integer"),
])
def test_cells_loadtxt_refuses_are_named(tmp_path, rows, cell, message):
    lines = csv_text(*rows).splitlines()
    cells = lines[3].split(",")
    cells[6] = cell
    lines[3] = ",".join(cells)
    path = tmp_path / "odd.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=message) as caught:
        read_csv(path)
    assert len(str(caught.value)) < 200  # a hostile cell is cut, not echoed whole


def test_a_line_of_a_million_commas_is_counted_not_split(tmp_path, rows):
    text = csv_text(*rows).splitlines()
    text[2] = "," * 1_000_000
    path = tmp_path / "commas.csv"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(DatasetError, match=r"line 3: 1000000 pixel values, expected 784"):
        read_csv(path)
    path.write_text("label" + "," * 1_000_000 + "\n" + "\n".join(text[1:]) + "\n")
    with pytest.raises(DatasetError, match=r"line 1: header has 1000000 pixel columns, expected"):
        read_csv(path)


def write_with_cell(path: Path, rows, cell: str) -> Path:
    """The CSV of ``rows`` with ``cell`` in line 4, column 'pixel5'."""
    lines = csv_text(*rows).splitlines()
    cells = lines[3].split(",")
    cells[6] = cell
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def not_an_integer(path: Path, cell: str) -> str:
    return f"{path} line 4: {cell!r} in column 'pixel5' is not an integer"


# loadtxt skips any Unicode space around a number ("\u3000 5" was read as 5); splitlines() ended
# a line at "\u2028", "\x0c" and "\x85" (a wrong column count, later line numbers shifted); and
# loadtxt read "Ǿ" as 462, out of glibc's isdigit table (see the next test).
@pytest.mark.parametrize("cell", ["\u3000 5", "\xa07", "\x1f7", "\u20282", "\x0c3", "\x855", "Ǿ"])
def test_unicode_spaces_line_ends_and_letters_in_a_cell_are_refused(tmp_path, rows, cell):
    path = write_with_cell(tmp_path / "odd.csv", rows, cell)
    with pytest.raises(DatasetError, match=re.escape(not_an_integer(path, cell))):
        read_csv(path)


# Characters past U+00FF, each in a file of its own: NumPy's loadtxt looks each up in glibc's
# isdigit table, out of its bounds (numpy/numpy#31586), and so crashed the interpreter with a
# segmentation fault, read a made-up number or refused, as the memory there happened to be; a
# cell "\U000fe323" (found by the fuzz test of the CSV reader) crashed 14 runs in 20. Read in a
# subprocess: a crash must fail this test, not end the test run.
FAR_CHARACTERS = ["\U000fe323", "\U000c6cd5", "\U0010fffd", "\U000e0000", "\U000a0000",
                  "\U00080000", "\U0002d000", "Ǿ"]
READ_EACH = """
import sys
from nnviz.datasets import DatasetError, read_csv
for path in sys.argv[1:]:
    try:
        read_csv(path)
        print("read")
    except DatasetError as exc:
        print(ascii(str(exc)))
"""


def test_characters_past_the_isdigit_table_are_refused_not_a_crash(tmp_path, rows):
    paths = [write_with_cell(tmp_path / f"far{i}.csv", rows, cell)
             for i, cell in enumerate(FAR_CHARACTERS)]
    root = str(Path(nnviz.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-X", "faulthandler", "-c", READ_EACH, *map(str, paths)],
                         check=False, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [ascii(not_an_integer(path, cell))
                                       for path, cell in zip(paths, FAR_CHARACTERS, strict=True)]
