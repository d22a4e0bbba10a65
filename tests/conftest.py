"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.providers import FakeProviders


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
