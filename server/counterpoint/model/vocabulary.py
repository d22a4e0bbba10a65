"""The closed vocabularies: confidence labels, verdicts, statuses, outcomes, stages and failure
kinds, plus the one table that says how each confidence label is shown.

Plain data with no imports from the rest of Counterpoint, so any layer may use it. Each member is
a `str`, so JSON, LSP `data` and SARIF carry exactly the strings they carried before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

_V = TypeVar("_V", bound="Vocabulary")


class Vocabulary(str, Enum):
    """A `str` enum whose text is its value. `enum.StrEnum` needs Python 3.11; we support 3.10."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def parse(cls: type[_V], text: object, default: _V) -> _V:
        """The member spelled `text`, or `default` for anything else (e.g. a sandbox's output)."""
        try:
            return cls(text)
        except ValueError:
            return default


class ConfidenceLabel(Vocabulary):
    """Most to least trusted; `core/confidence.py` decides which applies."""

    VERIFIED_AGREEMENT = "verified-agreement"
    VERIFIED_ONE = "verified-one"
    UNVERIFIED = "unverified"
    DISPUTED = "disputed"
    BOTH_FAIL = "both-fail"
    NOT_CROSS_CHECKED = "not-cross-checked"
    FAILED = "failed"


class Verdict(Vocabulary):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    UNCERTAIN = "uncertain"


class Stage(Vocabulary):
    """A step of a run, as failures and timings name it."""

    PROPOSE = "propose"
    JUDGE = "judge"
    EXECUTE = "execute"
    REVISE = "revise"  # a family's second try after its proposal failed a test


class RevisionStatus(Vocabulary):
    """What came of one repair round for one voice."""

    REVISED = "revised"  # the revision replaced the proposal
    FAILED = "failed"  # the call failed or its reply was unusable: the proposal stays
    NOT_MADE = "not-made"  # no call was sent (e.g. the cost cap could not afford it)


class ExecutionStatus(Vocabulary):
    """Whether a proposal's test run happened and finished."""

    RAN = "ran"
    TIMED_OUT = "timed_out"
    ERROR = "error"
    SKIPPED = "skipped"


class Outcome(Vocabulary):
    """One test's result."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class FailureKind(Vocabulary):
    """`ProviderError.kind`: short and stable, since reports show it."""

    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    BAD_REQUEST = "bad_request"
    MALFORMED = "malformed"
    REFUSAL = "refusal"
    TRUNCATED = "truncated"
    EMPTY = "empty"
    BUDGET = "budget"
    NO_JUDGE = "no_judge"  # no voice of another family to judge a proposal
    ERROR = "error"


class Severity(Vocabulary):
    """How loudly an editor shows a label; the LSP front end maps it to its own numbers."""

    INFORMATION = "information"
    WARNING = "warning"
    ERROR = "error"

    @property
    def sarif_level(self) -> str:
        """The SARIF 2.1.0 `level` of this severity, so code scanning and the editor agree."""
        return "note" if self is Severity.INFORMATION else self.value


@dataclass(frozen=True)
class LabelPresentation:
    severity: Severity  # of the LSP diagnostics
    wording: str  # what the label means, for people
    heading: str = ""  # how a sentence about the run starts, e.g. "Verified"
    # False when the label is no fact about the code (no proposal arrived: the service failed):
    # the editor says it in a notification and puts a hint, not a squiggle, on the lines.
    on_the_code: bool = True

    @property
    def sarif_level(self) -> str:
        """SARIF's `level` of the label's results: derived from the editor's severity
        (information → note, warning → warning, error → error), never set apart from it."""
        return self.severity.sarif_level


PRESENTATION: dict[ConfidenceLabel, LabelPresentation] = {
    ConfidenceLabel.VERIFIED_AGREEMENT: LabelPresentation(
        Severity.INFORMATION,
        "every proposal passes every test that ran, every judge accepts, and no input was found "
        "on which they behave differently",
        heading="Verified",
    ),
    ConfidenceLabel.VERIFIED_ONE: LabelPresentation(
        Severity.WARNING,
        "one proposal passes tests another fails, and nothing else contradicts it",
        heading="Verified",
    ),
    ConfidenceLabel.UNVERIFIED: LabelPresentation(
        Severity.INFORMATION, "proposals and judges agree, but no test ran", heading="Unverified"
    ),
    ConfidenceLabel.DISPUTED: LabelPresentation(
        Severity.WARNING,
        "a judge rejects a proposal, or tests leave the proposals split without a winner",
        heading="Disputed",
    ),
    ConfidenceLabel.BOTH_FAIL: LabelPresentation(
        Severity.ERROR, "every proposal fails a workspace test or doctest", heading="Both fail"
    ),
    ConfidenceLabel.NOT_CROSS_CHECKED: LabelPresentation(
        Severity.WARNING,
        "a proposal is missing or was not judged (a provider failed)",
        heading="Not cross-checked",
    ),
    ConfidenceLabel.FAILED: LabelPresentation(
        Severity.ERROR, "no proposal arrived", heading="No proposal arrived", on_the_code=False
    ),
}

# What an unknown label (a newer server's, say) is shown as.
UNKNOWN_PRESENTATION = LabelPresentation(
    Severity.WARNING, "an unknown label", heading="Cross-checked"
)


def presentation(label: str) -> LabelPresentation:
    try:
        return PRESENTATION[ConfidenceLabel(label)]
    except ValueError:
        return UNKNOWN_PRESENTATION


# What went wrong with a model call, for people: "GPT could not judge Claude's proposal: it timed
# out." The kinds themselves stay in the JSON.
FAILURE_WORDING: dict[FailureKind, str] = {
    FailureKind.TIMEOUT: "it timed out",
    FailureKind.UNREACHABLE: "the service could not be reached",
    FailureKind.AUTH: "the API key was refused",
    FailureKind.RATE_LIMITED: "it was rate-limited",
    FailureKind.OVERLOADED: "the service is overloaded",
    FailureKind.SERVER_ERROR: "the service had an error",
    FailureKind.BAD_REQUEST: "the service refused the request",
    FailureKind.MALFORMED: "its reply was malformed",
    FailureKind.REFUSAL: "the model declined",
    FailureKind.TRUNCATED: "its reply was cut off",
    FailureKind.EMPTY: "its reply was empty",
    FailureKind.BUDGET: "the cost cap was reached",
    FailureKind.NO_JUDGE: "no model of another family was there to judge it",
    FailureKind.ERROR: "something went wrong",
}

# Failures of the service rather than of the code: the editor says them in a notification and
# the status bar, never as a squiggle on the user's lines.
SERVICE_FAILURES = frozenset(
    {
        FailureKind.TIMEOUT,
        FailureKind.UNREACHABLE,
        FailureKind.AUTH,
        FailureKind.RATE_LIMITED,
        FailureKind.OVERLOADED,
        FailureKind.SERVER_ERROR,
        FailureKind.BUDGET,
    }
)


def failure_wording(kind: str) -> str:
    return FAILURE_WORDING[FailureKind.parse(kind, FailureKind.ERROR)]
