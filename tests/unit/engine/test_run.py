"""The pipeline core with in-process model clients: ordering, failures, judge assignment.

These exercise the functional core only; the real SDK clients are covered end to end against the
HTTP fake in tests/e2e.
"""

import asyncio
from dataclasses import dataclass, field

import pytest

from counterpoint.core.schemas import JUDGMENT_TOOL, PROPOSAL_TOOL
from counterpoint.core.wording import summary_line
from counterpoint.engine.run import RunOptions, Voice, assign_judges, cross_check
from counterpoint.model.calls import ModelReply, ProviderError, StructuredCall, Usage
from counterpoint.model.request import CrossCheckRequest, Range, RequestError

SOURCE = "def window_sums(xs, k):\n    return [sum(xs[i:i + k]) for i in range(len(xs) - k)]\n"
FIXED = "def window_sums(xs, k):\n    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]\n"


@dataclass
class ScriptedClient:
    provider: str
    model: str
    events: list[str]
    proposal: dict | Exception = field(
        default_factory=lambda: {"code": FIXED, "explanation": "", "tests": []}
    )
    judgment: dict | Exception = field(
        default_factory=lambda: {
            "verdict": "correct",
            "confidence": 0.9,
            "summary": "ok",
            "issues": [],
        }
    )
    propose_delay: float = 0.0
    judge_delay: float = 0.0
    writes: tuple[int, ...] = ()  # told to on_tokens as the reply is "written"
    calls: list[StructuredCall] = field(default_factory=list)

    async def complete(
        self, call: StructuredCall, max_retries: int | None = None, on_tokens=None
    ) -> ModelReply:
        self.calls.append(call)
        stage = "propose" if call.schema_name == PROPOSAL_TOOL else "judge"
        assert call.schema_name in (PROPOSAL_TOOL, JUDGMENT_TOOL)
        self.events.append(f"{self.model}:{stage}:start")
        await asyncio.sleep(self.propose_delay if stage == "propose" else self.judge_delay)
        for written in self.writes if on_tokens is not None else ():
            on_tokens(written)
        self.events.append(f"{self.model}:{stage}:end")
        answer = self.proposal if stage == "propose" else self.judgment
        if isinstance(answer, Exception):
            raise answer
        first = 0.25 if self.writes else None
        return ModelReply(answer, usage=Usage(10, 5), model=self.model, first_token_s=first)


def make_voices(events, **overrides):
    claude = ScriptedClient("anthropic", "claude-x", events, **overrides.get("claude", {}))
    gpt = ScriptedClient("openai", "gpt-x", events, **overrides.get("gpt", {}))
    return [Voice("claude", "Claude", claude), Voice("gpt", "GPT", gpt)], claude, gpt


def request(instruction="fix the off-by-one"):
    return CrossCheckRequest(
        "file:///w/windows.py", SOURCE, "python", Range.of_lines(0, 1), instruction
    )


async def test_each_proposal_is_judged_by_the_other_family_as_soon_as_it_arrives():
    events: list[str] = []
    voices, claude, gpt = make_voices(
        events, claude={"propose_delay": 0.01}, gpt={"propose_delay": 0.2}
    )
    report = await cross_check(request(), voices)

    # GPT judges Claude's proposal while GPT's own proposal is still being written.
    assert events.index("gpt-x:judge:start") < events.index("gpt-x:propose:end")
    assert {(j.judge, j.target) for j in report.judgments} == {("gpt", "claude"), ("claude", "gpt")}
    assert [p.provider for p in report.proposals] == ["anthropic", "openai"]
    assert len(claude.calls) == len(gpt.calls) == 2


async def test_judge_sees_an_anonymous_candidate_and_no_explanation():
    events: list[str] = []
    voices, _, gpt = make_voices(
        events,
        claude={"proposal": {"code": FIXED, "explanation": "As Claude, I fixed it", "tests": []}},
    )
    await cross_check(request(), voices)
    judge_call = next(c for c in gpt.calls if c.schema_name == JUDGMENT_TOOL)
    assert "range(len(xs) - k + 1)" in judge_call.user
    assert "Claude" not in judge_call.user and "Claude" not in judge_call.system
    assert "As Claude" not in judge_call.user


async def test_a_failing_provider_leaves_the_other_proposal_labelled_not_cross_checked():
    events: list[str] = []
    voices, _, _ = make_voices(
        events,
        gpt={
            "proposal": ProviderError("overloaded", "529"),
            "judgment": ProviderError("overloaded", "529"),
        },
    )
    report = await cross_check(request(), voices)
    assert [p.id for p in report.proposals] == ["claude"]
    assert not report.is_cross_checked("claude")
    assert report.confidence.label == "not-cross-checked"
    assert {(f.voice_id, f.stage, f.kind) for f in report.failures} == {
        ("gpt", "propose", "overloaded"),
        ("gpt", "judge", "overloaded"),
    }
    assert report.recommended is None


async def test_unexpected_adapter_errors_become_failures_not_crashes():
    events: list[str] = []
    voices, _, _ = make_voices(events, claude={"proposal": RuntimeError("boom")})
    report = await cross_check(request(), voices)
    assert [(f.voice_id, f.kind) for f in report.failures] == [("claude", "error")]
    assert [p.id for p in report.proposals] == ["gpt"]


async def test_a_hanging_call_times_out():
    events: list[str] = []
    voices, _, _ = make_voices(events, claude={"propose_delay": 5})
    report = await cross_check(request(), voices, RunOptions(call_timeout_s=0.05))
    assert [(f.voice_id, f.kind) for f in report.failures] == [("claude", "timeout")]


