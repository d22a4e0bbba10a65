"""Map either SDK's exceptions onto the pipeline's ProviderError kinds.

Both official SDKs share one exception shape, so one function serves both; it is handed the SDK
module so this file imports neither.
"""

from __future__ import annotations

import contextlib
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

from counterpoint.model.calls import ProviderError
from counterpoint.model.vocabulary import FailureKind


def from_sdk_error(
    sdk: ModuleType, error: Exception, provider: str, timeout_s: float | None = None
) -> ProviderError:
    mapped = _classify(sdk, error, provider, timeout_s, retries_taken(error))
    mapped.retries = retries_taken(error)
    return mapped


def retries_taken(error: Exception) -> int:
    """How many times the SDK repeated the request: each attempt carries its number."""
    response = getattr(error, "response", None)
    if response is not None:
        return retries_before(response, getattr(error, "request", None))
    return _retry_count(getattr(error, "request", None))


def retries_before(response: object, request: object = None) -> int:
    """The retries the SDK took before `response`: the number its request was sent with (a
    stream's, too, since the SDKs retry only until the response's headers arrive)."""
    with contextlib.suppress(RuntimeError):  # a response built without its request
        request = getattr(response, "request", request)
    return _retry_count(request)


def _retry_count(request: object) -> int:
    headers = getattr(request, "headers", None)
    try:
        return int(headers.get("x-stainless-retry-count", 0)) if headers is not None else 0
    except (TypeError, ValueError):
        return 0


def _classify(
    sdk: ModuleType, error: Exception, provider: str, timeout_s: float | None, retries: int
) -> ProviderError:
    tries = f", {retries + 1} attempts" if retries else ""
    if isinstance(error, sdk.APITimeoutError):
        within = f" within {timeout_s:g} s" if timeout_s else " in time"
        return ProviderError(FailureKind.TIMEOUT, f"{provider} did not answer{within}{tries}")
    if isinstance(error, sdk.APIConnectionError):
        return ProviderError(
            FailureKind.UNREACHABLE,
            f"cannot reach {provider}{_at(error)}: {_one_line(str(error)).rstrip('.')}{tries}",
        )
    if isinstance(error, sdk.APIStatusError) and error.status_code < 300:
        return _mid_stream(error, provider)  # Anthropic's `event: error`, after a 200
    if isinstance(error, sdk.APIStatusError):
        status = error.status_code
        detail = _api_message(error)
        if isinstance(error, sdk.AuthenticationError) or status in (401, 403):
            return ProviderError(
                FailureKind.AUTH, f"{provider} rejected the API key ({status}): {detail}"
            )
        if status == 429:
            return ProviderError(
                FailureKind.RATE_LIMITED,
                f"{provider} rate limit (429{tries}); try again later: {detail}",
            )
        if status == 529 or "overloaded" in detail.lower():
            return ProviderError(
                FailureKind.OVERLOADED,
                f"{provider} is overloaded ({status}{tries}); try again later",
            )
        if status >= 500:
            return ProviderError(
                FailureKind.SERVER_ERROR, f"{provider} server error ({status}{tries}): {detail}"
            )
        return ProviderError(
            FailureKind.BAD_REQUEST, f"{provider} refused the request ({status}): {detail}"
        )
    if isinstance(error, sdk.APIResponseValidationError):
        return ProviderError(
            FailureKind.MALFORMED, f"{provider} sent a reply the SDK could not read"
        )
    if isinstance(error, ValueError):  # the SDK parses the body lazily: not JSON
        return ProviderError(
            FailureKind.MALFORMED, f"{provider} sent a reply that is not valid JSON"
        )
    if isinstance(error, sdk.APIError) and _error_type(error):
        return _mid_stream(error, provider)  # OpenAI's data chunk holding an `error` object
    if isinstance(error, sdk.APIError):
        return ProviderError(
            FailureKind.MALFORMED, f"{provider} sent an unreadable reply: {_one_line(str(error))}"
        )
    return ProviderError(
        FailureKind.ERROR, f"{provider}: {type(error).__name__}: {_one_line(str(error))}"
    )


# An error that arrives inside a stream has no status of its own: its type says what it is.
_STREAM_ERROR_KINDS = (
    ("overloaded", FailureKind.OVERLOADED),
    ("rate_limit", FailureKind.RATE_LIMITED),
    ("authentication", FailureKind.AUTH),
    ("permission", FailureKind.AUTH),
    ("invalid_request", FailureKind.BAD_REQUEST),
    ("timeout", FailureKind.TIMEOUT),
)


def _mid_stream(error: Exception, provider: str) -> ProviderError:
    """An error event in a stream that had begun: Anthropic's `event: error` (type
    `overloaded_error`, `api_error`…) or OpenAI's `{"error": {"type": "server_error"…}}`."""
    kind_of = _error_type(error) or ""
    detail = _api_message(error)
    said = f"{kind_of} {detail}".lower()
    kind = next((kind for word, kind in _STREAM_ERROR_KINDS if word in said), None)
    if kind is FailureKind.OVERLOADED:
        return ProviderError(kind, f"{provider} is overloaded (mid-stream); try again later")
    if kind is FailureKind.RATE_LIMITED:
        return ProviderError(kind, f"{provider} rate limit (mid-stream); try again later: {detail}")
    return ProviderError(
        kind or FailureKind.SERVER_ERROR, f"{provider} error mid-stream ({kind_of}): {detail}"
    )


def _error_type(error: Exception) -> str | None:
    body = getattr(error, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    kind = inner.get("type") if isinstance(inner, dict) else None
    return kind if isinstance(kind, str) and kind else None


def _at(error: Exception) -> str:
    """ " at URL" for the request that failed, so a mistyped base URL shows; without its user,
    password, query and fragment, which may hold credentials."""
    tried = getattr(getattr(error, "request", None), "url", None)
    if tried is None:  # an error built without its request
        return ""
    url = urlsplit(str(tried))
    host = url.netloc.rpartition("@")[2]
    return f" at {urlunsplit((url.scheme, host, url.path, '', ''))}" if host else ""


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


def _api_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return _one_line(inner["message"])
    return _one_line(str(error))
