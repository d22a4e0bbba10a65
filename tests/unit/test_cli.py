"""The command line's argument parsing and help."""

import argparse
import json

import pytest

from counterpoint.cli import _labels, main
from counterpoint.engine.documents import parse_lines as _parse_lines
from counterpoint.model.request import RequestError
from counterpoint.model.text import line_count


def test_the_last_line_of_a_file_without_a_final_newline_can_be_selected():
    assert _parse_lines("2-2", "a\nb") == (1, 1)
    assert line_count("a\nb\n") == 3
    with pytest.raises(RequestError, match="has 2 lines"):
        _parse_lines("3-3", "a\nb\n")


def test_fail_on_takes_known_labels_separated_by_commas():
    assert _labels("disputed, both-fail,failed") == {"disputed", "both-fail", "failed"}


@pytest.mark.parametrize("given", ["disputed,verified", "", " , "])
def test_fail_on_refuses_an_unknown_label_naming_the_known_ones(given):
    with pytest.raises(argparse.ArgumentTypeError, match=r"unknown label .*labels: verified-"):
        _labels(given)


def test_an_unknown_fail_on_label_is_a_usage_error_and_under_json_an_error_object(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["check", "f.py", "--lines", "1", "--json", "--fail-on", "disputd"])
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    error = json.loads(out)["error"]
    assert error["kind"] == "usage" and "unknown label 'disputd'" in error["message"]
    assert "counterpoint check: error: argument --fail-on: unknown label 'disputd'" in err
    with pytest.raises(SystemExit):
        main(["check", "f.py", "--lines", "1", "--fail-on", "disputd"])
    assert capsys.readouterr().out == ""  # without --json, stdout stays empty


def test_check_help_names_the_keys_the_base_urls_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = capsys.readouterr().out
    for name in (
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_BASE_URL",
        "OPENAI_BASE_URL",
        "--fail-on",
    ):
        assert name in text
    codes = text[text.index("exit codes:") :]
    assert [line.split()[0] for line in codes.splitlines()[1:] if line[2:3].isdigit()] == [
        "0",
        "1",
        "2",
        "130",
    ]


def test_serve_help_says_what_an_editor_needs(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "stdin and stdout (the default)" in text and "--tcp HOST:PORT" in text
    assert "initializationOptions" in text and "README" in text
