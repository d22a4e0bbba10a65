"""The report: what the CLI prints as JSON and what the editor surfaces are built from.

Contract (the README's "The report"): proposals[], judgments[], executions[], disagreements[],
confidence and recommended. Everything else is extra and may grow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from counterpoint.model.calls import Usage
from counterpoint.model.execution import Execution
from counterpoint.model.request import Range
from counterpoint.model.vocabulary import (
    ConfidenceLabel,
    FailureKind,
    Outcome,
    RevisionStatus,
    Stage,
    Verdict,
)

REPORT_VERSION = 1


@dataclass(frozen=True)
class Proposal:
    id: str  # the voice id, e.g. "claude"
    voice_name: str  # display name, e.g. "Claude" (the JSON's "voice")
    provider: str  # "anthropic" | "openai"
    model: str
    code: str
    explanation: str
    tests: tuple[str, ...]
    usage: Usage
    structured: bool
    elapsed_s: float
    edge_cases: tuple[str, ...] = ()
    family: str = ""
    cached: bool = False
    cost_usd: float | None = None
    first_token_s: float | None = None  # from sending the call to its first streamed output

    def to_json(self) -> dict[str, Any]:
        return {
            **_call_json(self),
            "edge_cases": list(self.edge_cases),
            "family": self.family or self.provider,
            "id": self.id,
            "voice": self.voice_name,
            "provider": self.provider,
            "model": self.model,
            "code": self.code,
            "explanation": self.explanation,
            "tests": list(self.tests),
            "structured": self.structured,
        }


@dataclass(frozen=True)
class JudgmentIssue:
    start_line: int  # 1-based inside the candidate
    end_line: int
    range: Range  # approximate document range, for the editor
    severity: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start_line": self.start_line,
            "end_line": self.end_line,
            "range": self.range.to_json(),
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class Judgment:
    judge: str  # the judging voice's id
    judge_provider: str
    judge_model: str
    target: str  # the judged proposal's id
    verdict: Verdict
    confidence: float
    summary: str
    issues: tuple[JudgmentIssue, ...]
    usage: Usage
    elapsed_s: float
    cached: bool = False
    cost_usd: float | None = None
    first_token_s: float | None = None  # from sending the call to its first streamed output

    def to_json(self) -> dict[str, Any]:
        return {
            **_call_json(self),
            "judge": self.judge,
            "judge_provider": self.judge_provider,
            "judge_model": self.judge_model,
            "target": self.target,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "summary": self.summary,
            "issues": [issue.to_json() for issue in self.issues],
        }


def _call_json(call: Proposal | Judgment) -> dict[str, Any]:
    """What a proposal and a judgment say alike of the model call that made them."""
    first = call.first_token_s
    return {
        "cost_usd": call.cost_usd,
        "cached": call.cached,
        "usage": call.usage.to_json(),
        "elapsed_s": round(call.elapsed_s, 3),
        "first_token_s": None if first is None else round(first, 3),
    }


@dataclass(frozen=True)
class Failure:
    voice_id: str  # the JSON's "voice"
    provider: str
    stage: Stage
    kind: FailureKind
    message: str
    target: str | None = None  # for a judge stage: the proposal it was judging

    def to_json(self) -> dict[str, Any]:
        return {
            "voice": self.voice_id,
            "provider": self.provider,
            "stage": self.stage,
            "kind": self.kind,
            "message": self.message,
            "target": self.target,
        }


@dataclass(frozen=True)
class Revision:
    """One repair round of one voice: why it was asked to revise, and what came of it.

    When `status` is "revised", the report's proposal, judgment and execution for `voice` are
    the revision's, and `previous` (and `previous_judgment`) keep what it replaced."""

    round: int  # 1-based
    voice: str  # the revising voice's id
    test: str  # the id of the failing test that triggered it
    source: str  # that test's source: "workspace", "doctest", "expected" or a voice id
    message: str  # its failure message, redacted and cut short
    failing: tuple[str, ...]  # every failing test the prompt quoted, `test` first
    status: RevisionStatus
    note: str = ""  # why no revision was made or used: the failure, the cap
    previous: Proposal | None = None  # the proposal the revision replaced
    previous_judgment: Judgment | None = None
    proposal: Proposal | None = None  # the revision itself, as it stands in `proposals`
    execution: Execution | None = None  # its test run
    judgment: Judgment | None = None  # the other family's judgment of it

    @property
    def cost_usd(self) -> float | None:
        """The revision's call and its judgment's; None when a made call was not priced."""
        costs = [c.cost_usd for c in (self.proposal, self.judgment) if c is not None]
        return None if any(c is None for c in costs) else round(sum(c or 0.0 for c in costs), 6)

    @property
    def passes(self) -> bool | None:
        """Whether the revision now passes the test that triggered it; None if not run."""
        if self.execution is None or not self.execution.ran:
            return None
        outcome = next((t.outcome for t in self.execution.tests if t.id == self.test), None)
        return None if outcome is None else outcome == Outcome.PASSED

    def to_json(self) -> dict[str, Any]:
        execution = self.execution
        return {
            "round": self.round,
            "voice": self.voice,
            "status": self.status,
            "reason": {
                "test": self.test,
                "source": self.source,
                "message": self.message,
                "failing": list(self.failing),
            },
            "note": self.note,
            "previous_code": self.previous.code if self.previous else None,
            "code": self.proposal.code if self.proposal else None,
            "explanation": self.proposal.explanation if self.proposal else None,
            "passes_reason_test": self.passes,
            "tests": None
            if execution is None
            else {
                "status": execution.status,
                "passed": execution.count(Outcome.PASSED),
                "failed": execution.count(Outcome.FAILED),
                "errors": execution.count(Outcome.ERROR),
                "failing": [t.id for t in execution.failing()],
            },
            "judgment": None
            if self.judgment is None
            else {
                "judge": self.judgment.judge,
                "verdict": self.judgment.verdict,
                "confidence": self.judgment.confidence,
            },
            "previous_judgment": None
            if self.previous_judgment is None
            else {
                "judge": self.previous_judgment.judge,
                "verdict": self.previous_judgment.verdict,
                "confidence": self.previous_judgment.confidence,
            },
            "usage": (
                (self.proposal.usage if self.proposal else Usage())
                + (self.judgment.usage if self.judgment else Usage())
            ).to_json(),
            "cost_usd": self.cost_usd,
        }


