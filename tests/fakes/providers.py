"""A strict, local fake of the Anthropic Messages and OpenAI Chat Completions APIs.

One aiohttp server on 127.0.0.1 serves both wire formats. It runs on its own event loop in a
daemon thread, so sync tests, asyncio tests and child processes (pointed at it through
``fake.env()``) can all use it. Requests are validated the way the real APIs validate them and
rejected with the real error shapes; valid requests are answered from per-(provider, kind)
scripts.

    with FakeProviders() as fake:
        fake.script("anthropic", "submit_proposal", Reply.structured({...}), latency=0.5)
        fake.default("openai", "submit_judgment", Reply.structured({...}))
        ...  # point the SDKs at fake.anthropic_base_url / fake.openai_base_url
        assert not fake.rejected

The *kind* of a request is the forced tool name (Anthropic) or the ``response_format`` schema
name (OpenAI), else ``"text"``. Replies come from, in order: the FIFO script queue for
(provider, kind), the ``respond_with`` callback, the default for (provider, kind); otherwise the
fake answers 500 "fake: no scripted reply for <provider>/<kind>" so the test fails loudly.

A request with ``"stream": true`` gets the wire format's server-sent events, as the real API
sends them; ``reply.paced(s)`` spaces them out, ``reply.failing_mid_stream(529)`` ends them with
the provider's in-stream error, and ``reply.stalling()`` goes silent part-way.

Run ``python -m tests.fakes.providers --help`` to serve it by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import re
import secrets
import signal
import socket
import string
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

import jiter
from aiohttp import web

__all__ = [
    "ANTHROPIC_TEST_KEY",
    "OPENAI_TEST_KEY",
    "PROVIDERS",
    "FakeProviders",
    "Provider",
    "RecordedRequest",
    "Rejection",
    "Reply",
    "Responder",
    "anthropic_kind",
    "openai_kind",
    "validate_anthropic",
    "validate_openai",
]

Provider = Literal["anthropic", "openai"]
PROVIDERS: tuple[Provider, ...] = ("anthropic", "openai")

ANTHROPIC_TEST_KEY = "test-anthropic-key"
OPENAI_TEST_KEY = "test-openai-key"

# fn(provider, kind, body) -> Reply | None; None means "fall through to the default".
Responder = Callable[[str, str, Any], "Reply | None"]


# --------------------------------------------------------------------------------------------
# Replies and records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the fake answers to one accepted request; rendered in the caller's wire format."""

    shape: Literal[
        "structured", "text", "error", "truncated", "refusal", "empty", "malformed", "hang", "reset"
    ]
    value: Any = None
    status: int = 200
    message: str | None = None
    retry_after: float | None = None
    latency: float = 0.0
    # Streaming only: seconds between a stream's events, and where the stream is cut short.
    pace: float = 0.0
    cut: Literal["stall", "error"] | None = None
    cut_after: int = 0  # content deltas sent before the cut
    stall_s: float = 3600.0  # a stall sends nothing this long, then drops the connection

    @classmethod
    def structured(cls, obj: Any) -> Reply:
        """Anthropic: a tool_use block for the forced tool. OpenAI: the object as JSON content."""
        return cls("structured", obj)

    @classmethod
    def text(cls, text: str) -> Reply:
        return cls("text", text)

    @classmethod
    def error(
        cls, status: int, message: str | None = None, retry_after: float | None = None
    ) -> Reply:
        """The provider's own error body for ``status``; 529 is Anthropic's "overloaded"."""
        return cls("error", status=status, message=message, retry_after=retry_after)

    @classmethod
    def truncated(cls, partial: Any) -> Reply:
        """Output cut off by max_tokens. A str is sent verbatim; a dict as JSON missing its
        closing brace (or, for an Anthropic tool_use, as the partial ``input``)."""
        return cls("truncated", partial)

    @classmethod
    def refusal(cls, message: str = "I can't help with that request.") -> Reply:
        return cls("refusal", message)

    @classmethod
    def empty(cls) -> Reply:
        return cls("empty")

    @classmethod
    def malformed(cls) -> Reply:
        """HTTP 200 whose body is not valid JSON."""
        return cls("malformed")

    @classmethod
    def hang(cls, seconds: float = 3600.0) -> Reply:
        """Accept the request and send nothing for ``seconds``, then drop the connection."""
        return cls("hang", seconds)

    @classmethod
    def reset(cls) -> Reply:
        """Drop the connection without sending a response."""
        return cls("reset")

    def delayed(self, seconds: float) -> Reply:
        """The same reply, sent after ``seconds`` (non-blocking); handy from ``respond_with``."""
        return dataclasses.replace(self, latency=seconds)

    def paced(self, seconds: float) -> Reply:
        """Streamed with ``seconds`` between events, as a model writes (no effect unstreamed)."""
        return dataclasses.replace(self, pace=seconds)

    def stalling(self, after: int = 2, seconds: float = 3600.0) -> Reply:
        """Streamed up to ``after`` content deltas, then nothing (not even a ping) for
        ``seconds``, then the connection drops. Unstreamed, it is ``Reply.hang(seconds)``."""
        return dataclasses.replace(self, cut="stall", cut_after=after, stall_s=seconds)

    def failing_mid_stream(
        self, status: int = 529, after: int = 2, message: str | None = None
    ) -> Reply:
        """Streamed up to ``after`` content deltas, then the provider's in-stream error for
        ``status`` (Anthropic: ``event: error`` with ``{"type": "error", "error": {"type":
        "overloaded_error", …}}``; OpenAI: a data chunk holding an ``error`` object), and the
        stream ends. Unstreamed, it is ``Reply.error(status, message)``."""
        return dataclasses.replace(
            self, cut="error", cut_after=after, status=status, message=message
        )

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Reply:
        """Build a reply from its JSON form, as used by ``--script`` files.

        ``{"structured": {...}}``, ``{"text": "..."}``, ``{"error": 529}`` (optionally with
        ``"message"`` and ``"retry_after"``), ``{"truncated": ...}``, ``{"refusal": "..."}``,
        ``{"empty": true}``, ``{"malformed": true}``, ``{"hang": 30}``, ``{"reset": true}``;
        any of them may carry ``"latency": seconds`` and ``"pace": seconds`` (between a
        stream's events).
        """
        shapes = [key for key in spec if key not in ("latency", "message", "retry_after", "pace")]
        if len(shapes) != 1:
            raise ValueError(f"a reply spec needs exactly one shape key, got {sorted(spec)}")
        shape = shapes[0]
        value = spec[shape]
        if shape == "structured":
            reply = cls.structured(value)
        elif shape == "text":
            reply = cls.text(str(value))
        elif shape == "error":
            reply = cls.error(int(value), spec.get("message"), spec.get("retry_after"))
        elif shape == "truncated":
            reply = cls.truncated(value)
        elif shape == "refusal":
            reply = cls.refusal(str(value)) if isinstance(value, str) else cls.refusal()
        elif shape == "empty":
            reply = cls.empty()
        elif shape == "malformed":
            reply = cls.malformed()
        elif shape == "hang":
            reply = cls.hang(3600.0 if value is True else float(value))
        elif shape == "reset":
            reply = cls.reset()
        else:
            raise ValueError(f"unknown reply shape {shape!r}")
        return reply.delayed(float(spec.get("latency", 0.0))).paced(float(spec.get("pace", 0.0)))


