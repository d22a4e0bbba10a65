"""`counterpoint mcp`: Counterpoint for coding agents, over stdio, on the official MCP SDK.

Two tools, `cross_check` and `review`, over the same engine, settings, keys, cache and sandbox
as `counterpoint serve` and `check`. The settings are the user's: the environment the agent's
MCP configuration starts the server with. Nothing in a repository, nor in a tool's arguments,
can choose endpoints, keys, programs or limits.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from counterpoint import __version__
from counterpoint.config import Settings
from counterpoint.mcp.results import CrossCheckResult
from counterpoint.mcp.tools import Tools

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Counterpoint gets a second opinion on code from two model families (Claude and GPT): "
    "each writes its own version, each judges the other's, and both versions run against the "
    "project's tests in a sandbox. It answers which version survives the tests, where they "
    "differ, and an input on which they behave differently. It never edits files: apply the "
    "recommended code yourself."
)

WHEN = (
    "\n\nWhen it is worth it (four model calls and a sandboxed test run: typically 30 s to a "
    "few minutes, and a few cents): before you keep a non-trivial change to logic whose "
    "correctness the tests you have do not settle (boundaries, off-by-ones, parsing, money, "
    "dates, concurrency, security checks), or when you and the user disagree on what the code "
    "should do. Not worth it for renames, formatting, comments, or code the tests already pin "
    "down. Give one function or method (`symbol`) or a small range of `lines`, not a whole file."
    "\n\nRead `label` first: verified-agreement or verified-one means the tests decided; "
    "disputed means the families disagree, and `disagreements[].question` names a call whose "
    "right answer you or the user should decide; failed means no model could be reached "
    "(see `failures`)."
)

READ_ONLY = ToolAnnotations(
    read_only_hint=True,
    destructive_hint=False,
    idempotent_hint=True,  # the same request is answered from the cache
    open_world_hint=True,  # it calls the model providers' APIs
)

File = Annotated[
    str,
    Field(description="the file's path: absolute, or relative to the workspace root"),
]
Lines = Annotated[
    str | None,
    Field(description='1-based, inclusive lines to check, "START-END" or "N"; or give symbol'),
]
Symbol = Annotated[
    str | None,
    Field(description='a definition to check instead of lines: "name" or "Class.method"'),
]
Expectations = Annotated[
    list[str],
    Field(
        description="what the code must do, as boolean expressions over its names, e.g. "
        '"count_up_to(3) == [1, 2, 3]": run as tests beside the project\'s own'
    ),
]
Execute = Annotated[
    bool, Field(description="run the tests (default); false: the judgments only, faster")
]
Result = Annotated[CallToolResult, CrossCheckResult]


def build_server(settings: Settings | None = None) -> MCPServer:
    settings = settings or Settings.from_env()
    for problem in settings.problems:
        log.warning("%s", problem)
    tools = Tools(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[None]:
        tools.engine.warm_up_soon()  # the SDKs imported and the sandbox probed, off the loop
        try:
            yield
        finally:
            tools.engine.close()  # no test run outlives the server

    server = MCPServer(
        name="counterpoint",
        title="Counterpoint",
        version=__version__,
        instructions=INSTRUCTIONS + WHEN,
        lifespan=lifespan,
    )

    @server.tool(
        name="cross_check",
        title="Cross-check a change with two model families and the tests",
        description="Ask Claude and GPT, independently, to do `instruction` on the given lines "
        "of a file; each judges the other's version and both run against the project's tests. "
        "Returns the label, the recommended version's code, each version's code, the "
        "judgments, the test matrix and where the versions differ, with a counterexample." + WHEN,
        annotations=READ_ONLY,
    )
    async def cross_check(
        file: File,
        instruction: Annotated[
            str, Field(description='what to do, e.g. "fix the off-by-one" or "implement this"')
        ],
        ctx: Context,
        lines: Lines = None,
        symbol: Symbol = None,
        expectations: Expectations = [],  # noqa: B006  (pydantic copies a field's default)
        execute: Execute = True,
    ) -> Result:
        return await tools.cross_check(
            ctx,
            file=file,
            lines=lines,
            symbol=symbol,
            instruction=instruction,
            expectations=expectations,
            execute=execute,
        )

    @server.tool(
        name="review",
        title="Review code with two model families and the tests",
        description="Ask Claude and GPT, independently, to review the given lines of a file "
        "and fix any bug they find; each judges the other's version and both run against the "
        "project's tests. Returns the same as cross_check." + WHEN,
        annotations=READ_ONLY,
    )
    async def review(
        file: File,
        ctx: Context,
        lines: Lines = None,
        symbol: Symbol = None,
        expectations: Expectations = [],  # noqa: B006
        execute: Execute = True,
    ) -> Result:
        return await tools.cross_check(
            ctx,
            file=file,
            lines=lines,
            symbol=symbol,
            instruction="",
            expectations=expectations,
            execute=execute,
        )

    return server


def serve_stdio() -> int:
    build_server().run("stdio")
    return 0
