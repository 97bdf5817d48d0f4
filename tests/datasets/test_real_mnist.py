"""The real MNIST (and Fashion-MNIST, where Debian installed it): counts, labels, checksums, speed.

The decode cache must not write into the shared folder: the test says it is read-only rather
than counting on its permission bits (a writable copy would get 55 MB of cache files). A
developer's writable shared folder may already hold caches from an earlier run of an older
test or of the app: those are read, and only the others are written to the user cache.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from synthetic_data import MNIST_FILES

from nnviz.datasets import cache, known_dataset, load_dataset
from nnviz.datasets.fileio import sha256_file

pytestmark = pytest.mark.mnist

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def test_registry_checksums_match_the_original_files(shared_mnist):
    sums = dict(
        reversed(line.split()) for line in (shared_mnist / "SHA256SUMS").read_text().splitlines()
    )
    for file in known_dataset("mnist").files:
        assert file.sha256 == sums[file.name] == sha256_file(shared_mnist / file.name)
        assert file.size == (shared_mnist / file.name).stat().st_size


IMAGE_CACHES = {"t10k-images-idx3-ubyte.npy": "t10k-images-idx3-ubyte.gz",
                "train-images-idx3-ubyte.npy": "train-images-idx3-ubyte.gz"}


def valid_caches_beside(folder: Path) -> set[str]:
    """The image decode caches already valid beside the original files in ``folder``."""
    return {npy for npy, gz in IMAGE_CACHES.items()
            if cache._read(folder / npy, sha256_file(folder / gz)) is not None}


@pytest.fixture(params=["as it is", "holding caches"])
def mnist_folder(request, shared_mnist, tmp_path_factory) -> Path:
    """The shared folder as it is, and a writable copy of it that holds the decode caches
    already, as a developer's shared folder does after one run in a writable checkout."""
    if request.param == "as it is":
        return shared_mnist
    copy = tmp_path_factory.mktemp("datasets") / "mnist"
    copy.mkdir()
    for name in (*MNIST_FILES, "SHA256SUMS"):
        shutil.copyfile(shared_mnist / name, copy / name)
    load_dataset("mnist", copy)  # writes the caches beside the files
    assert valid_caches_beside(copy) == set(IMAGE_CACHES)
    return copy


def test_real_mnist_loads_with_known_contents_and_caches(mnist_folder, isolated, monkeypatch):
    shared_mnist = mnist_folder
    shared = shared_mnist.resolve()
    beside = valid_caches_beside(shared)
    may_write = cache._may_write
    monkeypatch.setattr(cache, "_may_write",
                        lambda folder: not folder.is_relative_to(shared) and may_write(folder))
    before = sorted(p.name for p in shared_mnist.iterdir())
    first = load_dataset("mnist", shared_mnist.parent)
    second = load_dataset("mnist", shared_mnist)  # the folder itself works as well

    for data in (first, second):
        assert data.x_train.shape == (60000, 784) and data.x_test.shape == (10000, 784)
        assert data.n_features == 784 and data.n_classes == 10
        assert data.y_train[:5].tolist() == [5, 0, 4, 1, 9]
        assert data.y_test[:5].tolist() == [7, 2, 1, 0, 4]
        assert np.unique(data.y_train).tolist() == list(range(10))
        assert np.unique(data.y_test).tolist() == list(range(10))
        assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
        assert data.source == str(shared_mnist)
    np.testing.assert_array_equal(first.x_train, second.x_train)
    # Known pixel statistics of the original training set (mean 0.1307, the usual constant).
    assert abs(float(first.x_train.mean()) - 0.1307) < 1e-4
    # Load times are measured in benchmarks/bench_mnist.py, not asserted here (shared
    # machines are noisy); that the cache is used is checked in test_decode_cache.py.
    # The shared folder is untouched; the caches it did not hold went to the user cache.
    assert sorted(p.name for p in shared_mnist.iterdir()) == before
    cached = sorted(p.name for p in (isolated.user_cache / "decoded").rglob("*.npy"))
    assert cached == sorted(set(IMAGE_CACHES) - beside)


def test_validation_split_of_real_mnist(shared_mnist):
    data = load_dataset("mnist", shared_mnist, val_fraction=0.1, seed=0)
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (54000, 6000, 10000)
    counts = np.bincount(data.y_val) / 6000
    totals = np.bincount(np.concatenate([data.y_train, data.y_val])) / 60000
    np.testing.assert_allclose(counts, totals, atol=1e-3)  # stratified


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not "
                    "installed (/usr/share/datasets/fashion-mnist)")
def test_debian_fashion_mnist_holds_the_original_payload():
    # Debian re-gzipped the files, so the .gz sums differ; the decompressed IDX must not.
    for file in known_dataset("fashion-mnist").files:
        payload = gzip.decompress((DEBIAN_FASHION / file.name).read_bytes())
        assert hashlib.sha256(payload).hexdigest() == file.payload_sha256


def test_mnist_payload_checksums(shared_mnist):
    for name, file in zip(MNIST_FILES, known_dataset("mnist").files, strict=True):
        payload = gzip.decompress((shared_mnist / name).read_bytes())
        assert hashlib.sha256(payload).hexdigest() == file.payload_sha256
