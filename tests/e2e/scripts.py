"""Scripted model replies shared by the end-to-end tests: one fix, one buggy variant."""

from tests.fakes.providers import FakeProviders, Reply

FIXED = '''def window_sums(xs, k):
    """Sums of each window of k consecutive items.

    >>> window_sums([1, 2, 3], 2)
    [3, 5]
    """
    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]
'''

VARIANT = '''def window_sums(xs, k):
    """Sums of each window of k consecutive items.

    >>> window_sums([1, 2, 3], 2)
    [3, 5]
    """
    if k > len(xs):
        return [sum(xs)]
    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]
'''

ACCEPT = {
    "verdict": "correct",
    "confidence": 0.9,
    "summary": "Fixes the range bound.",
    "issues": [],
}
REJECT = {
    "verdict": "incorrect",
    "confidence": 0.85,
    "summary": "Returns a sum when the window is larger than the list.",
    "issues": [
        {
            "start_line": 7,
            "end_line": 8,
            "severity": "error",
            "message": "window_sums([1], 2) should be [], not [1]",
        }
    ],
}


def script_disagreement(fake: FakeProviders, latency: float = 0.0) -> None:
    """Claude fixes the bug; GPT adds a wrong special case. Each judges the other's."""
    fake.script(
        "anthropic",
        "submit_proposal",
        Reply.structured(
            {
                "code": FIXED,
                "explanation": "The range stopped one window early.",
                "tests": [
                    "def test_pairs():\n"
                    "    from windows import window_sums\n"
                    "    assert window_sums([1, 2, 3], 2) == [3, 5]\n"
                ],
            }
        ),
        latency=latency,
    )
    fake.script(
        "openai",
        "submit_proposal",
        Reply.structured(
            {"code": VARIANT, "explanation": "Handle short lists and fix the bound.", "tests": []}
        ),
        latency=latency,
    )
    fake.script("openai", "submit_judgment", Reply.structured(ACCEPT), latency=latency)
    fake.script("anthropic", "submit_judgment", Reply.structured(REJECT), latency=latency)
