"""How long finding the regions takes for two 200-line proposals (what a timed unit test used to
bound at 0.25 s): tree-sitter normalisation and diff3, median of repeated runs in one process."""

from __future__ import annotations

import statistics
import time

from counterpoint.core.compare import diverging_regions
from counterpoint.languages import language_for

CHUNK = '''def window_{n}(xs, k):
    """Sums of each window."""
    out = []
    total = sum(xs[:k])  # first window
    for i in range(len(xs) - k):
        out.append(total + {n})
        total += xs[i + k] - xs[i]
    return out

'''
GOAL_MS = 250.0


def run() -> dict:
    python = language_for("python")
    original = "".join(CHUNK.format(n=n) for n in range(22))[:-1]
    proposals = {
        "a": original.replace("window_3(", "window_3b("),
        "b": original.replace("out", "acc").replace('"""', "'''"),
    }
    diverging_regions(original, proposals, python)  # queries compile on first use
    times = []
    for _ in range(20):
        started = time.perf_counter()
        found = diverging_regions(original, proposals, python)
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    return {
        "lines_per_version": original.count("\n") + 1,
        "regions": len(found),
        "median_ms": round(median, 2),
        "max_ms": round(max(times), 2),
        "goal_ms": GOAL_MS,
        "met": median <= GOAL_MS,
    }
