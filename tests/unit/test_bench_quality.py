"""The quality benchmark's dataset loader, options and answering user, on a two-task dataset
(tests/data/quality-tiny); the replay itself is `python -m bench quality`, not a test."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bench import quality
from bench.__main__ import main

from counterpoint.model.report import Question

TINY = Path(__file__).resolve().parents[1] / "data" / "quality-tiny"


def test_a_folder_without_a_manifest_names_its_models_from_the_sample_files():
    dataset = quality.load_dataset(TINY)
    assert dataset.name == "quality-tiny"
    assert dataset.models == {"alpha": "samples-alpha.jsonl", "beta": "samples-beta.jsonl"}
    assert dataset.pairs == (("alpha", "beta"),)
    assert [t.task_id for t in dataset.tasks] == ["Tiny/0", "Tiny/1"]
    first = dataset.tasks[0]
    assert (first.module, first.entry_point) == ("task_0", "count_up_to")
    assert first.given_tests == ("assert count_up_to(2) == [1, 2]",)
    assert dataset.solutions["beta"][0] == "def count_up_to(n):\n    return list(range(n))\n"


def test_the_reference_is_the_prompt_completed_or_a_whole_module():
    body, module = quality.load_dataset(TINY).tasks
    assert body.reference.startswith('def count_up_to(n):\n    """The numbers')
    assert body.reference.endswith("    return list(range(1, n + 1))\n")
    assert module.reference.startswith("def halve(n):\n    if n % 2:")


def test_options_choose_models_pairs_and_a_limit(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(TINY, folder)
    shutil.copy(folder / "samples-alpha.jsonl", folder / "samples-gamma.jsonl")
    models = quality.parse_models("A=samples-alpha.jsonl, G=samples-gamma.jsonl")
    dataset = quality.load_dataset(folder, models, quality.parse_pairs("G+A"), limit=1)
    assert dataset.pairs == (("G", "A"),)
    assert [t.task_id for t in dataset.tasks] == ["Tiny/0"]
    assert set(dataset.solutions) == {"A", "G"}
    # Without --pairs, every two models of three.
    assert len(quality.load_dataset(folder).pairs) == 3


def test_a_manifest_names_the_dataset_and_its_default_pairs(tmp_path):
    folder = tmp_path / "named"
    shutil.copytree(TINY, folder)
    (folder / "dataset.json").write_text(
        json.dumps(
            {
                "name": "Tiny, two tasks",
                "models": {"Beta": "samples-beta.jsonl", "Alpha": "samples-alpha.jsonl"},
                "pairs": [["Beta", "Alpha"]],
            }
        )
    )
    dataset = quality.load_dataset(folder)
    assert (dataset.name, dataset.pairs) == ("Tiny, two tasks", (("Beta", "Alpha"),))


@pytest.mark.parametrize(
    ("models", "pairs", "message"),
    [
        ("alpha=samples-alpha.jsonl", None, "needs two models"),
        (None, "alpha+delta", r"pair alpha\+delta"),
        (None, "alpha+alpha", r"pair alpha\+alpha"),
    ],
)
def test_bad_options_are_refused_with_the_reason(models, pairs, message):
    with pytest.raises(ValueError, match=message):
        quality.load_dataset(
            TINY,
            quality.parse_models(models) if models else None,
            quality.parse_pairs(pairs) if pairs else None,
        )


def test_malformed_option_text_is_refused():
    with pytest.raises(ValueError, match="NAME=FILE"):
        quality.parse_models("alpha")
    with pytest.raises(ValueError, match="A\\+B"):
        quality.parse_pairs("alpha-beta")


def test_a_sample_file_missing_a_task_is_refused(tmp_path):
    folder = tmp_path / "short"
    shutil.copytree(TINY, folder)
    rows = (folder / "samples-beta.jsonl").read_text().splitlines()
    (folder / "samples-beta.jsonl").write_text(rows[0] + "\n")
    with pytest.raises(ValueError, match="no sample for Tiny/1"):
        quality.load_dataset(folder)


def test_the_default_data_is_in_the_repository_and_the_environment_overrides_it(monkeypatch):
    for variable in quality.DATA_ENV:
        monkeypatch.delenv(variable, raising=False)
    repository = Path(__file__).resolve().parents[2]
    assert quality.data_folder().is_relative_to(repository / "bench")
    humaneval = quality.load_dataset()
    assert len(humaneval.tasks) == 164
    assert ("GPT-4", "GPT-3.5") in humaneval.pairs
    monkeypatch.setenv("COUNTERPOINT_QUALITY_DATA", str(TINY))
    assert quality.data_folder() == TINY
    assert quality.data_folder("elsewhere") == Path("elsewhere")


def test_the_command_line_passes_the_benchmarks_own_options(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(quality, "run", lambda **options: seen.update(options) or {"ran": 1})
    assert main(["quality", "--data", str(TINY), "--pairs", "alpha+beta", "--limit", "1"]) == 0
    assert seen["data"] == str(TINY)
    assert seen["pairs"] == (("alpha", "beta"),)
    assert (seen["limit"], seen["answers"]) == (1, "both")
    assert "ran: 1" in capsys.readouterr().out


def _pytest_passes(folder: Path, solution: str) -> bool:
    (folder / "task_0.py").write_text(solution)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode == 0


async def test_the_reference_answers_a_question_with_a_test_that_decides_it(tmp_path):
    dataset = quality.load_dataset(TINY)
    task = dataset.tasks[0]
    question = Question("count_up_to(3)", {"claude": "[1, 2, 3]", "gpt": "[0, 1, 2]"}, "derived")
    sandbox = quality.Sandbox(tmp_path)
    try:
        answer = await quality.reference_answer(task, question, sandbox)
    finally:
        sandbox.area.close()
    assert answer.expected == "[1, 2, 3]"
    assert answer.sides_with == ("claude",)
    assert answer.test == "    assert count_up_to(3) == [1, 2, 3]\n"
    original = quality.make_workspace(tmp_path / "tasks", task)
    path, selected = quality.answered_workspace(tmp_path / "answered", original, answer)
    assert selected == original[1]
    assert "def test_user_answer():" in (path.parent / "test_task_0.py").read_text()
    assert "test_user_answer" not in (original[0].parent / "test_task_0.py").read_text()
    # The written test passes the right sample and fails the off-by-one.
    assert _pytest_passes(path.parent, dataset.solutions["alpha"][0])
    assert not _pytest_passes(path.parent, dataset.solutions["beta"][0])


async def test_a_reference_that_raises_answers_with_pytest_raises(tmp_path):
    task = quality.load_dataset(TINY).tasks[1]
    question = Question("halve(3)", {"claude": "raises ValueError", "gpt": "1"}, "boundary")
    sandbox = quality.Sandbox(tmp_path)
    try:
        answer = await quality.reference_answer(task, question, sandbox)
        neither = await quality.reference_answer(
            task, Question("halve(8)", {"claude": "5", "gpt": "3"}), sandbox
        )
    finally:
        sandbox.area.close()
    assert (answer.expected, answer.sides_with) == ("raises ValueError", ("claude",))
    assert answer.test == "    with pytest.raises(ValueError):\n        halve(3)\n"
    # The user says "neither": still a test, of the reference's value.
    assert (neither.expected, neither.sides_with) == ("4", ())
    assert neither.test == "    assert (result := halve(8)) == 4 and type(result) is int\n"
