"""Every preset on the real MNIST: final test accuracy and training time.

The classic tutorial presets should land, in shape, where the tutorials do (≈84–88 %);
the default should pass 98 %.

    python benchmarks/bench_presets.py [NAME ...]
"""

from __future__ import annotations

import sys
import time

from shared_data import datasets_dir  # noqa: E402

from nnviz.datasets import load_dataset
from nnviz.engine.presets import PRESETS
from nnviz.engine.training import Trainer, make_network


def main(names: list[str]) -> None:
    data = load_dataset("mnist", datasets_dir())
    for name in names or list(PRESETS):
        cfg = PRESETS[name].config
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
    main(sys.argv[1:])
