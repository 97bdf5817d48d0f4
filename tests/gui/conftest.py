"""GUI test fixtures: pyqtgraph in row-major mode, small real datasets, real snapshots and
the main window on them."""

import pyqtgraph as pg
import pytest
from gui_helpers import make_snapshot, tiny_digits
from PySide6.QtCore import QSettings

from nnviz.charts.app import collect_garbage_between_events
from nnviz.datasets import Dataset
from nnviz.engine.config import TrainConfig
from nnviz.gui.app import build_window

pg.setConfigOptions(imageAxisOrder="row-major")


@pytest.fixture(scope="session", autouse=True)
def garbage_between_events(qapp):
    """As the app does: cycles are collected between events, never inside Qt's own code."""
    return collect_garbage_between_events()


@pytest.fixture(scope="session")
def digits() -> Dataset:
    return tiny_digits()


@pytest.fixture
def snapshot(digits):
    """A real snapshot after 25 batches (a bit more than two epochs of ``digits``)."""
    return make_snapshot(digits)[0]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Decoded-dataset caches and the model library go to the test's folder, never the
    user's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the model library
    monkeypatch.delenv("NNVIZ_DATA_DIR", raising=False)


@pytest.fixture
def no_rate_limit():
    """Every synthetic mouse move reaches sigMouseMoved (the scene drops moves < 10 ms apart)."""
    old = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=0)
    yield
    pg.setConfigOptions(mouseRateLimit=old)


# -- the main window ---------------------------------------------------------------------

@pytest.fixture
def make_window(qtbot, tmp_path):
    made = []

    def make():
        w = build_window(settings=QSettings(str(tmp_path / "settings.ini"),
                                            QSettings.Format.IniFormat))
        qtbot.addWidget(w)
        w.resize(1600, 1000)
        w.show()
        made.append(w)
        return w
    yield make
    for w in made:
        w.training.shutdown()


SMALL = TrainConfig(hidden=(32, 16), batch_size=20, epochs=3, seed=0)  # 15 batches an epoch


@pytest.fixture
def window(make_window, digits):
    w = make_window()
    w.views["controls"].set_config(SMALL)
    w.files.set_dataset(digits, "tiny")
    return w
