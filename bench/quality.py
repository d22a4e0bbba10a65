"""Verdict quality on real model outputs: HumanEval replayed through the real pipeline.

Four recorded models (../shared/data/humaneval-multimodel) stand in for the two families: for a
pair (A, B) the fake Anthropic endpoint answers each proposal request with A's recorded solution
and the fake OpenAI endpoint with B's, through the real SDK clients. No judgments were recorded,
so both judges answer a neutral "correct, 50%": these figures measure what execution and
differential testing decide on their own.

Each task is a small workspace: the prompt (signature and docstring, no body) as `task_N.py` and
the visible `given_tests` as `test_task_N.py`. The pipeline sees only those plus what it makes
itself (doctests, differential calls). The hidden `check()` tests only score the result: every
recorded solution is run against them once, in the sandbox, with a 10 s limit.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.providers import FakeProviders, Reply

from counterpoint.config import Settings
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.engine.run import cross_check
from counterpoint.languages.python.interpreter import import_path
from counterpoint.model.report import Report
from counterpoint.model.request import CrossCheckRequest, Range
from counterpoint.sandbox.runner import (
    RunArea,
    detect_isolation,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)
from counterpoint.sandbox.snapshot import stage_files

DATA = Path(
    os.environ.get(
        "COUNTERPOINT_HUMANEVAL",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "humaneval-multimodel",
    )
)
MODELS = {
    "GPT-4": "samples-gpt-4-1106-preview.jsonl",
    "GPT-3.5": "samples-gpt-3.5-turbo-0613.jsonl",
    "CodeLlama": "samples-codellama.jsonl",
    "StarCoder": "samples-starcoder.jsonl",
}
# The first of each pair answers as the Anthropic voice, the second as the OpenAI voice.
PAIRS = (
    ("GPT-4", "GPT-3.5"),
    ("GPT-4", "CodeLlama"),
    ("GPT-3.5", "StarCoder"),
    ("CodeLlama", "StarCoder"),
)
VOICE_OF = {"anthropic": 0, "openai": 1}
NEUTRAL_JUDGMENT = {
    "verdict": "correct",
    "confidence": 0.5,
    "summary": "Replay: no judgment was recorded for this sample.",
    "issues": [],
}
HIDDEN_TIMEOUT_S = 10.0
DETAILS = os.environ.get("COUNTERPOINT_QUALITY_DETAILS")  # a JSON-lines file for each task
CONCURRENT_TASKS = 4
TASK_FILE = re.compile(r"task_(\d+)\.py")


@dataclass(frozen=True)
class Task:
    number: int
    prompt: str
    entry_point: str
    given_tests: tuple[str, ...]
    hidden_test: str

    @property
    def module(self) -> str:
        return f"task_{self.number}"


def load(limit: int | None = None) -> tuple[list[Task], dict[str, dict[int, str]]]:
    tasks = []
    for line in (DATA / "tests.jsonl").read_text().splitlines():
        row = json.loads(line)
        number = int(row["task_id"].split("/")[1])
        tasks.append(
            Task(number, row["prompt"], row["entry_point"], tuple(row["given_tests"]), row["test"])
        )
    tasks.sort(key=lambda t: t.number)
    if limit:
        tasks = tasks[:limit]
    solutions = {}
    for model, name in MODELS.items():
        rows = [json.loads(line) for line in (DATA / name).read_text().splitlines()]
        solutions[model] = {int(r["task_id"].split("/")[1]): r["solution"] for r in rows}
    return tasks, solutions


def make_workspace(root: Path, task: Task) -> tuple[Path, Range]:
    """The task as a tiny project; returns the file and the entry point's lines."""
    folder = root / task.module
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(f"[project]\nname = '{task.module}'\nversion = '0'\n")
    source = folder / f"{task.module}.py"
    source.write_text(task.prompt)
    tests = [f"from {task.module} import *  # noqa: F403\n"]
    for index, line in enumerate(task.given_tests, 1):
        tests.append(f"def test_given_{index}():\n    {line}\n")
    (folder / f"test_{task.module}.py").write_text("\n\n".join(tests))
    node = next(
        n
        for n in ast.parse(task.prompt).body
        if isinstance(n, ast.FunctionDef) and n.name == task.entry_point
    )
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    return source, Range.of_lines(first, (node.end_lineno or node.lineno) - 1)


