"""The execution service: identical runs are shared between the requests that want them."""

import asyncio

from counterpoint.engine.execute import ExecutionOptions, ExecutionService
from counterpoint.model.execution import Execution


async def test_a_shared_run_survives_one_waiter_giving_up(tmp_path):
    service = ExecutionService(ExecutionOptions(store_dir=tmp_path))
    started = asyncio.Event()

    async def slow():
        started.set()
        await asyncio.sleep(0.3)
        return Execution("x", "ran")

    first = asyncio.ensure_future(service.run_once("k", slow))
    await started.wait()
    second = asyncio.ensure_future(service.run_once("k", slow))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second).status == "ran"
    assert first.cancelled()
