"""Building a big document's context in a worker process, off the event loop.

tree-sitter holds the GIL while it parses and while a query walks the tree: on a 5 MB Python
file that is seconds, in stretches of hundreds of milliseconds, so a thread would still stall
every hover. A worker process does not, and the memory a parse takes goes with it: the worker
runs under an address-space limit, and is started again if a parse kills it. Small documents
are prepared in place, which takes milliseconds; starting the worker costs more.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from counterpoint.core.context import CodeContext, build_context
from counterpoint.languages import LanguageSpec, language_for
from counterpoint.model.request import CrossCheckRequest, RequestError

log = logging.getLogger(__name__)

IN_PROCESS_CHARS = 256 * 1024
WORKER_ADDRESS_SPACE_BYTES = 3 * 1024**3  # a 16 MiB document peaks at about 1 GB

PR_SET_PDEATHSIG = 1

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


async def prepare_context(
    request: CrossCheckRequest, language: LanguageSpec, max_chars: int
) -> CodeContext:
    """build_context, in a worker process when the document is big (check_size it first, so
    an oversized one is never sent there). Raises RequestError."""
    if len(request.text) <= IN_PROCESS_CHARS:
        return build_context(request, language, max_chars)
    loop = asyncio.get_running_loop()
    pool = _worker_pool()
    try:
        return await loop.run_in_executor(pool, _build_in_worker, request, language.name, max_chars)
    except (BrokenProcessPool, MemoryError):
        _discard(pool)  # a new worker, rather than one whose memory the failed parse holds
        raise RequestError(
            "the document could not be parsed within "
            f"{WORKER_ADDRESS_SPACE_BYTES // 1024**2:,} MB of memory; split the file"
        ) from None


def _build_in_worker(request: CrossCheckRequest, language: str, max_chars: int) -> CodeContext:
    return build_context(request, language_for(language), max_chars)


def _start_worker(address_space_bytes: int) -> None:
    # Die with the server (it starts the worker from its event loop's thread, which lasts).
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # The server speaks LSP on stdout: nothing the worker prints may reach it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))


def _worker_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: the server has threads, and a fork copies its memory.
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(WORKER_ADDRESS_SPACE_BYTES,),
            )
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    log.warning("the context worker ran out of memory; a new one starts with the next document")
    pool.shutdown(wait=False, cancel_futures=True)
