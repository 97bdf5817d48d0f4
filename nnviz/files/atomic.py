"""Atomic file writes, and the sweeping of the temporary files a killed writer left behind.

Every file nnviz saves (models, the decode cache, downloads, histories) is written to a temporary
file beside its target and renamed over it (``os.replace`` is atomic on one file system), so a
crash leaves the old file or the new one, never half of one. A process killed mid-write (SIGKILL,
power loss) cannot delete its temporary file, so they all have one recognisable name::

    .<target name>.<pid>.<random>.nnviz-tmp

and `sweep_stale` deletes the ones whose writer is gone (or that are older than any save takes)
whenever a file is saved beside them or a folder of models is listed. Pure standard library: the
core and the datasets package both use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TEMP_SUFFIX = ".nnviz-tmp"
# A temporary file this old is stale even if a process with its pid runs (pids are reused);
# no save of ours takes a tenth of this.
STALE_AFTER_S = 15 * 60
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.(?P<pid>\d+)\.[^.]+" + re.escape(TEMP_SUFFIX))


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", *,
                 fsync: bool = True) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on a clean exit rename it over ``path``.

    On any exception (Ctrl-C included) the temporary file is deleted and ``path`` is untouched.
    Stale temporary files of earlier, killed writers are swept from the folder first.

    Parameters
    ----------
    path : path-like
        The file to (re)place; its folder is created if missing.
    mode : str
        ``"wb"`` or ``"w"`` (text is UTF-8).
    fsync : bool
        Flush the data to the disk before the rename, so a power loss cannot leave the new
        name pointing at an empty file.

    Yields
    ------
    file object
        Open for writing; closed before the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX,
                               dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as stream:
            yield stream
            stream.flush()
            if fsync:
                os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def is_temp_file(name: str) -> bool:
    """Whether ``name`` is one of our temporary files (see the module docstring)."""
    return _TEMP_NAME.fullmatch(name) is not None


def sweep_stale(folder: str | os.PathLike[str], *, max_age_s: float = STALE_AFTER_S,
                now: float | None = None) -> list[Path]:
    """Delete our temporary files in ``folder`` whose writer is gone or that are too old.

    A temporary file of a process that still runs, younger than ``max_age_s``, is a save in
    progress and is kept. Never raises: a file that cannot be examined or deleted is left.

    Parameters
    ----------
    folder : path-like
        Only this folder (not its subfolders) is looked at; a missing one is fine.
    max_age_s : float
        Age (by modification time) past which a temporary file is stale whatever its pid.
    now : float, optional
        The current time as ``time.time()``; for tests.

    Returns
    -------
    list of Path
        The files deleted.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if age < max_age_s and _pid_alive(int(match["pid"])):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs (on Windows: unknown, so assumed; age decides)."""
    if pid == os.getpid() or os.name == "nt":  # os.kill(pid, 0) would terminate it on Windows
        return True
    if pid <= 0:  # kill(0, ...) means our own process group: no writer has this pid
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):  # gone, or not a pid this system can have
        return False
    except OSError:  # PermissionError: another user's process has this pid
        return True
    return True
