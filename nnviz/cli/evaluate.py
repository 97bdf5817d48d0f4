"""``nnviz evaluate``: the evaluation view's figures as text, and its charts as PNG files."""

from __future__ import annotations

import sys

import numpy as np

THRESHOLDS = (0.5, 0.8, 0.9, 0.99)  # the coverage/accuracy table of `nnviz evaluate`


def evaluate_model(args, ck, data) -> int:
    """``nnviz evaluate``: print the evaluation view's figures; write its PNGs if asked."""
    from nnviz.analysis.evaluation import Evaluation
    loss = ck.config.loss if ck.config else "cross_entropy"
    print(f"{args.model}: {ck.net!r} on the {data.name} test set ({len(data.y_test):,} images)")
    ev = Evaluation.compute(ck.net, data.x_test, data.y_test, loss)
    names = list(data.class_names) + [str(k) for k in range(data.n_classes, ev.n_classes)]
    print_evaluation(ev, names)
    curves = None
    if args.robustness or args.png_dir is not None:
        from nnviz.analysis.robustness import robustness_curves
        curves = robustness_curves(ck.net, data.x_test, data.y_test, n=args.robustness_n,
                                   image_shape=tuple(data.image_shape))
        print_robustness(curves, min(args.robustness_n, len(data.y_test)))
    if args.png_dir is not None:
        write_pngs(args, ck, data, ev, names, curves)
    return 0


def print_evaluation(ev, class_names) -> None:
    """The evaluation view's figures as plain text: accuracy, loss, confidence, errors,
    per-class accuracy, the confusion matrix and coverage/accuracy at a few thresholds."""
    from nnviz.analysis.evaluation import CONFIDENT
    print(f"accuracy {100 * ev.accuracy:.2f}%  loss {ev.loss:.4f}  "
          f"mean confidence {100 * ev.mean_confidence:.2f}%  errors {ev.n_errors}  "
          f"confident errors (≥ {100 * CONFIDENT:.0f}% sure) {ev.n_confident_errors}")
    print("per-class accuracy:")
    for k, acc in enumerate(ev.per_class_accuracy):
        # Digit classes are named by their index: print the name once, not "0 0".
        name = class_names[k] if k < len(class_names) else str(k)
        label = name if name == str(k) else f"{k} {name}"
        print(f"  {label:<14} {100 * acc:6.2f}%" if np.isfinite(acc)
              else f"  {label:<14}    n/a")
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
    from nnviz.analysis.robustness import SPOILERS
    print(f"robustness: accuracy on {n:,} test images as they are spoiled")
    for kind, (levels, acc) in curves.items():
        s = SPOILERS[kind]
        title = f"{s.label} ({s.axis})"
        print(f"  {title:<34}" + "".join(f"{lv:>8g}" for lv in levels))
        print(f"  {'':<34}" + "".join(f"{100 * a:>7.2f}%" for a in acc))


def write_pngs(args, ck, data, ev, names, curves) -> None:
    """confusion.png, robustness.png and, with ``--map``, map.png in ``--png-dir``."""
    from nnviz.analysis.evaluation import summary_text
    from nnviz.charts.theme import THEMES
    from nnviz.render.evaluation import render_confusion_png, render_robustness_png
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
    """The map of ``--map LAYER``, drawn as the map view draws it."""
    from nnviz.render.map import render_map_png
    render_map_png(ck.net, data, path, layer=args.map, method=args.map_method, n=2000,
                   theme=theme, about=args.model.name)
