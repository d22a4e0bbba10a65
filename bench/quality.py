"""Verdict quality on real model outputs: a dataset of recorded samples replayed through the real
pipeline, optionally with the dataset's reference solution answering as the user.

`python -m bench quality [--data DIR] [--models NAME=FILE,...] [--pairs A+B,...] [--limit N]
[--answers 0|1|both]`. The dataset's format is in bench/data/README.md; the default is HumanEval
with four models' recorded outputs (bench/data/humaneval-multimodel). For a pair (A, B) the fake
Anthropic endpoint answers each proposal request with A's recorded solution and the fake OpenAI
endpoint with B's, through the real SDK clients. No judgments were recorded, so both judges
answer a neutral "correct, 50%": these figures measure what execution and differential testing
decide on their own.

Each task is a small workspace: the prompt (signature and docstring, no body) as `task_N.py` and
the visible `given_tests` as `test_task_N.py`. The pipeline sees only those plus what it makes
itself (doctests, differential calls). The hidden tests only score the result: every recorded
solution is run against them once, in the sandbox, with a 10 s limit.

The answering user: where a report's disagreement asks a question (a call and each proposal's
result), the reference solution is run on that call in the sandbox and its result is appended to
the task's test file as a regression test, as a user answering in the editor would; then that
workspace is cross-checked again. At most one answer per task.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import inspect
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.providers import FakeProviders, Reply

from counterpoint.config import Settings
from counterpoint.core.regions import asked_question
from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.engine.run import cross_check
from counterpoint.languages import language_for, regression_writer
from counterpoint.languages.python.interpreter import import_path
from counterpoint.languages.python.scripts import differential
from counterpoint.model.report import Question, Report
from counterpoint.model.request import CrossCheckRequest, Range
from counterpoint.sandbox.runner import (
    Isolation,
    RunArea,
    detect_isolation,
    run_sandboxed,
    scrubbed_env,
    toolchain_roots,
)
from counterpoint.sandbox.snapshot import stage_files

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "humaneval-multimodel"
DATA_ENV = ("COUNTERPOINT_QUALITY_DATA", "COUNTERPOINT_HUMANEVAL")
VOICE_OF = {"anthropic": 0, "openai": 1}
NEUTRAL_JUDGMENT = {
    "verdict": "correct",
    "confidence": 0.5,
    "summary": "Replay: no judgment was recorded for this sample.",
    "issues": [],
}
HIDDEN_TIMEOUT_S = 60.0  # scoring only: 10 s timed out a passing sample under load
ANSWER_TIMEOUT_S = 10.0
CONCURRENT_TASKS = 4
TASK_FILE = re.compile(r"task_(\d+)\.py")
ANSWER_MARK = "COUNTERPOINT_REFERENCE_ANSWER "


@dataclass(frozen=True)
class Task:
    number: int  # its place in the dataset: the workspace is task_<number>
    task_id: str
    prompt: str
    entry_point: str
    given_tests: tuple[str, ...]
    hidden_test: str
    reference: str  # a whole module: the prompt completed by the canonical solution

    @property
    def module(self) -> str:
        return f"task_{self.number}"


@dataclass(frozen=True)
class Dataset:
    name: str
    folder: Path
    tasks: list[Task]
    models: dict[str, str]  # display name -> sample file
    pairs: tuple[tuple[str, str], ...]
    solutions: dict[str, dict[int, str]]  # model -> task number -> recorded solution


def data_folder(explicit: str | Path | None = None) -> Path:
    """--data, else the environment's override, else the dataset vendored in bench/data."""
    if explicit:
        return Path(explicit)
    for variable in DATA_ENV:
        if os.environ.get(variable):
            return Path(os.environ[variable])
    return DEFAULT_DATA


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _reference(prompt: str, entry_point: str, canonical: str) -> str:
    """The reference as a module: HumanEval's canonical solution is the body under the prompt;
    a dataset may instead give a whole module that defines the entry point."""
    try:
        defines = any(
            isinstance(n, ast.FunctionDef) and n.name == entry_point
            for n in ast.parse(canonical).body
        )
    except SyntaxError:  # a bare indented body does not parse on its own
        defines = False
    return canonical if defines else prompt + canonical


