"""Every prompt Counterpoint sends lives here.

Proposers and judges get the same context. A judge sees the candidate anonymously: no model name,
no explanation, only code, so it cannot defer to (or against) a family.
"""

from __future__ import annotations

from counterpoint.pipeline.context import CodeContext
from counterpoint.pipeline.model import StructuredCall
from counterpoint.pipeline.schemas import (
    JUDGMENT_SCHEMA,
    JUDGMENT_TOOL,
    PROPOSAL_SCHEMA,
    PROPOSAL_TOOL,
)
from counterpoint.pipeline.secrets import Secrets, redact

PROPOSER_SYSTEM = """\
You are an expert {language} programmer working on one change in a larger codebase. \
Another engineer is doing the same task independently; nobody sees the other's answer, so do your \
own best work. Reply only through the `{tool}` structure.

Rules for `code`:
- It replaces the target lines exactly: return all of them, changed or not, with their original \
indentation. Never a diff, never markdown fences, never `...` placeholders.
- Keep names, signatures and imports that other code relies on, unless the instruction says so.
- If no change is needed, return the target unchanged and say so in `explanation`.
Rules for `tests`: one to five self-contained pytest test functions (each a string with its own \
imports) that pin down the requested behaviour, including edge cases.
Rules for `edge_cases`: up to ten calls of the target's functions with literal arguments (e.g. \
`f([], 0)`) where a subtly wrong implementation would behave differently."""

JUDGE_SYSTEM = """\
You are a meticulous reviewer of {language} code. A candidate change was written for an \
instruction; decide whether it fulfils the instruction correctly. Judge behaviour, not style: \
bugs, wrong edge cases, broken contracts with the surrounding code, missing parts. You are not \
told who wrote it. Reply only through the `{tool}` structure.
- verdict: "correct" if you would merge it as is, "incorrect" if it has a defect, "uncertain" if \
you cannot tell without running it.
- issues: each with 1-based line numbers inside the candidate as shown, most serious first; an \
empty list when there is nothing to report."""


def proposal_call(
    context: CodeContext,
    instruction: str,
    path: str,
    secrets: Secrets,
    test_hint: str = "",
) -> StructuredCall:
    user = "\n\n".join(
        part
        for part in (
            f"Instruction: {instruction}",
            _target_block(context, path),
            _context_block(context),
            test_hint,
            f"Reply with the `{PROPOSAL_TOOL}` structure: the replacement for lines "
            f"{_line_span(context)}, an explanation, and tests.",
        )
        if part
    )
    return StructuredCall(
        system=PROPOSER_SYSTEM.format(language=context.language, tool=PROPOSAL_TOOL),
        user=redact(user, secrets),
        schema_name=PROPOSAL_TOOL,
        schema=PROPOSAL_SCHEMA,
    )


def judgment_call(
    context: CodeContext, instruction: str, path: str, candidate: str, secrets: Secrets
) -> StructuredCall:
    user = "\n\n".join(
        part
        for part in (
            f"Instruction given to the author: {instruction}",
            _target_block(context, path, heading="Original code"),
            _context_block(context),
            f"Candidate replacement for those lines (line numbers added for reference):\n"
            f"```{context.fence}\n{number_lines(candidate)}\n```",
            f"Reply with the `{JUDGMENT_TOOL}` structure.",
        )
        if part
    )
    return StructuredCall(
        system=JUDGE_SYSTEM.format(language=context.language, tool=JUDGMENT_TOOL),
        user=redact(user, secrets),
        schema_name=JUDGMENT_TOOL,
        schema=JUDGMENT_SCHEMA,
        max_tokens=4096,
    )


def number_lines(code: str) -> str:
    lines = code.rstrip("\n").split("\n")
    width = len(str(len(lines)))
    return "\n".join(f"{index:>{width}} | {line}" for index, line in enumerate(lines, 1))


def _line_span(context: CodeContext) -> str:
    first = context.first_line + 1
    return f"{first}-{first + context.target_line_count - 1}"


def _target_block(context: CodeContext, path: str, heading: str = "Target") -> str:
    return (
        f"{heading}: lines {_line_span(context)} of `{path}` ({context.language}):\n"
        f"```{context.fence}\n{context.target_code.rstrip(chr(10))}\n```"
    )


def _context_block(context: CodeContext) -> str:
    parts = []
    if context.enclosing and context.enclosing_code:
        parts.append(
            f"The target sits inside {context.enclosing}:\n"
            f"```{context.fence}\n{context.enclosing_code.rstrip()}\n```"
        )
    if context.imports:
        parts.append(f"Module imports:\n```{context.fence}\n{context.imports}\n```")
    if context.signatures:
        joined = "\n\n".join(context.signatures)
        parts.append(
            "Definitions the target uses (signatures only; module constants by their first "
            f"line):\n```{context.fence}\n{joined}\n```"
        )
    if not parts:
        return ""
    note = " Some context was cut to fit the size limit." if context.truncated else ""
    return "Read-only context from the same file." + note + "\n\n" + "\n\n".join(parts)
