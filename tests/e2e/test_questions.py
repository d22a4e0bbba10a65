"""A disagreement's question answered in the editor: the options as code actions, the answer
written as a regression test by a versioned edit, and the cross-check run again with it."""

from pathlib import Path

from lsprotocol import types

from tests.e2e.conftest import started_client, whole_lines
from tests.e2e.scripts import ACCEPT
from tests.e2e.test_code_actions import apply_text_edit
from tests.e2e.test_crosscheck import cross_check
from tests.e2e.test_expectations import (
    CLAUDE,
    off_by_one_project,
    script_off_by_one_dispute,
)
from tests.fakes.providers import Reply

CLAUDE_RIGHT = "Claude is right: `count_up_to(3)` → `[1, 2, 3]`"
GPT_RIGHT = "GPT is right: `count_up_to(3)` → `[0, 1, 2]`"
NEITHER = "Neither: give the expected value"


def open_document(client, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=path.read_text()
            )
        )
    )
    return uri


def edits_written_to_disk(client) -> list[types.ApplyWorkspaceEditParams]:
    """Apply every workspace edit to the files on disk, as an editor that saves would."""
    applied: list[types.ApplyWorkspaceEditParams] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply_edit(params: types.ApplyWorkspaceEditParams):
        applied.append(params)
        for change in params.edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                path = Path(change.uri.removeprefix("file://"))
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text("")
            else:
                path = Path(change.text_document.uri.removeprefix("file://"))
                text = path.read_text()
                for edit in change.edits:
                    text = apply_text_edit(text, edit)
                path.write_text(text)
        return types.ApplyWorkspaceEditResult(applied=True)

    return applied


async def quick_fixes(client, uri):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(types.Position(2, 0), types.Position(2, 5)),
            context=types.CodeActionContext(
                diagnostics=list(client.diagnostics.get(uri, ())),
                only=[types.CodeActionKind.QuickFix],
            ),
        )
    )


async def run(client, action: types.CodeAction, **extra):
    argument = {**action.command.arguments[0], **extra}
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=action.command.command, arguments=[argument])
    )


async def test_choosing_claude_pins_a_test_and_the_recheck_recommends_claude(
    fake_providers, tmp_path
):
    target = off_by_one_project(tmp_path)
    script_off_by_one_dispute(fake_providers)
    async with started_client(fake_providers, tmp_path, root=target.parent) as client:
        uri = open_document(client, target)
        summary = await cross_check(client, uri, whole_lines(0, 2), "fix the bound")
        assert summary["confidence"]["label"] == "disputed"
        assert summary["recommended"] is None
        # The summary carries the question, for a client to offer it (VS Code's status bar).
        assert summary["question"]["call"] == "count_up_to(3)"

        asked = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 4))
        )
        assert "Which is right? The quick fixes offer each answer" in asked.contents.value

        actions = await quick_fixes(client, uri)
        questions = [a for a in actions if a.command.command == "counterpoint.answerQuestion"]
        assert [a.title for a in questions] == [CLAUDE_RIGHT, GPT_RIGHT, NEITHER]
        request_id = summary["requestId"]
        assert questions[0].command.arguments[0] == {
            "requestId": request_id,
            "region": 0,
            "call": "count_up_to(3)",
            "answer": "claude",
        }

        applied = edits_written_to_disk(client)
        result = await run(client, questions[0])
        assert result["answered"] == {
            "applied": True,
            "testFile": "tests/test_counting.py",
            "expectation": "count_up_to(3) == [1, 2, 3]",
        }
        # One versioned edit, appending to the conventional test file (not open: no version).
        (params,) = applied
        assert params.label == "Pin `count_up_to(3)` → `[1, 2, 3]` as a test"
        (change,) = params.edit.document_changes
        assert change.text_document.uri == (target.parent / "tests/test_counting.py").as_uri()
        assert change.text_document.version is None
        test_file = (target.parent / "tests" / "test_counting.py").read_text()
        assert test_file.endswith(
            "\n\n\ndef test_count_up_to_3_1_2_3():\n    assert count_up_to(3) == [1, 2, 3]\n"
        )

        # The cross-check ran again with the answer, on the same lines: Claude's is verified.
        assert result["args"] == {
            "uri": uri,
            "range": whole_lines(0, 2),
            "instruction": "fix the bound",
        }
        assert result["confidence"]["label"] == "verified-one"
        assert result["recommended"] == "claude"
        assert result["question"] is not None  # the versions still differ there, now decided
        assert result["requestId"] != request_id
        (diagnostic,) = client.diagnostics[uri]
        assert diagnostic.data["requestId"] == result["requestId"]
        after = await quick_fixes(client, uri)
        assert after[0].title.startswith("Accept Claude's proposal (recommended)")
        assert not [a for a in after if a.command.command == "counterpoint.answerQuestion"]
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 4))
        )
        # The matrix has a column for the answer, run as an expectation of the re-check.
        assert "| | workspace | your expectations |" in hover.contents.value
        assert "Which is right?" not in hover.contents.value  # decided now
        assert "| GPT | 1/2 | 0/1 |" in hover.contents.value
        assert hover.contents.value.startswith(
            "**Verified: Claude's proposal passes all 3 tests; GPT's fails test_count_up_to_3_1_2_3"
        )


