"""JSON-RPC bodies nested deeper than Python's json module decodes (about 1,000 levels).

json.loads raises RecursionError on them; pygls logs it and drops the message, so a request
nested like that (`"params": [[[[…]]]]`) was never answered. Its id sits at the top level, so it
can be found without decoding what is nested: `TooDeep` carries it to the protocol, which
answers with a ParseError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pygls.io_

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_KEY = re.compile(rb"\s*:\s*")


class TooDeep:
    """A message that could not be decoded for its nesting: its id and method where found (a
    message with an id and no method is a client's reply to one of ours)."""

    def __init__(self, request_id: int | str | None, method: str | None) -> None:
        self.id = request_id
        self.method = method


def top_level_fields(body: bytes) -> dict[str, Any]:
    """The outermost object's "id" and "method" where their values are shallow: a scan of
    the tokens that keeps count of the depth, so nesting costs nothing."""
    found: dict[str, Any] = {}
    depth = 0
    for token in _TOKEN.finditer(body):
        text = token.group()
        if text in (b"[", b"{"):
            depth += 1
        elif text in (b"]", b"}"):
            depth -= 1
        elif depth == 1 and text in (b'"id"', b'"method"'):
            separator = _KEY.match(body, token.end())
            if separator is None:
                continue  # a value, not a key
            try:
                value, _ = json.JSONDecoder().raw_decode(
                    body[separator.end() : separator.end() + 1024].decode("utf-8", "replace")
                )
            except (ValueError, RecursionError):
                continue
            found[text.decode().strip('"')] = value
    return found


def _request_id(value: Any) -> int | str | None:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    return None


def loads(body: bytes | str, object_hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    try:
        return json.loads(body, object_hook=object_hook)
    except RecursionError:
        raw = body.encode() if isinstance(body, str) else body
        fields = top_level_fields(raw)
        method = fields.get("method")
        return TooDeep(_request_id(fields.get("id")), method if isinstance(method, str) else None)


class _GuardedJson:
    """What pygls.io_ calls `json`: the json module with a `loads` that survives nesting."""

    def __getattr__(self, name: str) -> Any:
        return getattr(json, name)

    loads = staticmethod(loads)


def install() -> None:
    """pygls decodes every message with its module's `json.loads` and offers no hook before
    that: give that module a json whose loads returns TooDeep instead of raising."""
    pygls.io_.json = _GuardedJson()  # type: ignore[assignment]
