"""What a test run found, as plain results: each test's outcome, each version's tests and
behaviour, and the calls on which the versions behave differently. The execution service
(engine/execute.py) makes these; the report, the confidence rules and the regions read them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from counterpoint.model.vocabulary import ExecutionStatus, Outcome


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest class

    id: str
    source: str  # "workspace", "doctest", "expected" (the user's) or the family that wrote it
    outcome: Outcome
    message: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class BehaviourProbe:
    """Calls to run on every version of the code, to compare what they return."""

    module: str
    names: tuple[str, ...]
    calls: tuple[str, ...]
    # Where each call came from, in step with `calls`: "example" (written in code, docs or
    # tests), "derived" (examples varied) or "boundary" (values for type hints). Empty: all
    # are examples.
    origins: tuple[str, ...] = ()

    def origin(self, call: str) -> str:
        if len(self.origins) == len(self.calls) and call in self.calls:
            return self.origins[self.calls.index(call)]
        return "example"


ORIGINAL = "original"  # the proposal id of the baseline run
EXPECTED = "expected"  # the source of the tests written from the user's expectations
# Tests the user stands behind, unlike the models' own: the workspace's, its doctests and the
# expectations the user gave.
USER_SOURCES = ("workspace", "doctest", EXPECTED)


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
    # The first line of the error that kept tests from loading, e.g. "ModuleNotFoundError: No
    # module named 'numpy'"; "" when every test file loaded.
    collection_error: str = ""

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
            "collection_error": self.collection_error or None,
            "behaviour": list(self.behaviour),
        }


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
