"""The window made of parts: the action table holds the commands themselves, the lessons are
given to the window from above, and the Controls follow the session's configuration."""

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from nnviz.engine.checkpoint import save_model
from nnviz.engine.config import TrainConfig
from nnviz.engine.training import make_network
from nnviz.gui.window import actions
from nnviz.gui.window.main_window import MainWindow


def test_every_action_runs_the_callable_of_its_row(qtbot, tmp_path, monkeypatch):
    """The table's last column is the command (a function of the window), not a name looked up
    on it: every action, triggered, calls its own with the window."""
    called = []
    for table in actions.TABLES:
        for name, spec in table.items():
            assert callable(spec[-1]), name
            monkeypatch.setitem(table, name, (*spec[:-1],
                                              lambda w, name=name: called.append((name, w))))
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                   lessons=lambda commands: QWidget())
    qtbot.addWidget(w)
    assert called == []  # building the window runs none of them
    names = [name for table in actions.TABLES for name in table]
    for name in names:
        w.actions_[name].setEnabled(True)
        w.actions_[name].trigger()
    assert called == [(name, w) for name in names]
    w.training.shutdown()


def test_the_actions_reach_the_parts(window, qtbot):
    snap = window.model.latest
    window.actions_["step"].trigger()  # Training > Step: the training commands
    qtbot.waitUntil(lambda: window.model.latest is not snap and window.model.latest.step == 1,
                    timeout=20_000)
    window.actions_["presenter"].trigger()  # View > Presenter: on, then off
    assert window.presenter and window.actions_["presenter"].isChecked()
    window.actions_["presenter"].trigger()
    assert not window.presenter
    window.actions_["explorer"].trigger()
    assert window.explorer_window.isVisible()


def test_a_window_without_lessons_has_help_lessons_off(qtbot, tmp_path):
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    assert w.lessons_window is None and not w.actions_["lessons"].isEnabled()
    assert len(w.side_windows) == 2
    w.close()


def test_the_controls_show_a_network_built_from_another_config(window):
    cfg = TrainConfig(hidden=(24,), activation="tanh", batch_size=10, epochs=2, lr=0.02, seed=3)
    assert window.new_network(cfg)
    assert window.views["controls"].config() == cfg == window.model.config


def test_a_loaded_model_replaces_the_edits_for_the_next_network(window, qtbot, digits,
                                                                tmp_path):
    controls = window.views["controls"]
    cfg = TrainConfig(hidden=(20,), batch_size=25, epochs=4, lr=0.03, seed=9)
    path = tmp_path / "m.npz"
    save_model(path, make_network(cfg, digits.n_features, digits.n_classes), cfg, [])
    controls.seed.setValue(11)  # an edit for the next network: the banner is up
    assert controls.needs_new_network()
    window.files.load_model(path)
    qtbot.waitUntil(lambda: window.model.config == cfg, timeout=10_000)
    assert controls.config() == cfg and not controls.needs_new_network()


def test_a_model_like_the_current_network_keeps_the_edits_and_the_banner(window, qtbot, digits,
                                                                         tmp_path):
    controls = window.views["controls"]
    cfg = window.model.config
    path = tmp_path / "same.npz"
    save_model(path, make_network(cfg, digits.n_features, digits.n_classes), cfg, [])
    controls.seed.setValue(cfg.seed + 1)
    task = window.files.load_model(path)
    qtbot.waitUntil(lambda: task.is_delivered, timeout=10_000)
    assert window.model.config == cfg and not window.errors
    assert controls.seed.value() == cfg.seed + 1 and controls.needs_new_network()
