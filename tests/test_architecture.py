"""The layers of pyproject.toml's import contract hold, no module is in an import circle, and
the contract does fail when a module imports upwards or loads Qt where it must not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = ("from importlinter.cli import lint_imports; raise SystemExit(lint_imports("
        "config_filename='pyproject.toml', no_cache=True, no_logo=True))")
PACKAGES = {"analysis", "charts", "cli", "datasets", "engine", "gui", "files", "render",
            "resources", "runs", "runtime", "session"}


def lint(root: Path) -> subprocess.CompletedProcess:
    """import-linter on the ``nnviz`` found in ``root``, with ``root``'s pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)


def cycles(package: str) -> list[list[str]]:
    """The import circles among ``package``'s modules (strongly connected components of more
    than one module, by Tarjan's algorithm); every import counts, also those in functions."""
    graph = grimp.build_graph(package, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


@pytest.fixture
def copy_of_nnviz(tmp_path) -> Path:
    """The package and its contract copied to a temporary folder, to be spoiled."""
    shutil.copytree(ROOT / "nnviz", tmp_path / "nnviz",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_layers_are_kept():
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 kept, 0 broken" in out.stdout


def test_every_package_is_in_a_layer():
    # A new top-level package outside the contract would escape it.
    found = {p.name for p in (ROOT / "nnviz").iterdir() if (p / "__init__.py").is_file()}
    assert found == PACKAGES
    contract = (ROOT / "pyproject.toml").read_text()
    assert all(f'"nnviz.{name}' in contract or f"nnviz.{name} " in contract for name in found)


def test_no_module_is_in_an_import_circle(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    assert cycles("nnviz") == []


def test_an_upward_import_breaks_the_contract(copy_of_nnviz):
    network = copy_of_nnviz / "nnviz" / "engine" / "network.py"
    network.write_text(network.read_text() + "\nfrom nnviz.gui.app import run_app  # wrong\n")
    out = lint(copy_of_nnviz)
    assert out.returncode == 1
    assert "nnviz's layers BROKEN" in out.stdout
    assert "nnviz.engine.network -> nnviz.gui.app" in out.stdout


def test_qt_in_the_engine_breaks_the_contract(copy_of_nnviz):
    losses = copy_of_nnviz / "nnviz" / "engine" / "losses.py"
    losses.write_text(losses.read_text() + "\nimport pyqtgraph  # wrong\n")
    out = lint(copy_of_nnviz)
    assert out.returncode == 1
    assert "never import Qt BROKEN" in " ".join(out.stdout.split())  # the name may wrap
    assert "nnviz.engine.losses -> pyqtgraph" in out.stdout


def test_qt_in_the_session_model_breaks_the_contract(copy_of_nnviz):
    # The model under the views stays testable without a window.
    model = copy_of_nnviz / "nnviz" / "session" / "model.py"
    model.write_text(model.read_text() + "\nfrom PySide6.QtCore import QObject  # wrong\n")
    out = lint(copy_of_nnviz)
    assert out.returncode == 1
    assert "never import Qt BROKEN" in " ".join(out.stdout.split())
    assert "nnviz.session.model -> PySide6" in out.stdout


def test_a_circle_is_found(copy_of_nnviz, monkeypatch):
    trace = copy_of_nnviz / "nnviz" / "analysis" / "trace.py"
    trace.write_text(trace.read_text() + "\nfrom nnviz.analysis import stepper  # wrong\n")
    monkeypatch.syspath_prepend(str(copy_of_nnviz))
    for name in [m for m in sys.modules if m == "nnviz" or m.startswith("nnviz.")]:
        monkeypatch.delitem(sys.modules, name)  # grimp must find the spoiled copy
    assert ["nnviz.analysis.stepper", "nnviz.analysis.trace"] in cycles("nnviz")


def test_the_window_importing_the_lessons_breaks_the_contract(copy_of_nnviz):
    # The lessons drive the window through its commands; the window does not know them.
    window = copy_of_nnviz / "nnviz" / "gui" / "window" / "main_window.py"
    window.write_text(window.read_text() + "\nfrom nnviz.gui.lessons import steps  # wrong\n")
    out = lint(copy_of_nnviz)
    assert out.returncode == 1
    assert "the window's layers BROKEN" in out.stdout
    assert "nnviz.gui.window.main_window -> nnviz.gui.lessons.steps" in out.stdout
