"""The package's own runner for JavaScript and TypeScript: which one, whether it is installed,
how it is run and how its JSON report is read."""

import json
from pathlib import Path

from counterpoint.languages import language_for
from counterpoint.languages.javascript.support import (
    JEST,
    NODE_TEST,
    VITEST,
    NodeSelection,
    NodeTests,
)
from counterpoint.languages.testing import BehaviourProbe

TS = NodeTests(language_for("typescript"), typescript=True)
JS = NodeTests(language_for("javascript"))

VITEST_TEST = """import { describe, expect, it, test } from 'vitest';
import { windowSums } from '../src/windows';

describe('windowSums', () => {
  describe.skip('nested', () => {
    it('pairs', () => { expect(windowSums([1, 2, 3], 2)).toEqual([3, 5]); });
  });
  it('empty', () => { expect(windowSums([], 1)).toEqual([]); });
});
test('top level', () => { expect(other()).toBe(1); });
"""


def install(root: Path, folder: str, name: str, bin_field) -> None:
    package = root / folder / "node_modules" / name
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "bin": bin_field}))


def test_the_package_json_names_the_runner():
    pick = TS._package
    assert pick("", json.dumps({"devDependencies": {"vitest": "4"}})).framework == VITEST
    assert pick("", json.dumps({"devDependencies": {"jest": "30", "ts-jest": "29"}})).framework == (
        JEST
    )
    # The test script outranks the dependencies.
    both = {"scripts": {"test": "jest --coverage"}, "devDependencies": {"vitest": "4"}}
    assert pick("", json.dumps(both)).framework == JEST
    tsx = {"scripts": {"test": "node --import tsx --test"}, "devDependencies": {"tsx": "4"}}
    assert pick("", json.dumps(tsx)).framework == NODE_TEST
    # TypeScript without any of them cannot run; JavaScript falls back to node's own runner.
    bare = json.dumps({"scripts": {"test": "node --test"}})
    assert TS._package("", bare).framework is None
    assert "names no vitest, jest or tsx" in TS._package("", bare).why_not
    assert JS._package("", bare).framework == NODE_TEST
    vm = {"type": "module", "scripts": {"test": "NODE_OPTIONS=--experimental-vm-modules jest"}}
    esm = JS._package("", json.dumps(vm))
    assert (esm.framework, esm.commonjs, esm.node_options) == (
        JEST,
        False,
        ("--experimental-vm-modules",),
    )


def test_vitest_tests_are_named_with_their_describe_blocks_and_selected(tmp_path):
    files = {
        "pkg/package.json": json.dumps({"devDependencies": {"vitest": "4"}}),
        "pkg/src/windows.ts": "export function windowSums() {}\n",
        "pkg/test/windows.test.ts": VITEST_TEST,
        "pkg/test/node.test.ts": "import test from 'node:test';\ntest('n', () => {});\n",
        "other/test/x.test.ts": "import { test } from 'vitest';\ntest('x', () => windowSums());\n",
    }
    install(tmp_path, "", "vitest", {"vitest": "./vitest.mjs"})  # hoisted to the root
    (tmp_path / "pkg" / "node_modules").mkdir(parents=True)
    selection = TS.discover(
        sorted(files), files.get, "pkg/src/windows.ts", ["windowSums"], "", tmp_path
    )
    assert isinstance(selection, NodeSelection)
    assert selection.unavailable is None
    assert (selection.runner, selection.package_dir) == ("vitest", "pkg")
    assert selection.entry == "../node_modules/vitest/vitest.mjs"
    assert selection.links == (
        ("pkg/node_modules", str(tmp_path / "pkg" / "node_modules")),
        ("node_modules", str(tmp_path / "node_modules")),
    )
    # Only the package's own files; the conventional test file's every test is selected.
    assert selection.test_ids == (
        "pkg/test/windows.test.ts::windowSums nested pairs",
        "pkg/test/windows.test.ts::windowSums empty",
        "pkg/test/windows.test.ts::top level",
    )
    assert selection.notes == (
        "pkg/test/node.test.ts is written for node --test, but the package runs vitest",
    )
    # Reinstalling the dependencies changes the key of stored results.
    (tmp_path / "node_modules" / ".package-lock.json").write_text("{}")
    again = TS.discover(
        sorted(files), files.get, "pkg/src/windows.ts", ["windowSums"], "", tmp_path
    )
    assert selection.installed and again.installed != selection.installed


