"""The engine a front end runs cross-checks on, built from settings.

It keeps what is costly to build and worth sharing while the settings hold: the voices (an SDK
client loads TLS certificates), the disk cache, the execution service (its snapshots and stored
results), the session's budget and the concurrency slots. `counterpoint check` builds one for
its run; the language server keeps one for its session and hands it each new set of settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from counterpoint.cache import DiskCache
from counterpoint.config import ConfigError, Settings
from counterpoint.core.secrets import Secrets
from counterpoint.engine.budget import Budget
from counterpoint.engine.execute import ExecutionService
from counterpoint.engine.run import UpdateCallback, Voice, cross_check
from counterpoint.engine.slots import CheckSlots
from counterpoint.model.report import Report
from counterpoint.model.request import CrossCheckRequest

log = logging.getLogger(__name__)


class Engine:
    def __init__(
        self,
        settings: Settings,
        *,
        use_cache: bool = True,
        execute: bool = True,
        on_warning: Callable[[str], None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        # Where the voices' keys are read: the process's environment, or the demo's own.
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._use_cache = use_cache
        self._execute = execute
        self._warn = on_warning or (lambda _message: None)
        # Every call is charged here, cancelled and replaced runs' included.
        self.session_budget: Budget = settings.session_budget()
        self.check_slots = CheckSlots()
        self._cache: DiskCache | None = None
        self._execution: ExecutionService | None = None
        self._voices: tuple[str, list[Voice]] | None = None  # (what built them, the voices)
        self._warm: asyncio.Future[None] | None = None

    def warm_up_soon(self) -> None:
        """Start `warm_up` in a thread of its own, from the event loop; `warmed_up` waits for it."""
        if self._warm is not None:
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._warm = done

        def settle() -> None:
            if not done.done():
                done.set_result(None)

        def work() -> None:
            try:
                warm_up()
            except Exception as error:  # building a voice reports it again, to the user
                log.warning("warm-up failed: %s", error)
            with contextlib.suppress(RuntimeError):  # the loop has closed: we are exiting
                loop.call_soon_threadsafe(settle)

        # A daemon thread, not the loop's executor: exiting never waits for it.
        threading.Thread(target=work, name="counterpoint-warm-up", daemon=True).start()

    async def warmed_up(self) -> None:
        """Wait until the SDKs are imported and the voices built, off the event loop. Building
        a voice imports its SDK: done on the loop, that import blocked every handler for
        seconds, and longer while the warm-up thread held the same module's import lock (the
        loop waited on it, then on the GIL). Each SDK client also loads its TLS certificates
        (tens of milliseconds), so the voices are built in a thread too, and kept for
        `voices()` to find."""
        if self._warm is not None:
            await asyncio.shield(self._warm)
        self.disk_cache()  # opened here, not in the thread beside other requests' use of it
        await asyncio.to_thread(self._build_voices)

    def check_keys(self) -> None:
        """Raise ConfigError naming every missing key, without building a voice (which would
        import its SDK on the caller's thread: on the event loop, seconds)."""
        self.settings.check_keys(self._env)

    def _build_voices(self) -> None:
        with contextlib.suppress(ConfigError):  # said when the voices are asked for
            self.voices()

    def configure(self, settings: Settings) -> None:
        """New settings: what depends on them is rebuilt when next asked for."""
        self.settings = settings
        self.session_budget.cap = settings.max_cost_per_session_usd

    def disk_cache(self) -> DiskCache | None:
        """One open cache per directory; None when turned off or broken."""
        if not (self._use_cache and self.settings.cache):
            return None
        directory = self.settings.cache_root() / "cache"
        if self._cache is None or self._cache.directory != directory:
            self._cache = DiskCache(directory, self.settings.cache_size_mb)
            if self._cache.warning:
                self._warn(self._cache.warning)
        return self._cache if self._cache.enabled else None

    def voices(self) -> list[Voice]:
        """The voices for the current settings, rebuilt only when what they are built from
        changes. Raises ConfigError like Settings.voices."""
        settings, cache = self.settings, self.disk_cache()
        specs = settings.voice_specs()
        identity = hashlib.sha256(
            repr(
                (
                    specs,
                    [self._env.get(spec.key_env, "") for spec in specs],
                    settings.request_timeout_s,
                    settings.max_retries,
                    id(cache),
                )
            ).encode()
        ).hexdigest()
        if self._voices is None or self._voices[0] != identity:
            # Replaced clients are left to the garbage collector: a request may still use them.
            self._voices = (identity, settings.voices(self._env, cache=cache))
        return self._voices[1]

    def execution(self) -> ExecutionService | None:
        """One service per set of execution options, so snapshots and results are reused."""
        if not (self._execute and self.settings.execute):
            return None
        options = self.settings.execution_options()
        cache = self.disk_cache()
        if (
            self._execution is None
            or self._execution.options != options
            or self._execution.store is not cache
        ):
            self._execution = ExecutionService(options, cache)
        return self._execution

    def close(self) -> None:
        """At exit: no test run outlives the process, nor its folders."""
        if self._execution is not None:
            self._execution.close()

    @property
    def execution_memo_size(self) -> int:
        return self._execution.memo_size if self._execution is not None else 0

    def session_exhausted(self) -> str | None:
        """Why no more cross-checks fit in this session's cap, or None."""
        session = self.session_budget
        if session.cap is None or session.committed() < session.cap:
            return None
        return (
            f"this session has spent ${session.spent:.4f} of its ${session.cap:g} cap "
            "(maxCostPerSession): raise it or restart the server to cross-check more"
        )

    async def cross_check(
        self,
        request: CrossCheckRequest,
        *,
        progress: Callable[[str], None] | None = None,
        secrets: Secrets | None = None,
        workspace_root: Path | None = None,
        on_update: UpdateCallback | None = None,
        request_id: str | None = None,
        execute: bool = True,
    ) -> Report:
        """Run one cross-check with these settings' voices, options, cache and sandbox;
        `on_update` gets a partial report as each piece arrives (see run.cross_check).
        `execute=False` runs no tests for this request alone."""
        settings = self.settings
        return await cross_check(
            request,
            self._ready_voices,  # asked for once the request is found fit to send
            settings.run_options(),
            progress=progress,
            secrets=settings.secrets(self._env) if secrets is None else secrets,
            execution=self.execution() if execute else None,
            workspace_root=workspace_root,
            session=self.session_budget,
            on_update=on_update,
            request_id=request_id,
        )

    async def _ready_voices(self) -> list[Voice]:
        await self.warmed_up()  # the SDKs imported and the voices built off the event loop
        return self.voices()


def warm_up() -> None:
    """Import the SDKs and probe the sandbox ahead of the first cross-check: both take seconds,
    and the results are kept. Blocking: run it in a thread."""
    from counterpoint.providers import registry
    from counterpoint.sandbox.runner import detect_isolation

    registry.warm_up()
    detect_isolation()
