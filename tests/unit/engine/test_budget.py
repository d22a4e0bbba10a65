"""Budgets and slots: the arithmetic the cost bounds rest on."""

from __future__ import annotations

import asyncio

import pytest

from counterpoint.engine.budget import Budget, RetryBudget, Spending
from counterpoint.engine.slots import CheckSlots, SlotsFull
from counterpoint.model.calls import ProviderError


def test_concurrent_reservations_cannot_overshoot_a_cap_together():
    request, session = Budget(1.0, "per-request"), Budget(1.5, "per-session")
    spending = Spending((request, session))
    first = spending.reserve("m", 0.6)
    with pytest.raises(ProviderError, match="per-request"):
        spending.reserve("m", 0.6)  # 0.6 + 0.6 > 1.0 while the first is in flight
    spending.settle(first, 0.1)
    assert (request.spent, request.reserved) == (0.1, 0.0)
    spending.reserve("m", 0.6)
    assert session.committed() == pytest.approx(0.7)


def test_an_unknown_price_is_refused_only_under_a_cap():
    assert Spending((Budget(None, "per-request"),)).reserve("mystery", None).worst == 0.0
    with pytest.raises(ProviderError) as refused:
        Spending((Budget(None, "per-request"), Budget(2.0, "per-session"))).reserve("mystery", None)
    assert refused.value.kind == "budget" and "price of mystery is unknown" in refused.value.message


def test_the_session_remembers_every_unpriced_model_it_sent_across_requests():
    session = Budget(None, "per-session")
    Spending((Budget(None, "per-request"), session)).reserve("mystery-1", None)
    Spending((Budget(None, "per-request"), session)).reserve("priced", 0.01)
    Spending((Budget(None, "per-request"), session)).reserve("mystery-2", None)
    assert session.unpriced == {"mystery-1", "mystery-2"}
    refused = Budget(None, "per-session")
    with pytest.raises(ProviderError):
        Spending((Budget(1.0, "per-request"), refused)).reserve("mystery-3", None)
    assert refused.unpriced == set()  # never sent: nothing uncounted


def test_retries_granted_to_calls_in_flight_are_held_until_they_say_what_they_used():
    retries = RetryBudget(per_call=2, total=3)
    a, b = retries.grant(), retries.grant()
    assert (a, b) == (2, 1)
    assert retries.grant() == 0
    retries.used(a, 0)  # the first call needed none: its two come back
    assert retries.grant() == 2
    retries.used(b, 1)
    assert retries.taken == 1


async def test_slots_queue_in_order_refuse_past_the_queue_and_a_cancelled_waiter_leaves():
    slots = CheckSlots()
    await slots.acquire(1)
    waiters = [asyncio.ensure_future(slots.acquire(1)) for _ in range(4)]
    await asyncio.sleep(0)
    assert slots.waiting == 4
    with pytest.raises(SlotsFull, match="maxConcurrentChecks is 1"):
        await slots.acquire(1)
    waiters[0].cancel()
    await asyncio.sleep(0)
    assert slots.waiting == 3
    slots.release(1)
    await asyncio.sleep(0)
    assert waiters[1].done() and not waiters[2].done()
    assert slots.running == 1


async def test_a_slot_given_to_a_waiter_that_is_cancelled_at_once_is_passed_on():
    slots = CheckSlots()
    await slots.acquire(1)
    first = asyncio.ensure_future(slots.acquire(1))
    second = asyncio.ensure_future(slots.acquire(1))
    await asyncio.sleep(0)
    slots.release(1)  # the slot goes to `first`...
    first.cancel()  # ...which is cancelled before it runs again
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert second.done() and slots.running == 1


def test_a_calls_worst_case_bounds_its_input_whatever_its_characters_and_schema():
    """A byte-level BPE tokenizer makes at most one token per UTF-8 byte, but text outside ASCII
    (a repository's strings and comments) can take a token or more per character, so "three
    characters a token" is no bound; the schema is sent as input too."""
    from counterpoint.engine.run import RunOptions
    from counterpoint.model.calls import StructuredCall

    schema = {"type": "object", "description": "x" * 3000}
    call = StructuredCall("system", "한" * 3000, "submit", schema, max_tokens=100)
    options = RunOptions(prices={"m": (1_000_000.0, 0.0)})  # $1 per input token
    sent = len(b"system") + len("한".encode()) * 3000 + 3000  # bytes, schema included
    worst = options.worst_case_cost("m", call)
    assert worst is not None and worst >= sent
