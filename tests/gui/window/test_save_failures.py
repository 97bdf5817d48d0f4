"""A save the window cannot write: the box names the user's path, the weights stay in memory
and Save as… writes those very weights elsewhere."""

import numpy as np
from gui_helpers import trained

import nnviz.gui.window.file_commands as file_commands
from nnviz.engine.checkpoint import load_model


def test_a_failed_save_names_the_path_and_save_as_writes_the_same_weights(
        qtbot, window, tmp_path, monkeypatch):
    snap = trained(qtbot, window, 5)
    folder = tmp_path / "adir"
    folder.mkdir()
    assert not window.files.save_model(folder)
    message = window.errors[-1]
    assert message.startswith(f"{folder}: that is a folder") and "Save as…" in message
    assert ".nnviz-tmp" not in message
    other = tmp_path / "elsewhere.npz"
    monkeypatch.setattr(file_commands.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(other), ""))
    window.files.save_failed_box.accept()  # the box's Save as… button
    ck = load_model(other)
    assert np.array_equal(ck.net.layers[0].W, snap.layers[0].W)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".npz") == ["elsewhere.npz"]


def test_exports_are_checked_and_name_the_users_path(qtbot, window, tmp_path):
    trained(qtbot, window, 5)
    (tmp_path / "afile").write_text("mine")
    assert not window.files.export_history(tmp_path / "afile" / "h.json")
    assert window.errors[-1].startswith(f"{tmp_path}/afile/h.json: {tmp_path}/afile is a file")
    assert not window.files.export_view("curves", tmp_path)
    assert window.errors[-1].startswith(f"{tmp_path}: that is a folder")
    assert (tmp_path / "afile").read_text() == "mine"
