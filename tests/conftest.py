"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.providers import FakeProviders

# Counterpoint takes the interpreter for a project's tests from the activated environment or
# python3 on PATH before its own. So that the suite's runs use the Python running the suite,
# whichever shell started it: no activated environment leaks in, and python3 on PATH is it.
for _activated in ("VIRTUAL_ENV", "CONDA_PREFIX"):
    os.environ.pop(_activated, None)
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


@pytest.fixture
def fake_providers() -> Iterator[FakeProviders]:
    """A started fake of the Anthropic and OpenAI APIs on 127.0.0.1, stopped after the test.

    Point SDKs at ``fake_providers.anthropic_base_url`` / ``openai_base_url``, or pass
    ``fake_providers.env()`` to a child process.
    """
    with FakeProviders() as fake:
        yield fake


# Fixture projects have test suites of their own, run only inside Counterpoint's sandbox.
collect_ignore_glob = ["*/fixtures/*"]
