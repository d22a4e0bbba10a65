"""What the MCP tools return: the report as typed structured content (its JSON Schema is the
tools' outputSchema), built from the same Report that `check --json` prints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from counterpoint.core.wording import summary_line
from counterpoint.model.execution import ORIGINAL
from counterpoint.model.report import Report
from counterpoint.model.request import Range
from counterpoint.model.vocabulary import ConfidenceLabel, Outcome


class Lines(BaseModel):
    start_line: int = Field(description="1-based, inclusive")
    end_line: int = Field(description="1-based, inclusive")


class ProposalResult(BaseModel):
    id: str = Field(description='the voice id, e.g. "claude" or "gpt"')
    voice: str
    model: str
    code: str = Field(description="the proposed replacement for the checked lines")
    explanation: str
    tests: list[str] = Field(description="tests this voice wrote, run against every proposal")
    cross_checked: bool = Field(description="another family judged it")
    cost_usd: float | None


class IssueResult(BaseModel):
    start_line: int = Field(description="1-based, inside the judged proposal's code")
    end_line: int
    severity: str
    message: str


class JudgmentResult(BaseModel):
    judge: str = Field(description="the judging voice's id")
    target: str = Field(description="the judged proposal's id")
    verdict: str
    confidence: float
    summary: str
    issues: list[IssueResult]


class FailingTest(BaseModel):
    id: str
    source: str = Field(description='"workspace", "doctest", "expectation" or a voice id')
    outcome: str
    message: str


class TestRun(BaseModel):
    """One version's tests: the matrix has a row for the original and one per proposal."""

    __test__ = False  # not a pytest class

    version: str = Field(description='"original" or a proposal id')
    status: str
    passed: int
    failed: int
    errors: int
    skipped: int
    by_source: dict[str, dict[str, int]] = Field(
        description="counts by who wrote the tests: the workspace, doctests, each voice"
    )
    regressions: list[str] = Field(description="tests the original passes and this fails")
    fixed: list[str] = Field(description="tests the original fails and this passes")
    failing: list[FailingTest]


class QuestionResult(BaseModel):
    call: str = Field(description='the call the versions answer differently, e.g. "f(3)"')
    results: dict[str, str] = Field(description='proposal id -> its result, or "raises …"')
    origin: str


class DisagreementResult(BaseModel):
    lines: Lines = Field(description="where in the file the versions differ")
    summary: str
    proposals: list[str]
    counterexample: str | None = Field(description="an input on which they behave differently")
    question: QuestionResult | None = Field(
        description="which result of this call is right: ask the user when you cannot tell"
    )
    texts: dict[str, str] = Field(description="proposal id -> its version of these lines")
    comments: list[str] = Field(description="the judges' issues that touch these lines")


class FailureResult(BaseModel):
    voice: str
    stage: str
    kind: str
    message: str


class CostResult(BaseModel):
    request_usd: float
    cap_usd: float | None
    session_usd: float
    unpriced_models: list[str]
    cached_calls: int


class CrossCheckResult(BaseModel):
    """A cross-check's outcome: which version to keep, and why."""

    request_id: str
    file: str
    lines: Lines
    instruction: str
    label: str = Field(
        description="the confidence label, most to least trusted: "
        + ", ".join(ConfidenceLabel)
        + " (the README's 'Confidence labels' says what each means)"
    )
    reasons: list[str]
    summary: str = Field(description="one sentence: what was found and what is recommended")
    recommended: str | None = Field(description="the recommended proposal's id, if any")
    recommended_code: str | None = Field(
        description="the recommended replacement for the checked lines; apply it yourself"
    )
    proposals: list[ProposalResult]
    judgments: list[JudgmentResult]
    tests: list[TestRun] = Field(description="the test matrix: each version's results")
    disagreements: list[DisagreementResult]
    failures: list[FailureResult] = Field(
        description="model calls that failed; the other family's work is still reported"
    )
    notes: list[str]
    cost: CostResult


def from_report(report: Report, path: str, session_usd: float) -> CrossCheckResult:
    target = report.target_range
    recommended = report.proposal(report.recommended) if report.recommended else None
    cost: dict[str, Any] = report.cost or {}
    return CrossCheckResult(
        request_id=report.request_id,
        file=path,
        lines=_lines(target),
        instruction=report.instruction,
        label=str(report.confidence.label),
        reasons=list(report.confidence.reasons),
        summary=summary_line(report),
        recommended=report.recommended,
        recommended_code=recommended.code if recommended else None,
        proposals=[
            ProposalResult(
                id=p.id,
                voice=p.voice_name,
                model=p.model,
                code=p.code,
                explanation=p.explanation,
                tests=list(p.tests),
                cross_checked=report.is_cross_checked(p.id),
                cost_usd=p.cost_usd,
            )
            for p in report.proposals
        ],
        judgments=[
            JudgmentResult(
                judge=j.judge,
                target=j.target,
                verdict=str(j.verdict),
                confidence=j.confidence,
                summary=j.summary,
                issues=[
                    IssueResult(
                        start_line=i.start_line,
                        end_line=i.end_line,
                        severity=i.severity,
                        message=i.message,
                    )
                    for i in j.issues
                ],
            )
            for j in report.judgments
        ],
        tests=[
            TestRun(
                version=e.proposal,
                status=str(e.status),
                passed=e.count(Outcome.PASSED),
                failed=e.count(Outcome.FAILED),
                errors=e.count(Outcome.ERROR),
                skipped=e.count(Outcome.SKIPPED),
                by_source=e.by_source(),
                regressions=list(e.regressions),
                fixed=list(e.fixed),
                failing=[
                    FailingTest(id=t.id, source=t.source, outcome=str(t.outcome), message=t.message)
                    for t in e.failing()
                ],
            )
            for e in sorted(report.executions, key=lambda e: e.proposal != ORIGINAL)
        ],
        disagreements=[
            DisagreementResult(
                lines=_lines(d.range),
                summary=d.summary,
                proposals=list(d.proposals),
                counterexample=d.counterexample,
                question=QuestionResult(
                    call=d.question.call, results=dict(d.question.results), origin=d.question.origin
                )
                if d.question
                else None,
                texts=dict(d.texts),
                comments=list(d.comments),
            )
            for d in report.disagreements
        ],
        failures=[
            FailureResult(voice=f.voice_id, stage=str(f.stage), kind=str(f.kind), message=f.message)
            for f in report.failures
        ],
        notes=list(report.notes),
        cost=CostResult(
            request_usd=float(cost.get("request_usd", 0.0)),
            cap_usd=cost.get("cap_usd"),
            session_usd=round(session_usd, 6),
            unpriced_models=list(cost.get("unpriced_models", [])),
            cached_calls=int(cost.get("cached_calls", 0)),
        ),
    )


def _lines(span: Range) -> Lines:
    """1-based lines of a range; one that ends at a line's start ends on the line before."""
    first = span.start.line + 1
    last = span.end.line + (0 if span.end.character == 0 else 1)
    return Lines(start_line=first, end_line=max(first, last))
