"""The provider fake, exercised through the real ``anthropic`` and ``openai`` SDKs.

If the fake drifts from the wire formats the SDKs expect, these tests fail before the tests that
rely on the fake start lying.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import anthropic
import openai
import pytest
from pydantic import BaseModel

from tests.fakes.providers import (
    ANTHROPIC_TEST_KEY,
    OPENAI_TEST_KEY,
    FakeProviders,
    RecordedRequest,
    Reply,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "confidence": {"type": "number"},
        "edits": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"line": {"type": "integer"}, "text": {"type": "string"}},
                "required": ["line", "text"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["summary", "confidence", "edits"],
    "additionalProperties": False,
}
PROPOSAL = {"summary": "Use a set", "confidence": 0.75, "edits": [{"line": 3, "text": "s = set()"}]}
PROPOSAL_TOOL = {
    "name": "submit_proposal",
    "description": "Submit one code proposal.",
    "input_schema": PROPOSAL_SCHEMA,
}

JUDGMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["accept", "reject"]},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["verdict", "reasons"],
    "additionalProperties": False,
}
JUDGMENT = {"verdict": "accept", "reasons": ["tests pass", "simpler"]}
USER = [{"role": "user", "content": "Review this function."}]


class Judgment(BaseModel):
    verdict: Literal["accept", "reject"]
    reasons: list[str]


def claude_call(**overrides: Any) -> dict[str, Any]:
    """A valid forced-tool Messages request; ``anthropic.omit`` as a value drops the field."""
    return {
        "model": "claude-sonnet-5-5",
        "max_tokens": 1024,
        "messages": USER,
        "tools": [PROPOSAL_TOOL],
        "tool_choice": {"type": "tool", "name": "submit_proposal"},
        **overrides,
    }


def gpt_call(schema: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid strict json_schema Chat Completions request."""
    response_format = {
        "type": "json_schema",
        "json_schema": {
            "name": "submit_judgment",
            "strict": True,
            "schema": JUDGMENT_SCHEMA if schema is None else schema,
        },
    }
    return {
        "model": "gpt-5.5",
        "messages": USER,
        "max_completion_tokens": 2048,
        "response_format": response_format,
        **overrides,
    }


@pytest.fixture
async def claude(fake_providers: FakeProviders) -> AsyncIterator[anthropic.AsyncAnthropic]:
    # An explicit timeout keeps the SDK from deriving one from max_tokens (it chokes on omit).
    # verify=False: the fake is plain HTTP, and skipping the CA bundle saves ~20 ms per client.
    async with anthropic.AsyncAnthropic(
        base_url=fake_providers.anthropic_base_url,
        api_key=ANTHROPIC_TEST_KEY,
        max_retries=0,
        timeout=10.0,
        http_client=anthropic.DefaultAsyncHttpxClient(verify=False),
    ) as client:
        yield client


@pytest.fixture
async def gpt(fake_providers: FakeProviders) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=fake_providers.openai_base_url,
        api_key=OPENAI_TEST_KEY,
        max_retries=0,
        timeout=10.0,
        http_client=openai.DefaultAsyncHttpxClient(verify=False),
    ) as client:
        yield client


def only(records: list[RecordedRequest]) -> RecordedRequest:
    assert len(records) == 1, records
    return records[0]


# --------------------------------------------------------------------------------------------
# Happy paths
# --------------------------------------------------------------------------------------------


async def test_anthropic_forced_tool_call_round_trips(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.structured(PROPOSAL))

    message = await claude.messages.create(**claude_call())

    assert message.type == "message" and message.role == "assistant"
    assert message.model == "claude-sonnet-5-5"
    assert message.stop_reason == "tool_use"
    [block] = message.content
    assert block.type == "tool_use"
    assert block.name == "submit_proposal" and block.id.startswith("toolu_")
    assert block.input == PROPOSAL
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0

    record = only(fake_providers.accepted)
    assert (record.provider, record.kind, record.path) == (
        "anthropic",
        "submit_proposal",
        "/v1/messages",
    )
    assert record.headers["authorization"] == f"Bearer {ANTHROPIC_TEST_KEY}"
    assert record.headers["anthropic-version"]
    assert record.body["tool_choice"] == {"type": "tool", "name": "submit_proposal"}
    assert record.status == 200 and record.reason is None
    assert record.finished_at is not None and record.finished_at >= record.started_at
    assert fake_providers.pending == {}


