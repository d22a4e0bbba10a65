"""The on-disk cache (diskcache): model replies and execution results.

Bounded in size; any failure (a corrupt database, a full disk, a read-only folder) turns it off
for the rest of the process with one warning, and the run goes on without it.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import diskcache

log = logging.getLogger(__name__)


class DiskCache:
    def __init__(self, directory: Path, size_limit_mb: int = 512) -> None:
        self.directory = directory
        self.warning: str | None = None
        self._lock = threading.Lock()
        self._cache: diskcache.Cache | None = None
        try:
            self._cache = diskcache.Cache(str(directory), size_limit=size_limit_mb * 1024 * 1024)
        except Exception as error:  # corrupt or unwritable: no cache, but keep working
            self._disable(error)

    @property
    def enabled(self) -> bool:
        return self._cache is not None

    def get(self, key: str) -> Any | None:
        if self._cache is None:
            return None
        try:
            return self._cache.get(key)
        except Exception as error:
            self._disable(error)
            return None

    def set(self, key: str, value: Any) -> None:
        if self._cache is None:
            return
        try:
            self._cache.set(key, value)
        except Exception as error:
            self._disable(error)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()

    def _disable(self, error: Exception) -> None:
        with self._lock:
            if self.warning is None:
                self.warning = (
                    f"cache at {self.directory} turned off: {type(error).__name__}: {error}"
                )
                log.warning(self.warning)
            self._cache = None
