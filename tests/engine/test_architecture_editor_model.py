"""The architecture editor's data model: edits, per-row shapes and errors, to and from a config."""

import pytest

from nnviz.engine.architecture import Architecture
from nnviz.engine.config import TrainConfig
from nnviz.engine.convnet import LayerSpec
from nnviz.engine.presets import PRESETS


def test_rows_give_each_layer_its_shape_and_parameters():
    arch = Architecture.from_text("conv8k5,pool2,conv16k5valid,pool2,flatten,dense10")
    rows = arch.rows()
    assert [r.shape for r in rows] == [(28, 28, 8), (14, 14, 8), (10, 10, 16), (5, 5, 16),
                                       (400,), (10,)]
    assert [r.n_parameters for r in rows] == [8 * 26, 0, 16 * (25 * 8 + 1), 0, 0, 4010]
    assert arch.n_parameters == 208 + 3216 + 4010
    assert arch.error is None and all(r.error is None for r in rows)
    assert arch.summary() == ("28×28×1 → conv8k5 28×28×8 → pool2 14×14×8 → conv16k5valid "
                              "10×10×16 → pool2 5×5×16 → flatten 400 → dense10 10 · "
                              "7,434 parameters")


def test_a_wrong_row_carries_the_one_line_error_and_later_rows_no_shape():
    arch = Architecture.from_text("conv8k5,pool2,pool2,pool2,flatten,dense10")
    rows = arch.rows()
    assert rows[2].shape == (7, 7, 8) and rows[3].shape is None
    assert rows[3].error == ("layer 4 (pool2): 2×2 pooling needs sides that are multiples of "
                             "2, but the map here is 7×7")
    assert rows[4].shape is None and rows[4].error is None
    assert arch.error == rows[3].error and arch.summary() == rows[3].error
    with pytest.raises(ValueError, match="layer 4"):
        arch.to_config(TrainConfig())


def test_dense_on_a_map_and_kernel_too_large_name_the_layer():
    rows = Architecture.from_text("conv4k3,dense10").rows()
    assert rows[1].error.startswith("layer 2 (dense10): a dense layer needs a vector")
    assert "put flatten before it" in rows[1].error
    small = Architecture.from_text("conv4k9valid,flatten,dense3", input_shape=(6, 6, 1),
                                   n_classes=3)
    assert small.rows()[0].error == ("layer 1 (conv4k9valid): a 9×9 kernel is larger than "
                                     "the 6×6 map it slides over")


def test_the_output_layer_must_match_the_classes():
    arch = Architecture.from_text("flatten,dense32,dense5")
    assert arch.rows()[-1].error == ("layer 3 (dense5): the output layer must have one unit "
                                     "per class: dense10")


def test_edits_return_new_values_and_keep_the_output_last():
    arch = Architecture.from_text("conv8k5,pool2,flatten,dense10")
    wider = arch.replaced(0, units=32, padding="valid")
    assert wider.layers[0] == LayerSpec("conv", 32, 5, padding="valid")
    assert arch.layers[0].units == 8  # the original is unchanged
    assert wider.rows()[0].shape == (24, 24, 32)
    more = arch.inserted(2, "conv")
    assert [s.text for s in more.layers] == ["conv8k5", "pool2", "conv8k3", "flatten", "dense10"]
    assert more.rows()[2].shape == (14, 14, 8)
    assert [s.text for s in more.removed(1).layers] == ["conv8k5", "conv8k3", "flatten",
                                                       "dense10"]
    assert [s.text for s in more.moved(2, 0).layers][:3] == ["conv8k3", "conv8k5", "pool2"]
    with pytest.raises(IndexError, match="output layer"):
        arch.removed(3)
    with pytest.raises(IndexError, match="output layer"):
        arch.inserted(4, "dense")
    with pytest.raises(ValueError, match="one unit per class"):
        arch.replaced(3, units=11)
    with pytest.raises(IndexError):
        arch.removed(7)


def test_a_cnn_config_round_trips_through_the_model():
    config = PRESETS["lenet-small"].config
    arch = Architecture.from_config(config)
    assert arch.is_convolutional and arch.error is None
    again = arch.to_config(config)
    assert Architecture.from_config(again) == arch
    assert again.arch == ("conv16k5valid:relu,pool2,conv32k5valid:relu,pool2,flatten,"
                          "dense64:relu,dense10")
    tanh = arch.replaced(5, activation="tanh").to_config(config)
    assert Architecture.from_config(tanh).layers[5].activation == "tanh"


def test_an_mlp_stays_an_mlp():
    config = TrainConfig(hidden=(256, 128), activation=("relu", "tanh"))
    arch = Architecture.from_config(config)
    assert not arch.is_convolutional
    assert [r.shape for r in arch.rows()] == [(784,), (256,), (128,), (10,)]
    assert arch.n_parameters == 784 * 256 + 256 + 256 * 128 + 128 + 1290
    narrower = arch.replaced(1, units=64).removed(2).to_config(config)
    assert (narrower.arch, narrower.hidden, narrower.activations) == ("", (64,), ("relu",))
    # A CSV dataset's vector of 20 features, 3 classes: a 1×1×20 "image".
    tab = Architecture.from_config(TrainConfig(hidden=(8,)), (1, 1, 20), 3)
    assert tab.n_parameters == 20 * 8 + 8 + 8 * 3 + 3
    # Adding a convolution to the MLP makes it a CNN.
    cnn = arch.inserted(0, "conv")
    assert cnn.is_convolutional and cnn.to_config(config).arch.startswith("conv8k3:relu,flatten")


def test_a_stack_without_hidden_widths_keeps_its_one_activation():
    # hidden=() makes `activations` empty; the stack's layers still take `activation`.
    config = TrainConfig(arch="conv4k3,flatten,dense10", hidden=(), activation="tanh")
    assert config.stack_activation == "tanh"
    assert Architecture.from_config(config).layers[0].activation == "tanh"
    from nnviz.engine.training import make_network
    net = make_network(config, 784, 10, image_shape=(28, 28))
    assert net.activation_names[0] == "tanh"