@dataclass
class RecordedRequest:
    """One request as the fake saw it. ``headers`` keys are lower-case.

    ``valid`` is True when the request passed validation (so a reply was looked up for it);
    ``reason`` says why it was rejected, or why no real answer was given. ``status`` is 0 when
    no HTTP response was sent (``Reply.hang``/``Reply.reset``, or the client went away).
    ``finished_at`` is None while the request is still being handled.
    """

    provider: str
    kind: str
    path: str
    headers: dict[str, str]
    body: Any
    started_at: float
    status: int = 0
    reason: str | None = None
    valid: bool = False
    finished_at: float | None = None


class Rejection(Exception):
    """A request the real API would refuse; carries the fields of the provider's error body.

    Raised by ``validate_anthropic``/``validate_openai``, which can also vet a request body
    without going through the server.
    """

    def __init__(
        self,
        message: str,
        status: int = 400,
        *,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.param = param
        self.code = code


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

_ID_ALPHABET = string.ascii_letters + string.digits


def _rand_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def _tokens(payload: Any) -> int:
    """A rough token count: about four characters per token, never zero."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return max(1, math.ceil(len(text) / 4))


def _cut_json(partial: Any) -> str:
    """Text standing for output cut off mid-way: a str as given, else JSON missing its end."""
    if isinstance(partial, str):
        return partial
    return json.dumps(partial)[:-1]


def _partial_input(partial: Any) -> Any:
    """The ``input`` of a truncated Anthropic tool_use: best-effort parse of a JSON prefix."""
    if not isinstance(partial, str):
        return partial
    try:
        return jiter.from_json(partial.encode(), partial_mode="trailing-strings")
    except ValueError:
        return {}


def _chunks(text: str, size: int = 16) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _quote_list(values: list[str]) -> str:
    """'a', 'b', and 'c' — the way OpenAI lists allowed values."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + f", and {quoted[-1]}"


# --------------------------------------------------------------------------------------------
# Anthropic: kinds, validation, rendering
# --------------------------------------------------------------------------------------------

ANTHROPIC_FIELDS = frozenset(
    {
        "model", "max_tokens", "messages", "system", "metadata", "stop_sequences", "stream",
        "temperature", "top_k", "top_p", "tools", "tool_choice", "thinking", "service_tier",
        "output_config", "container", "cache_control", "inference_geo", "speed", "diagnostics",
        "user_profile_id", "workspace_id", "mcp_servers",
    }
)  # fmt: skip
# API version 2026-10-21 (sent by anthropic>=2.0) removed the sampling parameters: any of them,
# even at its default value, is now an "Extra inputs are not permitted" 400.
_SAMPLING_FIELDS = ("temperature", "top_p", "top_k")
_SAMPLING_REMOVED_IN = "2026-10-21"
_ANTHROPIC_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_TOOL_CHOICE_TYPES = ("auto", "any", "tool", "none")
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def _anthropic_forced_tool(body: Any) -> str | None:
    """The tool the request forces or offers alone: what a structured reply must call."""
    if not isinstance(body, dict):
        return None
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        name = choice.get("name")
        return name if isinstance(name, str) else None
    tools = body.get("tools")
    if isinstance(tools, list) and len(tools) == 1 and isinstance(tools[0], dict):
        name = tools[0].get("name")
        return name if isinstance(name, str) else None
    return None


def anthropic_kind(body: Any) -> str:
    return _anthropic_forced_tool(body) or "text"


def _anthropic_reply_tool(body: dict[str, Any]) -> str | None:
    """Which tool a structured reply calls; None means answer with text instead."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "none":
        return None
    name = _anthropic_forced_tool(body)
    tools = body.get("tools")
    if name is None and isinstance(choice, dict) and choice.get("type") == "any" and tools:
        name = tools[0].get("name")  # "any" must call some tool: the first will do
    return name


def _anthropic_error_body(status: int, message: str, request_id: str) -> dict[str, Any]:
    err_type = _ANTHROPIC_ERROR_TYPES.get(
        status, "api_error" if status >= 500 else "invalid_request_error"
    )
    return {
        "type": "error",
        "error": {"type": err_type, "message": message},
        "request_id": request_id,
    }


def _check_anthropic_auth(headers: Mapping[str, str]) -> None:
    if headers.get("x-api-key", "").strip():
        return
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return
    raise Rejection("x-api-key header is required (or Authorization: Bearer <key>)", 401)


def _check_anthropic_text_block(block: dict[str, Any], path: str) -> None:
    text = block.get("text")
    if not isinstance(text, str):
        raise Rejection(
            f"{path}.text: Field required"
            if text is None
            else f"{path}.text: Input should be a valid string"
        )
    if not text:
        raise Rejection(f"{path.split('.')[0]}: text content blocks must be non-empty")


def _check_anthropic_messages(messages: Any, version: str) -> None:
    if not isinstance(messages, list):
        raise Rejection("messages: Input should be a valid list")
    if not messages:
        raise Rejection("messages: at least one message is required")
    new_rules = version >= _SAMPLING_REMOVED_IN
    for i, message in enumerate(messages):
        path = f"messages.{i}"
        if not isinstance(message, dict):
            raise Rejection(f"{path}: Input should be a valid dictionary")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise Rejection(f"{path}.role: Input should be 'user' or 'assistant'")
        if "content" not in message:
            raise Rejection(f"{path}.content: Field required")
        content = message["content"]
        final_assistant = i == len(messages) - 1 and role == "assistant"
        if content in ("", []) and not final_assistant:
            raise Rejection(
                f"{path}: all messages must have non-empty content except for the optional "
                "final assistant message"
            )
        if isinstance(content, str):
            continue
        if not isinstance(content, list):
            raise Rejection(f"{path}.content: Input should be a valid string or a valid list")
        for j, block in enumerate(content):
            block_path = f"{path}.content.{j}"
            if not isinstance(block, dict) or "type" not in block:
                raise Rejection(f"{block_path}: Unable to extract tag using discriminator 'type'")
            if block["type"] == "text":
                _check_anthropic_text_block(block, block_path)
                if new_rules and role == "user" and block.get("citations"):
                    raise Rejection(
                        f"{block_path}.citations: text blocks in user messages may not carry "
                        "citations"
                    )
            elif block["type"] == "document" and role == "assistant" and new_rules:
                raise Rejection(
                    f"{block_path}: document blocks are not permitted in assistant messages"
                )
    if messages[0].get("role") != "user":
        raise Rejection('messages: first message must use the "user" role')
    last = messages[-1]
    if last["role"] == "assistant":  # a prefill: the model continues right after it
        content = last["content"]
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        tail = blocks[-1].get("text") if blocks and blocks[-1].get("type") == "text" else None
        if tail and tail != tail.rstrip():
            raise Rejection("messages: final assistant content cannot end with trailing whitespace")


def _check_anthropic_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    names: list[str] = []
    if tools is not None:
        if not isinstance(tools, list):
            raise Rejection("tools: Input should be a valid list")
        for i, tool in enumerate(tools):
            if not isinstance(tool, dict):
                raise Rejection(f"tools.{i}: Input should be a valid dictionary")
            name = tool.get("name")
            if tool.get("type") not in (None, "custom"):
                # A server tool (web_search_20250305, bash_…): the API checks its own shape.
                if isinstance(name, str):
                    names.append(name)
                continue
            path = f"tools.{i}.custom"
            if not isinstance(name, str) or not _ANTHROPIC_TOOL_NAME.match(name):
                if name is None:
                    raise Rejection(f"{path}.name: Field required")
                raise Rejection(
                    f"{path}.name: String should match pattern '{_ANTHROPIC_TOOL_NAME.pattern}'"
                )
            schema = tool.get("input_schema")
            if schema is None:
                raise Rejection(f"{path}.input_schema: Field required")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise Rejection(f"{path}.input_schema.type: Input should be 'object'")
            names.append(name)
        if len(set(names)) != len(names):
            raise Rejection("tools: Tool names must be unique.")

    choice = body.get("tool_choice")
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in _TOOL_CHOICE_TYPES:
        tag = choice.get("type") if isinstance(choice, dict) else choice
        raise Rejection(
            f"tool_choice: Input tag '{tag}' found using 'type' does not match any of the "
            "expected tags: 'auto', 'any', 'tool', 'none'"
        )
    if not tools:
        raise Rejection("tool_choice may only be specified while providing tools.")
    if choice["type"] == "tool":
        name = choice.get("name")
        if not isinstance(name, str):
            raise Rejection("tool_choice.tool.name: Field required")
        if name not in names:
            raise Rejection(f"tool_choice: tool '{name}' is not present in tools")


def _check_anthropic_thinking(body: dict[str, Any]) -> None:
    thinking = body.get("thinking")
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "adaptive"):
        return
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        raise Rejection("Thinking may not be enabled when tool_choice forces tool use.")
    if thinking["type"] == "enabled":
        budget = thinking.get("budget_tokens")
        if not _is_int(budget) or budget < 1024:
            raise Rejection(
                "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
            )
        if _is_int(body.get("max_tokens")) and body["max_tokens"] <= budget:
            raise Rejection("`max_tokens` must be greater than `thinking.budget_tokens`.")


def validate_anthropic(headers: Mapping[str, str], body: Any) -> None:
    """Raise ``Rejection`` for what POST /v1/messages would refuse."""
    _check_anthropic_auth(headers)
    version = headers.get("anthropic-version")
    if not version:
        raise Rejection("anthropic-version: header is required")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", version):
        raise Rejection(f"anthropic-version: invalid version {version!r}")
    if not isinstance(body, dict):
        raise Rejection(
            "There was an error parsing the body of your request: expected a JSON object"
        )

    sampling_removed = version >= _SAMPLING_REMOVED_IN
    extra = [
        key
        for key in body
        if key not in ANTHROPIC_FIELDS or (sampling_removed and key in _SAMPLING_FIELDS)
    ]
    if extra:
        raise Rejection(f"{extra[0]}: Extra inputs are not permitted")

    model = body.get("model")
    if model is None:
        raise Rejection("model: Field required")
    if not isinstance(model, str) or not model:
        raise Rejection("model: Input should be a valid string")
    if "max_tokens" not in body:
        raise Rejection("max_tokens: Field required")
    max_tokens = body["max_tokens"]
    if not _is_int(max_tokens):
        raise Rejection("max_tokens: Input should be a valid integer")
    # 0 is valid: it pre-warms the prompt cache without generating (documented since 2.x).
    if max_tokens < 0:
        raise Rejection("max_tokens: Input should be greater than or equal to 0")
    if "messages" not in body:
        raise Rejection("messages: Field required")
    _check_anthropic_messages(body["messages"], version)

    system = body.get("system")
    if isinstance(system, list):
        for j, block in enumerate(system):
            if isinstance(block, dict) and block.get("type") == "text":
                _check_anthropic_text_block(block, f"system.{j}")
    elif system is not None and not isinstance(system, str):
        raise Rejection("system: Input should be a valid string or a valid list")

    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is None:
            continue
        if not _is_number(value):
            raise Rejection(f"{name}: Input should be a valid number")
        if not 0 <= value <= 1:
            bound = "less than or equal to 1" if value > 1 else "greater than or equal to 0"
            raise Rejection(f"{name}: Input should be {bound}")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise Rejection("stream: Input should be a valid boolean")

    _check_anthropic_tools(body)
    _check_anthropic_thinking(body)


def _anthropic_input_tokens(body: dict[str, Any]) -> int:
    return _tokens([body.get("system"), body.get("messages"), body.get("tools")])


def _anthropic_message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The non-streaming Message for a success-shaped reply."""
    tool = _anthropic_reply_tool(body)
    stop_details: dict[str, Any] | None = None
    content: list[dict[str, Any]]
    if reply.shape == "structured" and tool:
        content = [
            {"type": "tool_use", "id": _rand_id("toolu_01"), "name": tool, "input": reply.value}
        ]
        stop_reason = "tool_use"
    elif reply.shape == "structured":
        # No tool to call (e.g. output_config.format): structured output arrives as JSON text.
        content = [{"type": "text", "text": json.dumps(reply.value)}]
        stop_reason = "end_turn"
    elif reply.shape == "text":
        content = [{"type": "text", "text": reply.value}]
        stop_reason = "end_turn"
    elif reply.shape == "truncated" and tool:
        content = [
            {
                "type": "tool_use",
                "id": _rand_id("toolu_01"),
                "name": tool,
                "input": _partial_input(reply.value),
            }
        ]
        stop_reason = "max_tokens"
    elif reply.shape == "truncated":
        content = [{"type": "text", "text": _cut_json(reply.value)}]
        stop_reason = "max_tokens"
    elif reply.shape == "refusal":
        content = [{"type": "text", "text": reply.value}]
        stop_reason = "refusal"
        stop_details = {"type": "refusal", "category": None, "explanation": None}
    else:  # empty
        content = []
        stop_reason = "end_turn"

    output_tokens = _tokens([block.get("text") or block.get("input") for block in content])
    if stop_reason == "max_tokens":
        output_tokens = body["max_tokens"]
    return {
        "id": _rand_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "stop_details": stop_details,
        "usage": {
            "input_tokens": _anthropic_input_tokens(body),
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "service_tier": "standard",
        },
    }


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _anthropic_stream_events(message: dict[str, Any], reply: Reply) -> list[bytes]:
    """The SSE sequence that accumulates to ``message``, in the API's order: message_start
    (usage with the input and a first output token), each block's content_block_start, deltas
    and content_block_stop (a tool's input as ``input_json_delta`` pieces, the first one
    empty), a ``ping`` after the first block opens (or after message_start when there is none),
    message_delta with the stop reason and the usage's totals, and message_stop."""
    start = {**message, "content": [], "stop_reason": None, "stop_details": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    ping = _sse("ping", {"type": "ping"})
    events = [_sse("message_start", {"type": "message_start", "message": start})]
    if not message["content"]:
        events.append(ping)
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            opening = {**block, "input": {}}
            raw = (
                _cut_json(reply.value) if reply.shape == "truncated" else json.dumps(block["input"])
            )
            parts = ["", *_chunks(raw)]
            deltas = [{"type": "input_json_delta", "partial_json": part} for part in parts]
        else:
            opening = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": part} for part in _chunks(block["text"])]
        events.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": opening},
            )
        )
        if index == 0:
            events.append(ping)
        for delta in deltas:
            events.append(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    delta = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": None,
        "stop_details": message["stop_details"],
    }
    usage = message["usage"]
    totals = {
        key: usage[key]
        for key in (
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
        )
    }
    events.append(_sse("message_delta", {"type": "message_delta", "delta": delta, "usage": totals}))
    events.append(_sse("message_stop", {"type": "message_stop"}))
    return events


