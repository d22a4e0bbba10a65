"""Comparing what the versions did: regressions against the original, and the calls on which
the proposals behave differently. Pure functions over execution results."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from counterpoint.model.execution import (
    ORIGIN_RANK,
    ORIGINAL,
    BehaviourProbe,
    Counterexample,
    Execution,
)
from counterpoint.model.vocabulary import Outcome


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


NOT_IMPORTED = "ImportError: "  # how the probe marks every call when the import failed


def behaviour_compared(
    executions: Sequence[Execution], names: Mapping[str, str]
) -> tuple[int, str]:
    """On how many calls the proposals' behaviour was compared, and the note that says so; or
    0 and why it was not. Only calls that at least two versions imported and answered the same
    way twice count: a probe planned is no comparison made."""
    proposals = [e for e in executions if e.proposal != ORIGINAL]
    imported = {
        e.proposal: {b["call"] for b in e.behaviour if not b.get("unstable")}
        for e in proposals
        if e.behaviour and not _not_imported(e)
    }
    if len(imported) >= 2:
        compared = len(set.intersection(*imported.values()))
        return compared, f"behaviour compared on {compared} calls"
    failed = [e for e in proposals if e.proposal not in imported and _not_imported(e)]
    if len(proposals) < 2:
        why = "there is only one proposal"
    elif failed and not imported:
        why = "neither version could be imported" if len(failed) == 2 else "no version imports"
    elif failed:
        shown = " and ".join(f"{names.get(e.proposal, e.proposal)}'s" for e in failed)
        why = f"{shown} version could not be imported"
    else:
        why = "fewer than two versions ran the probe"
    errors = [e.collection_error for e in failed if e.collection_error]
    return 0, f"behaviour not compared: {why}" + (f" ({errors[0]})" if errors else "")


def _not_imported(execution: Execution) -> bool:
    """The probe says the import failed, or did not run because the tests could not load."""
    if not execution.behaviour:
        return bool(execution.collection_error)
    return all(
        str(call.get("exception", "")).startswith(NOT_IMPORTED) for call in execution.behaviour
    )


def differences(
    executions: Sequence[Execution], probe: BehaviourProbe | None = None
) -> list[Counterexample]:
    """Every call on which the proposals behave differently, most trustworthy first: written in
    the code or its tests, then searched inputs shaped like those, then from type hints, then
    general values; among searched inputs of one origin, the smallest first. Unstable calls are
    skipped, and so is any call `probe` did not plan; versions that all fail to answer (raise or
    time out) count as agreeing."""
    tables = {
        e.proposal: {b["call"]: b for b in e.behaviour if not b.get("unstable")}
        for e in executions
        if e.behaviour and e.proposal != ORIGINAL
    }
    if len(tables) < 2:
        return []
    found: list[Counterexample] = []
    first = next(iter(tables.values()))
    # The run writes its own results: a call the probe did not plan is forged, and a question
    # on it would put that call into the user's tests.
    planned = set(probe.calls) if probe is not None else None
    for call in first:
        if planned is not None and call not in planned:
            continue
        seen = [(pid, table.get(call)) for pid, table in tables.items()]
        if any(entry is None for _, entry in seen):
            continue
        entries = {pid: entry for pid, entry in seen if entry is not None}
        if len({_comparable(entry) for entry in entries.values()}) > 1:
            origin = probe.origin(call) if probe is not None else "example"
            found.append(
                Counterexample(call, {pid: _outcome(e) for pid, e in entries.items()}, origin)
            )
    return sorted(found, key=_trust_then_size)


def with_shrunk(
    found: Sequence[Counterexample], shrunk: Counterexample | None
) -> list[Counterexample]:
    """The differences with the one `shrunk` came from replaced by it, in its place."""
    if shrunk is None:
        return list(found)
    return [shrunk if d.call == shrunk.shrunk_from else d for d in found]


def _trust_then_size(difference: Counterexample) -> tuple[int, int]:
    """Examples keep their written order; a searched input ranks by its size (its length)."""
    rank = ORIGIN_RANK.get(difference.origin, len(ORIGIN_RANK))
    return rank, 0 if difference.origin == "example" else len(difference.call)


def _comparable(entry: dict[str, Any]) -> str:
    return f"value {entry.get('value')}" if entry.get("ok") else "no answer"


def _outcome(entry: dict[str, Any]) -> str:
    return str(entry.get("value")) if entry.get("ok") else f"raises {entry.get('exception')}"
