"""The small float64 CNNs the analysis tests take apart, shared by them."""

import numpy as np

from nnviz.engine.convnet import ConvNet, parse_arch

SMALL = "conv3k3,pool2,flatten,dense4"
# Stride 2 and no padding, average pooling of an odd size, a 1×1 convolution, two dense layers.
STRIDED = "conv4k3s2valid,avgpool3,conv2k1,flatten,dense5,dense3"


def small_cnn(arch: str, shape, seed: int = 0) -> ConvNet:
    """``arch`` on images of ``shape`` (H, W, C) in float64, its parameters jittered so that no
    two units tie (ties would hide which one an analysis picked)."""
    net = ConvNet(shape, parse_arch(arch), seed=seed, dtype=np.float64)
    net.theta += 0.05 * np.random.default_rng(seed).standard_normal(net.theta.size)
    return net
