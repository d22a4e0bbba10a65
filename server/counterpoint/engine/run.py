"""The pipeline: propose with every voice at once, judge each proposal as soon as it arrives.

Wall time approaches max over voices of (propose + judge), not the sum of the stages. A failing
voice does not sink the run: its failure is recorded and the others' work still comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from counterpoint.core import prompts
from counterpoint.core.behaviour import behaviour_compared, differences, with_shrunk
from counterpoint.core.confidence import assess, blocks_agreement
from counterpoint.core.context import DEFAULT_CONTEXT_CHARS, CodeContext, check_size
from counterpoint.core.injection import addressed_to_models
from counterpoint.core.parse import parse_judgment, parse_proposal
from counterpoint.core.regions import disagreements, issue_range, normalised
from counterpoint.core.repair import RepairCase, repair_cases
from counterpoint.core.secrets import Redactor, Secrets
from counterpoint.engine.budget import Budget, RetryBudget, Spending
from counterpoint.engine.execute import ExecutionJob, ExecutionService
from counterpoint.engine.lanes import Lanes
from counterpoint.engine.offload import prepare_context
from counterpoint.engine.privacy import refuse_private
from counterpoint.languages import language_for, test_support
from counterpoint.model.calls import (
    ModelClient,
    ModelReply,
    ProviderError,
    StructuredCall,
    TokenCallback,
    Usage,
)
from counterpoint.model.execution import ORIGINAL, Counterexample, Execution
from counterpoint.model.report import (
    Confidence,
    Disagreement,
    Failure,
    Judgment,
    JudgmentIssue,
    Proposal,
    Report,
    Revision,
    StageTiming,
)
from counterpoint.model.request import CrossCheckRequest, RequestError
from counterpoint.model.vocabulary import FailureKind, RevisionStatus, Stage
from counterpoint.workspace import find_project_root

ProgressCallback = Callable[[str], None]
# Called with a partial report (final False) each time a piece arrives: a proposal, a
# judgment, a failure, the baseline's or a proposal's test run. The run's return value is the
# final report.
UpdateCallback = Callable[[Report], None]
log = logging.getLogger(__name__)
MAX_DIFFERENCES_SHOWN = 20


@dataclass(frozen=True)
class Voice:
    """One model that proposes and judges: a client plus the names the user sees."""

    id: str  # stable, used in reports and commands: "claude", "gpt"
    name: str  # shown to the user: "Claude", "GPT"
    client: ModelClient
    family_name: str | None = None  # who made the model; defaults to the wire format

    @property
    def family(self) -> str:
        return self.family_name or self.client.provider


# The voices, or how to get them once the request has been checked (the Engine builds them
# then, so a refused request never waits for an SDK import).
VoiceSource = Callable[[], Awaitable[Sequence[Voice]]]


@dataclass(frozen=True)
class RunOptions:
    call_timeout_s: float = 120.0
    context_chars: int = DEFAULT_CONTEXT_CHARS
    prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # $ per MTok
    max_cost_usd: float | None = None  # per request; a call that could pass it is not made
    max_retries: int = 2  # per call; a request's calls share voices × this many in all
    # How often a proposal that fails a test another version passes may revise (0: never).
    repair_rounds: int = 1

    def cost(self, model: str, usage: Usage) -> float | None:
        price = self.prices.get(model)
        if price is None:
            return None
        return (usage.input_tokens * price[0] + usage.output_tokens * price[1]) / 1_000_000

    def worst_case_cost(self, model: str, call: StructuredCall) -> float | None:
        """An upper bound before the call: a token per UTF-8 byte of what is sent (the most a
        byte-level tokenizer makes; text outside ASCII can take more than one a character),
        the schema and the provider's tool prompt included, and max_tokens out."""
        return self.cost(model, Usage(_most_input_tokens(call), call.max_tokens))


def _estimated_input_tokens(call: StructuredCall) -> int:
    return (len(call.system) + len(call.user)) // 3 + 1


