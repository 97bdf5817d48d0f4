"""Hostile files: every reader ends in a valid result or a `DatasetError`, never in another
exception (a ``MemoryError`` from a header declaring terabytes, a ``TypeError``, …).

Each property starts from a small valid file and spoils it four ways: random bytes, a cut at
any offset, bytes changed in the headers (where sizes, types and counts are declared), and
bytes changed anywhere. The NPZ reader also gets well-formed archives of arbitrary arrays,
the CSV reader arbitrary cells. ``FUZZ`` keeps the whole file near 10 s.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from synthetic_data import make_images, make_labels

from nnviz.datasets import (
    DatasetError,
    read_csv,
    read_idx,
    read_idx_images,
    read_idx_labels,
    read_image_folder,
    read_npz,
)

# A failing example of a 12 kB file has a long repr; Hypothesis warns of it (an error here).
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# The autouse fixtures of conftest.py (isolated folders, no internet) are function-scoped;
# they hold nothing an example could leave behind for the next, so sharing them is safe.
FUZZ = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

IMAGES = make_images(3, seed=5)
LABELS = make_labels(3, seed=5)


def idx_bytes(array: np.ndarray) -> bytes:
    """A raw IDX file of a uint8 array."""
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, 0x08, array.ndim, *array.shape)
    return header + array.astype(np.uint8).tobytes()


@st.composite
def spoiled(draw, valid: bytes, header: range) -> bytes:
    """``valid`` made hostile: random bytes, cut short, or with bytes changed."""
    kind = draw(st.sampled_from(["random", "cut", "header", "anywhere"]))
    if kind == "random":
        return draw(st.binary(max_size=3000))
    if kind == "cut":
        return valid[: draw(st.integers(0, len(valid)))]
    data = bytearray(valid)
    where = header if kind == "header" else range(len(valid))
    for _ in range(draw(st.integers(1, 4))):
        data[draw(st.sampled_from(where))] = draw(st.integers(0, 255))
    return bytes(data)


@st.composite
def spoiled_maybe_gzipped(draw, payload: bytes, header: range) -> bytes:
    """As `spoiled`, and as often a gzip: of a spoiled payload, or spoiled itself."""
    data = draw(spoiled(payload, header))
    choice = draw(st.sampled_from(["raw", "gzip of spoiled", "spoiled gzip"]))
    if choice == "raw":
        return data
    if choice == "gzip of spoiled":
        return gzip.compress(data, mtime=0)
    packed = gzip.compress(payload, mtime=0)
    return draw(spoiled(packed, range(min(len(packed), 20))))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@FUZZ
@given(data=spoiled_maybe_gzipped(idx_bytes(IMAGES), range(16)))
def test_idx_images_reader(scratch, data):
    path = write(scratch, "images-idx3-ubyte.gz", data)
    try:
        images = read_idx_images(path)
    except DatasetError:
        return
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)


@FUZZ
@given(data=spoiled_maybe_gzipped(idx_bytes(LABELS), range(8)))
def test_idx_labels_reader(scratch, data):
    path = write(scratch, "labels-idx1-ubyte", data)
    try:
        labels = read_idx_labels(path)
    except DatasetError:
        return
    assert labels.dtype == np.int64 and labels.ndim == 1
    assert labels.size == 0 or 0 <= labels.min() <= labels.max() <= 9


@FUZZ
@given(data=spoiled_maybe_gzipped(idx_bytes(IMAGES), range(16)))
def test_generic_idx_reader(scratch, data):
    path = write(scratch, "any.idx", data)
    try:
        values = read_idx(path)
    except DatasetError:
        return
    assert 1 <= values.ndim <= 255 and values.dtype.isnative


def npz_bytes(**arrays) -> bytes:
    stream = io.BytesIO()
    np.savez(stream, **arrays)
    return stream.getvalue()


def zip_header_offsets(data: bytes) -> list[int]:
    """Offsets of each member's zip and .npy headers, and of the central directory."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offsets = set(range(archive.start_dir, len(data)))
        for info in archive.infolist():  # 30 fixed bytes, the name, extras, the .npy header
            offsets.update(range(info.header_offset, info.header_offset + 30 + 160))
    return sorted(o for o in offsets if o < len(data))


VALID_NPZ = npz_bytes(x_train=make_images(10, 1), y_train=make_labels(10, 1),
                      x_test=make_images(5, 2), y_test=make_labels(5, 2))


def check_npz_result(arrays: dict) -> None:
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        assert x.dtype == np.uint8 and x.shape[1:] == (28, 28)
        assert y.dtype == np.int64 and y.shape == (len(x),)
        assert y.size == 0 or 0 <= y.min() <= y.max() <= 9


@FUZZ
@given(data=spoiled(VALID_NPZ, zip_header_offsets(VALID_NPZ)))
def test_npz_reader_on_spoiled_bytes(scratch, data):
    path = write(scratch, "mnist.npz", data)
    try:
        arrays = read_npz(path)
    except DatasetError:
        return
    check_npz_result(arrays)


ARRAY_DTYPES = st.sampled_from(["u1", "i1", ">i2", "<u8", "i8", "f2", ">f4", "f8", "c8", "?",
                                "U3", "S2", "M8[s]"])
# Shapes the reader accepts (N×28×28, N×784, N) as often as any others.
ARRAY_SHAPES = st.one_of(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
                         st.tuples(st.integers(0, 3), st.just(28), st.just(28)),
                         st.tuples(st.integers(0, 3), st.just(784)),
                         st.tuples(st.integers(0, 6)))
ANY_ARRAY = hnp.arrays(ARRAY_DTYPES, ARRAY_SHAPES)


