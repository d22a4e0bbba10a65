"""Finding secrets in text and replacing them before anything leaves the machine.

Detection is Yelp's detect-secrets (its plugin classes, called in memory, with its heuristic
filters on the noisy ones) plus the exact values of key-like environment variables. Each secret
becomes a placeholder such as `REDACTED-aws-access-key-1`: letters, digits and dashes only, so a
string literal stays a string literal and the code still parses; the same value gets the same
placeholder throughout a request.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from detect_secrets.filters import heuristic
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import DENYLIST as KEYWORDS
from detect_secrets.plugins.keyword import KeywordDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

# Environment variables whose values are secrets wherever they show up.
SECRET_NAME_TAGS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
MIN_ENVIRONMENT_VALUE = 8  # shorter values ("1", "true") would blank out ordinary text

# detect-secrets' default entropy limits: with its filters, and lock files skipped, they flag
# nothing in inspect.py or the test fixtures (`python -m bench secrets`).
BASE64_ENTROPY_LIMIT = 4.5
HEX_ENTROPY_LIMIT = 3.0


class AnthropicKeyDetector(RegexBasedDetector):
    """detect-secrets has no Anthropic plugin; our own provider's keys must never be sent."""

    secret_type = "Anthropic Key"
    denylist = (re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"),)


class OpenAIProjectKeyDetector(RegexBasedDetector):
    """detect-secrets' OpenAI plugin needs the `T3BlbkFJ` marker; keys without it still go."""

    secret_type = "OpenAI Key"
    denylist = (re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}"),)


class GoogleApiKeyDetector(RegexBasedDetector):
    """detect-secrets has no Google plugin: API keys are `AIza` and 35 URL-safe characters."""

    secret_type = "Google API Key"
    denylist = (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),)


# Plugins whose shape is specific enough to trust without the noise filters. Order matters: where
# two match the same value (an Anthropic key also looks like an OpenAI one), the first names it.
_SHAPED: tuple[type[BasePlugin], ...] = (
    AWSKeyDetector,
    GitHubTokenDetector,
    GitLabTokenDetector,
    SlackDetector,
    StripeDetector,
    GoogleApiKeyDetector,
    AnthropicKeyDetector,
    OpenAIDetector,
    OpenAIProjectKeyDetector,
    PypiTokenDetector,
    NpmDetector,
    SendGridDetector,
    TwilioKeyDetector,
    JwtTokenDetector,
)

_KINDS = {
    "GitHub Token": "github-token",
    "GitLab Token": "gitlab-token",
    "Slack Token": "slack-token",
    "Stripe Access Key": "stripe-key",
    "Google API Key": "google-api-key",
    "Anthropic Key": "anthropic-key",
    "OpenAI Token": "openai-key",
    "OpenAI Key": "openai-key",
    "PyPI Token": "pypi-token",
    "NPM tokens": "npm-token",
    "SendGrid API Key": "sendgrid-key",
    "Twilio API Key": "twilio-key",
    "JSON Web Token": "jwt",
    "Basic Auth Credentials": "basic-auth",
    "Secret Keyword": "keyword",
    "Base64 High Entropy String": "high-entropy",
    "Hex High Entropy String": "high-entropy",
}
_KEYWORD = re.compile("|".join(KEYWORDS), re.IGNORECASE)
ENVIRONMENT = "environment"
PRIVATE_KEY = "private-key"


@dataclass(frozen=True)
class Finding:
    kind: str
    value: str


@lru_cache(maxsize=1)
def _plugins() -> tuple[tuple[BasePlugin, ...], tuple[BasePlugin, ...]]:
    """Built once per process: (shaped plugins, noisy plugins that go through the filters)."""
    shaped = tuple(plugin() for plugin in _SHAPED)
    noisy = (
        BasicAuthDetector(),
        KeywordDetector(),
        Base64HighEntropyString(limit=BASE64_ENTROPY_LIMIT),
        HexHighEntropyString(limit=HEX_ENTROPY_LIMIT),
    )
    return shaped, noisy


