"""Partial reports: a snapshot each time a piece arrives, the final report unchanged."""

from counterpoint.core.render import render_markdown
from counterpoint.core.wording import evidence, partial_line
from counterpoint.engine.run import cross_check
from counterpoint.model.calls import ProviderError
from counterpoint.model.vocabulary import FailureKind
from tests.unit.engine.test_run import make_voices, request


async def test_each_piece_arrives_as_a_partial_report_and_the_last_is_the_final_one():
    events: list[str] = []
    voices, _, _ = make_voices(
        events,
        claude={"propose_delay": 0.01, "judge_delay": 0.01},
        gpt={"propose_delay": 0.2, "judge_delay": 0.01},
    )
    updates = []
    report = await cross_check(request(), voices, on_update=updates.append)
    assert all(not u.final for u in updates) and report.final and report.pending == ()

    first = updates[0]  # Claude's proposal, before anyone judged it and before GPT's
    assert [p.id for p in first.proposals] == ["claude"]
    assert first.judgments == () and first.recommended is None
    assert "proposal:gpt" in first.pending and "judgment:claude" in first.pending
    assert "comparison" in first.pending
    assert first.request_id == report.request_id  # one id from the first piece on
    assert partial_line(first) == (
        "Claude's proposal arrived; it is not yet judged. Waiting for GPT's proposal."
    )
    assert evidence(first, "claude") == "not yet judged"
    hover = render_markdown(first, "python")
    assert "Still cross-checking" in hover and "_not yet judged_" in hover
    assert "return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]" in hover

    # Then GPT's judgment of Claude's, GPT's proposal, Claude's judgment of it: in order.
    kinds = [(len(u.proposals), len(u.judgments)) for u in updates]
    assert kinds == [(1, 0), (1, 1), (2, 1), (2, 2)]
    assert "judgment:claude" not in updates[1].pending
    assert updates[-1].pending == ("comparison",)
    # The JSON of a partial report says so; the final one is as it always was.
    assert first.to_json()["final"] is False and "pending" in first.to_json()
    assert "final" not in report.to_json() and "pending" not in report.to_json()


async def test_a_failure_is_a_piece_too_and_nothing_waits_for_what_cannot_come():
    events: list[str] = []
    voices, _, _ = make_voices(
        events,
        claude={"propose_delay": 0.01},
        gpt={"propose_delay": 0.05, "proposal": ProviderError(FailureKind.OVERLOADED, "529")},
    )
    updates = []
    await cross_check(request(), voices, on_update=updates.append)
    failed = next(u for u in updates if u.failures)
    assert "proposal:gpt" not in failed.pending and "judgment:gpt" not in failed.pending
    assert "Waiting for GPT" not in partial_line(failed)
    assert "GPT could not write a proposal: the service is overloaded." in partial_line(failed)


async def test_a_listener_that_raises_does_not_sink_the_run():
    events: list[str] = []
    voices, _, _ = make_voices(events)

    def broken(_report):
        raise RuntimeError("listener bug")

    report = await cross_check(request(), voices, on_update=broken)
    assert len(report.proposals) == 2 and report.final


async def test_progress_names_every_lane_at_once():
    events: list[str] = []
    voices, _, _ = make_voices(
        events, claude={"propose_delay": 0.01}, gpt={"propose_delay": 0.2, "judge_delay": 0.01}
    )
    lines: list[str] = []
    await cross_check(request(), voices, progress=lines.append)
    assert lines[0] == "Claude: writing · GPT: waiting"
    assert "Claude: proposed · GPT: writing and judging Claude's proposal" in lines
    assert "Claude: judging GPT's proposal · GPT: proposed" in lines
    assert lines[-1] == "Claude: done · GPT: done"
