"""Test-wide set-up: Qt offscreen before Qt loads, the MNIST location, a local HTTP server."""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def shared_dir() -> Path:
    """``../shared`` beside the checkout (as in CI), or ``NNVIZ_SHARED_DIR``."""
    env = os.environ.get("NNVIZ_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"


MNIST_DIR = shared_dir() / "datasets" / "mnist"
HAVE_MNIST = (MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four original MNIST files; skips the test when absent."""
    if not HAVE_MNIST:
        pytest.skip(f"real MNIST not found at {MNIST_DIR} (set NNVIZ_SHARED_DIR)")
    return MNIST_DIR


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


def pytest_sessionfinish(session, exitstatus):
    """Delete what the tests' widgets left for deletion while the QApplication still exists:
    pytest-qt closes each test's widgets and asks Qt to delete them later, and left to the
    interpreter's exit they crashed the run after its summary (SIGSEGV, exit 139)."""
    import sys
    if "PySide6.QtWidgets" not in sys.modules:
        return  # a run without Qt (tests of the layers below the GUI)
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    app = QCoreApplication.instance()
    if app is None:
        return
    for _ in range(2):  # what the first pass deletes may ask for more
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        app.processEvents()