@lru_cache(maxsize=1)
def _private_key_detector() -> PrivateKeyDetector:
    return PrivateKeyDetector()


def _kind(plugin: BasePlugin, value: str) -> str:
    if isinstance(plugin, AWSKeyDetector):
        # One plugin reports both halves of a key pair; its first pattern is the key id.
        return "aws-access-key" if plugin.denylist[0].fullmatch(value) else "aws-secret-key"
    name = str(plugin.secret_type)
    return _KINDS.get(name, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))


def _is_noise(value: str, line: str, plugin: BasePlugin) -> bool:
    """detect-secrets' own heuristics for placeholders, ids and references, not secrets."""
    return (
        heuristic.is_sequential_string(value)
        or heuristic.is_potential_uuid(value)
        or heuristic.is_likely_id_string(value, line, plugin)
        or heuristic.is_templated_secret(value)
        or heuristic.is_prefixed_with_dollar_sign(value)
        or heuristic.is_not_alphanumeric_string(value)
        or (isinstance(plugin, KeywordDetector) and heuristic.is_indirect_reference(line))
    )


def scan_shaped(text: str) -> Iterator[Finding]:
    """Secrets with a provider's shape, over the whole text at once (none of these patterns
    crosses a line)."""
    shaped, _ = _plugins()
    for plugin in shaped:
        for value in _shaped_values(plugin, text):
            yield Finding(_kind(plugin, value), value)


def scan_lines(text: str, filename: str = "snippet.py") -> Iterator[tuple[int, Finding]]:
    """Keyword assignments, basic-auth URLs and high-entropy strings, by line index, after
    detect-secrets' noise filters. `filename` picks KeywordDetector's syntax, and a lock file's
    integrity hashes are not taken for secrets."""
    _, noisy = _plugins()
    lock_file = heuristic.is_lock_file(filename)
    for index, line in enumerate(text.split("\n")):
        if len(line) < 8 or line.isspace():
            continue
        quoted = '"' in line or "'" in line
        for plugin in noisy:
            if isinstance(plugin, HighEntropyStringsPlugin) and (lock_file or not quoted):
                continue  # the plugin only looks inside quotes
            if isinstance(plugin, KeywordDetector) and not _KEYWORD.search(line):
                continue  # none of the plugin's own words: skip its slow patterns
            for secret in plugin.analyze_line(filename=filename, line=line):
                value = secret.secret_value
                if value and not _PLACEHOLDER.search(value) and not _is_noise(value, line, plugin):
                    yield index, Finding(_kind(plugin, value), value)


def _shaped_values(plugin: BasePlugin, line: str) -> Iterator[str]:
    """The plugin's own patterns, but the whole token: `analyze_string` yields only the first
    group, which for GitHub and GitLab is the bare prefix (`ghp`). A long group is the value
    (the AWS secret key after its name), a short one is part of the shape."""
    for pattern in getattr(plugin, "denylist", ()):
        for match in pattern.finditer(line):
            groups = [g for g in match.groups() if g]
            longest = max(groups, key=len, default="")
            if len(longest) >= 16:
                yield longest
            else:
                # Some patterns have no end anchor (GitHub's takes 36 characters of a longer
                # token): widen to the whole token, so no tail of it is left behind.
                tail = _TOKEN_TAIL.match(line, match.end())
                yield line[match.start() : tail.end() if tail else match.end()]


def environment_secrets(env: Iterable[tuple[str, str]]) -> list[str]:
    """Values of environment variables named like keys, tokens, secrets, passwords, credentials.
    The Redactor ignores the short ones."""
    return [
        value
        for name, value in env
        if value and any(tag in name.upper() for tag in SECRET_NAME_TAGS)
    ]


