"""What the language server holds for one editor session.

The finished reports, the open documents' texts (to see what an edit changed), the running
cross-checks with their JSON-RPC ids and the lines they check, why we cancelled one ourselves,
the current settings and the Engine built from them (voices, cache, sandbox, budget, slots).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from counterpoint.config import Settings
from counterpoint.engine.engine import Engine
from counterpoint.lsp.state import ReportStore
from counterpoint.model.request import Range


class Session:
    def __init__(self, settings: Settings, *, on_warning: Callable[[str], None]) -> None:
        self.store = ReportStore()
        self.texts: dict[str, str] = {}
        self.settings = settings
        self.engine = Engine(settings, on_warning=on_warning)
        self.tasks_by_request: dict[Any, asyncio.Task[Any]] = {}
        self.in_progress: dict[asyncio.Task[Any], tuple[str, Range]] = {}
        # Why we cancelled a running cross-check ourselves, so its request gets an answer.
        self.cancel_reasons: dict[asyncio.Task[Any], str] = {}
        self._settings_pending: asyncio.Future[None] | None = None
        # The client's choice (initializationOptions `waitForResult`): answer the cross-check
        # command with its summary at the end (True), or once the run has started (False).
        self.wait_for_result = False
        # The client shows counterpoint/crossCheckDone's outcome itself (initializationOptions
        # showsCrossCheckDone): a failed run is then not said by window/showMessage as well.
        self.shows_done_notification = False
        # Cross-checks that answered at once and run on: kept so they are not collected.
        self.background: set[asyncio.Task[Any]] = set()
        # Publishing diagnostics, coalesced per document (lsp/diagnostics.py publish_soon).
        self.published_at: dict[str, float] = {}
        self.publish_timers: dict[str, asyncio.TimerHandle] = {}
        # The definitions' lines of the documents code actions were asked on lately.
        self.definitions: Recent[tuple[str, int | None, int], tuple[tuple[int, int], ...]] = Recent(
            limit=8
        )

    # Settings

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        self.engine.configure(settings)

    def expect_settings(self, refresh: Awaitable[None]) -> None:
        """A configuration fetch is under way: a cross-check waits for it before it starts."""
        self._settings_pending = asyncio.ensure_future(refresh)

    async def current_settings(self) -> Settings:
        """Settings with any configuration refresh still in flight applied first."""
        if self._settings_pending is not None:
            await asyncio.shield(self._settings_pending)
        return self.settings

    @property
    def cost_usd(self) -> float:
        """What this session's model calls have cost, cancelled and replaced runs' included."""
        return self.engine.session_budget.spent

    # Documents

    def open(self, uri: str, text: str) -> None:
        self.texts[uri] = text

    def close(self, uri: str) -> None:
        self.texts.pop(uri, None)

    # Running cross-checks

    def track(self, selection: Range, uri: str, request_id: Any) -> Range:
        """Remember the running command under its JSON-RPC id, so $/cancelRequest reaches it,
        and mark its lines as being cross-checked."""
        last = selection.end.line - (
            1 if selection.end.character == 0 and selection.end.line > selection.start.line else 0
        )
        span = Range.of_lines(selection.start.line, last)
        task = asyncio.current_task()
        if task is None:
            return span
        if request_id is not None:
            self.tasks_by_request[request_id] = task
        self.in_progress[task] = (uri, span)
        return span

    def also_known_as(self, request_id: str) -> None:
        """The running command is found by its report's id too (`counterpoint.cancel`)."""
        task = asyncio.current_task()
        if task is not None:
            self.tasks_by_request[request_id] = task

    def untrack(self) -> None:
        task = asyncio.current_task()
        self.in_progress.pop(task, None)  # type: ignore[arg-type]
        for request_id, tracked in list(self.tasks_by_request.items()):
            if tracked is task:
                del self.tasks_by_request[request_id]

    def running_on(self, uri: str) -> list[Range]:
        """The lines of this document being cross-checked now."""
        return [span for running_uri, span in self.in_progress.values() if running_uri == uri]

    def cancel_request(self, request_id: Any) -> None:
        """$/cancelRequest: pygls cancels the request's future, not the command's coroutine."""
        task = self.tasks_by_request.pop(request_id, None)
        if task is not None:
            task.cancel()

    def cancel_overlapping(self, uri: str, span: Range) -> None:
        """Cancel runs on this document whose lines overlap `span` (a newer request replaces
        them; an edit inside them makes them stale)."""
        current = asyncio.current_task()
        for task, (other_uri, other) in list(self.in_progress.items()):
            if task is not current and other_uri == uri and other.overlaps(span):
                self.cancel_with_reason(task, "replaced by a newer cross-check of these lines")

    def cancel_with_reason(self, task: asyncio.Task[Any], reason: str) -> None:
        for finished in [t for t in self.cancel_reasons if t.done()]:
            del self.cancel_reasons[finished]
        if not task.done():
            self.cancel_reasons.setdefault(task, reason)
            task.cancel()

    def cancel_reason(self) -> str | None:
        """Why we cancelled the current task ourselves (and forget it), or None when the client
        or a shutdown cancelled it."""
        return self.cancel_reasons.pop(asyncio.current_task(), None)  # type: ignore[arg-type]

    def end(self) -> None:
        """Before the process exits without finalising (see server.py's `exit`): every child
        process killed (each test run's launcher leads a process group of its own, which takes
        its sandbox with it), and the runs' cgroups and folders removed."""
        for pid in _children():
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid != os.getpgrp():
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
        self.engine.close()

    def status(self) -> dict[str, Any]:
        """What the server holds right now, to see that nothing piles up in a long session."""
        return {
            "tasks": len(asyncio.all_tasks()),
            "crossChecksRunning": len(self.in_progress),
            "crossChecksInBackground": len(self.background),
            "trackedRequests": len(self.tasks_by_request),
            "cancelReasons": sum(1 for task in self.cancel_reasons if not task.done()),
            "documents": len(self.texts),
            "reports": self.store.count,
            "executionMemo": self.engine.execution_memo_size,
            "crossChecksWaiting": self.engine.check_slots.waiting,
            "sessionCostUsd": round(self.cost_usd, 6),
            "sessionCalls": self.engine.session_budget.calls,
            "sessionUnpricedModels": sorted(self.engine.session_budget.unpriced),
        }


def _children() -> list[int]:
    """This process's children, from every thread's list in /proc."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.scandir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"{task.path}/children") as children:
                found += [int(pid) for pid in children.read().split()]
    return found


K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The last `limit` values put, by key: a small cache that cannot grow."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.limit:
            self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)
