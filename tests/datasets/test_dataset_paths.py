"""Where known datasets are looked for, in which order, and what the user is told otherwise."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from synthetic_data import write_mnist_folder

from nnviz.datasets import (
    DatasetNotFoundError,
    download_dir,
    find_dataset_files,
    known_dataset,
    load_dataset,
    search_dirs,
)
from nnviz.datasets.errors import DatasetError
from nnviz.datasets.paths import checkout_data_dir as real_checkout_data_dir

MNIST = known_dataset("mnist")
FASHION = known_dataset("fashion-mnist")


def test_search_order_and_download_target(tmp_path, isolated, monkeypatch):
    explicit, env = tmp_path / "explicit", tmp_path / "env"
    assert search_dirs() == [isolated.checkout_data, isolated.user_cache, isolated.system]
    assert download_dir() == isolated.checkout_data
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(env))
    assert search_dirs() == [env, isolated.checkout_data, isolated.user_cache, isolated.system]
    assert search_dirs(explicit) == [explicit]  # an explicit folder is the only one
    assert download_dir() == env
    assert download_dir(explicit) == explicit


def test_download_goes_to_the_user_cache_outside_a_checkout(isolated, monkeypatch):
    monkeypatch.setattr("nnviz.datasets.paths.checkout_data_dir", lambda: None)
    assert download_dir() == isolated.user_cache
    assert search_dirs() == [isolated.user_cache, isolated.system]


def test_the_real_checkout_is_recognised_by_its_pyproject():
    root = Path(__file__).resolve().parents[2]
    assert (root / "pyproject.toml").is_file()
    assert real_checkout_data_dir() == root / "data"


@pytest.mark.parametrize("where", ["env", "checkout", "user_cache", "system"])
def test_each_folder_in_the_order_wins_over_the_later_ones(tmp_path, isolated, monkeypatch, where):
    bases = {
        "env": tmp_path / "env",
        "checkout": isolated.checkout_data,
        "user_cache": isolated.user_cache,
        "system": isolated.system,
    }
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(bases["env"]))
    order = list(bases)
    for name in order[order.index(where):]:  # this folder and every later one hold MNIST
        write_mnist_folder(bases[name] / "mnist", n_train=10, n_test=10)
    files = find_dataset_files(MNIST)
    assert files["train_images"] == bases[where] / "mnist" / "train-images-idx3-ubyte.gz"
    explicit = write_mnist_folder(tmp_path / "explicit" / "mnist", n_train=10, n_test=10).folder
    assert find_dataset_files(MNIST, tmp_path / "explicit")["train_images"].parent == explicit


@pytest.mark.parametrize("make", ["missing", "empty", "a file"])
def test_an_explicit_data_dir_without_the_dataset_is_an_error_naming_it(
        tmp_path, isolated, monkeypatch, make):
    # MNIST is in every other folder of the search path: none of them may stand in for DIR.
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    for base in (tmp_path / "env", isolated.checkout_data, isolated.user_cache, isolated.system):
        write_mnist_folder(base / "mnist", n_train=10, n_test=10)
    data_dir = tmp_path / "chosen"
    if make == "empty":
        data_dir.mkdir()
    elif make == "a file":
        data_dir.write_text("not a folder")
    with pytest.raises(DatasetNotFoundError) as caught:
        load_dataset("mnist", data_dir)
    assert caught.value.searched == (data_dir,)
    note = {"missing": f"; {data_dir} does not exist", "empty": "",
            "a file": f"; {data_dir} is not a folder"}[make]
    assert str(caught.value) == (
        f"MNIST not found; looked in: {data_dir} (directly and in mnist/, MNIST/raw/){note}; "
        f"run `nnviz download mnist --data-dir {data_dir}`"
    )


def test_files_directly_in_the_folder_or_in_a_subfolder(tmp_path):
    write_mnist_folder(tmp_path / "datasets" / "mnist")
    via_parent = find_dataset_files(MNIST, tmp_path / "datasets")
    direct = find_dataset_files(MNIST, tmp_path / "datasets" / "mnist")
    assert via_parent == direct
    assert direct["test_labels"] == tmp_path / "datasets" / "mnist" / "t10k-labels-idx1-ubyte.gz"


def test_uncompressed_and_dotted_names_are_accepted(tmp_path):
    synthetic = write_mnist_folder(tmp_path / "gz")
    raw = tmp_path / "raw"
    raw.mkdir()
    renames = {
        "train-images-idx3-ubyte.gz": "train-images.idx3-ubyte",  # as the originals unpack
        "train-labels-idx1-ubyte.gz": "train-labels.idx1-ubyte",
        "t10k-images-idx3-ubyte.gz": "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte.gz": "t10k-labels-idx1-ubyte",
    }
    for gz_name, raw_name in renames.items():
        (raw / raw_name).write_bytes(gzip.decompress((synthetic.folder / gz_name).read_bytes()))
    files = find_dataset_files(MNIST, raw)
    assert files["train_images"].name == "train-images.idx3-ubyte"
    dataset = load_dataset("mnist", raw)
    expected = synthetic.arrays["train-images-idx3-ubyte.gz"].reshape(50, 784) / np.float32(255)
    np.testing.assert_array_equal(dataset.x_train, expected)


def test_debian_layout_for_fashion_mnist(isolated):
    # dataset-fashion-mnist installs the four standard names in /usr/share/datasets/fashion-mnist.
    write_mnist_folder(isolated.system / "fashion-mnist", n_train=20, n_test=10)
    dataset = load_dataset("Fashion-MNIST")
    assert dataset.name == "fashion-mnist"
    assert dataset.class_names[0] == "T-shirt/top" and dataset.class_names[9] == "Ankle boot"
    assert dataset.source == str(isolated.system / "fashion-mnist")


def test_torchvision_layout(tmp_path):
    write_mnist_folder(tmp_path / "torch" / "MNIST" / "raw")
    assert find_dataset_files(MNIST, tmp_path / "torch")["train_images"].parent.name == "raw"


def test_not_found_lists_every_folder_and_the_fix(tmp_path, isolated, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as caught:
        load_dataset("mnist")
    error = caught.value
    assert error.searched == (
        tmp_path / "env", isolated.checkout_data, isolated.user_cache, isolated.system,
    )
    message = str(error)
    assert message.startswith(
        f"MNIST not found; looked in: {tmp_path / 'env'}, "
        f"{isolated.checkout_data}, {isolated.user_cache}, {isolated.system} "
        "(in each, directly and in mnist/, MNIST/raw/)"
    )
    assert message.endswith("; run `nnviz download mnist`")


def test_an_incomplete_folder_is_pointed_out(tmp_path):
    folder = write_mnist_folder(tmp_path / "d" / "mnist").folder
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError, match=rf"{folder} lacks t10k-labels-idx1-ubyte\.gz"):
        find_dataset_files(MNIST, tmp_path / "d")


def test_unknown_name_and_missing_path(tmp_path):
    with pytest.raises(DatasetError, match=r"unknown dataset 'cifar'; known datasets: mnist, "
                                           r"fashion-mnist"):
        known_dataset("cifar")
    with pytest.raises(DatasetError, match=r"nope: neither a known dataset \(mnist, "
                                           r"fashion-mnist\) nor an existing file or folder"):
        load_dataset(tmp_path / "nope")
