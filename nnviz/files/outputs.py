"""Checking an output path before any work is done for it: found wrong after an hour of
training, it would cost the hour; found wrong at the start, it costs a retyped option.

:func:`check_output_path` answers what :func:`~nnviz.files.atomic.atomic_write` will do with a
path (create it, replace it, write into a stream) and raises an
:class:`~nnviz.files.atomic.OutputError` naming the user's path when it cannot: a folder where a
file is wanted (or the reverse), a file where a folder is on the way, a folder nnviz may not or
cannot create files in (found by creating and deleting an empty temporary file there, the only
test that root, read-only mounts and ``/proc`` all answer truthfully), a read-only file, a
socket or a block device. The command line calls it for every output option before training or
evaluating; the window before it writes. Qt-free, standard library only.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from nnviz.files.atomic import OutputError, explain, refusal, target_kind, temp_name

__all__ = ["Output", "OutputError", "check_output_path"]


@dataclass(frozen=True)
class Output:
    """What writing an output path will do.

    Attributes
    ----------
    path : Path
        As the user gave it.
    kind : str
        ``"new"`` (a file or folder to create), ``"file"`` (an existing file, replaced
        atomically), ``"stream"`` (a device or FIFO, written into) or ``"folder"`` (an existing
        folder, with ``folder=True``).
    """

    path: Path
    kind: str

    @property
    def stream(self) -> bool:
        """Whether the output is written into (``/dev/null``, a FIFO), not replaced."""
        return self.kind == "stream"


def check_output_path(path, what: str = "", *, folder: bool = False) -> Output:
    """Check that nnviz can write ``path`` (a file, or with ``folder`` a folder of files).

    Nothing is left behind: a probe file is created and deleted, missing folders are not made.

    Parameters
    ----------
    path : path-like
        As the user gave it.
    what : str
        What it is for (``"--save"``), put before the path in the error.
    folder : bool
        ``path`` is a folder nnviz writes files into (``--png-dir``).

    Returns
    -------
    Output

    Raises
    ------
    OutputError
        Naming ``what`` and ``path``, the problem and what to do.
    """
    path = Path(path)
    try:
        return _check(path, folder)
    except OutputError as exc:
        exc.what = what
        raise
    except OSError as exc:
        error = explain(exc, path)
        error.what = what
        raise error from None


def _check(path: Path, folder: bool) -> Output:
    if str(path) == "":
        raise OutputError(path, "an empty path", errno.ENOENT, "give a path")
    kind = target_kind(path)
    if folder:
        if kind == "folder":
            _probe(path, path)
            return Output(path, "folder")
        if kind != "new":
            raise OutputError(path, f"that is a {'file' if kind == 'file' else kind}, not a folder",
                              errno.ENOTDIR, "give a folder (it is made if missing)")
    elif kind == "stream":
        if not os.access(path, os.W_OK):
            raise OutputError(path, "no permission to write into it", errno.EACCES,
                              "choose another path")
        return Output(path, kind)
    elif kind not in ("new", "file"):
        raise refusal(path, kind)
    target = Path(os.path.realpath(path))
    if kind == "file":
        if not os.access(target, os.W_OK):  # replacing it would work, but it says "keep me"
            raise OutputError(path, "the file is read-only", errno.EACCES,
                              "make it writable (chmod u+w) or choose another path")
        _probe(path, target.parent)
        return Output(path, kind)
    # A new file or folder: the nearest existing folder on the way must take new files.
    ancestor = target.parent if not folder else target
    while not ancestor.exists() and ancestor.parent != ancestor:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(path, f"{ancestor} is a file, not a folder", errno.ENOTDIR,
                          "choose a path in a folder")
    _probe(path, ancestor)
    return Output(path, "new")


def _probe(path: Path, folder: Path) -> None:
    """Create and delete an empty temporary file in ``folder`` (named as `atomic_write`'s, so a
    kill in between leaves a file the next save sweeps)."""
    probe = temp_name(folder / path.name)
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise explain(exc, path, folder) from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError as exc:  # a folder that takes files but not deletions: writes would fail
        raise explain(exc, path, folder) from None
