"""The architecture editor's data model: a layer stack being edited, without Qt.

An :class:`Architecture` is an immutable value — the input shape, the number of classes and
the rows (one :class:`~nnviz.engine.convnet.LayerSpec` per layer, the output layer last) —
and every edit returns a new one, so a view can keep the last one it drew and compare. Each
row knows the shape it produces, its parameter count and, when the stack is wrong from that
row on, the one-line error of :func:`~nnviz.engine.convnet.layer_shapes` naming it. A stack
of dense layers alone is a multilayer perceptron and becomes ``TrainConfig.hidden``; one
with a convolution, pooling or flatten becomes ``TrainConfig.arch``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nnviz.engine.config import TrainConfig
from nnviz.engine.convnet import LayerSpec, layer_output, layer_shapes, parse_arch

# What a layer inserted by the editor starts as, by kind.
NEW_LAYER = {
    "conv": LayerSpec("conv", 8, 3),
    "pool": LayerSpec("pool", size=2),
    "flatten": LayerSpec("flatten"),
    "dense": LayerSpec("dense", 64),
}


@dataclass(frozen=True)
class Row:
    """One layer as the editor shows it.

    Attributes
    ----------
    spec : LayerSpec
    shape : tuple of int or None
        What the layer produces for one image: (H, W, C) for a map, (n,) for a vector;
        None when an earlier row is already wrong.
    n_parameters : int
        Weights and biases of this layer (0 for pooling and flatten, or when unknown).
    error : str or None
        The one-line error naming this layer, when the stack breaks here.
    """

    spec: LayerSpec
    shape: tuple[int, ...] | None
    n_parameters: int
    error: str | None = None


@dataclass(frozen=True)
class Architecture:
    """A layer stack for images of ``input_shape`` (H, W, C) and ``n_classes`` classes.

    ``layers`` ends with the output layer, ``dense<n_classes>``; its activation is ignored
    (the output is linear; the loss applies softmax).
    """

    input_shape: tuple[int, int, int]
    n_classes: int
    layers: tuple[LayerSpec, ...]

    def __post_init__(self):
        object.__setattr__(self, "input_shape", tuple(int(s) for s in self.input_shape))
        object.__setattr__(self, "layers", tuple(self.layers))

    # -- building ---------------------------------------------------------------------

    @classmethod
    def from_text(cls, text: str, input_shape=(28, 28, 1), n_classes: int = 10,
                  activation: str = "relu") -> "Architecture":
        """Parse ``conv8k5,pool2,flatten,dense10`` (``ValueError`` names a bad item)."""
        return cls(input_shape, n_classes, tuple(parse_arch(text, activation)))

    @classmethod
    def from_config(cls, config: TrainConfig, input_shape=(28, 28, 1),
                    n_classes: int = 10) -> "Architecture":
        """The stack a configuration trains: its ``arch``, or its hidden dense layers and
        the output layer (an image of ``input_shape`` is flattened first)."""
        if config.arch:
            return cls.from_text(config.arch, input_shape, n_classes, config.stack_activation)
        dense = tuple(LayerSpec("dense", h, activation=a)
                      for h, a in zip(config.hidden, config.activations))
        return cls(input_shape, n_classes, (LayerSpec("flatten"), *dense,
                                            LayerSpec("dense", n_classes)))

    def inserted(self, i: int, kind_or_spec: str | LayerSpec) -> "Architecture":
        """A copy with a layer inserted before row ``i`` (``i = len(layers) − 1`` puts it
        just before the output layer): a ``LayerSpec`` or a kind from ``NEW_LAYER``."""
        spec = NEW_LAYER[kind_or_spec] if isinstance(kind_or_spec, str) else kind_or_spec
        self._check_index(i, allow_end=True)
        if i == len(self.layers):
            raise IndexError("the output layer stays last: insert before it")
        return self._with(self.layers[:i] + (spec,) + self.layers[i:])

    def removed(self, i: int) -> "Architecture":
        """A copy without row ``i``; the output layer cannot be removed."""
        self._check_index(i)
        if i == len(self.layers) - 1:
            raise IndexError("the output layer cannot be removed")
        return self._with(self.layers[:i] + self.layers[i + 1:])

    def replaced(self, i: int, **changes) -> "Architecture":
        """A copy with fields of row ``i`` changed (``units=16``, ``padding='valid'``, …).
        The output layer's units are the number of classes and cannot change."""
        self._check_index(i)
        if i == len(self.layers) - 1 and "units" in changes:
            raise ValueError(f"the output layer has one unit per class ({self.n_classes})")
        spec = dataclasses.replace(self.layers[i], **changes)
        return self._with(self.layers[:i] + (spec,) + self.layers[i + 1:])

    def moved(self, i: int, j: int) -> "Architecture":
        """A copy with row ``i`` moved to position ``j`` (both before the output layer)."""
        last = len(self.layers) - 1
        for k in (i, j):
            self._check_index(k)
            if k == last:
                raise IndexError("the output layer stays last")
        layers = list(self.layers)
        layers.insert(j, layers.pop(i))
        return self._with(tuple(layers))

    # -- reading ----------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The stack in ``--arch`` syntax, with each layer's own activation."""
        return ",".join(s.text + (f":{s.activation}" if s.kind in ("conv", "dense") else "")
                        for s in self.layers[:-1]) + f",{self.layers[-1].text}"

    @property
    def is_convolutional(self) -> bool:
        """True when a convolution or pooling is in the stack (else it is an MLP)."""
        return any(s.kind in ("conv", "pool") for s in self.layers)

    @property
    def error(self) -> str | None:
        """The first layer's error, or None when the stack can be built."""
        try:
            layer_shapes(self.input_shape, self.layers, self.n_classes)
        except ValueError as e:
            return str(e)
        return None

    @property
    def n_parameters(self) -> int:
        """Parameters of the whole stack (of the rows before an error, if any)."""
        return sum(r.n_parameters for r in self.rows())

    def rows(self) -> list[Row]:
        """One :class:`Row` per layer: its shape and parameters, or the error at it.

        Rows after the first wrong one have no shape (what they receive is unknown).
        """
        out: list[Row] = []
        shape: tuple[int, ...] = self.input_shape
        for i, spec in enumerate(self.layers, 1):
            if len(out) and out[-1].shape is None:
                out.append(Row(spec, None, 0))
                continue
            try:
                shape, n = layer_output(shape, spec, i)
            except ValueError as e:
                out.append(Row(spec, None, 0, str(e)))
                continue
            out.append(Row(spec, shape, n))
        if out and out[-1].shape is not None:
            error = self.error  # the whole-stack rules: the output layer, the size bound
            index = _layer_number(error) if error else None
            if index is not None and 1 <= index <= len(out):
                out[index - 1] = dataclasses.replace(out[index - 1], error=error)
        return out

    def summary(self) -> str:
        """``28×28×1 → conv8k5 28×28×8 → … → dense10 10 · 52,202 parameters``, or the error."""
        error = self.error
        if error:
            return error
        parts = ["×".join(map(str, self.input_shape))]
        parts += [f"{r.spec.text} {'×'.join(map(str, r.shape or ()))}" for r in self.rows()]
        return " → ".join(parts) + f" · {self.n_parameters:,} parameters"

    def to_config(self, config: TrainConfig) -> TrainConfig:
        """``config`` training this stack: an MLP (dense layers, perhaps after a flatten)
        sets ``hidden`` and per-layer activations and clears ``arch``; any other stack
        sets ``arch``. ``ValueError`` when the stack is wrong."""
        error = self.error
        if error:
            raise ValueError(error)
        if not self.is_convolutional:
            hidden = [s for s in self.layers[:-1] if s.kind == "dense"]
            acts = tuple(s.activation for s in hidden)
            activation = acts[0] if len(set(acts)) == 1 else (acts or config.activation)
            return config.replace(arch="", hidden=tuple(s.units for s in hidden),
                                  activation=activation)
        first = next(s.activation for s in self.layers if s.kind in ("conv", "dense"))
        return config.replace(arch=self.text, hidden=(), activation=first)

    # -- helpers ----------------------------------------------------------------------

    def _with(self, layers: tuple[LayerSpec, ...]) -> "Architecture":
        return Architecture(self.input_shape, self.n_classes, layers)

    def _check_index(self, i: int, allow_end: bool = False) -> None:
        n = len(self.layers) + (1 if allow_end else 0)
        if not 0 <= i < n:
            raise IndexError(f"layer {i} is not in a stack of {len(self.layers)} layers")


def _layer_number(message: str) -> int | None:
    if message.startswith("layer "):
        head = message[6:].split(" ", 1)[0]
        if head.isdigit():
            return int(head)
    return None

