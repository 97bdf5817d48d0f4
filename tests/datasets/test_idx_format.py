"""IDX files: exact round trips, and a precise error for each kind of broken file."""

from __future__ import annotations

import gzip
import re
import struct

import numpy as np
import pytest
from synthetic_data import make_images, make_labels

from nnviz.datasets import (
    DatasetError,
    load_dataset,
    read_idx,
    read_idx_images,
    read_idx_labels,
    write_idx,
)


@pytest.mark.parametrize("name", ["images-idx3-ubyte.gz", "images-idx3-ubyte"])
def test_images_round_trip_exact_pixels(tmp_path, name):
    images = make_images(7)
    path = write_idx(tmp_path / name, images)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\x00\x00")
    got = read_idx_images(path)
    assert got.dtype == np.uint8 and got.shape == (7, 28, 28)
    np.testing.assert_array_equal(got, images)


def test_labels_round_trip_as_int64(tmp_path):
    labels = make_labels(23)
    got = read_idx_labels(write_idx(tmp_path / "labels.gz", labels))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, labels)


def test_written_header_is_the_standard_one(tmp_path):
    raw = write_idx(tmp_path / "x", make_images(3)).read_bytes()
    assert struct.unpack(">IIII", raw[:16]) == (0x00000803, 3, 28, 28)
    assert len(raw) == 16 + 3 * 28 * 28


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_generic_idx_round_trips_every_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    got = read_idx(write_idx(tmp_path / "a.idx.gz", array))
    assert got.dtype == np.dtype(dtype) and got.shape == (2, 3, 4)
    np.testing.assert_array_equal(got, array)


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    images = make_images(2)
    raw = write_idx(tmp_path / "plain", images).read_bytes()
    (tmp_path / "misnamed.gz").write_bytes(raw)  # decompressed but kept its .gz name
    (tmp_path / "misnamed").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx_images(tmp_path / "misnamed.gz"), images)
    np.testing.assert_array_equal(read_idx_images(tmp_path / "misnamed"), images)


def test_bad_magic_names_the_file_and_both_expected_magics(tmp_path):
    path = write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((4, 28), np.uint8))
    expected = (
        f"{path}: magic number 0x00000802 is not an IDX image (0x00000803) or label "
        "(0x00000801) file"
    )
    with pytest.raises(DatasetError, match=re.escape(expected)):
        read_idx_images(path)


def test_text_file_is_not_idx(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world")
    with pytest.raises(DatasetError, match=r"magic number 0x68656C6C is not an IDX image"):
        read_idx_images(path)
    with pytest.raises(DatasetError, match=r"0x68656C6C is not an IDX file"):
        read_idx(path)


def test_swapped_files_are_named_as_such(tmp_path):
    labels = write_idx(tmp_path / "labels", make_labels(5))
    images = write_idx(tmp_path / "images", make_images(5))
    with pytest.raises(DatasetError, match=r"is a label file \(magic 0x00000801\), expected an "
                                           r"image file .*swapped"):
        read_idx_images(labels)
    with pytest.raises(DatasetError, match=r"is an image file .* expected a label file"):
        read_idx_labels(images)


def test_wrong_image_size(tmp_path):
    path = write_idx(tmp_path / "big", np.zeros((2, 32, 30), np.uint8))
    with pytest.raises(DatasetError, match=r"big: images are 32×30, expected 28×28"):
        read_idx_images(path)
    assert read_idx_images(path, image_shape=None).shape == (2, 32, 30)


def test_header_cut_short(tmp_path):
    path = tmp_path / "short"
    path.write_bytes(struct.pack(">II", 0x803, 60000))  # 3 dims declared, 1 present
    with pytest.raises(DatasetError, match=r"header declares 3 dimensions but the file ends "
                                           r"after 8 bytes \(16 needed"):
        read_idx_images(path)


def test_truncated_payload_reports_header_and_actual_bytes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    header = struct.pack(">IIII", 0x803, 60000, 28, 28)
    path.write_bytes(gzip.compress(header + bytes(1234)))
    expected = (
        f"{path}: header says 60000 images of 28×28 but the file holds 1234 bytes of pixels "
        "(47040000 expected)"
    )
    with pytest.raises(DatasetError, match=re.escape(expected)):
        read_idx_images(path)


def test_trailing_bytes_are_a_length_mismatch_too(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(struct.pack(">II", 0x801, 3) + bytes([1, 2, 3, 4]))
    with pytest.raises(DatasetError, match=r"header says 3 labels but the file holds 4 bytes "
                                           r"of labels \(3 expected\)"):
        read_idx_labels(path)


def test_label_out_of_range(tmp_path):
    labels = make_labels(20)
    labels[13] = 12
    path = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    expected = f"{path}: label 12 out of range 0..9 (item 13; 1 bad label(s) in all)"
    with pytest.raises(DatasetError, match=re.escape(expected)):
        read_idx_labels(path)
    assert read_idx_labels(path, n_classes=13)[13] == 12


def test_truncated_gzip(tmp_path):
    full = write_idx(tmp_path / "full.gz", make_images(50)).read_bytes()
    path = tmp_path / "cut.gz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(DatasetError, match=rf"{re.escape(str(path))}: gzip data is truncated "
                                           rf"\({len(full) // 2} compressed bytes"):
        read_idx_images(path)


def test_corrupt_gzip(tmp_path):
    full = bytearray(write_idx(tmp_path / "full.gz", make_images(5)).read_bytes())
    full[-8] ^= 0xFF  # the CRC-32 in the trailer no longer matches the data
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(full))
    with pytest.raises(DatasetError, match=r"bad\.gz: corrupt gzip data \(CRC check failed"):
        read_idx_images(path)


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.gz"
    empty.write_bytes(b"")
    with pytest.raises(DatasetError, match=r"empty\.gz: file is empty \(0 bytes\)"):
        read_idx_images(empty)
    with pytest.raises(DatasetError, match=r"nowhere\.gz: no such file"):
        read_idx_labels(tmp_path / "nowhere.gz")
    with pytest.raises(DatasetError, match=r"is a folder, expected a file"):
        read_idx(tmp_path)


