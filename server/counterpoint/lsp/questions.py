"""A disagreement's question, answered in the editor: code actions "Claude is right: `f(3)` →
`[1, 2, 3]`", "GPT is right: …" and "Neither: give the expected value", all running the command
`counterpoint.answerQuestion`.

The command writes the answer as a regression test in the workspace's conventional test file
for the module (created when missing), as a versioned edit through workspace/applyEdit, then
runs the cross-check again with the answer as an expectation of that run: the verdict follows at
once, saved or not, and the test is the workspace's from then on. Its argument is
`{"requestId": …, "answer": "<proposal id>"}` or `{"requestId": …, "value": "<expected value>"}`
("Neither" sends neither: a client asks the user for the value, as VS Code's extension does;
without one the command refuses and says what it takes).
"""

from __future__ import annotations

import asyncio
import re
import stat
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import Workspace

from counterpoint.core.regions import asked_question
from counterpoint.core.wording import NEITHER_TITLE, answer_label, answer_title
from counterpoint.engine.run import document_path
from counterpoint.languages import language_for, regression_writer, test_support
from counterpoint.languages.testing import Regression, RegressionWriter, TestFileEdit
from counterpoint.lsp.convert import stored_range
from counterpoint.lsp.crosscheck import start_cross_check, workspace_root_of
from counterpoint.lsp.editor import Editor
from counterpoint.lsp.protocol import RequestFailed
from counterpoint.lsp.session import Session
from counterpoint.lsp.state import StoredReport
from counterpoint.model.report import Question
from counterpoint.model.request import CrossCheckRequest, Position, Range
from counterpoint.workspace import inside_workspace, read_workspace_text

ANSWER_COMMAND = "counterpoint.answerQuestion"
CALLED = re.compile(r"\s*([A-Za-z_$][\w$]*)\s*\(")


def question_of(stored: StoredReport) -> tuple[int, Question] | None:
    """The disputed report's question and its region's index, if it asks one."""
    return asked_question(stored.report)


def question_actions(stored: StoredReport) -> list[types.CodeAction]:
    """One action per proposal whose result can be written as a test, and "Neither"."""
    found = question_of(stored)
    writer = _writer(stored)
    if found is None or writer is None:
        return []
    index, question = found
    report = stored.report
    names = {p.id: p.voice_name for p in report.proposals}
    actions = []
    for proposal_id, value in question.results.items():
        if proposal_id not in names or writer.expectation(question.call, value) is None:
            continue  # it raised, or printed something that is not a plain value
        title = answer_title(names[proposal_id], question.call, value)
        actions.append(
            _action(title, report.request_id, index, question.call, {"answer": proposal_id})
        )
    if actions or writer.expectation(question.call, "None") is not None:
        actions.append(_action(NEITHER_TITLE, report.request_id, index, question.call, {}))
    return actions


def _action(
    title: str, request_id: str, region: int, call: str, answer: dict[str, Any]
) -> types.CodeAction:
    # `call` is for a client's prompt ("What should count_up_to(3) return?"); the command
    # reads the question from the stored report, never from the argument.
    argument = {"requestId": request_id, "region": region, "call": call, **answer}
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        data={"question": True, **argument},
        command=types.Command(title=title, command=ANSWER_COMMAND, arguments=[argument]),
    )


