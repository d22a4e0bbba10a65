"""Prices per million tokens (input, output) in US dollars: the one table. Settings can add or
override models (`prices: {"model": [input, output]}`). A model missing here is reported as
unpriced rather than guessed, and under a cost cap it is not called at all.

Standard rates for prompts under 272K input tokens (ours are far smaller), read from the
providers' own model pages on 2026-12-02: platform.claude.com/docs/models/<model>/overview and
developers.openai.com/api/docs/models/<model>. Cached input, cache writes, batch and priority
tiers are not modelled. Left out because no published figure was found: Claude Haiku 5.5 (its
page says only "from $0.10 / $0.50") and GPT-6 Astra.
"""

from __future__ import annotations

PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    # Anthropic
    "claude-fable-5-1": (10.0, 50.0),
    "claude-opus-5-5": (4.0, 20.0),  # the default Claude model
    "claude-opus-5": (5.0, 25.0),
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-sonnet-5": (2.0, 10.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-opus-4-5": (5.0, 25.0),
    # OpenAI
    "gpt-6.2-sol": (2.0, 10.0),  # the default GPT model
    "gpt-6-luna": (0.10, 0.50),
    "gpt-5.6-luna": (0.20, 1.20),
    # Not seen on OpenAI's own pages: the rates gateways republish as OpenAI's standard ones.
    "gpt-6.1-sol": (2.0, 10.0),
    "gpt-6-sol": (2.0, 10.0),
    "gpt-5": (1.25, 10.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5.1": (1.25, 10.0),
    "gpt-5.2": (1.75, 14.0),
}
