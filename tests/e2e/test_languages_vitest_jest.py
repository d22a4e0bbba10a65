"""TypeScript (vitest; node --test with tsx) and JavaScript (jest) packages through
`counterpoint check`: each runs its own runner from its own node_modules, linked into the
sandboxed run."""

import os
import shutil
from pathlib import Path

from tests.e2e.node_fixtures import FIXTURES, installed
from tests.e2e.scripts import check_json as check
from tests.e2e.scripts import script_fix_and_bug as script

TS_ORIGINAL = (FIXTURES / "ts_project" / "src" / "windows.ts").read_text()
TS_ORIGINAL = TS_ORIGINAL.split("\n\nexport function untouched")[0] + "\n"
TS_FIXED = TS_ORIGINAL.replace("i < xs.length - k", "i <= xs.length - k")
TS_WRONG = TS_FIXED.replace(
    "  const out: number[] = [];",
    "  if (k > xs.length) return [xs.reduce((a, b) => a + b, 0)];\n  const out: number[] = [];",
)
TS_CLAUDE_TEST = """import { describe, expect, it } from 'vitest';
import { windowSums } from '../src/windows';

describe('claude', () => {
  it('pairs', () => {
    expect(windowSums([1, 2, 3], 2)).toEqual([3, 5]);
  });
});
"""
LARGER = "window larger than list has no sums"


def untouched_tree(project: Path) -> set[str]:
    """The fixture's files, node_modules included, to show a run wrote none of them."""
    return {
        os.path.relpath(os.path.join(folder, name), project)
        for folder, _, names in os.walk(project)
        for name in names
    }


def test_a_vitest_typescript_package_flags_the_buggy_proposal(fake_providers, tmp_path):
    project = installed("ts_project", "vitest")
    before = untouched_tree(project)
    script(
        fake_providers, TS_FIXED, TS_WRONG, [TS_CLAUDE_TEST], gpt_edge_cases=["windowSums([1], 3)"]
    )
    report = check(fake_providers, project / "src" / "windows.ts", "1-8", tmp_path)

    assert report["language"] == "typescript"
    assert report["execution"]["runner"] == "vitest"
    runs = {e["proposal"]: e for e in report["executions"]}
    larger = f"test/windows.test.ts::windowSums {LARGER}"
    assert runs["original"]["status"] == "ran"
    assert runs["gpt"]["regressions"] == [larger]
    (failure,) = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert failure["id"] == larger
    assert "expected [ 1 ] to deeply equal []" in failure["message"]
    assert runs["claude"]["by_source"]["workspace"] == {
        "passed": 3,
        "failed": 0,
        "errors": 0,
        "skipped": 0,
        "total": 3,
    }
    (own,) = [t for t in runs["claude"]["tests"] if t["source"] == "claude"]
    assert own["id"] == "_counterpoint/from_claude_1.test.ts::claude pairs"
    assert own["outcome"] == "passed"
    assert report["execution"]["selection"]["suite_size"] == 4
    assert not any("untouched" in t["id"] for run in runs.values() for t in run["tests"])
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    # Differential testing through vitest: the first input where they differ.
    counterexamples = [d["counterexample"] for d in report["disagreements"] if d["counterexample"]]
    assert counterexamples == ["windowSums([1], 2): Claude → [], GPT → [ 1 ]"]
    prompt = next(r for r in fake_providers.accepted if r.kind == "submit_proposal")
    assert "vitest" in prompt.body["messages"][0]["content"]
    assert "'../src/windows'" in prompt.body["messages"][0]["content"]
    # The run linked node_modules in; it wrote nothing into the workspace (no .vite cache).
    assert untouched_tree(project) == before


def test_a_typescript_package_without_its_runner_installed_says_so(fake_providers, tmp_path):
    project = tmp_path / "no_modules"
    shutil.copytree(FIXTURES / "ts_project", project, ignore=shutil.ignore_patterns("node_*"))
    script(fake_providers, TS_FIXED, TS_WRONG)
    report = check(fake_providers, project / "src" / "windows.ts", "1-8", tmp_path)

    why = "not executed: no runner for typescript (vitest is not installed: run npm install)"
    assert report["execution"]["available"] is False
    assert report["execution"]["unavailable_reason"] == why
    assert {e["status"] for e in report["executions"]} == {"skipped"}
    assert {e["message"] for e in report["executions"]} == {why}
    assert report["confidence"]["label"] != "verified-one"


