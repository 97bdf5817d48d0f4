"""Where datasets are looked for and where downloads go.

An explicit ``data_dir`` (the CLI's ``--data-dir``) is the only folder searched: a missing folder
or one without the dataset is an error naming it, never a silent fallback to data found
elsewhere. Without one, the search order for a known dataset is:

1. the ``NNVIZ_DATA_DIR`` environment variable,
2. ``data/`` of a source checkout (the folder above the package, when ``pyproject.toml`` is there),
3. the per-user cache folder (``platformdirs.user_cache_dir("nnviz")``),
4. system folders (``/usr/share/datasets``, where Debian's dataset packages install).

In each folder the files may sit in a dataset subfolder (``<dir>/mnist/``) or directly in it, so
``--data-dir ../shared/datasets`` and ``--data-dir ../shared/datasets/mnist`` both work.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from .errors import DatasetNotFoundError
from .registry import IDX_ROLES, KnownDataset

ENV_DATA_DIR = "NNVIZ_DATA_DIR"
SYSTEM_DIRS: tuple[Path, ...] = (Path("/usr/share/datasets"),)


def checkout_data_dir() -> Path | None:
    """Return ``data/`` of the source checkout nnviz runs from, or None when installed."""
    root = Path(__file__).resolve().parents[2]
    return root / "data" if (root / "pyproject.toml").is_file() else None


def user_cache_dir() -> Path:
    """Return the per-user cache folder (not created)."""
    return Path(platformdirs.user_cache_dir("nnviz"))


def search_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Return the base folders searched for datasets, in order, without duplicates.

    Parameters
    ----------
    data_dir : path-like, optional
        An explicit folder: then the only one searched.
    """
    if data_dir:
        return [Path(data_dir).expanduser()]
    candidates = [
        Path(os.environ[ENV_DATA_DIR]).expanduser() if os.environ.get(ENV_DATA_DIR) else None,
        checkout_data_dir(),
        user_cache_dir(),
        *SYSTEM_DIRS,
    ]
    return list(dict.fromkeys(p for p in candidates if p is not None))


def download_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the base folder downloads go to; a dataset lands in ``<base>/<name>/``.

    The first of: ``data_dir``, ``$NNVIZ_DATA_DIR``, the checkout's ``data/``, the user cache.
    """
    if data_dir:
        return Path(data_dir).expanduser()
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser()
    return checkout_data_dir() or user_cache_dir()


def idx_files_in(folder: Path, names: dict[str, str]) -> tuple[dict[str, Path], list[str]]:
    """Match the four IDX files in ``folder``, gzipped or not.

    Parameters
    ----------
    folder : Path
        The folder to look in.
    names : dict of str to str
        Role (see `IDX_ROLES`) to the gzip file name, e.g. ``"train-images-idx3-ubyte.gz"``.

    Returns
    -------
    found : dict of str to Path
        Role to the file present (the ``.gz`` preferred).
    missing : list of str
        The names of the roles without a file.
    """
    found, missing = {}, []
    for role in IDX_ROLES:
        gz_name = names[role]
        raw_name = gz_name.removesuffix(".gz")
        # The originals unpack to "train-images.idx3-ubyte"; Kaggle's copies keep that name.
        dotted = raw_name.replace("-idx", ".idx")
        options = [folder / n for n in (gz_name, raw_name, dotted, dotted + ".gz")]
        match = next((p for p in options if p.is_file()), None)
        if match is None:
            missing.append(gz_name)
        else:
            found[role] = match
    return found, missing


def find_dataset_files(
    dataset: KnownDataset, data_dir: str | os.PathLike[str] | None = None
) -> dict[str, Path]:
    """Find the four files of a known dataset along the search path.

    Parameters
    ----------
    dataset : KnownDataset
        From the registry.
    data_dir : path-like, optional
        The only folder searched, if given.

    Returns
    -------
    dict of str to Path
        Role (see `IDX_ROLES`) to file, all four from the same folder.

    Raises
    ------
    DatasetNotFoundError
        Listing the base folders looked in, and any folder holding only some of the files
        (or that ``data_dir`` does not exist).
    """
    names = {f.role: f.name for f in dataset.files}
    bases, notes = search_dirs(data_dir), []
    if data_dir and not bases[0].is_dir():
        notes.append(f"{bases[0]} is not a folder" if bases[0].exists()
                     else f"{bases[0]} does not exist")
        raise DatasetNotFoundError(dataset.name, dataset.title, bases, dataset.folder_names,
                                   notes, data_dir=bases[0])
    for base in bases:
        for folder in [base / sub for sub in dataset.folder_names] + [base]:
            found, missing = idx_files_in(folder, names)
            if not missing:
                return found
            if found:
                notes.append(f"{folder} lacks {', '.join(missing)}")
    raise DatasetNotFoundError(dataset.name, dataset.title, bases, dataset.folder_names, notes,
                               data_dir=bases[0] if data_dir else None)
