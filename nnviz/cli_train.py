"""``nnviz train``'s loop with progress bars, and the printed evaluation report."""

from __future__ import annotations

import sys

import numpy as np


def run_training(args, config, data) -> int:
    """Train with per-epoch progress bars; save the model/history even after divergence."""
    from nnviz.cli import EXIT_DIVERGED, EXIT_INTERRUPTED, write_json_atomic
    from nnviz.core import Trainer, TrainingDiverged, make_network, save_model
    net = make_network(config, data.n_features, data.n_classes)
    trainer = Trainer(net, data, config)
    print(f"{net!r}, {net.n_parameters:,} parameters; {data.name}: {len(data.y_train):,} train, "
          f"{len(data.y_val):,} validation, {len(data.y_test):,} test", file=sys.stderr)
    code = 0
    try:
        _loop(trainer, quiet=args.quiet)
    except TrainingDiverged as exc:
        print(f"nnviz: error: {exc}", file=sys.stderr)
        code = EXIT_DIVERGED
    except KeyboardInterrupt:
        print("\nnnviz: interrupted; keeping what was trained so far", file=sys.stderr)
        code = EXIT_INTERRUPTED
    if args.history:
        write_json_atomic(args.history, trainer.history)
    if args.save:
        save_model(args.save, net, trainer.config, trainer.history,
                   extra={"dataset": data.name, "source": data.source, "class_names": list(data.class_names)})
        print(f"saved {args.save}", file=sys.stderr)
    return code


def _loop(trainer, quiet: bool) -> None:
    from tqdm import tqdm
    n = len(trainer.x_train)
    while not trainer.finished:
        epoch = trainer.epochs_done + 1
        with tqdm(total=n, unit="img", unit_scale=True, leave=False, disable=quiet,
                  desc=f"epoch {epoch}/{trainer.config.epochs}", file=sys.stderr) as bar:
            record = None
            while record is None:
                r = trainer.step()
                record = r.record
                bar.update(r.batch_size)
                if r.step % 20 == 0:
                    bar.set_postfix(loss=f"{r.loss:.4f}", refresh=False)
        print(_epoch_line(record, trainer.config.epochs), flush=True)


def _epoch_line(r: dict, epochs: int) -> str:
    val = (f"  val loss {r['val_loss']:.4f} acc {100 * r['val_accuracy']:.2f}%"
           if r.get("val_loss") is not None else "")
    return (f"epoch {r['epoch']:>3}/{epochs}  train loss {r['train_loss']:.4f} "
            f"acc {100 * r['train_accuracy']:.2f}%{val}  test loss {r['test_loss']:.4f} "
            f"acc {100 * r['test_accuracy']:.2f}%  [{r['elapsed_s']:.1f} s]")


def print_evaluation(ev, class_names) -> None:
    """Accuracy, loss, per-class accuracy and the confusion matrix as plain text."""
    print(f"accuracy {100 * ev.accuracy:.2f}%  loss {ev.loss:.4f}  "
          f"errors {int(np.sum(ev.confusion) - np.trace(ev.confusion))}")
    print("per-class accuracy:")
    for k, acc in enumerate(ev.per_class_accuracy):
        name = class_names[k] if k < len(class_names) else str(k)
        print(f"  {k} {name:<12} {100 * acc:6.2f}%" if np.isfinite(acc) else f"  {k} {name:<12}    n/a")
    k = ev.confusion.shape[0]
    width = max(5, len(str(ev.confusion.max())) + 1)
    print("confusion matrix (rows: true class, columns: predicted):")
    print("     " + "".join(f"{j:>{width}}" for j in range(k)))
    for i in range(k):
        print(f"  {i:>2} " + "".join(f"{c:>{width}}" for c in ev.confusion[i]))
