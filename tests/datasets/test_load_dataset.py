"""`load_dataset` on every kind of source, with its splits, names and cache."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_data import make_images, make_labels, write_csv

from nnviz.datasets import DatasetError, load_dataset
from nnviz.datasets import load as load_module


def as_rows(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1) / np.float32(255)


def test_idx_folder_by_path(synthetic_mnist):
    data = load_dataset(synthetic_mnist.folder)
    arrays = synthetic_mnist.arrays
    assert data.name == "mnist" and data.class_names == tuple("0123456789")
    assert data.source == str(synthetic_mnist.folder)
    np.testing.assert_array_equal(data.x_train, as_rows(arrays["train-images-idx3-ubyte.gz"]))
    np.testing.assert_array_equal(data.y_train, arrays["train-labels-idx1-ubyte.gz"])
    np.testing.assert_array_equal(data.x_test, as_rows(arrays["t10k-images-idx3-ubyte.gz"]))
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert data.x_val.shape == (0, 784) and data.y_val.shape == (0,)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert not data.x_train.flags.writeable and not data.y_val.flags.writeable


def test_validation_split_comes_from_train_deterministically(synthetic_mnist):
    data = load_dataset(synthetic_mnist.folder, val_fraction=0.2, seed=7)
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (40, 10, 20)
    np.testing.assert_array_equal(np.bincount(data.y_val), np.ones(10))  # 5 per class -> 1 each
    all_train = as_rows(synthetic_mnist.arrays["train-images-idx3-ubyte.gz"])
    rows = {row.tobytes() for row in all_train}
    assert {row.tobytes() for row in data.x_val} <= rows
    assert not {row.tobytes() for row in data.x_val} & {row.tobytes() for row in data.x_train}
    again = load_dataset(synthetic_mnist.folder, val_fraction=0.2, seed=7)
    np.testing.assert_array_equal(again.x_val, data.x_val)
    other = load_dataset(synthetic_mnist.folder, val_fraction=0.2, seed=8)
    assert not np.array_equal(other.x_val, data.x_val)


def test_single_csv_gives_up_a_stratified_test_part(tmp_path):
    images, labels = make_images(40, seed=1), make_labels(40, seed=1)
    path = write_csv(tmp_path / "digits.csv", images, labels)
    data = load_dataset(path, test_fraction=0.25, val_fraction=0.1, seed=2)
    assert data.name == "digits" and data.source == str(path)
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (27, 3, 10)
    np.testing.assert_array_equal(np.bincount(data.y_test), np.ones(10))
    together = np.concatenate([data.x_train, data.x_val, data.x_test])
    assert sorted(r.tobytes() for r in together) == sorted(r.tobytes() for r in as_rows(images))


def test_kaggle_csv_pair_folder(tmp_path):
    train = (make_images(20, seed=1), make_labels(20, seed=1))
    test = (make_images(10, seed=2), make_labels(10, seed=2))
    write_csv(tmp_path / "mnist_train.csv", *train)
    write_csv(tmp_path / "mnist_test.csv", *test)
    data = load_dataset(tmp_path)
    np.testing.assert_array_equal(data.x_train, as_rows(train[0]))
    np.testing.assert_array_equal(data.y_test, test[1])


def test_csv_second_load_comes_from_the_cache(tmp_path, monkeypatch):
    images, labels = make_images(20, seed=4), make_labels(20, seed=4)
    path = write_csv(tmp_path / "digits.csv", images, labels)
    first = load_dataset(path)
    assert (tmp_path / "digits.csv.npy").is_file()

    def parser_must_not_run(*args, **kwargs):
        raise AssertionError("the CSV was parsed again")

    monkeypatch.setattr(load_module, "read_csv_table", parser_must_not_run)
    second = load_dataset(path)
    np.testing.assert_array_equal(second.x_train, first.x_train)
    np.testing.assert_array_equal(second.y_test, first.y_test)


def test_npz_file(tmp_path):
    arrays = {"x_train": make_images(12), "y_train": make_labels(12),
              "x_test": make_images(5, seed=3), "y_test": make_labels(5, seed=3)}
    np.savez(tmp_path / "mnist.npz", **arrays)
    data = load_dataset(tmp_path / "mnist.npz", val_fraction=0.0)
    assert data.name == "mnist" and len(data.y_test) == 5
    np.testing.assert_array_equal(data.x_test, as_rows(arrays["x_test"]))


def test_unsupported_file_and_half_an_idx_folder(tmp_path, synthetic_mnist):
    (tmp_path / "digits.txt").write_text("1 2 3")
    with pytest.raises(DatasetError, match=r"digits\.txt: unsupported file type; expected a \.csv"):
        load_dataset(tmp_path / "digits.txt")
    (synthetic_mnist.folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match=r"mnist: has IDX files but lacks "
                                           r"t10k-images-idx3-ubyte\.gz"):
        load_dataset(synthetic_mnist.folder)


def test_a_known_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch, synthetic_mnist):
    monkeypatch.chdir(synthetic_mnist.folder.parent)  # ./mnist exists here
    with pytest.raises(DatasetError, match="MNIST not found"):
        load_dataset("mnist")
    assert load_dataset("./mnist").name == "mnist"


@pytest.mark.parametrize("labels, message", [
    ([3], r"one\.csv: cannot hold out the test set: 20% of 1 row rounds to no rows; at least 3 "
          r"rows are needed"),
    (list(range(10)), r"one\.csv: cannot hold out the test set: class 0 has only 1 row, and "
                      r"holding out 20% would leave none of it; each class needs at least 2 rows"),
])
def test_a_csv_too_small_to_split_says_how_many_rows_it_needs(tmp_path, labels, message):
    path = write_csv(tmp_path / "one.csv", make_images(len(labels)), np.array(labels))
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


def test_a_validation_split_too_large_for_the_classes_is_named(tmp_path):
    path = write_csv(tmp_path / "d.csv", make_images(100), np.arange(100) % 10)
    with pytest.raises(DatasetError, match=r"d\.csv: cannot hold out the validation set: class 0 "
                                           r"has only 8 rows, and holding out 99\.9% would "
                                           r"leave none of it; each class needs at least 1000"):
        load_dataset(path, val_fraction=0.999)


@pytest.mark.parametrize("n_train, n_test, message", [
    (0, 5, r"mnist\.npz: holds no training images \(0 rows\)"),
    (10, 0, r"mnist\.npz: holds no test images \(0 rows\)"),
])
def test_an_empty_part_is_refused(tmp_path, n_train, n_test, message):
    np.savez(tmp_path / "mnist.npz", x_train=make_images(n_train), y_train=make_labels(n_train),
             x_test=make_images(n_test), y_test=make_labels(n_test))
    with pytest.raises(DatasetError, match=message):
        load_dataset(tmp_path / "mnist.npz")
