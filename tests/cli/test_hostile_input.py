"""Each class of hostile input that used to crash the CLI: one line, exit code 2, no traceback.

Before, each of these ended in a traceback: ``MemoryError`` (headers declaring terabytes),
``TypeError`` (a version "2" or null, a one-row CSV's empty test set formatted as a number),
or a silent fallback (``--data-dir`` that does not exist).
"""

import io
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fifos import own_fifo, release

from nnviz.cli.main import main
from nnviz.engine.checkpoint import save_model
from nnviz.engine.network import MLP

HEADER = "label," + ",".join(f"pixel{i}" for i in range(784))


def csv_file(path, labels):
    rows = [HEADER] + [",".join([str(label)] + ["0"] * 784) for label in labels]
    path.write_text("\n".join(rows) + "\n")
    return path


def npy_declaring(shape, descr, body=b""):
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return stream.getvalue() + body


def npy(array):
    stream = io.BytesIO()
    np.save(stream, array)
    return stream.getvalue()


def zip_of(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def huge_member_npz(path):
    """x_train.npy declares 10¹² images in a few hundred bytes."""
    members = {"x_train.npy": npy_declaring((10**12, 28, 28), "|u1", bytes(100)),
               "y_train.npy": npy(np.arange(20) % 10),
               "x_test.npy": npy(np.zeros((10, 28, 28), np.uint8)),
               "y_test.npy": npy(np.arange(10))}
    return zip_of(path, members)


def idx_folder(path, images_header):
    path.mkdir()
    labels = struct.pack(">II", 0x801, 20) + bytes(np.arange(20, dtype=np.uint8) % 10)
    for part in ("train", "t10k"):
        (path / f"{part}-images-idx3-ubyte").write_bytes(images_header)
        (path / f"{part}-labels-idx1-ubyte").write_bytes(labels)
    return path


def model(path, **fields):
    """A valid model file of 784-8-10 with metadata ``fields`` replaced."""
    save_model(path, MLP((784, 8, 10), seed=0))
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    meta = json.loads(str(np.load(io.BytesIO(members["meta.npy"]))))
    meta.update(fields)
    members["meta.npy"] = npy(np.array(json.dumps(meta)))
    return zip_of(path, members)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnviz: error: "), err
    return err[0]


TRAIN = ["train", "--epochs", "1", "--layers", "4", "--quiet", "--dataset"]


@pytest.mark.parametrize("make, message", [
    (lambda p: csv_file(p / "one.csv", [3]),
     "one.csv: cannot hold out the test set: 20% of 1 row rounds to no rows; at least 3 rows "
     "are needed"),
    (lambda p: csv_file(p / "ten.csv", range(10)),
     "ten.csv: cannot hold out the test set: class 0 has only 1 row, and holding out 20% would "
     "leave none of it; each class needs at least 2 rows"),
    (lambda p: huge_member_npz(p / "huge.npz"),
     "huge.npz: array 'x_train' declares 1000000000000×28×28 uint8 (784,000,000,000,000 bytes) "
     "but holds only 100 bytes"),
    (lambda p: idx_folder(p / "mnist", struct.pack(">IIII", 0x803, *[0xFFFFFFFF] * 3)),
     f"train-images-idx3-ubyte: header says 4294967295 images of 4294967295×4294967295, "
     f"{0xFFFFFFFF ** 3:,} bytes, more than the 2,147,483,648 a dataset file may hold"),
])
def test_hostile_datasets(tmp_path, capsys, make, message):
    assert main([*TRAIN, str(make(tmp_path))]) == 2
    line = one_error_line(capsys)
    assert line.endswith(message), line


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_a_data_dir_without_the_dataset_is_an_error_naming_it(tmp_path, capsys, monkeypatch, kind):
    from nnviz.datasets import write_idx
    found = tmp_path / "env" / "mnist"  # MNIST where NNVIZ_DATA_DIR points: no stand-in for DIR
    found.mkdir(parents=True)
    for part, n in (("train", 20), ("t10k", 10)):
        write_idx(found / f"{part}-images-idx3-ubyte.gz", np.zeros((n, 28, 28), np.uint8))
        write_idx(found / f"{part}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    assert main(["train", "--epochs", "1", "--layers", "4", "--quiet"]) == 0  # found there
    capsys.readouterr()
    data_dir = tmp_path / "chosen"
    if kind == "empty":
        data_dir.mkdir()
    assert main(["train", "--data-dir", str(data_dir), "--epochs", "1", "--quiet"]) == 2
    missing = f"; {data_dir} does not exist" if kind == "missing" else ""
    assert one_error_line(capsys) == (
        f"nnviz: error: MNIST not found; looked in: {data_dir} (directly and in mnist/, "
        f"MNIST/raw/){missing}; run `nnviz download mnist --data-dir {data_dir}`")


@pytest.mark.parametrize("fields, message", [
    ({"version": "2"}, 'model format version is "2", expected an integer'),
    ({"version": None}, "model format version is null, expected an integer"),
    ({"version": True}, "model format version is true, expected an integer"),
    ({"architecture": {"sizes": [784, 10**9, 10], "activations": ["relu"]}},
     "bad architecture (sizes [784, 1000000000, 10] make 795,000,000,010 parameters, more than "
     "the 250,000,000 a model may have)"),
    ({"history": "abc"}, "'history' is a string, expected a list"),
    ({"extra": {"dataset": 5}}, "the dataset it names (5) is not a dataset name or path; give "
                                "--dataset NAME|PATH"),
])
def test_hostile_models(tmp_path, capsys, fields, message):
    path = model(tmp_path / "m.npz", **fields)
    assert main(["evaluate", str(path)]) == 2
    line = one_error_line(capsys)
    assert line == f"nnviz: error: {path}: {message}", line


def test_a_weight_header_declaring_terabytes(tmp_path, capsys):
    path = model(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["W1.npy"] = npy_declaring((10**6, 10**6), "<f4", bytes(64))
    zip_of(path, members)
    assert main(["evaluate", str(path)]) == 2
    assert one_error_line(capsys) == (f"nnviz: error: {path}: W1 has shape (1000000, 1000000), "
                                      "expected (8, 784)")


def test_a_network_too_large_to_build_is_refused_before_allocating(tmp_path, capsys):
    data = csv_file(tmp_path / "d.csv", np.arange(50) % 10)
    assert main(["train", "--dataset", str(data), "--layers", "100000000", "--quiet"]) == 2
    assert one_error_line(capsys).endswith(
        "a 784-100000000-10 network has 2 layers and 79,500,000,010 parameters; nnviz builds at "
        "most 256 layers and 250,000,000 parameters (and could not save or load more)")


@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "HUGE"], "array 'x_train' declares 1000000000000×28×28 uint8"),
    (["evaluate", "MODEL"], 'model format version is "2", expected an integer'),
])
def test_a_real_process_prints_one_line_and_no_traceback(tmp_path, argv, message):
    files = {"HUGE": str(huge_member_npz(tmp_path / "huge.npz")),
             "MODEL": str(model(tmp_path / "m.npz", version="2"))}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "nnviz", *[files.get(a, a) for a in argv]],
                         capture_output=True, text=True, cwd=root, timeout=120,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin",
                              "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("nnviz: error: ") and message in out.stderr


