"""The closed vocabularies stay the strings the wire formats carry, and every label is presented."""

import json
import re
from pathlib import Path

from lsprotocol import types

from counterpoint.lsp.diagnostics import severity_of
from counterpoint.model.vocabulary import (
    PRESENTATION,
    ConfidenceLabel,
    ExecutionStatus,
    Outcome,
    presentation,
)

CLIENT_STATUS = Path(__file__).parents[3] / "client-vscode" / "src" / "pure" / "status.ts"


def test_members_serialise_and_format_as_their_plain_strings():
    label = ConfidenceLabel.VERIFIED_ONE
    assert json.dumps({"label": label, "status": ExecutionStatus.TIMED_OUT}) == (
        '{"label": "verified-one", "status": "timed_out"}'
    )
    assert f"[{label}]" == "[verified-one]"
    assert str(Outcome.ERROR) == "error"
    assert label == "verified-one" and {"verified-one": 1}[label] == 1


def test_parse_falls_back_on_text_outside_the_vocabulary():
    assert Outcome.parse("failed", Outcome.SKIPPED) is Outcome.FAILED
    assert Outcome.parse("pending", Outcome.SKIPPED) is Outcome.SKIPPED
    assert Outcome.parse(None, Outcome.SKIPPED) is Outcome.SKIPPED


def test_every_label_has_a_presentation_with_the_released_levels():
    assert set(PRESENTATION) == set(ConfidenceLabel)
    assert all(p.wording for p in PRESENTATION.values())
    # The values each front end showed before the table existed.
    assert {label.value: severity_of(label) for label in ConfidenceLabel} == {
        "verified-agreement": types.DiagnosticSeverity.Information,
        "unverified": types.DiagnosticSeverity.Information,
        "verified-one": types.DiagnosticSeverity.Warning,
        "disputed": types.DiagnosticSeverity.Warning,
        "not-cross-checked": types.DiagnosticSeverity.Warning,
        "both-fail": types.DiagnosticSeverity.Error,
        # A run with no proposal is the service's failure, not the code's: no squiggle; the
        # editor says it in a notification and the status bar.
        "failed": types.DiagnosticSeverity.Hint,
    }
    # SARIF follows the editor, so code scanning is as loud as the diagnostics.
    assert {label.value: presentation(label).sarif_level for label in ConfidenceLabel} == {
        "verified-agreement": "note",
        "verified-one": "warning",
        "unverified": "note",
        "disputed": "warning",
        "both-fail": "error",
        "not-cross-checked": "warning",
        "failed": "error",
    }


def test_an_unknown_label_is_a_warning_in_the_editor_and_in_sarif():
    assert severity_of("from-a-newer-server") == types.DiagnosticSeverity.Warning
    assert presentation("from-a-newer-server").sarif_level == "warning"


def test_the_client_has_an_icon_for_exactly_the_server_labels():
    source = CLIENT_STATUS.read_text()
    table = source[source.index("const ICONS") : source.index("};", source.index("const ICONS"))]
    keys = set(re.findall(r"^\s*'?([a-z-]+)'?:", table, re.MULTILINE))
    assert keys == {label.value for label in ConfidenceLabel}
