"""A network as a sequence of layers — convolution, pooling, flatten, dense — over one flat
parameter buffer: the MLP generalised to images.

A stack is described by text (``conv8k5,pool2,conv16k5,pool2,flatten,dense10``, see
:func:`parse_arch`) or by a list of :class:`LayerSpec`. :class:`ConvNet` has the contract of
:class:`nnviz.engine.network.MLP` that the trainer, optimisers, metrics, snapshots and
checkpoints use: ``theta``/``grad`` buffers, ``layers`` (the layers with parameters, each with
``W``, ``b``, ``dW``, ``db``, ``activation``), ``sizes``, ``forward``/``backward``,
``logits``/``predict``/``hidden_activations``, ``architecture``/``from_architecture``.
Inputs are rows of ``H·W·C`` pixels (as the datasets hold them) or ``(m, H, W, C)`` maps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from math import prod
from typing import cast

import numpy as np

from nnviz.engine.activations import ACTIVATIONS, Identity, ReLU, get_activation
from nnviz.engine.conv import PADDINGS, Conv2D, Flatten, Pool2D, conv_geometry
from nnviz.engine.init import init_weights
from nnviz.engine.layers import Dense
from nnviz.engine.losses import Loss, get_loss, softmax
from nnviz.engine.network import MLP, NamedParameters

KINDS = ("conv", "pool", "flatten", "dense")
MAX_FILTERS = 4096
MAX_KERNEL = 31
# Units of all maps of one example: bounds what evaluating one image allocates.
MAX_UNITS_PER_EXAMPLE = 1 << 22
MAX_SIDE = 4096  # of an input map, and its channels


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack.

    ``kind`` is ``conv`` (``units`` filters of ``kernel``×``kernel``, ``stride``, ``padding``),
    ``pool`` (``size``×``size`` windows, ``mode`` max or avg), ``flatten`` or ``dense``
    (``units`` outputs). ``activation`` applies to conv and dense layers; the last layer
    (dense) is the linear output layer, whatever it says.
    """

    kind: str
    units: int = 0
    kernel: int = 0
    stride: int = 1
    padding: str = "same"
    size: int = 2
    mode: str = "max"
    activation: str = "relu"

    @property
    def text(self) -> str:
        """The layer in :func:`parse_arch`'s syntax."""
        if self.kind == "conv":
            s = f"conv{self.units}k{self.kernel}"
            s += f"s{self.stride}" if self.stride != 1 else ""
            return s + ("valid" if self.padding == "valid" else "")
        if self.kind == "pool":
            return f"{'avg' if self.mode == 'avg' else ''}pool{self.size}"
        return "flatten" if self.kind == "flatten" else f"dense{self.units}"

    def to_dict(self) -> dict:
        d = asdict(self)
        keep = {"conv": ("units", "kernel", "stride", "padding", "activation"),
                "pool": ("size", "mode"), "flatten": (), "dense": ("units", "activation")}
        return {"kind": self.kind, **{k: d[k] for k in keep[self.kind]}}


_PATTERNS = [
    (re.compile(r"conv(\d+)k(\d+)(?:s(\d+))?(same|valid)?"), "conv"),
    (re.compile(r"(max|avg)?pool(\d+)"), "pool"),
    (re.compile(r"flatten"), "flatten"),
    (re.compile(r"dense(\d+)"), "dense"),
]
SYNTAX = ("conv<filters>k<kernel>[s<stride>][valid], [max|avg]pool<size>, flatten, "
          "dense<units>, each optionally :<activation>")


