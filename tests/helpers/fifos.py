"""FIFOs of a test's own (never the system's), for readers that must not block on them."""

from __future__ import annotations

import os
import threading


def own_fifo(path):
    """``os.mkfifo`` at ``path``. A writer in a daemon thread keeps opening and closing it, so
    code that (wrongly) opens it reads end-of-file instead of blocking the test for ever."""
    os.mkfifo(path)

    def write_once():
        while True:  # each wrong open (the decode cache opens twice) reads end-of-file
            with open(path, "wb"):
                pass
    threading.Thread(target=write_once, daemon=True).start()
    return path


def release(path) -> None:
    """Let a writer still waiting in :func:`own_fifo` go (nobody opened the FIFO: as it should
    be)."""
    os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
