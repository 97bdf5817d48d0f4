"""Atomic file writes, and the sweeping of the temporary files a killed writer left behind.

Every file nnviz saves (models, the decode cache, downloads, histories, pictures) is written to a
temporary file beside its target and renamed over it (``os.replace`` is atomic on one file
system), so a crash leaves the old file or the new one, never half of one. What is not ours to
replace is never renamed over: a symlink keeps its link (the file it points to is replaced), a
character device or a FIFO (``/dev/null``, a named pipe, ``/dev/stdout``) is written *into*,
and a folder, a socket or a block device is an :class:`OutputError` naming the path. New files
get the mode ``0666 & ~umask`` as any program's would; a replaced file keeps its mode.

A process killed mid-write (SIGKILL, power loss) cannot delete its temporary file, so they all
have one recognisable name::

    .<target name>.<pid>.<random>.nnviz-tmp

and `sweep_stale` deletes the ones whose writer is gone (or that are older than any save takes)
whenever a file is saved beside them or a folder of models is listed; the older naming of
nnviz before 0.1 (``.<target name>.<8 random characters>.tmp``) is swept once it is that old.
Pure standard library: the core and the datasets package both use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TEMP_SUFFIX = ".nnviz-tmp"
# A temporary file this old is stale even if a process with its pid runs (pids are reused);
# no save of ours takes a tenth of this.
STALE_AFTER_S = 15 * 60
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.(?P<pid>\d+)\.[^.]+" + re.escape(TEMP_SUFFIX))
# tempfile.mkstemp's names, as nnviz used them before: no pid, so only their age tells.
_OLD_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")
# /dev/stdout, /dev/fd/1, /proc/self/fd/1: an open descriptor, whatever it leads to.
_DESCRIPTOR = re.compile(r"/dev/(stdout|stderr|fd/\d+)|/proc/(self|\d+)/fd/\d+")
_CREATE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
           | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class OutputError(OSError):
    """A file nnviz cannot write. ``str()`` names the user's path, what is wrong and what to do.

    Attributes
    ----------
    filename : str
        The path as the user gave it (never a temporary file's).
    strerror : str
        What is wrong, without the path (``"the disk is full"``).
    advice : str
        What to do, or ``""``.
    what : str
        What the path is for (``"--save"``, ``"the model"``), put before it, or ``""``.
    """

    def __init__(self, path, reason: str, code: int | None = None, advice: str = "",
                 what: str = ""):
        super().__init__(code, reason, str(path))
        self.advice, self.what = advice, what

    def __str__(self) -> str:
        lead = f"{self.what} {self.filename}" if self.what else f"{self.filename}"
        return f"{lead}: {self.strerror}" + (f"; {self.advice}" if self.advice else "")


def explain(exc: OSError, path, folder=None) -> OutputError:
    """``exc`` (raised writing ``path`` or its temporary file in ``folder``) said for a user."""
    if isinstance(exc, OutputError):
        return exc
    folder = Path(path).parent if folder is None else Path(folder)
    code = exc.errno
    reasons: dict[int | None, str] = {
        errno.ENOSPC: "the disk is full (no space left on the device)",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: f"no permission to write in {folder}",
        errno.EPERM: f"no permission to write in {folder}",
        errno.EROFS: f"{folder} is on a read-only file system",
        errno.ENOENT: f"files cannot be created in {folder}",
        errno.EISDIR: "that is a folder",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EEXIST: "a part of the path is a file, not a folder",  # from making the folders
    }
    reason = reasons.get(code, exc.strerror or str(exc) or type(exc).__name__)
    advice = ("free some space or choose another folder" if code in (errno.ENOSPC, errno.EDQUOT)
              else "give a file name" if code == errno.EISDIR else "choose another path")
    return OutputError(path, reason, code, advice)


def target_kind(path) -> str:
    """What writing ``path`` means: ``"new"`` (create it), ``"file"`` (replace it atomically),
    ``"stream"`` (write into it: a character device, a FIFO, an open descriptor), or what it
    is when it may not be written at all: ``"folder"``, ``"socket"``, ``"block device"``.
    Raises the `OSError` of a path that cannot be examined (a symlink loop, no permission)."""
    if os.name != "nt" and _DESCRIPTOR.fullmatch(os.path.abspath(path)):
        return "stream"
    try:
        st = os.stat(path)  # follows symlinks: the file a link points to is what we write
    except (FileNotFoundError, NotADirectoryError):  # NotADirectory: a file on the way
        return "new"
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return "stream"
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    return "socket" if stat.S_ISSOCK(st.st_mode) else "block device"


def refusal(path, kind: str) -> OutputError:
    """The error for a target of ``kind`` that nnviz does not write (see `target_kind`)."""
    if kind == "folder":
        return OutputError(path, "that is a folder", errno.EISDIR,
                           f"give a file name, e.g. {Path(path) / 'name'}")
    return OutputError(path, f"that is a {kind}, which nnviz does not write into",
                       errno.EINVAL, "choose a file")


def temp_name(target: Path) -> Path:
    """A fresh temporary file name beside ``target``, in the naming `sweep_stale` knows."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", *,
                 fsync: bool = True, wait: bool = True) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on a clean exit rename it over ``path``.

    On any exception (Ctrl-C included) the temporary file is deleted and ``path`` is untouched.
    Stale temporary files of earlier, killed writers are swept from the folder first. A symlink
    ``path`` stays a link: the file it points to is replaced. A character device or a FIFO is
    written into, not replaced (not atomic: what was written before an error stays written).

    Parameters
    ----------
    path : path-like
        The file to (re)place; its folder is created if missing.
    mode : str
        ``"wb"`` or ``"w"`` (text is UTF-8).
    fsync : bool
        Flush the data to the disk before the rename, so a power loss cannot leave the new
        name pointing at an empty file.
    wait : bool
        For a FIFO nothing reads yet: wait for a reader (as the shell's ``>`` does), or fail
        at once (False, for a window that must not freeze).

    Yields
    ------
    file object
        Open for writing; closed before the rename.

    Raises
    ------
    OutputError
        Any way the writing fails, said with ``path`` as given (never the temporary file).
    """
    user = Path(path)
    try:
        kind = target_kind(user)
    except OSError as exc:
        raise explain(exc, user) from None
    if kind not in ("new", "file", "stream"):
        raise refusal(user, kind)
    if kind == "stream":
        with _open_stream(user, mode, wait) as stream:
            yield stream
        return
    target = Path(os.path.realpath(user))
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise explain(exc, user, folder) from None
    sweep_stale(folder)
    old = target.stat() if kind == "file" else None
    tmp, fd = _create_temp(user, target)
    try:
        try:
            with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as stream:
                yield stream
                stream.flush()
                if fsync:
                    os.fsync(stream.fileno())
            if old is not None:
                _keep_owner_and_mode(tmp, old)
            os.replace(tmp, target)
        except OSError as exc:
            raise explain(exc, user, folder) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if fsync:
        _fsync_folder(folder)


def _create_temp(user: Path, target: Path) -> tuple[Path, int]:
    """A new temporary file beside ``target``, mode ``0666 & ~umask`` (what ``open`` gives)."""
    for _ in range(100):
        tmp = temp_name(target)
        try:
            return tmp, os.open(tmp, _CREATE, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise explain(exc, user, target.parent) from None
    raise OutputError(user, f"no free temporary file name in {target.parent}", errno.EEXIST)


def _keep_owner_and_mode(tmp: Path, old: os.stat_result) -> None:
    """Give the replacement the replaced file's owner (when we may) and permission bits."""
    if hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(tmp, old.st_uid, old.st_gid)
    os.chmod(tmp, stat.S_IMODE(old.st_mode))


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _open_stream(user: Path, mode: str, wait: bool) -> Iterator[IO]:
    """``user`` opened for writing into, neither created nor truncated (appending, so that
    ``/dev/stdout`` led to a file adds to it); errors said with ``user``."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        nonblock = getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(user, flags | nonblock)
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            if not wait:  # a FIFO without a reader
                raise OutputError(user, "nothing reads this FIFO", errno.ENXIO,
                                  "start its reader first") from None
            fd = os.open(user, flags)  # blocks until a reader opens the FIFO
        if nonblock:
            os.set_blocking(fd, True)
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as stream:
            yield stream
            stream.flush()
    except OSError as exc:
        raise explain(exc, user) from None


def is_temp_file(name: str) -> bool:
    """Whether ``name`` is one of our temporary files (see the module docstring)."""
    return _TEMP_NAME.fullmatch(name) is not None


def sweep_stale(folder: str | os.PathLike[str], *, max_age_s: float = STALE_AFTER_S,
                now: float | None = None) -> list[Path]:
    """Delete our temporary files in ``folder`` whose writer is gone or that are too old.

    A temporary file of a process that still runs, younger than ``max_age_s``, is a save in
    progress and is kept; one of the older naming (no pid) is deleted once it is older than
    ``max_age_s``. Never raises: a file that cannot be examined or deleted is left.

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
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        old_naming = match is None and _OLD_TEMP_NAME.fullmatch(entry.name) is not None
        if match is None and not old_naming:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):  # ours are regular files; anything else is not
                continue
            age = now - st.st_mtime
            if age < max_age_s and (match is None or _pid_alive(int(match["pid"]))):
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
