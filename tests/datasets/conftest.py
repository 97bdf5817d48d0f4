"""Fixtures for the datasets tests: isolated folders, synthetic IDX data, a local HTTP server.

Every test runs with the user cache, the checkout ``data/`` and the system folders pointed into
``tmp_path`` and with ``NNVIZ_DATA_DIR`` unset, so nothing is read from or written to the real
home, checkout or ``/usr/share``; and with outgoing connections limited to 127.0.0.1.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pytest
from synthetic_data import MNIST_FILES, SHARED_MNIST, SyntheticIdx, write_mnist_folder

from nnviz.datasets import paths


@dataclass
class Folders:
    """The isolated stand-ins for the real search folders."""

    user_cache: Path
    checkout_data: Path
    system: Path


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folders:
    folders = Folders(tmp_path / "user-cache", tmp_path / "checkout-data", tmp_path / "system")
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(folders.user_cache))
    monkeypatch.setattr(paths, "checkout_data_dir", lambda: folders.checkout_data)
    monkeypatch.setattr(paths, "SYSTEM_DIRS", (folders.system,))
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    return folders


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to connect beyond this machine."""
    real = socket.create_connection

    def local_only(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"test tried to reach {address[0]}; tests must stay offline")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", local_only)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def shared_mnist() -> Path:
    """The byte-exact original MNIST files, or skip."""
    if not all((SHARED_MNIST / name).is_file() for name in MNIST_FILES):
        pytest.skip(f"real MNIST files not found in {SHARED_MNIST} (set NNVIZ_SHARED_DIR)")
    return SHARED_MNIST


@pytest.fixture
def synthetic_mnist(tmp_path: Path) -> SyntheticIdx:
    return write_mnist_folder(tmp_path / "synthetic" / "mnist")


