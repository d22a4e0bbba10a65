"""Fixture packages whose node_modules come from an install step (`.ci/run` runs `npm ci` in
each), never from a test: tests must not reach the internet."""

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# `.ci/run` sets this after installing, so a missing install fails there instead of skipping.
REQUIRED = "COUNTERPOINT_REQUIRE_NODE_FIXTURES"


def installed(name: str, tool: str) -> Path:
    """The fixture package `name`, after checking that `tool` is installed in it: skip with the
    command to run when it is not (a failure when REQUIRED is set)."""
    project = FIXTURES / name
    if not (project / "node_modules" / tool / "package.json").is_file():
        why = (
            f"{tool} is not installed in tests/e2e/fixtures/{name}: run "
            f"`npm ci --no-audit --no-fund` there (as .ci/run does)"
        )
        if os.environ.get(REQUIRED) == "1":
            pytest.fail(why)
        pytest.skip(why)
    return project
