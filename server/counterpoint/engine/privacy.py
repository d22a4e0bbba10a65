"""What never leaves the machine: files matching `.counterpointignore` (gitignore syntax, in the
workspace root) or the defaults. Secrets inside what is sent are replaced by pipeline.secrets."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pathspec

from counterpoint.model.request import RequestError
from counterpoint.workspace import read_workspace_text

DEFAULT_PATTERNS = (".env*", "*.pem", "id_*", "secrets.*")
IGNORE_FILE = ".counterpointignore"


def ignoring_pattern(path: Path, root: Path | None) -> str | None:
    """The pattern that keeps `path` from being sent, or None when it may be sent."""
    patterns = list(DEFAULT_PATTERNS)
    relative = path.name
    if root is not None:
        with contextlib.suppress(ValueError):  # outside the root: match on the name
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        # Read bounded: a cloned repository's ignore file may be a link to /dev/zero.
        lines = (read_workspace_text(root / IGNORE_FILE) or "").splitlines()
        patterns += [line for line in lines if line.strip() and not line.startswith("#")]
    for pattern in patterns:
        if pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(relative):
            return pattern
    return None


def refuse_private(path: Path, root: Path | None) -> None:
    """Raise RequestError when `path` may not be sent. Asked before the file's language, so a
    `.env` is refused as private rather than as a language Counterpoint does not know."""
    pattern = ignoring_pattern(path, root)
    if pattern is not None:
        raise RequestError(
            f"{path.name} matches the .counterpointignore pattern {pattern!r}: "
            "it is never sent to a model"
        )
