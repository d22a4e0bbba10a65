"""Verification cost on a real library: selected tests for one function against the full suite.

At bench time, more-itertools' sdist (pinned; it ships its test suite) is downloaded from PyPI
with `pip download --no-binary :all: --no-deps` into a cache dir (COUNTERPOINT_BENCH_CACHE, by
default ~/.cache/counterpoint-bench) and unpacked there, and a venv with pytest is made beside it
(both reused by later runs). The unpacked source is the workspace: the sandbox copies it, and
the copy is on PYTHONPATH, so the library needs no install.

The selected run is the real `ExecutionService` / `ExecutionJob` path with that venv as the
configured interpreter: snapshot refresh, test discovery for the function, and the baseline
run of the selected tests (and the function's doctests, if it has any) in the sandbox. The full
run is pytest on the whole `tests/` folder of a snapshot of the same tree, in the same sandbox,
with the same interpreter and environment.

Goal (issue 8): selected ≤ 20% of full. No network: the section says so and `met` is null.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from counterpoint.core.context import build_context
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.languages import language_for
from counterpoint.languages.python.interpreter import import_path
from counterpoint.model.request import CrossCheckRequest, Range
from counterpoint.sandbox.runner import (
    ProcessResult,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)

PACKAGE, VERSION = "more-itertools", "10.5.0"
SDIST = f"more-itertools-{VERSION}.tar.gz"
TARGET_FILE, TARGET_FUNCTION = "more_itertools/more.py", "chunked"
GOAL_RATIO = 0.2


def cache_dir() -> Path:
    configured = os.environ.get("COUNTERPOINT_BENCH_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "counterpoint-bench"


def fetch_sdist(cache: Path) -> tuple[Path | None, str]:
    """The unpacked sdist, or None and why not."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = downloads / SDIST
    if not archive.exists():
        try:
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-binary",
                    ":all:",
                    "--no-deps",
                    f"{PACKAGE}=={VERSION}",
                    "-d",
                    str(downloads),
                ],
                capture_output=True,
                text=True,
                timeout=180,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"pip download failed: {error}"
        if result.returncode != 0 or not archive.exists():
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            return None, "pip download failed (no network?): " + " | ".join(tail)
    source = cache / "src" / f"more-itertools-{VERSION}"
    if not (source / "tests").is_dir():
        with tarfile.open(archive) as tar:
            tar.extractall(cache / "src", filter="data")
    if not (source / "tests").is_dir() or not (source / TARGET_FILE).is_file():
        return None, f"the sdist {SDIST} has no tests/ or no {TARGET_FILE}"
    return source, ""


def make_venv(cache: Path) -> tuple[Path | None, str]:
    venv = cache / f"venv-py{sys.version_info.major}{sys.version_info.minor}"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import pytest"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "pytest"],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or ""
        return None, f"could not make a venv with pytest: {error} {detail[-300:]}"
    return python, ""


def target_lines(text: str) -> tuple[int, int]:
    """Zero-based first and last line of TARGET_FUNCTION (up to the next top-level line)."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"def {TARGET_FUNCTION}("))
    last = first
    for index in range(first + 1, len(lines)):
        if lines[index] and not lines[index][0].isspace():
            break
        if lines[index].strip():
            last = index
    return first, last


async def full_suite(
    service: ExecutionService, project: Path, python: str, env: dict[str, str]
) -> tuple[ProcessResult, float]:
    """pytest on the whole `tests/` folder through the sandbox the selected run goes through:
    a run of the service's own run area, the project's snapshot as the overlay's lower layer,
    and the interpreter's installation and import path read-only. Returns the result and the
    run's wall time, its set-up (run folder, launcher, mounts, bwrap) and clean-up included."""
    snapshot = service.snapshot(project)
    started = time.monotonic()
    run = service.run_area.new_run()
    try:
        full = await run_sandboxed(
            run,
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
            scrubbed_env({"PYTHONPATH": str(run.tree), **env}, run.layer),
            600,
            service.isolation,
            area=service.run_area,
            lower=[run.stage, snapshot.base],
            read_only=[*toolchain_roots([python]), *import_path(python)],
        )
    finally:
        run.remove()
    return full, time.monotonic() - started


