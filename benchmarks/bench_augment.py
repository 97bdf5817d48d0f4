"""Cost of on-the-fly augmentation against a training step, as a ratio.

Augments batches of 128 with every augmentation on (noise 0.1, rotation 10°, shift 2 px,
thickness 0.3) and with each alone, and times in the same rounds, alternating, so machine noise
hits all: a reference 784-256-128-10 float32 forward+backward in plain matmuls ("matmul step")
and the engine's real training step (MLP + cross-entropy + Adam, "engine step"). Prints the
median time per batch and augment/step against both; the target for "all" is <= 0.20 of the
engine step (an epoch is then at most ~20 % slower). A bilinear warp prototype is timed too:
it is why the Augmenter samples nearest-neighbour.

Uses the real MNIST training images when the shared datasets (see shared_data.py) hold
them, else random digit-sized blobs.

    python benchmarks/bench_augment.py [--rounds 15] [--iters 200]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time

import numpy as np
from numpy.lib.stride_tricks import as_strided
from shared_data import MNIST

from nnviz.engine.augment import MAX_SHIFT_PX, Augmentation, Augmenter
from nnviz.engine.losses import get_loss
from nnviz.engine.network import MLP
from nnviz.engine.optim import Adam

BATCH = 128
CASES = {
    "all": Augmentation(noise_std=0.1, max_rotation_deg=10, max_shift_px=2, thickness=0.3),
    "noise": Augmentation(noise_std=0.1),
    "rotation": Augmentation(max_rotation_deg=10),
    "shift": Augmentation(max_shift_px=2),
    "thickness": Augmentation(thickness=0.3),
}


def load_images(rng) -> tuple[np.ndarray, str]:
    """(N, 784) float32 in [0, 1]: MNIST training images if present, else synthetic."""
    path = MNIST / "train-images-idx3-ubyte.gz"
    if path.exists():
        with gzip.open(path) as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        return raw.reshape(-1, 784)[:10_000].astype(np.float32) / 255, f"MNIST ({path})"
    x = np.zeros((2048, 28, 28), dtype=np.float32)
    x[:, 6:22, 10:18] = rng.random((2048, 16, 8), dtype=np.float32)  # a digit-sized blob
    return x.reshape(-1, 784), "synthetic (MNIST not found)"


def step_workload(xs):
    """A training step's arithmetic: 784-256-128-10 ReLU forward, softmax, backward."""
    rng = np.random.default_rng(1)
    w1, w2, w3 = (rng.standard_normal(s, dtype=np.float32) * 0.05
                  for s in ((256, 784), (128, 256), (10, 128)))
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]

    def run(i):
        x = xs[i % len(xs)]
        z1 = x @ w1.T
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2.T
        a2 = np.maximum(z2, 0)
        z3 = a2 @ w3.T
        e = np.exp(z3 - z3.max(1, keepdims=True))
        d3 = (e / e.sum(1, keepdims=True) - y) / BATCH
        d2 = (d3 @ w3) * (z2 > 0)
        d1 = (d2 @ w2) * (z1 > 0)
        return d3.T @ a2, d2.T @ a1, d1.T @ x
    return run


def engine_workload(xs):
    """The engine's own step, as the Trainer runs it (without its bookkeeping)."""
    net, opt, loss = MLP((784, 256, 128, 10), "relu", "he", seed=0), Adam(1e-3), \
        get_loss("cross_entropy")
    y = np.random.default_rng(1).integers(0, 10, BATCH)

    def run(i):
        _, delta = loss.value_and_delta(net.forward(xs[i % len(xs)]), y)
        net.backward(delta)
        opt.step([net.theta], [net.grad])
    return run


def augment_workload(xs, aug):
    augmenter, rng = Augmenter(seed=0), np.random.default_rng(2)
    return lambda i: augmenter(xs[i % len(xs)], aug, rng)


