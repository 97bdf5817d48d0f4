"""Reading a whole file, gunzipped when it is gzip, with errors that name the file.

Nothing is read without a bound: a file (or what its gzip decompresses to) larger than the
caller's limit, by default `MAX_PAYLOAD_BYTES`, is refused before it fills the memory, so a
small gzip bomb or a header declaring terabytes ends in one `DatasetError`.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import zlib
from pathlib import Path

from nnviz.files.regular import NotRegularFile, open_regular

from .errors import DatasetError

GZIP_MAGIC = b"\x1f\x8b"
# The most a dataset file may hold, decompressed: 45 times MNIST's training images (47 MB) and
# 3 times EMNIST's largest split, yet a fraction of a machine's memory.
MAX_PAYLOAD_BYTES = 2 << 30
_CHUNK = 1 << 20


class PayloadTooLarge(DatasetError):
    """A file holds (or decompresses to) more than the limit it was read with."""


def read_payload(path: str | os.PathLike[str], limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Return the content of a file, decompressed if it is gzip.

    Gzip is recognised by its magic bytes, not by the ``.gz`` name, so a decompressed file that
    kept its ``.gz`` name (as some browsers leave it) still loads.

    Parameters
    ----------
    path : path-like
        The file to read.
    limit : int
        The most bytes the content may have; checked against the file size before reading and
        while decompressing, so no more than ``limit`` bytes are ever held.

    Returns
    -------
    bytes
        The (decompressed) content; never empty.

    Raises
    ------
    DatasetError
        If the file is missing, unreadable, empty, or a truncated or corrupt gzip;
        `PayloadTooLarge` if its content is longer than ``limit``.
    """
    path = Path(path)
    raw = read_raw(path, limit)
    if not raw.startswith(GZIP_MAGIC):
        return raw
    chunks, size = [], 0
    with _gzip_errors(path, len(raw)), gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"{path}: decompresses to more than {limit:,} bytes")
            chunks.append(chunk)
    if not size:
        raise DatasetError(f"{path}: gzip file decompresses to nothing (0 bytes)")
    return b"".join(chunks)


def read_payload_head(path: str | os.PathLike[str], size: int) -> bytes:
    """Return the first ``size`` bytes of the (decompressed) content, reading no further.

    For headers that must be checked before the rest of a file is read. Raises `DatasetError`
    as `read_payload` does.
    """
    path = Path(path)
    head = read_raw(path, limit=None, size=size)
    if not head.startswith(GZIP_MAGIC):
        return head
    with _raw_errors(path), open_regular(path) as raw:
        compressed_size = os.fstat(raw.fileno()).st_size
        with _gzip_errors(path, compressed_size), gzip.GzipFile(fileobj=raw) as stream:
            return stream.read(size)


def read_raw(path: Path, limit: int | None = MAX_PAYLOAD_BYTES, size: int = -1) -> bytes:
    """Return the stored bytes of ``path`` (only the first ``size`` if given).

    Raises `DatasetError` if it is missing, unreadable, empty or not a regular file (a FIFO
    would block for ever), `PayloadTooLarge` if it is
    longer than ``limit`` (checked before reading).
    """
    with _raw_errors(path), open_regular(path) as stream:
        length = os.fstat(stream.fileno()).st_size
        if limit is not None and length > limit:
            raise PayloadTooLarge(f"{path}: {length:,} bytes, more than the {limit:,} a dataset "
                                  "file may hold")
        raw = stream.read(size)
    if not raw:
        raise DatasetError(f"{path}: file is empty (0 bytes)")
    return raw


@contextlib.contextmanager
def _raw_errors(path: Path):
    """Turn the ways opening or reading ``path`` fails into a `DatasetError` naming it."""
    try:
        yield
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a folder, expected a file") from None
    except NotRegularFile as exc:  # a FIFO would block the read for ever
        raise DatasetError(f"{path}: {exc.strerror}; not read") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _gzip_errors(path: Path, compressed_size: int):
    """Turn a truncated or corrupt gzip stream into a `DatasetError` naming the file."""
    try:
        yield
    except EOFError:
        raise DatasetError(
            f"{path}: gzip data is truncated ({compressed_size} compressed bytes end before the "
            "end of the stream); the download was probably interrupted"
        ) from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise DatasetError(f"{path}: corrupt gzip data ({exc})") from None


def sha256_file(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file's stored bytes (raises `OSError` if unreadable)."""
    digest = hashlib.sha256()
    with open_regular(path) as stream:
        while chunk := stream.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