async def test_neither_takes_the_value_and_creates_the_test_file(fake_providers, tmp_path):
    target = off_by_one_project(tmp_path)
    # No tests/ folder and no test_counting.py: a test of the module lives elsewhere.
    (target.parent / "tests" / "test_counting.py").rename(target.parent / "test_zero.py")
    (target.parent / "tests").rmdir()
    script_off_by_one_dispute(fake_providers)
    async with started_client(fake_providers, tmp_path, root=target.parent) as client:
        uri = open_document(client, target)
        summary = await cross_check(client, uri, whole_lines(0, 2), "fix the bound")
        assert summary["confidence"]["label"] == "disputed"
        neither = (await quick_fixes(client, uri))[-1]
        assert neither.title == NEITHER
        # Without a value the command says what it takes, and writes nothing.
        applied = edits_written_to_disk(client)
        try:
            await run(client, neither)
            raise AssertionError("answered without a value")
        except Exception as refused:  # the server's error response
            assert "Give the value `count_up_to(3)` should return" in str(refused)
        assert applied == []

        result = await run(client, neither, value="[1, 2, 3]")
        created, written = applied[0].edit.document_changes
        assert isinstance(created, types.CreateFile)
        assert written.text_document.uri == created.uri and written.text_document.version is None
        assert created.uri == (target.parent / "test_counting.py").as_uri()
        assert (target.parent / "test_counting.py").read_text() == (
            "from counting import count_up_to\n\n\n"
            "def test_count_up_to_3_1_2_3():\n    assert count_up_to(3) == [1, 2, 3]\n"
        )
        assert result["confidence"]["label"] == "verified-one"
        assert result["recommended"] == "claude"


# A version whose result prints as code: what a run prints is untrusted, and an answer is
# written into the user's own tests, which run outside the sandbox too.
PRINTS_CODE = CLAUDE.replace(
    "    return list(range(1, n + 1))",
    "    class Shown:\n"
    "        def __repr__(self):\n"
    "            return \"__import__('os').system('touch pwned') or [1]\"\n\n"
    "    return [] if n == 0 else Shown()",
)


async def test_a_result_that_prints_as_code_is_never_offered_as_an_answer(fake_providers, tmp_path):
    target = off_by_one_project(tmp_path)
    for provider, code, edge_cases in (
        ("anthropic", CLAUDE, []),
        ("openai", PRINTS_CODE, ["count_up_to(3)"]),
    ):
        fake_providers.default(
            provider,
            "submit_proposal",
            Reply.structured(
                {"code": code, "explanation": "", "tests": [], "edge_cases": edge_cases}
            ),
        )
        fake_providers.default(provider, "submit_judgment", Reply.structured(ACCEPT))
    async with started_client(fake_providers, tmp_path, root=target.parent) as client:
        uri = open_document(client, target)
        summary = await cross_check(client, uri, whole_lines(0, 2), "fix the bound")
        assert summary["confidence"]["label"] == "disputed"
        actions = await quick_fixes(client, uri)
        titles = [a.title for a in actions if a.command.command == "counterpoint.answerQuestion"]
        assert titles == [CLAUDE_RIGHT, NEITHER]
        # Asked for it anyway, the command refuses, and nothing is written.
        applied = edits_written_to_disk(client)
        claude = next(a for a in actions if a.title == CLAUDE_RIGHT)
        try:
            await run(client, claude, answer="gpt")
            raise AssertionError("wrote a result that is code")
        except Exception as refused:
            assert "is not a plain value to write into a test" in str(refused)
        try:
            await run(client, claude, answer=None, value="__import__('os').getcwd()")
            raise AssertionError("wrote a value that is code")
        except Exception as refused:
            assert "is not a plain value to write into a test" in str(refused)
        assert applied == []
        assert "pwned" not in (target.parent / "tests" / "test_counting.py").read_text()