def parse_models(text: str) -> dict[str, str]:
    """`NAME=FILE,...` (FILE relative to the dataset folder)."""
    models = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, file = item.partition("=")
        if not sep or not name.strip() or not file.strip():
            raise ValueError(f"--models wants NAME=FILE, got {item!r}")
        models[name.strip()] = file.strip()
    return models


def parse_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """`A+B,...`: A answers as the Anthropic family, B as the OpenAI family."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        first, sep, second = item.partition("+")
        if not sep or not first.strip() or not second.strip():
            raise ValueError(f"--pairs wants A+B, got {item!r}")
        pairs.append((first.strip(), second.strip()))
    return tuple(pairs)


def load_dataset(
    folder: str | Path | None = None,
    models: Mapping[str, str] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    limit: int | None = None,
) -> Dataset:
    """Read a dataset folder in the format of bench/data/README.md."""
    root = data_folder(folder)
    manifest_path = root / "dataset.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if models is None:
        models = manifest.get("models") or {
            path.name.removeprefix("samples-").removesuffix(".jsonl"): path.name
            for path in sorted(root.glob("samples-*.jsonl"))
        }
    models = dict(models)
    if len(models) < 2:
        raise ValueError(f"{root}: a pair needs two models' samples, found {sorted(models)}")
    if pairs is None:
        listed = [tuple(p) for p in manifest.get("pairs", ())]
        usable = [p for p in listed if p[0] in models and p[1] in models]
        pairs = usable or list(itertools.combinations(models, 2))
    pairs = tuple((a, b) for a, b in pairs)
    for pair in pairs:
        unknown = [m for m in pair if m not in models]
        if unknown or pair[0] == pair[1]:
            raise ValueError(f"pair {'+'.join(pair)}: models are {', '.join(models)}")

    visible = {r["task_id"]: tuple(r["given_tests"]) for r in _rows(root / "tests.jsonl")}
    tasks = []
    for number, row in enumerate(_rows(root / "problems.jsonl")):
        task_id = row["task_id"]
        if task_id not in visible:
            raise ValueError(f"{root / 'tests.jsonl'}: no given_tests for {task_id}")
        tasks.append(
            Task(
                number,
                task_id,
                row["prompt"],
                row["entry_point"],
                visible[task_id],
                row["test"],
                _reference(row["prompt"], row["entry_point"], row["canonical_solution"]),
            )
        )
    if limit:
        tasks = tasks[:limit]
    solutions: dict[str, dict[int, str]] = {}
    used = {m for pair in pairs for m in pair}
    for model in used:
        by_id = {r["task_id"]: r["solution"] for r in _rows(root / models[model])}
        missing = [t.task_id for t in tasks if t.task_id not in by_id]
        if missing:
            raise ValueError(f"{root / models[model]}: no sample for {', '.join(missing[:5])}")
        solutions[model] = {t.number: by_id[t.task_id] for t in tasks}
    return Dataset(
        manifest.get("name") or root.name,
        root,
        tasks,
        {m: models[m] for m in models if m in used},
        pairs,
        solutions,
    )


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


class Sandbox:
    """Runs one Python script in the sandbox, as the pipeline runs tests."""

    def __init__(self, work: Path, isolation: Isolation | None = None) -> None:
        self.isolation = isolation or detect_isolation()
        self.area = RunArea(work / "runs")
        self.slots = asyncio.Semaphore(os.cpu_count() or 2)

    async def run(self, files: Mapping[str, str], timeout_s: float) -> tuple[bool, str]:
        """(exited 0 in time, its output's tail)."""
        async with self.slots:
            run = self.area.new_run()
            stage_files(run.stage, dict(files))
            try:
                result = await run_sandboxed(
                    run,
                    [sys.executable, "main.py"],
                    scrubbed_env({}, run.layer),
                    timeout_s,
                    self.isolation,
                    area=self.area,
                    lower=[run.stage],
                    read_only=[*toolchain_roots([sys.executable]), *import_path(sys.executable)],
                )
            finally:
                run.remove()
            return result.returncode == 0 and not result.timed_out, result.output


async def score(dataset: Dataset, sandbox: Sandbox) -> dict[str, dict[int, dict[str, bool]]]:
    """Each recorded solution against the hidden tests and the visible ones, in the sandbox."""

    async def one(model: str, task: Task) -> tuple[str, int, dict[str, bool]]:
        code = dataset.solutions[model][task.number]
        hidden = f"{code}\n\n{task.hidden_test}\n\ncheck({task.entry_point})\n"
        visible = f"{code}\n\n" + "\n".join(task.given_tests) + "\n"
        passed_hidden, _ = await sandbox.run({"main.py": hidden}, HIDDEN_TIMEOUT_S)
        passed_visible, _ = await sandbox.run({"main.py": visible}, HIDDEN_TIMEOUT_S)
        return model, task.number, {"hidden": passed_hidden, "visible": passed_visible}

    results = await asyncio.gather(*(one(m, t) for m in dataset.solutions for t in dataset.tasks))
    table: dict[str, dict[int, dict[str, bool]]] = {m: {} for m in dataset.solutions}
    for model, number, outcome in results:
        table[model][number] = outcome
    return table


# The reference's result on the asked call: what it returns (its repr, whether that repr reads
# back as the same value, and the probe's own rendering to compare with the proposals' results)
# or the exception it raises.
_ANSWER_SCRIPT = """\
import builtins, itertools, json, re, signal, types

{canon}

class _Expired(BaseException):
    pass

def _expire(signum, frame):
    raise _Expired()

scope = {{"__name__": "reference"}}
exec(compile(open("reference.py").read(), "reference.py", "exec"), scope)
signal.signal(signal.SIGALRM, _expire)
signal.setitimer(signal.ITIMER_REAL, {limit})
try:
    value = eval({call!r}, scope)
    if isinstance(value, (types.GeneratorType, map, filter, zip)):
        value = list(itertools.islice(value, 1000))
    try:
        reads_back = eval(repr(value), {{}}) == value
    except Exception:
        reads_back = False
    answer = {{"returns": repr(value), "shown": _canon(value), "reads_back": reads_back,
              "is_float": isinstance(value, float)}}
except _Expired:
    answer = {{"timeout": True}}
except (Exception, SystemExit) as error:
    name = type(error).__name__
    answer = {{"raises": name, "builtin": getattr(builtins, name, None) is type(error)}}
finally:
    signal.setitimer(signal.ITIMER_REAL, 0)
print({mark!r} + json.dumps(answer))
"""


@dataclass(frozen=True)
class Answer:
    """The user's answer to one question, as the test it becomes."""

    call: str
    expected: str  # the reference's result as the probe shows it, or "raises X"
    test: str  # Python source of one pytest test; "" when the user could not state it
    sides_with: tuple[str, ...]  # proposal ids whose result is the reference's; () is "neither"


async def reference_answer(task: Task, question: Question, sandbox: Sandbox) -> Answer:
    script = _ANSWER_SCRIPT.format(
        canon=inspect.getsource(differential._canon),
        limit=ANSWER_TIMEOUT_S / 2,
        call=question.call,
        mark=ANSWER_MARK,
    )
    ok, output = await sandbox.run(
        {"main.py": script, "reference.py": task.reference}, ANSWER_TIMEOUT_S
    )
    line = next((x for x in reversed(output.splitlines()) if x.startswith(ANSWER_MARK)), None)
    if not ok or line is None:
        return Answer(question.call, "no answer (the reference did not run)", "", ())
    found = json.loads(line[len(ANSWER_MARK) :])
    if found.get("timeout"):
        return Answer(question.call, "no answer (the reference timed out)", "", ())
    if "raises" in found:
        expected = f"raises {found['raises']}"
        error = found["raises"] if found["builtin"] else "Exception"
        test = f"    with pytest.raises({error}):\n        {question.call}\n"
    else:
        expected = found["shown"]
        if not found["reads_back"]:
            return Answer(question.call, expected, "", _sides(question, expected))
        if found["is_float"]:
            test = f"    assert {question.call} == pytest.approx({found['returns']})\n"
        else:  # as the editor writes an answer: the product's own writer
            writer = regression_writer(language_for("python"))
            assert writer is not None
            pinned = writer.expectation(question.call, found["returns"])
            if pinned is None:
                return Answer(question.call, expected, "", _sides(question, expected))
            test = f"    assert {pinned}\n"
    return Answer(question.call, expected, test, _sides(question, expected))


def _sides(question: Question, expected: str) -> tuple[str, ...]:
    return tuple(p for p, result in question.results.items() if result == expected)


def answered_workspace(
    root: Path, original: tuple[Path, Range], answer: Answer
) -> tuple[Path, Range]:
    """A copy of the task's workspace with the answer appended to its test file."""
    source, selected = original
    folder = root / source.parent.name
    shutil.copytree(source.parent, folder)
    test_file = folder / f"test_{source.stem}.py"
    test_file.write_text(
        "import pytest\n"
        + test_file.read_text()
        + "\n\n# The user's answer to a question Counterpoint asked.\ndef test_user_answer():\n"
        + answer.test
    )
    return folder / source.name, selected


def first_question(report: Report) -> Question | None:
    """The question the product asks (only a disputed run asks one)."""
    asked = asked_question(report)
    return asked[1] if asked else None


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
    tasks: Sequence[Task],
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
    tasks: Sequence[Task],
    reports: Mapping[int, Report],
    scores: Mapping[str, Mapping[int, Mapping[str, bool]]],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The pair's figures, and each task's details (for --details)."""
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
    wrong = []
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
            wrong.append(f"{task.task_id} ({label}; recommended {model})")
        if label == "verified-agreement":
            agreement += 1
            agreement_correct += correct
            agreement_on_both_right += len(right) == 2
        if right and not correct:
            misses.append(f"{task.task_id} ({label}; right: {', '.join(right)})")
    one_right = sum(one_right_labels.values())
    details = [
        {
            "task": t.task_id,
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
    figures = {
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
        "wrong": wrong,
        "missed": misses,
    }
    return figures, details


async def answer_and_recheck(
    pair: tuple[str, str],
    dataset: Dataset,
    reports: Mapping[int, Report],
    workspaces: Mapping[int, tuple[Path, Range]],
    scores: Mapping[str, Mapping[int, Mapping[str, bool]]],
    sandbox: Sandbox,
    work: Path,
    fake: FakeProviders,
    service: ExecutionService,
) -> tuple[dict[int, Report], list[dict[str, Any]], int]:
    """The reference answers each report's first question; each answered task runs again.
    Returns the reports after at most one answer, what was answered, and the questions asked."""
    voice_model = {"claude": pair[0], "gpt": pair[1]}
    asked = {t.number: q for t in dataset.tasks if (q := first_question(reports[t.number]))}
    by_number = {t.number: t for t in dataset.tasks}
    answers = dict(
        zip(
            asked,
            await asyncio.gather(
                *(reference_answer(by_number[n], q, sandbox) for n, q in asked.items())
            ),
            strict=True,
        )
    )
    root = work / "answered" / re.sub(r"[^A-Za-z0-9]+", "_", "+".join(pair))
    root.mkdir(parents=True)
    stated = {n: a for n, a in answers.items() if a.test}
    rerun_spaces = {n: answered_workspace(root, workspaces[n], a) for n, a in stated.items()}
    rerun = await replay_pair([by_number[n] for n in stated], rerun_spaces, fake, service)
    after = {**reports, **rerun}
    log = []
    for n, answer in answers.items():
        before_pick = voice_model.get(reports[n].recommended or "")
        after_pick = voice_model.get(after[n].recommended or "")
        log.append(
            {
                "task": by_number[n].task_id,
                "call": answer.call,
                "results": {voice_model.get(p, p): r for p, r in asked[n].results.items()},
                "origin": asked[n].origin,
                "reference": answer.expected,
                "user": [voice_model.get(p, p) for p in answer.sides_with] or "neither",
                "test_written": bool(answer.test),
                "before": f"{reports[n].confidence.label}, {before_pick or 'nothing'}",
                "after": f"{after[n].confidence.label}, {after_pick or 'nothing'}",
                "right": [m for m in pair if scores[m][n]["hidden"]],
            }
        )
    return after, log, len(asked)


async def replay_all(
    dataset: Dataset,
    scores: Mapping[str, Mapping[int, Mapping[str, bool]]],
    sandbox: Sandbox,
    work: Path,
    answers: str,
    details: str | None,
) -> list[dict[str, Any]]:
    workspaces = {t.number: make_workspace(work / "tasks", t) for t in dataset.tasks}
    # One service for all pairs: a sample shared by two pairs runs once.
    service = ExecutionService(ExecutionOptions(store_dir=work / "store"))
    pairs = []
    with FakeProviders() as fake:
        for pair in dataset.pairs:
            fake.reset()
            fake.respond_with(responder(pair, dataset.solutions))
            reports = await replay_pair(dataset.tasks, workspaces, fake, service)
            figures, task_details = figures_for_pair(pair, dataset.tasks, reports, scores)
            entry: dict[str, Any] = {"pair": figures["pair"]}
            if answers in ("0", "both"):
                entry["after_0_answers"] = figures
            if answers in ("1", "both"):
                after, log, asked = await answer_and_recheck(
                    pair, dataset, reports, workspaces, scores, sandbox, work, fake, service
                )
                answered, after_details = figures_for_pair(pair, dataset.tasks, after, scores)
                answered["questions_asked"] = asked
                answered["answers_written_as_tests"] = sum(e["test_written"] for e in log)
                answered["user_sided_with"] = dict(
                    Counter(
                        "+".join(e["user"]) if isinstance(e["user"], list) else e["user"]
                        for e in log
                    ).most_common()
                )
                answered["answered"] = log
                entry["after_1_answer"] = answered
                task_details = [
                    {**before, "after_answer": {k: a[k] for k in ("label", "recommended")}}
                    for before, a in zip(task_details, after_details, strict=True)
                ]
            if details:
                with open(details, "a") as out:
                    out.write(json.dumps({"pair": pair, "tasks": task_details}) + "\n")
            pairs.append(entry)
            rejected = len(fake.rejected)
            assert rejected == 0, f"the fake rejected {rejected} requests"
    return pairs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        help="dataset folder (bench/data/README.md); default $COUNTERPOINT_QUALITY_DATA, "
        "else bench/data/humaneval-multimodel",
    )
    parser.add_argument(
        "--models", type=parse_models, help="NAME=FILE,... (default: the dataset's own)"
    )
    parser.add_argument(
        "--pairs", type=parse_pairs, help="A+B,...: A answers as Anthropic, B as OpenAI"
    )
    parser.add_argument("--limit", type=int, help="only the first N tasks")
    parser.add_argument(
        "--answers",
        choices=("0", "1", "both"),
        default="both",
        help="figures with no answer, with the reference answering at most one question per "
        "task, or both (default)",
    )
    parser.add_argument("--details", help="append each task's details to this JSON-lines file")


def run(
    data: str | None = None,
    models: Mapping[str, str] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    limit: int | None = None,
    answers: str = "both",
    details: str | None = None,
) -> dict[str, Any]:
    limit = limit or int(os.environ.get("COUNTERPOINT_QUALITY_LIMIT", "0")) or None
    details = details or os.environ.get("COUNTERPOINT_QUALITY_DETAILS")
    dataset = load_dataset(data, models, pairs, limit)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="counterpoint-quality-") as scratch:
        work = Path(scratch)

        async def measure() -> tuple[dict[str, Any], list[dict[str, Any]], float]:
            sandbox = Sandbox(work)
            try:
                scores = await score(dataset, sandbox)
                scored_s = time.monotonic() - started
                pairs = await replay_all(dataset, scores, sandbox, work, answers, details)
            finally:
                sandbox.area.close()
            return scores, pairs, scored_s

        scores, pair_figures, scored_s = asyncio.run(measure())
    return {
        "dataset": dataset.name,
        "folder": dataset.folder.name,
        "data": f"{dataset.folder.name}: {len(dataset.tasks)} tasks, "
        f"models {', '.join(f'{m} ({f})' for m, f in dataset.models.items())}",
        "judgments": "neutral (none recorded): the verdict rests on execution",
        "answers": {
            "0": "no answers",
            "1": "the reference answers at most one question per task",
            "both": "no answers, and the reference answering at most one question per task",
        }[answers],
        "hidden_tests_solved": {
            m: sum(s["hidden"] for s in scores[m].values()) for m in dataset.solutions
        },
        "pairs": pair_figures,
        "scoring_s": round(scored_s, 1),
        "wall_s": round(time.monotonic() - started, 1),
    }
