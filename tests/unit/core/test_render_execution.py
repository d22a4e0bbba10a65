"""The text and the hover say which interpreter ran the tests, why, and what kept them from
loading."""

from __future__ import annotations

from dataclasses import replace

from counterpoint.core.render import render_markdown, render_text
from counterpoint.core.sarif import render_sarif
from counterpoint.model.execution import Execution
from counterpoint.model.report import Report
from counterpoint.model.vocabulary import ConfidenceLabel
from tests.unit.core.test_render import report
from tests.unit.core.test_sarif import validator

ERROR = "ModuleNotFoundError: No module named 'numpy'"


def executed() -> Report:
    runs = tuple(
        Execution(version, "ran", collection_error=ERROR) for version in ("original", "claude")
    )
    setup = {
        "interpreter": "/home/u/proj/.venv/bin/python",
        "interpreter_source": "project",
        "interpreter_reason": "the project's .venv",
        "notes": [],
    }
    return replace(report(ConfidenceLabel.BOTH_FAIL), executions=runs, execution_setup=setup)


def test_the_text_names_the_interpreter_and_the_error_that_stopped_the_tests():
    text = render_text(executed(), "m.py")
    assert "Python: /home/u/proj/.venv/bin/python (the project's .venv)" in text
    assert f"Tests could not be loaded (the original, Claude): {ERROR}" in text


def test_the_hover_does_too():
    markdown = render_markdown(executed(), "python")
    assert "_Python: /home/u/proj/.venv/bin/python (the project's .venv)_" in markdown
    assert f"**Tests could not be loaded (the original, Claude): {ERROR}**" in markdown
    assert markdown.startswith(
        f"**Both fail: Claude's proposal could not load its tests ({ERROR})."
    )


def test_when_execution_is_off_no_interpreter_is_claimed():
    text = render_text(report(ConfidenceLabel.UNVERIFIED), "m.py")
    assert "Python:" not in text


def test_sarif_says_the_tests_could_not_be_loaded_and_with_which_interpreter():
    log = render_sarif(executed(), "/home/u/proj")
    validator().validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert f"Tests could not be loaded (the original, Claude): {ERROR}" in texts
    assert invocation["properties"]["interpreter"] == "/home/u/proj/.venv/bin/python"