async def test_openai_strict_json_schema_round_trips(
    fake_providers: FakeProviders, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("openai", "submit_judgment", Reply.structured(JUDGMENT))

    completion = await gpt.chat.completions.create(**gpt_call())

    assert completion.object == "chat.completion" and completion.model == "gpt-5.5"
    [choice] = completion.choices
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant" and choice.message.refusal is None
    assert json.loads(choice.message.content or "") == JUDGMENT
    usage = completion.usage
    assert usage is not None and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    record = only(fake_providers.accepted)
    assert (record.provider, record.kind, record.path) == (
        "openai",
        "submit_judgment",
        "/v1/chat/completions",
    )
    assert record.headers["authorization"] == f"Bearer {OPENAI_TEST_KEY}"


class Edit(BaseModel):
    line: int
    text: str


class Proposal(BaseModel):
    summary: str
    confidence: float
    edits: list[Edit]
    risk: Literal["low", "high"] | None


async def test_openai_parse_helper_schema_passes_strict_validation(
    fake_providers: FakeProviders, gpt: openai.AsyncOpenAI
) -> None:
    # The SDK turns the model into a strict schema with $defs, $ref and anyOf: the fake must
    # accept what the SDK itself generates.
    fake_providers.script("openai", "Proposal", Reply.structured({**PROPOSAL, "risk": None}))

    completion = await gpt.chat.completions.parse(
        model="gpt-5.5", messages=USER, response_format=Proposal
    )

    parsed = completion.choices[0].message.parsed
    assert parsed == Proposal(**PROPOSAL, risk=None)
    assert only(fake_providers.accepted).body["response_format"]["json_schema"]["strict"] is True


async def test_openai_accepts_documented_strict_keywords_and_valid_tool_turns(
    fake_providers: FakeProviders, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.default("openai", "submit_judgment", Reply.structured(JUDGMENT))
    fake_providers.default("openai", "text", Reply.text("ok"))
    schema = {
        "type": "object",
        "properties": {
            "verdict": {"type": "string", "pattern": "^(accept|reject)$"},
            "when": {"type": "string", "format": "date-time"},
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "reasons": {"type": "array", "items": {"$ref": "#/$defs/reason"}, "minItems": 1},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["verdict", "when", "score", "reasons", "note"],
        "additionalProperties": False,
        "$defs": {"reason": {"type": "string", "maxLength": 200}},
    }
    tool_turns = [
        *USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]

    await gpt.chat.completions.create(**gpt_call(schema))
    loose = {  # without strict, any JSON schema goes
        "type": "json_schema",
        "json_schema": {
            "name": "submit_judgment",
            "schema": {"type": "object", "minProperties": 1},
        },
    }
    await gpt.chat.completions.create(**gpt_call(response_format=loose))
    await gpt.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Answer in JSON."}, *USER],
        response_format={"type": "json_object"},
        max_tokens=100,
        temperature=0.2,
    )
    await gpt.chat.completions.create(model="gpt-5.5", messages=tool_turns, temperature=1)

    assert not fake_providers.rejected
    assert len(fake_providers.accepted) == 4


async def test_scripts_are_fifo_then_responder_then_default(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("anthropic", "text", Reply.text("first"))
    fake_providers.script("anthropic", "text", Reply.text("second"))
    fake_providers.default("anthropic", "text", Reply.text("default"))
    fake_providers.default("openai", "text", Reply.text("openai default"))
    seen: list[tuple[str, str]] = []

    def responder(provider: str, kind: str, body: Any) -> Reply | None:
        seen.append((provider, kind))
        if provider == "anthropic" and body["messages"][0]["content"] == "echo":
            return Reply.text("echoed")
        return None

    fake_providers.respond_with(responder)

    async def ask(content: str) -> str:
        message = await claude.messages.create(
            model="claude-haiku-5-5", max_tokens=50, messages=[{"role": "user", "content": content}]
        )
        assert message.content[0].type == "text"
        return message.content[0].text

    assert [await ask("hi"), await ask("hi"), await ask("echo"), await ask("hi")] == [
        "first",
        "second",
        "echoed",
        "default",
    ]
    completion = await gpt.chat.completions.create(model="gpt-4o", messages=USER)
    assert completion.choices[0].message.content == "openai default"
    # The responder is consulted only once a queue is empty, and before the default.
    assert seen == [("anthropic", "text"), ("anthropic", "text"), ("openai", "text")]


async def test_unscripted_request_fails_loudly(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    with pytest.raises(anthropic.InternalServerError) as info:
        await claude.messages.create(**claude_call())

    assert "fake: no scripted reply for anthropic/submit_proposal" in info.value.message
    record = only(fake_providers.requests)
    assert record.valid and record.status == 500
    assert record.reason == "fake: no scripted reply for anthropic/submit_proposal"


async def test_reset_forgets_scripts_defaults_and_records(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "text", Reply.text("queued"))
    fake_providers.script("anthropic", "text", Reply.text("queued"))
    fake_providers.default("anthropic", "submit_proposal", Reply.structured(PROPOSAL))
    await claude.messages.create(**claude_call())
    assert fake_providers.pending == {"anthropic/text": 2}
    assert len(fake_providers.requests) == 1

    fake_providers.reset()

    assert fake_providers.pending == {} and fake_providers.requests == []
    with pytest.raises(anthropic.InternalServerError):
        await claude.messages.create(**claude_call())


async def test_zero_max_tokens_prewarms_the_cache_without_consuming_a_script(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "text", Reply.text("kept"))

    message = await claude.messages.create(model="claude-sonnet-5-5", max_tokens=0, messages=USER)

    assert message.content == [] and message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 0
    assert fake_providers.pending == {"anthropic/text": 1}


def test_sync_clients_work_against_the_same_fake(fake_providers: FakeProviders) -> None:
    fake_providers.default("anthropic", "text", Reply.text("pong"))
    fake_providers.default("openai", "text", Reply.text("pong"))
    env = fake_providers.env()

    with anthropic.Anthropic(
        base_url=env["ANTHROPIC_BASE_URL"], api_key=env["ANTHROPIC_API_KEY"], max_retries=0
    ) as claude:
        message = claude.messages.create(model="claude-haiku-5-5", max_tokens=16, messages=USER)
    with openai.OpenAI(
        base_url=env["OPENAI_BASE_URL"], api_key=env["OPENAI_API_KEY"], max_retries=0
    ) as gpt:
        completion = gpt.chat.completions.create(model="gpt-4o", messages=USER)

    assert message.content[0].type == "text" and message.content[0].text == "pong"
    assert completion.choices[0].message.content == "pong"
    assert [r.provider for r in fake_providers.accepted] == ["anthropic", "openai"]


# --------------------------------------------------------------------------------------------
# Strictness: Anthropic
# --------------------------------------------------------------------------------------------

OMIT = anthropic.omit
ANTHROPIC_REJECTIONS = [
    pytest.param({"model": OMIT}, "model: Field required", id="missing-model"),
    pytest.param({"max_tokens": OMIT}, "max_tokens: Field required", id="missing-max-tokens"),
    pytest.param({"max_tokens": -1}, "max_tokens: Input should be greater than", id="neg-max"),
    pytest.param({"max_tokens": 10.5}, "max_tokens: Input should be a valid integer", id="float"),
    pytest.param({"messages": OMIT}, "messages: Field required", id="missing-messages"),
    pytest.param({"messages": []}, "at least one message is required", id="empty-messages"),
    pytest.param({"extra_body": {"n": 2}}, "n: Extra inputs are not permitted", id="unknown-field"),
    pytest.param(
        {"extra_body": {"temperature": 1.0}},
        "temperature: Extra inputs are not permitted",
        id="temperature-removed-in-2026-10-21",
    ),
    pytest.param(
        {"extra_body": {"top_k": 5}}, "top_k: Extra inputs are not permitted", id="top-k-removed"
    ),
    pytest.param(
        {"messages": [{"role": "system", "content": "Be terse."}, *USER]},
        "messages.0.role: Input should be 'user' or 'assistant'",
        id="system-role-in-messages",
    ),
    pytest.param(
        {"messages": [{"role": "assistant", "content": "Hi"}, *USER]},
        'first message must use the "user" role',
        id="first-message-not-user",
    ),
    pytest.param(
        {"messages": [{"role": "user"}]}, "messages.0.content: Field required", id="no-content"
    ),
    pytest.param(
        {"messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]},
        "text content blocks must be non-empty",
        id="empty-text-block",
    ),
    pytest.param(
        {"messages": [{"role": "user", "content": ""}]},
        "all messages must have non-empty content",
        id="empty-string-content",
    ),
    pytest.param(
        {
            "messages": [
                *USER,
                {"role": "assistant", "content": [{"type": "document", "source": {}}]},
                *USER,
            ]
        },
        "document blocks are not permitted in assistant messages",
        id="assistant-document-block",
    ),
    pytest.param(
        {"messages": [*USER, {"role": "assistant", "content": "Sure, "}]},
        "final assistant content cannot end with trailing whitespace",
        id="prefill-trailing-whitespace",
    ),
    pytest.param(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "Hi", "citations": [{"type": "x"}]}],
                }
            ]
        },
        "text blocks in user messages may not carry citations",
        id="user-text-citations",
    ),
    pytest.param(
        {"system": [{"type": "text", "text": ""}]},
        "system: text content blocks must be non-empty",
        id="empty-system-block",
    ),
    pytest.param(
        {"tools": [{**PROPOSAL_TOOL, "name": "submit proposal"}], "tool_choice": OMIT},
        "tools.0.custom.name: String should match pattern",
        id="bad-tool-name",
    ),
    pytest.param(
        {"tools": [{**PROPOSAL_TOOL, "input_schema": {"type": "array"}}]},
        "tools.0.custom.input_schema.type: Input should be 'object'",
        id="non-object-input-schema",
    ),
    pytest.param(
        {"tools": [{"name": "submit_proposal"}]},
        "tools.0.custom.input_schema: Field required",
        id="missing-input-schema",
    ),
    pytest.param(
        {"tools": [PROPOSAL_TOOL, PROPOSAL_TOOL]}, "Tool names must be unique", id="dup-tools"
    ),
    pytest.param(
        {"tool_choice": {"type": "required"}},
        "does not match any of the expected tags: 'auto', 'any', 'tool', 'none'",
        id="bad-tool-choice-type",
    ),
    pytest.param(
        {"tool_choice": {"type": "tool", "name": "submit_judgment"}},
        "tool 'submit_judgment' is not present in tools",
        id="tool-choice-names-unknown-tool",
    ),
    pytest.param(
        {"tools": OMIT},
        "tool_choice may only be specified while providing tools",
        id="tool-choice-without-tools",
    ),
    pytest.param(
        {"thinking": {"type": "adaptive"}},
        "Thinking may not be enabled when tool_choice forces tool use.",
        id="thinking-with-forced-tool",
    ),
    pytest.param(
        {"thinking": {"type": "enabled", "budget_tokens": 2048}, "tool_choice": {"type": "any"}},
        "Thinking may not be enabled when tool_choice forces tool use.",
        id="thinking-with-any",
    ),
    pytest.param(
        {"thinking": {"type": "enabled", "budget_tokens": 100}, "tool_choice": {"type": "auto"}},
        "budget_tokens: Input should be greater than or equal to 1024",
        id="thinking-budget-too-small",
    ),
]


