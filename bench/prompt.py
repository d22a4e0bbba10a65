"""Prompt size: tokens of the real proposal prompt against a naive whole-file prompt.

The file is the running Python's own `inspect.py` (about 3,300 lines; `typing.py` if a build has
no inspect.py of that size), and the selection is one whole function in it that calls other
definitions of the same file. The real prompt is built exactly as the pipeline builds it:
`build_context` with the default context budget, then `prompts.proposal_call` with the Python
test hint. The naive prompt is the same call with the context replaced by the whole file.

Tokens are estimated (no tokenizer is installed and tiktoken would need to download its
encodings); both prompts, system and user message, are counted the same way:
- `lexical`: each run of letters counts one token per started 6 letters, each group of up to
  3 digits one, each other non-space character one, and each run of whitespace holding a newline
  or 2+ spaces (indentation) one; single spaces are folded into the next word, as BPE does.
- `chars_per_4`: characters / 4, the usual rule of thumb for English and code.

Which same-file definitions the selection uses is decided independently of Counterpoint, with
`ast`: the module-level functions, classes and assignments whose names the selected function
loads. Each must still appear in the real prompt: `def name`/`class name`, or `name =` for an
assignment.

Goal (issue 8): real ≤ 25% of naive, with every used definition present.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
import sysconfig
from pathlib import Path

from bench.lsp_session import machine
from counterpoint.core.context import DEFAULT_CONTEXT_CHARS, build_context
from counterpoint.core.prompts import proposal_call
from counterpoint.languages import language_for, test_support
from counterpoint.model.calls import StructuredCall
from counterpoint.model.request import CrossCheckRequest, Range

# (file, functions): the first file of 3000+ lines wins. The second function of each also uses
# module-level constants, not only functions and classes.
CANDIDATES = (
    ("inspect.py", ("getsourcelines", "_signature_from_function")),
    ("typing.py", ("get_type_hints", "_collect_parameters")),
)
INSTRUCTION = "fix the handling of decorated objects"
GOAL_RATIO = 0.25
_TOKEN = re.compile(r"[A-Za-z]+|\d{1,3}|\s*\n\s*|\s{2,}|[^\sA-Za-z\d]")


def lexical_tokens(text: str) -> int:
    count = 0
    for match in _TOKEN.finditer(text):
        piece = match.group()
        count += math.ceil(len(piece) / 6) if piece[0].isalpha() else 1
    return count


def tokens(call: StructuredCall) -> dict[str, int]:
    text = call.system + "\n" + call.user
    return {"lexical": lexical_tokens(text), "chars_per_4": math.ceil(len(text) / 4)}


def pick_file() -> tuple[Path, tuple[str, ...]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name, functions in CANDIDATES:
        path = stdlib / name
        if path.is_file() and path.read_text().count("\n") >= 3000:
            return path, functions
    raise RuntimeError("no stdlib file of 3000+ lines found")


def used_definitions(tree: ast.Module, function: ast.FunctionDef) -> dict[str, str]:
    """name -> "def" | "class" | "assign": module-level names the function loads."""
    defined: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defined[node.name] = "def"
        elif isinstance(node, ast.ClassDef):
            defined[node.name] = "class"
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defined.setdefault(name.id, "assign")
    loaded = {
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    return {name: defined[name] for name in sorted(loaded) if name in defined}


def present(prompt: str, name: str, kind: str) -> bool:
    if kind == "assign":
        pattern = rf"^\s*{re.escape(name)}\s*[:=]"
    else:
        pattern = rf"\b{'class' if kind == 'class' else 'def'}\s+{re.escape(name)}\b"
    return re.search(pattern, prompt, re.MULTILINE) is not None


def measure(path: Path, text: str, tree: ast.Module, function_name: str) -> dict:
    function = next(
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == function_name
    )
    first = function.lineno - 1 - len(function.decorator_list)
    last = (function.end_lineno or function.lineno) - 1
    language = language_for("python")
    request = CrossCheckRequest(
        path.as_uri(), text, "python", Range.of_lines(first, last), INSTRUCTION
    )
    context = build_context(request, language, DEFAULT_CONTEXT_CHARS)
    support = test_support(language)
    hint = support.import_hint(path.stem) if support is not None else ""
    real = proposal_call(context, INSTRUCTION, path.name, (), hint)

    whole = dataclasses.replace(
        context,
        enclosing=f"module {path.stem} (the whole file, lines 1-{text.count(chr(10))})",
        enclosing_code=text,
        imports="",
        signatures=(),
        truncated=False,
    )
    naive = proposal_call(whole, INSTRUCTION, path.name, (), hint)

    real_tokens, naive_tokens = tokens(real), tokens(naive)
    ratio = real_tokens["lexical"] / naive_tokens["lexical"]
    uses = used_definitions(tree, function)
    found = [name for name, kind in uses.items() if present(real.user, name, kind)]
    missing = [name for name in uses if name not in found]
    return {
        "selection": f"{function_name} (lines {first + 1}-{last + 1})",
        "context_truncated": context.truncated,
        "real_prompt_chars": len(real.system) + len(real.user),
        "naive_prompt_chars": len(naive.system) + len(naive.user),
        "real_tokens": real_tokens,
        "naive_tokens": naive_tokens,
        "ratio_lexical": round(ratio, 4),
        "ratio_chars_per_4": round(real_tokens["chars_per_4"] / naive_tokens["chars_per_4"], 4),
        "used_definitions": uses,
        "found_in_prompt": found,
        "missing_from_prompt": missing,
        "met": ratio <= GOAL_RATIO and not missing,
    }


def run() -> dict:
    path, functions = pick_file()
    text = path.read_text()
    tree = ast.parse(text)
    selections = [measure(path, text, tree, name) for name in functions]
    return {
        "machine": machine(),
        "file": str(path),
        "file_lines": text.count("\n"),
        "context_budget_chars": DEFAULT_CONTEXT_CHARS,
        "token_estimator": "lexical (see bench/prompt.py); chars/4 beside it",
        "selections": selections,
        "worst_ratio_lexical": max(s["ratio_lexical"] for s in selections),
        "missing_from_prompt": sorted({n for s in selections for n in s["missing_from_prompt"]}),
        "goal_ratio": GOAL_RATIO,
        "met": all(s["met"] for s in selections),
    }
