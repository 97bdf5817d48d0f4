"""Training-step time of the engine against PyTorch CPU on the same network and batches.

784-256-128-10 ReLU, batch 128, Adam, float32, softmax cross-entropy. The two run in
alternating rounds, each round in a fresh process, so machine noise hits both; the figure
that matters is the ratio of medians, printed last. Without PyTorch only the engine's time
is printed.

    python benchmarks/bench_engine.py [--rounds 15] [--steps 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

from nnviz.engine.losses import get_loss
from nnviz.engine.network import MLP
from nnviz.engine.optim import Adam

SIZES = (784, 256, 128, 10)
BATCH = 128


def engine_stepper(xs, ys):
    net = MLP(SIZES, "relu", "he", seed=0)
    opt, loss = Adam(1e-3), get_loss("cross_entropy")

    def run(steps):
        for i in range(steps):
            k = i % len(xs)
            z = net.forward(xs[k])
            _, delta = loss.value_and_delta(z, ys[k])
            net.backward(delta)
            opt.step([net.theta], [net.grad])
    return run


def torch_stepper(xs, ys):
    import torch
    torch.manual_seed(0)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = torch.nn.CrossEntropyLoss()
    txs = [torch.from_numpy(x) for x in xs]
    tys = [torch.from_numpy(y) for y in ys]

    def run(steps):
        for i in range(steps):
            k = i % len(txs)
            opt.zero_grad(set_to_none=True)
            loss(net(txs[k]), tys[k]).backward()
            opt.step()
    return run


def timed(run, steps) -> float:
    t = time.perf_counter()
    run(steps)
    return (time.perf_counter() - t) / steps


def worker(name: str, steps: int, repeats: int) -> None:
    """One framework in this process: print the median step time (s) of ``repeats`` runs."""
    rng = np.random.default_rng(0)
    xs = [rng.random((BATCH, 784), dtype=np.float32) for _ in range(16)]
    ys = [rng.integers(0, 10, BATCH) for _ in range(16)]
    run = engine_stepper(xs, ys) if name == "engine" else torch_stepper(xs, ys)
    run(steps // 2)  # warm-up: allocations, thread pools
    print(statistics.median(timed(run, steps) for _ in range(repeats)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--worker", choices=["engine", "pytorch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.steps, 5)
    names = ["engine"]
    try:
        import torch
        names.append("pytorch")
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("PyTorch not importable: timing the engine alone (pip install torch==2.13.0)")
    # Each framework in its own process, alternating: in one process their thread pools
    # (OpenBLAS, OpenMP) spin against each other and both look slower than they are.
    times = {k: [] for k in names}
    for _ in range(args.rounds):
        for name in names:
            out = subprocess.run([sys.executable, __file__, "--worker", name, "--steps",
                                  str(args.steps)], capture_output=True, text=True, check=True)
            times[name].append(float(out.stdout.split()[-1]))
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, t in med.items():
        print(f"{name:8s} median step {1e3 * t:.3f} ms  (min {1e3 * min(times[name]):.3f} ms)")
    if "pytorch" in med:
        print(f"ratio engine/pytorch = {med['engine'] / med['pytorch']:.2f}  (target ≤ 1.2)")


if __name__ == "__main__":
    main()
