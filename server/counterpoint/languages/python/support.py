"""Python tests: pytest, selected with tree-sitter (selection.py), results read from JUnit XML.

Every run loads scripts/counterpoint_run.py as a pytest plugin (a per-test time limit, doctests
that compare values); a behaviour probe runs as one more test (scripts/differential.py).
"""

from __future__ import annotations

import os
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from counterpoint.languages.python.behaviour import (
    HARNESS_FILE,
    candidate_calls,
    harness,
    isolatable_functions,
    shrink_candidates,
)
from counterpoint.languages.python.interpreter import (
    choose_python,
    import_path,
    pytest_missing,
    venv_on_disk,
)
from counterpoint.languages.python.selection import (
    conventional_test_files,
    doctest_names,
    dotted_module,
    imported_elsewhere,
    is_test_file,
    node_id,
    parsed_tests,
)
from counterpoint.languages.spec import LanguageSpec, script
from counterpoint.languages.testing import (
    MESSAGE_LIMIT,
    MODEL_DIR,
    BehaviourProbe,
    InterpreterChoice,
    NotCompared,
    Run,
    RunPlan,
    Target,
    TestOutcome,
    TestSelection,
    TestSupport,
    clip,
    select_tests,
    workspace_relative,
)
from counterpoint.model.vocabulary import Outcome

PER_CALL_SECONDS = 2.0
PLUGIN = "counterpoint_run.py"
RUN_PLUGIN = script(__package__ or "", PLUGIN)
_OUTCOMES = {"failure": Outcome.FAILED, "error": Outcome.ERROR, "skipped": Outcome.SKIPPED}
COLLECTION_FAILURE = "collection failure"  # pytest's JUnit message for a file it cannot load
# An exception line of pytest's report: "E   " then a dotted name ending in Error, Exception…
ERROR_LINE = re.compile(
    r"^E +((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)\b.*)$",
    re.MULTILINE,
)