def _anthropic_stream_error(status: int, message: str) -> bytes:
    """An error inside a stream that had begun: ``event: error`` with the error's type."""
    error_type = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
    return _sse("error", {"type": "error", "error": {"type": error_type, "message": message}})


# --------------------------------------------------------------------------------------------
# OpenAI: kinds, validation, rendering
# --------------------------------------------------------------------------------------------

OPENAI_FIELDS = frozenset(
    {
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n",
        "stream", "stream_options", "stop", "presence_penalty", "frequency_penalty",
        "logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice",
        "parallel_tool_calls", "response_format", "reasoning_effort", "metadata", "store",
        "service_tier", "modalities", "prediction", "audio", "web_search_options", "verbosity",
        "safety_identifier", "prompt_cache_key",
        # Also accepted by the real API (they are in openai 3.x's create() signature).
        "functions", "function_call", "moderation", "prompt_cache_options",
        "prompt_cache_retention",
    }
)  # fmt: skip
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "gpt-6")
_OPENAI_ROLES = ["system", "assistant", "user", "function", "tool", "developer"]
_OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Documented as unsupported in strict Structured Outputs (plus oneOf, which the API reports as
# "'oneOf' is not permitted"). Everything else is let through: when unsure, do not reject.
_STRICT_FORBIDDEN = (
    "allOf",
    "oneOf",
    "not",
    "dependentRequired",
    "dependentSchemas",
    "if",
    "then",
    "else",
)
_OPENAI_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}


