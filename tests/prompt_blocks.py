"""Reading the delimited blocks of a prompt back, as a model would, for the injection tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENING = re.compile(r"<<<UNTRUSTED-([0-9a-f]{16}) ")


@dataclass(frozen=True)
class Block:
    kind: str
    opening: str  # the whole opening delimiter line
    text: str


def token_of(system: str) -> str:
    """The delimiter token the system prompt names."""
    (token,) = set(_OPENING.findall(system))
    return token


def split_blocks(user: str, token: str) -> tuple[list[Block], str]:
    """The blocks delimited with `token`, and the text outside them. Fails if a block is not
    closed, or if the token appears anywhere but in its delimiters."""
    opening = re.compile(rf'^(<<<UNTRUSTED-{token} kind="([a-z-]+)"[^\n]*>>>)\n', re.M)
    closing = f"\n<<<END-{token}>>>"
    blocks, outside, position = [], [], 0
    while (found := opening.search(user, position)) is not None:
        end = user.index(closing, found.end() - 1)
        outside.append(user[position : found.start()])
        blocks.append(Block(found.group(2), found.group(1), user[found.end() : end]))
        position = end + len(closing)
    outside.append(user[position:])
    rest = "".join(outside)
    assert token not in rest, "the token appears outside its delimiters"
    for block in blocks:
        assert token not in block.text, f"the token appears inside a {block.kind} block"
        assert block.opening.count(token) == 1
    return blocks, rest
