"""Every preset on the real MNIST: final test accuracy and training time.

The classic tutorial presets should land, in shape, where the tutorials do (≈84–88 %);
the default should pass 98 %.

    python benchmarks/bench_presets.py [NAME ...] [--epochs N] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from shared_data import datasets_dir  # noqa: E402

from nnviz.datasets import load_dataset
from nnviz.engine.presets import PRESETS
from nnviz.engine.training import Trainer, make_network


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME", help=f"presets to run (default: all of "
                    f"{', '.join(PRESETS)})")
    ap.add_argument("--epochs", type=int,
                    help="at most this many epochs of each (default: its own)")
    ap.add_argument("--data-dir", type=Path, default=datasets_dir())
    args = ap.parse_args(argv)
    if unknown := [n for n in args.names if n not in PRESETS]:
        ap.error(f"unknown preset {', '.join(unknown)}; known: {', '.join(PRESETS)}")
    data = load_dataset("mnist", args.data_dir)
    for name in args.names or list(PRESETS):
        cfg = PRESETS[name].config
        if args.epochs:
            cfg = cfg.replace(epochs=min(cfg.epochs, args.epochs))
        trainer = Trainer(make_network(cfg, data.n_features, data.n_classes), data, cfg)
        t = time.perf_counter()
        trainer.run()
        wall = time.perf_counter() - t
        curve = [round(100 * r["test_accuracy"], 1) for r in trainer.history]
        marks = {e: curve[e - 1] for e in (1, 2, 5, 10, 50, 100, 200, 500, 700) if e <= len(curve)}
        print(f"{name:24s} test accuracy {curve[-1]:5.1f} %  after {len(curve)} epochs, "
              f"{trainer.elapsed_s:.1f} s training ({wall:.1f} s with evaluation)  {marks}",
              flush=True)


if __name__ == "__main__":
    main()