def openai_kind(body: Any) -> str:
    if isinstance(body, dict):
        fmt = body.get("response_format")
        if isinstance(fmt, dict) and isinstance(fmt.get("json_schema"), dict):
            name = fmt["json_schema"].get("name")
            if isinstance(name, str) and name:
                return name
    return "text"


def _openai_error_body(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    err_type, default_code = _OPENAI_ERROR_TYPES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {
        "error": {
            "message": message,
            "type": err_type,
            "param": param,
            "code": code or default_code,
        }
    }


def _is_reasoning_model(model: str) -> bool:
    return model.startswith(_REASONING_PREFIXES)


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _check_openai_messages(messages: Any) -> None:
    if messages is None:
        raise Rejection(
            "Missing required parameter: 'messages'.",
            param="messages",
            code="missing_required_parameter",
        )
    if not isinstance(messages, list):
        raise Rejection(
            "Invalid type for 'messages': expected an array.", param="messages", code="invalid_type"
        )
    if not messages:
        raise Rejection(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
            "empty array instead.",
            param="messages",
            code="empty_array",
        )
    pending: list[str] = []  # tool_call ids of the last assistant turn not answered yet
    for i, message in enumerate(messages):
        path = f"messages[{i}]"
        if not isinstance(message, dict):
            raise Rejection(
                f"Invalid type for '{path}': expected an object.", param=path, code="invalid_type"
            )
        role = message.get("role")
        if role not in _OPENAI_ROLES:
            raise Rejection(
                f"Invalid value: '{role}'. Supported values are: {_quote_list(_OPENAI_ROLES)}.",
                param=f"{path}.role",
                code="invalid_value",
            )
        tool_calls = message.get("tool_calls") if role == "assistant" else None
        if message.get("content") is None and not tool_calls and not message.get("function_call"):
            raise Rejection(
                f"Missing required parameter: '{path}.content'.",
                param=f"{path}.content",
                code="missing_required_parameter",
            )
        if role == "tool":
            if message.get("tool_call_id") not in pending:
                raise Rejection(
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"{path}.role",
                )
            pending.remove(message["tool_call_id"])
            continue
        if pending:
            raise Rejection(
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(pending)}",
                param="messages",
            )
        pending = [call.get("id") for call in tool_calls or [] if isinstance(call, dict)]
    if pending:
        raise Rejection(
            "An assistant message with 'tool_calls' must be followed by tool messages responding "
            "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
            + ", ".join(pending),
            param="messages",
        )