async def score(
    tasks: list[Task], solutions: Mapping[str, Mapping[int, str]], work: Path
) -> dict[str, dict[int, dict[str, bool]]]:
    """Each recorded solution against the hidden tests and the visible ones, in the sandbox."""
    isolation = detect_isolation()
    area = RunArea(work / "runs")
    slots = asyncio.Semaphore(os.cpu_count() or 2)

    async def passes(code: str, name: str) -> bool:
        async with slots:
            run = area.new_run()
            stage_files(run.stage, {"check.py": code})
            try:
                result = await run_sandboxed(
                    run,
                    [sys.executable, "check.py"],
                    scrubbed_env({}, run.layer),
                    HIDDEN_TIMEOUT_S,
                    isolation,
                    area=area,
                    lower=[run.stage],
                    read_only=[*toolchain_roots([sys.executable]), *import_path(sys.executable)],
                )
            finally:
                run.remove()
            return result.returncode == 0 and not result.timed_out

    async def one(model: str, task: Task) -> tuple[str, int, dict[str, bool]]:
        code = solutions[model][task.number]
        hidden = f"{code}\n\n{task.hidden_test}\n\ncheck({task.entry_point})\n"
        visible = f"{code}\n\n" + "\n".join(task.given_tests) + "\n"
        slug = f"{re.sub(r'[^A-Za-z0-9]', '', model)}_{task.number}"
        return (
            model,
            task.number,
            {
                "hidden": await passes(hidden, slug + "_hidden"),
                "visible": await passes(visible, slug + "_visible"),
            },
        )

    results = await asyncio.gather(*(one(m, t) for m in solutions for t in tasks))
    table: dict[str, dict[int, dict[str, bool]]] = {m: {} for m in solutions}
    for model, number, outcome in results:
        table[model][number] = outcome
    return table


def responder(pair: tuple[str, str], solutions: Mapping[str, Mapping[int, str]]):
    def answer(provider: str, kind: str, body: Any) -> Reply | None:
        if kind == "submit_judgment":
            return Reply.structured(NEUTRAL_JUDGMENT)
        found = TASK_FILE.search(json.dumps(body))
        if kind != "submit_proposal" or found is None:
            return None
        code = solutions[pair[VOICE_OF[provider]]][int(found.group(1))]
        return Reply.structured({"code": code, "explanation": "", "tests": [], "edge_cases": []})

    return answer


async def replay_pair(
    pair: tuple[str, str],
    tasks: list[Task],
    workspaces: Mapping[int, tuple[Path, Range]],
    fake: FakeProviders,
    service: ExecutionService,
) -> dict[int, Report]:
    env = fake.env()
    settings = Settings.from_env(env)
    voices = settings.voices(env)
    slots = asyncio.Semaphore(CONCURRENT_TASKS)

    async def one(task: Task) -> tuple[int, Report]:
        path, selected = workspaces[task.number]
        request = CrossCheckRequest(
            path.as_uri(),
            path.read_text(),
            "python",
            selected,
            f"Implement {task.entry_point} as its docstring describes.",
        )
        async with slots:
            report = await cross_check(
                request,
                voices,
                settings.run_options(),
                execution=service,
                workspace_root=path.parent,
            )
        return task.number, report

    try:
        return dict(await asyncio.gather(*(one(t) for t in tasks)))
    finally:
        for voice in voices:
            await voice.client.close()  # type: ignore[attr-defined]


