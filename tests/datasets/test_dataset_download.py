"""Downloads against a real HTTP server on 127.0.0.1: progress, checksums, mirrors, cleanup."""

from __future__ import annotations

import hashlib
import re
from functools import partial
from itertools import pairwise

import numpy as np
import pytest
from synthetic_data import MNIST_FILES

from nnviz.datasets import DownloadError, download_dataset, download_file, load_dataset
from nnviz.datasets import load as load_module

PAYLOAD = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def server(http_server):
    http_server.files["blob.bin"] = PAYLOAD
    return http_server


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_good_download_reports_increasing_progress_up_to_the_total(server, tmp_path):
    calls = []
    dest = download_file([server.url("good") + "blob.bin"], tmp_path / "blob.bin",
                         sha256=PAYLOAD_SHA, progress=lambda d, t: calls.append((d, t)))
    assert dest.read_bytes() == PAYLOAD
    assert leftovers(tmp_path) == ["blob.bin"]
    done = [d for d, _ in calls]
    assert done[0] == 0 and done[-1] == len(PAYLOAD)
    assert all(b > a for a, b in pairwise(done))
    assert len(done) >= 5  # 300 kB in 64 KiB chunks
    assert {t for _, t in calls} == {len(PAYLOAD)}


def test_checksum_mismatch_names_file_expected_and_got_and_leaves_nothing(server, tmp_path):
    corrupt = PAYLOAD[:-1] + bytes([PAYLOAD[-1] ^ 0xFF])
    with pytest.raises(DownloadError) as caught:
        download_file([server.url("corrupt") + "blob.bin"], tmp_path / "blob.bin",
                      sha256=PAYLOAD_SHA)
    message = str(caught.value)
    assert "could not download blob.bin" in message
    assert (f"checksum mismatch for blob.bin: expected sha256 {PAYLOAD_SHA}, "
            f"got {hashlib.sha256(corrupt).hexdigest()} (300000 bytes)") in message
    assert leftovers(tmp_path) == []


def test_404_on_the_first_mirror_then_the_second_serves(server, tmp_path):
    urls = [server.url("missing") + "blob.bin", server.url("good") + "blob.bin"]
    download_file(urls, tmp_path / "blob.bin", sha256=PAYLOAD_SHA)
    assert (tmp_path / "blob.bin").read_bytes() == PAYLOAD
    assert server.hits == ["/missing/blob.bin", "/good/blob.bin"]


def test_connection_dropped_mid_body_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError, match=r"/drop/blob\.bin: connection closed after 150000 of "
                                            r"300000 bytes"):
        download_file([server.url("drop") + "blob.bin"], tmp_path / "blob.bin",
                      sha256=PAYLOAD_SHA)
    assert leftovers(tmp_path) == []


def test_every_failed_mirror_is_listed(server, tmp_path):
    host, port = server.server_address[:2]
    urls = [server.url("missing") + "blob.bin", server.url("drop") + "blob.bin",
            "http://127.0.0.1:1/blob.bin"]  # nothing listens on port 1
    with pytest.raises(DownloadError) as caught:
        download_file(urls, tmp_path / "blob.bin", sha256=PAYLOAD_SHA, timeout=5)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"could not download blob.bin to {tmp_path}; tried:"
    assert lines[1] == f"  http://{host}:{port}/missing/blob.bin: HTTP 404 Not Found"
    assert lines[2].endswith("connection closed after 150000 of 300000 bytes")
    assert re.fullmatch(r"  http://127\.0\.0\.1:1/blob\.bin: cannot connect \(.*refused.*\)",
                        lines[3])
    assert leftovers(tmp_path) == []


def test_ctrl_c_mid_download_leaves_nothing(server, tmp_path):
    def interrupt(done, total):
        if done > 100_000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_file([server.url("good") + "blob.bin"], tmp_path / "blob.bin",
                      sha256=PAYLOAD_SHA, progress=interrupt)
    assert leftovers(tmp_path) == []


def test_a_failed_redownload_keeps_the_old_file(server, tmp_path):
    (tmp_path / "blob.bin").write_bytes(b"old")
    with pytest.raises(DownloadError):
        download_file([server.url("corrupt") + "blob.bin"], tmp_path / "blob.bin",
                      sha256=PAYLOAD_SHA)
    assert (tmp_path / "blob.bin").read_bytes() == b"old"
    assert leftovers(tmp_path) == ["blob.bin"]


def test_a_killed_downloads_temporary_file_is_swept_by_the_next_download(server, tmp_path):
    import subprocess
    import sys

    from nnviz.files.atomic import TEMP_SUFFIX
    writer = subprocess.Popen([sys.executable, "-c", "pass"])
    writer.wait()  # a pid that has ended, as a SIGKILLed download's has
    (tmp_path / f".blob.bin.{writer.pid}.a1b2c3{TEMP_SUFFIX}").write_bytes(PAYLOAD[:1000])
    download_file([server.url("good") + "blob.bin"], tmp_path / "blob.bin", sha256=PAYLOAD_SHA)
    assert leftovers(tmp_path) == ["blob.bin"]


@pytest.fixture
def mnist_server(http_server, shared_mnist):
    for name in MNIST_FILES:
        http_server.files[name] = (shared_mnist / name).read_bytes()
    return http_server


def test_download_mnist_verified_into_the_data_dir(mnist_server, tmp_path, shared_mnist):
    calls = []
    folder = download_dataset("mnist", tmp_path / "data",
                              mirrors=[mnist_server.url("missing"), mnist_server.url("good")],
                              progress=lambda d, t: calls.append((d, t)))
    assert folder == tmp_path / "data" / "mnist"
    assert leftovers(folder) == sorted(MNIST_FILES)
    for name in MNIST_FILES:
        assert (folder / name).read_bytes() == (shared_mnist / name).read_bytes()
    total = 9912422 + 28881 + 1648877 + 4542
    done = [d for d, _ in calls]
    assert done[-1] == total and {t for _, t in calls} == {total}
    assert all(b >= a for a, b in pairwise(done))
    # Present and verified files are kept: a second run asks the server for nothing.
    hits = len(mnist_server.hits)
    download_dataset("mnist", tmp_path / "data", mirrors=[mnist_server.url("good")])
    assert len(mnist_server.hits) == hits


def test_download_dataset_fails_on_a_corrupt_mirror(mnist_server, tmp_path):
    with pytest.raises(DownloadError, match=r"checksum mismatch for train-images-idx3-ubyte\.gz: "
                                            r"expected sha256 440fcabf73cc546f"):
        download_dataset("mnist", tmp_path / "data", mirrors=[mnist_server.url("corrupt")])
    assert leftovers(tmp_path / "data" / "mnist") == []


def test_load_dataset_downloads_when_asked(mnist_server, tmp_path, monkeypatch, isolated):
    local = partial(download_dataset, mirrors=[mnist_server.url("good")])
    monkeypatch.setattr(load_module, "download_dataset", local)
    dataset = load_dataset("mnist", download=True)
    assert dataset.source == str(isolated.checkout_data / "mnist")
    assert (len(dataset.y_train), len(dataset.y_test)) == (60000, 10000)
    # The download folder is writable, so the decode cache sits beside the files.
    assert leftovers(isolated.checkout_data / "mnist") == sorted([
        *MNIST_FILES,
        "t10k-images-idx3-ubyte.npy", "t10k-images-idx3-ubyte.npy.json",
        "train-images-idx3-ubyte.npy", "train-images-idx3-ubyte.npy.json",
    ])