# What a provider adds to the input around a forced tool or JSON schema (Anthropic documents a
# few hundred tokens for its tool-use system prompt).
_TOOL_PROMPT_TOKENS = 1_000


def _most_input_tokens(call: StructuredCall) -> int:
    sent = call.system + call.user + json.dumps(call.schema, ensure_ascii=False)
    return len(sent.encode("utf-8", "surrogatepass")) + _TOOL_PROMPT_TOKENS


def assign_judges(voices: Sequence[Voice]) -> dict[str, Voice | None]:
    """Round-robin: each voice is judged by the next voice of a different family."""
    judges: dict[str, Voice | None] = {}
    for index, voice in enumerate(voices):
        rotation = [voices[(index + step) % len(voices)] for step in range(1, len(voices))]
        judges[voice.id] = next((v for v in rotation if v.family != voice.family), None)
    return judges


def document_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "") else uri


async def cross_check(
    request: CrossCheckRequest,
    voices: Sequence[Voice] | VoiceSource,
    options: RunOptions | None = None,
    progress: ProgressCallback | None = None,
    secrets: Secrets = (),
    execution: ExecutionService | None = None,
    workspace_root: Path | None = None,
    session: Budget | None = None,
    on_update: UpdateCallback | None = None,
    request_id: str | None = None,
) -> Report:
    """Propose with every voice, judge across families, and run the tests when `execution`
    is given; every call is charged to `session` too, and checked against its cap. Raises
    RequestError for a request that cannot be served as given. `on_update` gets a partial
    report as each piece arrives; `request_id` is the id every snapshot and the report carry
    (a fresh one when not given)."""
    options = options or RunOptions()
    check_size(request)
    path = document_path(request.uri)
    # One per request: the same secret gets the same placeholder in every prompt and output.
    redactor = (
        secrets
        if isinstance(secrets, Redactor)
        else Redactor(secrets, filename=PurePosixPath(path).name)
    )
    on_disk = Path(path) if urlparse(request.uri).scheme == "file" else None
    root = workspace_root or (find_project_root(on_disk) if on_disk else None)
    refuse_private(Path(path), root)
    language = language_for(request.language_id, path)
    context = await prepare_context(request, language, options.context_chars)
    if callable(voices):  # built only now: a request refused above imports no SDK
        voices = await voices()
    if len({voice.family for voice in voices}) < 2:
        raise RequestError("a cross-check needs voices from at least two model families")
    # Number the context's secrets before the baseline's output can: placeholders, and so the
    # prompts and their cache keys, are then the same on every run of this request. It also
    # counts them when every call fails.
    for part in (context.target_code, context.enclosing_code or "", context.imports):
        redactor.redact(part)
    for signature in context.signatures:
        redactor.redact(signature)
    job = execution.job(request, context, language, on_disk, root, redactor) if execution else None
    test_hint = ""
    support = test_support(language)
    if support is not None and root is not None and on_disk is not None:
        with contextlib.suppress(ValueError):
            rel = on_disk.relative_to(root).as_posix()
            module = support.module_name(root, rel)
            test_hint = support.import_hint(module, root, rel) if module else ""
    run = _Run(
        request,
        context,
        voices,
        options,
        progress or (lambda _: None),
        redactor,
        file_name=PurePosixPath(path).name,
        session=session,
        job=job,
        test_hint=test_hint,
        on_update=on_update,
        request_id=request_id or uuid.uuid4().hex[:12],
    )
    if job is not None:
        job.start()
    try:
        return await run.execute()
    finally:
        if job is not None:
            job.cancel()  # a cancelled or failed run leaves no test process behind


