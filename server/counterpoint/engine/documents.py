"""A cross-check of lines of a file on disk: what `counterpoint check` and the MCP tools share,
so both refuse the same bad input with the same one-line message."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from counterpoint.core.context import definitions_named
from counterpoint.engine.privacy import refuse_private
from counterpoint.languages import language_for
from counterpoint.model.request import (
    MAX_DOCUMENT_CHARS,
    CrossCheckRequest,
    Range,
    RequestError,
    check_document_size,
)
from counterpoint.model.text import line_count
from counterpoint.workspace import find_project_root, read_regular_file


@dataclass(frozen=True)
class FileTarget:
    """A file read and its lines found: zero-based, inclusive."""

    path: Path  # resolved
    text: str
    root: Path
    language: str
    first: int
    last: int

    def request(
        self, instruction: str = "", expectations: tuple[str, ...] = ()
    ) -> CrossCheckRequest:
        return CrossCheckRequest(
            uri=self.path.as_uri(),
            text=self.text,
            language_id=self.language,
            selection=Range.of_lines(self.first, self.last),
            instruction=instruction,
            expectations=expectations,
        )


def file_target(
    path: Path,
    *,
    lines: str | None = None,
    symbol: str | None = None,
    root: Path | None = None,
    lines_option: str = "--lines",
) -> FileTarget:
    """Read `path` and find the lines to check, `lines` ("A-B", 1-based) or the definition
    named `symbol`; `root` is the workspace root (default: the nearest project marker).
    Raises RequestError or UnsupportedLanguageError, in the order `check` always has."""
    text = read_document(path)
    check_document_size(len(text))
    resolved = path.resolve()
    root = root or find_project_root(resolved)
    refuse_private(resolved, root)  # before its language: `.env` is private
    if symbol:
        language = language_for(path=str(path))
        first, last = symbol_lines(symbol, text, language.name)
    elif lines:
        first, last = parse_lines(lines, text, lines_option)
        language = language_for(path=str(path))
    else:
        raise RequestError(f"give {lines_option} START-END or a symbol name")
    return FileTarget(resolved, text, root, language.name, first, last)


def read_document(path: Path) -> str:
    """The file's text, read without blocking: a FIFO or a device named as the file (the
    repository and an agent's arguments are untrusted) is refused, not waited on or read
    without end."""
    cap = 4 * MAX_DOCUMENT_CHARS  # over the limit however it is encoded: not read
    try:
        info = path.stat()
    except FileNotFoundError:
        raise RequestError(f"no such file: {path}") from None
    except OSError as error:
        raise RequestError(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise RequestError(f"{path} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise RequestError(f"{path} is not a regular file")
    if info.st_size > cap:
        raise RequestError(
            f"the document has {info.st_size:,} bytes; Counterpoint cross-checks documents of "
            f"at most {MAX_DOCUMENT_CHARS:,} characters ({MAX_DOCUMENT_CHARS // 1024**2} MiB)"
        )
    data = read_regular_file(path, cap)  # checked again on the open file: it may be swapped
    if data is None:
        raise RequestError(f"cannot read {path}: not a regular file of at most {cap:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError(f"{path} is not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as a file read as text reads


def parse_lines(spec: str, text: str, option: str = "--lines") -> tuple[int, int]:
    """'A-B' or 'A' (1-based, inclusive) to zero-based (first, last)."""
    start, _, end = spec.partition("-")
    try:
        first, last = int(start), int(end or start)
    except ValueError:
        raise RequestError(f"{option} wants START-END, e.g. 3-10; got {spec!r}") from None
    total = line_count(text)
    # A final line break opens an empty last line that no one means to select.
    lines_in_file = total - 1 if text.endswith(("\n", "\r")) else total
    if first < 1 or last < first:
        raise RequestError(f"{option} {spec}: START must be ≥ 1 and END ≥ START")
    if last > lines_in_file:
        raise RequestError(f"{option} {spec} is out of range: the file has {lines_in_file} lines")
    return first - 1, last - 1


def symbol_lines(symbol: str, text: str, language: str) -> tuple[int, int]:
    """The lines of the one definition named `symbol` ("name" or "Outer.name")."""
    spans = definitions_named(language_for(language), text, symbol)
    if not spans:
        raise RequestError(f"no definition named {symbol!r} in the file")
    if len(spans) > 1:
        where = ", ".join(f"{first + 1}-{last + 1}" for first, last in spans)
        raise RequestError(
            f"{symbol!r} is defined {len(spans)} times (lines {where}): give the lines instead"
        )
    return spans[0]
