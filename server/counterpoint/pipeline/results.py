"""What a test run found, as plain results: each version's tests and behaviour, and the calls
on which the versions behave differently. No I/O: the execution service (execute.py) makes
these; the report, the confidence rules and the regions read them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from counterpoint.languages.testing import BehaviourProbe, TestOutcome
from counterpoint.model.vocabulary import ExecutionStatus, Outcome

ORIGINAL = "original"  # the proposal id of the baseline run


@dataclass(frozen=True)
class Execution:
    proposal: str  # a proposal id, or "original" for the baseline
    status: ExecutionStatus
    tests: tuple[TestOutcome, ...] = ()
    message: str = ""
    duration_s: float = 0.0
    regressions: tuple[str, ...] = ()  # passed on the original, fail here
    fixed: tuple[str, ...] = ()  # failed on the original, pass here
    output_tail: str = ""
    behaviour: tuple[dict[str, Any], ...] = ()  # {"call", "ok", "value" | "exception"}

    @property
    def ran(self) -> bool:
        return self.status in (ExecutionStatus.RAN, ExecutionStatus.TIMED_OUT) and bool(self.tests)

    def count(self, outcome: Outcome, source: str | None = None) -> int:
        return sum(
            1 for t in self.tests if t.outcome == outcome and (source is None or t.source == source)
        )

    def failing(self, source: str | None = None) -> list[TestOutcome]:
        return [
            t
            for t in self.tests
            if t.outcome in (Outcome.FAILED, Outcome.ERROR)
            and (source is None or t.source == source)
        ]

    def by_source(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter[str]] = {}
        for test in self.tests:
            table.setdefault(test.source, Counter())[test.outcome] += 1
        return {
            source: {
                "passed": counts["passed"],
                "failed": counts["failed"],
                "errors": counts["error"],
                "skipped": counts["skipped"],
                "total": sum(counts.values()),
            }
            for source, counts in sorted(table.items())
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "proposal": self.proposal,
            "status": self.status,
            "message": self.message,
            "passed": self.count(Outcome.PASSED),
            "failed": self.count(Outcome.FAILED),
            "errors": self.count(Outcome.ERROR),
            "skipped": self.count(Outcome.SKIPPED),
            "by_source": self.by_source(),
            "regressions": list(self.regressions),
            "fixed": list(self.fixed),
            "tests": [
                {
                    "id": t.id,
                    "source": t.source,
                    "outcome": t.outcome,
                    "message": t.message,
                    "duration_s": round(t.duration_s, 4),
                }
                for t in self.tests
            ],
            "duration_s": round(self.duration_s, 3),
            "output_tail": self.output_tail[-2000:],
            "behaviour": list(self.behaviour),
        }


def compare_with_baseline(result: Execution, baseline: Execution) -> Execution:
    """Regressions are tests the original passed that now fail; fixed ones the reverse."""
    before = {t.id: t.outcome for t in baseline.tests}
    regressions = tuple(
        t.id
        for t in result.tests
        if t.outcome in (Outcome.FAILED, Outcome.ERROR) and before.get(t.id) == Outcome.PASSED
    )
    fixed = tuple(
        t.id
        for t in result.tests
        if t.outcome == Outcome.PASSED and before.get(t.id) in (Outcome.FAILED, Outcome.ERROR)
    )
    return replace(result, regressions=regressions, fixed=fixed)


def parse_behaviour(data: bytes | None) -> tuple[dict[str, Any], ...]:
    if data is None:
        return ()
    try:
        parsed = json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return ()
    if not isinstance(parsed, list):
        return ()
    keys = ("call", "ok", "value", "exception", "unstable")
    return tuple(
        {key: entry[key] for key in keys if key in entry}
        for entry in parsed[:500]
        if isinstance(entry, dict) and isinstance(entry.get("call"), str)
    )


ORIGIN_RANK = {"example": 0, "derived": 1, "boundary": 2}


@dataclass(frozen=True)
class Counterexample:
    call: str
    outcomes: dict[str, str]  # proposal id -> what it returned or raised
    origin: str = "example"  # where the call came from: see BehaviourProbe.origins

    def describe(self, names: Mapping[str, str]) -> str:
        shown = ", ".join(f"{names.get(p, p)} → {o}" for p, o in self.outcomes.items())
        return f"{self.call}: {shown}"

    @property
    def one_side_raises(self) -> bool:
        """Some version answers and another raises: the input may be one the function need
        not accept."""
        raised = [o.startswith("raises ") for o in self.outcomes.values()]
        return any(raised) and not all(raised)

    def to_json(self) -> dict[str, Any]:
        return {"call": self.call, "origin": self.origin, "outcomes": dict(self.outcomes)}


def differences(
    executions: Sequence[Execution], probe: BehaviourProbe | None = None
) -> list[Counterexample]:
    """Every call on which the proposals behave differently, most trustworthy first: written in
    the code or its tests, then derived from those, then boundary values. Unstable calls are
    skipped, and versions that all fail to answer (raise or time out) count as agreeing."""
    tables = {
        e.proposal: {b["call"]: b for b in e.behaviour if not b.get("unstable")}
        for e in executions
        if e.behaviour and e.proposal != ORIGINAL
    }
    if len(tables) < 2:
        return []
    found: list[Counterexample] = []
    first = next(iter(tables.values()))
    for call in first:
        seen = [(pid, table.get(call)) for pid, table in tables.items()]
        if any(entry is None for _, entry in seen):
            continue
        entries = {pid: entry for pid, entry in seen if entry is not None}
        if len({_comparable(entry) for entry in entries.values()}) > 1:
            origin = probe.origin(call) if probe is not None else "example"
            found.append(
                Counterexample(call, {pid: _outcome(e) for pid, e in entries.items()}, origin)
            )
    return sorted(found, key=lambda c: ORIGIN_RANK.get(c.origin, 3))


def _comparable(entry: dict[str, Any]) -> str:
    return f"value {entry.get('value')}" if entry.get("ok") else "no answer"


def _outcome(entry: dict[str, Any]) -> str:
    return str(entry.get("value")) if entry.get("ok") else f"raises {entry.get('exception')}"
