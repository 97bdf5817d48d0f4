"""A convolutional model in today's window: one clear line, the shown network kept."""

from gui_helpers import latest, trained

from nnviz.engine.checkpoint import save_model
from nnviz.engine.convnet import ConvNet

MESSAGE = ("conv4k5,pool2,flatten,dense10: a convolutional network; this window does not show "
           "convolutional layers yet (nnviz evaluate reads it)")


def test_loading_a_cnn_says_so_in_one_line_and_keeps_the_view(qtbot, window, tmp_path):
    snap = trained(qtbot, window, 5)
    cnn = ConvNet((28, 28, 1), "conv4k5,pool2,flatten,dense10", seed=0)
    path = save_model(tmp_path / "cnn.npz", cnn)
    window.files.load_model(path)  # File > Load model: read in the background, then refused
    qtbot.waitUntil(lambda: bool(window.errors), timeout=10_000)
    assert window.errors == [MESSAGE]
    # The library's and the runs' loads go through the same door.
    assert not window.training_commands.continue_from(cnn, None, [], "Cannot load the run")
    assert window.errors[-1] == MESSAGE and len(window.errors) == 2
    # Nothing was replaced: the window still shows the network it had.
    assert latest(window, "step") == 5
    assert window.model.latest.run_id == snap.run_id
    assert window.model.latest.layers[0].W.shape == snap.layers[0].W.shape