_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(r"""\s*["']?[A-Za-z0-9+/=]{16,}(?:\\n)?["']?\s*[,)]*\s*""")  # quoted or not
_PEM_HEADER_TAIL = re.compile(r"-*")
_PEM_BASE64 = re.compile(r"[A-Za-z0-9+/=]{16,}")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_-]+")
_PLACEHOLDER = re.compile(r"REDACTED-[a-z0-9-]+-[0-9]+")
_BLOCK_SEARCH_LINES = 200  # a 16 kbit RSA key is ~50 lines of PEM


class Redactor:
    """Replaces secrets for one request. Keep one per request: placeholders stay consistent
    across every prompt, test output and report field it redacts, and `counts` says how many
    distinct secrets of each kind it has replaced so far."""

    def __init__(self, environment_values: Iterable[str] = (), filename: str = "snippet.py"):
        self.filename = filename
        self._environment = sorted(
            {v for v in environment_values if len(v) >= MIN_ENVIRONMENT_VALUE},
            key=len,
            reverse=True,
        )
        self._placeholders: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        self._numbers: Counter[str] = Counter()

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self._kinds.values()).items()))

    @property
    def total(self) -> int:
        return len(self._kinds)

    def placeholder(self, finding: Finding) -> str:
        known = self._placeholders.get(finding.value)
        if known is not None:
            return known
        self._numbers[finding.kind] += 1
        placeholder = f"REDACTED-{finding.kind}-{self._numbers[finding.kind]}"
        self._placeholders[finding.value] = placeholder
        self._kinds[finding.value] = finding.kind
        return placeholder

    def restore(self, text: str) -> str:
        """Put the real values back where a proposal kept a placeholder: for an edit the user
        accepts into their own file, never for anything sent or shown elsewhere."""
        # Longest first, so REDACTED-x-1 does not eat the start of REDACTED-x-10.
        for value, placeholder in sorted(
            self._placeholders.items(), key=lambda item: len(item[1]), reverse=True
        ):
            text = text.replace(placeholder, value)
        return text

    def redact(self, text: str) -> str:
        if not text:
            return text
        text = self._redact_private_keys(text)
        # Exact environment values first: they are known whole, a pattern may see part of one.
        for value in self._environment:
            if value in text:
                text = text.replace(value, self.placeholder(Finding(ENVIRONMENT, value)))
        # Then shaped secrets, so a GitHub token is named as one, not as a high-entropy string.
        text = self._replace_everywhere(text, list(scan_shaped(text)))
        found: list[Finding] = []
        by_line: dict[int, list[Finding]] = {}
        for index, finding in scan_lines(text, self.filename):
            found.append(finding)
            by_line.setdefault(index, []).append(finding)
        if by_line:
            lines = text.split("\n")
            for index, findings in by_line.items():
                lines[index] = self._replace_in_line(lines[index], findings)
            text = self._replace_everywhere("\n".join(lines), found)
        return text

    def _replace_everywhere(self, text: str, findings: list[Finding]) -> str:
        """A value found once is replaced wherever else it appears, if long enough to be safe."""
        for finding in sorted(findings, key=lambda f: len(f.value), reverse=True):
            if len(finding.value) >= MIN_ENVIRONMENT_VALUE and finding.value in text:
                text = text.replace(finding.value, self.placeholder(finding))
        return text

    def _replace_in_line(self, line: str, findings: list[Finding]) -> str:
        # Longest first, so a value inside another is replaced as part of the larger one. A short
        # value (a DSN's `pw`) is replaced only where it stands as a word of its own.
        for finding in sorted(findings, key=lambda f: len(f.value), reverse=True):
            if len(finding.value) >= MIN_ENVIRONMENT_VALUE:
                pattern = re.compile(re.escape(finding.value))
            else:
                pattern = re.compile(rf"(?<![\w-]){re.escape(finding.value)}(?![\w-])")
            if pattern.search(line):
                line = pattern.sub(self.placeholder(finding), line)
        return line

    def _redact_private_keys(self, text: str) -> str:
        """A PEM/OpenSSH block becomes one placeholder from `-----BEGIN` to its `-----END …`,
        so quotes around it (or around each of its lines) still pair up."""
        if "PRIVATE KEY" not in text and "PuTTY-User-Key-File" not in text:
            return text
        detector = _private_key_detector()
        lines = text.split("\n")
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            markers = [s.secret_value for s in detector.analyze_line("snippet", line) if s]
            if not markers:
                out.append(line)
                index += 1
                continue
            marker = min(map(str, markers), key=line.find)  # a set: take the first on the line
            start = _block_start(line, marker)
            end = _block_end(lines, index, start)
            if end is None:  # a truncated paste: no END marker to stop at
                index = self._redact_unterminated_key(lines, index, start, marker, out)
                continue
            end_line, end_col = end
            if end_line == index:
                block = line[start:end_col]
            else:
                block = "\n".join([line[start:], *lines[index + 1 : end_line]])
                block += "\n" + lines[end_line][:end_col]
            # Known by its base64 body: the same key quoted in test output, whose lines pytest
            # prefixes with `E   `, is still the same key.
            body = "".join(_PEM_BASE64.findall(block)) or block
            placeholder = self.placeholder(Finding(PRIVATE_KEY, body))
            lines[end_line] = line[:start] + placeholder + lines[end_line][end_col:]
            index = end_line  # scanned again: the rest of that line may hold another key
        return "\n".join(out)

    def _redact_unterminated_key(
        self, lines: list[str], first: int, start: int, marker: str, out: list[str]
    ) -> int:
        """The header's marker becomes the placeholder and each base64 line after it loses its
        base64, keeping its quotes; returns the index of the first line after the key."""
        line = lines[first]
        marker_end = line.find(marker, start) + len(marker)
        dashes = _PEM_HEADER_TAIL.match(line, marker_end)
        header_end = dashes.end() if dashes else marker_end
        after = first + 1
        while after < len(lines) and _PEM_BODY.fullmatch(lines[after]):
            after += 1
        body = "".join(_PEM_BASE64.findall("\n".join(lines[first + 1 : after])))
        placeholder = self.placeholder(Finding(PRIVATE_KEY, body or line[start:header_end]))
        out.append(line[:start] + placeholder + line[header_end:])
        out.extend(_PEM_BASE64.sub("", body_line) for body_line in lines[first + 1 : after])
        return after