async def answer_question(
    editor: Editor, session: Session, arguments: tuple[Any, ...], request_id: Any
) -> dict[str, Any]:
    """Pin the answer as a test, then run the cross-check again with it (`request_id` is the
    command's JSON-RPC id, as for counterpoint.crossCheck)."""
    argument = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], dict) else {}
    request_id = argument.get("requestId")
    if not isinstance(request_id, str):
        raise JsonRpcInvalidParams(
            f"{ANSWER_COMMAND} takes {{requestId, answer: proposal id}} or {{requestId, value}}"
        )
    stored = session.store.get(request_id)
    if stored is None:
        raise RequestFailed(
            "That cross-check is no longer current (its code was edited); run it again."
        )
    found, writer = question_of(stored), _writer(stored)
    if found is None or writer is None:
        raise RequestFailed("That cross-check asks no question that can be answered as a test.")
    _, question = found
    answer, value = argument.get("answer"), argument.get("value")
    if isinstance(answer, str):
        if answer not in question.results:
            raise JsonRpcInvalidParams(f"no result of {answer!r} in that question")
        value = question.results[answer]
    if not isinstance(value, str) or not value.strip():
        raise RequestFailed(
            f"Give the value `{question.call}` should return: run {ANSWER_COMMAND} with "
            '{"requestId": …, "value": "…"}.'
        )
    expectation = writer.expectation(question.call, value)
    if expectation is None:
        raise RequestFailed(f"`{value.strip()}` is not a plain value to write into a test.")
    workspace = editor.workspace
    root, target = _target(workspace, stored.uri)
    support = test_support(language_for(stored.report.language))
    module = support.module_name(root, target) if support else None
    if module is None:
        raise RequestFailed("The module's tests cannot import it by name.")
    called = CALLED.match(question.call)
    regression = Regression(
        (expectation,), module, (called.group(1),) if called else (), root, target
    )
    planned = writer.answer_test(
        regression,
        lambda rel: _current_text(workspace, root, rel),
        lambda rel: inside_workspace(root / rel, root) and (root / rel).is_dir(),
    )
    if planned is None:
        raise RequestFailed(f"Counterpoint cannot write {stored.report.language} tests yet.")
    unusable = _unusable_test_file(workspace, root, planned)
    if unusable:
        raise RequestFailed(
            f"Counterpoint cannot write the answer into {planned.path}: {unusable}."
        )
    if planned.created and not _creates_files(editor):
        raise RequestFailed(f"Your editor cannot create {planned.path}: create it, then answer.")
    result = await asyncio.shield(
        editor.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=test_edit(workspace, root, planned),
                label=answer_label(question.call, value.strip()),
            )
        )
    )
    answered = {"applied": result.applied, "testFile": planned.path, "expectation": expectation}
    if not result.applied:
        return {**answered, "failureReason": result.failure_reason}
    document = workspace.get_text_document(stored.uri)
    span = stored.report.target_range
    # The re-run as a client would have asked for it, so it can follow the run like its own.
    rerun = {
        "uri": stored.uri,
        "range": _range_json(stored_range(stored, span, document)),
        "instruction": stored.report.instruction,
    }
    request = CrossCheckRequest(
        uri=stored.uri,
        text=document.source,
        language_id=document.language_id,
        selection=Range(
            Position(span.start.line + stored.shift, span.start.character),
            Position(span.end.line + stored.shift, span.end.character),
        ),
        instruction=stored.report.instruction,
        version=document.version,
        expectations=(*stored.expectations, expectation),
    )
    started = await start_cross_check(editor, session, request, request_id)
    return {**started, "answered": answered, "args": rerun}


def test_edit(workspace: Workspace, root: Path, planned: TestFileEdit) -> types.WorkspaceEdit:
    """A new file with the test, or the test appended to the file: at the open document's
    version when it is open in the editor."""
    uri = (root / planned.path).as_uri()
    if planned.created:
        return types.WorkspaceEdit(
            document_changes=[
                types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)),
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri),
                    edits=[_insert(types.Position(line=0, character=0), planned.text)],
                ),
            ]
        )
    document = workspace.get_text_document(uri)
    lines = document.lines
    end = (
        types.Position(line=len(lines), character=0)
        if not lines or lines[-1].endswith("\n")
        else types.Position(
            line=len(lines) - 1, character=document.position_codec.client_num_units(lines[-1])
        )
    )
    version = document.version if uri in workspace.text_documents else None
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=[_insert(end, planned.text)],
            )
        ]
    )


def _range_json(span: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def _insert(at: types.Position, text: str) -> types.TextEdit:
    return types.TextEdit(range=types.Range(start=at, end=at), new_text=text)


def _writer(stored: StoredReport) -> RegressionWriter | None:
    return regression_writer(language_for(stored.report.language))


def _target(workspace: Workspace, uri: str) -> tuple[Path, str]:
    root = workspace_root_of(workspace, uri)
    path = Path(document_path(uri))
    if root is None or not inside_workspace(path, root):
        raise RequestFailed("The document is not a file inside a workspace folder.")
    return root, path.resolve().relative_to(root.resolve()).as_posix()


def _current_text(workspace: Workspace, root: Path, rel: str) -> str | None:
    """A file's text as the editor has it (open and perhaps unsaved), else on disk; None when
    it does not exist or is not a regular file inside the workspace."""
    path = root / rel
    uri = path.as_uri()
    if uri in workspace.text_documents:
        return workspace.get_text_document(uri).source
    if not inside_workspace(path, root):
        return None
    return read_workspace_text(path)


def _unusable_test_file(workspace: Workspace, root: Path, planned: TestFileEdit) -> str | None:
    """Why the planned test file must not be written, if so. The repository is untrusted: the
    editor would follow a link out of the workspace, hang on a FIFO, fail on a folder, and a
    file too big to read would be taken for a missing one and written over from its start."""
    path = root / planned.path
    if not inside_workspace(path, root):
        return "it leads outside the workspace"
    if path.as_uri() in workspace.text_documents:
        return None
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"it cannot be read ({error.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if planned.created:
        return "it is too big for Counterpoint to read"
    return None


def _creates_files(editor: Editor) -> bool:
    capabilities = editor.client_capabilities.workspace
    edits = capabilities.workspace_edit if capabilities else None
    operations = edits.resource_operations if edits else None
    return bool(operations and types.ResourceOperationKind.Create in operations)