@dataclass(frozen=True)
class Question:
    """What a person can answer about a disagreement: which result of this call is right."""

    call: str  # e.g. "count_up_to(3)"
    results: dict[str, str]  # proposal id -> what it returned, or "raises …"
    origin: str = "example"  # where the call came from: see BehaviourProbe.origins

    def to_json(self) -> dict[str, Any]:
        return {"call": self.call, "results": dict(self.results), "origin": self.origin}


@dataclass(frozen=True)
class Disagreement:
    range: Range  # in the document
    summary: str
    proposals: tuple[str, ...]
    counterexample: str | None = None
    versions: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> 1-based lines
    texts: dict[str, str] = field(default_factory=dict)  # id -> its version of the region
    original: str = ""
    comments: tuple[str, ...] = ()  # the judges' issues that touch this region
    question: Question | None = None  # on the region that carries the counterexample

    def to_json(self) -> dict[str, Any]:
        return {
            "range": self.range.to_json(),
            "summary": self.summary,
            "proposals": list(self.proposals),
            "counterexample": self.counterexample,
            "versions": {
                pid: {"start_line": start, "end_line": end}
                for pid, (start, end) in self.versions.items()
            },
            "texts": self.texts,
            "original": self.original,
            "comments": list(self.comments),
            "question": self.question.to_json() if self.question else None,
        }


@dataclass(frozen=True)
class Confidence:
    label: ConfidenceLabel
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class StageTiming:
    voice: str
    stage: Stage
    start_s: float  # seconds since the run started
    end_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "voice": self.voice,
            "stage": self.stage,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
        }