def _block_start(line: str, marker: str) -> int:
    start = line.find(marker)
    while start > 0 and line[start - 1] == "-":
        start -= 1
    return start


def _block_end(lines: list[str], first: int, start: int) -> tuple[int, int] | None:
    """(line, column just past the block's END marker), or None if there is none near."""
    for number in range(first, min(len(lines), first + _BLOCK_SEARCH_LINES)):
        searched = lines[number][start:] if number == first else lines[number]
        match = _PEM_END.search(searched)
        if match:
            return number, match.end() + (start if number == first else 0)
    return None


Secrets = Redactor | Iterable[str]  # a request's Redactor, or bare environment values


def as_redactor(secrets: Secrets) -> Redactor:
    """The request's own Redactor, or a fresh one over bare environment values."""
    return secrets if isinstance(secrets, Redactor) else Redactor(secrets)


def redact(text: str, secrets: Secrets) -> str:
    return as_redactor(secrets).redact(text)


LOGGED_CHARS = 64 * 1024  # longer messages (a whole document at debug level) are cut, not scanned


class SecretFilter(logging.Filter):
    """On a log handler: every record is redacted before it is written, traceback included."""

    def __init__(self, environment_values: Iterable[str] = ()) -> None:
        super().__init__()
        self.environment_values = tuple(environment_values)

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = Redactor(self.environment_values, filename="log.txt")
        message = record.getMessage()
        if len(message) > LOGGED_CHARS:
            message = (
                message[:LOGGED_CHARS] + f" … ({len(message) - LOGGED_CHARS} chars not logged)"
            )
        record.msg, record.args = redactor.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redactor.redact(record.exc_text)
        return True
