"""Where the proposals differ, in document lines: the regions, the judges' comments that touch
them, and the document range of a judge's issue. Pure functions of the context and the replies."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from counterpoint.core.compare import diverging_regions
from counterpoint.core.context import CodeContext
from counterpoint.core.wording import sentence
from counterpoint.languages import language_for
from counterpoint.model.execution import Counterexample
from counterpoint.model.report import Disagreement, Judgment, Proposal, Question, Report
from counterpoint.model.request import Range
from counterpoint.model.text import split_lines
from counterpoint.model.vocabulary import ConfidenceLabel


def issue_range(context: CodeContext, candidate: str, start_line: int, end_line: int) -> Range:
    """Map a judge's candidate lines (1-based) onto document lines: exactly where the
    candidate kept the original's lines, else onto the original lines it replaced."""
    original = split_lines(context.target_code)
    matcher = difflib.SequenceMatcher(None, original, split_lines(candidate), autojunk=False)
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset, j in enumerate(range(j1, j2)):
            mapping[j] = i1 + offset if tag == "equal" else min(i1 + offset, max(i2 - 1, i1))
    last = max(context.target_line_count - 1, 0)
    start = min(mapping.get(start_line - 1, start_line - 1), last)
    end = max(start, min(mapping.get(end_line - 1, end_line - 1), last))
    first = context.first_line
    return Range.of_lines(first + start, first + end)


def disagreements(
    context: CodeContext,
    names: Mapping[str, str],
    proposals: list[Proposal],
    judgments: list[Judgment],
    same_code: bool,
    counterexample: Counterexample | None,
) -> tuple[Disagreement, ...]:
    """One disagreement per region where the proposals differ, with the judges' comments
    that touch it and, on the first, the input where their behaviour differs."""
    if len(proposals) < 2:
        return ()
    language = language_for(context.language)
    regions = diverging_regions(context.target_code, {p.id: p.code for p in proposals}, language)
    shown = counterexample.describe(names) if counterexample else None
    question = (
        Question(counterexample.call, dict(counterexample.outcomes), counterexample.origin)
        if counterexample
        else None
    )
    rejections = [j for j in judgments if j.verdict != "correct"]
    found = []
    for index, region in enumerate(regions):
        comments = tuple(
            f"{names[j.judge]} on {names[j.target]}'s version: {issue.message}"
            for j in judgments
            for issue in j.issues
            if touches(region.versions.get(j.target), issue.start_line, issue.end_line)
        )
        differs = " and ".join(names[p.id] for p in proposals)
        said = [f"{differs} write these lines differently."]
        said += [sentence(comment) for comment in comments]
        if index == 0 and shown:
            said.append(f"They behave differently on {shown}.")
        summary = " ".join(said)
        found.append(
            Disagreement(
                range=region_range(context, region.original),
                summary=summary,
                proposals=tuple(p.id for p in proposals),
                counterexample=shown if index == 0 else None,
                versions={
                    pid: (start + 1, max(start + 1, end))
                    for pid, (start, end) in region.versions.items()
                },
                texts=dict(region.texts),
                original=region.original_text,
                comments=comments,
                question=question if index == 0 else None,
            )
        )
    if not found and (rejections or shown):
        # Same code, yet a judge rejects it or it behaves differently (nondeterminism).
        parts = [f"{' and '.join(names[p.id] for p in proposals)} write the same code."]
        if shown:
            parts.append(f"It behaves differently from run to run on {shown}.")
        found.append(
            Disagreement(
                range=context.target_range,
                summary=" ".join(parts),
                proposals=tuple(p.id for p in proposals),
                counterexample=shown,
                question=question,
            )
        )
    return tuple(found)


def region_range(context: CodeContext, span: tuple[int, int]) -> Range:
    """Document lines of a region; a pure insertion is shown on the line it precedes."""
    last = context.first_line + max(context.target_line_count - 1, 0)
    first = min(context.first_line + span[0], last)
    if span[1] <= span[0]:
        return Range.of_lines(first, first)
    return Range.of_lines(first, min(context.first_line + span[1] - 1, last))


def touches(span: tuple[int, int] | None, start_line: int, end_line: int) -> bool:
    """Whether a judge's 1-based, inclusive issue lines meet a 0-based, half-open span."""
    if span is None:
        return False
    start, end = span
    return start_line - 1 < max(end, start + 1) and start <= end_line - 1


def normalised(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.strip().splitlines() if line.strip())


def asked_question(report: Report) -> tuple[int, Question] | None:
    """The question a finished report asks the user, and its region's index: only a disputed
    run asks, since that is where no evidence decides and a person must."""
    if not report.final or report.confidence.label != ConfidenceLabel.DISPUTED:
        return None
    for index, region in enumerate(report.disagreements):
        if region.question is not None:
            return index, region.question
    return None
