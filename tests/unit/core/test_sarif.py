"""SARIF for code scanning: every label is a result at the editor's severity, a broken test is
a result of its own, and every log validates against the official SARIF 2.1.0 schema (vendored
in tests/data/sarif, from the OASIS sarif-spec repository, with its licence)."""

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest

from counterpoint.core.confidence import assess
from counterpoint.core.sarif import SRCROOT, render_sarif
from counterpoint.model.calls import Usage
from counterpoint.model.execution import Execution, TestOutcome
from counterpoint.model.report import (
    Disagreement,
    Failure,
    Judgment,
    JudgmentIssue,
    Proposal,
    Report,
)
from counterpoint.model.request import Range
from counterpoint.model.vocabulary import PRESENTATION, ConfidenceLabel, Severity

SCHEMA_FILE = Path(__file__).parents[2] / "data" / "sarif" / "sarif-schema-2.1.0.json"
NAMES = {"claude": "Claude", "gpt": "GPT"}
ROOT = "/work/project"
URI = "file:///work/project/src/stats%20v2.py"
BROKEN = "tests/test_stats.py::test_mean_of_one"


@cache
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def proposal(pid: str) -> Proposal:
    return Proposal(pid, NAMES[pid], pid, f"{pid}-model", "code\n", "", (), Usage(1, 1), True, 0)


def judged(target: str, verdict: str = "correct") -> Judgment:
    judge = "gpt" if target == "claude" else "claude"
    issues = (
        (JudgmentIssue(2, 2, Range.of_lines(11, 11), "error", "divides by zero"),)
        if verdict == "incorrect"
        else ()
    )
    return Judgment(judge, judge, "m", target, verdict, 0.9, "", issues, Usage(), 0.0)


def run(pid: str, *failing: str, regressions: tuple[str, ...] = ()) -> Execution:
    tests = [TestOutcome("tests/test_stats.py::test_mean", "workspace", "passed")]
    tests += [
        TestOutcome(test, "workspace", "failed", "assert 0 == 1\nmore detail") for test in failing
    ]
    return Execution(pid, "ran", tuple(tests), regressions=regressions)


def broken_by(pid: str) -> Execution:
    return run(pid, BROKEN, regressions=(BROKEN,))


REGION = Disagreement(
    Range.of_lines(11, 12),
    "Claude and GPT differ here",
    ("claude", "gpt"),
    counterexample="mean([]): Claude → raises ZeroDivisionError, GPT → 0",
)
DOWN = Failure("gpt", "openai", "propose", "unreachable", "cannot reach OpenAI at http://x/v1")

# What each label's report is made of; `assess` (core/confidence.py) decides the label.
CASES = {
    ConfidenceLabel.VERIFIED_AGREEMENT: dict(
        proposals=["claude", "gpt"],
        judgments=[judged("claude"), judged("gpt")],
        executions=[run("original"), run("claude"), run("gpt")],
    ),
    ConfidenceLabel.VERIFIED_ONE: dict(
        proposals=["claude", "gpt"],
        judgments=[judged("claude"), judged("gpt")],
        executions=[run("original"), run("claude"), broken_by("gpt")],
        disagreements=[REGION],
    ),
    ConfidenceLabel.UNVERIFIED: dict(
        proposals=["claude", "gpt"], judgments=[judged("claude"), judged("gpt")]
    ),
    ConfidenceLabel.DISPUTED: dict(
        proposals=["claude", "gpt"],
        judgments=[judged("claude"), judged("gpt", "incorrect")],
        disagreements=[REGION],
    ),
    ConfidenceLabel.BOTH_FAIL: dict(
        proposals=["claude", "gpt"],
        judgments=[judged("claude"), judged("gpt")],
        executions=[run("original"), broken_by("claude"), broken_by("gpt")],
    ),
    ConfidenceLabel.NOT_CROSS_CHECKED: dict(proposals=["claude"], failures=[DOWN]),
    ConfidenceLabel.FAILED: dict(
        proposals=[], failures=[DOWN, Failure("claude", "anthropic", "propose", "timeout", "slow")]
    ),
}


def report_for(label: ConfidenceLabel, uri: str = URI) -> Report:
    case = CASES[label]
    proposals = [proposal(pid) for pid in case["proposals"]]
    judgments = case.get("judgments", [])
    executions = case.get("executions", [])
    failures = case.get("failures", [])
    assessed = assess(proposals, judgments, failures, False, NAMES, executions)
    assert assessed.confidence.label == label  # the case is what it says
    return Report(
        request_id="r1",
        uri=uri,
        language="python",
        instruction="review",
        document_version=None,
        target_range=Range.of_lines(9, 14),
        original_code="…",
        proposals=tuple(proposals),
        judgments=tuple(judgments),
        disagreements=tuple(case.get("disagreements", [])),
        confidence=assessed.confidence,
        recommended=assessed.recommended,
        failures=tuple(failures),
        executions=tuple(executions),
        voice_names=NAMES,
    )