# -- issue 16: nothing blocks for ever ------------------------------------------------------

def image_folder(root, labels="01"):
    from PIL import Image
    for label in labels:
        (root / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((28, 28), 40 * i, np.uint8)).save(root / label / f"{i}.png")
    return root


fifo_only = pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")


@fifo_only
def test_a_fifo_in_an_image_folder_is_refused_by_name(tmp_path, capsys):
    folder = image_folder(tmp_path / "digits")
    fifo = own_fifo(folder / "1" / "pipe.png")
    assert main([*TRAIN, str(folder)]) == 2
    assert one_error_line(capsys) == (f"nnviz: error: {fifo}: is a FIFO (named pipe), not an "
                                      "image file; not read (remove it from class folder '1')")
    release(fifo)


@fifo_only
@pytest.mark.parametrize("argv", [["evaluate", "FIFO"], [*TRAIN, "FIFO"]])
def test_a_fifo_as_a_model_or_a_dataset_is_refused_unread(tmp_path, capsys, argv):
    fifo = own_fifo(tmp_path / "mfifo.npz")
    assert main([str(fifo) if a == "FIFO" else a for a in argv]) == 2
    kind = "a regular file" if argv[0] == "evaluate" else "a dataset file or folder"
    assert one_error_line(capsys) == (f"nnviz: error: {fifo}: is a FIFO (named pipe), not "
                                      f"{kind}; not read")
    release(fifo)


@fifo_only
def test_a_fifo_in_an_idx_or_csv_pair_is_refused_by_name(tmp_path, capsys):
    folder = tmp_path / "pair"
    folder.mkdir()
    csv_file(folder / "mnist_test.csv", range(10))
    fifo = own_fifo(folder / "mnist_train.csv")
    assert main([*TRAIN, str(folder)]) == 2
    assert one_error_line(capsys) == (f"nnviz: error: {fifo}: is a FIFO (named pipe), not a "
                                      "regular file; not read")
    release(fifo)


def test_a_class_folder_that_is_a_symlink_loop_is_named(tmp_path, capsys):
    folder = image_folder(tmp_path / "digits")
    (folder / "8").symlink_to("8b")
    (folder / "8b").symlink_to("8")
    assert main([*TRAIN, str(folder)]) == 2  # before: trained on 0 and 1 without a word
    assert one_error_line(capsys) == (f"nnviz: error: {folder / '8'}: symbolic link loop "
                                      "(8 → 8b → 8); not read, fix or remove the link")


def test_a_broken_class_folder_link_is_named(tmp_path, capsys):
    folder = image_folder(tmp_path / "digits")
    (folder / "7").symlink_to(tmp_path / "gone")
    assert main([*TRAIN, str(folder)]) == 2
    assert one_error_line(capsys) == (f"nnviz: error: {folder / '7'}: symbolic link to "
                                      f"{str(tmp_path / 'gone')!r}, which cannot be read (No such "
                                      "file or directory); fix or remove the link")