@FUZZ
@given(replaced=st.dictionaries(st.sampled_from(["x_train", "y_train", "x_test", "y_test"]),
                                ANY_ARRAY, min_size=1))
def test_npz_reader_on_arrays_of_any_type_and_shape(scratch, replaced):
    arrays = {"x_train": make_images(4, 1), "y_train": make_labels(4, 1),
              "x_test": make_images(2, 2), "y_test": make_labels(2, 2), **replaced}
    path = write(scratch, "mnist.npz", npz_bytes(**arrays))
    try:
        result = read_npz(path)
    except DatasetError:
        return
    check_npz_result(result)


def npy_declaring(shape: tuple, descr: str, body: bytes) -> bytes:
    """An .npy member whose header declares ``shape`` of ``descr``, followed by ``body``."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return stream.getvalue() + body


@st.composite
def npz_declaring_any_size(draw) -> bytes:
    """The valid archive with one member's header declaring any shape, up to 10¹² a side."""
    arrays = {"x_train": make_images(4, 1), "y_train": make_labels(4, 1),
              "x_test": make_images(2, 2), "y_test": make_labels(2, 2)}
    members = {key: npz_bytes_member(value) for key, value in arrays.items()}
    key = draw(st.sampled_from(sorted(arrays)))
    shape = tuple(draw(st.lists(st.integers(0, 10**12), max_size=3)))
    descr = draw(st.sampled_from(["|u1", "<i8", ">f4", "<f8", "<U1000", "|S0", "|V8"]))
    members[key] = npy_declaring(shape, descr, arrays[key].tobytes())
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=draw(st.sampled_from(
            [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))) as archive:
        for key, member in members.items():
            archive.writestr(f"{key}.npy", member)
    return stream.getvalue()


def npz_bytes_member(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


@FUZZ
@given(data=npz_declaring_any_size())
def test_npz_reader_on_headers_declaring_any_size(scratch, data):
    path = write(scratch, "mnist.npz", data)
    try:
        arrays = read_npz(path)
    except DatasetError:
        return
    check_npz_result(arrays)


@FUZZ
@example(dims=[0, 3036988439, 3037012561], gz=False, body=b"")  # NumPy's "array is too big"
@given(dims=st.lists(st.integers(0, 2**32 - 1), min_size=3, max_size=3),
       gz=st.booleans(), body=st.sampled_from([b"", bytes(100), IMAGES.tobytes()]))
def test_idx_images_reader_on_headers_declaring_any_size(scratch, dims, gz, body):
    data = struct.pack(">I3I", 0x803, *dims) + body
    path = write(scratch, "images-idx3-ubyte", gzip.compress(data, mtime=0) if gz else data)
    try:
        images = read_idx_images(path, image_shape=None)
    except DatasetError:
        return
    assert images.shape == tuple(dims) and images.nbytes == len(body)


CSV_HEADER = "label," + ",".join(f"pixel{i}" for i in range(784))
VALID_CSV = "\n".join([CSV_HEADER] + [",".join(map(str, [label, *image.ravel()]))
                                      for label, image in zip(LABELS, IMAGES)]) + "\n"


@st.composite
def spoiled_csv_cells(draw) -> bytes:
    """The valid CSV with a few cells replaced by anything: text, huge or negative numbers."""
    lines = [line.split(",") for line in VALID_CSV.splitlines()]
    cell = st.one_of(st.integers(-10**30, 10**30).map(str), st.text(max_size=6),
                     st.sampled_from(["", " ", "1.5", "nan", "1e9", "0x1F", "٣", "1_0", '"7"',
                                      "\U000fe323"]))  # crashed loadtxt: test_csv_format.py
    for _ in range(draw(st.integers(1, 3))):
        row = draw(st.integers(0, len(lines) - 1))
        lines[row][draw(st.integers(0, 784))] = draw(cell)
    if draw(st.booleans()):  # and a ragged row
        row = draw(st.integers(1, len(lines) - 1))
        lines[row] = lines[row][: draw(st.integers(0, 785))] + draw(st.lists(cell, max_size=3))
    return "\n".join(",".join(line) for line in lines).encode()


def check_csv_result(result) -> None:
    images, labels = result
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)
    assert labels.dtype == np.int64 and labels.shape == (len(images),)
    assert 0 <= labels.min() <= labels.max() <= 9


@FUZZ
@given(data=st.one_of(spoiled_maybe_gzipped(VALID_CSV.encode(), range(60)), spoiled_csv_cells()))
def test_csv_reader(scratch, data):
    path = write(scratch, "digits.csv", data)
    try:
        result = read_csv(path)
    except DatasetError:
        return
    check_csv_result(result)


Image = pytest.importorskip("PIL.Image", reason="Pillow is needed to decode image folders")


def png_bytes(pixels: np.ndarray) -> bytes:
    stream = io.BytesIO()
    Image.fromarray(pixels).save(stream, format="PNG")
    return stream.getvalue()


VALID_PNG = png_bytes(IMAGES[0])


@FUZZ
@given(data=spoiled(VALID_PNG, range(40)), suffix=st.sampled_from([".png", ".bmp", ".jpg"]))
def test_image_folder_reader(scratch, data, suffix):
    root = scratch / "images"
    for name in ("0", "1"):
        (root / name).mkdir(parents=True, exist_ok=True)
    write(root / "0", "good.png", VALID_PNG)
    for old in (root / "1").iterdir():
        old.unlink()
    write(root / "1", f"spoiled{suffix}", data)
    try:
        images, labels, names = read_image_folder(root)
    except DatasetError:
        return
    assert images.shape == (2, 28, 28) and images.dtype == np.uint8
    assert labels.tolist() == [0, 1] and names == ("0", "1")
