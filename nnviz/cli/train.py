"""``nnviz train``: the training loop with a progress bar per epoch, the history and the model."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def run_training(args, config, data) -> int:
    """Train with per-epoch progress bars; save the model/history even after divergence."""
    from nnviz.cli.errors import EXIT_DIVERGED, EXIT_INTERRUPTED
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
    return save_outputs(args, net, trainer, data) or code


def save_outputs(args, net, trainer, data) -> int:
    """``--save`` (first: the weights are worth most), then ``--history``; return 0, or the
    exit code of a failed write. The paths were checked before training, but a disk can fill
    up since: what cannot go where asked goes to the model library folder (else the temporary
    folder), and the one error line says where."""
    from nnviz.cli.errors import EXIT_ERROR
    from nnviz.engine.checkpoint import save_model

    def write_model(path):
        save_model(path, net, trainer.config, trainer.history,
                   extra={"dataset": data.name, "source": data.source,
                          "class_names": list(data.class_names)})
    code, saved = 0, None
    if args.save:
        try:
            write_model(args.save)
            saved = args.save
            print(f"saved {args.save}", file=sys.stderr)
        except OSError as exc:
            saved = rescue(write_model, ".npz")
            print(f"nnviz: error: --save {_said(exc, args.save)}; {_went(saved, 'model')}",
                  file=sys.stderr)
            code = EXIT_ERROR
    if args.history:
        try:
            write_json_atomic(args.history, trainer.history)
        except OSError as exc:
            where = (f"the history is also in the model {saved}" if saved else
                     _went(rescue(lambda p: write_json_atomic(p, trainer.history), ".json"),
                           "history"))
            print(f"nnviz: error: --history {_said(exc, args.history)}; {where}",
                  file=sys.stderr)
            code = EXIT_ERROR
    return code


def rescue(write, suffix: str) -> Path | None:
    """Write with ``write(path)`` to a new file in the model library folder (the window lists
    it), else in the temporary folder; the path written, or None when both fail."""
    import os
    import tempfile
    import time

    import platformdirs
    name = f"unsaved {time.strftime('%Y-%m-%d %H.%M.%S')} {os.getpid()}{suffix}"
    for folder in (Path(platformdirs.user_data_dir("nnviz")) / "models",
                   Path(tempfile.gettempdir())):
        try:
            write(folder / name)
        except OSError:
            continue
        return folder / name
    return None


def _said(exc: OSError, path) -> str:
    """The error as ``path: problem; advice`` (an OSError of ours names ``path`` already)."""
    from nnviz.files.atomic import explain
    return str(explain(exc, path))


def _went(path: Path | None, what: str) -> str:
    if path is None:
        return f"the {what} could not be written anywhere else either (is every disk full?)"
    return f"the {what} was saved instead to {path}"


def _loop(trainer, quiet: bool) -> None:
    from tqdm import tqdm
    n = len(trainer.x_train)
    while not trainer.finished:
        epoch = trainer.epochs_done + 1
        # Piped to a file the bar would write a carriage-return line per refresh (~100 KB an
        # epoch): only a terminal gets the bar; a log gets the plain line per epoch below.
        with tqdm(total=n, unit="img", unit_scale=True, leave=False,
                  disable=quiet or not sys.stderr.isatty(),
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
