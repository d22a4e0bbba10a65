"""JSON schemas the models answer with. They are strict-mode compatible (OpenAI structured
outputs): every object lists all its properties as required and forbids additional ones."""

from __future__ import annotations

from typing import Any

from counterpoint.model.vocabulary import Verdict

PROPOSAL_TOOL = "submit_proposal"
JUDGMENT_TOOL = "submit_judgment"
REVISION_TOOL = "submit_revision"

VERDICTS = tuple(verdict.value for verdict in Verdict)  # plain strings for the JSON schema
SEVERITIES = ("error", "warning", "info")

PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "explanation", "tests", "edge_cases"],
    "properties": {
        "code": {
            "type": "string",
            "description": "The complete replacement for the target lines, with their indentation.",
        },
        "explanation": {
            "type": "string",
            "description": "What changed and why, in at most five sentences.",
        },
        "tests": {
            "type": "array",
            "description": "A few self-contained pytest functions for the requested behaviour.",
            "items": {"type": "string"},
        },
        "edge_cases": {
            "type": "array",
            "description": "Calls worth comparing across implementations, each a call with "
            "literal arguments, e.g. f([], 0).",
            "items": {"type": "string"},
        },
    },
}

# A revision changes only the code: its tests and edge cases stay the proposal's, so every
# version still runs the same tests and the same behaviour probe.
REVISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "explanation"],
    "properties": {
        "code": PROPOSAL_SCHEMA["properties"]["code"],
        "explanation": {
            "type": "string",
            "description": "What the failing test showed and what you changed, in at most five "
            "sentences.",
        },
    },
}

JUDGMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["verdict", "confidence", "summary", "issues"],
    "properties": {
        "verdict": {"type": "string", "enum": list(VERDICTS)},
        "confidence": {
            "type": "number",
            "description": "How sure you are of the verdict, from 0.0 to 1.0.",
        },
        "summary": {"type": "string", "description": "One or two sentences."},
        "issues": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["start_line", "end_line", "severity", "message"],
                "properties": {
                    "start_line": {
                        "type": "integer",
                        "description": "First line of the issue, 1-based, inside the candidate.",
                    },
                    "end_line": {"type": "integer", "description": "Last line, inclusive."},
                    "severity": {"type": "string", "enum": list(SEVERITIES)},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
