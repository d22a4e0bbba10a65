"""Settings only the user may set: refused from workspace/configuration unless they are the
user's own values, which the client also sends as initializationOptions."""

from counterpoint.lsp.server import CounterpointServer


def test_a_value_the_client_sent_as_the_users_own_is_neither_warned_about_nor_ignored_twice():
    server = CounterpointServer()
    shown: list[str] = []
    server.show_message = lambda message, *_: shown.append(message)  # type: ignore[method-assign]
    server.init_options = {"cacheDir": "/home/me/cache"}

    kept = server._untrusted_ok({"cacheDir": "/home/me/cache", "gptModel": "m"})
    assert kept == {"gptModel": "m"}  # the value itself comes from initializationOptions
    assert shown == []

    kept = server._untrusted_ok({"cacheDir": "/repo/elsewhere", "python": "/repo/evil"})
    assert kept == {}
    assert any("counterpoint.cacheDir" in m for m in shown)
    assert any("counterpoint.python" in m for m in shown)
