"""Opening a file for reading only when it is a regular file, so no read blocks for ever.

``open()`` of a FIFO (a named pipe) waits for a writer that may never come, and reading a
character device such as ``/dev/zero`` never ends. :func:`open_regular` opens without blocking
(``O_NONBLOCK``), asks the open descriptor what it is (``fstat``: no race with a file swapped
in between a check and the open) and refuses anything but a regular file with
:class:`NotRegularFile`, naming what the path is.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs to open
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class NotRegularFile(OSError):
    """The path names a FIFO, socket or device, not a file holding data."""


def kind_of(mode: int) -> str:
    """What a ``st_mode`` describes, for a message: ``"a FIFO (named pipe)"``, …"""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (symlinks followed).

    Raises
    ------
    FileNotFoundError, PermissionError, OSError
        As ``open()`` does.
    IsADirectoryError
        If it is a folder.
    NotRegularFile
        If it is a FIFO, socket or device; nothing is read from it.
    """
    fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder, expected a file", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, f"is {kind_of(mode)}, not a regular file",
                                 str(path))
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
