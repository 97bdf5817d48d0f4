"""Keras-style ``mnist.npz``: round trips, float conversion, and refusing what is wrong."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from synthetic_data import make_images, make_labels

from nnviz.datasets import DatasetError, read_npz


@pytest.fixture
def arrays():
    return {
        "x_train": make_images(30, seed=5),
        "y_train": make_labels(30, seed=5),
        "x_test": make_images(10, seed=6),
        "y_test": make_labels(10, seed=6),
    }


def save(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_round_trip_uint8(tmp_path, arrays):
    got = read_npz(save(tmp_path / "mnist.npz", **arrays))
    for key in ("x_train", "x_test"):
        assert got[key].dtype == np.uint8 and got[key].shape == arrays[key].shape
        np.testing.assert_array_equal(got[key], arrays[key])
    for key in ("y_train", "y_test"):
        assert got[key].dtype == np.int64
        np.testing.assert_array_equal(got[key], arrays[key])


def test_float_pixels_in_0_1_and_flat_rows_are_converted(tmp_path, arrays):
    scaled = dict(arrays)
    scaled["x_train"] = (arrays["x_train"] / 255.0).astype(np.float32).reshape(30, 784)
    scaled["y_test"] = arrays["y_test"].astype(np.float64)  # integral floats, as pandas writes
    got = read_npz(save(tmp_path / "scaled.npz", **scaled))
    assert got["x_train"].shape == (30, 28, 28)
    np.testing.assert_array_equal(got["x_train"], arrays["x_train"])  # exact after rounding
    np.testing.assert_array_equal(got["y_test"], arrays["y_test"])


def test_missing_key(tmp_path, arrays):
    del arrays["y_test"]
    path = save(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(DatasetError, match=r"mnist\.npz: missing array\(s\) y_test \(the archive "
                                           r"holds: x_train, y_train, x_test\)"):
        read_npz(path)


def test_wrong_image_shape(tmp_path, arrays):
    arrays["x_test"] = np.zeros((10, 32, 32), np.uint8)
    with pytest.raises(DatasetError, match=r"x_test has shape \(10, 32, 32\), expected "
                                           r"\(N, 28, 28\) or \(N, 784\)"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_one_hot_labels_are_refused_with_a_hint(tmp_path, arrays):
    arrays["y_train"] = np.eye(10, dtype=np.uint8)[arrays["y_train"]]
    with pytest.raises(DatasetError, match=r"y_train has shape \(30, 10\), expected \(N,\) class "
                                           r"indices \(one-hot labels\? store y.argmax"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_pickled_object_array_is_refused(tmp_path, arrays):
    arrays["x_train"] = np.array([object(), "x"], dtype=object)
    path = tmp_path / "evil.npz"
    np.savez(path, **arrays)  # savez pickles object arrays
    with pytest.raises(DatasetError, match=r"evil\.npz: array 'x_train' is a pickled object "
                                           r"array; refusing to load it"):
        read_npz(path)


def test_count_mismatch(tmp_path, arrays):
    arrays["y_train"] = arrays["y_train"][:29]
    with pytest.raises(DatasetError, match=r"x_train has 30 images but y_train has 29 labels"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_float_pixels_out_of_0_1(tmp_path, arrays):
    arrays["x_train"] = arrays["x_train"].astype(np.float32)  # 0..255 floats
    with pytest.raises(DatasetError, match=r"x_train holds float pixels in 0\.\.255; floats must "
                                           r"be scaled to 0\.\.1"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_nan_pixels(tmp_path, arrays):
    x = (arrays["x_test"] / 255.0).astype(np.float32)
    x[3, 10, 10] = np.nan
    arrays["x_test"] = x
    with pytest.raises(DatasetError, match=r"x_test contains NaN or infinite pixel values"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_integer_pixels_out_of_range(tmp_path, arrays):
    x = arrays["x_train"].astype(np.int16)
    x[0, 5, 5] = 300
    arrays["x_train"] = x
    with pytest.raises(DatasetError, match=r"x_train holds pixel values 0\.\.300, expected "
                                           r"0\.\.255"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_label_out_of_range(tmp_path, arrays):
    y = arrays["y_test"].astype(np.int64)
    y[4] = 12
    arrays["y_test"] = y
    with pytest.raises(DatasetError, match=r"y_test\[4\]: label 12 out of range 0\.\.9"):
        read_npz(save(tmp_path / "m.npz", **arrays))


def test_not_an_archive(tmp_path):
    text = tmp_path / "text.npz"
    text.write_text("not a zip")
    with pytest.raises(DatasetError, match=r"text\.npz: not an \.npz archive \(no zip signature\)"):
        read_npz(text)
    single = tmp_path / "single.npz"
    with open(single, "wb") as stream:
        np.save(stream, np.zeros(3))
    with pytest.raises(DatasetError, match=r"single\.npz: is a single \.npy array, not an \.npz"):
        read_npz(single)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(DatasetError, match=r"empty\.npz: file is empty"):
        read_npz(empty)
    with pytest.raises(DatasetError, match=r"absent\.npz: no such file"):
        read_npz(tmp_path / "absent.npz")


def test_truncated_archive(tmp_path, arrays):
    full = save(tmp_path / "full.npz", **arrays).read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(DatasetError, match=r"cut\.npz: corrupt \.npz archive"):
        read_npz(cut)


def _npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


def _npy_declaring(shape, descr, body=b""):
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return stream.getvalue() + body


@pytest.mark.parametrize("shape, descr, message", [
    ((10**12, 28, 28), "|u1", r"array 'x_train' declares 1000000000000×28×28 uint8 "
                              r"\(784,000,000,000,000 bytes\) but holds only 100 bytes"),
    ((-1, 28, 28), "|u1", r"array 'x_train' declares a negative dimension"),
    ((5,), "|S0", r"array 'x_train' has the zero-size dtype"),
])
def test_a_member_header_is_checked_before_the_array_is_allocated(tmp_path, arrays, shape, descr,
                                                                 message):
    path = tmp_path / "lying.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, value in arrays.items():
            lying = key == "x_train"
            archive.writestr(f"{key}.npy", _npy_declaring(shape, descr, bytes(100)) if lying
                             else _npy(value))
    with pytest.raises(DatasetError, match=rf"lying\.npz: {message}"):
        read_npz(path)


def test_a_member_larger_than_the_bound_is_refused(tmp_path, arrays, monkeypatch):
    from nnviz.datasets import npzfile
    monkeypatch.setattr(npzfile, "MAX_PAYLOAD_BYTES", 20_000)  # x_train is 23,520 bytes
    with pytest.raises(DatasetError, match=r"array 'x_train' declares 30×28×28 uint8 "
                                           r"\(23,520 bytes\), more than the 20,000 allowed"):
        read_npz(save(tmp_path / "mnist.npz", **arrays))


@pytest.mark.parametrize("labels, message", [
    (np.array([1e300, 1.0]), r"y_test\[0\]: label 1e\+300 out of range 0\.\.9"),
    (np.array([np.inf, 1.0]), r"y_test\[0\]: label inf out of range 0\.\.9"),
    (np.array([np.nan, 1.0]), r"y_test has dtype float64, expected integer class indices"),
    (np.array([2**63, 1], dtype=np.uint64), r"y_test\[0\]: label 9223372036854775808 out of range"),
])
def test_huge_labels_are_named_not_wrapped_by_a_cast(tmp_path, arrays, labels, message):
    arrays["y_test"] = labels
    arrays["x_test"] = arrays["x_test"][:2]
    with pytest.raises(DatasetError, match=message):  # no RuntimeWarning from a cast either
        read_npz(save(tmp_path / "mnist.npz", **arrays))
