"""The log filter of `counterpoint serve`: ordinary events are not logged as faults."""

from __future__ import annotations

import logging

from counterpoint.lsp.protocol import ClientFaultFilter


def record(message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("pygls.protocol.json_rpc", level, __file__, 1, message, ("7",), None)


def test_a_cancel_for_a_request_already_answered_is_not_logged_at_the_default_level():
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.INFO)
    try:
        kept = ClientFaultFilter().filter(record('Cancel notification for unknown message id "%s"'))
    finally:
        logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.NOTSET)
    assert kept is False


def test_a_cancel_for_a_request_already_answered_is_debug_when_debugging():
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.DEBUG)
    try:
        entry = record('Cancel notification for unknown message id "%s"', logging.ERROR)
        assert ClientFaultFilter().filter(entry)
    finally:
        logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.NOTSET)
    assert entry.levelname == "DEBUG"


def test_a_server_error_keeps_its_level():
    entry = record("Something broke: %s", logging.ERROR)
    assert ClientFaultFilter().filter(entry) and entry.levelname == "ERROR"
