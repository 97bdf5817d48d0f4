"""The decode cache: hits skip decoding, stale or corrupt entries are redone, it never fails."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from synthetic_data import make_images

from nnviz.datasets import cache, read_idx_images, write_idx
from nnviz.datasets.cache import cache_folders, load_cached
from nnviz.files.atomic import TEMP_SUFFIX


class CountingDecoder:
    def __init__(self):
        self.calls = 0

    def __call__(self, path):
        self.calls += 1
        return read_idx_images(path)


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return write_idx(folder / "train-images-idx3-ubyte.gz", make_images(9, seed=11))


@pytest.fixture
def read_only(tmp_path):
    """Make folders read-only by their mode bits (as /work/shared is); restore afterwards."""
    changed = []

    def make(folder):
        changed.append((folder, folder.stat().st_mode))
        folder.chmod(0o555)
        return folder

    yield make
    for folder, mode in changed:
        folder.chmod(mode)


def test_second_load_is_served_from_beside_the_source(source):
    decode = CountingDecoder()
    first = load_cached(source, decode)
    second = load_cached(source, decode)
    assert decode.calls == 1
    np.testing.assert_array_equal(second, first)
    np.testing.assert_array_equal(second, make_images(9, seed=11))
    npy = source.with_name("train-images-idx3-ubyte.npy")
    assert npy.is_file()
    meta = json.loads(npy.with_name(npy.name + ".json").read_text())
    assert meta["shape"] == [9, 28, 28] and meta["dtype"] == "|u1"
    assert len(meta["sha256"]) == 64


def test_a_folder_is_read_only_by_its_mode_bits_even_to_root(tmp_path, read_only):
    # Root may write anywhere (os.access says yes), which is why the bits are asked too: this
    # holds under any user, so the tests below do not depend on who runs them.
    folder = tmp_path / "shared"
    folder.mkdir()
    assert cache._may_write(folder) and cache._may_write(folder / "not" / "yet")
    read_only(folder)
    assert not cache._may_write(folder) and not cache._may_write(folder / "not" / "yet")


def test_read_only_folder_caches_in_the_user_cache(source, read_only, isolated):
    read_only(source.parent)
    decode = CountingDecoder()
    load_cached(source, decode)
    load_cached(source, decode)
    assert decode.calls == 1
    assert sorted(p.name for p in source.parent.iterdir()) == ["train-images-idx3-ubyte.gz"]
    user_folder = cache_folders(source)[1]
    assert user_folder.parent == isolated.user_cache / "decoded"
    assert (user_folder / "train-images-idx3-ubyte.npy").is_file()


def test_system_folders_are_never_written(isolated):
    folder = isolated.system / "mnist"
    folder.mkdir(parents=True)
    src = write_idx(folder / "t10k-images-idx3-ubyte.gz", make_images(2))
    load_cached(src, read_idx_images)
    assert [p.name for p in folder.iterdir()] == ["t10k-images-idx3-ubyte.gz"]
    assert (cache_folders(src)[1] / "t10k-images-idx3-ubyte.npy").is_file()


def test_corrupt_cache_is_ignored_and_rewritten(source):
    load_cached(source, read_idx_images)
    npy = source.with_name("train-images-idx3-ubyte.npy")
    npy.write_bytes(b"\x93NUMPY garbage")
    decode = CountingDecoder()
    np.testing.assert_array_equal(load_cached(source, decode), make_images(9, seed=11))
    assert decode.calls == 1
    np.testing.assert_array_equal(np.load(npy), make_images(9, seed=11))  # rewritten


def test_cache_with_wrong_shape_is_ignored(source):
    load_cached(source, read_idx_images)
    npy = source.with_name("train-images-idx3-ubyte.npy")
    np.save(npy, np.zeros((2, 28, 28), np.uint8))  # valid .npy, but not what the sidecar says
    decode = CountingDecoder()
    assert load_cached(source, decode).shape == (9, 28, 28)
    assert decode.calls == 1


def test_changed_source_invalidates_the_cache(source):
    load_cached(source, read_idx_images)
    stat = source.stat()
    write_idx(source, make_images(9, seed=12))  # same size, other pixels
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old mtime
    decode = CountingDecoder()
    np.testing.assert_array_equal(load_cached(source, decode), make_images(9, seed=12))
    assert decode.calls == 1


def test_a_users_own_npy_is_never_overwritten(source):
    npy = source.with_name("train-images-idx3-ubyte.npy")
    np.save(npy, np.arange(5))
    decode = CountingDecoder()
    load_cached(source, decode)
    load_cached(source, decode)
    assert decode.calls == 1  # cached, but elsewhere
    np.testing.assert_array_equal(np.load(npy), np.arange(5))
    assert (cache_folders(source)[1] / npy.name).is_file()


def test_nowhere_to_write_still_loads(source, read_only, isolated, monkeypatch):
    read_only(source.parent)
    isolated.user_cache.parent.mkdir(parents=True, exist_ok=True)
    isolated.user_cache.write_text("a file where the cache folder should be")
    decode = CountingDecoder()
    for _ in range(2):
        np.testing.assert_array_equal(load_cached(source, decode), make_images(9, seed=11))
    assert decode.calls == 2
    assert not list(source.parent.glob("*.tmp")) and not list(source.parent.glob(".*"))


def test_a_killed_writes_temporary_file_is_swept_by_the_next_write(source):
    import subprocess
    import sys
    writer = subprocess.Popen([sys.executable, "-c", "pass"])
    writer.wait()  # a pid that has ended, as a SIGKILLed writer's has
    stale = source.with_name(f".train-images-idx3-ubyte.npy.{writer.pid}.q1w2e3{TEMP_SUFFIX}")
    stale.write_bytes(b"\x93NUMPY half of an array")
    load_cached(source, read_idx_images)
    assert sorted(p.name for p in source.parent.iterdir()) == [
        "train-images-idx3-ubyte.gz", "train-images-idx3-ubyte.npy",
        "train-images-idx3-ubyte.npy.json"]
