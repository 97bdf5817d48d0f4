"""`load_dataset`: one entry point from a name or a path to a ready-to-train `Dataset`.

A source is read into uint8 images and int64 labels (`_Raw`), split, then normalised. Sources
with a test part of their own (IDX folders, NPZ, a train/test pair) keep it; a single file or
folder gives up ``test_fraction`` of its rows. The validation rows always come from train.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nnviz.files.regular import kind_of

from .cache import load_cached
from .csvfile import check_csv_labels, read_csv_table
from .dataset import Dataset, normalize
from .download import Progress, download_dataset
from .errors import DatasetError, DatasetNotFoundError
from .idx import read_idx_images, read_idx_labels
from .imagefolder import read_image_folder
from .npzfile import read_npz
from .paths import find_dataset_files, idx_files_in
from .registry import MNIST, KnownDataset, find_known
from .split import stratified_split

N_CLASSES = 10  # IDX, CSV and NPZ sources are MNIST-like: labels 0..9
_CSV_SUFFIXES = (".csv", ".csv.gz")


class _Raw(NamedTuple):
    """A source as read: uint8 images (N, rows, cols), int64 labels; x_test None if no test part."""

    name: str
    class_names: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    source: str


def load_dataset(
    source: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    val_fraction: float = 0.0,
    test_fraction: float = 0.2,
    seed: int = 0,
    download: bool = False,
    progress: Progress | None = None,
) -> Dataset:
    """Load a dataset by name or from a file or folder.

    Parameters
    ----------
    source : str or path-like
        A known name (``"mnist"``, ``"fashion-mnist"``; as a ``str`` a name wins over a folder of
        the same name, write ``./mnist`` or pass a ``Path`` for the folder), or a path to: a
        folder of the four IDX files; a CSV file (``label,pixel0..pixel783``); a folder holding
        ``*train*.csv`` and ``*test*.csv``; a Keras-style ``.npz``; a folder of class subfolders
        of images, optionally inside ``train/`` and ``test/``.
    data_dir : path-like, optional
        Looked in first for a known dataset, and where it is downloaded to.
    val_fraction : float
        Share of the training rows held out as validation, stratified, in [0, 1).
    test_fraction : float
        Share held out as test when the source has no test part of its own, in [0, 1).
    seed : int
        Makes both splits deterministic.
    download : bool
        Download a known dataset that is not found.
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` during a download.

    Returns
    -------
    Dataset
        float32 pixels in [0, 1] of shape (N, 784), int64 labels, read-only arrays.

    Raises
    ------
    DatasetError
        If the source is missing or malformed (`DatasetNotFoundError` for a known name that is
        not found, `DownloadError` if downloading fails).
    """
    raw = _read_source(source, data_dir, download, progress)
    x_train, y_train, x_test, y_test = raw.x_train, raw.y_train, raw.x_test, raw.y_test
    if len(y_train) == 0:
        raise DatasetError(f"{raw.source}: holds no training images (0 rows)")
    if x_test is None or y_test is None:  # both None, or neither
        keep, held = _split(raw.source, y_train, test_fraction, seed, "the test set")
        x_test, y_test = x_train[held], y_train[held]
        x_train, y_train = x_train[keep], y_train[keep]
    if len(y_test) == 0:  # every epoch is scored on the test set
        raise DatasetError(f"{raw.source}: holds no test images (0 rows)")
    keep, held = _split(raw.source, y_train, val_fraction, seed, "the validation set")
    return Dataset(
        name=raw.name,
        class_names=raw.class_names,
        x_train=normalize(x_train[keep]),
        y_train=y_train[keep],
        x_val=normalize(x_train[held]),
        y_val=y_train[held],
        x_test=normalize(x_test),
        y_test=y_test.astype(np.int64),
        image_shape=(int(x_train.shape[1]), int(x_train.shape[2])),
        source=raw.source,
    )


def _split(source: str, labels: np.ndarray, fraction: float, seed: int,
           part: str) -> tuple[np.ndarray, np.ndarray]:
    """`stratified_split`, its refusal said with the source and the part being held out."""
    try:
        return stratified_split(labels, fraction, seed)
    except DatasetError as exc:
        raise DatasetError(f"{source}: cannot hold out {part}: {exc}") from None


def _read_source(
    source: str | os.PathLike[str], data_dir, download: bool, progress: Progress | None
) -> _Raw:
    """Dispatch on what ``source`` is: a known name, a file, or a folder."""
    known = find_known(source) if isinstance(source, str) else None
    if known is not None:
        return _read_known(known, data_dir, download, progress)
    if not str(source):  # Path("") is the current folder: never meant
        raise DatasetError("the dataset is an empty name; give a known name or a path")
    path = Path(source).expanduser()
    if path.is_file():
        return _read_file(path)
    if path.is_dir():
        return _read_folder(path)
    if path.exists():  # a FIFO, socket or device: opening it could block for ever
        raise DatasetError(f"{path}: is {kind_of(path.stat().st_mode)}, not a dataset file or "
                           "folder; not read")
    raise DatasetError(
        f"{source}: neither a known dataset (mnist, fashion-mnist) nor an existing file or folder"
    )


def _read_known(
    known: KnownDataset, data_dir, download: bool, progress: Progress | None
) -> _Raw:
    """Find (or download) a known dataset and read its IDX files."""
    try:
        files = find_dataset_files(known, data_dir)
    except DatasetNotFoundError:
        if not download:
            raise
        folder = download_dataset(known.name, data_dir, progress=progress)
        files, _ = idx_files_in(folder, {f.role: f.name for f in known.files})
    return _read_idx_files(files, known.name, known.class_names)


def _read_file(path: Path) -> _Raw:
    """Read a single CSV or NPZ file."""
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        x, y = _read_csv_cached(path)
        return _Raw(_stem(path), _digits(), x, y, None, None, str(path))
    if name.endswith(".npz"):
        arrays = read_npz(path, N_CLASSES)
        return _Raw(path.stem, _digits(), arrays["x_train"], arrays["y_train"],
                    arrays["x_test"], arrays["y_test"], str(path))
    raise DatasetError(
        f"{path}: unsupported file type; expected a .csv (label,pixel0..pixel783) or a .npz "
        "(x_train, y_train, x_test, y_test), or a folder"
    )


def _read_folder(folder: Path) -> _Raw:
    """Recognise the layout of a folder: IDX files, a CSV pair, or images per class."""
    known = find_known(folder.name)
    names = {f.role: f.name for f in (known or MNIST).files}
    files, missing = idx_files_in(folder, names)
    if files and missing:
        raise DatasetError(f"{folder}: has IDX files but lacks {', '.join(missing)}")
    if files:
        return _read_idx_files(files, folder.name, known.class_names if known else _digits())
    csv_pair = _csv_pair(folder)
    if csv_pair:
        (x_train, y_train), (x_test, y_test) = map(_read_csv_cached, csv_pair)
        return _Raw(folder.name, _digits(), x_train, y_train, x_test, y_test, str(folder))
    # Links count: one that loops or is broken is then named by the image-folder reader.
    if any((p.is_dir() or p.is_symlink()) and not p.name.startswith(".")
           for p in folder.iterdir()):
        return _read_image_folders(folder)
    raise DatasetError(
        f"{folder}: no dataset here; expected the four IDX files ({', '.join(names.values())}), "
        "a *train*.csv + *test*.csv pair, or one subfolder of images per class"
    )


def _read_idx_files(files: dict[str, Path], name: str, class_names: tuple[str, ...]) -> _Raw:
    """Read the four IDX files (images through the decode cache) and check they pair up."""
    parts = []
    for part in ("train", "test"):
        images_path, labels_path = files[f"{part}_images"], files[f"{part}_labels"]
        images = load_cached(images_path, read_idx_images)
        labels = read_idx_labels(labels_path, len(class_names))
        if len(images) != len(labels):
            raise DatasetError(
                f"{images_path} holds {len(images)} images but {labels_path} holds "
                f"{len(labels)} labels"
            )
        parts += [images, labels]
    source = str(files["train_images"].parent)
    x_train, y_train, x_test, y_test = parts
    return _Raw(name, class_names, x_train, y_train, x_test, y_test, source)


def _read_csv_cached(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV through the decode cache; return uint8 (N, 28, 28) images, int64 labels."""
    table = load_cached(path, partial(read_csv_table, n_classes=N_CLASSES))
    labels = table[:, 0].astype(np.int64)
    check_csv_labels(path, labels, N_CLASSES)  # a cache hit skipped the parser's check
    return table[:, 1:].reshape(-1, 28, 28), labels


def _csv_pair(folder: Path) -> tuple[Path, Path] | None:
    """Return the (train, test) CSVs of a folder like Kaggle's mnist_train.csv + mnist_test.csv."""
    csvs = [p for p in folder.iterdir() if p.name.lower().endswith(_CSV_SUFFIXES)]
    train = [p for p in csvs if "train" in p.name.lower()]
    test = [p for p in csvs if "test" in p.name.lower()]
    if len(train) == 1 and len(test) == 1 and train != test:
        return train[0], test[0]
    return None


def _read_image_folders(folder: Path) -> _Raw:
    """Read class subfolders, or ``train/`` and ``test/`` each holding class subfolders."""
    train_dir, test_dir = folder / "train", folder / "test"
    if train_dir.is_dir() and test_dir.is_dir():
        x_train, y_train, names = read_image_folder(train_dir)
        x_test, y_test, _ = read_image_folder(test_dir, class_names=names)
        return _Raw(folder.name, names, x_train, y_train, x_test, y_test, str(folder))
    x, y, names = read_image_folder(folder)
    return _Raw(folder.name, names, x, y, None, None, str(folder))


def _digits() -> tuple[str, ...]:
    return tuple(str(d) for d in range(N_CLASSES))


def _stem(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".csv")
