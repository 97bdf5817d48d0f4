"""Accuracy against training time on the real MNIST, for a preset (default: ``default``).

Prints one line per epoch and the training seconds at which the test accuracy first
reached the target (98.0 % by default). The data comes from ``--data-dir`` or the usual
lookup (``../shared/datasets`` beside the checkout is tried first when present).

    python benchmarks/bench_mnist.py [--preset default] [--target 0.98] [--epochs N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from shared_data import datasets_dir  # noqa: E402

from nnviz.datasets import load_dataset
from nnviz.engine.presets import get_preset
from nnviz.engine.training import Trainer, make_network


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="default")
    ap.add_argument("--target", type=float, default=0.98)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--data-dir", type=Path, default=datasets_dir())
    args = ap.parse_args(argv)
    t = time.perf_counter()
    data = load_dataset("mnist", args.data_dir)
    print(f"MNIST loaded in {time.perf_counter() - t:.2f} s")
    config = get_preset(args.preset).config
    if args.epochs:
        config = config.replace(epochs=args.epochs)
    trainer = Trainer(make_network(config, data.n_features, data.n_classes), data, config)
    reached = None
    while not trainer.finished:
        record = trainer.step().record
        if record:
            print(f"epoch {record['epoch']:>3}  test acc {100 * record['test_accuracy']:.2f}%  "
                  f"test loss {record['test_loss']:.4f}  training {record['elapsed_s']:.1f} s")
            if reached is None and record["test_accuracy"] >= args.target:
                reached = record
    steps_per_s = trainer.step_count / trainer.elapsed_s
    print(f"{args.preset}: {trainer.step_count} steps in {trainer.elapsed_s:.1f} s of training "
          f"({1e3 / steps_per_s:.2f} ms/step); final test accuracy "
          f"{100 * trainer.history[-1]['test_accuracy']:.2f}%")
    if reached:
        print(f"reached {100 * args.target:.1f}% at epoch {reached['epoch']} after "
              f"{reached['elapsed_s']:.1f} s of training")
    else:
        print(f"never reached {100 * args.target:.1f}%")


if __name__ == "__main__":
    main()