def _strict_schema_problem(node: Any, context: tuple[str, ...], root: bool = False) -> str | None:
    """The first way ``node`` breaks the strict Structured Outputs subset, or None."""
    if not isinstance(node, dict):
        return None
    where = f"In context={context!r}, "
    if root and (node.get("type") != "object" or "anyOf" in node):
        got = "anyOf" if "anyOf" in node else node.get("type")
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'."
    for keyword in _STRICT_FORBIDDEN:
        if keyword in node:
            return f"{where}'{keyword}' is not permitted."
    types = node.get("type")
    is_object = (
        types == "object" or (isinstance(types, list) and "object" in types) or "properties" in node
    )
    if is_object:
        if node.get("additionalProperties") is not False:
            return f"{where}'additionalProperties' is required to be supplied and to be false."
        properties = node.get("properties") or {}
        required = node.get("required")
        if properties or required is not None:
            if not isinstance(required, list):
                return (
                    f"{where}'required' is required to be supplied and to be an array including "
                    "every key in properties."
                )
            missing = [key for key in properties if key not in required]
            if missing:
                return (
                    f"{where}'required' is required to be supplied and to be an array including "
                    f"every key in properties. Missing '{missing[0]}'."
                )
            extra = [key for key in required if key not in properties]
            if extra:
                return f"{where}Extra required key '{extra[0]}' supplied."
        for key, child in properties.items():
            if problem := _strict_schema_problem(child, (*context, "properties", key)):
                return problem
    children: list[tuple[Any, tuple[str, ...]]] = []
    items = node.get("items")
    if isinstance(items, dict):
        children.append((items, (*context, "items")))
    for key in ("anyOf", "prefixItems"):
        for index, child in enumerate(node.get(key) or []):
            children.append((child, (*context, key, str(index))))
    for key in ("$defs", "definitions"):
        defs = node.get(key)
        if isinstance(defs, dict):
            children.extend((child, (*context, key, name)) for name, child in defs.items())
    for child, child_context in children:
        if problem := _strict_schema_problem(child, child_context):
            return problem
    return None


def _check_openai_response_format(body: dict[str, Any]) -> None:
    fmt = body.get("response_format")
    if fmt is None:
        return
    formats = ["text", "json_object", "json_schema"]
    if not isinstance(fmt, dict) or fmt.get("type") not in formats:
        got = fmt.get("type") if isinstance(fmt, dict) else fmt
        raise Rejection(
            f"Invalid value: '{got}'. Supported values are: {_quote_list(formats)}.",
            param="response_format.type",
            code="invalid_value",
        )
    if fmt["type"] == "json_object":
        if not any("json" in _message_text(m.get("content")).lower() for m in body["messages"]):
            raise Rejection(
                "'messages' must contain the word 'json' in some form, to use 'response_format' of "
                "type 'json_object'.",
                param="messages",
            )
        return
    if fmt["type"] != "json_schema":
        return
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict):
        raise Rejection(
            "Missing required parameter: 'response_format.json_schema'.",
            param="response_format.json_schema",
            code="missing_required_parameter",
        )
    name = spec.get("name")
    if not isinstance(name, str) or not _OPENAI_NAME.match(name):
        raise Rejection(
            "Invalid 'response_format.json_schema.name': string does not match pattern. Expected a "
            f"string that matches the pattern '{_OPENAI_NAME.pattern}'.",
            param="response_format.json_schema.name",
            code="invalid_value",
        )
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise Rejection(
            "Missing required parameter: 'response_format.json_schema.schema'.",
            param="response_format.json_schema.schema",
            code="missing_required_parameter",
        )
    if spec.get("strict") is True and (problem := _strict_schema_problem(schema, (), root=True)):
        raise Rejection(
            f"Invalid schema for response_format '{name}': {problem}",
            param="response_format",
            code="invalid_json_schema",
        )


def _check_openai_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    if tools is None:
        if body.get("tool_choice") is not None:
            raise Rejection(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
                "specified.",
                param="tool_choice",
            )
        return
    if not isinstance(tools, list):
        raise Rejection(
            "Invalid type for 'tools': expected an array.", param="tools", code="invalid_type"
        )
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue  # custom/hosted tools are checked by the API in ways we do not model
        function = tool.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str) or not _OPENAI_NAME.match(name):
            raise Rejection(
                f"Invalid 'tools[{i}].function.name': string does not match pattern. Expected a "
                f"string that matches the pattern '{_OPENAI_NAME.pattern}'.",
                param=f"tools[{i}].function.name",
                code="invalid_value",
            )
        assert isinstance(function, dict)  # a valid name implies a function object
        parameters = function.get("parameters")
        strict = function.get("strict") is True and isinstance(parameters, dict)
        if strict and (problem := _strict_schema_problem(parameters, (), root=True)):
            raise Rejection(
                f"Invalid schema for function '{name}': {problem}",
                param=f"tools[{i}].function.parameters",
                code="invalid_function_parameters",
            )