class _Run:
    def __init__(
        self,
        request: CrossCheckRequest,
        context: CodeContext,
        voices: Sequence[Voice],
        options: RunOptions,
        progress: ProgressCallback,
        redactor: Redactor,
        *,
        file_name: str,
        session: Budget | None,
        job: ExecutionJob | None,
        test_hint: str,
        on_update: UpdateCallback | None = None,
        request_id: str = "",
    ) -> None:
        self.request = request
        self.file_name = file_name
        self.context = context
        self.voices = voices
        self.options = options
        self.progress = progress
        self.redactor = redactor
        self.instruction = request.effective_instruction
        self.proposals: list[Proposal] = []
        self.judgments: list[Judgment] = []
        self.failures: list[Failure] = []
        self.timings: list[StageTiming] = []
        self.executions: list[Execution] = []
        self.revisions: list[Revision] = []
        self._revising: set[str] = set()  # voices whose revision is under way
        self.budget = Budget(options.max_cost_usd, "per-request")
        # Every call is checked against and charged to the request's cap and the session's.
        self.spending = Spending((self.budget,) if session is None else (self.budget, session))
        self.retries = RetryBudget(options.max_retries, options.max_retries * len(voices))
        self.started = time.monotonic()
        self.job = job
        self.test_hint = test_hint
        self._unproposed = len(voices)
        self.names = {voice.id: voice.name for voice in voices}
        self._all_proposed = asyncio.Event()
        self.on_update = on_update
        self.request_id = request_id or uuid.uuid4().hex[:12]
        # Every lane's state as one progress line; a streaming provider reports its tokens
        # through `lanes.writing(voice_id, tokens)`.
        self.lanes = Lanes(self.names, progress)
        self.judges = assign_judges(voices)
        self._compared: tuple[object, tuple[Disagreement, ...]] | None = None
        self._shrunk: Counterexample | None = None  # the shown counterexample, shrunk

    async def execute(self) -> Report:
        baseline = None
        if self.job is not None:
            self.lanes.tests_running(ORIGINAL)  # started with the job, while the models write
            baseline = asyncio.ensure_future(self._baseline())
        try:
            await asyncio.gather(
                *(self._lane(voice, self.judges[voice.id]) for voice in self.voices)
            )
            self.lanes.finished()
            if baseline is not None:
                await baseline
            if await self._repair():
                self.lanes.finished()
        finally:
            if baseline is not None and not baseline.done():
                baseline.cancel()
        if self.job is not None:
            await self._shrink()
            self.lanes.tests_done()
        return self._report(final=True)

    async def _repair(self) -> bool:
        """Repair rounds: each proposal that fails a test another version passes revises once a
        round; the revision is judged by the other family, re-run, and replaces the proposal.
        True when a revision was asked for."""
        if self.job is None:
            return False
        asked = False
        stopped: set[str] = set()  # voices whose last revision was not made or failed
        for round_number in range(1, self.options.repair_rounds + 1):
            cases = repair_cases(
                self.proposals,
                self.executions,
                expectations=self.request.expectations,
                counterexamples=differences(self.executions, self.job.probe),
                names=self.names,
                excluded=stopped,
            )
            if not cases:
                break
            asked = True
            made = await asyncio.gather(*(self._revise(round_number, case) for case in cases))
            stopped |= {case.voice for case, ok in zip(cases, made, strict=True) if not ok}
        return asked

    async def _revise(self, round_number: int, case: RepairCase) -> bool:
        """One voice's revision: True when it replaced the proposal."""
        voice = next(v for v in self.voices if v.id == case.voice)
        previous = next(p for p in self.proposals if p.id == voice.id)
        reason = case.failing[0]

        def recorded(status: RevisionStatus, **found: Any) -> Revision:
            revision = Revision(
                round_number,
                voice.id,
                reason.id,
                reason.source,
                self.redactor.redact(reason.message),
                tuple(t.id for t in case.failing),
                status,
                previous=previous,
                **found,
            )
            self.revisions.append(revision)
            self._update()
            return revision

        self._revising.add(voice.id)
        self.lanes.revising(voice.id)
        self._update()  # a snapshot that says the revision runs
        call = prompts.revision_call(
            self.context,
            self.instruction,
            self.file_name,
            previous.code,
            case.failing,
            self.redactor,
        )
        try:
            reply, elapsed = await self._call(
                voice, call, Stage.REVISE, lambda tokens: self.lanes.revising(voice.id, tokens)
            )
            content = parse_proposal(reply, self.context.target_code)
        except ProviderError as error:
            self._revising.discard(voice.id)
            message = self.redactor.redact(error.message)
            if error.kind == FailureKind.BUDGET:  # refused before it was sent: nothing failed
                self.lanes.proposed(voice.id)
                recorded(RevisionStatus.NOT_MADE, note=message)
                return False
            self.failures.append(
                Failure(voice.id, voice.client.provider, Stage.REVISE, error.kind, message)
            )
            self.lanes.failed(voice.id, f"{error.kind} revising")
            recorded(RevisionStatus.FAILED, note=message)
            return False
        revised = replace(
            previous,
            code=content.code,
            explanation=content.explanation,
            structured=content.structured,
            **self._of_reply(voice, reply, elapsed),
        )
        # The revision stands in the proposal's place; what it replaced is kept in the record.
        previous_judgment = next((j for j in self.judgments if j.target == voice.id), None)
        self.proposals = [revised if p.id == voice.id else p for p in self.proposals]
        self.judgments = [j for j in self.judgments if j.target != voice.id]
        self.executions = [e for e in self.executions if e.proposal != voice.id]
        self._revising.discard(voice.id)
        self.lanes.proposed(voice.id)
        self._update()
        judge = self.judges[voice.id]
        await asyncio.gather(
            self._execute(revised), *([self._judge(judge, revised)] if judge else [])
        )
        recorded(
            RevisionStatus.REVISED,
            previous_judgment=previous_judgment,
            proposal=revised,
            execution=next((e for e in self.executions if e.proposal == voice.id), None),
            judgment=next((j for j in self.judgments if j.target == voice.id), None),
        )
        return True

    async def _shrink(self) -> None:
        """Shrink the counterexample the report will show, when Counterpoint searched it: what
        someone wrote (an example) is shown as written."""
        assert self.job is not None
        found = differences(self.executions, self.job.probe)
        shown = next((d for d in found if blocks_agreement(d)), found[0] if found else None)
        if shown is None or shown.origin == "example":
            return
        order = [voice.id for voice in self.voices]  # outcomes in the voices' order
        codes = {p.id: p.code for p in sorted(self.proposals, key=lambda p: order.index(p.id))}
        codes = {pid: code for pid, code in codes.items() if pid in shown.outcomes}
        self._shrunk = await self.job.shrink(codes, shown)

    async def _baseline(self) -> None:
        assert self.job is not None
        self.executions.append(await self.job.baseline())
        self.lanes.tests_ran(ORIGINAL)
        self._update()

    def _update(self) -> None:
        """Hand the listener a snapshot of what has arrived; its failure never sinks the run."""
        if self.on_update is None:
            return
        try:
            self.on_update(self._report(final=False))
        except Exception:
            log.exception("a partial report's listener failed")

    def _pending(self) -> tuple[str, ...]:
        """What a snapshot still waits for, in the report's `pending` spelling."""
        proposed = {p.id for p in self.proposals}
        failed_to_propose = {f.voice_id for f in self.failures if f.stage == Stage.PROPOSE}
        unjudgeable = {f.target for f in self.failures if f.stage == Stage.JUDGE}
        judged = {j.target for j in self.judgments}
        tested = {e.proposal for e in self.executions}
        pending = []
        for voice in self.voices:
            if voice.id in failed_to_propose:
                continue
            if voice.id not in proposed:
                pending.append(f"proposal:{voice.id}")
            if voice.id not in judged | unjudgeable and self.judges[voice.id] is not None:
                pending.append(f"judgment:{voice.id}")
        if self.job is not None:
            pending += [
                f"tests:{version}"
                for version in [ORIGINAL]
                + [v.id for v in self.voices if v.id not in failed_to_propose]
                if version not in tested
            ]
        pending += [f"revision:{voice}" for voice in sorted(self._revising)]
        return (*pending, "comparison")

    def _compare(
        self,
        proposals: list[Proposal],
        judgments: list[Judgment],
        same_code: bool,
        counterexample: Counterexample | None,
    ) -> tuple[Disagreement, ...]:
        """The regions, found again only when what they depend on changed."""
        key = (len(proposals), len(judgments), same_code, repr(counterexample))
        if self._compared is None or self._compared[0] != key:
            found = disagreements(
                self.context, self.names, proposals, judgments, same_code, counterexample
            )
            self._compared = (key, found)
        return self._compared[1]

    def _report(self, *, final: bool) -> Report:
        order = {voice.id: index for index, voice in enumerate(self.voices)}
        proposals = sorted(self.proposals, key=lambda p: order[p.id])
        judgments = sorted(self.judgments, key=lambda j: order[j.target])
        same_code = len({normalised(p.code) for p in proposals}) == 1
        executions = sorted(
            self.executions,
            key=lambda e: -1 if e.proposal == ORIGINAL else order.get(e.proposal, 99),
        )
        probe = self.job.probe if self.job else None
        found = with_shrunk(differences(executions, probe), self._shrunk)
        assessment = assess(
            proposals,
            judgments,
            self.failures,
            same_code,
            {voice.id: voice.name for voice in self.voices},
            executions,
            found,
        )
        counterexample = next(
            (d for d in found if blocks_agreement(d)), found[0] if found else None
        )
        if final:
            compared = disagreements(
                self.context, self.names, proposals, judgments, same_code, counterexample
            )
            confidence, recommended = assessment.confidence, assessment.recommended
            setup = self._described(found, executions)
        else:
            # Regions need every proposal; until then a proposal has nothing to differ from.
            compared = (
                self._compare(proposals, judgments, same_code, counterexample)
                if self._all_proposed.is_set()
                else ()
            )
            reasons = ("not final: the cross-check is still running",)
            confidence = Confidence(assessment.confidence.label, reasons)
            recommended = None  # nothing is recommended before the comparison
            setup = {"available": self.job is not None, "notes": []}
        return Report(
            request_id=self.request_id,
            uri=self.request.uri,
            language=self.context.language,
            instruction=self.instruction,
            document_version=self.request.version,
            target_range=self.context.target_range,
            original_code=self.redactor.redact(self.context.target_code),
            proposals=tuple(proposals),
            judgments=tuple(judgments),
            disagreements=compared,
            confidence=confidence,
            recommended=recommended,
            failures=tuple(self.failures),
            executions=tuple(executions),
            execution_setup=setup,
            timings=tuple(sorted(self.timings, key=lambda t: t.start_s)),
            wall_s=time.monotonic() - self.started,
            privacy=self._privacy(),
            notes=self._addressed_to_models(proposals),
            cost=self._cost(proposals, judgments),
            final=final,
            pending=() if final else self._pending(),
            voice_names=dict(self.names),
            revisions=tuple(
                sorted(self.revisions, key=lambda r: (r.round, order.get(r.voice, 99)))
            ),
        )

    def _described(
        self, found: list[Counterexample], executions: list[Execution]
    ) -> dict[str, Any]:
        """Where and how the tests ran, with the behaviour probe's calls and differences."""
        described = self.job.describe() if self.job else None
        if described is None:
            return {"available": False, "notes": ["execution is turned off"]}
        probe = self.job.probe if self.job else None
        if probe is not None:
            compared, note = behaviour_compared(executions, self.names)
            described["notes"].append(note)
            described["behaviour"] = {
                "calls": len(probe.calls),
                "compared_calls": compared,
                "by_origin": dict(Counter(probe.origins or ["example"] * len(probe.calls))),
                "differences": [d.to_json() for d in found[:MAX_DIFFERENCES_SHOWN]],
                "different_calls": len(found),
            }
        return described

    def _cost(self, proposals: list[Proposal], judgments: list[Judgment]) -> dict[str, object]:
        return {
            "request_usd": round(self.budget.spent, 6),
            "cap_usd": self.options.max_cost_usd,
            "unpriced_models": sorted(self.spending.unpriced),
            "retries": self.retries.taken,
            "cached_calls": sum(1 for p in proposals if p.cached)
            + sum(1 for j in judgments if j.cached),
        }

    async def _lane(self, voice: Voice, judge: Voice | None) -> None:
        """Propose, then hand the proposal straight to its judge: no waiting for other voices.
        Its tests run once every voice has proposed, since they include every family's tests."""
        try:
            proposal = await self._propose(voice)
        finally:
            self._unproposed -= 1
            if self._unproposed == 0:
                self._all_proposed.set()
        if proposal is None:
            return
        stages = [self._execute(proposal)]
        if judge is None:
            self.failures.append(
                Failure(
                    voice.id,
                    voice.client.provider,
                    Stage.JUDGE,
                    FailureKind.NO_JUDGE,
                    "no voice of another family",
                )
            )
        else:
            stages.append(self._judge(judge, proposal))
        await asyncio.gather(*stages)

    async def _execute(self, proposal: Proposal) -> None:
        if self.job is None:
            return
        await self._all_proposed.wait()
        order = {voice.id: index for index, voice in enumerate(self.voices)}
        everyone = sorted(self.proposals, key=lambda p: order[p.id])
        model_tests = {p.id: p.tests for p in everyone}
        edge_cases = [case for p in everyone for case in p.edge_cases]
        self.lanes.tests_running(proposal.id)
        started = time.monotonic()
        result = await self.job.run_proposal(proposal.id, proposal.code, model_tests, edge_cases)
        self.timings.append(
            StageTiming(
                proposal.id, Stage.EXECUTE, started - self.started, time.monotonic() - self.started
            )
        )
        self.executions.append(result)
        self.lanes.tests_ran(proposal.id)
        self._update()

    async def _propose(self, voice: Voice) -> Proposal | None:
        self.lanes.writing(voice.id)
        call = prompts.proposal_call(
            self.context, self.instruction, self.file_name, self.redactor, self.test_hint
        )
        try:
            reply, elapsed = await self._call(voice, call, Stage.PROPOSE, self._writing(voice))
            content = parse_proposal(reply, self.context.target_code)
        except ProviderError as error:
            self.failures.append(
                Failure(
                    voice.id,
                    voice.client.provider,
                    Stage.PROPOSE,
                    error.kind,
                    self.redactor.redact(error.message),  # a provider may echo the request
                )
            )
            self.lanes.failed(voice.id, str(error.kind))
            self._update()
            return None
        proposal = Proposal(
            id=voice.id,
            voice_name=voice.name,
            provider=voice.client.provider,
            family=voice.family,
            code=content.code,
            explanation=content.explanation,
            tests=content.tests,
            structured=content.structured,
            edge_cases=content.edge_cases,
            **self._of_reply(voice, reply, elapsed),
        )
        self.proposals.append(proposal)
        self.lanes.proposed(voice.id)
        if len(self.proposals) == len(self.voices):
            self._all_proposed.set()  # the comparison of this very snapshot can start
        self._update()
        return proposal

    async def _judge(self, judge: Voice, proposal: Proposal) -> None:
        self.lanes.judging(judge.id, proposal.id)
        call = prompts.judgment_call(
            self.context, self.instruction, self.file_name, proposal.code, self.redactor
        )
        candidate_lines = proposal.code.rstrip("\n").count("\n") + 1
        try:
            # No token count while judging: its lane says "judging X's proposal".
            reply, elapsed = await self._call(judge, call, Stage.JUDGE, None)
            verdict = parse_judgment(reply, candidate_lines)
        except ProviderError as error:
            self.failures.append(
                Failure(
                    judge.id,
                    judge.client.provider,
                    Stage.JUDGE,
                    error.kind,
                    self.redactor.redact(error.message),
                    proposal.id,
                )
            )
            self.lanes.failed(judge.id, str(error.kind), target=proposal.id)
            self._update()
            return
        self.judgments.append(
            Judgment(
                judge=judge.id,
                judge_provider=judge.client.provider,
                judge_model=reply.model or judge.client.model,
                target=proposal.id,
                verdict=verdict.verdict,
                confidence=verdict.confidence,
                summary=verdict.summary,
                issues=tuple(
                    JudgmentIssue(
                        issue.start_line,
                        issue.end_line,
                        issue_range(self.context, proposal.code, issue.start_line, issue.end_line),
                        issue.severity,
                        issue.message,
                    )
                    for issue in verdict.issues
                ),
                usage=reply.usage,
                elapsed_s=elapsed,
                cached=reply.cached,
                cost_usd=self.cost_of(judge, reply),
                first_token_s=reply.first_token_s,
            )
        )
        self.lanes.judged(judge.id, proposal.id)
        self._update()

    def _writing(self, voice: Voice) -> TokenCallback:
        """A proposal's streamed tokens, into its lane's "writing, N tokens"."""
        return lambda tokens: self.lanes.writing(voice.id, tokens)

    async def _call(
        self, voice: Voice, call: StructuredCall, stage: Stage, on_tokens: TokenCallback | None
    ) -> tuple[ModelReply, float]:
        model = voice.client.model
        reservation = self.spending.reserve(model, self.options.worst_case_cost(model, call))
        granted = self.retries.grant()
        started = time.monotonic()
        retries, cost = 0, 0.0
        try:
            reply = await asyncio.wait_for(
                voice.client.complete(call, max_retries=granted, on_tokens=on_tokens),
                self.options.call_timeout_s,
            )
            retries, cost = reply.retries, self.cost_of(voice, reply) or 0.0
        except (asyncio.TimeoutError, asyncio.CancelledError) as stopped:
            # The request was sent and the provider bills it; its usage never comes back, so
            # count the input's estimate.
            cost = self.options.cost(model, Usage(_estimated_input_tokens(call), 0)) or 0.0
            if isinstance(stopped, asyncio.CancelledError):
                raise
            raise ProviderError(
                FailureKind.TIMEOUT, f"no reply within {self.options.call_timeout_s:g} s"
            ) from None
        except ProviderError as error:
            retries, cost = error.retries, self.options.cost(model, error.usage) or 0.0
            if error.kind == "timeout":  # each attempt the SDK gave up on was sent, as above
                sent = self.options.cost(model, Usage(_estimated_input_tokens(call), 0)) or 0.0
                cost = max(cost, sent * (error.retries + 1))
            raise
        except Exception as error:  # an adapter bug must not sink the other voices
            raise ProviderError(FailureKind.ERROR, f"{type(error).__name__}: {error}") from error
        finally:
            self.retries.used(granted, retries)
            self.spending.settle(reservation, cost)
            self.timings.append(
                StageTiming(
                    voice.id, stage, started - self.started, time.monotonic() - self.started
                )
            )
        return reply, time.monotonic() - started

    def _addressed_to_models(self, proposals: list[Proposal]) -> tuple[str, ...]:
        """Lines a proposal added that talk to reviewers or models, found without a judge."""
        return tuple(
            f"{proposal.voice_name}'s proposal adds text addressed to reviewers or models at its "
            f"line {line}: {text!r}"
            for proposal in proposals
            for line, text in addressed_to_models(proposal.code, self.context.target_code)
        )

    def _privacy(self) -> dict[str, object]:
        """What was replaced, by kind, in everything sent to the models or put in the report."""
        return {"redacted": self.redactor.counts, "redacted_total": self.redactor.total}

    def _of_reply(self, voice: Voice, reply: ModelReply, elapsed: float) -> dict[str, Any]:
        """What a proposal, first or revised, takes from the call that wrote it."""
        return {
            "usage": reply.usage,
            "elapsed_s": elapsed,
            "cached": reply.cached,
            "cost_usd": self.cost_of(voice, reply),
            "model": reply.model or voice.client.model,
            "first_token_s": reply.first_token_s,
        }

    def cost_of(self, voice: Voice, reply: ModelReply) -> float | None:
        if reply.cached:
            return 0.0
        cost = self.options.cost(voice.client.model, reply.usage)
        if cost is None:
            self.spending.unpriced.add(voice.client.model)
        return cost