@pytest.mark.parametrize(("overrides", "reason"), ANTHROPIC_REJECTIONS)
async def test_anthropic_rejects_what_the_api_rejects(
    fake_providers: FakeProviders,
    claude: anthropic.AsyncAnthropic,
    overrides: dict[str, Any],
    reason: str,
) -> None:
    fake_providers.default("anthropic", "submit_proposal", Reply.structured(PROPOSAL))

    with pytest.raises(anthropic.BadRequestError) as info:
        await claude.messages.create(**claude_call(**overrides))

    assert info.value.status_code == 400
    assert isinstance(info.value.body, dict)
    assert info.value.body["type"] == "error"
    assert info.value.body["error"]["type"] == "invalid_request_error"
    assert reason in info.value.body["error"]["message"]
    record = only(fake_providers.rejected)
    assert record.status == 400 and record.reason is not None and reason in record.reason
    assert not fake_providers.accepted


async def test_anthropic_auth_and_version_headers(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.default("anthropic", "submit_proposal", Reply.structured(PROPOSAL))

    with pytest.raises(anthropic.AuthenticationError) as no_key:
        await claude.messages.create(**claude_call(), extra_headers={"Authorization": OMIT})
    with pytest.raises(anthropic.BadRequestError) as no_version:
        await claude.messages.create(**claude_call(), extra_headers={"anthropic-version": OMIT})
    # The older header style is still accepted.
    message = await claude.messages.create(
        **claude_call(), extra_headers={"Authorization": OMIT, "x-api-key": ANTHROPIC_TEST_KEY}
    )

    assert no_key.value.status_code == 401
    assert isinstance(no_key.value.body, dict)
    assert no_key.value.body["error"]["type"] == "authentication_error"
    assert "anthropic-version: header is required" in no_version.value.message
    assert message.stop_reason == "tool_use"
    assert [r.status for r in fake_providers.requests] == [401, 400, 200]


async def test_anthropic_sampling_params_follow_the_api_version(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.default("anthropic", "submit_proposal", Reply.structured(PROPOSAL))
    old = {"anthropic-version": "2023-06-01"}

    accepted = await claude.messages.create(
        **claude_call(), extra_headers=old, extra_body={"temperature": 0.3}
    )
    with pytest.raises(anthropic.BadRequestError) as too_hot:
        await claude.messages.create(
            **claude_call(), extra_headers=old, extra_body={"temperature": 1.5}
        )

    assert accepted.stop_reason == "tool_use"
    assert "temperature: Input should be less than or equal to 1" in too_hot.value.message
    assert [r.valid for r in fake_providers.requests] == [True, False]


# --------------------------------------------------------------------------------------------
# Strictness: OpenAI
# --------------------------------------------------------------------------------------------

NO = openai.omit
BROKEN_ITEMS = {
    **JUDGMENT_SCHEMA,
    "properties": {
        "verdict": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "object", "properties": {}}},
    },
}
OPENAI_REJECTIONS = [
    pytest.param({"model": NO}, "you must provide a model parameter", id="missing-model"),
    pytest.param({"messages": NO}, "Missing required parameter: 'messages'.", id="no-messages"),
    pytest.param({"messages": []}, "Invalid 'messages': empty array.", id="empty-messages"),
    pytest.param(
        {"extra_body": {"max_output_tokens": 5}},
        "Unrecognized request argument supplied: max_output_tokens",
        id="unknown-field",
    ),
    pytest.param(
        {"messages": [{"role": "robot", "content": "beep"}]},
        "Invalid value: 'robot'. Supported values are:",
        id="bad-role",
    ),
    pytest.param(
        {"messages": [{"role": "user"}]},
        "Missing required parameter: 'messages[0].content'.",
        id="no-content",
    ),
    pytest.param(
        {"messages": [*USER, {"role": "tool", "tool_call_id": "call_9", "content": "42"}]},
        "messages with role 'tool' must be a response to a preceeding message with 'tool_calls'",
        id="orphan-tool-message",
    ),
    pytest.param(
        {
            "messages": [
                *USER,
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                *USER,
            ]
        },
        "The following tool_call_ids did not have response messages: call_1",
        id="unanswered-tool-call",
    ),
    pytest.param(
        {"model": "gpt-4o", "max_tokens": 100},
        "'max_tokens' and 'max_completion_tokens' cannot both be set",
        id="both-token-limits",
    ),
    pytest.param(
        {"max_tokens": 100, "max_completion_tokens": NO},
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        id="max-tokens-on-reasoning-model",
    ),
    pytest.param(
        {"model": "o3", "temperature": 0.2},
        "Unsupported value: 'temperature' does not support 0.2 with this model. "
        "Only the default (1) value is supported.",
        id="temperature-on-reasoning-model",
    ),
    pytest.param(
        {"model": "gpt-4o", "temperature": 3}, "Invalid 'temperature'", id="temperature-range"
    ),
    pytest.param(
        {"response_format": {"type": "yaml"}},
        "Supported values are: 'text', 'json_object', and 'json_schema'.",
        id="bad-response-format-type",
    ),
    pytest.param(
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "submit judgment", "schema": JUDGMENT_SCHEMA},
            }
        },
        "Invalid 'response_format.json_schema.name': string does not match pattern.",
        id="bad-schema-name",
    ),
    pytest.param(
        {"response_format": {"type": "json_schema", "json_schema": {"name": "submit_judgment"}}},
        "Missing required parameter: 'response_format.json_schema.schema'.",
        id="missing-schema",
    ),
    pytest.param(
        {"schema": {k: v for k, v in JUDGMENT_SCHEMA.items() if k != "additionalProperties"}},
        "In context=(), 'additionalProperties' is required to be supplied and to be false.",
        id="strict-root-additional-properties",
    ),
    pytest.param(
        {"schema": BROKEN_ITEMS},
        "In context=('properties', 'reasons', 'items'), 'additionalProperties' is required",
        id="strict-nested-additional-properties",
    ),
    pytest.param(
        {"schema": {**JUDGMENT_SCHEMA, "required": ["verdict"]}},
        "'required' is required to be supplied and to be an array including every key in "
        "properties. Missing 'reasons'.",
        id="strict-required-incomplete",
    ),
    pytest.param(
        {"schema": {"anyOf": [JUDGMENT_SCHEMA, PROPOSAL_SCHEMA]}},
        "schema must be a JSON Schema of 'type: \"object\"'",
        id="strict-root-any-of",
    ),
    pytest.param(
        {
            "schema": {
                **JUDGMENT_SCHEMA,
                "$defs": {"reason": {"allOf": [{"type": "string"}, {"minLength": 1}]}},
            }
        },
        "In context=('$defs', 'reason'), 'allOf' is not permitted.",
        id="strict-unsupported-keyword",
    ),
    pytest.param(
        {
            "model": "gpt-4o",
            "max_completion_tokens": 10,
            "response_format": {"type": "json_object"},
        },
        "'messages' must contain the word 'json' in some form",
        id="json-object-without-json-word",
    ),
    pytest.param(
        {"stream_options": {"include_usage": True}},
        "'stream_options' parameter is only allowed when 'stream' is enabled",
        id="stream-options-without-stream",
    ),
    pytest.param(
        {"tool_choice": "required"},
        "'tool_choice' is only allowed when 'tools' are specified",
        id="tool-choice-without-tools",
    ),
    pytest.param(
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "f", "strict": True, "parameters": {"type": "object"}},
                }
            ]
        },
        "Invalid schema for function 'f'",
        id="strict-function-schema",
    ),
]


