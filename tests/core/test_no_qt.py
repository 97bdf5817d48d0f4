"""The engine and the data pipeline are pure NumPy: importing them loads no Qt."""

import subprocess
import sys


def test_core_and_datasets_import_no_qt():
    code = ("import sys, nnviz.core, nnviz.core.training, nnviz.datasets; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'pyqtgraph'}); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
