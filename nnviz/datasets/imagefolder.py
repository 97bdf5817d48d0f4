"""A folder of images with one subfolder per class, so people can bring their own digits.

::

    my-digits/0/a.png  my-digits/0/b.jpg  ...  my-digits/9/z.bmp

Class names are the subfolder names, sorted (numerically when they all are numbers). Any size
or colour is turned into an MNIST-like 28×28 greyscale image: dark ink on a light page is
inverted (MNIST digits are light on black), the image is padded to a square and resized.
Decoding needs Pillow, imported only when a folder of images is actually read.
"""

from __future__ import annotations

import errno
import os
import stat
import warnings
from pathlib import Path

import numpy as np

from nnviz.files.regular import kind_of, open_regular

from .errors import DatasetError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".gif", ".tif", ".tiff")
# Files operating systems drop into folders; never the user's data.
_IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
IMAGE_SIZE = 28


def read_image_folder(
    root: str | os.PathLike[str], class_names: tuple[str, ...] | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Read every image under ``root/<class>/``.

    Parameters
    ----------
    root : path-like
        A folder of class subfolders.
    class_names : tuple of str, optional
        Use these classes, in this order (e.g. those of the training folder when reading the test
        folder); each subfolder must be one of them. By default, the sorted subfolder names.

    Returns
    -------
    images : np.ndarray
        uint8, shape (N, 28, 28), light strokes on black.
    labels : np.ndarray
        int64, shape (N,), indices into ``class_names``.
    class_names : tuple of str
        The classes, in label order.
    """
    root = Path(root)
    folders = class_folders(root)
    names = class_names if class_names is not None else tuple(folders)
    images: list[np.ndarray] = []
    labels: list[int] = []
    for name, folder in folders.items():
        if name not in names:
            raise DatasetError(f"{folder}: class '{name}' is not one of {', '.join(names)}")
        for file in _image_files(folder):
            images.append(decode_image(file))
            labels.append(names.index(name))
    return np.stack(images), np.array(labels, dtype=np.int64), names


def class_folders(root: Path) -> dict[str, Path]:
    """Return the class subfolders of ``root`` by name, in label order."""
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    entries = [p for p in _entries(root) if not p.name.startswith(".")]
    for entry in entries:
        _check_link(entry)
    folders = {p.name: p for p in entries if p.is_dir()}
    if not folders:
        raise DatasetError(
            f"{root}: no class subfolders (expected one folder per class, e.g. 0/ 1/ ... 9/, "
            "each holding that class's images)"
        )
    # ASCII digits only: "²".isdigit() is true, but int("²") fails.
    numeric = all(name.isascii() and name.isdigit() for name in folders)
    order = sorted(folders, key=(lambda n: (int(n), n)) if numeric else None)
    return {name: folders[name] for name in order}


def decode_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Decode one image file into an MNIST-like 28×28 array.

    Parameters
    ----------
    path : path-like
        A PNG, JPEG, BMP, PGM (or other format Pillow reads).

    Returns
    -------
    np.ndarray
        uint8, shape (28, 28); light strokes on a dark background.
    """
    path = Path(path)
    image_module = _pillow()
    try:
        with warnings.catch_warnings():
            # Past MAX_IMAGE_PIXELS Pillow only warns (past twice that it refuses): refuse both,
            # before the pixels are decoded into memory.
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            # open_regular: Pillow's own open() of a FIFO named *.png would block for ever.
            with open_regular(path) as stream, image_module.open(stream) as image:
                grey = _to_grey(image_module, image)
    except (image_module.DecompressionBombWarning, image_module.DecompressionBombError):
        raise DatasetError(f"{path}: image too large (over {image_module.MAX_IMAGE_PIXELS:,} "
                           "pixels); digits need far fewer") from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, ValueError, SyntaxError, ...
        raise DatasetError(f"{path}: cannot decode image ({exc})") from None
    pixels = np.asarray(grey, dtype=np.uint8)
    if _border_mean(pixels) > 127:
        pixels = 255 - pixels  # dark ink on a light page: MNIST is light on black
    return _fit(image_module, pixels)


def _image_files(folder: Path) -> list[Path]:
    """Return the images of one class folder, sorted; raise on anything that is not one."""
    files = []
    for entry in sorted(_entries(folder)):
        if entry.name.startswith(".") or entry.name.lower() in _IGNORED_NAMES:
            continue
        _check_link(entry)
        mode = entry.stat().st_mode
        if stat.S_ISDIR(mode):
            raise DatasetError(f"{entry}: unexpected folder inside class folder '{folder.name}'")
        if not stat.S_ISREG(mode):  # a FIFO would block the read for ever
            raise DatasetError(f"{entry}: is {kind_of(mode)}, not an image file; not read "
                               f"(remove it from class folder '{folder.name}')")
        if entry.suffix.lower() not in IMAGE_SUFFIXES:
            raise DatasetError(
                f"{entry}: not an image (expected one of {', '.join(IMAGE_SUFFIXES)})"
            )
        files.append(entry)
    if not files:
        raise DatasetError(f"{folder}: class folder holds no images")
    return files


def _check_link(entry: Path) -> None:
    """Refuse a symbolic link that cannot be followed (a loop, or a target that is gone):
    skipping it would silently drop a class or an image."""
    try:
        entry.stat()
    except OSError as exc:
        if not entry.is_symlink():
            raise DatasetError(f"{entry}: cannot read: {exc.strerror or exc}") from None
        if exc.errno == errno.ELOOP:
            raise DatasetError(f"{entry}: symbolic link loop ({_link_chain(entry)}); not read, "
                               "fix or remove the link") from None
        raise DatasetError(f"{entry}: symbolic link to {os.readlink(entry)!r}, which "
                           f"cannot be read ({exc.strerror or exc}); fix or remove the link"
                           ) from None


def _link_chain(entry: Path, longest: int = 8) -> str:
    """``8 → 8b → 8``: the links followed from ``entry`` until one repeats."""
    chain, seen, path = [entry.name], {entry.absolute()}, entry
    while path.is_symlink() and len(chain) <= longest:
        target = os.readlink(path)
        chain.append(target)
        path = (path.parent / target).absolute()
        if path in seen:
            break
        seen.add(path)
    return " → ".join(chain)


def _entries(folder: Path) -> list[Path]:
    """The entries of ``folder``; `DatasetError` if it cannot be listed (permissions, …)."""
    try:
        return list(folder.iterdir())
    except OSError as exc:
        raise DatasetError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from None


def _to_grey(image_module, image):
    """Flatten transparency onto white (ink is usually drawn on a transparent page), then grey."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        page = image_module.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = image_module.alpha_composite(page, rgba)
    return image.convert("L")


def _border_mean(pixels: np.ndarray) -> float:
    """Mean of the outermost rows and columns: the page colour."""
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return float(edges.mean())


def _fit(image_module, pixels: np.ndarray) -> np.ndarray:
    """Pad to a square with black (keeps the aspect ratio), then resize to 28×28."""
    rows, cols = pixels.shape
    if (rows, cols) == (IMAGE_SIZE, IMAGE_SIZE):
        return pixels.copy()
    side = max(rows, cols)
    square = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - rows) // 2, (side - cols) // 2
    square[top : top + rows, left : left + cols] = pixels
    resized = image_module.fromarray(square).resize(
        (IMAGE_SIZE, IMAGE_SIZE), image_module.Resampling.BILINEAR
    )
    return np.asarray(resized, dtype=np.uint8).copy()


def _pillow():
    """Import Pillow's Image module on first use, with an actionable message if it is missing."""
    try:
        from PIL import Image
    except ImportError:
        raise DatasetError(
            "reading a folder of images needs Pillow: pip install Pillow"
        ) from None
    return Image