def parse_arch(text: str, activation: str = "relu") -> list[LayerSpec]:
    """Layers from ``conv8k5,pool2,conv16k5,pool2,flatten,dense10``.

    ``conv8k5`` is 8 filters of 5×5, stride 1, 'same' padding; ``conv8k3s2valid`` stride 2
    and no padding; ``pool2``/``maxpool2``/``avgpool2`` 2×2 pooling; ``dense64:tanh`` a
    layer with its own activation (else ``activation``). Raises ``ValueError`` naming the
    item at fault; shapes are checked by :func:`layer_shapes`.
    """
    items = [t for t in str(text).replace(" ", "").lower().split(",") if t]
    if not items:
        raise ValueError(f"empty architecture; expected items like {SYNTAX}")
    specs = []
    for i, item in enumerate(items, 1):
        body, _, act = item.partition(":")
        act = act or activation
        if act not in ACTIVATIONS or act == "identity":
            raise ValueError(f"layer {i} ({item}): unknown activation {act!r}; choose one of "
                             "relu, leaky_relu, sigmoid, tanh")
        for pattern, kind in _PATTERNS:  # noqa: B007 - kind is read after the loop
            m = pattern.fullmatch(body)
            if m:
                break
        else:
            raise ValueError(f"layer {i} ({item}): not a layer; expected {SYNTAX}")
        if kind == "conv":
            spec = LayerSpec("conv", int(m[1]), int(m[2]), int(m[3] or 1), m[4] or "same",
                             activation=act)
        elif kind == "pool":
            spec = LayerSpec("pool", size=int(m[2]), mode=m[1] or "max")
        elif kind == "flatten":
            spec = LayerSpec("flatten")
        else:
            spec = LayerSpec("dense", int(m[1]), activation=act)
        specs.append(spec)
    return specs


def spec_from_dict(d: dict) -> LayerSpec:
    """Inverse of :meth:`LayerSpec.to_dict`; ``TypeError``/``ValueError`` if malformed."""
    if not isinstance(d, dict) or d.get("kind") not in KINDS:
        raise ValueError(f"a layer must be an object whose kind is one of {', '.join(KINDS)}")
    fields = {"units": int, "kernel": int, "stride": int, "size": int, "padding": str,
              "mode": str, "activation": str}
    unknown = set(d) - set(fields) - {"kind"}
    if unknown:
        raise ValueError(f"unknown layer field(s) {', '.join(sorted(unknown))}")
    for key, kind in fields.items():
        if key in d and type(d[key]) is not kind:
            word = 'an integer' if kind is int else 'a string'
            raise TypeError(f"layer field {key} must be {word}")
    return LayerSpec(**d)


def layer_shapes(input_shape, specs: Sequence[LayerSpec], n_classes: int | None = None):
    """Output shape of each layer and the parameter count, by arithmetic alone.

    Parameters
    ----------
    input_shape : (H, W, C)
    specs : sequence of LayerSpec
    n_classes : int, optional
        When given, the last layer must be ``dense<n_classes>``.

    Returns
    -------
    shapes : list of tuple
        ``(H, W, C)`` for maps, ``(n,)`` after flatten and dense layers.
    n_parameters : int

    Raises
    ------
    ValueError
        One line naming the layer at fault (``layer 3 (pool2): …``).
    """
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != 3 or not all(1 <= s <= MAX_SIDE for s in shape):
        raise ValueError(f"input shape must be (height, width, channels), each 1…{MAX_SIDE}, "
                         f"got {shape}")
    if not specs:
        raise ValueError("a network needs at least one layer")
    shapes, n_params, units = [], 0, prod(shape)
    for i, s in enumerate(specs, 1):
        shape, n = layer_output(shape, s, i)
        n_params += n
        units += prod(shape)
        if units > MAX_UNITS_PER_EXAMPLE:
            raise ValueError(f"layer {i} ({s.text}): the maps up to here hold {units:,} values "
                             f"per image, more than the {MAX_UNITS_PER_EXAMPLE:,} nnviz allows")
        shapes.append(shape)
    last = specs[-1]
    if last.kind != "dense":
        raise ValueError(f"layer {len(specs)} ({last.text}): the last layer must be a dense "
                         "output layer (e.g. flatten,dense10)")
    if n_classes is not None and last.units != n_classes:
        raise ValueError(f"layer {len(specs)} ({last.text}): the output layer must have one "
                         f"unit per class: dense{n_classes}")
    return shapes, n_params


