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


async def test_a_waiter_arriving_while_the_shared_run_is_cancelled_starts_a_fresh_run(tmp_path):
    """The last waiter gives up and cancels the run; before the run's done-callback has run,
    a new request for the same key arrives (a re-run replacing the one that gave up). It must
    not join the run being cancelled: it gets a result of its own, and nothing raises."""
    service = ExecutionService(ExecutionOptions(store_dir=tmp_path))
    starts = 0

    async def slow():
        nonlocal starts
        starts += 1
        await asyncio.sleep(0.2)
        return Execution("x", "ran")

    first = asyncio.ensure_future(service.run_once("k", slow))
    await asyncio.sleep(0.05)
    first.cancel()
    # Let the first waiter see its cancellation and cancel the shared run, but not the run's
    # own cancellation reach its done-callback: one step of the loop.
    await asyncio.sleep(0)
    second = asyncio.ensure_future(service.run_once("k", slow))
    assert (await second).status == "ran"
    assert first.cancelled()
    assert starts == 2
    assert service._running == {}


async def test_twenty_waiters_replacing_each_other_all_get_a_result_or_their_cancellation(
    tmp_path,
):
    """Each new waiter arrives as the previous one is cancelled, at every interleaving of the
    loop's steps: none sees a KeyError or the cancellation of a run it did not give up on."""
    service = ExecutionService(ExecutionOptions(store_dir=tmp_path))

    async def slow():
        await asyncio.sleep(0.05)
        return Execution("x", "ran")

    for steps in range(4):
        previous = asyncio.ensure_future(service.run_once(f"k{steps}", slow))
        await asyncio.sleep(0.01)
        for _ in range(20):
            previous.cancel()
            for _ in range(steps):
                await asyncio.sleep(0)
            current = asyncio.ensure_future(service.run_once(f"k{steps}", slow))
            await asyncio.sleep(0.005)
            assert previous.cancelled(), previous
            previous = current
        assert (await previous).status == "ran"
    assert service._running == {}
