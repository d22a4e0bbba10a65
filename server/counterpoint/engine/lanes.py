"""Every voice's lane at once, as one progress line: "Claude: judging GPT's proposal · GPT:
writing, 240 tokens · tests: running".

A lane is waiting, then writing (with the tokens written so far once a stream reports them),
proposed, judging another's proposal, and done or failed with a reason; the tests are waiting,
running or done. Each change sends the whole line through the run's progress callback, so a
front end shows every lane, not only the latest stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

# A stream's token counts are sent at most this often; every other change is sent at once.
TOKENS_INTERVAL_S = 0.1


class Lanes:
    def __init__(self, names: Mapping[str, str], emit: Callable[[str], None]) -> None:
        self._names = dict(names)
        self._emit = emit
        self._state = {voice: "waiting" for voice in names}  # the lane's last settled state
        self._writing: dict[str, int | None] = {}  # voice -> tokens written so far, if known
        self._judging: dict[str, list[str]] = {voice: [] for voice in names}  # targets' names
        self._revising: set[str] = set()  # voices whose writing is a revision
        self._tests: str | None = None  # None: no tests in this run
        self._running: list[str] = []  # which versions' tests are running
        self._last = ""
        self._sent_at = float("-inf")

    # What the run reports

    def writing(self, voice: str, tokens: int | None = None) -> None:
        """The voice is writing its proposal; `tokens` as a stream reports them (a new count
        alone is sent at most every TOKENS_INTERVAL_S: the next change carries it anyway)."""
        counting = tokens is not None and self._writing.get(voice) is not None
        self._writing[voice] = tokens
        if counting and time.monotonic() - self._sent_at < TOKENS_INTERVAL_S:
            return
        self._changed()

    def revising(self, voice: str, tokens: int | None = None) -> None:
        """The voice revises its proposal after failing a test: shown as its writing is."""
        self._revising.add(voice)
        self.writing(voice, tokens)

    def proposed(self, voice: str) -> None:
        self._revising.discard(voice)
        self._writing.pop(voice, None)
        self._state[voice] = "proposed"
        self._changed()

    def judging(self, voice: str, target: str) -> None:
        self._judging[voice].append(self._names.get(target, target))
        self._changed()

    def judged(self, voice: str, target: str) -> None:
        name = self._names.get(target, target)
        if name in self._judging[voice]:
            self._judging[voice].remove(name)
        if not self._state[voice].startswith("failed"):
            self._state[voice] = "done"
        self._changed()

    def failed(self, voice: str, reason: str, target: str | None = None) -> None:
        self._revising.discard(voice)
        self._writing.pop(voice, None)
        if target is not None:
            name = self._names.get(target, target)
            if name in self._judging[voice]:
                self._judging[voice].remove(name)
            reason = f"{reason} judging {name}'s proposal"
        self._state[voice] = f"failed: {reason}"
        self._changed()

    def finished(self) -> None:
        """Every lane's calls are over: a lane that neither failed nor judged is done."""
        for voice, state in self._state.items():
            if not state.startswith("failed"):
                self._state[voice] = "done"
        self._changed()

    def tests_running(self, version: str) -> None:
        self._running.append(self._version(version))
        self._tests = "running"
        self._changed()

    def tests_ran(self, version: str) -> None:
        name = self._version(version)
        if name in self._running:
            self._running.remove(name)
        self._changed()

    def tests_done(self) -> None:
        self._running.clear()
        self._tests = "done"
        self._changed()

    def _version(self, version: str) -> str:
        return self._names.get(version, f"the {version}")

    # The line

    def message(self) -> str:
        parts = [f"{name}: {self._lane(voice)}" for voice, name in self._names.items()]
        if self._tests is not None:
            tests = self._tests
            if self._running:
                tests = "running on " + _listed(self._running)
            parts.append(f"tests: {tests}")
        return " · ".join(parts)

    def _lane(self, voice: str) -> str:
        doing = []
        if voice in self._writing:
            tokens = self._writing[voice]
            verb = "revising" if voice in self._revising else "writing"
            doing.append(verb if tokens is None else f"{verb}, {tokens} tokens")
        doing += [f"judging {name}'s proposal" for name in self._judging[voice]]
        return " and ".join(doing) if doing else self._state[voice]

    def _changed(self) -> None:
        line = self.message()
        if line != self._last:
            self._last = line
            self._sent_at = time.monotonic()
            self._emit(line)


def _listed(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c": a list as a sentence says it."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