def validate_openai(headers: Mapping[str, str], body: Any) -> None:
    """Raise ``Rejection`` for what POST /v1/chat/completions would refuse."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Rejection(
            "You didn't provide an API key. You need to provide your API key in an Authorization "
            "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            401,
        )
    if not isinstance(body, dict):
        raise Rejection(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
            "using your HTTP library correctly.)"
        )
    unknown = [key for key in body if key not in OPENAI_FIELDS]
    if len(unknown) == 1:
        raise Rejection(f"Unrecognized request argument supplied: {unknown[0]}")
    if unknown:
        raise Rejection(f"Unrecognized request arguments supplied: {', '.join(unknown)}")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Rejection("you must provide a model parameter")
    _check_openai_messages(body.get("messages"))

    reasoning = _is_reasoning_model(model)
    if body.get("max_tokens") is not None:
        if reasoning:
            raise Rejection(
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                "'max_completion_tokens' instead.",
                param="max_tokens",
                code="unsupported_parameter",
            )
        if body.get("max_completion_tokens") is not None:
            raise Rejection(
                "Invalid request: 'max_tokens' and 'max_completion_tokens' cannot both be set. "
                "Use 'max_completion_tokens'.",
                param="max_tokens",
                code="invalid_value",
            )
    temperature = body.get("temperature")
    if temperature is not None:
        if not _is_number(temperature) or not 0 <= temperature <= 2:
            raise Rejection(
                f"Invalid 'temperature': expected a number between 0 and 2, but got {temperature}.",
                param="temperature",
                code="invalid_value",
            )
        if reasoning and temperature != 1:
            raise Rejection(
                f"Unsupported value: 'temperature' does not support {temperature} with this model. "
                "Only the default (1) value is supported.",
                param="temperature",
                code="unsupported_value",
            )
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise Rejection(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
            code="invalid_value",
        )
    _check_openai_response_format(body)
    _check_openai_tools(body)


def _openai_message(reply: Reply) -> tuple[str | None, str | None, str]:
    """(content, refusal, finish_reason) for a success-shaped reply."""
    if reply.shape == "structured":
        return json.dumps(reply.value), None, "stop"
    if reply.shape == "text":
        return reply.value, None, "stop"
    if reply.shape == "truncated":
        return _cut_json(reply.value), None, "length"
    if reply.shape == "refusal":
        return None, reply.value, "stop"
    return "", None, "stop"  # empty


def _openai_usage(
    body: dict[str, Any], content: str | None, refusal: str | None, finish: str
) -> dict[str, Any]:
    prompt = _tokens(body["messages"])
    completion = _tokens(content or refusal or "")
    if finish == "length":
        completion = body.get("max_completion_tokens") or body.get("max_tokens") or completion
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _openai_completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    content, refusal, finish = _openai_message(reply)
    return {
        "id": _rand_id("chatcmpl-", 29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": refusal,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": _openai_usage(body, content, refusal, finish),
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def _openai_stream_events(body: dict[str, Any], reply: Reply) -> list[bytes]:
    """The chunks of a streamed completion: a first delta with the role, content (or refusal)
    deltas, a chunk with the finish_reason and an empty delta, then, with
    ``stream_options.include_usage``, a last chunk whose ``choices`` is empty and which alone
    has usage (every other chunk says ``usage: null``), and ``data: [DONE]``. Delta chunks
    carry an ``obfuscation`` string unless ``stream_options.include_obfuscation`` is false."""
    content, refusal, finish = _openai_message(reply)
    options = body.get("stream_options") or {}
    include_usage = bool(options.get("include_usage"))
    obfuscate = options.get("include_obfuscation", True) is not False
    base: dict[str, Any] = {
        "id": _rand_id("chatcmpl-", 29),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }
    if include_usage:
        base["usage"] = None  # every chunk but the last carries usage: null

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        data = {**base, "choices": [choice]}
        if obfuscate:
            data["obfuscation"] = _rand_id("", 2 + secrets.randbelow(12))
        return f"data: {json.dumps(data)}\n\n".encode()

    events = [
        chunk({"role": "assistant", "content": "" if refusal is None else None, "refusal": None})
    ]
    if refusal is not None:
        events += [chunk({"refusal": part}) for part in _chunks(refusal)]
    elif content:
        events += [chunk({"content": part}) for part in _chunks(content)]
    events.append(chunk({}, finish))
    if include_usage:
        final = {**base, "choices": [], "usage": _openai_usage(body, content, refusal, finish)}
        events.append(f"data: {json.dumps(final)}\n\n".encode())
    events.append(b"data: [DONE]\n\n")
    return events


def _openai_stream_error(status: int, message: str) -> bytes:
    """An error inside a stream that had begun: a data chunk holding only an ``error``."""
    return f"data: {json.dumps(_openai_error_body(status, message))}\n\n".encode()


def _content_deltas(events: list[bytes]) -> list[int]:
    """The indexes of the events that carry content: where a stream may be cut short."""
    found = []
    for index, event in enumerate(events):
        data = event.decode().partition("data: ")[2].strip()
        try:
            parsed = json.loads(data)
        except ValueError:
            continue
        if parsed.get("type") == "content_block_delta":
            found.append(index)
        choices = parsed.get("choices") or [{}]
        delta = choices[0].get("delta") or {}
        if delta.get("content") or delta.get("refusal"):
            found.append(index)
    return found


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeProviders:
    """Both provider APIs on one local port; see the module docstring."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._lock = threading.Lock()
        self._queues: dict[tuple[str, str], deque[Reply]] = {}
        self._defaults: dict[tuple[str, str], Reply] = {}
        self._responder: Responder | None = None
        self._records: list[RecordedRequest] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeProviders:
        if self._thread is not None:
            raise RuntimeError("FakeProviders is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        failures: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve,
            args=(sock, ready, failures),
            name=f"fake-providers:{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(timeout=10) or failures:
            self._thread = None
            sock.close()
            cause = failures[0] if failures else None
            raise RuntimeError("the fake provider server did not start") from cause
        return self

    def stop(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = None

    def __enter__(self) -> FakeProviders:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(
        self, sock: socket.socket, ready: threading.Event, failures: list[BaseException]
    ) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._closing = asyncio.Event()
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/v1/messages", self._handle_anthropic)
            app.router.add_post("/v1/chat/completions", self._handle_openai)
            app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
            # handler_cancellation: a client that gives up (timeout) cancels its handler.
            runner = web.AppRunner(
                app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
            )
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, sock).start())
            self._runner, self._loop = runner, loop
        except BaseException as exc:
            failures.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()  # wakes every latency/hang sleep
        if self._runner is not None:
            await self._runner.cleanup()

    async def _sleep(self, seconds: float) -> bool:
        """Sleep without blocking the loop; True if the server began shutting down meanwhile."""
        if seconds <= 0:
            return False
        assert self._closing is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)
            return True
        return False

    # ---- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeProviders is not started")
        return self._port

    @property
    def anthropic_base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return f"http://{self._host}:{self.port}/v1"

    def env(self) -> dict[str, str]:
        """Environment variables that point both SDKs (or a child process) at the fake.

        They also turn the repair round off: most tests' scripts hold no `submit_revision`
        reply. A test of revisions sets COUNTERPOINT_REPAIR_ROUNDS itself, or removes it to
        get the default."""
        return {
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "OPENAI_BASE_URL": self.openai_base_url,
            "ANTHROPIC_API_KEY": ANTHROPIC_TEST_KEY,
            "OPENAI_API_KEY": OPENAI_TEST_KEY,
            "COUNTERPOINT_REPAIR_ROUNDS": "0",
        }

    # ---- scripting -------------------------------------------------------------------------

    @staticmethod
    def _key(provider: str, kind: str, reply: Reply | None = None) -> tuple[str, str]:
        if provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {PROVIDERS}, not {provider!r}")
        if reply is not None and not isinstance(reply, Reply):
            raise TypeError(f"expected a Reply, got {type(reply).__name__}")
        return provider, kind

    def script(self, provider: str, kind: str, reply: Reply, latency: float | None = None) -> None:
        """Queue ``reply`` for the next (provider, kind) request; queues are FIFO."""
        key = self._key(provider, kind, reply)
        if latency is not None:
            reply = reply.delayed(latency)
        with self._lock:
            self._queues.setdefault(key, deque()).append(reply)

    def default(self, provider: str, kind: str, reply: Reply, latency: float | None = None) -> None:
        """Answer every (provider, kind) request with ``reply`` once its queue is empty."""
        key = self._key(provider, kind, reply)
        if latency is not None:
            reply = reply.delayed(latency)
        with self._lock:
            self._defaults[key] = reply

    def respond_with(self, fn: Responder | None) -> None:
        """Consult ``fn(provider, kind, body)`` when the queue is empty, before the default.

        It runs on the server thread; return None to fall through to the default.
        """
        with self._lock:
            self._responder = fn

    def reset(self) -> None:
        """Forget scripts, defaults, the responder and every record."""
        with self._lock:
            self._queues.clear()
            self._defaults.clear()
            self._responder = None
            self._records.clear()

    @property
    def pending(self) -> dict[str, int]:
        """Scripted replies not yet consumed, by "provider/kind" (empty queues left out)."""
        with self._lock:
            return {f"{p}/{k}": len(q) for (p, k), q in self._queues.items() if q}

    # ---- records ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Copies of every request so far, in arrival order."""
        with self._lock:
            return [dataclasses.replace(record) for record in self._records]

    @property
    def accepted(self) -> list[RecordedRequest]:
        """Requests that passed validation (whatever reply they then got)."""
        return [record for record in self.requests if record.valid]

    @property
    def rejected(self) -> list[RecordedRequest]:
        """Requests refused the way the real API would refuse them (bad auth, 400, 404)."""
        return [record for record in self.requests if not record.valid]

    def _update(self, record: RecordedRequest, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(record, name, value)

    # ---- request handling ------------------------------------------------------------------

    def _choose(self, provider: str, kind: str, body: Any) -> tuple[Reply | None, str | None]:
        """The reply for an accepted request, or (None, why not)."""
        with self._lock:
            queue = self._queues.get((provider, kind))
            if queue:
                return queue.popleft(), None
            responder = self._responder
            fallback = self._defaults.get((provider, kind))
        if responder is not None:
            try:
                reply = responder(provider, kind, body)
            except Exception as exc:
                return None, f"fake: respond_with raised {exc!r}"
            if reply is not None:
                return reply, None
        if fallback is not None:
            return fallback, None
        return None, f"fake: no scripted reply for {provider}/{kind}"

    async def _handle_anthropic(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, "anthropic")

    async def _handle_openai(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, "openai")

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        headers = {key.lower(): value for key, value in request.headers.items()}
        anthropic = "anthropic-version" in headers or "x-api-key" in headers
        provider = "anthropic" if anthropic else "openai"
        reason = f"Not found: {request.method} {request.path}"
        record = RecordedRequest(
            provider,
            "text",
            request.path,
            headers,
            None,
            time.monotonic(),
            status=404,
            reason=reason,
        )
        if anthropic:
            response = self._error_response("anthropic", Rejection("Not Found", 404))
        else:
            message = f"Invalid URL ({request.method} {request.path})"
            response = self._error_response("openai", Rejection(message, 404))
        record.finished_at = time.monotonic()
        with self._lock:
            self._records.append(record)
        return response

    async def _handle(self, request: web.Request, provider: Provider) -> web.StreamResponse:
        headers = {key.lower(): value for key, value in request.headers.items()}
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        kind = anthropic_kind(body) if provider == "anthropic" else openai_kind(body)
        record = RecordedRequest(provider, kind, request.path, headers, body, time.monotonic())
        with self._lock:
            self._records.append(record)
        try:
            return await self._respond(request, provider, kind, headers, body, record)
        except asyncio.CancelledError:
            self._update(record, reason=record.reason or "client disconnected")
            raise
        finally:
            self._update(record, finished_at=time.monotonic())

    async def _respond(
        self,
        request: web.Request,
        provider: Provider,
        kind: str,
        headers: dict[str, str],
        body: Any,
        record: RecordedRequest,
    ) -> web.StreamResponse:
        try:
            if provider == "anthropic":
                validate_anthropic(headers, body)
            else:
                validate_openai(headers, body)
        except Rejection as rejection:
            self._update(record, status=rejection.status, reason=rejection.message)
            return self._error_response(provider, rejection)
        self._update(record, valid=True)

        if provider == "anthropic" and body["max_tokens"] == 0:
            # Cache pre-warming: the API generates nothing, so no script is consumed.
            reply = Reply.empty()
            message = _anthropic_message(body, reply)
            message.update(stop_reason="max_tokens", usage={**message["usage"], "output_tokens": 0})
            self._update(record, status=200)
            if body.get("stream") is True:
                events = _anthropic_stream_events(message, reply)
                return await self._stream(request, provider, events)
            return web.json_response(message, headers=self._id_headers(provider))

        reply, why_not = self._choose(provider, kind, body)
        if reply is None:
            assert why_not is not None
            self._update(record, status=500, reason=why_not)
            return self._error_response(provider, Rejection(why_not, 500))
        if await self._sleep(reply.latency):
            return self._drop(request, record, "server shutting down")

        streaming = body.get("stream") is True
        if reply.shape == "error" or (reply.cut == "error" and not streaming):
            self._update(record, status=reply.status)
            return self._error_reply(provider, reply)
        if reply.cut == "stall" and not streaming:
            reply = Reply.hang(reply.stall_s)
        if reply.shape == "reset":
            return self._drop(request, record, None)
        if reply.shape == "hang":
            interrupted = await self._sleep(float(reply.value))
            return self._drop(
                request, record, "server shutting down" if interrupted else "hang elapsed"
            )
        self._update(record, status=200)
        if reply.shape == "malformed":
            if streaming:
                broken = (
                    b"event: message_start\ndata: {oops\n\n"
                    if provider == "anthropic"
                    else b'data: {"id": "broken", "choices": [\n\n'
                )
                return await self._stream(request, provider, [broken])
            payload = (
                b'{"id": "broken", "choices": [' if provider == "openai" else b'{"id": "msg_01'
            )
            return web.Response(
                body=payload, content_type="application/json", headers=self._id_headers(provider)
            )

        if provider == "anthropic":
            message = _anthropic_message(body, reply)
            if streaming:
                events = _anthropic_stream_events(message, reply)
                return await self._stream(request, provider, events, reply, record)
            return web.json_response(message, headers=self._id_headers(provider))
        if streaming:
            events = _openai_stream_events(body, reply)
            return await self._stream(request, provider, events, reply, record)
        return web.json_response(
            _openai_completion(body, reply), headers=self._id_headers(provider)
        )

    @staticmethod
    def _id_headers(provider: str) -> dict[str, str]:
        if provider == "anthropic":
            return {"request-id": _rand_id("req_011C")}
        return {"x-request-id": _rand_id("req_", 32), "openai-processing-ms": "1"}

    def _error_response(self, provider: str, rejection: Rejection) -> web.Response:
        headers = self._id_headers(provider)
        if provider == "anthropic":
            body = _anthropic_error_body(rejection.status, rejection.message, headers["request-id"])
        else:
            body = _openai_error_body(
                rejection.status, rejection.message, param=rejection.param, code=rejection.code
            )
        return web.json_response(body, status=rejection.status, headers=headers)

    def _error_reply(self, provider: str, reply: Reply) -> web.Response:
        message = reply.message or {
            429: "Number of request tokens has exceeded your per-minute rate limit",
            500: "Internal server error",
            529: "Overloaded",
        }.get(reply.status, f"fake error {reply.status}")
        response = self._error_response(provider, Rejection(message, reply.status))
        if reply.retry_after is not None:
            response.headers["retry-after"] = _fmt_seconds(reply.retry_after)
            response.headers["retry-after-ms"] = str(int(reply.retry_after * 1000))
        return response

    def _drop(
        self, request: web.Request, record: RecordedRequest, reason: str | None
    ) -> web.Response:
        """Close the connection without answering; aiohttp sends nothing on a closed transport."""
        self._update(record, status=0, reason=reason)
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=204)

    async def _stream(
        self,
        request: web.Request,
        provider: str,
        events: list[bytes],
        reply: Reply | None = None,
        record: RecordedRequest | None = None,
    ) -> web.StreamResponse:
        """Send ``events``, ``reply.pace`` apart; a reply with a ``cut`` stops after its
        ``cut_after`` content deltas, with the provider's in-stream error or a stall."""
        response = web.StreamResponse(
            headers={
                "content-type": "text/event-stream",
                "cache-control": "no-cache",
                **self._id_headers(provider),
            }
        )
        await response.prepare(request)
        pace = reply.pace if reply is not None else 0.0
        cut_at = len(events)
        if reply is not None and reply.cut is not None:
            deltas = _content_deltas(events)
            after_last = deltas[-1] + 1 if deltas else 1
            cut_at = deltas[reply.cut_after] if reply.cut_after < len(deltas) else after_last
        for index, event in enumerate(events[:cut_at]):
            if index and await self._sleep(pace):
                break  # the server is shutting down
            await response.write(event)
        if reply is not None and reply.cut == "error":
            message = reply.message or ("Overloaded" if reply.status == 529 else "Internal error")
            if record is not None:
                self._update(record, reason=f"error mid-stream ({reply.status})")
            failing = _anthropic_stream_error if provider == "anthropic" else _openai_stream_error
            await response.write(failing(reply.status, message))
        elif reply is not None and reply.cut == "stall":
            if record is not None:
                self._update(record, reason="stalled mid-stream")
            await self._sleep(reply.stall_s)
            if request.transport is not None:
                request.transport.abort()
            return response
        await response.write_eof()
        return response


