"""The `counterpoint.crossCheck` command: run the pipeline on a range and publish the result.

By default the command answers once the run has started (`{"requestId", "started": true,
"uri"}`), so a client's request timeout (eglot gives up after 10 s) cannot cost it the result:
each piece is published as diagnostics the moment it exists, and the end arrives as the
notification `counterpoint/crossCheckDone` with the summary the command used to return (or
`error`, or `cancelled` with a `reason`). A client that sends `"waitForResult": true` in its
initializationOptions gets the summary as the command's answer instead, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import Workspace

from counterpoint.config import ConfigError
from counterpoint.core.context import check_size
from counterpoint.core.secrets import Redactor
from counterpoint.core.wording import summary_line
from counterpoint.engine.run import document_path
from counterpoint.engine.slots import SlotsFull
from counterpoint.languages import UnsupportedLanguageError
from counterpoint.lsp.convert import to_pipeline_range
from counterpoint.lsp.diagnostics import publish, publish_soon
from counterpoint.lsp.editor import Editor, show_message
from counterpoint.lsp.protocol import ContentModified, RequestFailed
from counterpoint.lsp.session import Session
from counterpoint.lsp.state import StoredReport
from counterpoint.model.report import Report
from counterpoint.model.request import CrossCheckRequest, RequestError
from counterpoint.model.text import LineWindow
from counterpoint.model.vocabulary import SERVICE_FAILURES, ConfidenceLabel

log = logging.getLogger(__name__)

CANCEL_COMMAND = "counterpoint.cancel"
DONE_NOTIFICATION = "counterpoint/crossCheckDone"


async def run_cross_check(
    editor: Editor, session: Session, arguments: tuple[Any, ...], request_id: Any
) -> dict[str, Any]:
    """`request_id` is the command's JSON-RPC id, for $/cancelRequest to find the run."""
    uri, selection, instruction = _parse_arguments(arguments)
    workspace = editor.workspace
    if uri not in workspace.text_documents:
        # Its version would be unknown, so an accepted proposal could overwrite later edits.
        raise RequestFailed(f"open {uri} in the editor before cross-checking it")
    document = workspace.get_text_document(uri)
    request = CrossCheckRequest(
        uri=uri,
        text=document.source,
        language_id=document.language_id,
        selection=to_pipeline_range(document, selection),
        instruction=instruction,
        version=document.version,
    )
    return await start_cross_check(editor, session, request, request_id)


async def start_cross_check(
    editor: Editor, session: Session, request: CrossCheckRequest, request_id: Any
) -> dict[str, Any]:
    """Run `request` as the command does: its summary, or that it started (see above)."""
    uri = request.uri
    try:
        check_size(request)  # refused at once, before anything parses the document
    except RequestError as error:
        raise RequestFailed(str(error)) from None
    settings = await session.current_settings()
    engine = session.engine
    try:
        # A missing key is said now, before anything else starts. Only the keys are checked:
        # building the voices imports the SDKs, which the engine does off the event loop.
        engine.check_keys()
    except ConfigError as error:
        raise RequestFailed(str(error)) from None
    exhausted = engine.session_exhausted()
    if exhausted is not None:
        raise RequestFailed(exhausted)

    try:
        engine.check_slots.refuse_if_full(settings.max_concurrent_checks)  # before it replaces
    except SlotsFull as error:
        raise RequestFailed(str(error)) from None

    run_id = uuid.uuid4().hex[:12]
    if session.wait_for_result:
        return await _cross_check(editor, session, request, request_id, run_id)
    task = asyncio.create_task(_in_background(editor, session, request, request_id, run_id))
    session.background.add(task)
    task.add_done_callback(session.background.discard)
    return {"requestId": run_id, "started": True, "uri": uri}


async def _in_background(
    editor: Editor, session: Session, request: CrossCheckRequest, request_id: Any, run_id: str
) -> None:
    """The run of a command that already answered: its end is a notification."""
    done: dict[str, Any] = {"requestId": run_id, "uri": request.uri}
    try:
        done = {**done, **await _cross_check(editor, session, request, request_id, run_id)}
    except ContentModified as replaced:
        done.update(cancelled=True, reason=str(replaced))
    except asyncio.CancelledError:
        done.update(cancelled=True, reason="cancelled")
    except RequestFailed as refused:
        done.update(error=str(refused))
    except Exception as error:
        log.exception("cross-check %s failed", run_id)
        done.update(error=f"{type(error).__name__}: {error}")
    with contextlib.suppress(Exception):  # the client may be gone
        editor.protocol.notify(DONE_NOTIFICATION, done)