JEST_ORIGINAL = (FIXTURES / "jest_project" / "windows.js").read_text()
JEST_ORIGINAL = JEST_ORIGINAL.split("\n\nfunction untouched")[0] + "\n"
JEST_FIXED = JEST_ORIGINAL.replace("i < xs.length - k", "i <= xs.length - k")
JEST_WRONG = JEST_FIXED.replace(
    "  const out = [];",
    "  if (k > xs.length) return [xs.reduce((a, b) => a + b, 0)];\n  const out = [];",
)
JEST_CLAUDE_TEST = """const { windowSums } = require('../windows.js');

test('claude: pairs', () => {
  expect(windowSums([1, 2, 3], 2)).toEqual([3, 5]);
});
"""


def test_a_jest_javascript_package_flags_the_buggy_proposal(fake_providers, tmp_path):
    project = installed("jest_project", "jest")
    before = untouched_tree(project)
    script(
        fake_providers,
        JEST_FIXED,
        JEST_WRONG,
        [JEST_CLAUDE_TEST],
        gpt_edge_cases=["windowSums([1], 3)"],
    )
    report = check(fake_providers, project / "windows.js", "1-8", tmp_path)

    assert report["language"] == "javascript"
    assert report["execution"]["runner"] == "jest"
    runs = {e["proposal"]: e for e in report["executions"]}
    larger = f"__tests__/windows.test.js::windowSums {LARGER}"
    assert runs["gpt"]["regressions"] == [larger]
    (failure,) = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert failure["id"] == larger and "toEqual" in failure["message"]
    assert runs["claude"]["by_source"]["workspace"]["passed"] == 3
    (own,) = [t for t in runs["claude"]["tests"] if t["source"] == "claude"]
    assert (own["id"], own["outcome"]) == (
        "_counterpoint/from_claude_1.test.js::claude: pairs",
        "passed",
    )
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    counterexamples = [d["counterexample"] for d in report["disagreements"] if d["counterexample"]]
    assert counterexamples == ["windowSums([1], 2): Claude → [], GPT → [ 1 ]"]
    prompt = next(r for r in fake_providers.accepted if r.kind == "submit_proposal")
    assert "require('../windows.js')" in prompt.body["messages"][0]["content"]
    assert untouched_tree(project) == before


TSX_CLAUDE_TEST = """import test from 'node:test';
import assert from 'node:assert/strict';
import { windowSums } from '../src/windows';

test('claude pairs', () => {
  assert.deepEqual(windowSums([1, 2, 3], 2), [3, 5]);
});
"""


def test_a_typescript_package_on_node_test_with_tsx_flags_the_buggy_proposal(
    fake_providers, tmp_path
):
    project = installed("tsx_project", "tsx")
    script(
        fake_providers, TS_FIXED, TS_WRONG, [TSX_CLAUDE_TEST], gpt_edge_cases=["windowSums([1], 3)"]
    )
    report = check(fake_providers, project / "src" / "windows.ts", "1-8", tmp_path)

    assert report["execution"]["runner"] == "node --test with tsx"
    runs = {e["proposal"]: e for e in report["executions"]}
    larger = f"test/windows.test.ts::{LARGER}"
    assert runs["gpt"]["regressions"] == [larger]
    (failure,) = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert failure["id"] == larger and "deep-equal" in failure["message"]
    assert runs["claude"]["by_source"]["workspace"]["passed"] == 3
    (own,) = [t for t in runs["claude"]["tests"] if t["source"] == "claude"]
    assert (own["id"], own["outcome"]) == (
        "_counterpoint/from_claude_1.test.ts::claude pairs",
        "passed",
    )
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    counterexamples = [d["counterexample"] for d in report["disagreements"] if d["counterexample"]]
    assert counterexamples == ["windowSums([1], 2): Claude → [], GPT → [ 1 ]"]
