"""The programs written into test runs are real files of their language's folder: node parses
every .mjs script, and what a run is given (the scripts with their per-run header) parses too."""

from __future__ import annotations

import py_compile
import shutil
import subprocess
from pathlib import Path

import pytest

from counterpoint.languages import language_for
from counterpoint.languages.javascript.package import JEST, NODE_TEST, VITEST
from counterpoint.languages.javascript.support import NodeSelection, NodeTests
from counterpoint.languages.python.behaviour import harness
from counterpoint.languages.python.support import RUN_PLUGIN
from counterpoint.model.execution import BehaviourProbe

LANGUAGES = Path(__file__).parents[3] / "server" / "counterpoint" / "languages"
SCRIPTS = sorted(LANGUAGES.glob("*/scripts/*"))
NODE = shutil.which("node")
PROBE = BehaviourProbe("../w.js", ("f", "g"), ("f([1, 2], -1)", "g({a: 1, b: 'x'})"))


def node_check(path: Path) -> subprocess.CompletedProcess[str]:
    assert NODE, "node is on every machine that runs these tests (the JS runners need it)"
    return subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True)


def test_the_languages_keep_their_scripts_as_files():
    names = {f"{path.parent.parent.name}/{path.name}" for path in SCRIPTS}
    assert {
        "javascript/probe.mjs",
        "javascript/reporter.mjs",
        "python/counterpoint_run.py",
        "python/differential.py",
    } <= names


@pytest.mark.parametrize("script", [p for p in SCRIPTS if p.suffix == ".mjs"], ids=str)
def test_node_parses_every_mjs_script(script):
    checked = node_check(script)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    "framework, commonjs, suffix",
    [
        (NODE_TEST, False, ".mjs"),
        (VITEST, False, ".mjs"),
        (JEST, False, ".mjs"),
        (JEST, True, ".cjs"),
    ],
)
def test_the_probe_a_run_is_given_parses(tmp_path, framework, commonjs, suffix):
    selection = NodeSelection(framework=framework, commonjs=commonjs)
    plan = NodeTests(language_for("javascript")).plan(
        "node", selection, {}, tmp_path / "work", tmp_path, 5.0, PROBE
    )
    (source,) = [text for path, text in plan.files.items() if "differential" in path]
    written = tmp_path / f"probe{suffix}"
    written.write_text(source)
    checked = node_check(written)
    assert checked.returncode == 0, checked.stderr


def test_the_python_scripts_a_run_is_given_compile(tmp_path):
    for name, source in [
        ("counterpoint_run.py", RUN_PLUGIN),
        ("test_counterpoint_differential.py", harness("windows", ("f",), ["f(1)"], 2.0)),
    ]:
        (tmp_path / name).write_text(source)
        py_compile.compile(str(tmp_path / name), doraise=True)