def test_images_and_labels_count_mismatch_in_a_folder(synthetic_mnist):
    folder = synthetic_mnist.folder
    write_idx(folder / "train-labels-idx1-ubyte.gz", make_labels(49))
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte\.gz holds 50 images but "
                                           r".*train-labels-idx1-ubyte\.gz holds 49 labels"):
        load_dataset(folder)


def test_write_idx_refuses_what_idx_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="cannot store dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="1 to 255 dimensions, got 0"):
        write_idx(tmp_path / "x", np.uint8(3))


@pytest.mark.parametrize("reader, header, declared", [
    (read_idx_images, struct.pack(">IIII", 0x803, 0xFFFFFFFF, 28, 28),
     f"4294967295 images of 28×28, {0xFFFFFFFF * 784:,} bytes"),
    (read_idx_labels, struct.pack(">II", 0x801, 0xFFFFFFFF),
     "4294967295 labels, 4,294,967,295 bytes"),
    (read_idx, struct.pack(">IIIII", 0x00000E04, *[0xFFFFFFFF] * 4),  # overflows int64
     f"4294967295×4294967295×4294967295×4294967295 values of 8 byte(s), "
     f"{8 * 0xFFFFFFFF**4:,} bytes"),
])
@pytest.mark.parametrize("gz", [False, True])
def test_a_header_declaring_more_than_the_bound_is_refused_before_reading(
        tmp_path, reader, header, declared, gz):
    data = header + bytes(100)
    path = tmp_path / "big"
    path.write_bytes(gzip.compress(data) if gz else data)
    expected = (f"{path}: header says {declared}, more than the 2,147,483,648 a dataset file "
                "may hold")
    with pytest.raises(DatasetError, match=re.escape(expected)):
        reader(path)


def test_a_gzip_that_inflates_past_what_the_header_declares_is_not_read_to_the_end(
        tmp_path, monkeypatch):
    # 3 labels declared, then 64 MB of zeros that gzip packs into 64 kB.
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(struct.pack(">II", 0x801, 3) + bytes(64 << 20)))
    from nnviz.datasets import fileio
    chunks = []
    real_read = fileio.gzip.GzipFile.read
    monkeypatch.setattr(fileio.gzip.GzipFile, "read",
                        lambda self, n=-1: chunks.append(n) or real_read(self, n))
    with pytest.raises(DatasetError, match=r"header says 3 labels but the file holds more than "
                                           r"1,048,579 bytes of labels \(3 expected\)"):
        read_idx_labels(path)
    assert sum(n for n in chunks if n > 0) < 4 << 20  # stopped near the limit, not at 64 MB


def test_a_raw_file_larger_than_the_bound_is_refused_by_its_size(tmp_path, monkeypatch):
    from nnviz.datasets import fileio
    monkeypatch.setattr(fileio, "MAX_PAYLOAD_BYTES", 1000)
    path = tmp_path / "big.csv"
    path.write_bytes(b"label" + bytes(2000))
    with pytest.raises(DatasetError, match=r"big\.csv: 2,005 bytes, more than the 1,000 a dataset"):
        fileio.read_payload(path, limit=fileio.MAX_PAYLOAD_BYTES)