def cancel_cross_check(session: Session, arguments: tuple[Any, ...]) -> dict[str, Any]:
    """`counterpoint.cancel` `{"requestId": …}`: stop a run that already answered."""
    argument = arguments[0] if len(arguments) == 1 else None
    run_id = argument.get("requestId") if isinstance(argument, dict) else None
    if not isinstance(run_id, str):
        raise JsonRpcInvalidParams(f'{CANCEL_COMMAND} takes one argument {{"requestId": …}}')
    task = session.tasks_by_request.get(run_id)
    if task is None or task.done():
        return {"requestId": run_id, "cancelled": False}
    session.cancel_request(run_id)
    return {"requestId": run_id, "cancelled": True}


async def _cross_check(
    editor: Editor, session: Session, request: CrossCheckRequest, request_id: Any, run_id: str
) -> dict[str, Any]:
    """Run it, publishing each partial report, and return the summary."""
    uri = request.uri
    workspace = editor.workspace
    settings = await session.current_settings()
    engine = session.engine
    limit = settings.max_concurrent_checks
    span = session.track(request.selection, uri, request_id)
    session.also_known_as(run_id)
    session.cancel_overlapping(uri, span)  # the newer request replaces older ones on these lines
    publish(editor, session, uri)  # shows "Cross-checking…" on the range
    admitted = False
    # Kept with the report: an accepted edit gets the real values back where a proposal kept
    # a secret's placeholder.
    redactor = Redactor(settings.secrets(), filename=PurePosixPath(document_path(uri)).name)
    target_lines: list[LineWindow] = []
    proposals_shown = 0

    def on_update(partial: Report) -> None:
        """Store what has arrived over the last snapshot and publish it; a proposal at once."""
        nonlocal proposals_shown
        stored = session.store.get(run_id)
        if stored is not None:
            session.store.replace(replace(stored, report=partial))  # keeps edits' shifts
        elif target_lines:
            return  # dropped by an edit inside the lines: the run is being cancelled
        else:
            target = partial.target_range
            target_lines.append(LineWindow(request.text, target.start.line, target.end.line))
            session.store.add(
                StoredReport(
                    partial,
                    uri,
                    request.version,
                    target_lines[0],
                    secrets=redactor,
                    expectations=request.expectations,
                )
            )
        urgent = len(partial.proposals) > proposals_shown
        proposals_shown = len(partial.proposals)
        publish_soon(editor, session, uri, urgent=urgent)

    try:
        try:
            # A missing key is said before anything else starts. Building the voices imports
            # the SDKs the first time (seconds): off the event loop, after the answer.
            await asyncio.to_thread(engine.voices)
        except ConfigError as error:
            raise _refused(editor, session, str(error), shown=str(error)) from None
        async with _progress(editor, "Counterpoint") as report_stage:
            await engine.check_slots.acquire(limit, report_stage)
            admitted = True
            report = await engine.cross_check(
                request,
                progress=report_stage,
                secrets=redactor,
                workspace_root=workspace_root_of(workspace, uri),
                on_update=on_update,
                request_id=run_id,
            )
    except (RequestError, UnsupportedLanguageError, SlotsFull) as error:
        session.store.drop(run_id)
        raise _refused(editor, session, str(error)) from None
    except BaseException as error:
        session.store.drop(run_id)  # a cancelled or failed run leaves no partial report
        if not isinstance(error, asyncio.CancelledError):
            raise
        log.info("cross-check on %s cancelled", uri)
        reason = session.cancel_reason()
        if reason is None:
            raise  # the client's $/cancelRequest or shutdown: pygls answers for it
        # pygls runs commands inside a generator that does not answer a request whose command
        # was cancelled: the client would wait for ever. Say why instead.
        raise ContentModified(reason) from None
    finally:
        if admitted:
            engine.check_slots.release(limit)
        session.untrack()
        publish(editor, session, uri)  # clears "Cross-checking…" (and nothing later)

    stored = session.store.get(run_id)
    if stored is not None:
        session.store.replace(replace(stored, report=report))
    elif not target_lines:
        target = report.target_range
        # Only the checked lines, for position conversion: not a copy of every line of the file.
        lines = LineWindow(request.text, target.start.line, target.end.line)
        session.store.add(
            StoredReport(
                report,
                uri,
                request.version,
                lines,
                secrets=redactor,
                expectations=request.expectations,
            )
        )
    publish(editor, session, uri)
    log.info("cross-check %s on %s: %s", report.request_id, uri, report.confidence.label)
    message = summary_line(report)
    if _service_failed(report) and not session.shows_done_notification:
        # No squiggle says it (the code is not at fault): a message does, once.
        kind = (
            types.MessageType.Error
            if report.confidence.label == ConfidenceLabel.FAILED
            else types.MessageType.Warning
        )
        show_message(editor, f"Counterpoint: {message}", kind)
    budget = engine.session_budget
    session_cost = {
        "session_usd": round(budget.spent, 6),
        "session_cap_usd": budget.cap,
        "session_unpriced_models": sorted(budget.unpriced),
    }
    return {**report.summary(), "message": message, "cost": {**report.cost, **session_cost}}


