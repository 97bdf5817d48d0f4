"""Training-step time of the engine's CNN presets against the same networks in PyTorch CPU.

Each preset's stack (``lenet-small``, ``lenet``), batch 128, Adam, float32, softmax
cross-entropy. Engine and PyTorch run in alternating rounds, each round in a fresh process,
so machine noise hits both; the ratio of medians is printed per preset. ``--profile`` adds
where the engine's step goes (forward and backward of each layer, the optimiser);
``--time-to 0.99`` trains ``lenet-small`` headless on MNIST and reports the training time
until the test accuracy first reaches 99.0 % (checked every ``--check-every`` batches; the
checks are not counted). Without PyTorch only the engine's figures are printed.

    python benchmarks/bench_conv.py [--rounds 5] [--steps 20] [--profile] [--time-to 0.99]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from nnviz.engine.convnet import ConvNet, parse_arch
from nnviz.engine.losses import get_loss
from nnviz.engine.optim import Adam
from nnviz.engine.presets import PRESETS

GOALS = {"lenet-small": 1.0, "lenet": 1.3}  # engine/PyTorch step-time ratio to stay under


def specs_of(preset: str):
    c = PRESETS[preset].config
    return parse_arch(c.arch, c.activation)


def engine_stepper(preset, xs, ys):
    net = ConvNet((28, 28, 1), specs_of(preset), "he", seed=0)
    opt, loss = Adam(1e-3), get_loss("cross_entropy")

    def run(steps):
        for i in range(steps):
            k = i % len(xs)
            z = net.forward(xs[k])
            _, delta = loss.value_and_delta(z, ys[k])
            net.backward(delta)
            opt.step([net.theta], [net.grad])
    return run


def torch_model(preset):
    """The same stack in PyTorch (NCHW; 'same' padding as PyTorch's, stride 1)."""
    import torch
    layers, c = [], 1
    for s in specs_of(preset)[:-1] + [None]:
        if s is None:
            break
        if s.kind == "conv":
            pad = "same" if s.padding == "same" else 0
            layers += [torch.nn.Conv2d(c, s.units, s.kernel, s.stride, pad), torch.nn.ReLU()]
            c = s.units
        elif s.kind == "pool":
            layers.append(torch.nn.MaxPool2d(s.size) if s.mode == "max"
                          else torch.nn.AvgPool2d(s.size))
        elif s.kind == "flatten":
            layers.append(torch.nn.Flatten())
        else:
            layers += [torch.nn.LazyLinear(s.units), torch.nn.ReLU()]
    layers.append(torch.nn.LazyLinear(specs_of(preset)[-1].units))
    return torch.nn.Sequential(*layers)


def torch_stepper(preset, xs, ys):
    import torch
    torch.manual_seed(0)
    net = torch_model(preset)
    txs = [torch.from_numpy(x.reshape(-1, 1, 28, 28)) for x in xs]
    tys = [torch.from_numpy(y) for y in ys]
    net(txs[0])  # materialise the lazy layers
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss = torch.nn.CrossEntropyLoss()

    def run(steps):
        for i in range(steps):
            k = i % len(txs)
            opt.zero_grad(set_to_none=True)
            loss(net(txs[k]), tys[k]).backward()
            opt.step()
    return run


def batches(batch: int, n: int = 8):
    rng = np.random.default_rng(0)
    return ([rng.random((batch, 784), dtype=np.float32) for _ in range(n)],
            [rng.integers(0, 10, batch) for _ in range(n)])


def timed(run, steps) -> float:
    t = time.perf_counter()
    run(steps)
    return (time.perf_counter() - t) / steps


def worker(name: str, preset: str, steps: int, batch: int, repeats: int = 3) -> None:
    """One framework in this process: print the median step time (s) of ``repeats`` runs."""
    xs, ys = batches(batch)
    stepper = engine_stepper if name == "engine" else torch_stepper
    run = stepper(preset, xs, ys)
    run(max(steps // 2, 1))  # warm-up: allocations, thread pools
    print(statistics.median(timed(run, steps) for _ in range(repeats)))


def profile(preset: str, batch: int, repeats: int = 5) -> dict[str, float]:
    """Median milliseconds of each layer's forward and backward pass and of Adam's step."""
    xs, ys = batches(batch, 1)
    net = ConvNet((28, 28, 1), specs_of(preset), "he", seed=0)
    opt, loss = Adam(1e-3), get_loss("cross_entropy")
    out = {}

    def med(f):
        f()
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        return 1e3 * statistics.median(times)

    maps = [net._as_maps(xs[0])]
    for i, layer in enumerate(net.stack):
        out[f"{i + 1} {net.specs[i].text} forward"] = med(lambda L=layer: L.forward(maps[-1]))
        maps.append(layer.forward(maps[-1]))
    _, g = loss.value_and_delta(maps[-1], ys[0])
    for i in range(len(net.stack) - 1, -1, -1):
        layer = net.stack[i]
        layer.forward(maps[i])
        need = i > 0
        out[f"{i + 1} {net.specs[i].text} backward"] = med(
            lambda L=layer, g=g, need=need: L.backward(g.copy(), need))
        g = layer.backward(g.copy(), True)
    net.loss_and_gradients(xs[0], ys[0])
    out["Adam step"] = med(lambda: opt.step([net.theta], [net.grad]))
    return out


def time_to(target: float, data_dir, check_every: int) -> None:
    """Train lenet-small on MNIST; print the training seconds until test accuracy ≥ target."""
    from nnviz.datasets import load_dataset
    from nnviz.engine.training import Trainer, make_network
    data = load_dataset("mnist", data_dir)
    config = PRESETS["lenet-small"].config
    net = make_network(config, data.n_features, data.n_classes, image_shape=(28, 28))
    trainer = Trainer(net, data, config)
    while not trainer.finished:
        trainer.step()
        if trainer.step_count % check_every == 0 or trainer.history and \
                trainer.history[-1]["step"] == trainer.step_count:
            acc = float(np.mean(net.predict(data.x_test) == data.y_test))
            print(f"  step {trainer.step_count:5d}  epoch {trainer.epoch_progress:5.2f}  "
                  f"test {100 * acc:.2f}%  training time {trainer.elapsed_s:6.1f} s", flush=True)
            if acc >= target:
                print(f"lenet-small reached {100 * target:.1f}% after {trainer.elapsed_s:.1f} s "
                      f"of training ({trainer.step_count} batches; load {os.getloadavg()[0]:.2f})")
                return
    print(f"lenet-small did not reach {100 * target:.1f}% in {config.epochs} epochs")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--presets", default="lenet-small,lenet")
    ap.add_argument("--profile", action="store_true", help="where the engine's step goes")
    ap.add_argument("--time-to", type=float, metavar="ACC",
                    help="train lenet-small on MNIST until this test accuracy")
    ap.add_argument("--check-every", type=int, default=50, metavar="N")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--worker", choices=["engine", "pytorch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    presets = [p for p in args.presets.split(",") if p]
    if args.worker:
        return worker(args.worker, presets[0], args.steps, args.batch)
    names = ["engine"]
    try:
        import torch
        names.append("pytorch")
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("PyTorch not importable: timing the engine alone (pip install torch)")
    print(f"batch {args.batch}, Adam, float32; load average {os.getloadavg()[0]:.2f}")
    for preset in presets:
        times = {k: [] for k in names}
        for _ in range(args.rounds):  # alternating, each in its own process
            for name in names:
                out = subprocess.run([sys.executable, __file__, "--worker", name, "--presets",
                                      preset, "--steps", str(args.steps), "--batch",
                                      str(args.batch)], capture_output=True, text=True,
                                     check=True)
                times[name].append(float(out.stdout.split()[-1]))
        med = {k: statistics.median(v) for k, v in times.items()}
        for name, t in med.items():
            print(f"{preset:12s} {name:8s} median step {1e3 * t:8.2f} ms  "
                  f"(min {1e3 * min(times[name]):.2f} ms)")
        if "pytorch" in med:
            print(f"{preset:12s} ratio engine/pytorch = {med['engine'] / med['pytorch']:.2f}  "
                  f"(goal ≤ {GOALS.get(preset, 1.0)})")
        if args.profile:
            parts = profile(preset, args.batch)
            total = sum(parts.values())
            for key, ms in sorted(parts.items(), key=lambda kv: -kv[1]):
                print(f"    {key:32s} {ms:8.2f} ms  {100 * ms / total:5.1f} %")
    if args.time_to:
        time_to(args.time_to, args.data_dir, args.check_every)


if __name__ == "__main__":
    main()
