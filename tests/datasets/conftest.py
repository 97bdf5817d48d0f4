"""Fixtures for the datasets tests: isolated folders, synthetic IDX data, a local HTTP server.

Every test runs with the user cache, the checkout ``data/`` and the system folders pointed into
``tmp_path`` and with ``NNVIZ_DATA_DIR`` unset, so nothing is read from or written to the real
home, checkout or ``/usr/share``; and with outgoing connections limited to 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import platformdirs
import pytest

from nnviz.datasets import paths
from synthetic_data import MNIST_FILES, SHARED_MNIST, SyntheticIdx, write_mnist_folder


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


class _Handler(BaseHTTPRequestHandler):
    """``/<mode>/<name>``: mode ``good`` serves the file, ``corrupt`` a damaged copy,
    ``drop`` half of it then hangs up, ``missing`` a 404."""

    server: FileServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        mode, _, name = self.path.lstrip("/").partition("/")
        self.server.hits.append(self.path)
        body = self.server.files.get(name)
        if mode == "missing" or body is None:
            self.send_error(404, "Not Found")
            return
        if mode == "corrupt":
            body = body[:-1] + bytes([body[-1] ^ 0xFF])
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # keep test output clean
        pass


class FileServer(ThreadingHTTPServer):
    files: dict[str, bytes]
    hits: list[str]

    def url(self, mode: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{mode}/"


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 in a thread; fill ``server.files`` with name -> bytes."""
    server = FileServer(("127.0.0.1", 0), _Handler)
    server.files, server.hits = {}, []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="test-http", daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