def _service_failed(report: Report) -> bool:
    """A model call failed for a reason of the service's (no network, a key refused, a provider
    down), not of the code."""
    return report.confidence.label == ConfidenceLabel.FAILED or any(
        f.kind in SERVICE_FAILURES for f in report.failures
    )


def _refused(
    editor: Editor, session: Session, message: str, shown: str | None = None
) -> RequestFailed:
    """The error that ends a run. A client waiting for the result gets it as the error response
    and nothing else (clients show it; a window/showMessage as well said it twice). A run whose
    command already answered ends in `counterpoint/crossCheckDone`, which not every client
    shows: the message says it too, unless the client said it shows that notification itself."""
    if not (session.wait_for_result or session.shows_done_notification):
        shown = f"Counterpoint: {message}" if shown is None else shown
        show_message(editor, shown, types.MessageType.Error)
    return RequestFailed(message)


def workspace_root_of(workspace: Workspace, uri: str) -> Path | None:
    """The workspace folder holding the document, deepest first."""
    path = Path(document_path(uri))
    folders = [Path(document_path(f.uri)) for f in workspace.folders.values()]
    if workspace.root_path:
        folders.append(Path(workspace.root_path))
    holding = [f for f in folders if f == path.parent or f in path.parents]
    return max(holding, key=lambda f: len(f.parts)) if holding else None


def _parse_arguments(arguments: tuple[Any, ...]) -> tuple[str, types.Range, str]:
    expected = 'one argument {"uri": …, "range": LSP Range, "instruction": "…"}'
    if len(arguments) != 1 or not isinstance(arguments[0], dict):
        raise JsonRpcInvalidParams(f"counterpoint.crossCheck takes {expected}")
    argument = arguments[0]
    uri, span, instruction = argument.get("uri"), argument.get("range"), argument.get("instruction")
    if not isinstance(uri, str) or not uri:
        raise JsonRpcInvalidParams(f"counterpoint.crossCheck: missing uri; it takes {expected}")
    try:
        start, end = span["start"], span["end"]  # type: ignore[index]
        selection = types.Range(
            start=types.Position(line=int(start["line"]), character=int(start["character"])),
            end=types.Position(line=int(end["line"]), character=int(end["character"])),
        )
    except (KeyError, TypeError, ValueError):
        raise JsonRpcInvalidParams(
            f"counterpoint.crossCheck: invalid range {span!r}; it takes {expected}"
        ) from None
    if (
        selection.start.line < 0
        or selection.start.character < 0
        or (
            (selection.end.line, selection.end.character)
            < (selection.start.line, selection.start.character)
        )
    ):
        raise JsonRpcInvalidParams(f"counterpoint.crossCheck: invalid range {span!r}")
    if instruction is not None and not isinstance(instruction, str):
        raise JsonRpcInvalidParams("counterpoint.crossCheck: instruction must be a string")
    return uri, selection, instruction or ""


@contextlib.asynccontextmanager
async def _progress(editor: Editor, title: str) -> AsyncIterator[Callable[[str], None]]:
    """Work-done progress when the client supports it; cancelling it cancels the run."""
    progress = editor.work_done_progress
    window = editor.client_capabilities.window
    if not (window and window.work_done_progress):
        yield lambda _stage: None
        return
    token = f"counterpoint-{uuid.uuid4().hex[:8]}"
    try:
        # Shielded: a cancel arriving while we wait on the client must not strand its reply.
        await asyncio.shield(progress.create_async(token))
    except Exception as error:  # a client that refuses progress still gets the result
        log.debug("no progress: %s", error)
        yield lambda _stage: None
        return
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    cancel = progress.tokens.get(token)
    if cancel is not None and task is not None:
        cancel.add_done_callback(
            lambda future: future.cancelled() and loop.call_soon_threadsafe(task.cancel)
        )
    progress.begin(
        token, types.WorkDoneProgressBegin(title=title, message="starting", cancellable=True)
    )

    def report_stage(message: str) -> None:
        progress.report(token, types.WorkDoneProgressReport(message=message))

    outcome = "cancelled"
    try:
        yield report_stage
        outcome = "done"
    except Exception:
        outcome = "failed"
        raise
    finally:
        progress.end(token, types.WorkDoneProgressEnd(message=outcome))
        progress.tokens.pop(token, None)
