"""Verification cost: the workspace snapshot on a 10k-file tree, and selected tests against the
full suite of a generated project, both through the real sandbox.

Goals (issue 3 / issue 8): a refresh of an unchanged 10k-file snapshot well under a second
(200 ms), and the selected-tests run at most 20% of the full suite's time.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.verification_real import full_suite, real_library
from counterpoint.core.context import build_context
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.languages import language_for
from counterpoint.model.request import CrossCheckRequest, Range
from counterpoint.sandbox.runner import RunArea, detect_isolation, run_sandboxed, scrubbed_env
from counterpoint.sandbox.snapshot import WorkspaceSnapshot, stage_files

FILES = 10_000
MODULES = 40
TESTS_PER_MODULE = 25


def make_tree(root: Path, files: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    # A project marker: a folder that is no project is only copied shallowly.
    (root / "pyproject.toml").write_text("[project]\nname = 'tree'\nversion = '0'\n")
    for index in range(files - 1):
        folder = root / f"pkg{index // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{index % 100:03d}.py").write_text(f"VALUE = {index}\n" * 20)


def make_project(root: Path) -> None:
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\nversion = '0'\n")
    for m in range(MODULES):
        (root / f"lib{m}.py").write_text(
            f"def work{m}(n):\n    return sum(i * i for i in range(n))\n"
        )
        tests = [f"from lib{m} import work{m}\n"]
        tests += [
            f"def test_work{m}_{t}():\n"
            f"    assert work{m}({2000 + t}) == sum(i * i for i in range({2000 + t}))\n"
            for t in range(TESTS_PER_MODULE)
        ]
        (root / "tests" / f"test_lib{m}.py").write_text("\n\n".join(tests))


async def run_setup_s(work: Path, snapshot: WorkspaceSnapshot, runs: int = 5) -> float:
    """What a run costs before and after its command, now that no run copies or links the
    snapshot: a run folder with one staged file, the launcher's tmpfs and overlay over the
    snapshot, bwrap, and the folder's removal, around `/bin/true` (median of `runs`)."""
    isolation, area = detect_isolation(), RunArea(work / "setup-runs")
    times = []
    for _ in range(runs):
        started = time.monotonic()
        run = area.new_run()
        stage_files(run.stage, {"pkg000/mod000.py": "X = 1\n"})
        result = await run_sandboxed(
            run,
            ["/bin/true"],
            scrubbed_env({}, run.layer),
            60,
            isolation,
            area=area,
            lower=[run.stage, snapshot.base],
        )
        run.remove()
        assert result.returncode == 0, result.setup_failed or result.output
        times.append(time.monotonic() - started)
    return statistics.median(times)


def snapshot_figures(work: Path) -> dict:
    tree = work / "tree"
    make_tree(tree, FILES)
    snapshot = WorkspaceSnapshot(tree, work / "store")
    first = snapshot.refresh()
    unchanged = snapshot.refresh()
    for index in range(10):
        (tree / f"pkg{index:03d}" / "mod000.py").write_text(f"CHANGED = {index}\n")
    ten_changed = snapshot.refresh()
    setup = asyncio.run(run_setup_s(work, snapshot))
    return {
        "files": first.files,
        "first_copy_s": round(first.seconds, 3),
        "refresh_unchanged_s": round(unchanged.seconds, 3),
        "refresh_10_changed_s": round(ten_changed.seconds, 3),
        "run_setup_s": round(setup, 3),
        "run_setup_note": "a whole sandboxed run of /bin/true over this snapshot (median of 5); "
        "python -m bench sandbox breaks it down",
        "goal_refresh_s": 0.2,
        "refresh_ratio_to_goal": round(unchanged.seconds / 0.2, 3),
    }


async def selection_figures(work: Path) -> dict:
    project = work / "project"
    make_project(project)
    target = project / "lib7.py"
    text = target.read_text()
    language = language_for("python")
    request = CrossCheckRequest(target.as_uri(), text, "python", Range.of_lines(0, 1), "")
    context = build_context(request, language)
    service = ExecutionService(ExecutionOptions(store_dir=work / "exec"))
    job = service.job(request, context, language, target, project)
    job.start()
    started = time.monotonic()
    selected = await job.baseline()
    selected_s = time.monotonic() - started

    # The same environment the selected run gets (no autoloaded plugins from our own venv).
    full, full_s = await full_suite(
        service, project, sys.executable, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    )
    suite = MODULES * TESTS_PER_MODULE
    assert full.returncode == 0, full.output[-2000:]
    return {
        "suite_size": suite,
        "selected_tests": len(selected.tests),
        "selected_share": round(len(selected.tests) / suite, 3),
        "selected_run_s": round(selected_s, 3),
        "full_suite_run_s": round(full_s, 3),
        "selected_to_full_ratio": round(selected_s / full_s, 3),
        "note": "the selected run includes the snapshot refresh and discovery; both runs pay "
        "the same interpreter and pytest start-up",
    }


def run() -> dict:
    work = Path(tempfile.mkdtemp(prefix="counterpoint-bench-"))
    try:
        figures = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}",
            "snapshot": snapshot_figures(work),
        }
        figures["selection"] = asyncio.run(selection_figures(work))
        figures["real_library"] = real_library()  # bench/verification_real.py
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)
