"""The sandbox's added cost per run, against a bare process and against the runner it replaced.

For snapshots of 1,000 and 10,000 files (bench/verification.py's generated tree), a trivial
command (`/bin/true`, and `python -c pass` with the server's interpreter) is run RUNS times each
way, interleaved (the order rotates every round) so the machine's noise falls on all three:

- bare: `asyncio.create_subprocess_exec`, no isolation at all;
- legacy: the runner before bubblewrap (bench/legacy_sandbox.py): a hardlink farm of the
  snapshot, then the `unshare` trampoline with its read-only view, then the farm removed;
- sandbox: today's runner, as the executor uses it: a run folder and its stage (one file of
  the run's own), the launcher (tmpfs, overlay over the snapshot) and bubblewrap with the
  seccomp filter and the interpreter's installation read-only, then the run folder removed.

Each way's time is the whole run as the executor pays it, set-up and clean-up included. Figures:
medians (with min, max and quartiles), the added cost per run (median minus the bare median;
goal: at most 30 ms for the sandbox) and the sandbox's time against the legacy runner's.
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import legacy_sandbox as legacy
from bench.verification import make_tree
from counterpoint.languages.python.interpreter import import_path
from counterpoint.sandbox.runner import (
    RunArea,
    detect_isolation,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)
from counterpoint.sandbox.snapshot import WorkspaceSnapshot, stage_files

SIZES = (1_000, 10_000)
RUNS = 15
GOAL_ADDED_MS = 30.0
EDITED = {"pkg000/mod000.py": "X = 1\n"}  # the run's own file (the proposal), as in the executor
WAYS = ("bare", "legacy", "sandbox")

Timed = Callable[[], Awaitable[dict[str, float]]]


def commands() -> dict[str, tuple[list[str], list[str]]]:
    """Each command and what the sandbox shows of the host for it, read-only (as the executor's
    view: the toolchain's installations and, for Python, its import path)."""
    python = sys.executable
    return {
        "/bin/true": (["/bin/true"], toolchain_roots(["/bin/true"])),
        "python -c pass": (
            [python, "-c", "pass"],
            [*toolchain_roots([python]), *import_path(python)],
        ),
    }


class Ways:
    """The three ways to run one command over one snapshot; each returns its phases' seconds."""

    def __init__(self, work: Path, snapshot: WorkspaceSnapshot, argv: list[str], view: list[str]):
        self.work, self.snapshot, self.argv, self.view = work, snapshot, argv, view
        self.files = snapshot.files
        self.area = RunArea(work / "runs")
        self.isolation = detect_isolation()
        self.legacy = legacy.detect_isolation()

    async def bare(self) -> dict[str, float]:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.snapshot.base,
            env=scrubbed_env({}, self.work),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output
        return {"run": time.perf_counter() - started}

    async def legacy_run(self) -> dict[str, float]:
        started = time.perf_counter()
        sandbox = self.work / "legacy" / os.urandom(6).hex()
        run_dir = legacy.materialise(self.snapshot.base, self.files, sandbox / "work", EDITED)
        env = legacy.scrubbed_env({}, sandbox)
        prepared = time.perf_counter()
        result = await legacy.run_sandboxed(
            self.argv, run_dir, env, 60, self.legacy, writable=(sandbox,)
        )
        ran = time.perf_counter()
        shutil.rmtree(sandbox)
        assert result.returncode == 0, result.output
        return {
            "setup": prepared - started,
            "run": ran - prepared,
            "cleanup": time.perf_counter() - ran,
        }

    async def sandbox(self) -> dict[str, float]:
        started = time.perf_counter()
        run = self.area.new_run()
        stage_files(run.stage, EDITED)
        prepared = time.perf_counter()
        result = await run_sandboxed(
            run,
            self.argv,
            scrubbed_env({}, run.layer),
            60,
            self.isolation,
            area=self.area,
            lower=[run.stage, self.snapshot.base],
            read_only=self.view,
        )
        ran = time.perf_counter()
        run.remove()
        assert result.returncode == 0 and not result.setup_failed, result.output
        return {
            "setup": prepared - started,
            "run": ran - prepared,
            "cleanup": time.perf_counter() - ran,
        }

    def timed(self) -> dict[str, Timed]:
        return {"bare": self.bare, "legacy": self.legacy_run, "sandbox": self.sandbox}


def spread(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    quartiles = statistics.quantiles(ms, n=4) if len(ms) > 1 else [ms[0]] * 3
    return {
        "median_ms": round(statistics.median(ms), 2),
        "min_ms": round(ms[0], 2),
        "p25_ms": round(quartiles[0], 2),
        "p75_ms": round(quartiles[2], 2),
        "max_ms": round(ms[-1], 2),
    }


async def measure(work: Path) -> dict[str, Any]:
    cases: dict[tuple[int, str], Ways] = {}
    for files in SIZES:
        tree = work / f"tree{files}"
        make_tree(tree, files)
        snapshot = WorkspaceSnapshot(tree, work / "store")
        snapshot.refresh()
        for name, (argv, view) in commands().items():
            cases[files, name] = Ways(work / f"case-{files}-{len(cases)}", snapshot, argv, view)
    for ways in cases.values():  # warm-up: caches, the seccomp file, the probes
        for way in ways.timed().values():
            await way()
    samples: dict[tuple[int, str], dict[str, list[dict[str, float]]]] = {
        case: {way: [] for way in WAYS} for case in cases
    }
    for round_ in range(RUNS):
        for index, (case, ways) in enumerate(cases.items()):
            timed = ways.timed()
            shift = (round_ + index) % len(WAYS)
            for way in WAYS[shift:] + WAYS[:shift]:
                samples[case][way].append(await timed[way]())
    results = []
    for (files, command), by_way in samples.items():
        row: dict[str, Any] = {"files": files, "command": command}
        for way, phases in by_way.items():
            row[way] = spread([sum(p.values()) for p in phases])
            if way != "bare":
                row[way]["phases_median_ms"] = {
                    phase: round(statistics.median(p[phase] for p in phases) * 1000, 2)
                    for phase in phases[0]
                }
        bare = row["bare"]["median_ms"]
        row["sandbox_added_ms"] = round(row["sandbox"]["median_ms"] - bare, 1)
        row["legacy_added_ms"] = round(row["legacy"]["median_ms"] - bare, 1)
        row["sandbox_to_legacy_ratio"] = round(
            row["sandbox"]["median_ms"] / row["legacy"]["median_ms"], 3
        )
        row["met"] = row["sandbox_added_ms"] <= GOAL_ADDED_MS
        results.append(row)
    some = next(iter(cases.values()))
    return {
        "runs_per_way": RUNS,
        "sandbox": f"bubblewrap {some.isolation.bwrap_version}, layer {some.isolation.layer}, "
        f"seccomp {'on' if some.isolation.seccomp else 'off'}, pids cgroup "
        f"{'on' if some.isolation.pids_cgroup else 'off'}",
        "legacy": some.legacy.describe(),
        "cases": results,
        "goal_added_ms": GOAL_ADDED_MS,
        "met": all(row["met"] for row in results),
    }


def run() -> dict[str, Any]:
    isolation = detect_isolation()
    if not isolation.sandboxed:
        return {"available": False, "reason": isolation.unavailable, "met": None}
    work = Path(tempfile.mkdtemp(prefix="counterpoint-bench-sandbox-"))
    try:
        return {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}",
            **asyncio.run(measure(work)),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
