"""The soak benchmark's samples, table and verdict (no Qt: see ``bench_soak.py``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Views counted, in table order, with their column labels.
VIEWS = {"curves": "curves", "weights": "weights", "activations": "activ", "explorer": "explor",
         "evaluation": "eval", "map": "map", "runs": "runs"}
# Processes sampled: label, and whether their growth is judged (the map process's memory
# follows the jobs it is given: it is shown, not judged).
PROCESSES = {"gui": ("GUI", True), "training": ("training", True), "maps": ("maps", False)}
MAX_GROWTH_PCT = 10.0
RATIO_RANGE = (0.8, 1.25)
MIN_JUDGED = 100  # redraws in each quarter before a ratio is judged: Poisson noise ≤ 1/√100


@dataclass(frozen=True)
class Sample:
    """One sample: ``t`` seconds after training started, batches done (``step``), redraws
    per view so far (``counts``), the session's state, each process's RSS in MB (None
    when it is not running) and the machine's 1-minute load average."""

    t: float
    step: int
    counts: dict
    state: str
    rss: dict
    load: float


def rates(s: Sample, previous: Sample) -> tuple[dict, float]:
    """Redraws per second of each view (and ``total``) and batches per second since ``previous``."""
    dt = s.t - previous.t
    hz = {v: (s.counts[v] - previous.counts[v]) / dt for v in VIEWS}
    hz["total"] = sum(hz.values())
    return hz, (s.step - previous.step) / dt


def table_header(csv: bool = False) -> str:
    names = (["t_s"] + [f"{p}_rss_mb" for p in PROCESSES] + ["batches_per_s"]
             + [f"{v}_hz" for v in VIEWS] + ["total_hz", "load", "state"])
    if csv:
        return ",".join(names)
    return (f"{'t s':>6} {'GUI MB':>8} {'train MB':>8} {'maps MB':>8} {'batch/s':>8} | "
            + " ".join(f"{label:>7}" for label in VIEWS.values())
            + f" | {'total Hz':>8} {'load':>5}")


def table_row(s: Sample, previous: Sample | None, csv: bool = False) -> str:
    """A table (or CSV) line; rates over the interval since ``previous`` (blank for the first)."""
    hz, batches = rates(s, previous) if previous is not None else ({}, None)
    mem = [s.rss[p] for p in PROCESSES]
    per_view = [hz.get(v) for v in (*VIEWS, "total")]
    if csv:
        cells = [f"{s.t:.1f}", *(_fmt(m, ".1f") for m in mem), _fmt(batches, ".1f"),
                 *(_fmt(r, ".2f") for r in per_view), f"{s.load:.2f}", s.state]
        return ",".join(cells)
    state = "" if s.state == "running" else f"  ({s.state})"
    return (f"{s.t:6.0f} " + " ".join(f"{_fmt(m, '.1f'):>8}" for m in mem)
            + f" {_fmt(batches, '.1f'):>8} | "
            + " ".join(f"{_fmt(r, '.2f'):>7}" for r in per_view[:-1])
            + f" | {_fmt(per_view[-1], '.1f'):>8} {s.load:5.2f}{state}")


def _fmt(x, spec: str) -> str:
    return "" if x is None else format(x, spec)


def summarize(samples: list[Sample], warmup: float, errors=()) -> tuple[list[str], bool]:
    """Report lines and the verdict: memory from the first sample at or after ``warmup`` s
    to the last, redraw rates over the first and last quarters of the intervals after it."""
    base = next((i for i, s in enumerate(samples) if s.t >= warmup), None)
    after = samples[base:] if base is not None else []
    if len(after) < 3:
        return [f"too short to judge: {len(after)} samples at or after the {warmup:g} s "
                "warm-up (3 needed)"], False
    lines = [f"memory, from the first sample after the warm-up ({after[0].t:.0f} s) to the "
             f"last ({after[-1].t:.0f} s):"]
    ok = True
    for p, (label, judged) in PROCESSES.items():
        line, good = _growth(label, after[0].rss[p], after[-1].rss[p], judged)
        lines.append(line)
        ok &= good
    intervals = list(zip(after, after[1:]))
    q = max(1, len(intervals) // 4)
    lines.append(f"redraws per second, mean of the first vs the last {q} of {len(intervals)} "
                 f"intervals after the warm-up (judged when both hold ≥ {MIN_JUDGED} redraws):")
    for v in (*VIEWS, "total"):
        line, good = _flatness(v, intervals[:q], intervals[-q:], intervals)
        lines.append(line)
        ok &= good
    first, last = (sum(b.step - a.step for a, b in part) / sum(b.t - a.t for a, b in part)
                   for part in (intervals[:q], intervals[-q:]))
    ratio = f"{last / first:5.2f}" if first else "  -  "
    lines.append(f"  {'batches/s':<12} {first:8.1f} → {last:8.1f}   ratio {ratio}   (not judged)")
    lines.append(f"  {'load average':<12} {after[0].load:8.2f} → {after[-1].load:8.2f}   "
                 f"(1 minute, {os.cpu_count()} cores: other work on the machine slows every rate)")
    idle = [s for s in after if s.state != "running"]
    if idle:
        ok = False
        lines.append(f"training was not running at {len(idle)} samples (first at "
                     f"{idle[0].t:.0f} s: {idle[0].state}): FAIL")
    for message in errors:
        ok = False
        lines.append(f"error shown by the window: {message.strip().splitlines()[-1]}: FAIL")
    return lines, ok


def _growth(label: str, start, end, judged: bool) -> tuple[str, bool]:
    if start is None or end is None:
        where = "start" if start is None else "end"
        return (f"  {label:<10} not running at the {where}"
                + (": FAIL" if judged else "   (not judged)")), not judged
    growth = 100 * (end - start) / start
    good = growth < MAX_GROWTH_PCT or not judged
    verdict = f"{'ok' if good else 'FAIL'}: < {MAX_GROWTH_PCT:g} %" if judged else "not judged"
    return (f"  {label:<10} {start:8.1f} MB → {end:8.1f} MB   growth {growth:+6.1f} %   "
            f"({verdict})"), good


def _flatness(view: str, first: list, last: list, everything: list) -> tuple[str, bool]:
    def count(part):
        if view == "total":
            return sum(sum(b.counts[v] - a.counts[v] for v in VIEWS) for a, b in part)
        return sum(b.counts[view] - a.counts[view] for a, b in part)

    def hz(part):
        return count(part) / sum(b.t - a.t for a, b in part)
    label = VIEWS.get(view, view)
    if count(everything) == 0:
        return f"  {label:<12} no redraw at all after the warm-up: FAIL", False
    ratio = f"{hz(last) / hz(first):5.2f}" if count(first) else "  -  "
    lo, hi = RATIO_RANGE
    if min(count(first), count(last)) < MIN_JUDGED:
        verdict, good = f"not judged: {count(first)} and {count(last)} redraws", True
    else:
        good = lo <= hz(last) / hz(first) <= hi
        verdict = f"{'ok' if good else 'FAIL'}: {lo:g}–{hi:g}"
    return f"  {label:<12} {hz(first):8.2f} → {hz(last):8.2f}   ratio {ratio}   ({verdict})", good
