"""A cross-check request and the document coordinates it speaks in.

Positions are zero-based lines and characters counted in code points (Python str indices). The LSP
adapter converts from the client's UTF-16 units; `text.py` converts to tree-sitter's UTF-8 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_INSTRUCTION = "Review this code: fix any bugs you find and keep its behaviour otherwise."
# Parsing takes about 50 bytes of memory per character and a second per 2 MB; past this the
# server refuses rather than hold gigabytes for minutes (a 50 MB file peaked at 3.3 GB).
MAX_DOCUMENT_CHARS = 16 * 1024 * 1024
MAX_SELECTION_CHARS = 60_000
# The user's expectations become one staged test file: bounded, since an agent passes them on.
MAX_EXPECTATIONS = 100
MAX_EXPECTATION_CHARS = 2_000


class RequestError(ValueError):
    """The request cannot be served as given: the message is shown to the user as is."""


@dataclass(frozen=True, order=True)
class Position:
    line: int
    character: int

    def to_json(self) -> dict[str, int]:
        return {"line": self.line, "character": self.character}


@dataclass(frozen=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def of_lines(cls, first: int, last: int) -> Range:
        """Whole lines `first`..`last` (zero-based, inclusive), ending at the next line's start."""
        return cls(Position(first, 0), Position(last + 1, 0))

    @property
    def is_empty(self) -> bool:
        return self.start == self.end

    def overlaps(self, other: Range) -> bool:
        """Ranges are half-open: lines 1-7 and 8-10 (ending and starting at 7:0) do not overlap."""
        if self.is_empty or other.is_empty:
            return self.start <= other.end and other.start <= self.end
        return self.start < other.end and other.start < self.end

    def to_json(self) -> dict[str, dict[str, int]]:
        return {"start": self.start.to_json(), "end": self.end.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> Range:
        try:
            start, end = data["start"], data["end"]
            return cls(
                Position(int(start["line"]), int(start["character"])),
                Position(int(end["line"]), int(end["character"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RequestError(f"invalid range {data!r}: {exc}") from None


@dataclass(frozen=True)
class CrossCheckRequest:
    uri: str
    text: str
    language_id: str | None
    selection: Range
    instruction: str = ""
    version: int | None = None
    # What the user says the code must do, as boolean expressions over the target's names,
    # e.g. "count_up_to(3) == [1, 2, 3]": run as tests of this run beside the workspace's own.
    expectations: tuple[str, ...] = ()

    @property
    def effective_instruction(self) -> str:
        return self.instruction.strip() or DEFAULT_INSTRUCTION


def check_document_size(length: int) -> None:
    """Refuse a document too big to parse, before anything reads it whole."""
    if length > MAX_DOCUMENT_CHARS:
        raise RequestError(
            f"the document has {length:,} characters; Counterpoint cross-checks documents of "
            f"at most {MAX_DOCUMENT_CHARS:,} characters ({MAX_DOCUMENT_CHARS // 1024**2} MiB)"
        )


def check_expectations(expectations: tuple[str, ...]) -> None:
    if len(expectations) > MAX_EXPECTATIONS:
        raise RequestError(
            f"{len(expectations)} expectations were given; the limit is {MAX_EXPECTATIONS}"
        )
    longest = max(map(len, expectations), default=0)
    if longest > MAX_EXPECTATION_CHARS:
        raise RequestError(
            f"an expectation has {longest:,} characters; the limit is {MAX_EXPECTATION_CHARS:,}"
        )


def check_selection_size(characters: int) -> None:
    if characters > MAX_SELECTION_CHARS:
        raise RequestError(
            f"the selection has {characters:,} characters; the limit is {MAX_SELECTION_CHARS:,}"
        )
