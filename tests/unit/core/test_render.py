"""The readable forms take their wording and levels from the vocabulary's one table."""

from __future__ import annotations

import pytest

from counterpoint.core.render import render_text
from counterpoint.model.calls import Usage
from counterpoint.model.report import Confidence, Disagreement, Proposal, Report
from counterpoint.model.request import Range
from counterpoint.model.vocabulary import PRESENTATION, ConfidenceLabel


def report(label: ConfidenceLabel) -> Report:
    proposal = Proposal("claude", "Claude", "anthropic", "m", "x = 1\n", "", (), Usage(), True, 0)
    return Report(
        request_id="r1",
        uri="file:///w/m.py",
        language="python",
        instruction="review",
        document_version=1,
        target_range=Range.of_lines(0, 0),
        original_code="x = 0\n",
        proposals=(proposal,),
        judgments=(),
        disagreements=(Disagreement(Range.of_lines(0, 0), "they differ", ("claude",)),),
        confidence=Confidence(label, ("a reason",)),
        recommended=None,
    )


@pytest.mark.parametrize("label", list(ConfidenceLabel))
def test_the_text_says_what_the_label_means(label):
    text = render_text(report(label), "m.py")
    assert f"Confidence: {label} ({PRESENTATION[label].wording})" in text
