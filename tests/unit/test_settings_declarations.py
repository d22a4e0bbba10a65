"""Each setting is declared once, on its Settings field; the environment names, the editor's
spellings, the trust tables and the client's package.json must agree with those declarations."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from counterpoint.config import (
    _CAMEL,
    _ENV,
    DECLARATIONS,
    MAX_RETRIES_LIMIT,
    Settings,
)

ROOT = Path(__file__).parents[2]
PACKAGE_JSON = ROOT / "client-vscode" / "package.json"
README = ROOT / "README.md"

# Declared settings the VS Code Settings UI leaves out on purpose; settings.json still works.
NOT_IN_SETTINGS_UI = {
    "unsafeNoSandbox": "one click would run a repository's code without a sandbox",
    "editorPython": "the client fills it from the Python extension's selected interpreter",
}


def client_properties() -> dict[str, dict]:
    """package.json's `counterpoint.<key>` settings that are the server's: not `server.*`, which
    the client uses to start the server."""
    package = json.loads(PACKAGE_JSON.read_text())
    properties = package["contributes"]["configuration"]["properties"]
    return {
        name.removeprefix("counterpoint."): spec
        for name, spec in properties.items()
        if not name.startswith("counterpoint.server.")
    }


def json_types(annotation: str) -> set[str]:
    """The JSON types a field of this annotation takes from the editor; null leaves the default."""
    for prefix, kind in (
        ("dict", "object"),
        ("tuple", "array"),
        ("bool", "boolean"),
        ("float", "number"),
        ("int", "integer"),
        ("str", "string"),
    ):
        if annotation.startswith(prefix):
            return {kind, "null"}
    raise AssertionError(f"no JSON type for {annotation}")


def test_every_field_is_declared():
    fields = {f.name for f in dataclasses.fields(Settings)} - {"problems"}
    assert set(DECLARATIONS) == fields


def test_no_two_settings_share_a_spelling():
    clients = [d.client for d in DECLARATIONS.values() if d.client is not None]
    envs = [d.env for d in DECLARATIONS.values() if d.env is not None]
    assert len(set(clients)) == len(clients) == len(_CAMEL)
    assert len(set(envs)) == len(envs) == len(_ENV)


def test_a_declared_bound_applies():
    settings = Settings().merged({"maxRetries": 50, "maxConcurrentChecks": 0})
    assert settings.max_retries == MAX_RETRIES_LIMIT
    assert settings.max_concurrent_checks == Settings().max_concurrent_checks
    assert len(settings.problems) == 2


def test_package_json_settings_are_declared_with_compatible_types():
    types = {f.name: str(f.type) for f in dataclasses.fields(Settings)}
    for key, spec in client_properties().items():
        assert key in _CAMEL, f"counterpoint.{key} is not a setting the server declares"
        name = _CAMEL[key]
        declared = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        assert set(declared) <= json_types(types[name]), (key, declared, types[name])
        # A default the client sends as a workspace's value would be refused or taken as theirs.
        assert spec.get("default") in (None, ""), key
        bounds = DECLARATIONS[name]
        if bounds.at_most is not None:
            assert spec.get("maximum") == bounds.at_most, key
        if bounds.at_least is not None:
            assert spec.get("minimum", float("-inf")) >= bounds.at_least, key


def test_every_client_setting_is_in_package_json_or_left_out_on_purpose():
    shown = set(client_properties())
    declared = set(_CAMEL)
    assert declared - shown == set(NOT_IN_SETTINGS_UI)
    assert not shown & set(NOT_IN_SETTINGS_UI)


def test_the_readme_table_shows_each_declaration():
    """The Configuration table's columns: what, environment, editor setting, default."""
    rows = [line for line in README.read_text().splitlines() if line.startswith("| ")]
    for name, declared in DECLARATIONS.items():
        assert declared.client is not None, name
        (row,) = [r for r in rows if re.match(rf"\|[^|]*\|[^|]*\| `{declared.client}`", r)]
        assert row.startswith(f"| {declared.description} |"), (name, row)
        if declared.env is not None:
            assert f"`{declared.env}`" in row, (name, row)
