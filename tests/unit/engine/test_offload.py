"""A big document's context is built in a worker process; a parse the worker cannot survive is
a refusal with a message, and the next big document gets a new worker."""

import asyncio

import pytest

from counterpoint.core.context import build_context
from counterpoint.engine import offload
from counterpoint.languages import language_for
from counterpoint.model.request import CrossCheckRequest, Range, RequestError

HEAD = "def window_sums(xs, k):\n    return [sum(xs[i : i + k]) for i in range(len(xs) - k)]\n"


def big_request() -> CrossCheckRequest:
    filler = "".join(f"\n\ndef helper_{i}(x):\n    return x + {i}\n" for i in range(40_000))
    text = HEAD + filler
    assert len(text) > offload.IN_PROCESS_CHARS
    return CrossCheckRequest("file:///big.py", text, "python", Range.of_lines(0, 1))


@pytest.fixture
def fresh_worker(monkeypatch):
    monkeypatch.setattr(offload, "_pool", None)
    yield monkeypatch
    if offload._pool is not None:
        offload._pool.shutdown()


def test_a_big_document_is_prepared_in_the_worker_as_in_place(fresh_worker):
    request, python = big_request(), language_for("python")
    prepared = asyncio.run(offload.prepare_context(request, python, 8000))
    assert prepared == build_context(request, python, 8000)
    assert offload._pool is not None  # it went to the worker


def test_a_worker_that_runs_out_of_memory_is_a_refusal_and_is_replaced(fresh_worker):
    request, python = big_request(), language_for("python")
    fresh_worker.setattr(offload, "WORKER_ADDRESS_SPACE_BYTES", 64 * 1024**2)
    with pytest.raises(RequestError, match="could not be parsed within 64 MB of memory"):
        asyncio.run(offload.prepare_context(request, python, 8000))
    assert offload._pool is None  # discarded, with its limit
    fresh_worker.setattr(offload, "WORKER_ADDRESS_SPACE_BYTES", 3 * 1024**3)
    prepared = asyncio.run(offload.prepare_context(request, python, 8000))
    assert prepared.target_code == HEAD
