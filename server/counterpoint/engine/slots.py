"""How many cross-checks run at once: a burst of commands must not become a burst of model calls.

Past the limit a cross-check waits its turn, first come first served; past four times the limit
waiting, it is refused with a message rather than queued without end.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

QUEUE_FACTOR = 4


class SlotsFull(Exception):
    """Too many cross-checks are running and waiting; the message says so."""


class CheckSlots:
    def __init__(self) -> None:
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def acquire(self, limit: int, progress: Callable[[str], None] | None = None) -> None:
        """Take a slot, waiting for one if `limit` are taken; raise SlotsFull when the queue
        is full too. A cancelled waiter leaves the queue (and hands on a slot it was given)."""
        if self.running < limit and not self._waiting:
            self.running += 1
            return
        self.refuse_if_full(limit)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        if progress is not None:
            progress(f"waiting: {self.running} cross-checks running, {len(self._waiting)} queued")
        try:
            await turn
        except asyncio.CancelledError:
            if turn in self._waiting:
                self._waiting.remove(turn)
            elif turn.done() and not turn.cancelled():
                self.release(limit)  # the slot came as we were cancelled: pass it on
            raise

    def refuse_if_full(self, limit: int) -> None:
        """Raise SlotsFull if a cross-check asking now would be refused: callers check before
        doing anything a refused request must not do (such as cancelling the one it replaces)."""
        if (self.running >= limit or self._waiting) and len(self._waiting) >= limit * QUEUE_FACTOR:
            raise SlotsFull(
                f"{self.running} cross-checks are running and {len(self._waiting)} are waiting "
                f"(maxConcurrentChecks is {limit}); try again when some have finished"
            )

    def release(self, limit: int) -> None:
        self.running -= 1
        while self._waiting and self.running < limit:
            turn = self._waiting.popleft()
            if not turn.done():
                self.running += 1
                turn.set_result(None)
