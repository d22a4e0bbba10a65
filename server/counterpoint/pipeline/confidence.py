"""The one place that decides the confidence label and the recommended proposal.

Labels (most to least trusted): verified-agreement, verified-one, unverified, disputed,
both-fail, not-cross-checked, failed. The `verified-*` labels and `both-fail` need execution
results; until tests run (executions is empty) the best a report can say is `unverified`.
Two models can share a bug, so agreement alone never earns a verified label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from counterpoint.pipeline.report import Confidence, Failure, Judgment, Proposal

LABELS = (
    "verified-agreement",
    "verified-one",
    "unverified",
    "disputed",
    "both-fail",
    "not-cross-checked",
    "failed",
)


@dataclass(frozen=True)
class Assessment:
    confidence: Confidence
    recommended: str | None


def assess(
    proposals: Sequence[Proposal],
    judgments: Sequence[Judgment],
    failures: Sequence[Failure],
    same_code: bool,
    voice_names: Mapping[str, str],
) -> Assessment:
    """Label the run and pick the proposal to recommend (None when nothing earns it)."""
    reasons: list[str] = []

    def name(voice_id: str | None) -> str:
        return voice_names.get(voice_id or "", voice_id or "?")

    for failure in failures:
        target = f" {name(failure.target)}'s proposal" if failure.target else ""
        reasons.append(f"{name(failure.voice)} could not {failure.stage}{target}: {failure.kind}")

    if not proposals:
        return Assessment(Confidence("failed", (*reasons, "no proposal arrived")), None)

    verdicts = {j.target: j for j in judgments}
    for proposal in proposals:
        judgment = verdicts.get(proposal.id)
        if judgment is None:
            reasons.append(f"{proposal.voice}'s proposal was not cross-checked")
        else:
            reasons.append(
                f"{name(judgment.judge)} judges {proposal.voice}'s proposal "
                f"{judgment.verdict} ({judgment.confidence:.0%})"
            )
    reasons.append("no tests were run, so nothing is verified by execution")

    accepted = [p for p in proposals if p.id in verdicts and verdicts[p.id].verdict == "correct"]
    recommended = max(accepted, key=lambda p: verdicts[p.id].confidence).id if accepted else None

    if len(proposals) < 2 or any(p.id not in verdicts for p in proposals):
        return Assessment(Confidence("not-cross-checked", tuple(reasons)), recommended)
    if len(accepted) == len(proposals):
        if same_code:
            reasons.insert(0, "both proposals are the same code")
        else:
            reasons.insert(
                0, "the proposals differ in text; whether they differ in behaviour is untested"
            )
        return Assessment(Confidence("unverified", tuple(reasons)), recommended)
    return Assessment(Confidence("disputed", tuple(reasons)), recommended)
