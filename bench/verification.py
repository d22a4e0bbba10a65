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
import sys
import tempfile
import time
from pathlib import Path

from bench.verification_real import real_library
from counterpoint.languages import language_for
from counterpoint.pipeline.context import build_context
from counterpoint.pipeline.execute import ExecutionOptions, ExecutionService
from counterpoint.pipeline.request import CrossCheckRequest, Range
from counterpoint.sandbox.runner import run_sandboxed, scrubbed_env
from counterpoint.sandbox.snapshot import WorkspaceSnapshot

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


def snapshot_figures(work: Path) -> dict:
    tree = work / "tree"
    make_tree(tree, FILES)
    snapshot = WorkspaceSnapshot(tree, work / "store")
    first = snapshot.refresh()
    unchanged = snapshot.refresh()
    for index in range(10):
        (tree / f"pkg{index:03d}" / "mod000.py").write_text(f"CHANGED = {index}\n")
    ten_changed = snapshot.refresh()
    started = time.monotonic()
    snapshot.materialise(work / "run", {"pkg000/mod000.py": "X = 1\n"})
    farm = time.monotonic() - started
    return {
        "files": first.files,
        "first_copy_s": round(first.seconds, 3),
        "refresh_unchanged_s": round(unchanged.seconds, 3),
        "refresh_10_changed_s": round(ten_changed.seconds, 3),
        "run_dir_hardlink_farm_s": round(farm, 3),
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

    snapshot = service.snapshot(project)
    run_dir = work / "full" / "work"
    snapshot.materialise(run_dir, {})
    # The same environment the selected run gets (no autoloaded plugins from our own venv).
    env = scrubbed_env(
        {"PYTHONPATH": str(run_dir), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, work / "full"
    )
    started = time.monotonic()
    full = await run_sandboxed(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        run_dir,
        env,
        600,
        service.isolation,
    )
    full_s = time.monotonic() - started
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
