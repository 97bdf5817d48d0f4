"""How the command line fails: one line ``nnviz: error: …`` and an exit code, never a traceback.

Exit codes: 2 for bad options and files, 3 for a diverged training, 130 for Ctrl-C.
"""

from __future__ import annotations

import sys

EXIT_ERROR, EXIT_DIVERGED, EXIT_INTERRUPTED = 2, 3, 130


class UserError(Exception):
    """An error the user can fix; printed as one line."""


def fail(message: str, code: int = EXIT_ERROR) -> int:
    """Print ``nnviz: error: message`` on stderr; return ``code``."""
    print(f"nnviz: error: {message}", file=sys.stderr)
    return code