def figures_for_pair(
    pair: tuple[str, str],
    tasks: list[Task],
    reports: Mapping[int, Report],
    scores: Mapping[str, Mapping[int, Mapping[str, bool]]],
) -> dict[str, Any]:
    first, second = pair
    voice_model = {"claude": first, "gpt": second}
    hidden = {m: {t.number: scores[m][t.number]["hidden"] for t in tasks} for m in pair}
    visible = {m: {t.number: scores[m][t.number]["visible"] for t in tasks} for m in pair}

    def visible_pick(number: int) -> bool:
        # The sample that passes the visible tests; on a tie, the first (stronger) model.
        chosen = second if visible[second][number] and not visible[first][number] else first
        return hidden[chosen][number]

    labels: Counter[str] = Counter()
    one_right_labels: Counter[str] = Counter()
    recommended_correct = recommended_wrong = no_pick = 0
    agreement = agreement_correct = both_right = agreement_on_both_right = 0
    misses = []
    for task in tasks:
        n = task.number
        report = reports[n]
        label = report.confidence.label
        labels[label] += 1
        right = [m for m in pair if hidden[m][n]]
        if len(right) == 2:
            both_right += 1
        if len(right) == 1:
            one_right_labels[label] += 1
        recommended = report.recommended
        model = voice_model.get(recommended) if recommended else None
        correct = model is not None and hidden[model][n]
        if model is None:
            no_pick += 1
        elif correct:
            recommended_correct += 1
        else:
            recommended_wrong += 1
        if label == "verified-agreement":
            agreement += 1
            agreement_correct += correct
            agreement_on_both_right += len(right) == 2
        if right and not correct:
            misses.append(f"HumanEval/{n} ({label}; right: {', '.join(right)})")
    one_right = sum(one_right_labels.values())
    details = [
        {
            "task": t.number,
            "label": reports[t.number].confidence.label,
            "recommended": voice_model.get(reports[t.number].recommended or ""),
            "right": [m for m in pair if hidden[m][t.number]],
            "visible": [m for m in pair if visible[m][t.number]],
            "counterexample": next(
                (d.counterexample for d in reports[t.number].disagreements if d.counterexample),
                None,
            ),
            "reasons": list(reports[t.number].confidence.reasons),
            "failing": {
                voice_model.get(e.proposal, e.proposal): [
                    f"{f.id}: {f.message[:160]}" for f in e.failing()
                ]
                for e in reports[t.number].executions
            },
            "differences": reports[t.number]
            .execution_setup.get("behaviour", {})
            .get("differences", []),
        }
        for t in tasks
    ]
    if DETAILS:
        with open(DETAILS, "a") as out:
            out.write(json.dumps({"pair": pair, "tasks": details}) + "\n")
    return {
        "pair": f"{first} + {second}",
        "tasks": len(tasks),
        "correct_alone": {m: sum(hidden[m].values()) for m in pair},
        "best_single": max(sum(hidden[m].values()) for m in pair),
        "visible_tests_pick": sum(visible_pick(t.number) for t in tasks),
        "oracle": sum(any(hidden[m][t.number] for m in pair) for t in tasks),
        "recommended_correct": recommended_correct,
        "recommended_wrong": recommended_wrong,
        "no_recommendation": no_pick,
        "labels": dict(labels.most_common()),
        "verified_agreement": {
            "labelled": agreement,
            "correct": agreement_correct,
            "precision": round(agreement_correct / agreement, 4) if agreement else None,
            "coverage_of_all_tasks": round(agreement / len(tasks), 4),
            "coverage_of_both_right": round(agreement_on_both_right / both_right, 4)
            if both_right
            else None,
        },
        "one_right": {
            "tasks": one_right,
            "labels": dict(one_right_labels.most_common()),
            "disputed_share": round(one_right_labels["disputed"] / one_right, 4)
            if one_right
            else None,
        },
        "missed": misses,
    }


async def replay_all(
    tasks: list[Task],
    solutions: Mapping[str, Mapping[int, str]],
    scores: Mapping[str, Mapping[int, Mapping[str, bool]]],
    work: Path,
) -> list[dict[str, Any]]:
    workspaces = {t.number: make_workspace(work / "tasks", t) for t in tasks}
    # One service for all pairs: a sample shared by two pairs runs once.
    service = ExecutionService(ExecutionOptions(store_dir=work / "store"))
    pairs = []
    with FakeProviders() as fake:
        for pair in PAIRS:
            fake.reset()
            fake.respond_with(responder(pair, solutions))
            reports = await replay_pair(pair, tasks, workspaces, fake, service)
            pairs.append(figures_for_pair(pair, tasks, reports, scores))
            rejected = len(fake.rejected)
            assert rejected == 0, f"the fake rejected {rejected} requests"
    return pairs


def run(limit: int | None = None) -> dict[str, Any]:
    limit = limit or int(os.environ.get("COUNTERPOINT_QUALITY_LIMIT", "0")) or None
    tasks, solutions = load(limit)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="counterpoint-quality-") as scratch:
        work = Path(scratch)
        scores = asyncio.run(score(tasks, solutions, work))
        scored_s = time.monotonic() - started
        pairs = asyncio.run(replay_all(tasks, solutions, scores, work))
    return {
        "data": f"HumanEval, {len(tasks)} tasks, one recorded greedy sample per model",
        "judgments": "neutral (none recorded): the verdict rests on execution",
        "hidden_tests_solved": {m: sum(s["hidden"] for s in scores[m].values()) for m in MODELS},
        "pairs": pairs,
        "scoring_s": round(scored_s, 1),
        "wall_s": round(time.monotonic() - started, 1),
    }
