"""Execution: run the original and each proposal against the same tests in a sandboxed copy.

The baseline (the original code) starts at once, while the models are still writing. Each
proposal runs against the selected workspace tests, doctests and every family's own tests, as
soon as all proposals are in. Identical runs (same code, same tests, same interpreter) are not
repeated. Nothing here writes to the user's workspace: runs happen in copies under `store`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from counterpoint.core.behaviour import compare_with_baseline, differences, parse_behaviour
from counterpoint.core.context import CodeContext
from counterpoint.core.secrets import Redactor, Secrets, as_redactor
from counterpoint.languages import LanguageSpec, regression_writer, test_support
from counterpoint.languages.testing import (
    BehaviourProbe,
    InterpreterChoice,
    Regression,
    RunPlan,
    TestOutcome,
    TestSelection,
    TestSupport,
)
from counterpoint.model.execution import EXPECTED, ORIGINAL, Counterexample, Execution
from counterpoint.model.request import CrossCheckRequest
from counterpoint.model.text import replace_range
from counterpoint.model.vocabulary import ExecutionStatus
from counterpoint.sandbox.runner import (
    UNSAFE_SETTING,
    Isolation,
    Limits,
    ProcessResult,
    RunArea,
    detect_isolation,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)
from counterpoint.sandbox.snapshot import (
    RefreshStats,
    SnapshotTooLarge,
    WorkspaceSnapshot,
    link_dependencies,
    stage_files,
)
from counterpoint.workspace import inside_workspace

MEMO_ENTRIES = 256  # results kept in memory; the disk cache keeps more
MAX_SHRINK_ROUNDS = 4  # sandbox runs per version to shrink a counterexample Counterpoint made up


class ResultStore(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class ExecutionOptions:
    store_dir: Path
    interpreters: dict[str, str] = field(default_factory=dict)  # language -> configured runner
    # language -> what the editor selected (VS Code's Python extension): tried after the
    # activated environment and the project's own
    editor_interpreters: dict[str, str] = field(default_factory=dict)
    run_timeout_s: float = 120.0
    test_timeout_s: float = 10.0
    limits: Limits = field(default_factory=Limits)
    # Run tests with no sandbox at all: only ever from the user's own settings.
    unsafe_no_sandbox: bool = False


class ExecutionService:
    """Long-lived: workspace snapshots, the isolation probe, and results already computed."""

    def __init__(self, options: ExecutionOptions, store: ResultStore | None = None) -> None:
        self.options = options
        self.store = store  # results kept across processes (the disk cache), if any
        self._snapshots: dict[Path, WorkspaceSnapshot] = {}
        # Recent results by run key, oldest first; bounded, since the server runs for days.
        self._memo: OrderedDict[str, Execution] = OrderedDict()
        self._running: dict[str, _SharedRun] = {}
        self._slots = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        self._isolation: Isolation | None = None
        self.run_area = RunArea(options.store_dir / "runs")

    @property
    def isolation(self) -> Isolation:
        """Probes the machine the first time (blocking: see `prepare`)."""
        if self._isolation is None:
            self._isolation = detect_isolation(self.options.limits, self.options.unsafe_no_sandbox)
        return self._isolation

    def prepare(self) -> Isolation:
        """Probe the sandbox and sweep what crashed servers left behind. Blocking."""
        isolation = self.isolation
        self.run_area.sweep()
        return isolation

    def close(self) -> None:
        """At exit, with the event loop no longer running the runs: kill what they started and
        remove their folders. Blocking, and quick."""
        self.run_area.close()

    def snapshot(self, root: Path) -> WorkspaceSnapshot:
        root = root.resolve()
        if root not in self._snapshots:
            self._snapshots[root] = WorkspaceSnapshot(root, self.options.store_dir / "snapshots")
        return self._snapshots[root]

    def job(
        self,
        request: CrossCheckRequest,
        context: CodeContext,
        language: LanguageSpec,
        document_path: Path | None,
        root: Path | None,
        secrets: Secrets = (),
    ) -> ExecutionJob:
        return ExecutionJob(
            self, request, context, language, document_path, root, redactor=as_redactor(secrets)
        )

    async def run_once(self, key: str, start: Callable[[], Awaitable[Execution]]) -> Execution:
        """Run `start()` unless an identical run finished or is under way; share the result."""
        if key in self._memo:
            self._memo.move_to_end(key)
            return self._memo[key]
        stored = self.store.get(f"exec:{key}") if self.store is not None else None
        if isinstance(stored, Execution):
            self._remember(key, stored)
            return stored
        shared = self._running.get(key)
        if shared is None:
            # A run whose last waiter gave up left `_running` at once, so a new request never
            # joins a run that is being cancelled: it starts a fresh one.
            shared = _SharedRun(asyncio.ensure_future(self._limited(start)))
            self._running[key] = shared
            shared.task.add_done_callback(lambda _done: self._settle(key, shared))
        shared.waiters += 1
        try:
            return await asyncio.shield(shared.task)
        except asyncio.CancelledError:
            shared.waiters -= 1
            if shared.waiters == 0 and not shared.task.done():
                # The last request to give up on a run kills its test processes.
                if self._running.get(key) is shared:
                    del self._running[key]
                shared.task.cancel()
            raise

    @property
    def memo_size(self) -> int:
        return len(self._memo)

    def _remember(self, key: str, result: Execution) -> None:
        self._memo[key] = result
        self._memo.move_to_end(key)
        while len(self._memo) > MEMO_ENTRIES:
            self._memo.popitem(last=False)

    async def _limited(self, start: Callable[[], Awaitable[Execution]]) -> Execution:
        async with self._slots:
            return await start()

    def _settle(self, key: str, shared: _SharedRun) -> None:
        if self._running.get(key) is shared:
            del self._running[key]
        task = shared.task
        if (
            not task.cancelled()
            and task.exception() is None
            and task.result().status != ExecutionStatus.ERROR
        ):
            self._remember(key, task.result())
            if self.store is not None:
                self.store.set(f"exec:{key}", task.result())


@dataclass
class _SharedRun:
    """One run under way and how many requests wait for it."""

    task: asyncio.Task[Execution]
    waiters: int = 0


@dataclass
class ExecutionJob:
    """One request's execution: its selection, its baseline and each proposal's run."""

    service: ExecutionService
    request: CrossCheckRequest
    context: CodeContext
    language: LanguageSpec
    document_path: Path | None
    root: Path | None
    selection: TestSelection = field(default_factory=TestSelection)
    notes: list[str] = field(default_factory=list)
    snapshot_stats: RefreshStats | None = None
    interpreter: str = ""
    interpreter_choice: InterpreterChoice | None = None  # where it was found, and why
    unavailable: str | None = None
    # Scrubs anything a run prints or returns: the original code runs with its real secrets.
    redactor: Redactor = field(default_factory=Redactor)
    _workspace_state: str = ""  # the snapshot's fingerprint: part of every result's key
    _probe: BehaviourProbe | None = None
    _probe_search: asyncio.Future[BehaviourProbe | None] | None = None
    _noted_expectations: bool = False
    _prepared: asyncio.Future[None] | None = None
    _baseline: asyncio.Future[Execution] | None = None

    def start(self) -> None:
        """Refresh the snapshot, select tests and run the baseline, in the background."""
        self._prepared = asyncio.ensure_future(self._prepare())
        self._baseline = asyncio.ensure_future(self._run_baseline())

    async def baseline(self) -> Execution:
        assert self._baseline is not None, "start() first"
        return await asyncio.shield(self._baseline)

    async def run_proposal(
        self,
        proposal_id: str,
        code: str,
        model_tests: Mapping[str, Sequence[str]],
        edge_cases: Sequence[str] = (),
    ) -> Execution:
        """Every proposal must be given the same model tests and edge cases, so that all run
        the same tests and the same behaviour probe."""
        assert self._prepared is not None, "start() first"
        await asyncio.shield(self._prepared)
        text = replace_range(self.request.text, self.context.target_range, code)
        expected = self.expectation_tests()
        if expected:
            model_tests = {**model_tests, EXPECTED: expected}
        if self._probe_search is None:
            # Searching inputs is CPU work (Hypothesis): off the event loop, once per job.
            self._probe_search = asyncio.ensure_future(
                asyncio.to_thread(self._behaviour_probe, model_tests, edge_cases)
            )
        probe = await asyncio.shield(self._probe_search)
        result = await self._run(proposal_id, text, dict(model_tests), probe)
        baseline = await self.baseline()
        return compare_with_baseline(result, baseline)

    def _behaviour_probe(
        self, model_tests: Mapping[str, Sequence[str]], edge_cases: Sequence[str]
    ) -> BehaviourProbe | None:
        support = self._support
        if support is None or self.unavailable or self.root is None or self._target_rel is None:
            return None
        snapshot = self.service.snapshot(self.root)
        test_files = {test_id.split("::", 1)[0] for test_id in self.selection.test_ids}
        sources = [self.context.target_code]
        sources += [text for rel in sorted(test_files) if (text := _read(snapshot.base / rel))]
        sources += [test for tests in model_tests.values() for test in tests]
        module = support.module_name(self.root, self._target_rel)
        self._probe, why = support.behaviour_probe(
            module, self.context.target_code, sources, edge_cases
        )
        if why:
            self.notes.append(why)
        return self._probe

    async def shrink(
        self, codes: Mapping[str, str], difference: Counterexample
    ) -> Counterexample | None:
        """A simpler input on which the proposals (`codes`: id -> code) still differ the way they
        do on `difference` (both answer, or one raises), or None. Each round runs the
        language's simpler calls on every version, the probe alone in the sandbox, and keeps
        the simplest that still separates them; rounds stop at the per-test time limit."""
        support, probe = self._support, self._probe
        if support is None or probe is None or len(codes) < 2:
            return None
        best = difference
        deadline = time.monotonic() + self.service.options.test_timeout_s
        # A difference on an example or an input shaped like the examples shrinks within their
        # shape: an empty list where every example has elements is likely outside the domain.
        examples = (
            tuple(c for c in probe.calls if probe.origin(c) == "example")
            if difference.origin in ("example", "derived")
            else ()
        )
        for _ in range(MAX_SHRINK_ROUNDS):
            candidates = support.smaller_calls(best.call, examples)
            if not candidates or time.monotonic() > deadline:
                break
            trial = replace(
                probe, calls=tuple(candidates), origins=(difference.origin,) * len(candidates)
            )
            runs = await asyncio.gather(
                *(
                    self._run(
                        proposal_id,
                        replace_range(self.request.text, self.context.target_range, code),
                        {},
                        trial,
                        TestSelection(),
                    )
                    for proposal_id, code in codes.items()
                )
            )
            differing = {
                d.call: d
                for d in differences(runs, trial)
                if d.one_side_raises == difference.one_side_raises
            }
            simpler = next((differing[c] for c in candidates if c in differing), None)
            if simpler is None:
                break
            best = simpler
        return None if best is difference else replace(best, shrunk_from=difference.call)

    def expectation_tests(self) -> tuple[str, ...]:
        """The user's expectations as one test file in the language's runner style, staged
        into every proposal's run as the tests of source EXPECTED; () when there are none or
        the language cannot write them (a note says so)."""
        expectations = tuple(e for e in self.request.expectations if e.strip())
        if not expectations or self.root is None or self._target_rel is None:
            return ()
        writer, support = regression_writer(self.language), self._support
        module = support.module_name(self.root, self._target_rel) if support else None
        if writer is None or module is None:
            if not self._noted_expectations:
                self._noted_expectations = True
                name = self.language.name
                self.notes.append(f"the expectations were not run: no {name} test writer")
            return ()
        regression = Regression(
            expectations, module, self.context.symbols, self.root, self._target_rel
        )
        return (writer.run_test(regression),)

    @property
    def probe(self) -> BehaviourProbe | None:
        """The calls every proposal ran, once decided."""
        return self._probe

    def cancel(self) -> None:
        for task in (self._prepared, self._baseline, self._probe_search):
            if task is not None and not task.done():
                task.cancel()

    def describe(self) -> dict[str, Any]:
        support = test_support(self.language)
        choice = self.interpreter_choice
        return {
            "workspace_root": str(self.root) if self.root else None,
            "interpreter": self.interpreter or None,
            "interpreter_source": choice.source if choice else None,
            "interpreter_reason": choice.why if choice else None,
            "runner": self.selection.runner or (support.runner_name if support else None),
            "available": self.unavailable is None,
            "unavailable_reason": self.unavailable,
            "isolation": self.service.isolation.describe(),
            "selection": {
                "tests": list(self.selection.test_ids),
                "doctest_files": list(self.selection.doctest_files),
                "doctest_names": list(self.selection.doctest_names),
                "suite_size": self.selection.suite_size,
            },
            "snapshot": None
            if self.snapshot_stats is None
            else {
                "files": self.snapshot_stats.files,
                "copied": self.snapshot_stats.copied,
                "removed": self.snapshot_stats.removed,
                "seconds": round(self.snapshot_stats.seconds, 4),
            },
            "notes": list(self.notes),
        }

    # -- internals -------------------------------------------------------------------------

    @property
    def _support(self) -> TestSupport | None:
        return test_support(self.language)

    @property
    def _target_rel(self) -> str | None:
        if self.document_path is None or self.root is None:
            return None
        try:
            return self.document_path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    async def _prepare(self) -> None:
        support = self._support
        if support is None:
            self.unavailable = f"not executed: no test runner for {self.language.name}"
        elif self.root is None or self._target_rel is None:
            self.unavailable = "not executed: the document is not a file inside a workspace"
        else:
            options = self.service.options
            choice = await asyncio.to_thread(
                support.choose_interpreter,
                self.root,
                options.interpreters.get(self.language.name),
                options.editor_interpreters.get(self.language.name),
            )
            self.interpreter, self.interpreter_choice = choice.path, choice
            self.notes.extend(choice.passed_over)
            isolation = await asyncio.to_thread(self.service.prepare)
            if isolation.mode == "unsafe":
                self.notes.append(f"UNSAFE: tests ran without a sandbox ({UNSAFE_SETTING})")
            self.unavailable = isolation.unavailable or await asyncio.to_thread(
                support.runner_available, self.interpreter
            )
        if self.unavailable:
            self.notes.append(self.unavailable)
            return
        assert support is not None and self.root is not None and self._target_rel is not None
        snapshot = self.service.snapshot(self.root)
        try:
            self.snapshot_stats = await asyncio.to_thread(snapshot.refresh)
        except (SnapshotTooLarge, OSError) as error:
            self.unavailable = (
                str(error)
                if isinstance(error, SnapshotTooLarge)
                else (f"not executed: the workspace could not be copied: {error}")
            )
            self.notes.append(self.unavailable)
            return
        self._workspace_state = snapshot.fingerprint(exclude=self._target_rel)
        selection = await asyncio.to_thread(
            support.discover,
            snapshot.files,
            lambda rel: _read(snapshot.base / rel),
            self._target_rel,
            self.context.symbols,
            self.context.target_code,
            self.root,
        )
        self.selection = replace(selection, target=self._target_rel)
        self.notes.extend(self.selection.notes)
        if self.selection.unavailable:
            self.unavailable = self.selection.unavailable
            self.notes.append(self.unavailable)

    async def _run_baseline(self) -> Execution:
        assert self._prepared is not None
        await asyncio.shield(self._prepared)
        return await self._run(ORIGINAL, self.request.text, {}, None)

    async def _run(
        self,
        label: str,
        text: str,
        model_tests: dict[str, Sequence[str]],
        probe: BehaviourProbe | None,
        selection: TestSelection | None = None,
    ) -> Execution:
        """One version's run; `selection` replaces the job's tests (none: the probe alone)."""
        selection = self.selection if selection is None else selection
        support, rel = self._support, self._target_rel
        if self.unavailable or support is None or rel is None or self.root is None:
            return Execution(
                label, ExecutionStatus.SKIPPED, message=self.unavailable or "not executed"
            )
        if selection.empty and not any(model_tests.values()) and probe is None:
            return Execution(label, ExecutionStatus.SKIPPED, message="no tests found")
        key = hashlib.sha256(
            json.dumps(
                [
                    self.interpreter,
                    self.interpreter_choice.state if self.interpreter_choice else "",
                    self._workspace_state,
                    selection.runner,
                    selection.installed,
                    rel,
                    text,
                    selection.test_ids,
                    selection.doctest_files,
                    selection.doctest_names,
                    sorted(model_tests.items()),
                    self.service.options.test_timeout_s,
                    probe.calls if probe else None,
                ],
                default=list,
            ).encode()
        ).hexdigest()

        async def run_redacted() -> Execution:
            # Redacted before the result is shared or cached on disk, not only when reported.
            return self._redacted(
                await self._run_in_sandbox(support, rel, text, model_tests, probe, selection)
            )

        result = await self.service.run_once(key, run_redacted)
        # Again with this request's own placeholders: the result may be another request's.
        return self._redacted(replace(result, proposal=label))

    def _redacted(self, result: Execution) -> Execution:
        redact = self.redactor.redact
        return replace(
            result,
            message=redact(result.message),
            output_tail=redact(result.output_tail),
            collection_error=redact(result.collection_error),
            tests=tuple(replace(t, message=redact(t.message)) for t in result.tests),
            behaviour=tuple(
                {k: redact(v) if isinstance(v, str) else v for k, v in call.items()}
                for call in result.behaviour
            ),
        )

    async def _run_in_sandbox(
        self,
        support: TestSupport,
        rel: str,
        text: str,
        model_tests: dict[str, Sequence[str]],
        probe: BehaviourProbe | None,
        selection: TestSelection,
    ) -> Execution:
        options, service = self.service.options, self.service
        assert self.root is not None
        snapshot = service.snapshot(self.root)
        run = await asyncio.to_thread(service.run_area.new_run)
        try:
            plan = support.plan(
                self.interpreter,
                selection,
                model_tests,
                run.tree,
                run.layer,
                options.test_timeout_s,
                probe,
            )
            await asyncio.to_thread(stage_files, run.stage, {rel: text, **plan.files})
            await asyncio.to_thread(link_dependencies, run.stage, plan.links)
            wanted = [plan.results_file, *([plan.behaviour_file] if plan.behaviour_file else [])]
            process = await run_sandboxed(
                run,
                plan.argv,
                scrubbed_env(plan.env, run.layer),
                options.run_timeout_s,
                service.isolation,
                area=service.run_area,
                cwd=plan.cwd,
                lower=[run.stage, snapshot.base],
                read_only=self._view(plan),
                results=wanted,
            )
        finally:
            await asyncio.to_thread(run.remove)
        if process.setup_failed:
            return Execution(
                "", ExecutionStatus.ERROR, message=f"not executed: {process.setup_failed}"
            )
        outcomes: list[TestOutcome] = []
        results = process.results.get(plan.results_file)
        if results is not None:
            try:
                outcomes = support.read_results(
                    results.decode("utf-8", "replace"), selection, plan.model_files
                )
            except Exception as error:  # a hostile run may leave garbage behind
                return Execution(
                    "",
                    ExecutionStatus.ERROR,
                    message=_stopped(f"unreadable test results: {error}", process, (), options),
                    output_tail=process.output,
                    duration_s=process.duration_s,
                )
        # What kept the tests from loading (a failed import), shown as the run's first error.
        collection_error = support.collection_error(outcomes, process.output)
        if process.timed_out:
            return Execution(
                "",
                ExecutionStatus.TIMED_OUT,
                tuple(outcomes),
                _stopped(
                    f"timed out after {options.run_timeout_s:g} s and was killed",
                    process,
                    outcomes,
                    options,
                ),
                process.duration_s,
                output_tail=process.output,
                collection_error=collection_error,
            )
        behaviour = parse_behaviour(process.results.get(plan.behaviour_file or ""))
        if not outcomes and not behaviour:
            return Execution(
                "",
                ExecutionStatus.ERROR,
                (),
                _stopped(
                    f"the test run produced no results (exit code {process.returncode})",
                    process,
                    outcomes,
                    options,
                ),
                process.duration_s,
                output_tail=process.output,
                collection_error=collection_error,
            )
        # No test to run, yet the behaviour probe compared the versions' answers.
        probe_only = "" if outcomes else "no tests found: only the behaviour probe ran"
        return Execution(
            "",
            ExecutionStatus.RAN,
            tuple(outcomes),
            _stopped(probe_only, process, outcomes, options),
            process.duration_s,
            output_tail=process.output,
            behaviour=behaviour,
            collection_error=collection_error,
        )

    def _view(self, plan: RunPlan) -> list[str]:
        """What the run reads from outside its tree: the toolchain's installations, what the
        language asks for, and installed dependency folders; of the workspace itself only its
        virtualenv (its code is the tree). Programs inside the workspace are the repository's:
        where their symlinks lead is not shown (the language vets what such a venv needs)."""
        workspace = [str(self.root)] if self.root is not None else []
        programs = [p for p in (self.interpreter, plan.argv[0]) if p]
        local = [
            str(Path(os.path.abspath(p)).parent.parent)
            for p in programs
            if _inside(os.path.abspath(p), workspace)
        ]
        toolchains = toolchain_roots(
            [p for p in programs if not _inside(os.path.abspath(p), workspace)]
        )
        extra = [
            path for path in plan.read_only if not _inside(path, workspace) or _inside(path, local)
        ]
        # What the workspace's own paths lead to must stay in the workspace: bubblewrap follows
        # a link it binds, so `node_modules -> ~` would show the home folder.
        return [
            path
            for path in [*toolchains, *extra, *plan.links.values()]
            if not _inside(path, workspace) or inside_workspace(path, workspace[0])
        ]


def _inside(path: str, folders: Sequence[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _stopped(
    message: str,
    process: ProcessResult,
    outcomes: Sequence[TestOutcome],
    options: ExecutionOptions,
) -> str:
    """`message` plus what the sandbox stopped, named so the user knows what happened."""
    parts = [message] if message else []
    parts += [stop for stop in process.stopped() if stop != "killed: time limit"]
    texts = [process.output, *(t.message for t in outcomes)]
    if any("MemoryError" in text for text in texts):
        parts.append(
            f"stopped: memory limit ({options.limits.memory_bytes // 1024**2} MB of address space)"
        )
    if any("counterpoint per-test limit" in t.message for t in outcomes):
        parts.append(f"tests stopped at the per-test limit of {options.test_timeout_s:g} s")
    return "; ".join(parts)


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
