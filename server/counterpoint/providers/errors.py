"""Map either SDK's exceptions onto the pipeline's ProviderError kinds.

Both official SDKs share one exception shape, so one function serves both; it is handed the SDK
module so this file imports neither.
"""

from __future__ import annotations

import contextlib
from types import ModuleType

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
    request = getattr(error, "request", None)
    response = getattr(error, "response", None)
    if response is not None:
        with contextlib.suppress(RuntimeError):  # a response built without its request
            request = response.request
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
            f"cannot reach {provider}: {_one_line(str(error)).rstrip('.')}{tries}",
        )
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
    if isinstance(error, sdk.APIError):
        return ProviderError(
            FailureKind.MALFORMED, f"{provider} sent an unreadable reply: {_one_line(str(error))}"
        )
    return ProviderError(
        FailureKind.ERROR, f"{provider}: {type(error).__name__}: {_one_line(str(error))}"
    )


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


def _api_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return _one_line(inner["message"])
    return _one_line(str(error))
