"""Turn model replies into proposals and judgments.

Structured replies are the norm. A tolerant fallback accepts JSON in the text or, for proposals,
a fenced code block, because OpenAI-compatible servers do not all honour `json_schema`.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from counterpoint.core.schemas import SEVERITIES, VERDICTS
from counterpoint.model import vocabulary
from counterpoint.model.calls import ModelReply, ProviderError
from counterpoint.model.text import line_ending
from counterpoint.model.vocabulary import FailureKind

P = ParamSpec("P")
T = TypeVar("T")

_FENCE = re.compile(r"```[ \t]*([\w+#-]*)[^\n]*\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class ProposedCode:
    code: str
    explanation: str
    tests: tuple[str, ...]
    structured: bool  # False when the tolerant fallback was needed
    edge_cases: tuple[str, ...] = ()


@dataclass(frozen=True)
class JudgeIssue:
    start_line: int  # 1-based inside the candidate
    end_line: int
    severity: str
    message: str


@dataclass(frozen=True)
class Verdict:
    verdict: vocabulary.Verdict
    confidence: float
    summary: str
    issues: tuple[JudgeIssue, ...]


def _malformed_on_error(parse: Callable[P, T]) -> Callable[P, T]:
    """Whatever a reply holds, parsing ends in a result or a ProviderError, never a crash."""

    @functools.wraps(parse)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return parse(*args, **kwargs)
        except ProviderError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise ProviderError(FailureKind.MALFORMED, f"unreadable reply: {error}") from error

    return guarded


@_malformed_on_error
def parse_proposal(reply: ModelReply, original: str) -> ProposedCode:
    data = reply.data if reply.data is not None else _json_in_text(reply.text)
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        code = _strip_fence(data["code"])
        tests = tuple(t for t in data.get("tests") or () if isinstance(t, str) and t.strip())
        edge_cases = tuple(
            e for e in data.get("edge_cases") or () if isinstance(e, str) and e.strip()
        )
        return ProposedCode(
            _match_line_ending(code, original),
            _string(data, "explanation"),
            tests,
            reply.data is not None,
            edge_cases[:20],
        )
    blocks = _FENCE.findall(reply.text or "")
    if blocks:
        code = max(blocks, key=lambda block: len(block[1]))[1]
        prose = _FENCE.sub("", reply.text).strip()
        return ProposedCode(_match_line_ending(code, original), prose[:2000], (), False)
    raise ProviderError(
        FailureKind.MALFORMED, "the reply held neither a proposal object nor a code block"
    )


@_malformed_on_error
def parse_judgment(reply: ModelReply, candidate_lines: int) -> Verdict:
    data = reply.data if reply.data is not None else _json_in_text(reply.text)
    if not isinstance(data, dict) or data.get("verdict") not in VERDICTS:
        raise ProviderError(
            FailureKind.MALFORMED, "the reply held no judgment with a known verdict"
        )
    issues = []
    for item in data.get("issues") or ():
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            continue
        start = int(_clamp(item.get("start_line"), 1, max(candidate_lines, 1)))
        end = max(start, int(_clamp(item.get("end_line", start), 1, max(candidate_lines, 1))))
        severity = _string(item, "severity")
        issues.append(
            JudgeIssue(
                start,
                end,
                severity if severity in SEVERITIES else "warning",
                _string(item, "message"),
            )
        )
    return Verdict(
        verdict=vocabulary.Verdict(data["verdict"]),
        confidence=float(_clamp(data.get("confidence"), 0.0, 1.0, default=0.5)),
        summary=_string(data, "summary"),
        issues=tuple(issues),
    )


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _json_in_text(text: str) -> Any:
    if not text:
        return None
    candidates = [body for tag, body in _FENCE.findall(text) if tag in ("", "json")]
    candidates.append(text)
    for candidate in candidates:
        start, end = candidate.find("{"), candidate.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(candidate[start : end + 1])
            except json.JSONDecodeError:
                continue
    return None


def _strip_fence(code: str) -> str:
    match = _FENCE.fullmatch(code.strip())
    return match.group(2) if match else code


def _match_line_ending(code: str, original: str) -> str:
    """Use the original's line ending throughout, and end with one exactly when it did."""
    newline = line_ending(original)
    lines = code.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    joined = newline.join(lines)
    return joined + newline if original.endswith(("\n", "\r")) else joined


def _clamp(value: Any, low: float, high: float, default: float | None = None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default if default is not None else low
    return min(max(value, low), high)
