"""The demo's replay server: both families' recorded replies, answered on 127.0.0.1 in the
streams the real APIs send (Anthropic Messages with tool-input JSON deltas, Chat Completions
chunks with a final usage chunk), so `counterpoint demo` runs through the real SDK clients.

Standard library only: Counterpoint's test dependencies are not needed at run time. A reply is
chosen by which call a request is, never by the order requests arrive: the family by its
endpoint and model, proposal or judgment by its forced tool or schema name, the judged proposal
by the candidate its prompt quotes. The schema, the instruction and the target must be the ones
recorded too, so a prompt or schema that changed is refused with a message saying what no
longer matches, rather than answered with a reply made for something else. Only the demo's own
keys are accepted: a real key sent here would be a bug, and is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from types import TracebackType
from typing import Any

from counterpoint.core.prompts import number_lines

# Clearly not real keys: the demo's clients send these, and the server accepts nothing else.
DEMO_KEYS = {
    "anthropic": "counterpoint-demo-key-not-a-real-anthropic-key",
    "openai": "counterpoint-demo-key-not-a-real-openai-key",
}
PROPOSAL, JUDGMENT = "submit_proposal", "submit_judgment"
CHUNK_CHARS = 24  # about the size of the pieces the APIs stream
EVENT_GAP_S = 0.004  # between events, so the stream is read as it arrives, as a real one is


def schema_fingerprint(schema: Any) -> str:
    """What a recording says its replies were made against; any change to the schema shows."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class RecordedCall:
    voice: str  # "claude", "gpt"
    provider: str  # the wire format: "anthropic", "openai"
    model: str
    kind: str  # the tool or schema name: PROPOSAL or JUDGMENT
    reply: dict[str, Any]  # the object the model submitted
    candidate: str | None = None  # a judgment's: the voice whose proposal it judges


@dataclass(frozen=True)
class Recordings:
    """recordings.json: the sample's selection and instruction, and each recorded call."""

    path: str  # the sample's file, relative to its root
    first_line: int  # 1-based, inclusive
    last_line: int
    instruction: str
    schemas: Mapping[str, str]  # kind -> the fingerprint of the schema recorded against
    models: Mapping[str, str]  # voice -> model
    calls: tuple[RecordedCall, ...]

    @classmethod
    def packaged(cls) -> Recordings:
        text = resources.files(__package__ or "counterpoint.demo").joinpath("recordings.json")
        return cls.from_json(json.loads(text.read_text(encoding="utf-8")))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recordings:
        voices = data["voices"]
        first, last = data["sample"]["lines"]
        return cls(
            path=data["sample"]["path"],
            first_line=int(first),
            last_line=int(last),
            instruction=data["sample"]["instruction"],
            schemas=dict(data["schemas"]),
            models={voice: spec["model"] for voice, spec in voices.items()},
            calls=tuple(
                RecordedCall(
                    voice=call["voice"],
                    provider=voices[call["voice"]]["provider"],
                    model=voices[call["voice"]]["model"],
                    kind=call["kind"],
                    reply=call["reply"],
                    candidate=call.get("candidate"),
                )
                for call in data["calls"]
            ),
        )

    def proposal_of(self, voice: str) -> RecordedCall | None:
        return next((c for c in self.calls if c.voice == voice and c.kind == PROPOSAL), None)


