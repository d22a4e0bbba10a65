"""Secret detection on ordinary code: false positives, and time per prompt.

Every detection in these files is counted; none of them holds a real secret, so each one is a
false positive, except the canaries the hardening tests plant on purpose (listed by kind, apart):
- the running Python's own `inspect.py` (about 3,300 lines);
- every file under tests/e2e/fixtures (node_modules and build output excluded);
- the hardening tests' own Python files under tests/hardening;
- for a wider view, every top-level module of the stdlib (about 170 files, 130,000 lines).

Speed: `inspect.py` cut into 8 KB prompts, each redacted by a fresh Redactor (one per request, as
the pipeline does); the figure is the median ms per prompt, and the whole file in one call.
"""

from __future__ import annotations

import inspect
import statistics
import sysconfig
import time
from pathlib import Path
from typing import Any

from counterpoint.core.secrets import Redactor

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_PARTS = {"node_modules", "target", "dist", "__pycache__", ".pytest_cache"}
PROMPT_BYTES = 8 * 1024


def detections(path: Path) -> dict[str, int]:
    redactor = Redactor(filename=path.name)
    redactor.redact(path.read_text(encoding="utf-8", errors="replace"))
    return redactor.counts


def files_under(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not SKIPPED_PARTS & set(p.relative_to(folder).parts)
    )


def summed(paths: list[Path]) -> tuple[int, dict[str, dict[str, int]]]:
    found = {str(p.relative_to(ROOT)): detections(p) for p in paths}
    found = {name: counts for name, counts in found.items() if counts}
    return sum(sum(c.values()) for c in found.values()), found


def run() -> dict[str, Any]:
    source = Path(inspect.__file__)
    text = source.read_text()
    prompts = [text[i : i + PROMPT_BYTES] for i in range(0, len(text), PROMPT_BYTES)]
    Redactor().redact(prompts[0])  # builds the plugins once, as the first request would
    times = []
    for prompt in prompts:
        started = time.perf_counter()
        Redactor().redact(prompt)
        times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    Redactor().redact(text)
    whole_ms = (time.perf_counter() - started) * 1000

    fixtures = files_under(ROOT / "tests" / "e2e" / "fixtures")
    hardening = sorted((ROOT / "tests" / "hardening").glob("*.py"))
    fixture_total, fixture_found = summed(fixtures)
    hardening_total, hardening_found = summed(hardening)
    inspect_found = detections(source)
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    stdlib_found = [detections(p) for p in stdlib]
    stdlib_by_kind: dict[str, int] = {}
    for counts in stdlib_found:
        for kind, count in counts.items():
            stdlib_by_kind[kind] = stdlib_by_kind.get(kind, 0) + count
    return {
        "inspect_py_lines": text.count("\n"),
        "inspect_py_detections": sum(inspect_found.values()),
        "inspect_py_by_kind": inspect_found,
        "fixture_files": len(fixtures),
        "fixture_detections": fixture_total,
        "fixture_detections_by_file": fixture_found,
        "hardening_files": len(hardening),
        "hardening_detections": hardening_total,
        "hardening_detections_by_file": hardening_found,
        "stdlib_files": len(stdlib),
        "stdlib_lines": sum(p.read_text(errors="replace").count("\n") for p in stdlib),
        "stdlib_detections": sum(stdlib_by_kind.values()),
        "stdlib_by_kind": dict(sorted(stdlib_by_kind.items())),
        "prompts_8kb": len(prompts),
        "ms_per_8kb_prompt_median": round(statistics.median(times), 2),
        "ms_per_8kb_prompt_max": round(max(times), 2),
        "ms_whole_inspect_py": round(whole_ms, 1),
    }