async def test_rejection_makes_the_run_disputed_and_recommends_the_accepted_proposal():
    events: list[str] = []
    rejected = {
        "verdict": "incorrect",
        "confidence": 0.8,
        "summary": "drops the last window",
        "issues": [
            {"start_line": 2, "end_line": 2, "severity": "error", "message": "range stops early"}
        ],
    }
    voices, _, _ = make_voices(
        events,
        claude={"proposal": {"code": SOURCE, "explanation": "", "tests": []}},
        gpt={"judgment": rejected},  # GPT judges Claude's (unchanged, buggy) code
    )
    report = await cross_check(request(), voices)
    assert report.confidence.label == "disputed"
    assert report.recommended == "gpt"
    (disagreement,) = report.disagreements
    assert "range stops early" in disagreement.summary  # the judge's issue on these lines
    assert "GPT judges Claude's proposal incorrect (80%): drops the last window." in (
        summary_line(report)
    )
    issue = next(j for j in report.judgments if j.target == "claude").issues[0]
    assert issue.range == Range.of_lines(1, 1)


async def test_agreement_without_execution_is_never_verified():
    events: list[str] = []
    voices, _, _ = make_voices(events)
    report = await cross_check(request(), voices)
    assert report.confidence.label == "unverified"
    assert report.disagreements == ()
    assert any("no tests ran" in reason for reason in report.confidence.reasons)


async def test_env_files_are_never_sent():
    events: list[str] = []
    voices, claude, _ = make_voices(events)
    env_request = CrossCheckRequest("file:///w/.env", "KEY=1\n", "python", Range.of_lines(0, 0))
    with pytest.raises(RequestError, match=r"\.env"):
        await cross_check(env_request, voices)
    assert claude.calls == []


async def test_secret_values_in_the_document_are_redacted_from_prompts():
    events: list[str] = []
    voices, claude, _ = make_voices(events)
    text = 'def f():\n    return "sk-live-1234567890abcdef"\n'
    await cross_check(
        CrossCheckRequest("file:///w/k.py", text, "python", Range.of_lines(0, 1)),
        voices,
        secrets=["sk-live-1234567890abcdef"],
    )
    assert all("sk-live-1234567890abcdef" not in call.user for call in claude.calls)
    assert "REDACTED-environment-1" in claude.calls[0].user


async def test_prompts_with_secrets_are_the_same_on_every_run_so_cache_keys_are_too():
    text = (
        'GITHUB = "ghp_Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6J3k8"\n'
        'DSN = "postgres://app:s3cr3t-pw@db/app"\n\n\n'
        "def f():\n    return GITHUB, DSN\n"
    )
    prompts = []
    for _ in range(2):
        voices, claude, gpt = make_voices([])
        report = await cross_check(
            CrossCheckRequest("file:///w/k.py", text, "python", Range.of_lines(4, 5)), voices
        )
        # Each call's delimiter token is random; the cache key leaves it out, and so does this.
        prompts.append(
            ["".join(call.user.split(call.delimiter_token)) for call in claude.calls + gpt.calls]
        )
        assert report.privacy == {
            "redacted": {"basic-auth": 1, "github-token": 1},
            "redacted_total": 2,
        }
    assert prompts[0] == prompts[1]
    assert "ghp_" not in "".join(prompts[0]) and "s3cr3t-pw" not in "".join(prompts[0])


def test_judges_rotate_across_families():
    events: list[str] = []
    a = Voice("a", "A", ScriptedClient("anthropic", "a", events))
    b = Voice("b", "B", ScriptedClient("anthropic", "b", events))
    c = Voice("c", "C", ScriptedClient("openai", "c", events))
    judges = assign_judges([a, b, c])
    assert {k: v.id if v else None for k, v in judges.items()} == {"a": "c", "b": "c", "c": "a"}


async def test_same_family_voices_are_refused():
    events: list[str] = []
    a = Voice("a", "A", ScriptedClient("anthropic", "a", events))
    b = Voice("b", "B", ScriptedClient("anthropic", "b", events))
    with pytest.raises(RequestError, match="two model families"):
        await cross_check(request(), [a, b])


async def test_judge_issue_lines_map_through_inserted_lines():
    events: list[str] = []
    longer = SOURCE.replace("    return", "    if k <= 0:\n        return []\n    return")
    issue = {"start_line": 4, "end_line": 4, "severity": "error", "message": "bound"}
    voices, _, _ = make_voices(
        events,
        gpt={
            "proposal": {"code": longer, "explanation": "", "tests": []},
        },
        claude={
            "judgment": {
                "verdict": "incorrect",
                "confidence": 0.7,
                "summary": "",
                "issues": [issue],
            }
        },
    )
    report = await cross_check(request(), voices)
    (judged,) = [j for j in report.judgments if j.target == "gpt"]
    # Candidate line 4 is the original's return line (document line 1), after two inserted ones.
    assert judged.issues[0].range == Range.of_lines(1, 1)


async def test_progress_tells_each_voice_s_tokens_and_the_report_its_first_token():
    events: list[str] = []
    voices, _, _ = make_voices(events, claude={"writes": (12, 40)}, gpt={"writes": (7,)})
    said: list[str] = []
    report = await cross_check(request(), voices, progress=said.append)
    # One line names every lane; a count alone is sent at most every 0.1 s (engine/lanes.py).
    assert any("Claude: writing, 12 tokens" in line for line in said), said
    assert any("GPT: writing, 7 tokens" in line for line in said), said
    assert [p.first_token_s for p in report.proposals] == [0.25, 0.25]
    assert [j.first_token_s for j in report.judgments] == [0.25, 0.25]
    assert {p.to_json()["first_token_s"] for p in report.proposals} == {0.25}