def test_a_runner_that_is_not_installed_is_said_plainly(tmp_path):
    files = {
        "package.json": json.dumps({"devDependencies": {"jest": "30"}}),
        "test/a.test.js": "test('a', () => f());\n",
    }
    selection = JS.discover(sorted(files), files.get, "a.js", ["f"], "", tmp_path)
    assert selection.unavailable == (
        "not executed: no runner for javascript (jest is not installed: run npm install)"
    )
    assert selection.runner == "jest"
    tsx = {"package.json": json.dumps({"devDependencies": {"tsx": "4"}})}
    selection = TS.discover(sorted(tsx), tsx.get, "a.ts", ["f"], "", tmp_path)
    assert selection.unavailable == (
        "not executed: no runner for typescript (tsx is not installed: run npm install)"
    )


def test_vitest_plan_runs_exact_files_by_anchored_full_names(tmp_path):
    selection = NodeSelection(
        ("pkg/test/w.test.ts::windowSums pairs (1+1)",),
        framework=VITEST,
        package_dir="pkg",
        entry="node_modules/vitest/vitest.mjs",
        links=(("pkg/node_modules", "/w/pkg/node_modules"),),
    )
    probe = BehaviourProbe("../src/w", ("f",), ("f(1)",))
    model = "import { test } from 'vitest';\ndescribe('g', () => { test('own', () => {}); });\n"
    plan = TS.plan("node", selection, {"claude": [model]}, tmp_path / "work", tmp_path, 5.0, probe)
    assert plan.cwd == "pkg" and plan.links == {"pkg/node_modules": "/w/pkg/node_modules"}
    assert plan.argv[:3] == ["node", "node_modules/vitest/vitest.mjs", "run"]
    assert f"--outputFile={tmp_path / 'results.json'}" in plan.argv
    pattern = plan.argv[plan.argv.index("-t") + 1]
    assert pattern == r"^(counterpoint\ differential|g\ own|windowSums\ pairs\ \(1\+1\))$"
    assert plan.argv[-3:] == [
        str(tmp_path / "work/pkg/test/w.test.ts"),
        str(tmp_path / "work/pkg/_counterpoint/from_claude_1.test.ts"),
        str(tmp_path / "work/pkg/_counterpoint/counterpoint_differential.test.ts"),
    ]
    assert plan.model_files == {"pkg/_counterpoint/from_claude_1.test.ts": "claude"}
    probe_source = plan.files["pkg/_counterpoint/counterpoint_differential.test.ts"]
    assert probe_source.startswith("// @ts-nocheck\nimport { test } from 'vitest';")
    assert 'await import("../src/w")' in probe_source


def test_jest_plan_uses_its_own_cache_and_commonjs_probe(tmp_path):
    selection = NodeSelection(
        ("__tests__/w.test.js::w pairs",), framework=JEST, entry="node_modules/jest/bin/jest.js"
    )
    selection = NodeSelection(**{**selection.__dict__, "commonjs": True})
    probe = BehaviourProbe("../w.js", ("f",), ("f(1)",))
    plan = JS.plan("node", selection, {}, tmp_path / "work", tmp_path, 5.0, probe)
    assert "--runTestsByPath" in plan.argv and "--ci" in plan.argv
    assert f"--cacheDirectory={tmp_path / 'jest-cache'}" in plan.argv
    assert "--testNamePattern=^(counterpoint\\ differential|w\\ pairs)$" in plan.argv
    probe_source = plan.files["_counterpoint/counterpoint_differential.test.js"]
    assert 'require("../w.js")' in probe_source and "import " not in probe_source


