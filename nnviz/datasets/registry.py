"""The datasets nnviz knows by name: their files, checksums, classes and download mirrors.

Checksums
---------
``sha256`` is the sum of the original gzip file as every mirror serves it. MNIST's come from the
byte-exact originals in ``shared/datasets/mnist/SHA256SUMS`` (their md5s equal torchvision's).
Fashion-MNIST's are paired with Zalando's official md5s in several independent public listings
(an older listing with other sums was later corrected to these by its own project), and the sizes
match Keras' and torchvision's download logs. They could not be recomputed here: the local copy,
Debian's ``dataset-fashion-mnist``, re-gzipped the files (its ``.gz`` md5s differ from
torchvision's). The decompressed contents of Debian's files do match the md5s published for the
uncompressed originals, so ``payload_sha256`` (the sum of the decompressed IDX) identifies the
data whatever gzip wrapped it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DatasetError

IDX_ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class DatasetFile:
    """One downloadable file of a known dataset."""

    role: str  # one of IDX_ROLES
    name: str  # e.g. "train-images-idx3-ubyte.gz"
    sha256: str  # of the gzip file as served
    size: int  # bytes of the gzip file as served
    payload_sha256: str  # of the decompressed IDX file


@dataclass(frozen=True)
class KnownDataset:
    """A dataset nnviz can find and download by name."""

    name: str  # registry key and download subfolder, e.g. "fashion-mnist"
    title: str  # for messages, e.g. "Fashion-MNIST"
    class_names: tuple[str, ...]
    files: tuple[DatasetFile, ...]  # in IDX_ROLES order
    mirrors: tuple[str, ...]  # base URLs, tried in order
    folder_names: tuple[str, ...]  # subfolders looked for inside each search folder
    aliases: tuple[str, ...] = ()

    def file(self, role: str) -> DatasetFile:
        """Return the file playing ``role`` (one of `IDX_ROLES`)."""
        return next(f for f in self.files if f.role == role)


def _files(sums: dict[str, tuple[str, int, str]]) -> tuple[DatasetFile, ...]:
    stems = dict(zip(IDX_ROLES, ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3",
                                 "t10k-labels-idx1"), strict=True))
    return tuple(
        DatasetFile(role, f"{stems[role]}-ubyte.gz", *sums[role]) for role in IDX_ROLES
    )


MNIST = KnownDataset(
    name="mnist",
    title="MNIST",
    class_names=tuple(str(digit) for digit in range(10)),
    files=_files({
        "train_images": ("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                         9912422,
                         "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "train_labels": ("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                         28881,
                         "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "test_images": ("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                        1648877,
                        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "test_labels": ("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                        4542,
                        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    }),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's first choice
        "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow Datasets
        "http://yann.lecun.com/exdb/mnist/",  # the original home, often refuses robots now
    ),
    folder_names=("mnist", "MNIST/raw"),  # ours, and torchvision's layout
)

FASHION_MNIST = KnownDataset(
    name="fashion-mnist",
    title="Fashion-MNIST",
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
    files=_files({
        "train_images": ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                         26421880,
                         "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        "train_labels": ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                         29515,
                         "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        "test_images": ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                        4422102,
                        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        "test_labels": ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                        5148,
                        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    }),
    mirrors=(
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",  # Keras / TensorFlow
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",  # torchvision
    ),
    # Debian's dataset-fashion-mnist installs the four files in /usr/share/datasets/fashion-mnist.
    folder_names=("fashion-mnist", "fashion_mnist", "FashionMNIST/raw"),
    aliases=("fashion_mnist", "fashion"),
)

KNOWN_DATASETS: dict[str, KnownDataset] = {d.name: d for d in (MNIST, FASHION_MNIST)}


def find_known(name: str) -> KnownDataset | None:
    """Return the known dataset called ``name`` (or one of its aliases, any case), else None."""
    key = name.strip().lower()
    for dataset in KNOWN_DATASETS.values():
        if key == dataset.name or key in dataset.aliases:
            return dataset
    return None


def known_dataset(name: str) -> KnownDataset:
    """Return the known dataset called ``name``; raise `DatasetError` listing the known ones."""
    dataset = find_known(name)
    if dataset is None:
        raise DatasetError(
            f"unknown dataset {name!r}; known datasets: {', '.join(KNOWN_DATASETS)}"
        )
    return dataset
