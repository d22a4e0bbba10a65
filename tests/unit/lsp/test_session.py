"""The session's bookkeeping of running cross-checks: their JSON-RPC ids for $/cancelRequest,
the lines they check, and why we cancelled one ourselves."""

from __future__ import annotations

import asyncio

from counterpoint.config import Settings
from counterpoint.lsp.session import Recent, Session
from counterpoint.model.request import Position, Range

A, B = "file:///a.py", "file:///b.py"


def new_session() -> Session:
    return Session(Settings(), on_warning=lambda _message: None)


async def running(session: Session, uri: str, first: int, last: int, request_id) -> asyncio.Task:
    """A task that tracks itself as a cross-check of whole lines first..last, then waits."""
    tracked = asyncio.Event()

    async def check() -> str | None:
        session.track(Range(Position(first, 0), Position(last + 1, 0)), uri, request_id)
        tracked.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return session.cancel_reason()
        finally:
            session.untrack()
        return None

    task = asyncio.ensure_future(check())
    await tracked.wait()
    return task


async def test_a_run_is_tracked_under_its_request_id_and_its_whole_lines():
    session = new_session()
    task = await running(session, A, 2, 4, request_id=7)
    assert session.tasks_by_request == {7: task}
    # A selection of whole lines ends at column 0 of the next line, which it does not check.
    assert session.running_on(A) == [Range.of_lines(2, 4)]
    assert session.running_on(B) == []
    task.cancel()
    await task
    assert session.tasks_by_request == {} and session.in_progress == {}


async def test_a_selection_ending_inside_a_line_checks_that_line():
    session = new_session()
    span = session.track(Range(Position(2, 0), Position(4, 3)), A, None)
    assert span == Range.of_lines(2, 4)


async def test_the_clients_cancel_request_stops_its_run_with_no_reason_of_ours():
    session = new_session()
    task = await running(session, A, 0, 1, request_id="r-1")
    session.cancel_request("unknown")  # nothing to stop
    assert not task.done()
    session.cancel_request("r-1")
    assert await task is None  # pygls answers a client's cancel itself
    assert session.status()["cancelReasons"] == 0


async def test_a_newer_run_replaces_only_the_runs_it_overlaps_on_its_document():
    session = new_session()
    overlapped = await running(session, A, 3, 6, request_id=1)
    below = await running(session, A, 7, 9, request_id=2)
    elsewhere = await running(session, B, 3, 6, request_id=3)
    session.cancel_overlapping(A, Range.of_lines(5, 5))
    assert await overlapped == "replaced by a newer cross-check of these lines"
    assert not below.done() and not elsewhere.done()
    status = session.status()
    assert status["crossChecksRunning"] == 2 and status["trackedRequests"] == 2
    for task in (below, elsewhere):
        task.cancel()
        await task
    assert session.status()["crossChecksRunning"] == 0


async def test_the_first_reason_given_for_a_cancel_is_the_one_answered():
    session = new_session()
    task = await running(session, A, 0, 0, request_id=1)
    session.cancel_with_reason(task, "the lines changed while they were being cross-checked")
    session.cancel_with_reason(task, "replaced by a newer cross-check of these lines")
    assert await task == "the lines changed while they were being cross-checked"


async def test_documents_are_remembered_while_open():
    session = new_session()
    session.open(A, "x = 1\n")
    assert session.texts == {A: "x = 1\n"} and session.status()["documents"] == 1
    session.close(A)
    session.close(A)  # closing twice is harmless
    assert session.texts == {}


def test_the_recent_cache_keeps_only_its_limit_and_the_latest_used():
    recent: Recent[str, int] = Recent(limit=2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the latest used
    recent.put("c", 3)
    assert len(recent) == 2
    assert recent.get("b") is None and recent.get("a") == 1 and recent.get("c") == 3
