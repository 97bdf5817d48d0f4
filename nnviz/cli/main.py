"""The headless front door: ``nnviz train``, ``download``, ``evaluate``, ``presets``, ``gui``.

Every error a user can cause ends in one line ``nnviz: error: …`` and a non-zero exit code
(2 for bad options and files, 3 for a diverged training, 130 for Ctrl-C), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from nnviz.cli.errors import EXIT_INTERRUPTED, UserError, fail


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            args = build_parser().parse_args(["gui", *(argv or [])])
    except SystemExit as exc:  # a bad option (one line said), --help, --version
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("\nnnviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UserError as exc:
        return fail(str(exc))
    except (ValueError, OSError) as exc:  # DatasetError, CheckpointError, bad config values
        return fail(str(exc) or type(exc).__name__)
    except MemoryError as exc:  # the readers bound what files declare; this is the last guard
        return fail(f"out of memory ({exc or 'the task is too large for this machine'})")


# -- the parser ------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """Bad options end like every other error: one line naming the option, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"nnviz: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from nnviz import __version__
    p = _Parser(prog="nnviz", description="Watch a from-scratch NumPy neural network learn "
                                          "handwritten digits. With no command, opens the window.")
    p.add_argument("--version", action="version", version=f"nnviz {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _add_train(sub)
    d = sub.add_parser("download", help="download a known dataset (mnist, fashion-mnist)")
    d.add_argument("name", help="mnist or fashion-mnist")
    _add_data_dir(d)
    d.set_defaults(run=cmd_download)
    _add_evaluate(sub)
    s = sub.add_parser("presets", help="list the presets")
    s.set_defaults(run=cmd_presets)
    g = sub.add_parser("gui", help="open the window (the default)")
    g.add_argument("--preset", default="default")
    _add_data_dir(g)
    g.add_argument("--train-steps", type=_integer(0), default=0, metavar="N",
                   help="train N batches at start")
    g.add_argument("--screenshot", type=Path, metavar="PATH",
                   help="save a PNG of the window and exit")
    g.add_argument("--theme", choices=["light", "dark"],
                   help="with --screenshot: the theme to show")
    g.add_argument("--presenter", action="store_true",
                   help="start in presenter mode: larger text and lines, fewer panels (F11)")
    g.set_defaults(run=cmd_gui)
    return p


def _add_evaluate(sub):
    e = sub.add_parser("evaluate", help="accuracy, confidence, confusion matrix and robustness "
                       "of a model on the test set")
    e.add_argument("model", type=Path, help="a model .npz saved by nnviz")
    _add_dataset(e, default=None)
    e.add_argument("--robustness", action="store_true",
                   help="also the accuracy on test images spoiled by noise, rotation and "
                        "thicker or thinner strokes")
    e.add_argument("--robustness-n", type=_integer(1), default=2000, metavar="N",
                   help="test images per robustness point (default 2000)")
    e.add_argument("--png-dir", type=Path, metavar="DIR",
                   help="write confusion.png and robustness.png (and map.png with --map) here")
    e.add_argument("--map", type=int, metavar="LAYER",
                   help="with --png-dir: map.png, the test images as layer LAYER sees them "
                        "(0 pixels … the output layer)")
    e.add_argument("--map-method", default="pca", choices=["pca", "tsne"],
                   help="how the map is made (default pca)")
    e.add_argument("--theme", choices=["light", "dark"], default="light", help="of the PNGs")
    e.set_defaults(run=cmd_evaluate)


def _add_data_dir(p):
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="where known datasets are looked up first and downloaded to")


def _add_dataset(p, default="mnist"):
    p.add_argument("--dataset", type=_nonempty, default=default, metavar="NAME|PATH",
                   help="mnist, fashion-mnist, or a dataset file/folder (IDX, CSV, NPZ, "
                        "image folders)" + ("" if default is None else f"; default {default}"))
    _add_data_dir(p)