def bilinear_workload(xs, max_angle=10, max_shift=2):
    """A lean bilinear rotate+shift, indexed like the Augmenter (one window start per sample)
    but fetching a corner-index window and two weight windows, four gathers, three lerps.
    Timing only: out-of-image sources are clamped rather than zeroed."""
    pad, cw = MAX_SHIFT_PX, 28 + 2 * MAX_SHIFT_PX
    ang = np.deg2rad(np.arange(-max_angle, max_angle + 1))[:, None, None]
    o = np.arange(-pad, 28 + pad) - 13.5
    sx = np.cos(ang) * o[None, :] - np.sin(ang) * o[:, None] + 14.5  # +1: zero border
    sy = np.sin(ang) * o[None, :] + np.cos(ang) * o[:, None] + 14.5
    fx, fy = np.clip(np.floor(sx), 0, 29), np.clip(np.floor(sy), 0, 29)
    banks = [(fy * 31 + fx).astype(np.int32), (sx - fx).astype(np.float32),
             (sy - fy).astype(np.float32)]
    views = [as_strided(b.reshape(-1), (b.size - 27 * cw - 27, 28, 28),
                        (b.itemsize, cw * b.itemsize, b.itemsize)) for b in banks]
    rng, src = np.random.default_rng(3), np.zeros((BATCH, 31 * 31), dtype=np.float32)
    rows = (np.arange(BATCH, dtype=np.int32) * 31 * 31)[:, None, None]

    def run(i):
        a = rng.integers(0, len(ang), BATCH)
        d = pad - rng.integers(-max_shift, max_shift + 1, (2, BATCH))
        starts = (a * cw + d[0]) * cw + d[1]
        src.reshape(BATCH, 31, 31)[:, 1:29, 1:29] = xs[i % len(xs)].reshape(BATCH, 28, 28)
        idx, wx, wy = (v[starts] for v in views)
        idx += rows
        flat = src.reshape(-1)
        g = [np.take(flat[k:], idx, mode="wrap") for k in (0, 1, 31, 32)]
        top = g[0] + wx * (g[1] - g[0])
        bottom = g[2] + wx * (g[3] - g[2])
        return (top + wy * (bottom - top)).reshape(BATCH, 784)
    return run


def per_call(run, iters: int) -> float:
    t = time.perf_counter()
    for i in range(iters):
        run(i)
    return (time.perf_counter() - t) / iters


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--iters", type=int, default=200)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    images, source = load_images(rng)
    xs = [images[rng.choice(len(images), BATCH, replace=False)] for _ in range(16)]
    runs = {"matmul step": step_workload(xs), "engine step": engine_workload(xs)}
    runs.update({name: augment_workload(xs, aug) for name, aug in CASES.items()})
    runs["bilinear warp"] = bilinear_workload(xs)
    for run in runs.values():
        per_call(run, 10)  # warm up: banks, buffers, caches
    times = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            times[name].append(per_call(run, args.iters))
    med = {name: statistics.median(t) for name, t in times.items()}
    ref = {"matmul": med["matmul step"], "engine": med["engine step"]}
    print(f"data: {source}; batch {BATCH}; median of {args.rounds} rounds x {args.iters}")
    print(f"{'workload':<15}{'ms/batch':>10}{'/ matmul step':>15}{'/ engine step':>15}")
    for name, t in med.items():
        print(f"{name:<15}{t * 1e3:>10.3f}{t / ref['matmul']:>15.3f}{t / ref['engine']:>15.3f}")
    # The target is about epochs: what augmentation adds to the step training really takes.
    ratio = med["all"] / ref["engine"]
    print(f"all augmentations / engine step = {ratio:.3f} "
          f"(target <= 0.20: {'OK' if ratio <= 0.20 else 'OVER'}); "
          f"/ bare matmul step = {med['all'] / ref['matmul']:.3f} (for reference)")

if __name__ == "__main__":
    main()
