"""Output paths on the command line: checked before any work, said with the user's path, and
nothing trained lost when a save fails at the end anyway."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest
from test_cli import learnable_csv, one_error_line

from nnviz.cli.main import main
from nnviz.engine.checkpoint import load_model


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    return learnable_csv(tmp_path_factory.mktemp("data") / "digits.csv", n=200)


@pytest.fixture
def steps(monkeypatch):
    """Counts the training steps (and the models evaluated) that ran."""
    from nnviz.analysis import evaluation
    from nnviz.engine import training
    ran = []
    step, compute = training.Trainer.step, evaluation.Evaluation.compute.__func__
    monkeypatch.setattr(training.Trainer, "step", lambda self: (ran.append("step"), step(self))[1])
    monkeypatch.setattr(evaluation.Evaluation, "compute",
                        classmethod(lambda cls, *a, **k: (ran.append("eval"),
                                                          compute(cls, *a, **k))[1]))
    return ran


@pytest.fixture
def library(tmp_path, monkeypatch):
    """The model library folder (where weights a failed --save could not take go)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "nnviz" / "models"


def train(csv_file, *extra):
    return main(["train", "--dataset", str(csv_file), "--layers", "8", "--epochs", "1",
                 "--batch-size", "50", "--quiet", *extra])


@pytest.fixture
def model(tmp_path, csv_file):
    path = tmp_path / "trained.npz"
    assert train(csv_file, "--save", str(path)) == 0
    return path


def test_every_train_output_is_checked_before_a_step_is_trained(tmp_path, csv_file, steps,
                                                                 capsys):
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "adir").mkdir()
    cases = [
        (["--save", str(tmp_path / "adir")],
         "--save {t}/adir: that is a folder; give a file name, e.g. {t}/adir/name"),
        (["--history", str(tmp_path / "adir")],
         "--history {t}/adir: that is a folder; give a file name, e.g. {t}/adir/name"),
        (["--save", str(tmp_path / "afile" / "m.npz")],
         "--save {t}/afile/m.npz: {t}/afile is a file, not a folder; choose a path in a folder"),
        (["--history", str(tmp_path / "h.json"), "--save", str(tmp_path / "h.json")],
         "--save and --history name the same file {t}/h.json; give two"),
    ]
    if os.path.isdir("/proc/self"):
        cases.append((["--save", "/proc/m.npz"],
                      "--save /proc/m.npz: files cannot be created in /proc; choose another path"))
    for argv, message in cases:
        assert train(csv_file, *argv) == 2, argv
        assert one_error_line(capsys) == "nnviz: error: " + message.format(t=tmp_path)
    assert steps == []  # f5f4612 trained the whole run first, then failed naming a temp file
    assert sorted(os.listdir(tmp_path)) == ["adir", "afile"]
    assert (tmp_path / "afile").read_text() == "mine" and os.listdir(tmp_path / "adir") == []


def test_evaluate_png_dir_is_checked_before_the_model_is_evaluated(tmp_path, model, csv_file,
                                                                   steps, capsys):
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "out" / "confusion.png").mkdir(parents=True)
    for png_dir, message in [
        ("afile", "--png-dir {t}/afile: that is a file, not a folder; give a folder (it is "
                  "made if missing)"),
        ("out", "--png-dir {t}/out/confusion.png: that is a folder; give a file name, "
                "e.g. {t}/out/confusion.png/name"),
    ]:
        code = main(["evaluate", str(model), "--dataset", str(csv_file),
                     "--png-dir", str(tmp_path / png_dir)])
        assert code == 2
        assert one_error_line(capsys) == "nnviz: error: " + message.format(t=tmp_path)
    assert steps == []
    assert (tmp_path / "afile").read_text() == "mine"


def test_gui_screenshot_is_checked_before_the_window_opens(tmp_path, monkeypatch, capsys):
    import nnviz.gui.app as app
    monkeypatch.setattr(app, "run_app", lambda args: pytest.fail("the window was opened"))
    (tmp_path / "adir").mkdir()
    assert main(["gui", "--screenshot", str(tmp_path / "adir")]) == 2
    assert one_error_line(capsys) == (f"nnviz: error: --screenshot {tmp_path}/adir: that is a "
                                      f"folder; give a file name, e.g. {tmp_path}/adir/name")


def test_dev_null_is_written_into_and_stays_a_device(tmp_path, csv_file, capsys):
    null = tmp_path / "null"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # our own, never the system's
    except (PermissionError, AttributeError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    assert train(csv_file, "--save", str(null), "--history", str(null)) == 0
    assert f"saved {null}" in capsys.readouterr().err
    st = os.stat(null)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert os.listdir(tmp_path) == ["null"]


def test_a_history_fifo_gets_the_json(tmp_path, csv_file):
    import threading
    fifo = tmp_path / "h.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    assert train(csv_file, "--history", str(fifo)) == 0
    reader.join(30)
    assert [r["epoch"] for r in json.loads(got[0])] == [1]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_save_that_fails_at_the_end_puts_the_weights_in_the_library(tmp_path, csv_file,
                                                                      library, monkeypatch,
                                                                      capsys):
    """The check passed, then the disk filled up: the one error line says where they went."""
    from nnviz.files import atomic
    target = tmp_path / "m.npz"
    target.write_bytes(b"the previous model")
    real_replace = os.replace

    def full(src, dst):
        if str(dst) == str(target):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)
    monkeypatch.setattr(atomic.os, "replace", full)
    assert train(csv_file, "--save", str(target), "--history", str(tmp_path / "h.json")) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    (rescued,) = library.iterdir()
    assert err == (f"nnviz: error: --save {target}: the disk is full (no space left on the "
                   f"device); free some space or choose another folder; the model was saved "
                   f"instead to {rescued}")
    assert load_model(rescued).net.sizes == (784, 8, 10)
    assert target.read_bytes() == b"the previous model"
    assert [r["epoch"] for r in json.loads((tmp_path / "h.json").read_text())] == [1]
    assert sorted(os.listdir(tmp_path)) == ["h.json", "m.npz", "xdg"]  # no temporary file left