def _add_train(sub):
    t = sub.add_parser("train", help="train a network headless and report per epoch",
                       description="Options left out take the preset's value.")
    t.add_argument("--preset", default="default", help="starting point (see `nnviz presets`)")
    t.add_argument("--layers", type=_widths, metavar="W1,W2,…",
                   help="hidden layer widths, e.g. 256,128")
    t.add_argument("--arch", metavar="LAYERS",
                   help="a layer stack instead of --layers, e.g. "
                        "conv8k5,pool2,conv16k5,pool2,flatten,dense10 (see the README)")
    t.add_argument("--activation", choices=["relu", "leaky_relu", "sigmoid", "tanh"])
    t.add_argument("--loss", choices=["cross_entropy", "mse"])
    t.add_argument("--init", choices=["he", "xavier", "uniform", "normal"])
    t.add_argument("--init-scale", type=_real(0, 100, low_open=True),
                   help="multiplies the starting weights, in (0, 100]")
    t.add_argument("--optimizer", choices=["sgd", "momentum", "adam"])
    t.add_argument("--lr", type=_real(0, 100, low_open=True, high_open=True),
                   help="learning rate, in (0, 100)")
    t.add_argument("--momentum", type=_real(0, 1, high_open=True),
                   help="SGD momentum (0: plain SGD; --optimizer momentum alone gives 0.9), "
                        "or Adam's beta1 (0 keeps Adam's 0.9)")
    t.add_argument("--schedule", choices=["constant", "step", "cosine"])
    t.add_argument("--l2", type=_real(0, 1), help="L2 weight decay, in [0, 1]")
    t.add_argument("--dropout", type=_real(0, 1, high_open=True),
                   help="dropout rate of the hidden layers")
    t.add_argument("--noise", type=_real(0), dest="noise_std", help="augmentation: pixel noise std")
    t.add_argument("--rotation", type=_real(0), dest="max_rotation_deg",
                   help="augmentation: max degrees")
    t.add_argument("--shift", type=_real(0), dest="max_shift_px", help="augmentation: max pixels")
    t.add_argument("--thickness", type=_real(0),
                   help="augmentation: share of thicker/thinner strokes")
    t.add_argument("--batch-size", type=_integer(0), help="0 means full batch")
    t.add_argument("--epochs", type=_integer(1), help="epochs to train, ≥ 1")
    t.add_argument("--subset", type=_integer(0), dest="train_subset",
                   help="train on this many examples (0: all of them)")
    t.add_argument("--seed", type=_integer(0), help="an integer ≥ 0")
    t.add_argument("--val-fraction", type=_real(0, 1, high_open=True), default=0.0,
                   help="share of training data held out")
    _add_dataset(t)
    t.add_argument("--download", action="store_true", help="download a known dataset if missing")
    t.add_argument("--save", type=Path, metavar="MODEL.npz", help="save the trained model")
    t.add_argument("--history", type=Path, metavar="PATH",
                   help="write the per-epoch history as JSON")
    t.add_argument("--quiet", action="store_true", help="no progress bars")
    t.set_defaults(run=cmd_train)


def _widths(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(w) for w in text.replace(" ", "").split(",") if w)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 256,128, got {text!r}") from None
    if not widths:  # "," would silently train a network without hidden layers
        raise argparse.ArgumentTypeError(f"expected at least one width, like 256,128, got {text!r}")
    if any(w < 1 for w in widths):
        raise argparse.ArgumentTypeError(f"layer widths must be ≥ 1, got {text!r}")
    return widths


# argparse names the option in front of these messages: "argument --seed: must be …".

def _integer(low: int):
    """An argparse type: an integer ≥ ``low``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer ≥ {low}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse


def _real(low: float, high: float = math.inf, *, low_open: bool = False,
          high_open: bool = False):
    """An argparse type: a finite number in the interval from ``low`` to ``high``."""
    interval = (f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
                if math.isfinite(high) else f"{'>' if low_open else '≥'} {low:g}")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        inside = ((value > low if low_open else value >= low)
                  and (value < high if high_open else value <= high))
        if not (math.isfinite(value) and inside):
            where = "in " * math.isfinite(high)
            raise argparse.ArgumentTypeError(f"must be a finite number {where}{interval}, "
                                             f"got {text}")
        return value
    parse.__name__ = "number"
    return parse


def _nonempty(text: str) -> str:
    if not text.strip():  # Path("") is the current folder: never what was meant
        raise argparse.ArgumentTypeError("expected a dataset name or path, got an empty one")
    return text


# -- commands ---------------------------------------------------------------------------------

def train_config(args):
    """The preset's config with the options the user gave on top."""
    from nnviz.engine.presets import get_preset
    config = get_preset(args.preset).config
    names = ("activation", "loss", "init", "init_scale", "optimizer", "lr", "momentum", "schedule",
             "l2", "dropout", "batch_size", "epochs", "train_subset", "seed")
    changes = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.layers is not None:
        changes["hidden"] = args.layers
        changes.setdefault("arch", "")  # widths given: an MLP, even from a convolutional preset
    if getattr(args, "arch", None) is not None:
        changes["arch"] = args.arch
    if changes.get("optimizer") == "momentum" and "momentum" not in changes and not config.momentum:
        changes["momentum"] = 0.9  # asking for momentum means some: 0 is plain SGD
    aug = {n: getattr(args, n)
           for n in ("noise_std", "max_rotation_deg", "max_shift_px", "thickness")
           if getattr(args, n) is not None}
    if aug:
        from dataclasses import replace
        changes["augmentation"] = replace(config.augmentation, **aug)
    return config.replace(**changes)


def load_data(args, val_fraction=0.0, seed=0, download=False):
    from nnviz.datasets import load_dataset
    progress = _download_bar() if download else None
    return load_dataset(args.dataset, args.data_dir, val_fraction=val_fraction, seed=seed,
                        download=download, progress=progress)


