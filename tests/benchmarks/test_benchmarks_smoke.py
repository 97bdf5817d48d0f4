"""Every benchmark runs, at tiny sizes, on a synthetic MNIST: a change that breaks one fails here.

Each benchmark is started as the README says (``python benchmarks/bench_X.py …``) in its own
process, with ``NNVIZ_SHARED_DIR`` pointing at a folder whose ``datasets/mnist`` holds 600
training and 200 test images of the MNIST format, so the run takes seconds. Nothing is timed:
the assertions are that it exits as it should, prints no traceback, and prints its figures as
real, finite numbers (the speed targets themselves are judged by running the benchmarks).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_data import write_mnist_folder

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
NUMBER = r"([-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?)"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """A stand-in for ``../shared``: ``datasets/mnist`` with 600 + 200 synthetic images."""
    root = tmp_path_factory.mktemp("shared")
    write_mnist_folder(root / "datasets" / "mnist", n_train=600, n_test=200)
    return root


def run_bench(shared: Path, name: str, *args: str, ok=(0,), timeout: float = 240) -> str:
    """Run ``benchmarks/<name>.py args`` with the synthetic data; return its stdout.

    Fails when the exit status is not in ``ok`` or a traceback was printed."""
    env = dict(os.environ, NNVIZ_SHARED_DIR=str(shared), QT_QPA_PLATFORM="offscreen")
    # The checkout first, as for the suite itself (an installed nnviz may be older).
    env["PYTHONPATH"] = os.pathsep.join([str(BENCHMARKS.parent), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, str(BENCHMARKS / f"{name}.py"), *args], cwd=BENCHMARKS,
                         env=env, capture_output=True, text=True, timeout=timeout)
    report = f"exit {out.returncode}\n--- stdout\n{out.stdout}\n--- stderr\n{out.stderr}"
    assert out.returncode in ok, report
    assert "Traceback" not in out.stdout + out.stderr, report
    return out.stdout


def figure(text: str, pattern: str) -> float:
    """The number that ``pattern`` (with one ``{n}`` placeholder) finds in ``text``; finite."""
    m = re.search(pattern.format(n=NUMBER), text)
    assert m, f"{pattern!r} not in:\n{text}"
    value = float(m.group(1).replace(",", ""))
    assert math.isfinite(value), m.group(0)
    return value


def test_bench_gui(shared):
    out = run_bench(shared, "bench_gui", "--steps", "12", "--rounds", "1")
    assert figure(out, r"headless\s+{n} samples/s") > 0
    assert figure(out, r"window\s+{n} samples/s") > 0
    # The redraw counter is what broke when the window's state moved: it must count draws.
    assert figure(out, r"redraws\s+{n} Hz") > 0
    assert figure(out, r"stall\s+{n} ms") > 0


def test_bench_soak(shared):
    # Too short to judge the growth or the redraw rates (it may say FAIL: exit 1), long
    # enough to sample every process and view twice and to print the summary.
    out = run_bench(shared, "bench_soak", "--minutes", "0.25", "--interval", "3",
                    "--warmup", "3", ok=(0, 1))
    assert re.search(r"\b(PASS|FAIL)\b", out), out
    assert figure(out, r"GUI\D*{n}") >= 0


def test_bench_map(shared):
    out = run_bench(shared, "bench_map", "--n", "200")
    assert figure(out, r"PCA\s+{n} ms") >= 0
    assert figure(out, r"t-SNE\s+{n} s in the view") > 0


def test_bench_drawpad(shared):
    out = run_bench(shared, "bench_drawpad", "--strokes", "1")
    measured = figure(out, r"measured moves {n}")
    assert measured >= 1
    assert figure(out, r"median {n} ms, p95") > 0


def test_bench_engine(shared):
    out = run_bench(shared, "bench_engine", "--rounds", "1", "--steps", "3")
    assert figure(out, r"engine\s+median step {n} ms") > 0


def test_bench_augment(shared):
    out = run_bench(shared, "bench_augment", "--rounds", "1", "--iters", "2")
    assert "MNIST" in out.splitlines()[0]  # it found the (synthetic) files
    assert figure(out, r"all augmentations / engine step = {n}") > 0


def test_bench_mnist(shared):
    out = run_bench(shared, "bench_mnist", "--epochs", "1", "--target", "0.05")
    assert figure(out, r"epoch\s+1\s+test acc {n}%") >= 0
    assert "reached 5.0%" in out


def test_bench_presets(shared):
    out = run_bench(shared, "bench_presets", "--epochs", "1", "default", "tiny-relu-fullbatch")
    lines = [line for line in out.splitlines() if "test accuracy" in line]
    assert [line.split()[0] for line in lines] == ["default", "tiny-relu-fullbatch"]
    assert all("after 1 epochs" in line for line in lines), out


def test_bench_costs(shared):
    out = run_bench(shared, "bench_costs", "--repeats", "2", "--n", "500")
    assert figure(out, r"activations\s+{n} ms median") > 0
    assert figure(out, r"histogram\s+{n} ms") > 0
    assert figure(out, r"evaluation\s+{n} s for 500 images") > 0
    assert figure(out, r"close\s+{n} ms mid-training") > 0