def layer_output(shape: tuple[int, ...], s: LayerSpec, i: int) -> tuple[tuple[int, ...], int]:
    """Output shape and parameter count of layer ``i`` (1-based, for the message), ``s``,
    receiving ``shape`` ((H, W, C) or (n,)); ``ValueError`` names the layer at fault."""
    n = 0
    where = f"layer {i} ({s.text})"
    spatial = len(shape) == 3
    if s.kind == "conv":
        if not spatial:
            raise ValueError(f"{where}: a convolution needs a map, but the input here is a "
                             f"vector of {shape[0]} (flattened)")
        if not (1 <= s.units <= MAX_FILTERS and 1 <= s.kernel <= MAX_KERNEL):
            raise ValueError(f"{where}: filters must be 1…{MAX_FILTERS} and kernel "
                             f"1…{MAX_KERNEL}")
        if s.stride not in (1, 2):
            raise ValueError(f"{where}: stride must be 1 or 2, got {s.stride}")
        if s.padding not in PADDINGS:
            raise ValueError(f"{where}: padding must be same or valid, got {s.padding!r}")
        h, w, c = shape
        if s.kernel > min(h, w):
            raise ValueError(f"{where}: a {s.kernel}×{s.kernel} kernel is larger than the "
                             f"{h}×{w} map it slides over")
        ho = conv_geometry(h, s.kernel, s.stride, s.padding)[0]
        wo = conv_geometry(w, s.kernel, s.stride, s.padding)[0]
        n = s.units * (s.kernel * s.kernel * c + 1)
        shape = (ho, wo, s.units)
        if s.activation not in ACTIVATIONS:
            raise ValueError(f"{where}: unknown activation {s.activation!r}")
    elif s.kind == "pool":
        if not spatial:
            raise ValueError(f"{where}: pooling needs a map, but the input here is a vector")
        h, w, c = shape
        if s.size < 1 or s.mode not in ("max", "avg"):
            raise ValueError(f"{where}: pooling needs a size ≥ 1 and mode max or avg")
        if h % s.size or w % s.size:
            raise ValueError(f"{where}: {s.size}×{s.size} pooling needs sides that are "
                             f"multiples of {s.size}, but the map here is {h}×{w}")
        shape = (h // s.size, w // s.size, c)
    elif s.kind == "flatten":
        if not spatial:
            raise ValueError(f"{where}: the input here is already flat")
        shape = (prod(shape),)
    elif s.kind == "dense":
        if spatial:
            raise ValueError(f"{where}: a dense layer needs a vector, but the input here "
                             f"is a {'×'.join(map(str, shape))} map: put flatten before it")
        if not 1 <= s.units <= 1 << 20:
            raise ValueError(f"{where}: units must be 1…{1 << 20}")
        if s.activation not in ACTIVATIONS:
            raise ValueError(f"{where}: unknown activation {s.activation!r}")
        n = s.units * (shape[0] + 1)
        shape = (s.units,)
    else:
        raise ValueError(f"{where}: unknown layer kind {s.kind!r}")
    return shape, n


def parameter_shapes(input_shape, specs) -> dict[str, tuple[int, ...]]:
    """``{"W1": (C_out, k, k, C_in) or (n_out, n_in), "b1": (n_out,), …}`` of a stack whose
    shapes :func:`layer_shapes` accepted: what a checkpoint must hold, allocating nothing."""
    shapes, _ = layer_shapes(input_shape, specs)
    out: dict[str, tuple[int, ...]] = {}
    shape: tuple[int, ...] = tuple(input_shape)
    i = 0
    for s, out_shape in zip(specs, shapes):
        if s.kind in ("conv", "dense"):
            i += 1
            out[f"W{i}"] = ((s.units, s.kernel, s.kernel, shape[2]) if s.kind == "conv"
                            else (s.units, shape[0]))
            out[f"b{i}"] = (s.units,)
        shape = out_shape
    return out


def describe_shapes(input_shape, specs) -> str:
    """``28×28×1 → conv8k5 28×28×8 → pool2 14×14×8 → … → dense10 10``."""
    shapes, _ = layer_shapes(input_shape, specs)
    parts = ["×".join(map(str, input_shape))]
    parts += [f"{s.text} {'×'.join(map(str, sh))}" for s, sh in zip(specs, shapes)]
    return " → ".join(parts)


class ConvNet(NamedParameters):
    """A stack of conv, pool, flatten and dense layers; the last is the linear output.

    Parameters
    ----------
    input_shape : (H, W, C)
        Of one example; rows of H·W·C pixels are read as such maps (NHWC).
    specs : sequence of LayerSpec, or str for :func:`parse_arch`
    init, init_scale, seed, dtype, initialize
        As for :class:`nnviz.engine.network.MLP`; a convolution's fan-in is k·k·C_in.

    Attributes
    ----------
    stack : list
        Every layer in order (:class:`Conv2D`, :class:`Pool2D`, :class:`Flatten`, ``Dense``).
    layers : list
        The layers with parameters (conv and dense), numbered 1… as ``W1, b1, …``.
    shapes : list of tuple
        Each stack layer's output shape for one example.
    sizes : tuple of int
        ``(H·W·C, units of layer 1, …, K)``: the MLP's ``sizes`` counted over ``layers``.
    """

    def __init__(self, input_shape, specs, init="he", init_scale: float = 1.0,
                 seed: int | None = 0, dtype=np.float32, *, initialize: bool = True):
        if isinstance(specs, str):
            specs = parse_arch(specs)
        self.specs = [s if isinstance(s, LayerSpec) else spec_from_dict(s) for s in specs]
        self.input_shape = tuple(int(s) for s in input_shape)
        self.shapes, total = layer_shapes(self.input_shape, self.specs)
        self.init, self.init_scale, self.dtype = str(init), float(init_scale), np.dtype(dtype)
        self.theta = np.zeros(total, dtype=self.dtype)
        self.grad = np.zeros(total, dtype=self.dtype)
        self.stack: list[Conv2D | Pool2D | Flatten | Dense] = []
        self.layers: list[Conv2D | Dense] = []
        offset, shape = 0, self.input_shape
        last = len(self.specs) - 1
        for i, (s, out_shape) in enumerate(zip(self.specs, self.shapes)):
            act = Identity() if i == last else get_activation(s.activation)
            if s.kind in ("conv", "dense"):
                w_shape = (s.units, s.kernel, s.kernel, shape[2]) if s.kind == "conv" \
                    else (s.units, shape[0])
                n_w = prod(w_shape)
                (W, b), (dW, db) = [(buf[offset:offset + n_w].reshape(w_shape),
                                     buf[offset + n_w:offset + n_w + s.units])
                                    for buf in (self.theta, self.grad)]
                offset += n_w + s.units
                layer = (Conv2D(W, b, dW, db, act, shape, s.stride, s.padding)
                         if s.kind == "conv" else Dense(W, b, dW, db, act))
                self.layers.append(layer)
                self.stack.append(layer)
            elif s.kind == "pool":
                self.stack.append(Pool2D(shape, s.size, s.mode))
            else:
                self.stack.append(Flatten(shape))
            shape = out_shape
        self.activations = [L.activation for L in self.layers]
        # Max pools right after a ReLU conv: backward folds the ReLU′ into them.
        self._relu_pools = {i for i, L in enumerate(self.stack)
                            if isinstance(L, Pool2D) and L.mode == "max" and i > 0
                            and isinstance(self.stack[i - 1], Conv2D)
                            and isinstance(self.stack[i - 1].activation, ReLU)}
        self.sizes = (prod(self.input_shape),
                      *(prod(self.shapes[self.stack.index(L)]) for L in self.layers))
        if initialize:
            self.reinitialize(seed)

    # -- construction and state -------------------------------------------------------------

    def reinitialize(self, seed: int | None = 0) -> None:
        """Fresh weights (zero biases); He/Xavier fan-in k·k·C_in for a convolution."""
        rng = np.random.default_rng(seed)
        for L in self.layers:
            W2 = init_weights(self.init, rng, L.n_in, L.n_out, self.init_scale, self.dtype)
            L.W[...] = W2.reshape(L.W.shape)
            L.b[...] = 0

    @property
    def arch_text(self) -> str:
        return ",".join(s.text for s in self.specs)

    @property
    def activation_names(self) -> list[str]:
        return [a.name for a in self.activations[:-1]]

    def architecture(self) -> dict:
        """What is needed to rebuild this network (checkpoint format version 2)."""
        return {"input_shape": list(self.input_shape),
                "layers": [s.to_dict() for s in self.specs],
                "init": self.init, "init_scale": self.init_scale, "dtype": self.dtype.name}

    @classmethod
    def from_architecture(cls, arch: dict, params: dict[str, np.ndarray] | None = None):
        net = cls(arch["input_shape"], [spec_from_dict(d) for d in arch["layers"]],
                  arch.get("init", "he"), arch.get("init_scale", 1.0), seed=None,
                  dtype=np.dtype(arch.get("dtype", "float32")), initialize=params is None)
        if params is not None:
            net.set_parameters(params)
        return net

    def copy(self) -> "ConvNet":
        twin = ConvNet(self.input_shape, self.specs, self.init, self.init_scale, None,
                       self.dtype, initialize=False)
        twin.theta[...] = self.theta
        return twin

    @property
    def n_parameters(self) -> int:
        return self.theta.size

    # -- computation --------------------------------------------------------------------------

    def _as_maps(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1:
            x = x[None]
        return x.reshape(len(x), *self.input_shape)

    def forward(self, x: np.ndarray, dropout: float = 0.0, rng=None) -> np.ndarray:
        """Logits (m, K) for ``x`` (m, H·W·C) or (m, H, W, C); caches every layer's values.

        ``dropout`` applies to the hidden dense layers' outputs only."""
        a = self._as_maps(x)
        last = len(self.stack) - 1
        for i, layer in enumerate(self.stack):
            drop = dropout if (i < last and isinstance(layer, Dense)) else 0.0
            a = layer.forward(a, drop, rng)
        return a

    def backward(self, delta_out: np.ndarray, need_input_grad: bool = False):
        """Backpropagate ``∂L/∂z^L`` (m, K); returns ``∂L/∂x`` as (m, H·W·C) rows when
        ``need_input_grad``, else None."""
        grad = delta_out
        first = self.stack.index(self.layers[0])
        is_delta = False
        for i in range(len(self.stack) - 1, -1, -1):
            need = need_input_grad or i > first
            layer = self.stack[i]
            if is_delta:
                conv = cast(Conv2D, layer)  # below a pool in _relu_pools
                grad, is_delta = conv.backward(grad, need, is_delta=True), False
            elif i in self._relu_pools:
                # ReLU′ of the conv below, on the pooled map: a maximum > 0 sits where z > 0,
                # one = 0 routes δ to a z ≤ 0 (f′ = 0): the same numbers, with no pass over
                # the conv's map. The pool hands the conv ∂L/∂z.
                pool = cast(Pool2D, layer)
                np.multiply(grad, pool.a > 0, out=grad)
                grad, is_delta = pool.backward(grad, need), True
            else:
                grad = layer.backward(grad, need_input_grad=need)
            if grad is None:
                return None
        return grad.reshape(len(grad), -1)

    def loss_and_gradients(self, x, y, loss: Loss | str = "cross_entropy",
                           dropout: float = 0.0, rng=None) -> float:
        z = self.forward(x, dropout, rng)
        value, delta = get_loss(loss).value_and_delta(z, y)
        self.backward(delta)
        return value

    def _outputs(self, x):
        """Every stack layer's output for ``x``, computed without caching."""
        a = self._as_maps(x)
        for layer in self.stack:
            a = layer.apply(a) if not isinstance(layer, Dense) else \
                layer.activation.forward(a @ layer.W.T + layer.b)
            yield layer, a

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Output logits (m, K) without dropout and without caching."""
        *_, (_, a) = self._outputs(x)
        return a

    def predict_proba(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        x = np.asarray(x)
        x = x[None] if x.ndim == 1 else x
        out = np.empty((len(x), self.sizes[-1]), dtype=self.dtype)
        for start in range(0, len(x), batch_size):
            out[start:start + batch_size] = softmax(self.logits(x[start:start + batch_size]))
        return out

    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        return self.predict_proba(x, batch_size).argmax(axis=1)

    def hidden_activations(self, x: np.ndarray) -> list[np.ndarray]:
        """Each parameter layer's activation, flattened (NHWC): a list of (m, n_l)."""
        return [a.reshape(len(a), -1) for L, a in self._outputs(x) if L in self.layers]

    def inactive_fraction(self, x: np.ndarray, tol: float = 1e-3) -> list[float]:
        """Share of each hidden layer's units (a conv's map positions × channels) whose
        ``f'(z)`` is below ``tol`` on every row of ``x``."""
        out, a = [], self._as_maps(x)
        for layer in self.stack[:-1]:
            if isinstance(layer, (Conv2D, Dense)):
                z = (layer.pre_activation(a) if isinstance(layer, Conv2D)
                     else a @ layer.W.T + layer.b)
                a = layer.activation.forward(z)
                d = layer.activation.derivative(z, a).reshape(len(z), -1)
                out.append(float(np.mean(np.all(np.abs(d) < tol, axis=0))))
            else:
                a = layer.apply(a)
        return out

    def clear_caches(self) -> None:
        for layer in self.stack:
            layer.clear_cache()

    def __repr__(self) -> str:
        return (f"ConvNet({'×'.join(map(str, self.input_shape))} → {self.arch_text}, "
                f"init={self.init}, {self.dtype.name})")


# What the analysis, the files and the views take: either kind of network.
Network = MLP | ConvNet
