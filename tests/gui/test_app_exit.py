"""The application always exits (issue 16): a loader blocked in the file system, a FIFO in a
dataset folder, Ctrl+C in the terminal. Each runs the app in a subprocess, offscreen, whose
exit is waited for with a bound: a hang fails the test instead of hanging it."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from synthetic_data import SHARED_MNIST, make_images

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only: FIFOs, SIGINT")]

EXIT_BOUND_S = 60  # far more than any exit takes: only a hang reaches it


def app_env(tmp_path: Path) -> dict:
    """Offscreen, with settings, caches and the model library in the test's folder."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        env[name] = str(tmp_path / name.lower())
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                         env.get("PYTHONPATH", "")])
    return env


def run_script(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([sys.executable, "-c", textwrap.dedent(script)],
                              env=app_env(tmp_path), capture_output=True, text=True,
                              timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the app did not exit within {EXIT_BOUND_S} s: {exc.stderr!r}")


WINDOW = """
    import os, sys, threading
    from PySide6.QtCore import QSettings, QTimer
    from nnviz.charts.app import make_app
    from nnviz.gui.app import build_window
    app = make_app()
    window = build_window(settings=QSettings(os.environ["XDG_CONFIG_HOME"] + "/t.ini",
                                           QSettings.Format.IniFormat))
    window.show()
"""


def image_folder_with_a_fifo(root: Path) -> Path:
    from PIL import Image
    for label in "01":
        (root / label).mkdir(parents=True)
        for i, image in enumerate(make_images(3, seed=int(label))):
            Image.fromarray(image).save(root / label / f"{i}.png")
    os.mkfifo(root / "1" / "pipe.png")
    return root


def test_a_fifo_in_a_dataset_folder_is_refused_and_the_app_exits(tmp_path):
    folder = image_folder_with_a_fifo(tmp_path / "digits")
    result = run_script(tmp_path, WINDOW + f"""
    window.open_dataset({str(folder)!r})
    def close_when_answered():
        if window.errors:
            timer.stop()  # close() runs events: the timer must not print the error again
            print(window.errors[-1])
            window.close()
    timer = QTimer(window, interval=20, timeout=close_when_answered)
    timer.start()
    sys.exit(app.exec())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"{folder / '1' / 'pipe.png'}: is a FIFO (named pipe), not "
                                     "an image file; not read (remove it from class folder '1')")


def test_a_loader_blocked_for_ever_does_not_keep_the_app_from_exiting(tmp_path):
    # As a read from a hung network file system: the dataset loader never returns.
    result = run_script(tmp_path, WINDOW + """
    import nnviz.datasets
    started = threading.Event()
    def load_for_ever(*args, **kwargs):
        started.set()
        threading.Event().wait()
    nnviz.datasets.load_dataset = load_for_ever
    window.open_dataset("mnist")
    QTimer(window, interval=20, timeout=lambda: started.is_set() and window.close()).start()
    code = app.exec()
    print("event loop ended", started.is_set())
    sys.exit(code)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "event loop ended True"


def helper_processes(pid: int) -> list[str]:
    try:
        return [child for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.skipif(not (SHARED_MNIST / "train-images-idx3-ubyte.gz").is_file(),
                    reason="needs the real MNIST (../shared/datasets/mnist)")
def test_ctrl_c_in_the_terminal_ends_the_app_quietly(tmp_path):
    # The terminal sends SIGINT to the whole process group: the window and its helpers.
    env = dict(app_env(tmp_path), NNVIZ_DATA_DIR=str(SHARED_MNIST.parent))
    app = subprocess.Popen([sys.executable, "-m", "nnviz", "gui", "--train-steps", "20"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        # Wait until the training process is up (polled, bounded by the exit bound below).
        for _ in range(EXIT_BOUND_S * 10):
            if helper_processes(app.pid) or app.poll() is not None:
                break
            time.sleep(0.1)
        if not helper_processes(app.pid):  # say why: the app's exit code and its stderr
            code = app.poll()
            err = app.communicate(timeout=EXIT_BOUND_S)[1] if code is not None else ""
            raise AssertionError(f"the training process never started (app exit {code}): {err}")
        os.killpg(app.pid, signal.SIGINT)
        _, err = app.communicate(timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired:
        os.killpg(app.pid, signal.SIGKILL)
        pytest.fail(f"the app did not exit within {EXIT_BOUND_S} s of Ctrl+C")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert app.returncode == 130
    assert err.strip().splitlines()[-1] == "nnviz: interrupted"
    saved = list((tmp_path / "xdg_config_home").rglob("*.conf"))
    assert saved and "geometry" in saved[0].read_text()  # settings saved on the way out