def count_outcomes(output: str) -> dict[str, int]:
    found = re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed|deselected)", output)
    return {kind: int(number) for number, kind in found}


async def measure(project: Path, python: Path, work: Path) -> dict[str, Any]:
    target = project / TARGET_FILE
    text = target.read_text()
    first, last = target_lines(text)
    language = language_for("python")
    request = CrossCheckRequest(target.as_uri(), text, "python", Range.of_lines(first, last), "")
    context = build_context(request, language)
    options = ExecutionOptions(store_dir=work / "exec", interpreters={"python": str(python)})
    service = ExecutionService(options)
    job = service.job(request, context, language, target, project)
    job.start()
    started = time.monotonic()
    await job.baseline()
    cold_s = time.monotonic() - started  # the first request also copies the workspace

    # The figure: a later request, as in the editor, on an edited file (so nothing is reused
    # from the first run but the snapshot).
    edited = text + "\n# edited\n"
    request = CrossCheckRequest(target.as_uri(), edited, "python", Range.of_lines(first, last), "")
    job = service.job(request, context, language, target, project)
    job.start()
    started = time.monotonic()
    selected = await job.baseline()
    selected_s = time.monotonic() - started

    full, full_s = await full_suite(service, project, str(python), {})
    assert full.setup_failed is None, full.setup_failed
    outcomes = count_outcomes(full.output[-3000:])
    total = sum(v for k, v in outcomes.items() if k != "deselected")
    ratio = selected_s / full_s
    doctests = sum(1 for t in selected.tests if "::" in t.id and not t.id.startswith("tests/"))
    return {
        "library": f"{PACKAGE} {VERSION} (sdist from PyPI, its own tests/)",
        "function": f"{TARGET_FILE}::{TARGET_FUNCTION} (lines {first + 1}-{last + 1})",
        "interpreter": str(python),
        "selection": {
            "workspace_tests_selected": len(job.selection.test_ids),
            "suite_size_discovered": job.selection.suite_size,
            "discovered_share_of_full_suite": round(job.selection.suite_size / max(1, total), 3),
            "doctest_files": list(job.selection.doctest_files),
            "tests_run": len(selected.tests),
            "of_which_doctests": doctests,
            "passed": selected.count("passed"),
            "status": selected.status,
        },
        "snapshot": job.describe()["snapshot"],
        "full_suite": {
            "outcomes": outcomes,
            "tests": total,
            "returncode": full.returncode,
        },
        "first_request_s": round(cold_s, 3),
        "selected_run_s": round(selected_s, 3),
        "full_suite_run_s": round(full_s, 3),
        "selected_to_full_ratio": round(ratio, 3),
        "note": "the selected run is a second request (snapshot refresh, discovery and the "
        "sandboxed run); first_request_s also copies the workspace; both runs pay the same "
        "interpreter and pytest start-up",
        "goal_ratio": GOAL_RATIO,
        "met": ratio <= GOAL_RATIO,
    }


def real_library() -> dict[str, Any]:
    cache = cache_dir()
    project, why = fetch_sdist(cache)
    if project is None:
        return {"available": False, "reason": why, "goal_ratio": GOAL_RATIO, "met": None}
    python, why = make_venv(cache)
    if python is None:
        return {"available": False, "reason": why, "goal_ratio": GOAL_RATIO, "met": None}
    with tempfile.TemporaryDirectory(prefix="counterpoint-bench-real-") as work:
        return {"available": True, **asyncio.run(measure(project, python, Path(work)))}


def run() -> dict[str, Any]:
    return real_library()
