"""The errors the datasets package raises.

Every message names the file (or folder) and says exactly what is wrong with it, so the CLI and
the GUI can show ``str(error)`` to a person as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class DatasetError(ValueError):
    """A dataset file or folder is missing, unreadable or malformed."""


class DatasetNotFoundError(DatasetError):
    """A known dataset is in none of the folders that were searched.

    Parameters
    ----------
    name : str
        The dataset's registry name, e.g. ``"mnist"``.
    title : str
        Its display name, e.g. ``"MNIST"``.
    searched : sequence of Path
        The base folders that were looked in, in search order.
    subfolders : sequence of str
        The dataset subfolders looked for inside each base folder (besides the base itself).
    notes : sequence of str
        Near misses worth telling the user, e.g. a folder holding only some of the files.
    data_dir : Path, optional
        The explicit folder that was the only one searched; the suggested download goes there.
    """

    def __init__(
        self,
        name: str,
        title: str,
        searched: Sequence[Path],
        subfolders: Sequence[str] = (),
        notes: Sequence[str] = (),
        data_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.searched = tuple(searched)
        self.notes = tuple(notes)
        where = ", ".join(str(p) for p in self.searched) or "(no folders)"
        message = f"{title} not found; looked in: {where}"
        if subfolders:
            inside = ", ".join(f"{sub}/" for sub in subfolders)
            each = "in each, " if len(self.searched) > 1 else ""
            message += f" ({each}directly and in {inside})"
        if self.notes:
            message += "; " + "; ".join(self.notes)
        where = f" --data-dir {data_dir}" if data_dir is not None else ""
        super().__init__(f"{message}; run `nnviz download {name}{where}`")


class DownloadError(DatasetError):
    """A download failed: every mirror was unreachable or served a file with the wrong checksum."""
