"""Edge cases found in review: line breaks, CRLF, non-finite numbers, adjacent ranges."""

import asyncio

import pytest

from counterpoint.cli import _parse_lines
from counterpoint.pipeline.execute import Execution, ExecutionOptions, ExecutionService
from counterpoint.pipeline.model import ModelReply
from counterpoint.pipeline.parse import parse_judgment, parse_proposal
from counterpoint.pipeline.request import Range, RequestError
from counterpoint.pipeline.text import line_count, split_lines


def test_only_lsp_line_breaks_split_lines():
    text = 'a = "x\u2028y\x0cz"\r\nb = 1\rc = 2\n'
    assert split_lines(text) == ['a = "x\u2028y\x0cz"\r\n', "b = 1\r", "c = 2\n", ""]


def test_crlf_documents_get_crlf_proposals():
    reply = ModelReply({"code": "def f(x):\n    return x + 1", "explanation": "", "tests": []})
    assert parse_proposal(reply, "def f(x):\r\n    return x\r\n").code == (
        "def f(x):\r\n    return x + 1\r\n"
    )


def test_non_finite_numbers_in_a_judgment_do_not_crash():
    reply = ModelReply(
        {
            "verdict": "incorrect",
            "confidence": float("nan"),
            "summary": "",
            "issues": [
                {"start_line": float("inf"), "end_line": 2, "severity": "error", "message": "m"}
            ],
        }
    )
    verdict = parse_judgment(reply, 3)
    assert verdict.confidence == 0.5 and verdict.issues[0].start_line == 1


def test_adjacent_whole_line_ranges_do_not_overlap():
    assert not Range.of_lines(0, 6).overlaps(Range.of_lines(7, 9))
    assert Range.of_lines(0, 6).overlaps(Range.of_lines(6, 9))


def test_the_last_line_of_a_file_without_a_final_newline_can_be_selected():
    assert _parse_lines("2-2", "a\nb") == (1, 1)
    assert line_count("a\nb\n") == 3
    with pytest.raises(RequestError, match="has 2 lines"):
        _parse_lines("3-3", "a\nb\n")


async def test_a_shared_run_survives_one_waiter_giving_up(tmp_path):
    service = ExecutionService(ExecutionOptions(store_dir=tmp_path))
    started = asyncio.Event()

    async def slow():
        started.set()
        await asyncio.sleep(0.3)
        return Execution("x", "ran")

    first = asyncio.ensure_future(service.run_once("k", slow))
    await started.wait()
    second = asyncio.ensure_future(service.run_once("k", slow))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second).status == "ran"
    assert first.cancelled()