# --------------------------------------------------------------------------------------------
# Manual use: python -m tests.fakes.providers --port 8765 --script replies.json
# --------------------------------------------------------------------------------------------


def load_script(fake: FakeProviders, script: Mapping[str, Any]) -> None:
    """Queue a ``{"provider/kind": [reply spec, ...]}`` mapping; each list's last reply also
    becomes that kind's default, so a long manual session keeps getting answers."""
    for key, specs in script.items():
        provider, sep, kind = key.partition("/")
        if not sep:
            raise ValueError(f"script keys look like 'anthropic/submit_proposal', not {key!r}")
        entries = specs if isinstance(specs, list) else [specs]
        replies = [Reply.from_spec(spec) for spec in entries]
        for reply in replies:
            fake.script(provider, kind, reply)
        if replies:
            fake.default(provider, kind, replies[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.providers",
        description="Serve the fake Anthropic/OpenAI APIs on 127.0.0.1 until killed.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument(
        "--script",
        type=argparse.FileType("r"),
        help='JSON mapping "provider/kind" to replies, e.g. {"anthropic/submit_proposal": '
        '[{"structured": {...}}, {"latency": 0.8, "error": 529}]}; the last reply of each list '
        "keeps answering once the list is used up",
    )
    args = parser.parse_args(argv)

    fake = FakeProviders(port=args.port)
    if args.script is not None:
        with args.script:
            load_script(fake, json.load(args.script))
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with fake:
        for name, value in fake.env().items():
            print(f"export {name}={value}", flush=True)
        print(f"fake providers listening on {fake.anthropic_base_url}", file=sys.stderr, flush=True)
        while not stopped.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
