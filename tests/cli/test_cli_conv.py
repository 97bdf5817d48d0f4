"""``nnviz train --arch`` and the CNN presets, and ``nnviz evaluate`` of a saved CNN."""

import numpy as np
import pytest
from PIL import Image

from nnviz.cli.main import main
from nnviz.engine.checkpoint import load_model
from nnviz.engine.convnet import ConvNet
from nnviz.engine.presets import PRESETS
from tests.cli.test_cli import learnable_csv, one_error_line

ARCH = "conv4k5,pool2,conv4k3s2,flatten,dense10"


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    return learnable_csv(tmp_path_factory.mktemp("data") / "digits.csv", n=300)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, csv_file):
    model = tmp_path_factory.mktemp("model") / "cnn.npz"
    code = main(["train", "--dataset", str(csv_file), "--arch", ARCH, "--epochs", "6",
                 "--batch-size", "32", "--lr", "3e-3", "--save", str(model), "--quiet"])
    assert code == 0
    return model


def test_train_arch_saves_a_cnn_that_learns(trained, capsys):
    ck = load_model(trained)
    assert isinstance(ck.net, ConvNet) and ck.net.arch_text == ARCH
    assert ck.net.input_shape == (28, 28, 1) and ck.config.arch == ARCH
    assert [L.W.shape for L in ck.net.layers] == [(4, 5, 5, 1), (4, 3, 3, 4), (10, 196)]
    assert ck.history[-1]["test_accuracy"] >= 0.8  # the squares are easy (240 images, 6 epochs)


def test_evaluate_a_cnn_with_its_pngs_and_the_map_of_a_conv_layer(trained, csv_file, tmp_path,
                                                                   capsys):
    capsys.readouterr()
    code = main(["evaluate", str(trained), "--dataset", str(csv_file), "--png-dir",
                 str(tmp_path), "--map", "1", "--robustness-n", "50"])
    assert code == 0
    out = capsys.readouterr().out
    assert "ConvNet(28×28×1 → conv4k5,pool2,conv4k3s2,flatten,dense10" in out
    assert "confusion matrix" in out and "robustness: accuracy on 50 test images" in out
    for name in ("confusion.png", "robustness.png", "map.png"):
        with Image.open(tmp_path / name) as im:
            assert im.size[0] > 200 and len(np.unique(np.asarray(im.convert("L")))) > 10, name


@pytest.mark.parametrize("arch, message", [
    ("conv8k31,flatten,dense10", "layer 1 (conv8k31): a 31×31 kernel is larger than the 28×28 map"),
    ("conv8k5,pool3,flatten,dense10", "layer 2 (pool3): 3×3 pooling needs sides that are "
                                      "multiples of 3, but the map here is 28×28"),
    ("conv8k5,pool2,dense10", "layer 3 (dense10): a dense layer needs a vector, but the input "
                              "here is a 14×14×8 map: put flatten before it"),
    ("conv8k5,flatten,dense7", "layer 3 (dense7): the output layer must have one unit per class"),
    ("conv8k5,pool2,conv9x", "layer 3 (conv9x): not a layer"),
    ("conv4096k5s2,pool2,conv4096k5,flatten,dense10", "5 layers and 421,548,042 parameters; "
                                                      "nnviz builds at most 256 layers"),
    ("conv4096k5,conv4096k5,flatten,dense10", "layer 2 (conv4096k5): the maps up to here hold "
                                              "6,423,312 values per image, more than"),
])
def test_a_wrong_arch_is_one_line_naming_the_layer(csv_file, capsys, arch, message):
    code = main(["train", "--dataset", str(csv_file), "--arch", arch, "--quiet"])
    assert code == 2
    line = one_error_line(capsys)
    assert message in line, line


def test_the_cnn_presets_build_lenet_shapes():
    from nnviz.engine.training import make_network
    small = make_network(PRESETS["lenet-small"].config, 784, 10, image_shape=(28, 28))
    large = make_network(PRESETS["lenet"].config, 784, 10, image_shape=(28, 28))
    # LeNet's unpadded 5×5 convolutions: 28 → 24 → 12 → 8 → 4.
    assert small.shapes[:4] == [(24, 24, 16), (12, 12, 16), (8, 8, 32), (4, 4, 32)]
    assert large.shapes[:4] == [(24, 24, 32), (12, 12, 32), (8, 8, 64), (4, 4, 64)]
    assert small.n_parameters == 46_730 and large.n_parameters == 184_586
    assert "conv16k5valid,pool2" in PRESETS["lenet-small"].describe()


def test_layers_after_a_cnn_preset_train_an_mlp(csv_file, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "--preset", "lenet-small", "--layers", "16", "--epochs", "1",
                 "--dataset", str(csv_file), "--save", str(model), "--quiet"]) == 0
    assert load_model(model).net.sizes == (784, 16, 10)
    assert np.isfinite(load_model(model).history[-1]["test_loss"])
