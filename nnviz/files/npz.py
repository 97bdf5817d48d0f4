"""Reading the arrays of an ``.npz`` without trusting what its headers declare.

``np.load`` allocates the array an ``.npy`` header declares before reading a byte of it, so a
file of a few hundred bytes declaring a (10¹², 28, 28) array ends in a ``MemoryError``. Here each
member's header is read first and its size checked against the bytes the member really holds
and against the caller's bound; only then is the data read. Object arrays (pickles, which would
run code from the file) are refused. Used by the model loader and the dataset reader alike.
"""

from __future__ import annotations

import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from math import prod

import numpy as np

# Everything a damaged or hostile zip can raise while it is opened or read: zipfile's own
# errors, the decompressors' (zlib.error; bz2 and lzma raise OSError and LZMAError, a
# subclass of Exception we name through the module only when it exists), an encrypted
# member (RuntimeError), an unknown compression method (NotImplementedError), and the
# ValueError of a bad .npy header or a short read.
_LZMA_ERRORS: tuple[type[Exception], ...]
try:
    from lzma import LZMAError
    _LZMA_ERRORS = (LZMAError,)
except ImportError:  # a Python built without lzma
    _LZMA_ERRORS = ()
NPZ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, *_LZMA_ERRORS, EOFError,
              OSError, ValueError, NotImplementedError, RuntimeError, OverflowError)


class ArrayRefused(ValueError):
    """A member whose header declares what will not be read: objects, too many bytes, …"""


@dataclass(frozen=True)
class NpyHeader:
    """What one ``.npy`` member declares, and how many bytes of data it holds."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    stored: int

    @property
    def nbytes(self) -> int:
        """Bytes of data the header declares (an exact integer, never an overflowed one)."""
        return prod(self.shape) * self.dtype.itemsize


def member_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """``{"x_train": "x_train.npy", …}``: an ``.npz``'s members by the names ``np.load`` gives."""
    return {name.removesuffix(".npy"): name for name in archive.namelist()}


def read_header(archive: zipfile.ZipFile, member: str) -> NpyHeader:
    """Read only the header of ``member`` (e.g. ``"x_train.npy"``).

    Raises
    ------
    ArrayRefused
        If it declares an object dtype or a negative dimension.
    ValueError
        If it is not an ``.npy``.
    """
    with archive.open(member) as stream:
        return _header(stream, member, archive.getinfo(member).file_size)


def read_array(archive: zipfile.ZipFile, member: str, max_bytes: int) -> np.ndarray:
    """Read ``member`` after checking its declared size against its bytes and ``max_bytes``.

    Parameters
    ----------
    archive : zipfile.ZipFile
        The open ``.npz``.
    member : str
        E.g. ``"x_train.npy"``.
    max_bytes : int
        The most the caller will allocate for this array.

    Returns
    -------
    np.ndarray
        As stored (dtype and byte order of the file), read-only.

    Raises
    ------
    ArrayRefused
        Naming the array, if the header declares objects, more bytes than the member holds or
        than ``max_bytes``, or the data ends early.
    ValueError
        If the header is not an ``.npy`` header.
    """
    with archive.open(member) as stream:
        header = _header(stream, member, archive.getinfo(member).file_size)
        check_size(member, header, max_bytes)
        data = stream.read(header.nbytes)
    if len(data) != header.nbytes:
        raise ArrayRefused(f"array '{_key(member)}' ends after {len(data):,} of its "
                         f"{header.nbytes:,} bytes")
    if not header.nbytes:
        if prod(header.shape):  # numpy would silently widen a zero-size dtype to one byte
            raise ArrayRefused(f"array '{_key(member)}' has the zero-size dtype {header.dtype}")
        return np.empty(header.shape, header.dtype)
    array = np.frombuffer(data, header.dtype, count=prod(header.shape))
    return array.reshape(header.shape, order="F" if header.fortran_order else "C")


def check_size(member: str, header: NpyHeader, max_bytes: int) -> None:
    """Raise `ArrayRefused` if ``header`` declares more data than is stored or ``max_bytes``."""
    shape = "×".join(map(str, header.shape)) or "scalar"
    if header.nbytes > header.stored:
        raise ArrayRefused(f"array '{_key(member)}' declares {shape} {header.dtype} "
                         f"({header.nbytes:,} bytes) but holds only {header.stored:,} bytes")
    if header.nbytes > max_bytes:
        raise ArrayRefused(f"array '{_key(member)}' declares {shape} {header.dtype} "
                         f"({header.nbytes:,} bytes), more than the {max_bytes:,} allowed")


def _header(stream, member: str, file_size: int) -> NpyHeader:
    """Parse the ``.npy`` header at the start of ``stream`` (left just after it)."""
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ArrayRefused(f"array '{_key(member)}' has an unknown .npy version {version}")
    # 3.0 differs from 2.0 only in allowing UTF-8 field names.
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
        np.lib.format.read_array_header_2_0
    try:
        shape, fortran_order, dtype = read(stream)
    except (SyntaxError, tokenize.TokenError) as exc:  # numpy lets its header parser's out
        raise ValueError(f"array '{_key(member)}' has a corrupt .npy header ({exc})") from None
    if dtype.hasobject:
        raise ArrayRefused(f"array '{_key(member)}' is a pickled object array; refusing to load "
                         "it (store plain numeric arrays)")
    if any(n < 0 for n in shape):
        raise ArrayRefused(f"array '{_key(member)}' declares a negative dimension {shape}")
    return NpyHeader(tuple(shape), dtype, bool(fortran_order), file_size - stream.tell())


def _key(member: str) -> str:
    return member.removesuffix(".npy")
