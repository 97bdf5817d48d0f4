"""Finding, downloading (checksummed), reading and caching datasets. Pure NumPy, never Qt.

The one entry point most code needs::

    from nnviz.datasets import load_dataset
    data = load_dataset("mnist", val_fraction=0.1)   # or a path to IDX/CSV/NPZ/image folders
    data.x_train.shape, data.y_train.shape           # (54000, 784) float32, (54000,) int64
"""

from .csvfile import read_csv
from .dataset import Dataset, normalize, one_hot
from .download import download_dataset, download_file
from .errors import DatasetError, DatasetNotFoundError, DownloadError
from .idx import read_idx, read_idx_images, read_idx_labels, write_idx
from .imagefolder import decode_image, read_image_folder
from .load import load_dataset
from .npzfile import read_npz
from .paths import download_dir, find_dataset_files, search_dirs
from .registry import KNOWN_DATASETS, KnownDataset, known_dataset

__all__ = [
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "KNOWN_DATASETS",
    "KnownDataset",
    "decode_image",
    "download_dataset",
    "download_dir",
    "download_file",
    "find_dataset_files",
    "known_dataset",
    "load_dataset",
    "normalize",
    "one_hot",
    "read_csv",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "read_image_folder",
    "read_npz",
    "search_dirs",
    "write_idx",
]
