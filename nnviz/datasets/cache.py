"""A cache of decoded arrays, so a dataset decodes once and then loads in a blink.

Decoding MNIST's gzip takes about half a second and parsing a CSV several; the decoded array is
saved as ``<file>.npy`` (``.gz`` dropped: ``train-images-idx3-ubyte.npy``) with a sidecar
``<file>.npy.json`` holding the sha256 of the source, so a changed source invalidates it.

The cache goes beside the source when nnviz may write there, otherwise in the user cache folder
under a key of the source folder's path. A folder counts as read-only when its permission bits
say so (root ignores the bits but we should not), or it is a system folder. A ``.npy`` without our
sidecar belongs to the user and is never overwritten. The cache never makes a load fail: any
problem reading it means decoding again, any problem writing it means not caching. Writes go
through `nnviz.files.atomic`, which also sweeps the temporary files of a killed earlier write.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nnviz.files.atomic import atomic_write

from . import paths
from .fileio import sha256_file

CACHE_FORMAT = "nnviz-decode-cache-1"
_NEVER_WRITE = (Path("/usr"),)


def load_cached(source: Path, decode: Callable[[Path], np.ndarray]) -> np.ndarray:
    """Return ``decode(source)``, from the cache when it is valid for the current source bytes.

    Parameters
    ----------
    source : Path
        The file being decoded.
    decode : callable
        ``decode(source) -> np.ndarray``; must raise for a bad file (its errors pass through).

    Returns
    -------
    np.ndarray
        The decoded array (fresh, writable).
    """
    source = Path(source)
    try:
        digest = sha256_file(source)
    except OSError:
        return decode(source)  # let the reader name the problem with the file
    folders = cache_folders(source)
    for folder in folders:
        array = _read(folder / cache_name(source), digest)
        if array is not None:
            return array
    array = decode(source)
    for folder in folders:
        if _may_write(folder) and _write(folder / cache_name(source), array, source, digest):
            break
    return array


def cache_name(source: Path) -> str:
    """``train-images-idx3-ubyte.gz`` -> ``train-images-idx3-ubyte.npy``."""
    return source.name.removesuffix(".gz") + ".npy"


def cache_folders(source: Path) -> list[Path]:
    """Return where the cache of ``source`` may live: beside it, then in the user cache."""
    parent = source.resolve().parent
    key = hashlib.sha1(str(parent).encode()).hexdigest()[:16]
    return [parent, paths.user_cache_dir() / "decoded" / key]


def _read(npy: Path, digest: str) -> np.ndarray | None:
    """Return the cached array if its sidecar matches ``digest``; None on any problem.

    The ``.npy`` is mapped, not read, until its header agrees with the sidecar: a damaged
    header declaring a huge shape costs nothing (mapping past the file's end is refused).
    """
    try:
        meta = json.loads(npy.with_name(npy.name + ".json").read_text(encoding="utf-8"))
        if meta.get("format") != CACHE_FORMAT or meta.get("sha256") != digest:
            return None
        mapped = np.load(npy, mmap_mode="r", allow_pickle=False)
        if mapped.dtype.str != meta["dtype"] or list(mapped.shape) != meta["shape"]:
            return None
        return np.array(mapped)  # a fresh, writable copy; the map closes with ``mapped``
    except (OSError, ValueError, KeyError, TypeError, EOFError, AttributeError):
        return None


def _write(npy: Path, array: np.ndarray, source: Path, digest: str) -> bool:
    """Atomically write the array and then its sidecar; return whether both were written."""
    sidecar = npy.with_name(npy.name + ".json")
    if npy.exists() and not sidecar.exists():
        return False  # someone else's .npy: leave it alone
    meta = {"format": CACHE_FORMAT, "source": str(source), "sha256": digest,
            "dtype": array.dtype.str, "shape": list(array.shape)}
    try:
        npy.parent.mkdir(parents=True, exist_ok=True)
        # Drop the old sidecar first: a crash mid-write must not pair it with the new array.
        sidecar.unlink(missing_ok=True)
        # No fsync: a cache entry lost to a power cut is only decoded again.
        with atomic_write(npy, fsync=False) as stream:
            np.save(stream, array, allow_pickle=False)
        with atomic_write(sidecar, "w", fsync=False) as stream:
            stream.write(json.dumps(meta))
        return True
    except OSError:
        return False


def _may_write(folder: Path) -> bool:
    """Whether nnviz may put files in ``folder`` (created if missing and its parent allows)."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not probe.is_dir():
        return False
    if any(probe.is_relative_to(d) for d in (*_NEVER_WRITE, *paths.SYSTEM_DIRS)):
        return False
    try:
        marked_writable = probe.stat().st_mode & 0o222
    except OSError:
        return False
    return bool(marked_writable) and os.access(probe, os.W_OK)
