"""One hostile cross-check in a process of its own, to see what it does to the server's memory.

`python -m tests.hardening.memory_probe SPEC`, SPEC a JSON object: `root` (a fresh folder),
`code` (Claude's proposal) and `limits` (see hostile.limits_with). The process caps its own
address space before the cross-check, so that a server that reads without bound fails here
with a MemoryError instead of taking the machine's memory, and prints one JSON line:
`rss_before` and `peak` (bytes), `elapsed` (s), and the hostile run's `status`, `message` and
`output` (its tail).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from tests.fakes.providers import FakeProviders
from tests.hardening.hostile import Arena, cross_check_codes, escape_service

HEADROOM_BYTES = 3 * 1024**3  # of address space above what the process has when it starts


def status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


async def probe(spec: dict[str, Any]) -> dict[str, Any]:
    root = Path(spec["root"])
    with FakeProviders() as fake:
        arena = Arena.make(root / "arena", fake.port)
        os.environ["HOME"] = str(arena.home)
        service = escape_service(root / "store", **spec.get("limits", {}))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (status_bytes("VmSize") + HEADROOM_BYTES, hard))
        rss_before = status_bytes("VmRSS")
        started = time.monotonic()
        report = await cross_check_codes(fake, arena, service, spec["code"])
        elapsed = time.monotonic() - started
        run = report.execution_of("claude")
        return {
            "rss_before": rss_before,
            "peak": status_bytes("VmHWM"),
            "elapsed": elapsed,
            "status": run.status if run else None,
            "message": run.message if run else None,
            "output": run.output_tail if run else "",
        }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(json.loads(sys.argv[1])))))
