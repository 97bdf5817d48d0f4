"""The command line, in-process through ``main(argv)``: real files, real exit codes."""

import json
import subprocess
import sys

import numpy as np
import pytest

from nnviz.cli.main import main
from nnviz.engine.checkpoint import load_model
from nnviz.engine.presets import PRESETS


def learnable_csv(path, n=400, seed=0):
    """A CSV in the Kaggle layout whose 10 classes are bright squares at 10 places."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    img = rng.integers(0, 40, (n, 28, 28))
    for i, k in enumerate(y):
        r, c = 2 + 12 * (k // 5), 2 + 5 * (k % 5)
        img[i, r:r + 10, c:c + 5] = 200 + rng.integers(0, 56)
    rows = np.column_stack([y, img.reshape(n, 784)])
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    np.savetxt(path, rows, fmt="%d", delimiter=",", header=header, comments="")
    return path


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    return learnable_csv(tmp_path_factory.mktemp("data") / "digits.csv")


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nnviz: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


def test_train_saves_model_and_history_then_evaluate_agrees(tmp_path, csv_file, capsys):
    model, hist = tmp_path / "m.npz", tmp_path / "h.json"
    code = main(["train", "--dataset", str(csv_file), "--layers", "32", "--epochs", "3",
                 "--batch-size", "32", "--lr", "3e-3", "--save", str(model), "--history", str(hist),
                 "--quiet", "--seed", "3"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out] == ["1/3", "2/3", "3/3"]
    history = json.loads(hist.read_text())
    assert [r["epoch"] for r in history] == [1, 2, 3]
    for key in ("train_loss", "test_loss", "test_accuracy", "elapsed_s"):
        assert all(isinstance(r[key], float) for r in history), key
    assert history[-1]["test_accuracy"] > 0.9  # the squares are easy
    ck = load_model(model)
    assert ck.net.sizes == (784, 32, 10) and ck.config.seed == 3 and ck.history == history
    assert main(["evaluate", str(model), "--dataset", str(csv_file)]) == 0
    report = capsys.readouterr().out
    assert f"accuracy {100 * history[-1]['test_accuracy']:.2f}%" in report
    assert "confusion matrix" in report and report.count("%") >= 11


def test_options_override_the_preset(tmp_path, csv_file):
    from nnviz.cli.main import build_parser, train_config
    args = build_parser().parse_args(["train", "--preset", "sigmoid-16-fullbatch", "--lr", "0.5",
                                      "--rotation", "10", "--dropout", "0.1"])
    cfg = train_config(args)
    base = PRESETS["sigmoid-16-fullbatch"].config
    assert cfg.lr == 0.5 and cfg.dropout == 0.1 and cfg.augmentation.max_rotation_deg == 10
    assert cfg.hidden == base.hidden == (16, 16) and cfg.batch_size == 0


@pytest.mark.parametrize("argv, message", [
    (["train", "--lr", "-1"], "argument --lr: must be a finite number in (0, 100), got -1"),
    (["train", "--dataset", "/nonexistent/x.csv"], "/nonexistent/x.csv"),
    (["train", "--preset", "fastest"], "unknown preset 'fastest'"),
    (["train", "--dropout", "1.5"], "argument --dropout: must be a finite number in [0, 1)"),
    # Issue 16: accepted, then misreported ("diverges at step 1", NumPy's words, the current
    # folder, a 784-10 network, no training at all).
    (["train", "--l2", "inf"], "argument --l2: must be a finite number in [0, 1], got inf"),
    (["train", "--init-scale", "inf"],
     "argument --init-scale: must be a finite number in (0, 100], got inf"),
    (["train", "--seed", "-1"], "argument --seed: must be an integer ≥ 0, got -1"),
    (["train", "--dataset", ""], "argument --dataset: expected a dataset name or path, got an "
     "empty one"),
    (["evaluate", "m.npz", "--dataset", ""], "argument --dataset: expected a dataset name"),
    (["train", "--epochs", "0"], "argument --epochs: must be an integer ≥ 1, got 0"),
    (["train", "--layers", ","], "argument --layers: expected at least one width"),
    (["train", "--subset", "-5"], "argument --subset: must be an integer ≥ 0, got -5"),
    (["evaluate", "/nonexistent/model.npz"], "no such file"),
    (["download", "cifar"], "cifar"),
])
def test_user_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in one_error_line(capsys)


def test_corrupt_model_and_mismatched_dataset(tmp_path, csv_file, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert main(["evaluate", str(bad), "--dataset", str(csv_file)]) == 2
    assert "not a readable .npz" in one_error_line(capsys)
    from nnviz.engine.checkpoint import save_model
    from nnviz.engine.network import MLP
    save_model(tmp_path / "small.npz", MLP((20, 5, 10)))
    assert main(["evaluate", str(tmp_path / "small.npz"), "--dataset", str(csv_file)]) == 2
    assert "takes 20 inputs" in one_error_line(capsys)


def test_bad_argparse_values_exit_2(capsys):
    assert main(["train", "--layers", "256,x"]) == 2
    assert "argument --layers: expected widths like 256,128" in one_error_line(capsys)


def test_presets_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert f"\n{name}\n" in f"\n{out}"


def test_python_dash_m_and_console_script_entry():
    out = subprocess.run([sys.executable, "-m", "nnviz", "--version"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and out.stdout.startswith("nnviz ")


@pytest.mark.parametrize("extra, momentum", [([], 0.9), (["--momentum", "0"], 0.0),
                                             (["--momentum", "0.5"], 0.5)])
def test_optimizer_momentum_alone_means_momentum_0_9(extra, momentum):
    from nnviz.cli.main import build_parser, train_config
    config = train_config(build_parser().parse_args(["train", "--optimizer", "momentum", *extra]))
    assert config.optimizer == "momentum" and config.momentum == momentum


def test_piped_train_writes_plain_lines_not_a_progress_bar(tmp_path, csv_file):
    """Output piped to a log: no carriage-return bar (~100 KB an epoch), one line per epoch."""
    import os
    env = dict(os.environ)  # PYTHONPATH as the test run has it
    out = subprocess.run([sys.executable, "-m", "nnviz", "train", "--dataset", str(csv_file),
                          "--layers", "16", "--epochs", "2", "--batch-size", "8",
                          "--save", str(tmp_path / "m.npz")],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "\r" not in out.stderr and "\r" not in out.stdout
    assert (len(out.stdout) + len(out.stderr)) / 2 < 5_000  # bytes per epoch
    assert [line.split()[1] for line in out.stdout.splitlines()
            if line.startswith("epoch")] == ["1/2", "2/2"]
