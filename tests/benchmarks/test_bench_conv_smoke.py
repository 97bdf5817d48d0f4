"""benchmarks/bench_conv.py runs end to end at tiny sizes (seconds; no timing asserted)."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_conv.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_conv", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_conv"] = module
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_prints_step_times_and_where_they_go(bench, capsys):
    bench.main(["--rounds", "1", "--steps", "1", "--batch", "2", "--presets", "lenet-small",
                "--profile"])
    out = capsys.readouterr().out
    assert "lenet-small  engine   median step" in out
    assert "1 conv16k5valid forward" in out and "3 conv32k5valid backward" in out
    assert "Adam step" in out
    if "PyTorch not importable" not in out:
        assert "lenet-small  ratio engine/pytorch = " in out


def test_the_pytorch_twin_has_the_engines_parameter_count(bench):
    torch = pytest.importorskip("torch")
    from nnviz.engine.convnet import ConvNet
    for preset in ("lenet-small", "lenet"):
        model = bench.torch_model(preset)
        model(torch.zeros(1, 1, 28, 28))
        n = sum(p.numel() for p in model.parameters())
        assert n == ConvNet((28, 28, 1), bench.specs_of(preset)).n_parameters