def cmd_train(args) -> int:
    from nnviz.cli.train import run_training
    from nnviz.engine.checkpoint import MAX_LAYERS, MAX_PARAMETERS, parameter_count
    check_outputs(args, "save", "history")  # before the data is read and the hour of training
    config = train_config(args)
    data = load_data(args, args.val_fraction, config.seed, args.download)
    if config.arch:
        check_arch(config, data)
        return run_training(args, config, data)
    sizes = config.sizes(data.n_features, data.n_classes)
    if len(sizes) - 1 > MAX_LAYERS or parameter_count(sizes) > MAX_PARAMETERS:
        raise UserError(f"a {'-'.join(map(str, sizes))} network has {len(sizes) - 1} layers and "
                        f"{parameter_count(sizes):,} parameters; nnviz builds at most "
                        f"{MAX_LAYERS} layers and {MAX_PARAMETERS:,} parameters (and could not "
                        "save or load more)")
    return run_training(args, config, data)


def check_arch(config, data) -> None:
    """A layer stack that fits the data and the bounds, else one line naming the layer."""
    from nnviz.engine.checkpoint import MAX_LAYERS, MAX_PARAMETERS
    from nnviz.engine.convnet import layer_shapes, parse_arch
    from nnviz.engine.training import conv_input_shape
    specs = parse_arch(config.arch, config.stack_activation)
    shape = conv_input_shape(data.n_features, tuple(data.image_shape))
    _, n_params = layer_shapes(shape, specs, data.n_classes)
    if len(specs) > MAX_LAYERS or n_params > MAX_PARAMETERS:
        raise UserError(f"--arch {config.arch}: {len(specs)} layers and {n_params:,} parameters; "
                        f"nnviz builds at most {MAX_LAYERS} layers and {MAX_PARAMETERS:,} "
                        "parameters (and could not save or load more)")


def cmd_download(args) -> int:
    from nnviz.datasets import download_dataset
    folder = download_dataset(args.name, args.data_dir, progress=_download_bar())
    print(f"{args.name} is in {folder}")
    return 0


def cmd_evaluate(args) -> int:
    from nnviz.cli.evaluate import evaluate_model
    from nnviz.engine.checkpoint import load_model
    if args.map is not None and args.png_dir is None:
        raise UserError("--map writes map.png: give --png-dir DIR too")
    check_outputs(args, "png_dir", folder=("confusion.png", "robustness.png", "map.png"))
    ck = load_model(args.model)
    if args.dataset is None:
        args.dataset = ck.extra.get("dataset", "mnist")
        if not (isinstance(args.dataset, str) and args.dataset):
            raise UserError(f"{args.model}: the dataset it names ({json.dumps(args.dataset)[:60]}) "
                            "is not a dataset name or path; give --dataset NAME|PATH")
    data = load_data(args)
    if data.n_features != ck.net.sizes[0] or data.n_classes > ck.net.sizes[-1]:
        raise UserError(f"{args.model} takes {ck.net.sizes[0]} inputs and "
                        f"{ck.net.sizes[-1]} classes; {data.name} has {data.n_features} and "
                        f"{data.n_classes}")
    if args.map is not None and not 0 <= args.map <= len(ck.net.layers):
        raise UserError(f"--map {args.map}: this network's layers are 0 (pixels) to "
                        f"{len(ck.net.layers)} (output)")
    return evaluate_model(args, ck, data)


def cmd_presets(args) -> int:
    from nnviz.engine.presets import PRESETS
    for p in PRESETS.values():
        print(f"{p.name}\n    {p.describe()}\n    {p.summary}")
    return 0


def cmd_gui(args) -> int:
    try:
        from nnviz.gui.app import run_app
    except ImportError as exc:
        raise UserError(f"the window needs Qt, which failed to load: {exc}") from None
    check_outputs(args, "screenshot")
    return run_app(args)


def check_outputs(args, *names: str, folder: tuple[str, ...] = ()) -> None:
    """Check the output options ``names`` that were given before any work starts (an error
    names the option and the path: `nnviz.files.outputs`). With ``folder`` (the file names
    written in it), each option is a folder and those files in it are checked too."""
    import os

    from nnviz.files.outputs import check_output_path
    seen = {}
    for name in names:
        path, option = getattr(args, name, None), f"--{name.replace('_', '-')}"
        if path is None:
            continue
        out = check_output_path(path, option, folder=bool(folder))
        for file_name in folder:
            check_output_path(path / file_name, option)
        key = os.path.realpath(path)
        if not out.stream and key in seen:
            raise UserError(f"{seen[key]} and {option} name the same file {path}; give two")
        seen[key] = option


def _download_bar():
    """A ``progress(done, total)`` callback drawing a tqdm bar on stderr."""
    from tqdm import tqdm
    bar = None

    def progress(done, total):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="B", unit_scale=True, desc="download", leave=False)
        bar.n = done
        bar.refresh()
        if total and done >= total:
            bar.close()
    return progress
