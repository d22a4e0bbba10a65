"""JavaScript end to end: a node --test package through `counterpoint check`."""

import json
from pathlib import Path

from tests.e2e.scripts import ACCEPT, REJECT
from tests.e2e.test_cli import run_check
from tests.fakes.providers import Reply

PROJECT = Path(__file__).parent / "fixtures" / "js_project"
TARGET = PROJECT / "windows.js"
ORIGINAL = TARGET.read_text().split("\n\nexport function untouched")[0] + "\n"
FIXED = ORIGINAL.replace("i < xs.length - k", "i <= xs.length - k")
WRONG = FIXED.replace(
    "  const out = [];",
    "  if (k > xs.length) return [xs.reduce((a, b) => a + b, 0)];\n  const out = [];",
)
CLAUDE_TEST = """import test from 'node:test';
import assert from 'node:assert/strict';
import { windowSums } from '../windows.js';

test('claude: pairs', () => {
  assert.deepEqual(windowSums([1, 2, 3], 2), [3, 5]);
});
"""


def test_a_node_test_package_flags_the_buggy_proposal(fake_providers, tmp_path):
    fake_providers.script(
        "anthropic",
        "submit_proposal",
        Reply.structured(
            {"code": FIXED, "explanation": "", "tests": [CLAUDE_TEST], "edge_cases": []}
        ),
    )
    fake_providers.script(
        "openai",
        "submit_proposal",
        Reply.structured(
            {"code": WRONG, "explanation": "", "tests": [], "edge_cases": ["windowSums([1], 3)"]}
        ),
    )
    fake_providers.default("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake_providers.default("anthropic", "submit_judgment", Reply.structured(REJECT))
    result = run_check(
        fake_providers.env(),
        str(TARGET),
        "--lines",
        "1-8",
        "--instruction",
        "fix the bound",
        "--json",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["language"] == "javascript"
    assert report["execution"]["runner"] == "node --test"
    runs = {e["proposal"]: e for e in report["executions"]}
    larger = "test/windows.test.js::window larger than list has no sums"
    shown = {
        p: (e["status"], e["message"], e["regressions"], e["output_tail"][-600:])
        for p, e in runs.items()
    }
    assert runs["gpt"]["regressions"] == [larger], shown
    (failure,) = [t for t in runs["gpt"]["tests"] if t["outcome"] == "failed"]
    assert failure["id"] == larger and "deep-equal" in failure["message"]
    assert runs["claude"]["by_source"]["workspace"]["passed"] == 3
    assert runs["claude"]["by_source"]["claude"] == {
        "passed": 1,
        "failed": 0,
        "errors": 0,
        "skipped": 0,
        "total": 1,
    }
    assert report["execution"]["selection"]["suite_size"] == 4
    assert not any("untouched" in t["id"] for run in runs.values() for t in run["tests"])
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    # Differential testing under node: the first input where they differ.
    counterexamples = [d["counterexample"] for d in report["disagreements"] if d["counterexample"]]
    assert counterexamples == ["windowSums([1], 2): Claude → [], GPT → [ 1 ]"]
    # The prompt told the models how their tests run.
    prompt = next(r for r in fake_providers.accepted if r.kind == "submit_proposal")
    assert "node --test" in prompt.body["messages"][0]["content"]
