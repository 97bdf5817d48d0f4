"""``nnviz train``'s loop with progress bars; ``nnviz evaluate``'s report and PNG files."""

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


THRESHOLDS = (0.5, 0.8, 0.9, 0.99)  # the coverage/accuracy table of `nnviz evaluate`


def evaluate_model(args, ck, data) -> int:
    """``nnviz evaluate``: print the evaluation view's figures; write its PNGs if asked."""
    from nnviz.core.evaluation import Evaluation
    loss = ck.config.loss if ck.config else "cross_entropy"
    print(f"{args.model}: {ck.net!r} on the {data.name} test set ({len(data.y_test):,} images)")
    ev = Evaluation.compute(ck.net, data.x_test, data.y_test, loss)
    names = list(data.class_names) + [str(k) for k in range(data.n_classes, ev.n_classes)]
    print_evaluation(ev, names)
    curves = None
    if args.robustness or args.png_dir is not None:
        from nnviz.core.robustness import robustness_curves
        curves = robustness_curves(ck.net, data.x_test, data.y_test, n=args.robustness_n,
                                   image_shape=tuple(data.image_shape))
        print_robustness(curves, min(args.robustness_n, len(data.y_test)))
    if args.png_dir is not None:
        write_pngs(args, ck, data, ev, names, curves)
    return 0


def print_evaluation(ev, class_names) -> None:
    """The evaluation view's figures as plain text: accuracy, loss, confidence, errors,
    per-class accuracy, the confusion matrix and coverage/accuracy at a few thresholds."""
    from nnviz.core.evaluation import CONFIDENT
    print(f"accuracy {100 * ev.accuracy:.2f}%  loss {ev.loss:.4f}  "
          f"mean confidence {100 * ev.mean_confidence:.2f}%  errors {ev.n_errors}  "
          f"confident errors (≥ {100 * CONFIDENT:.0f}% sure) {ev.n_confident_errors}")
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
    print("answering only when at least t sure:")
    print("     t   answered  coverage  accuracy")
    for t in THRESHOLDS:
        a = ev.at_threshold(t)
        acc = f"{100 * a.accuracy:8.2f}%" if a.n_answered else "      n/a"
        print(f"  {t:>4g} {a.n_answered:>10,} {100 * a.coverage:8.2f}% {acc}")


def print_robustness(curves: dict, n: int) -> None:
    """One block per kind of spoiling: its levels, and the accuracy at each."""
    from nnviz.core.robustness import SPOILERS
    print(f"robustness: accuracy on {n:,} test images as they are spoiled")
    for kind, (levels, acc) in curves.items():
        s = SPOILERS[kind]
        title = f"{s.label} ({s.axis})"
        print(f"  {title:<34}" + "".join(f"{lv:>8g}" for lv in levels))
        print(f"  {'':<34}" + "".join(f"{100 * a:>7.2f}%" for a in acc))


def write_pngs(args, ck, data, ev, names, curves) -> None:
    """confusion.png, robustness.png and, with ``--map``, map.png in ``--png-dir``."""
    from nnviz.gui.theme import THEMES
    from nnviz.gui.views.evaluation import summary_text
    from nnviz.gui.views.evaluation_render import render_confusion_png, render_robustness_png
    args.png_dir.mkdir(parents=True, exist_ok=True)
    theme = THEMES[args.theme]
    header = f"{args.model.name} on the {data.name} test set<br>{summary_text(ev)}"
    written = [args.png_dir / "confusion.png", args.png_dir / "robustness.png"]
    render_confusion_png(ev, names, written[0], theme=theme, header=header)
    render_robustness_png(curves, written[1], n=min(args.robustness_n, ev.n), theme=theme,
                          header=f"{args.model.name} on {data.name}: robustness")
    if args.map is not None:
        written.append(args.png_dir / "map.png")
        write_map_png(args, ck, data, written[-1], theme)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)


def write_map_png(args, ck, data, path, theme) -> None:
    """The map of ``--map LAYER``, drawn by the map view's ``render_map_png`` hook."""
    from nnviz.gui.views.map_view import render_map_png
    render_map_png(ck.net, data, path, layer=args.map, method=args.map_method, n=2000,
                   theme=theme, about=args.model.name)
