"""What the server remembers between requests: finished reports, per document."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from counterpoint.core.secrets import Redactor
from counterpoint.model.report import Report
from counterpoint.model.request import Position, Range
from counterpoint.model.text import LineLookup

MAX_REPORTS = 200


@dataclass(frozen=True)
class StoredReport:
    report: Report
    uri: str
    version: int | None  # the document version the proposals were written against
    lines: LineLookup  # the document's checked lines at that version, for position conversion
    shift: int = 0  # lines added (or removed, if negative) above the report by later edits
    # The request's placeholders for secrets, to put the real values back into accepted edits.
    secrets: Redactor | None = None
    # What the user said the code must do (answered questions): every later run keeps them.
    expectations: tuple[str, ...] = ()

    def restored(self, text: str) -> str:
        return self.secrets.restore(text) if self.secrets is not None else text

    def unshifted(self, position: Position) -> Position:
        return Position(position.line - self.shift, position.character)


class ReportStore:
    """Reports by request id, newest last; a new report replaces older ones it overlaps."""

    def __init__(self) -> None:
        self._reports: OrderedDict[str, StoredReport] = OrderedDict()

    def add(self, stored: StoredReport) -> None:
        for request_id, old in list(self._reports.items()):
            if old.uri == stored.uri and old.report.target_range.overlaps(
                stored.report.target_range
            ):
                del self._reports[request_id]
        self._reports[stored.report.request_id] = stored
        while len(self._reports) > MAX_REPORTS:
            self._reports.popitem(last=False)

    @property
    def count(self) -> int:
        return len(self._reports)

    def get(self, request_id: str) -> StoredReport | None:
        return self._reports.get(request_id)

    def for_uri(self, uri: str) -> list[StoredReport]:
        return [stored for stored in self._reports.values() if stored.uri == uri]

    def at(self, uri: str, position: Position) -> StoredReport | None:
        """`position` is in the document's current coordinates."""
        hits = [
            s for s in self.for_uri(uri) if _covers(s.report.target_range, s.unshifted(position))
        ]
        return hits[-1] if hits else None

    def overlapping(self, uri: str, span: Range) -> list[StoredReport]:
        """`span` is in the document's current coordinates."""
        return [
            s
            for s in self.for_uri(uri)
            if s.report.target_range.overlaps(Range(s.unshifted(span.start), s.unshifted(span.end)))
        ]

    def replace(self, stored: StoredReport) -> None:
        if stored.report.request_id in self._reports:
            self._reports[stored.report.request_id] = stored

    def drop(self, request_id: str) -> None:
        self._reports.pop(request_id, None)


def _covers(span: Range, position: Position) -> bool:
    # Whole-line ranges end at column 0 of the next line, which is not part of them.
    return span.start <= position < span.end or (span.is_empty and span.start == position)