class PythonTests(TestSupport[TestSelection]):
    runner_name = "pytest"

    def __init__(self, spec: LanguageSpec) -> None:
        super().__init__(spec)
        # Interpreters found inside a workspace: the repository's, so never run outside the
        # sandbox (a cloned `.venv/bin/python` can be any program); looked at on disk instead.
        self._workspace_venvs: set[str] = set()

    def interpreter(self, root: Path, configured: str | None) -> str:
        return self.choose_interpreter(root, configured).path

    def choose_interpreter(
        self, root: Path, configured: str | None, editor: str | None = None
    ) -> InterpreterChoice:
        # The server's environment is the one the user activated (editors inherit the shell's).
        choice = choose_python(root, configured, editor, os.environ, sys.executable)
        if choice.in_workspace:
            self._workspace_venvs.add(choice.path)
        return choice

    def runner_available(self, interpreter: str) -> str | None:
        if interpreter in self._workspace_venvs:
            return venv_on_disk(interpreter).missing
        return pytest_missing(interpreter)

    def _view(self, interpreter: str) -> tuple[str, ...]:
        if interpreter in self._workspace_venvs:
            return venv_on_disk(interpreter).view
        return import_path(interpreter)

    def import_hint(self, module: str, root: Path | None = None, target_path: str = "") -> str:
        return (
            f"Your tests run with pytest from the project root; import the code under test from "
            f"the module `{module}` (e.g. `from {module} import …`)."
        )

    def module_name(self, root: Path, target_path: str) -> str | None:
        rel = workspace_relative(root, target_path) or PurePosixPath(target_path).name
        if PurePosixPath(rel).suffix != ".py":
            return None
        return dotted_module(rel, lambda candidate: (root / candidate).exists()) or None

    def select(self, target: Target) -> TestSelection:
        module = dotted_module(target.path, target.present.__contains__)

        def tests_in(source: str) -> list[tuple[str, set[str]]]:
            # A name this file imports from another module is not the target's.
            foreign = imported_elsewhere(source, module)
            return [(test_id, names - foreign) for test_id, names in self.tests_in(source)]

        selection = select_tests(
            target.files,
            target.read,
            is_test_file,
            tests_in,
            conventional_test_files(target.path),
            target.symbols,
        )
        if ">>>" not in target.code:
            return selection
        names = doctest_names(target.read(target.path) or "", target.code)
        shown = ", ".join(names) if names else "every doctest"
        return replace(
            selection,
            doctest_files=(target.path,),
            doctest_names=names,
            notes=(*selection.notes, f"doctests in {target.path} are run ({shown})"),
        )

    def tests_in(self, source: str) -> list[tuple[str, set[str]]]:
        return parsed_tests(self.spec, source)

    def plan_run(self, run: Run[TestSelection]) -> RunPlan:
        selection, probe = run.selection, run.probe
        files = {f"{MODEL_DIR}/{PLUGIN}": RUN_PLUGIN}
        # One file per model-written test, so a syntax error costs only that test.
        written = run.per_test_files(
            MODEL_DIR, lambda voice, index: f"test_from_{voice}_{index}.py"
        )
        model_files = {path: voice for path, (voice, _) in written.items()}
        files.update({path: test for path, (_, test) in written.items()})
        probe_files = {}
        if probe is not None:
            probe_files[f"{MODEL_DIR}/{HARNESS_FILE}"] = harness(
                probe.module, probe.names, probe.calls, PER_CALL_SECONDS
            )
            files.update(probe_files)
        results = "results.xml"
        argv = [
            run.interpreter,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            PurePosixPath(PLUGIN).stem,
            "-o",
            "junit_family=xunit1",
            "--junitxml",
            run.output(results),
            "--continue-on-collection-errors",
            "--rootdir",
            str(run.run_dir),
        ]
        if selection.doctest_files:
            argv.append("--doctest-modules")
        argv += [*selection.test_ids, *selection.doctest_files, *model_files, *probe_files]
        # src/ first, for a src layout: the run's tree does not exist yet when the plan is
        # made, and a folder missing from the path is harmless. (The workspace's own editable
        # install is not visible in the sandbox, so this is how `import pkg` finds the copy.)
        python_path = [str(run.run_dir / "src"), str(run.run_dir), str(run.run_dir / MODEL_DIR)]
        env = {
            "PYTHONPATH": os.pathsep.join(python_path),
            "COUNTERPOINT_PER_TEST_TIMEOUT": f"{run.test_timeout_s:g}",
        }
        if Path(run.interpreter).resolve() == Path(sys.executable).resolve():
            # Counterpoint's own Python: its pytest plugins are ours, not the project's, and
            # loading them costs more than the selected tests.
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        behaviour_file = None
        if selection.doctest_names:
            env["COUNTERPOINT_DOCTESTS"] = ",".join(selection.doctest_names)
        if probe is not None:
            behaviour_file = "behaviour.json"
            env["COUNTERPOINT_DIFF_OUT"] = run.output(behaviour_file)
        return RunPlan(
            argv=argv,
            env=env,
            files=files,
            results_file=results,
            behaviour_file=behaviour_file,
            model_files=model_files,
            read_only=self._view(run.interpreter),
        )

    def probe(self, module: str | None, target_code: str, sources: list[str]) -> BehaviourProbe:
        if not module:
            raise NotCompared("the module cannot be imported by name")
        functions, why = isolatable_functions(target_code)
        if why:
            raise NotCompared(why)
        calls = candidate_calls(functions, sources, ())
        if not calls:
            raise NotCompared("no calls with literal arguments were found")
        names = tuple(f.name for f in functions)
        return BehaviourProbe(module, names, tuple(c for c, _ in calls), tuple(o for _, o in calls))

    def smaller_calls(self, call: str, examples: Sequence[str] = ()) -> list[str]:
        return shrink_candidates(call, examples)

    def read_results(
        self, results: str, selection: TestSelection, model_files: dict[str, str]
    ) -> list[TestOutcome]:
        outcomes = []
        for case in ElementTree.fromstring(results).iter("testcase"):
            file = case.get("file") or ""
            if file.endswith(HARNESS_FILE):
                continue  # the behaviour probe is not a test
            test_id = node_id(file, case.get("classname") or "", case.get("name") or "")
            if file in model_files:  # path -> the family that wrote it
                source = model_files[file]
            elif file in selection.doctest_files and not is_test_file(file):
                source = "doctest"
            else:
                source = "workspace"
            outcome, message = Outcome.PASSED, ""
            for tag, failed in _OUTCOMES.items():
                element = case.find(tag)
                if element is not None:
                    outcome = failed
                    message = (element.get("message") or element.text or "").strip()
                    break
            if message == COLLECTION_FAILURE and element is not None:
                # pytest's message says only that; its text holds the error, e.g. the import
                found = first_error_line(element.text or "")
                message = f"{COLLECTION_FAILURE}: {found}" if found else message
            duration = float(case.get("time") or 0)
            outcomes.append(TestOutcome(test_id, source, outcome, clip(message), duration))
        return outcomes

    def collection_error(self, outcomes: Sequence[TestOutcome], output: str) -> str:
        for test in outcomes:
            if test.message.startswith(f"{COLLECTION_FAILURE}: "):
                return test.message.removeprefix(f"{COLLECTION_FAILURE}: ")
        if outcomes:
            return ""
        # No results at all: a conftest.py that does not import stops pytest before any test.
        return first_error_line(output)


def first_error_line(text: str) -> str:
    """The first exception pytest shows (`E   ModuleNotFoundError: No module named 'numpy'`),
    without its `E` margin."""
    found = ERROR_LINE.search(text)
    return found.group(1).strip()[:MESSAGE_LIMIT] if found else ""