class NoRecording(Exception):
    """A request the recordings do not answer; the message says what did not match."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Request:
    """What of a request decides its reply, in either wire format."""

    provider: str
    key: str
    model: str
    kind: str
    schema: Any
    user: str  # the user message's text
    streamed: bool


def read_request(provider: str, headers: Mapping[str, str], body: Any) -> Request:
    """The parts of an Anthropic Messages or Chat Completions request body the replay uses."""
    if not isinstance(body, dict):
        raise NoRecording("the request body is not a JSON object")
    scheme, _, token = headers.get("authorization", "").partition(" ")
    key = token.strip() if scheme.lower() == "bearer" else headers.get("x-api-key", "")
    messages = _list(body.get("messages"))
    user = "\n".join(
        _text(message.get("content"))
        for message in messages
        if isinstance(message, dict) and message.get("role") == "user"
    )
    kind, schema = "", None
    if provider == "anthropic":
        choice = body.get("tool_choice") or {}
        kind = choice.get("name", "") if isinstance(choice, dict) else ""
        tools = _list(body.get("tools"))
        schema = next(
            (t.get("input_schema") for t in tools if isinstance(t, dict) and t.get("name") == kind),
            None,
        )
    else:
        response_format = body.get("response_format") or {}
        declared = response_format.get("json_schema") if isinstance(response_format, dict) else {}
        if isinstance(declared, dict):
            kind, schema = str(declared.get("name", "")), declared.get("schema")
    return Request(
        provider, key, str(body.get("model", "")), kind, schema, user, body.get("stream") is True
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def recorded_reply(recordings: Recordings, target_code: str, request: Request) -> RecordedCall:
    """The recorded call this request is, or NoRecording saying why there is none."""
    call = f"{request.provider} {request.kind or 'call with no forced tool or schema'}"
    if request.key != DEMO_KEYS.get(request.provider):
        raise NoRecording(
            "only the demo's own key is accepted here, never a real one",
            HTTPStatus.UNAUTHORIZED,
        )
    if not request.streamed:
        raise NoRecording(f"no recorded reply for an unstreamed {call}")
    recorded = [c for c in recordings.calls if c.provider == request.provider]
    if not any(c.kind == request.kind for c in recorded):
        raise NoRecording(f"no recorded reply for {call}")
    fingerprint = schema_fingerprint(request.schema)
    if fingerprint != recordings.schemas.get(request.kind):
        raise NoRecording(
            f"the {request.kind} schema has changed since the demo's replies "
            "were recorded: check that the replies in recordings.json still fit it, then "
            f"record its fingerprint {fingerprint}"
        )
    said = "Instruction: " if request.kind == PROPOSAL else "Instruction given to the author: "
    if (
        said + recordings.instruction not in request.user
        or target_code.rstrip("\n") not in request.user
    ):
        raise NoRecording(
            f"no recorded reply for {call}: its prompt does not quote the "
            "recorded instruction and target"
        )
    recorded = [c for c in recorded if c.kind == request.kind and c.model == request.model]
    if not recorded:
        raise NoRecording(f"no recorded reply for {call} by {request.model!r}")
    if request.kind == JUDGMENT:
        recorded = [c for c in recorded if _quotes_candidate(recordings, c, request.user)]
        if not recorded:
            raise NoRecording(
                f"no recorded reply for {call}: its candidate is none of the "
                "recorded proposals it judges"
            )
    return recorded[0]


def _quotes_candidate(recordings: Recordings, call: RecordedCall, user: str) -> bool:
    proposal = recordings.proposal_of(call.candidate or "")
    return proposal is not None and number_lines(proposal.reply["code"]) in user


def _tokens(payload: Any) -> int:
    """About four characters a token: the usage a reply reports for what was sent and written."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return max(1, math.ceil(len(text) / 4))


def _pieces(text: str) -> list[str]:
    return [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]


def _random_id(prefix: str, length: int = 24) -> str:
    return prefix + secrets.token_urlsafe(length)[:length]


def anthropic_events(call: RecordedCall, body: Mapping[str, Any]) -> Iterator[bytes]:
    """A streamed Message calling the forced tool: message_start, the tool_use block's start,
    its input as input_json_delta pieces (the first one empty), its stop, a message_delta with
    the stop reason and the usage's totals, and message_stop; a ping after the block opens."""
    usage = {
        "input_tokens": _tokens([body.get("system"), body.get("messages"), body.get("tools")]),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": _tokens(call.reply),
    }
    message: dict[str, Any] = {
        "id": _random_id("msg_01"),
        "type": "message",
        "role": "assistant",
        "model": call.model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": 1, "service_tier": "standard"},
    }
    tool_use = {"type": "tool_use", "id": _random_id("toolu_01"), "name": call.kind, "input": {}}
    yield _sse("message_start", {"type": "message_start", "message": message})
    yield _sse(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": tool_use},
    )
    yield _sse("ping", {"type": "ping"})
    for piece in ["", *_pieces(json.dumps(call.reply, ensure_ascii=False))]:
        delta = {"type": "input_json_delta", "partial_json": piece}
        event = {"type": "content_block_delta", "index": 0, "delta": delta}
        yield _sse("content_block_delta", event)
    yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    stopped = {"stop_reason": "tool_use", "stop_sequence": None}
    yield _sse("message_delta", {"type": "message_delta", "delta": stopped, "usage": usage})
    yield _sse("message_stop", {"type": "message_stop"})