def report(*files: dict) -> str:
    return json.dumps({"testResults": list(files)})


def test_the_json_report_keeps_what_ran_of_what_was_asked():
    wanted = ("test/w.test.ts::w pairs", "test/w.test.ts::w empty", "test/broken.test.ts::b one")
    model_files = {
        "_counterpoint/from_claude_1.test.ts": "claude",
        "_counterpoint/from_gpt_1.test.ts": "gpt",
    }
    results = report(
        {
            "name": "/sandbox/runs/ab/work/test/w.test.ts",
            "message": "",
            "assertionResults": [
                {"fullName": "w pairs", "status": "passed", "duration": 3, "failureMessages": []},
                {
                    "ancestorTitles": ["w"],
                    "title": "empty",
                    "status": "failed",
                    "duration": 1.5,
                    "failureMessages": [
                        "\x1b[31mAssertionError: expected [ 1 ] to deeply equal []\x1b[39m\n"
                        "    at /sandbox/runs/ab/work/test/w.test.ts:9:5"
                    ],
                },
                {"fullName": "w filtered out", "status": "skipped", "failureMessages": []},
            ],
        },
        {
            "name": "/sandbox/runs/ab/work/test/broken.test.ts",
            "message": "SyntaxError: Unexpected token\n    at parse (x.js:1:1)",
            "assertionResults": [],
        },
        {
            "name": "/sandbox/runs/ab/work/_counterpoint/from_claude_1.test.ts",
            "message": "",
            "assertionResults": [
                {"fullName": "claude pairs", "status": "pending", "failureMessages": []},
                {"fullName": "claude ok", "status": "passed", "failureMessages": []},
            ],
        },
        {
            "name": "/sandbox/runs/ab/work/_counterpoint/counterpoint_differential.test.ts",
            "assertionResults": [{"fullName": "counterpoint differential", "status": "passed"}],
        },
    )
    outcomes = TS.read_results(results, NodeSelection(wanted, framework=VITEST), model_files)
    shown = [(o.id, o.source, o.outcome, o.message) for o in outcomes]
    assert shown == [
        ("test/w.test.ts::w pairs", "workspace", "passed", ""),
        (
            "test/w.test.ts::w empty",
            "workspace",
            "failed",
            "AssertionError: expected [ 1 ] to deeply equal []",
        ),
        ("test/broken.test.ts::b one", "workspace", "error", "SyntaxError: Unexpected token"),
        ("_counterpoint/from_claude_1.test.ts::claude ok", "claude", "passed", ""),
        (
            "_counterpoint/from_gpt_1.test.ts",
            "gpt",
            "error",
            "not run: the runner did not pick this file up (its include patterns leave it out)",
        ),
    ]
    assert outcomes[1].duration_s == 0.0015


def test_module_names_are_relative_to_the_package_model_folder(tmp_path):
    (tmp_path / "pkg" / "src").mkdir(parents=True)
    (tmp_path / "pkg" / "package.json").write_text("{}")
    assert TS.module_name(tmp_path, "pkg/src/windows.ts") == "../src/windows"
    assert JS.module_name(tmp_path, "pkg/src/windows.js") == "../src/windows.js"
    assert JS.module_name(tmp_path, "top.mjs") == "../top.mjs"


def test_the_hint_names_the_package_runner(tmp_path):
    (tmp_path / "package.json").write_text(json.dumps({"devDependencies": {"jest": "30"}}))
    hint = JS.import_hint("../w.js", tmp_path, "w.js")
    assert "jest" in hint and "require('../w.js')" in hint
    (tmp_path / "package.json").write_text(json.dumps({"devDependencies": {"vitest": "4"}}))
    assert "from 'vitest'" in TS.import_hint("../w", tmp_path, "w.ts")
