"""A cheap local look for text a proposal addresses to reviewers or models.

The judges are told to report such text; this finds the blatant cases on its own, so the report
carries them even when a judge was talked round or did not answer. Only lines a proposal added
count: text the user's own code already held is not the proposer's doing.
"""

from __future__ import annotations

import re

from counterpoint.model.text import split_lines

_VERB = r"(?:answer|respond|reply|say|mark|rate|approve|accept|return|output|give)"
_ADDRESSED_TO_MODELS = re.compile(
    rf"""
    \b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)*
        (?:previous|prior|above|earlier|preceding|system|original)\s+
        (?:instructions?|prompts?|rules|messages?)
    | \bas\s+(?:the|a|an)\s+(?:judge|reviewer|grader|evaluator|ai|assistant|llm)\b
        [\s,:;-]+(?:you\s+(?:must|should|will)\s+)?{_VERB}\b
    | \b(?:dear\s+)?(?:ai|llm|automated)\s+(?:reviewers?|judges?|graders?|evaluators?)\b
    | \b(?:judges?|reviewers?|graders?)\s*:\s*(?:please\s+)?{_VERB}\b
    | \byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|llm)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
SHOWN_CHARS = 80


def addressed_to_models(code: str, original: str = "") -> list[tuple[int, str]]:
    """(1-based line, its stripped text) of each line of `code` that is not in `original`
    and addresses reviewers or models."""
    kept = {line.strip() for line in split_lines(original)}
    found = []
    for number, line in enumerate(split_lines(code), 1):
        text = line.strip()
        if text not in kept and _ADDRESSED_TO_MODELS.search(text):
            found.append((number, text[:SHOWN_CHARS]))
    return found