@dataclass(frozen=True)
class Report:
    request_id: str
    uri: str
    language: str
    instruction: str
    document_version: int | None
    target_range: Range
    original_code: str
    proposals: tuple[Proposal, ...]
    judgments: tuple[Judgment, ...]
    disagreements: tuple[Disagreement, ...]
    confidence: Confidence
    recommended: str | None
    failures: tuple[Failure, ...] = ()
    executions: tuple[Execution, ...] = ()
    # Where and how the tests ran (workspace root, interpreter, runner, isolation, selection,
    # snapshot, notes): the JSON's "execution", beside "executions", the per-proposal results.
    execution_setup: dict[str, Any] = field(default_factory=dict)
    timings: tuple[StageTiming, ...] = ()
    wall_s: float = 0.0
    cost: dict[str, Any] = field(default_factory=dict)
    privacy: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = field(default_factory=tuple)
    # A partial report (final False) is a snapshot of a run still going: `pending` names what
    # has not arrived yet ("proposal:gpt", "judgment:claude" for the judgment of Claude's
    # proposal, "tests:original", "tests:claude", "comparison"), and its label is not final.
    final: bool = True
    pending: tuple[str, ...] = ()
    voice_names: dict[str, str] = field(default_factory=dict)  # id -> name, of every voice
    revisions: tuple[Revision, ...] = ()  # the repair rounds, in order

    def is_pending(self, part: str) -> bool:
        return part in self.pending

    def proposal(self, proposal_id: str) -> Proposal | None:
        return next((p for p in self.proposals if p.id == proposal_id), None)

    def judgments_of(self, proposal_id: str) -> list[Judgment]:
        return [j for j in self.judgments if j.target == proposal_id]

    def execution_of(self, proposal_id: str) -> Execution | None:
        return next((e for e in self.executions if e.proposal == proposal_id), None)

    def is_cross_checked(self, proposal_id: str) -> bool:
        return bool(self.judgments_of(proposal_id))

    @property
    def usage(self) -> Usage:
        total = Usage()
        for proposal in self.proposals:
            total = total + proposal.usage
        for judgment in self.judgments:
            total = total + judgment.usage
        for revision in self.revisions:  # what the revisions replaced was paid for too
            for replaced in (revision.previous, revision.previous_judgment):
                if replaced is not None:
                    total = total + replaced.usage
        return total

    def revisions_of(self, proposal_id: str) -> list[Revision]:
        return [r for r in self.revisions if r.voice == proposal_id]

    def summary(self) -> dict[str, Any]:
        """The short form the LSP command returns."""
        return {
            "requestId": self.request_id,
            "confidence": self.confidence.to_json(),
            "recommended": self.recommended,
            "proposals": [p.id for p in self.proposals],
            "disagreements": len(self.disagreements),
            # The first disagreement's question, for a client to offer its answers.
            "question": next(
                (d.question.to_json() for d in self.disagreements if d.question), None
            ),
            "failures": [f.to_json() for f in self.failures],
            "privacy": self.privacy,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "request_id": self.request_id,
            "uri": self.uri,
            "language": self.language,
            "instruction": self.instruction,
            "document_version": self.document_version,
            "range": self.target_range.to_json(),
            "original": self.original_code,
            "proposals": [
                {**p.to_json(), "cross_checked": self.is_cross_checked(p.id)}
                for p in self.proposals
            ],
            "judgments": [j.to_json() for j in self.judgments],
            "executions": [e.to_json() for e in self.executions],
            "execution": self.execution_setup,
            "disagreements": [d.to_json() for d in self.disagreements],
            "confidence": self.confidence.to_json(),
            "recommended": self.recommended,
            "failures": [f.to_json() for f in self.failures],
            "usage": self.usage.to_json(),
            "cost": self.cost,
            "privacy": self.privacy,
            "timings": {
                "wall_s": round(self.wall_s, 4),
                "stages": [t.to_json() for t in self.timings],
            },
            "notes": list(self.notes),
            "revisions": [r.to_json() for r in self.revisions],
            # Only a partial report says so: the final one is the report as it always was.
            **({} if self.final else {"final": False, "pending": list(self.pending)}),
        }