def results(log: dict, rule: str) -> list[dict]:
    return [r for r in log["runs"][0]["results"] if r["ruleId"] == rule]


def test_the_vendored_schema_is_the_official_sarif_2_1_0_one():
    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert (SCHEMA_FILE.parent / "LICENSE.md").is_file()


def test_the_schema_check_rejects_what_sarif_does_not_allow():
    log = render_sarif(report_for(ConfidenceLabel.DISPUTED), ROOT)
    log["runs"][0]["results"][0]["level"] = "information"  # an LSP severity, not a SARIF level
    assert not validator().is_valid(log)
    del log["runs"][0]["results"][0]["level"]
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not validator().is_valid(log)


@pytest.mark.parametrize("label", list(ConfidenceLabel))
def test_every_label_validates_and_is_a_result_at_the_editors_severity(label):
    log = render_sarif(report_for(label), ROOT)
    validator().validate(log)
    [run_] = log["runs"]
    label_results = results(log, f"counterpoint/{label}")
    assert label_results, "a code-scanning tool reads a run without results as a clean pass"
    level = {"information": "note", "warning": "warning", "error": "error"}[
        PRESENTATION[label].severity
    ]
    assert {r["level"] for r in label_results} == {level}
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    assert rules[f"counterpoint/{label}"]["defaultConfiguration"]["level"] == level
    assert rules[f"counterpoint/{label}"]["fullDescription"]["text"] == PRESENTATION[label].wording
    assert all(result["ruleId"] in rules for result in run_["results"])
    first = label_results[0]["message"]["text"]
    assert first.startswith(f"Counterpoint: {label}: {PRESENTATION[label].wording}")
    assert all(reason in first for reason in report_for(label).confidence.reasons)


@pytest.mark.parametrize("label", list(ConfidenceLabel))
def test_locations_are_relative_to_the_workspace_root(label):
    log = render_sarif(report_for(label), ROOT)
    [run_] = log["runs"]
    assert run_["originalUriBaseIds"] == {SRCROOT: {"uri": "file:///work/project/"}}
    for result in run_["results"]:
        [location] = result["locations"]
        assert location["physicalLocation"]["artifactLocation"] == {
            "uri": "src/stats%20v2.py",
            "uriBaseId": SRCROOT,
        }


def test_a_regression_is_a_result_of_its_own_naming_the_proposal_and_the_tests():
    log = render_sarif(report_for(ConfidenceLabel.VERIFIED_ONE), ROOT)
    [broken] = results(log, "counterpoint/breaks-tests")
    assert broken["level"] == "error"
    text = broken["message"]["text"]
    assert "GPT's proposal (gpt-model) breaks 1 test the original passes" in text
    assert f"{BROKEN}: assert 0 == 1" in text and "more detail" not in text
    region = broken["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 10, "endLine": 15}  # zero-based lines 9-14
    # Both proposals break it: two results, one per proposal.
    both = render_sarif(report_for(ConfidenceLabel.BOTH_FAIL), ROOT)
    assert [
        r["message"]["text"].split("'")[0] for r in results(both, "counterpoint/breaks-tests")
    ] == [
        "Claude",
        "GPT",
    ]


def test_the_counterexample_and_the_region_are_in_the_message():
    log = render_sarif(report_for(ConfidenceLabel.DISPUTED), ROOT)
    [result] = results(log, "counterpoint/disputed")
    assert (
        "Counterexample: mean([]): Claude → raises ZeroDivisionError, GPT → 0"
        in (result["message"]["text"])
    )
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 12, "endLine": 13}
    [issue] = results(log, "counterpoint/judge-error")
    assert (
        issue["level"] == "error"
        and "Claude on GPT's proposal: divides by zero" in (issue["message"]["text"])
    )


def test_a_failed_run_names_what_failed_in_the_result_and_as_notifications():
    log = render_sarif(report_for(ConfidenceLabel.FAILED), ROOT)
    [result] = results(log, "counterpoint/failed")
    assert "cannot reach OpenAI at http://x/v1" in result["message"]["text"]
    [invocation] = log["runs"][0]["invocations"]
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        "GPT could not write a proposal: the service could not be reached "
        "(cannot reach OpenAI at http://x/v1).",
        "Claude could not write a proposal: it timed out (slow).",
    ]


def test_a_document_outside_the_root_keeps_its_own_uri():
    elsewhere = "file:///tmp/scratch.py"
    log = render_sarif(report_for(ConfidenceLabel.UNVERIFIED, uri=elsewhere), ROOT)
    validator().validate(log)
    [run_] = log["runs"]
    assert "originalUriBaseIds" not in run_
    location = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": elsewhere}


def test_sarif_levels_follow_the_editors_severities():
    assert {severity: severity.sarif_level for severity in Severity} == {
        Severity.INFORMATION: "note",
        Severity.WARNING: "warning",
        Severity.ERROR: "error",
    }