@pytest.mark.parametrize(("overrides", "reason"), OPENAI_REJECTIONS)
async def test_openai_rejects_what_the_api_rejects(
    fake_providers: FakeProviders,
    gpt: openai.AsyncOpenAI,
    overrides: dict[str, Any],
    reason: str,
) -> None:
    fake_providers.default("openai", "submit_judgment", Reply.structured(JUDGMENT))
    fake_providers.default("openai", "text", Reply.text("{}"))
    schema = overrides.get("schema")
    call = gpt_call(schema, **{k: v for k, v in overrides.items() if k != "schema"})

    with pytest.raises(openai.BadRequestError) as info:
        await gpt.chat.completions.create(**call)

    assert info.value.status_code == 400
    assert info.value.type == "invalid_request_error"
    assert reason in info.value.message
    record = only(fake_providers.rejected)
    assert record.status == 400 and record.reason is not None and reason in record.reason
    assert not fake_providers.accepted


async def test_openai_missing_key_is_an_authentication_error(
    fake_providers: FakeProviders, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.default("openai", "submit_judgment", Reply.structured(JUDGMENT))

    with pytest.raises(openai.AuthenticationError) as info:
        await gpt.chat.completions.create(**gpt_call(), extra_headers={"Authorization": NO})

    assert info.value.status_code == 401
    assert "You didn't provide an API key" in info.value.message
    assert only(fake_providers.rejected).status == 401


async def test_unknown_paths_are_404_in_each_providers_shape(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    with pytest.raises(anthropic.NotFoundError) as claude_404:
        await claude.models.list()
    with pytest.raises(openai.NotFoundError) as gpt_404:
        await gpt.models.list()

    assert isinstance(claude_404.value.body, dict)
    assert claude_404.value.body["error"]["type"] == "not_found_error"
    assert "Invalid URL (GET /v1/models)" in gpt_404.value.message
    assert [(r.provider, r.status) for r in fake_providers.rejected] == [
        ("anthropic", 404),
        ("openai", 404),
    ]


# --------------------------------------------------------------------------------------------
# Failure replies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
async def test_anthropic_error_replies_raise_the_sdk_error(
    fake_providers: FakeProviders,
    claude: anthropic.AsyncAnthropic,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    fake_providers.script(
        "anthropic", "submit_proposal", Reply.error(status, "slow down", retry_after=2)
    )

    with pytest.raises(error_class) as info:
        await claude.messages.create(**claude_call())

    assert info.value.status_code == status
    assert isinstance(info.value.body, dict)
    assert info.value.body["error"] == {"type": error_type, "message": "slow down"}
    assert info.value.response.headers["retry-after"] == "2"
    assert info.value.response.headers["retry-after-ms"] == "2000"
    if status >= 500:
        assert isinstance(info.value, anthropic.InternalServerError)
    record = only(fake_providers.accepted)
    assert record.status == status and record.reason is None


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (429, openai.RateLimitError, "requests"),
        (500, openai.InternalServerError, "server_error"),
        (503, openai.InternalServerError, "server_error"),
    ],
)
async def test_openai_error_replies_raise_the_sdk_error(
    fake_providers: FakeProviders,
    gpt: openai.AsyncOpenAI,
    status: int,
    error_class: type[openai.APIStatusError],
    error_type: str,
) -> None:
    fake_providers.script("openai", "submit_judgment", Reply.error(status, "busy"))

    with pytest.raises(error_class) as info:
        await gpt.chat.completions.create(**gpt_call())

    assert info.value.status_code == status
    assert info.value.type == error_type and info.value.message.endswith("busy")
    assert "retry-after" not in info.value.response.headers


async def test_retry_after_drives_the_sdk_retry(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.error(529, retry_after=0.05))
    fake_providers.script("anthropic", "submit_proposal", Reply.structured(PROPOSAL))

    message = await claude.with_options(max_retries=1).messages.create(**claude_call())

    assert message.content[0].type == "tool_use" and message.content[0].input == PROPOSAL
    first, second = fake_providers.requests
    assert (first.status, second.status) == (529, 200)
    assert first.finished_at is not None
    assert second.started_at - first.finished_at >= 0.045  # waited retry-after-ms


async def test_truncated_replies(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.truncated('{"summary": "Use a s'))
    fake_providers.script("anthropic", "text", Reply.truncated("The fix is to"))
    fake_providers.script("openai", "submit_judgment", Reply.truncated(JUDGMENT))
    fake_providers.script("openai", "Judgment", Reply.truncated(JUDGMENT))

    tool_message = await claude.messages.create(**claude_call())
    text_message = await claude.messages.create(model="claude-x", max_tokens=5, messages=USER)
    completion = await gpt.chat.completions.create(**gpt_call())
    with pytest.raises(openai.LengthFinishReasonError):
        await gpt.chat.completions.parse(model="gpt-5.5", messages=USER, response_format=Judgment)

    assert tool_message.stop_reason == "max_tokens"
    assert tool_message.content[0].type == "tool_use"
    assert tool_message.content[0].input == {"summary": "Use a s"}
    assert tool_message.usage.output_tokens == 1024  # the whole budget went
    assert text_message.stop_reason == "max_tokens"
    assert (
        text_message.content[0].type == "text" and text_message.content[0].text == "The fix is to"
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "length"
    assert choice.message.content == json.dumps(JUDGMENT)[:-1]
    with pytest.raises(json.JSONDecodeError):
        json.loads(choice.message.content)


async def test_refusal_replies(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.refusal("I won't do that."))
    fake_providers.script("openai", "Judgment", Reply.refusal("I can't assist with that."))

    message = await claude.messages.create(**claude_call())
    completion = await gpt.chat.completions.parse(
        model="gpt-5.5", messages=USER, response_format=Judgment
    )

    assert message.stop_reason == "refusal"
    assert message.content[0].type == "text" and message.content[0].text == "I won't do that."
    assert message.stop_details is not None and message.stop_details.type == "refusal"
    reply = completion.choices[0].message
    assert reply.refusal == "I can't assist with that."
    assert reply.content is None and reply.parsed is None


async def test_empty_replies(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.empty())
    fake_providers.script("openai", "submit_judgment", Reply.empty())

    message = await claude.messages.create(**claude_call())
    completion = await gpt.chat.completions.create(**gpt_call())

    assert message.content == [] and message.stop_reason == "end_turn"
    assert completion.choices[0].message.content == ""
    assert completion.choices[0].finish_reason == "stop"


async def test_malformed_replies_are_not_json(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.malformed())
    fake_providers.script("openai", "submit_judgment", Reply.malformed())

    # A 200 whose JSON does not parse reaches the caller as a decode error, as it would live.
    with pytest.raises(json.JSONDecodeError):
        await claude.messages.create(**claude_call())
    with pytest.raises(json.JSONDecodeError):
        await gpt.chat.completions.create(**gpt_call())

    assert [r.status for r in fake_providers.accepted] == [200, 200]


async def test_hang_trips_the_client_timeout(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.hang())

    with pytest.raises(anthropic.APITimeoutError):
        await claude.messages.create(**claude_call(), timeout=0.2)

    # The server notices the client leaving and stops waiting, rather than holding the socket.
    for _ in range(100):
        record = only(fake_providers.requests)
        if record.finished_at is not None:
            break
        await asyncio.sleep(0.02)
    assert record.valid and record.status == 0
    assert record.reason == "client disconnected"


async def test_reset_drops_the_connection(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.reset())
    fake_providers.script("openai", "submit_judgment", Reply.reset())

    with pytest.raises(anthropic.APIConnectionError) as claude_error:
        await claude.messages.create(**claude_call())
    with pytest.raises(openai.APIConnectionError) as gpt_error:
        await gpt.chat.completions.create(**gpt_call())

    assert not isinstance(claude_error.value, anthropic.APITimeoutError)
    assert not isinstance(gpt_error.value, openai.APITimeoutError)
    assert [r.status for r in fake_providers.accepted] == [0, 0]


async def test_latency_lets_concurrent_requests_overlap(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    for _ in range(2):
        fake_providers.script(
            "anthropic", "submit_proposal", Reply.structured(PROPOSAL), latency=0.25
        )

    results = await asyncio.gather(
        claude.messages.create(**claude_call()), claude.messages.create(**claude_call())
    )

    assert all(message.stop_reason == "tool_use" for message in results)
    a, b = fake_providers.accepted
    assert a.finished_at is not None and b.finished_at is not None
    assert a.finished_at - a.started_at >= 0.25 and b.finished_at - b.started_at >= 0.25
    # Each request started before the other finished: the delays ran side by side.
    assert a.started_at < b.finished_at and b.started_at < a.finished_at


# --------------------------------------------------------------------------------------------
# Streaming
# --------------------------------------------------------------------------------------------

STREAMED_TEXT = "Here is a reply long enough to arrive in several server-sent events."


async def test_anthropic_streaming_text_and_tool_use(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "text", Reply.text(STREAMED_TEXT))
    fake_providers.script("anthropic", "submit_proposal", Reply.structured(PROPOSAL))

    async with claude.messages.stream(
        model="claude-sonnet-5-5", max_tokens=256, messages=USER
    ) as stream:
        pieces = [piece async for piece in stream.text_stream]
        text_message = await stream.get_final_message()
    async with claude.messages.stream(**claude_call()) as stream:
        tool_message = await stream.get_final_message()

    assert len(pieces) > 1 and "".join(pieces) == STREAMED_TEXT
    assert text_message.stop_reason == "end_turn" and text_message.usage.output_tokens > 1
    assert tool_message.stop_reason == "tool_use"
    assert tool_message.content[0].type == "tool_use"
    assert tool_message.content[0].input == PROPOSAL
    assert all(r.body["stream"] is True for r in fake_providers.accepted)


async def test_openai_streaming_chunks_usage_and_parse_helper(
    fake_providers: FakeProviders, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.script("openai", "text", Reply.text(STREAMED_TEXT))
    fake_providers.script("openai", "Judgment", Reply.structured(JUDGMENT))

    stream = await gpt.chat.completions.create(
        model="gpt-5.5", messages=USER, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    async with gpt.chat.completions.stream(
        model="gpt-5.5", messages=USER, response_format=Judgment
    ) as helper:
        final = await helper.get_final_completion()

    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == STREAMED_TEXT
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
    assert final.choices[0].message.parsed == Judgment(**JUDGMENT)


async def test_anthropic_stream_events_come_in_the_apis_order_and_shape(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script("anthropic", "submit_proposal", Reply.structured(PROPOSAL))
    async with claude.messages.with_streaming_response.create(
        **claude_call(), stream=True
    ) as response:
        lines = [line async for line in response.iter_lines()]

    names = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    datas = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: ")]
    assert names == [data["type"] for data in datas]  # each event names its data's type
    deltas = names.count("content_block_delta")
    assert deltas > 2
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = datas[0]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["usage"]["input_tokens"] > 0 and start["usage"]["output_tokens"] == 1
    opening = datas[1]["content_block"]
    assert opening["type"] == "tool_use" and opening["input"] == {}
    pieces = [d["delta"] for d in datas if d["type"] == "content_block_delta"]
    assert pieces[0] == {"type": "input_json_delta", "partial_json": ""}
    assert json.loads("".join(piece["partial_json"] for piece in pieces)) == PROPOSAL
    ending = datas[-2]
    assert ending["delta"]["stop_reason"] == "tool_use"
    assert ending["usage"]["input_tokens"] == start["usage"]["input_tokens"]  # totals
    assert ending["usage"]["output_tokens"] > 1


async def test_openai_stream_chunks_carry_usage_last_and_obfuscation_on_deltas(
    fake_providers: FakeProviders, gpt: openai.AsyncOpenAI
) -> None:
    fake_providers.default("openai", "submit_judgment", Reply.structured(JUDGMENT))

    async def lines(**options: Any) -> list[str]:
        async with gpt.chat.completions.with_streaming_response.create(
            **gpt_call(), stream=True, stream_options=options
        ) as response:
            return [line async for line in response.iter_lines() if line]

    sent = await lines(include_usage=True)
    assert sent[-1] == "data: [DONE]"
    *deltas, last = [json.loads(line.removeprefix("data: ")) for line in sent[:-1]]
    assert {c["object"] for c in [*deltas, last]} == {"chat.completion.chunk"}
    assert len({c["id"] for c in [*deltas, last]}) == 1
    assert last["choices"] == [] and last["usage"]["completion_tokens"] > 0
    assert all(c["usage"] is None and c["obfuscation"] for c in deltas)
    assert deltas[0]["choices"][0]["delta"]["role"] == "assistant"
    assert deltas[-1]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in deltas)
    assert json.loads(text) == JUDGMENT

    plain = await lines(include_obfuscation=False)
    chunks = [json.loads(line.removeprefix("data: ")) for line in plain[:-1]]
    assert all("obfuscation" not in c and "usage" not in c for c in chunks)
    assert chunks[-1]["choices"]  # without include_usage there is no usage chunk


async def test_errors_inside_a_stream_reach_the_sdks_as_they_send_them(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic, gpt: openai.AsyncOpenAI
) -> None:
    failing = Reply.structured(PROPOSAL).failing_mid_stream(529, after=2)
    fake_providers.script("anthropic", "submit_proposal", failing)
    fake_providers.script("openai", "submit_judgment", failing)
    seen: list[str] = []

    with pytest.raises(anthropic.APIStatusError) as claude_error:
        async with claude.messages.stream(**claude_call()) as stream:
            async for event in stream:
                seen.append(event.type)
    with pytest.raises(openai.APIError) as gpt_error:
        chunks = await gpt.chat.completions.create(**gpt_call(), stream=True)
        async for chunk in chunks:
            seen.append(chunk.object)

    assert claude_error.value.status_code == 200  # the stream had begun
    assert claude_error.value.body == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert gpt_error.value.body == {
        "message": "Overloaded",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    # Two content deltas each (Anthropic's first is the empty one), after the openings.
    assert seen.count("content_block_delta") == 2 and seen.count("chat.completion.chunk") == 3
    assert [r.reason for r in fake_providers.accepted] == ["error mid-stream (529)"] * 2


async def test_stream_faults_unstreamed_are_the_error_or_the_hang(
    fake_providers: FakeProviders, claude: anthropic.AsyncAnthropic
) -> None:
    fake_providers.script(
        "anthropic", "submit_proposal", Reply.structured(PROPOSAL).failing_mid_stream(529)
    )
    fake_providers.script(
        "anthropic", "submit_proposal", Reply.structured(PROPOSAL).stalling(seconds=0.05)
    )
    with pytest.raises(anthropic.InternalServerError) as overloaded:
        await claude.messages.create(**claude_call())
    assert overloaded.value.status_code == 529
    with pytest.raises(anthropic.APIConnectionError):
        await claude.messages.create(**claude_call())
    assert [r.status for r in fake_providers.accepted] == [529, 0]


# --------------------------------------------------------------------------------------------
# Manual-run entry point
# --------------------------------------------------------------------------------------------


def test_reply_specs_need_exactly_one_shape() -> None:
    assert Reply.from_spec({"error": 529, "retry_after": 1}) == Reply.error(529, None, 1)
    assert Reply.from_spec({"latency": 0.8, "text": "hi"}) == Reply.text("hi").delayed(0.8)
    assert Reply.from_spec({"pace": 0.05, "text": "hi"}) == Reply.text("hi").paced(0.05)
    with pytest.raises(ValueError, match="exactly one shape"):
        Reply.from_spec({"text": "a", "structured": {}})


def test_cli_serves_a_script_file_until_terminated(tmp_path: Path) -> None:
    script = tmp_path / "replies.json"
    script.write_text(
        json.dumps(
            {
                "anthropic/submit_proposal": [{"structured": PROPOSAL}, {"error": 529}],
                "openai/text": [{"latency": 0.01, "text": "hello"}],
            }
        )
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.providers", "--port", "0", "--script", str(script)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        env = dict(
            server.stdout.readline().strip().removeprefix("export ").split("=", 1) for _ in range(4)
        )
        with (
            anthropic.Anthropic(
                base_url=env["ANTHROPIC_BASE_URL"], api_key=env["ANTHROPIC_API_KEY"], max_retries=0
            ) as claude,
            openai.OpenAI(
                base_url=env["OPENAI_BASE_URL"], api_key=env["OPENAI_API_KEY"], max_retries=0
            ) as gpt,
        ):
            first = claude.messages.create(**claude_call())
            with pytest.raises(anthropic.OverloadedError):
                claude.messages.create(**claude_call())
            with pytest.raises(anthropic.OverloadedError):  # the last reply sticks as default
                claude.messages.create(**claude_call())
            hello = gpt.chat.completions.create(model="gpt-4o", messages=USER)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)

    assert first.content[0].type == "tool_use" and first.content[0].input == PROPOSAL
    assert hello.choices[0].message.content == "hello"
    assert server.returncode == 0, stderr
    assert "fake providers listening on" in stderr
