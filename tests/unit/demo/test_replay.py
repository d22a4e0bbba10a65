"""The demo's replay server, through the real SDK clients (our provider classes): it answers
each recorded call, chosen by which call it is rather than by order, and refuses with a clear
message any call it has no recording for, so the demo cannot drift from the prompts unseen."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest

from counterpoint.core import prompts
from counterpoint.core.context import build_context
from counterpoint.core.schemas import PROPOSAL_SCHEMA
from counterpoint.demo.replay import DEMO_KEYS, Recordings, ReplayServer
from counterpoint.demo.run import target_lines
from counterpoint.languages import language_for
from counterpoint.model.calls import ModelClient, ModelReply, ProviderError, StructuredCall
from counterpoint.model.request import CrossCheckRequest, Range
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.anthropic import AnthropicClient
from counterpoint.providers.openai import OpenAIClient

RECORDINGS = Recordings.packaged()
SAMPLE = resources.files("counterpoint.demo").joinpath("sample", RECORDINGS.path).read_text()


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS, target_lines(RECORDINGS, SAMPLE)) as server:
        yield server


def claude(replay: ReplayServer, key: str = DEMO_KEYS["anthropic"]) -> AnthropicClient:
    return AnthropicClient(RECORDINGS.models["claude"], key, replay.anthropic_url, 10.0, 0)


def gpt(replay: ReplayServer) -> OpenAIClient:
    return OpenAIClient(RECORDINGS.models["gpt"], DEMO_KEYS["openai"], replay.openai_url, 10.0, 0)


def context(instruction: str = RECORDINGS.instruction):
    request = CrossCheckRequest(
        uri="file:///sample/billing.py",
        text=SAMPLE,
        language_id="python",
        selection=Range.of_lines(RECORDINGS.first_line - 1, RECORDINGS.last_line - 1),
        instruction=instruction,
    )
    return build_context(request, language_for("python"), 8000), request.effective_instruction


def proposal_call(instruction: str = RECORDINGS.instruction) -> StructuredCall:
    code_context, said = context(instruction)
    return prompts.proposal_call(code_context, said, RECORDINGS.path, ())


def judgment_call(candidate_voice: str) -> StructuredCall:
    code_context, said = context()
    proposal = RECORDINGS.proposal_of(candidate_voice)
    assert proposal is not None
    return prompts.judgment_call(code_context, said, RECORDINGS.path, proposal.reply["code"], ())


async def complete(client: ModelClient, call: StructuredCall) -> ModelReply:
    try:
        return await client.complete(call)
    finally:
        await client.close()  # type: ignore[attr-defined]


def recorded(voice: str, kind: str) -> dict:
    return next(c.reply for c in RECORDINGS.calls if c.voice == voice and c.kind == kind)


async def test_each_call_gets_its_recorded_reply_whatever_the_order(replay):
    # Judgments first: the reply is chosen by which call it is, not by when it comes.
    judged_by_claude = await complete(claude(replay), judgment_call("gpt"))
    judged_by_gpt = await complete(gpt(replay), judgment_call("claude"))
    claude_proposal = await complete(claude(replay), proposal_call())
    gpt_proposal = await complete(gpt(replay), proposal_call())

    assert judged_by_claude.data == recorded("claude", "submit_judgment")
    assert judged_by_claude.data["verdict"] == "incorrect"
    assert judged_by_gpt.data == recorded("gpt", "submit_judgment")
    assert judged_by_gpt.data["verdict"] == "correct"
    assert claude_proposal.data == recorded("claude", "submit_proposal")
    assert gpt_proposal.data == recorded("gpt", "submit_proposal")
    # Streamed as the APIs stream: usage counted, the first output timed, the model named.
    for reply in (claude_proposal, gpt_proposal, judged_by_claude, judged_by_gpt):
        assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
        assert reply.first_token_s is not None
    assert claude_proposal.model == RECORDINGS.models["claude"]
    assert gpt_proposal.model == RECORDINGS.models["gpt"]
    assert replay.misses == []


async def test_a_call_of_a_kind_never_recorded_is_refused_by_name(replay):
    review = StructuredCall("system", proposal_call().user, "submit_review", PROPOSAL_SCHEMA)
    with pytest.raises(ProviderError) as refused:
        await complete(claude(replay), review)
    assert refused.value.kind == FailureKind.BAD_REQUEST
    assert "counterpoint demo: no recorded reply for anthropic submit_review" in (
        refused.value.message
    )
    assert replay.misses == ["no recorded reply for anthropic submit_review"]


async def test_a_prompt_that_no_longer_quotes_the_recorded_instruction_is_refused(replay):
    with pytest.raises(ProviderError) as refused:
        await complete(gpt(replay), proposal_call("make it faster"))
    assert "does not quote the recorded instruction and target" in refused.value.message
    assert len(replay.misses) == 1


async def test_a_changed_schema_is_refused_with_its_new_fingerprint(replay):
    call = proposal_call()
    schema = {**PROPOSAL_SCHEMA, "required": [*PROPOSAL_SCHEMA["required"], "risk"]}
    schema["properties"] = {**PROPOSAL_SCHEMA["properties"], "risk": {"type": "string"}}
    changed = StructuredCall(call.system, call.user, call.schema_name, schema)
    with pytest.raises(ProviderError) as refused:
        await complete(claude(replay), changed)
    assert "submit_proposal schema has changed" in refused.value.message
    assert "schema has changed" in replay.misses[0] and "record its fingerprint" in replay.misses[0]


async def test_a_judgment_of_a_candidate_never_recorded_is_refused(replay):
    # Claude judging its own proposal: the pipeline never asks this, and nothing answers it.
    with pytest.raises(ProviderError) as refused:
        await complete(claude(replay), judgment_call("claude"))
    assert "its candidate is none of the recorded proposals" in refused.value.message


async def test_a_key_that_is_not_the_demos_is_refused(replay):
    with pytest.raises(ProviderError) as refused:
        await complete(claude(replay, key="sk-ant-api03-" + "x" * 40), proposal_call())
    assert refused.value.kind == FailureKind.AUTH
    assert "only the demo's own key" in refused.value.message
