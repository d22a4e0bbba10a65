"""One repair round, through `counterpoint check --json` with the real SDK clients at the fake:
a proposal that fails a test another version passes revises once with the evidence, the other
family judges the revision, and it is run again."""

import json

from tests.e2e.scripts import ACCEPT, FIXED, REJECT, VARIANT
from tests.e2e.test_cli import FIXTURE, run_check
from tests.fakes.providers import FakeProviders, Reply

FAILING = "test_window_larger_than_list_has_no_sums"
# GPT's second try: the bound fixed without the wrong special case, worded its own way.
REVISED = FIXED.replace(
    "    return [sum(", "    # no window fits when k > len(xs)\n    return [sum("
)


def default_env(fake: FakeProviders, **extra: str) -> dict[str, str]:
    """The fake's environment with the repair setting left at its default, unless given."""
    env = {k: v for k, v in fake.env().items() if k != "COUNTERPOINT_REPAIR_ROUNDS"}
    return {**env, **extra}


def script_failing_gpt(fake: FakeProviders, gpt_code: str = VARIANT) -> None:
    """Claude fixes the bug; GPT's proposal fails a workspace test Claude and the original
    pass. Claude rejects GPT's first proposal and accepts what comes after."""
    fake.script(
        "anthropic",
        "submit_proposal",
        Reply.structured({"code": FIXED, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake.script(
        "openai",
        "submit_proposal",
        Reply.structured({"code": gpt_code, "explanation": "", "tests": [], "edge_cases": []}),
    )
    fake.script("openai", "submit_judgment", Reply.structured(ACCEPT))
    fake.script("anthropic", "submit_judgment", Reply.structured(REJECT))
    fake.default("anthropic", "submit_judgment", Reply.structured(ACCEPT))


def check(env: dict[str, str], tmp_path, *extra: str) -> dict:
    result = run_check(env, str(FIXTURE), "--lines", "1-7", "--json", *extra, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def kinds(fake: FakeProviders) -> list[tuple[str, str]]:
    return sorted((r.provider, r.kind) for r in fake.accepted)


def test_gpt_revises_after_failing_a_workspace_test_and_the_revision_is_judged_and_rerun(
    fake_providers, tmp_path
):
    script_failing_gpt(fake_providers)
    fake_providers.script(
        "openai",
        "submit_revision",
        Reply.structured({"code": REVISED, "explanation": "k > len(xs) has no window."}),
    )
    report = check(default_env(fake_providers), tmp_path)

    assert not fake_providers.rejected
    assert kinds(fake_providers) == [
        ("anthropic", "submit_judgment"),
        ("anthropic", "submit_judgment"),  # Claude judges GPT's revision too
        ("anthropic", "submit_proposal"),
        ("openai", "submit_judgment"),
        ("openai", "submit_proposal"),
        ("openai", "submit_revision"),
    ]
    # The revision call carried the evidence: the failing test's id and its output.
    (revision_request,) = [r for r in fake_providers.accepted if r.kind == "submit_revision"]
    prompt = revision_request.body["messages"][-1]["content"]
    assert FAILING in prompt and "assert [1] == []" in prompt
    assert "if k > len(xs):" in prompt  # its own proposal, quoted

    # The revision stands in GPT's place for the final verdict.
    gpt = next(p for p in report["proposals"] if p["id"] == "gpt")
    assert gpt["code"] == REVISED
    executions = {e["proposal"]: e for e in report["executions"]}
    assert executions["gpt"]["failed"] == 0 and executions["gpt"]["passed"] > 0
    assert executions["claude"]["failed"] == 0
    (judgment,) = [j for j in report["judgments"] if j["target"] == "gpt"]
    assert judgment["judge"] == "claude" and judgment["verdict"] == "correct"
    assert report["confidence"]["label"] == "verified-agreement"

    # The round is recorded, with what it replaced.
    (round_,) = report["revisions"]
    assert round_["round"] == 1 and round_["voice"] == "gpt" and round_["status"] == "revised"
    assert round_["reason"]["test"].endswith(FAILING)
    assert round_["reason"]["source"] == "workspace"
    assert round_["previous_code"] == VARIANT and round_["code"] == REVISED
    assert round_["passes_reason_test"] is True
    assert round_["tests"]["failed"] == 0
    assert round_["judgment"]["verdict"] == "correct"
    assert round_["previous_judgment"]["verdict"] == "incorrect"
    # The usage counts every call: the replaced proposal's and judgment's too.
    shown = [*report["proposals"], *report["judgments"]]
    assert report["usage"]["input_tokens"] > sum(c["usage"]["input_tokens"] for c in shown)


def test_text_report_says_gpt_revised_after_failing_the_test(fake_providers, tmp_path):
    script_failing_gpt(fake_providers)
    fake_providers.script(
        "openai", "submit_revision", Reply.structured({"code": REVISED, "explanation": ""})
    )
    result = run_check(
        default_env(fake_providers), str(FIXTURE), "--lines", "1-7", tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert f"GPT revised its proposal after failing {FAILING}" in result.stdout
    assert "the revision passes" in result.stdout


def test_repair_rounds_zero_makes_no_revision_call(fake_providers, tmp_path):
    script_failing_gpt(fake_providers)
    report = check(default_env(fake_providers, COUNTERPOINT_REPAIR_ROUNDS="0"), tmp_path)
    assert ("openai", "submit_revision") not in kinds(fake_providers)
    assert len(fake_providers.accepted) == 4
    assert report["revisions"] == []
    gpt = next(p for p in report["proposals"] if p["id"] == "gpt")
    assert gpt["code"] == VARIANT
    assert report["recommended"] == "claude"


def test_a_cost_cap_too_low_for_the_revision_sends_none_and_says_why(fake_providers, tmp_path):
    """GPT's input is priced and Claude's free: GPT's revision quotes its own long proposal,
    which no other GPT call sends, so only the revision's worst case is above the cap."""
    padding = "".join(f"    # note {i:04d}: {'x' * 60}\n" for i in range(400))  # ~30 KB
    long_variant = VARIANT.replace("    if k > len(xs):", padding + "    if k > len(xs):")
    script_failing_gpt(fake_providers, long_variant)
    prices = {"claude-opus-5-5": [0, 0], "gpt-6.2-sol": [1000, 0]}  # $ per MTok
    env = default_env(
        fake_providers, COUNTERPOINT_PRICES=json.dumps(prices), COUNTERPOINT_MAX_COST="20"
    )
    report = check(env, tmp_path)

    assert ("openai", "submit_revision") not in kinds(fake_providers)
    assert len(fake_providers.accepted) == 4  # the proposals and judgments were affordable
    (round_,) = report["revisions"]
    assert round_["status"] == "not-made" and round_["voice"] == "gpt"
    assert "not sent" in round_["note"] and "cap" in round_["note"]
    assert round_["reason"]["test"].endswith(FAILING)
    gpt = next(p for p in report["proposals"] if p["id"] == "gpt")
    assert gpt["code"] == long_variant
    assert report["cost"]["request_usd"] <= 20


def test_a_malformed_revision_keeps_the_proposal_and_records_the_failure(fake_providers, tmp_path):
    script_failing_gpt(fake_providers)
    fake_providers.script("openai", "submit_revision", Reply.text("I would rather not."))
    report = check(default_env(fake_providers), tmp_path)

    assert kinds(fake_providers).count(("openai", "submit_revision")) == 1
    gpt = next(p for p in report["proposals"] if p["id"] == "gpt")
    assert gpt["code"] == VARIANT  # nothing lost: the proposal, its judgment and its run
    (judgment,) = [j for j in report["judgments"] if j["target"] == "gpt"]
    assert judgment["verdict"] == "incorrect"
    executions = {e["proposal"]: e for e in report["executions"]}
    assert executions["gpt"]["failed"] == 1
    (failure,) = report["failures"]
    assert failure["voice"] == "gpt" and failure["stage"] == "revise"
    assert failure["kind"] == "malformed"
    (round_,) = report["revisions"]
    assert round_["status"] == "failed" and round_["code"] is None
    assert report["recommended"] == "claude"


async def test_two_rounds_revise_until_the_test_passes_and_snapshots_say_a_revision_runs(
    fake_providers, tmp_path
):
    """In process, with the real SDK clients, the sandbox and the partial reports' listener: a
    first revision that still fails gets a second round; a third round is never asked for."""
    from counterpoint.config import Settings
    from counterpoint.engine.execute import ExecutionOptions, ExecutionService
    from counterpoint.engine.run import cross_check
    from counterpoint.model.request import CrossCheckRequest, Range

    script_failing_gpt(fake_providers)
    still_wrong = VARIANT.replace("return [sum(xs)]", "return [sum(xs[:k])]")
    for code in (still_wrong, REVISED):
        fake_providers.script(
            "openai", "submit_revision", Reply.structured({"code": code, "explanation": ""})
        )
    env = default_env(fake_providers, COUNTERPOINT_REPAIR_ROUNDS="3")
    settings = Settings.from_env(env).merged({"cache": False})
    voices = settings.voices(env)
    request = CrossCheckRequest(
        FIXTURE.as_uri(), FIXTURE.read_text(), "python", Range.of_lines(0, 6), "fix it"
    )
    pending: list[tuple[str, ...]] = []
    try:
        report = await cross_check(
            request,
            voices,
            settings.run_options(),
            execution=ExecutionService(ExecutionOptions(store_dir=tmp_path / "store")),
            workspace_root=FIXTURE.parent,
            on_update=lambda partial: pending.append(partial.pending),
        )
    finally:
        for voice in voices:
            await voice.client.close()  # type: ignore[attr-defined]

    assert kinds(fake_providers).count(("openai", "submit_revision")) == 2
    first, second = report.revisions
    assert (first.round, first.voice, first.passes) == (1, "gpt", False)
    assert (second.round, second.voice, second.passes) == (2, "gpt", True)
    assert first.proposal is not None and first.proposal.code == still_wrong
    assert second.previous is not None and second.previous.code == still_wrong
    assert report.proposal("gpt").code == REVISED
    assert report.confidence.label == "verified-agreement"
    assert any("revision:gpt" in parts for parts in pending)
    assert report.pending == () and report.final
