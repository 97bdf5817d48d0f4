"""Checksummed downloads that never leave a half-written file behind.

A file is streamed to a temporary file in the target folder (`nnviz.files.atomic`) while its
sha256 is computed; only a complete file with the right checksum is renamed into place
(``os.replace`` is atomic on one file system). The temporary file is deleted on every failure,
Ctrl+C included, and one left by a killed download is swept by the next one. Mirrors are tried
in order and every failure is listed if all of them fail.

Progress is a plain callable ``progress(done_bytes, total_bytes_or_None)``; the CLI wraps it in a
tqdm bar, the GUI in a progress bar.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from nnviz.files.atomic import atomic_write

from . import paths
from .errors import DownloadError
from .fileio import sha256_file
from .registry import known_dataset

Progress = Callable[[int, "int | None"], None]
CHUNK_SIZE = 1 << 16
USER_AGENT = "nnviz (dataset downloader; python urllib)"


class _MirrorFailure(Exception):
    """One mirror did not deliver the right bytes; the next one is tried."""


def download_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    mirrors: Sequence[str] | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the files of a known dataset into ``<download_dir>/<name>/``.

    Files already present with the right checksum are kept.

    Parameters
    ----------
    name : str
        A known dataset, e.g. ``"mnist"``.
    data_dir : path-like, optional
        Base folder; by default `paths.download_dir` decides.
    mirrors : sequence of str, optional
        Base URLs to try in order instead of the registry's (tests use a local server).
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` over the whole dataset; ``total`` is the sum of
        the registry's file sizes. Goes back when a mirror fails and the next one starts over.
    timeout : float
        Seconds to wait for a connection or for the next bytes.

    Returns
    -------
    Path
        The folder holding the four files.

    Raises
    ------
    DownloadError
        If a file could not be fetched with the right checksum from any mirror, or written.
    """
    dataset = known_dataset(name)
    folder = paths.download_dir(data_dir) / dataset.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"{folder}: cannot create the download folder: {exc}") from None
    total = sum(f.size for f in dataset.files)
    done = 0
    for file in dataset.files:
        dest = folder / file.name
        if not (dest.is_file() and sha256_file(dest) == file.sha256):
            urls = [base.rstrip("/") + "/" + file.name for base in (mirrors or dataset.mirrors)]

            def file_progress(file_done: int, _file_total: int | None, offset: int = done) -> None:
                if progress:  # always true: file_progress is passed only then
                    progress(offset + file_done, total)  # one bar over the whole dataset

            download_file(urls, dest, sha256=file.sha256, timeout=timeout,
                          progress=file_progress if progress else None)
        done += file.size
        if progress:
            progress(done, total)
    return folder


def download_file(
    urls: Sequence[str],
    dest: str | os.PathLike[str],
    *,
    sha256: str,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download one file from the first mirror that serves it with the right checksum.

    Parameters
    ----------
    urls : sequence of str
        Full URLs of the same file, tried in order.
    dest : path-like
        Where the file ends up; its folder must exist.
    sha256 : str
        Expected hex digest of the file.
    progress : callable, optional
        ``progress(done_bytes, total_bytes_or_None)`` after each chunk; ``total`` is the
        server's Content-Length.
    timeout : float
        Seconds to wait for a connection or for the next bytes.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    DownloadError
        Listing each mirror's failure (HTTP status, network error, truncation, checksum).
    """
    dest = Path(dest)
    failures = []
    for url in urls:
        try:
            with atomic_write(dest) as out:  # a failure below deletes the temporary file
                _fetch(url, out, dest, sha256, progress, timeout)
        except _MirrorFailure as exc:
            failures.append(f"{url}: {exc}")
            continue
        except OSError as exc:  # making, syncing or renaming the temporary file
            raise DownloadError(f"{dest}: cannot write: {exc.strerror or exc}") from None
        return dest
    tried = "\n  ".join(failures) or "(no mirrors given)"
    raise DownloadError(f"could not download {dest.name} to {dest.parent}; tried:\n  {tried}")


def _fetch(url: str, out: IO[bytes], dest: Path, sha256: str, progress: Progress | None,
           timeout: float) -> None:
    """Stream ``url`` into ``out`` (the temporary file of ``dest``), check length and checksum."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done, digest = _stream(response, out, dest, total, progress)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        raise _MirrorFailure(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _MirrorFailure(f"cannot connect ({exc.reason})") from None
    except TimeoutError:
        raise _MirrorFailure(f"no data for {timeout:g} s (timed out)") from None
    except (http.client.HTTPException, OSError) as exc:  # resets, TLS errors mid-body, ...
        raise _MirrorFailure(f"connection failed ({type(exc).__name__}: {exc})") from None
    if total is not None and done != total:
        raise _MirrorFailure(f"connection closed after {done} of {total} bytes")
    if digest != sha256:
        raise _MirrorFailure(
            f"checksum mismatch for {dest.name}: expected sha256 {sha256}, got {digest} "
            f"({done} bytes)"
        )


def _stream(response, out: IO[bytes], dest: Path, total: int | None,
            progress: Progress | None) -> tuple[int, str]:
    """Copy the response body into ``out``; return (bytes written, sha256 hex).

    A failed write is a `DownloadError` at once (not an `OSError`, which would pass for a
    network failure and send the next mirror to the same full disk).
    """
    digest, done = hashlib.sha256(), 0
    if progress:
        progress(0, total)
    while chunk := response.read(CHUNK_SIZE):
        try:
            out.write(chunk)
        except OSError as exc:
            raise DownloadError(f"{dest}: cannot write: {exc.strerror or exc}") from None
        digest.update(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done, digest.hexdigest()
