import pytest

from counterpoint.core.parse import parse_judgment, parse_proposal
from counterpoint.model.calls import ModelReply, ProviderError

ORIGINAL = "def f(x):\n    return x\n"


def test_structured_proposal_keeps_the_original_line_ending():
    reply = ModelReply(
        {
            "code": "def f(x):\n    return x + 1",
            "explanation": "add",
            "tests": ["def test_a(): pass", ""],
        }
    )
    parsed = parse_proposal(reply, ORIGINAL)
    assert parsed.code == "def f(x):\n    return x + 1\n"
    assert parsed.tests == ("def test_a(): pass",)
    assert parsed.structured


def test_fenced_code_in_the_code_field_is_unwrapped():
    reply = ModelReply(
        {"code": "```python\ndef f(x):\n    return 2\n```", "explanation": "", "tests": []}
    )
    assert parse_proposal(reply, ORIGINAL).code == "def f(x):\n    return 2\n"


def test_fallback_accepts_a_fenced_block_in_plain_text():
    reply = ModelReply(None, "Here you go:\n```python\ndef f(x):\n    return 3\n```\nDone.")
    parsed = parse_proposal(reply, ORIGINAL)
    assert parsed.code == "def f(x):\n    return 3\n"
    assert not parsed.structured
    assert "Here you go" in parsed.explanation


def test_fallback_accepts_json_in_text():
    reply = ModelReply(
        None, 'Sure. {"code": "def f(x):\\n    return 4", "explanation": "e", "tests": []}'
    )
    assert parse_proposal(reply, ORIGINAL).code == "def f(x):\n    return 4\n"


def test_unparsable_proposal_is_a_malformed_provider_error():
    with pytest.raises(ProviderError) as caught:
        parse_proposal(ModelReply(None, "I cannot help with that."), ORIGINAL)
    assert caught.value.kind == "malformed"


def test_judgment_issues_are_clamped_to_the_candidate():
    reply = ModelReply(
        {
            "verdict": "incorrect",
            "confidence": 1.7,
            "summary": "off by one",
            "issues": [
                {"start_line": 0, "end_line": 99, "severity": "fatal", "message": "bad range"},
                {"start_line": 2, "end_line": 1, "severity": "error", "message": "reversed"},
            ],
        }
    )
    verdict = parse_judgment(reply, candidate_lines=3)
    assert verdict.confidence == 1.0
    assert [(i.start_line, i.end_line, i.severity) for i in verdict.issues] == [
        (1, 3, "warning"),
        (2, 2, "error"),
    ]


def test_judgment_without_a_known_verdict_is_malformed():
    with pytest.raises(ProviderError, match="verdict"):
        parse_judgment(
            ModelReply({"verdict": "maybe", "confidence": 0.5, "summary": "", "issues": []}), 3
        )


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
