"""Reading a whole file, gunzipped when it is gzip, with errors that name the file."""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

from .errors import DatasetError

GZIP_MAGIC = b"\x1f\x8b"


def read_payload(path: str | os.PathLike[str]) -> bytes:
    """Return the content of a file, decompressed if it is gzip.

    Gzip is recognised by its magic bytes, not by the ``.gz`` name, so a decompressed file that
    kept its ``.gz`` name (as some browsers leave it) still loads.

    Parameters
    ----------
    path : path-like
        The file to read.

    Returns
    -------
    bytes
        The (decompressed) content; never empty.

    Raises
    ------
    DatasetError
        If the file is missing, unreadable, empty, or a truncated or corrupt gzip.
    """
    path = Path(path)
    raw = read_raw(path)
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        payload = gzip.decompress(raw)
    except EOFError:
        raise DatasetError(
            f"{path}: gzip data is truncated ({len(raw)} compressed bytes end before the end "
            "of the stream); the download was probably interrupted"
        ) from None
    except (OSError, zlib.error) as exc:
        raise DatasetError(f"{path}: corrupt gzip data ({exc})") from None
    if not payload:
        raise DatasetError(f"{path}: gzip file decompresses to nothing (0 bytes)")
    return payload


def read_raw(path: Path) -> bytes:
    """Return the stored bytes of ``path``; `DatasetError` if missing, unreadable or empty."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a folder, expected a file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not raw:
        raise DatasetError(f"{path}: file is empty (0 bytes)")
    return raw


def sha256_file(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file's stored bytes (raises `OSError` if unreadable)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()
