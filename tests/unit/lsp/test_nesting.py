import json

from counterpoint.lsp.nesting import TooDeep, loads

DEEP = "[" * 50_000 + "]" * 50_000


def test_a_message_too_deep_to_decode_keeps_its_top_level_id_and_method():
    body = f'{{"jsonrpc": "2.0", "params": {{"x": {DEEP}, "id": 5}}, "id": 9, "method": "m"}}'
    message = loads(body.encode())
    assert isinstance(message, TooDeep)
    assert (message.id, message.method) == (9, "m")


def test_a_deep_reply_has_an_id_and_no_method():
    message = loads(f'{{"id": "s-1", "result": {DEEP}, "jsonrpc": "2.0"}}'.encode())
    assert isinstance(message, TooDeep)
    assert (message.id, message.method) == ("s-1", None)


def test_ids_that_are_not_numbers_or_strings_are_not_kept():
    message = loads(f'{{"id": true, "method": "m", "params": {DEEP}}}'.encode())
    assert isinstance(message, TooDeep) and message.id is None


def test_other_messages_decode_as_json_does():
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "m", "params": [[["\\"]"]]]}'
    assert loads(body) == json.loads(body)
