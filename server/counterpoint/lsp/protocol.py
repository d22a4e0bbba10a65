"""pygls' protocol, patched where it leaves a client waiting or a command running; the LSP
errors pygls has no class for; and the log filter that keeps the client's faults from reading as
the server's."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from counterpoint.lsp import nesting

log = logging.getLogger(__name__)


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid but could not be carried out."""

    CODE = -32803


class ContentModified(JsonRpcException):
    """LSP's ContentModified: an edit (or a newer request) made the running check moot."""

    CODE = -32801


class _Unreadable:
    """A message pygls could not turn into its lsprotocol type (params of the wrong shape)."""

    def __init__(self, data: dict[str, Any], reason: str) -> None:
        self.id = data.get("id")
        self.method = data.get("method")
        self.reason = reason


class CounterpointProtocol(LanguageServerProtocol):
    """pygls cancels a workspace/executeCommand request's future but not the coroutine running
    the command, so a $/cancelRequest would let the cross-check run on: cancel it here.

    pygls also leaves a request whose params do not fit its type unanswered (the client waits
    for ever) and chokes on JSON that is not an object: answer the one with InvalidParams and
    ignore the other, with a warning. A request nested too deeply to decode gets a ParseError
    with its id (see nesting.py)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            message = super().structure_message(data)
        except JsonRpcException:
            return _Unreadable(data, f"invalid params for {data.get('method')}")
        if "id" in data and "method" in data and not hasattr(message, "id"):
            return _Unreadable(data, f"{data['method']} is a notification, not a request")
        return message

    def handle_message(self, message: Any) -> None:
        if isinstance(message, nesting.TooDeep):
            reason = "the message is nested too deeply to decode (the limit is about 1,000 levels)"
            log.warning("%s (%s %r)", reason, message.method or "reply", message.id)
            if message.id is None:
                return  # a notification: nothing to answer
            if message.method is not None:
                self._send_response(message.id, None, JsonRpcParseError(reason).to_response_error())
            elif (waiting := self._request_futures.pop(message.id, None)) is not None:
                waiting.set_exception(JsonRpcParseError(reason))  # the client's reply to us
            return
        if isinstance(message, _Unreadable):
            request_id = message.id
            if (
                isinstance(message.method, str)
                and isinstance(request_id, (int, str))
                and not isinstance(request_id, bool)
            ):
                log.warning("%s (request %r)", message.reason, request_id)
                self._send_response(
                    request_id, None, JsonRpcInvalidParams(message.reason).to_response_error()
                )
            else:
                log.warning("ignored a malformed message for %r", message.method)
            return
        if not hasattr(message, "jsonrpc"):
            log.warning("ignored a message that is not a JSON-RPC object: %.80r", message)
            return
        super().handle_message(message)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' own, but over a copy of the requests in flight: cancelling one (a progress
        creation a cross-check awaits) removed it from the dict pygls iterated, and `shutdown`
        during a cross-check answered -32603 "dictionary changed size during iteration"."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    # Set by the server: stops the task running a request, given its id.
    on_cancel: Callable[[Any], None] | None = None

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)
        if self.on_cancel is not None:
            self.on_cancel(msg_id)


class ClientFaultFilter(logging.Filter):
    """Faults of the client's making (JSON that does not parse, params of the wrong shape, a
    request we refuse on purpose) are warnings, not server errors with a traceback; real
    exceptions in the server keep theirs."""

    # Ordinary events pygls logs as if they were faults: a client cancelling a request just
    # answered (every replaced or finished run can race its $/cancelRequest).
    ORDINARY = ("Cancel notification for unknown message id",)

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(self.ORDINARY):
            if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
                return False
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return True
        error = record.exc_info[1] if record.exc_info else None
        client_fault = isinstance(error, (JsonRpcException, ValueError)) or str(
            record.msg
        ).startswith("Unable to deserialize message")
        if client_fault and record.levelno > logging.WARNING:
            detail = f"{type(error).__name__}: {error}" if error else "bad params"
            record.msg = f"{record.getMessage().splitlines()[0]} ({detail})"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