def openai_events(call: RecordedCall, body: Mapping[str, Any]) -> Iterator[bytes]:
    """Streamed chat.completion.chunk objects: the role, the JSON content in pieces, the
    finish_reason, then (with stream_options.include_usage) a last chunk with no choices that
    alone carries the usage, and `data: [DONE]`."""
    content = json.dumps(call.reply, ensure_ascii=False, separators=(",", ":"))
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base: dict[str, Any] = {
        "id": _random_id("chatcmpl-", 29),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": call.model,
        "service_tier": "default",
        "system_fingerprint": "fp_counterpoint_demo",
    }
    if include_usage:
        base["usage"] = None

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return _data({**base, "choices": [choice]})

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in _pieces(content):
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    if include_usage:
        prompt, completion = _tokens(body.get("messages")), _tokens(content)
        usage = {
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
        yield _data({**base, "choices": [], "usage": usage})
    yield b"data: [DONE]\n\n"


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _data(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def error_body(provider: str, status: HTTPStatus, message: str) -> dict[str, Any]:
    """The provider's own error shape, so the SDK reads the message as the API's."""
    kind = "authentication_error" if status == HTTPStatus.UNAUTHORIZED else "invalid_request_error"
    if provider == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


ROUTES = {"/v1/messages": "anthropic", "/v1/chat/completions": "openai"}


class ReplayServer:
    """The recorded replies on 127.0.0.1 at an ephemeral port, served from a daemon thread:

        with ReplayServer(Recordings.packaged(), target_code) as replay:
            ...  # Anthropic at replay.anthropic_url, OpenAI at replay.openai_url

    `misses` holds the message of every request it refused."""

    def __init__(self, recordings: Recordings, target_code: str) -> None:
        self.recordings = recordings
        self.target_code = target_code
        self.misses: list[str] = []
        self.answered: list[RecordedCall] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="counterpoint-demo-replay", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def anthropic_url(self) -> str:
        return self.base_url  # the SDK adds /v1/messages

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/v1"  # the SDK adds /chat/completions

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, headers: Mapping[str, str], raw: bytes) -> Iterator[bytes]:
        """The events of the recorded reply to this request, or NoRecording (kept in
        `misses`) saying why there is none."""
        provider = ROUTES.get(path.split("?", 1)[0])
        try:
            if provider is None:
                raise NoRecording(f"nothing is recorded at {path}")
            try:
                body = json.loads(raw)
            except ValueError:
                raise NoRecording("the request body is not JSON") from None
            request = read_request(provider, headers, body)
            call = recorded_reply(self.recordings, self.target_code, request)
        except NoRecording as miss:
            with self._lock:
                self.misses.append(str(miss))
            raise
        with self._lock:
            self.answered.append(call)
        events = anthropic_events if provider == "anthropic" else openai_events
        return events(call, body)


def _handler(replay: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and a chunked stream as the APIs send

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            provider = ROUTES.get(self.path.split("?", 1)[0], "openai")
            try:
                events = replay.answer(self.path, headers, raw)
            except NoRecording as miss:
                message = f"counterpoint demo: {miss}"
                self._json(miss.status, error_body(provider, miss.status, message))
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("content-type", "text/event-stream; charset=utf-8")
            self.send_header("cache-control", "no-cache")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("request-id", _random_id("req_demo_"))
            self.end_headers()
            for event in events:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
                time.sleep(EVENT_GAP_S)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the demo's output is the report."""

    return Handler
