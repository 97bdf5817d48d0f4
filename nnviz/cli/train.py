"""``nnviz train``: the training loop with a progress bar per epoch, the history and the model."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run_training(args, config, data) -> int:
    """Train with per-epoch progress bars; save the model/history even after divergence."""
    from nnviz.cli.errors import EXIT_DIVERGED, EXIT_INTERRUPTED
    from nnviz.engine.checkpoint import save_model
    from nnviz.engine.training import Trainer, TrainingDiverged, make_network
    net = make_network(config, data.n_features, data.n_classes,
                       image_shape=tuple(data.image_shape))
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


def write_json_atomic(path: Path, obj) -> None:
    """Write ``obj`` as JSON to a temp file beside ``path``, then rename it into place."""
    from nnviz.files.atomic import atomic_write
    with atomic_write(path, "w") as stream:
        json.dump(obj, stream, indent=1)
