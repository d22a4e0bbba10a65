"""Map either SDK's exceptions onto the pipeline's ProviderError kinds.

Both official SDKs share one exception shape, so one function serves both; it is handed the SDK
module so this file imports neither.
"""

from __future__ import annotations

from types import ModuleType

from counterpoint.pipeline.model import ProviderError


def from_sdk_error(sdk: ModuleType, error: Exception, provider: str) -> ProviderError:
    if isinstance(error, sdk.APITimeoutError):
        return ProviderError("timeout", f"{provider} did not answer in time")
    if isinstance(error, sdk.APIConnectionError):
        return ProviderError("unreachable", f"cannot reach {provider}: {error}")
    if isinstance(error, sdk.APIStatusError):
        status = error.status_code
        detail = _api_message(error)
        if isinstance(error, sdk.AuthenticationError) or status in (401, 403):
            return ProviderError("auth", f"{provider} rejected the API key ({status}): {detail}")
        if status == 429:
            return ProviderError("rate_limited", f"{provider} rate limit (429): {detail}")
        if status == 529 or "overloaded" in detail.lower():
            return ProviderError("overloaded", f"{provider} is overloaded ({status}): {detail}")
        if status >= 500:
            return ProviderError("server_error", f"{provider} server error ({status}): {detail}")
        return ProviderError("bad_request", f"{provider} refused the request ({status}): {detail}")
    if isinstance(error, sdk.APIResponseValidationError):
        return ProviderError("malformed", f"{provider} sent a reply the SDK could not read")
    if isinstance(error, (ValueError, sdk.APIError)):  # e.g. a body that is not JSON
        return ProviderError("malformed", f"{provider} sent an unreadable reply: {error}")
    return ProviderError("error", f"{provider}: {type(error).__name__}: {error}")


def _api_message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"][:300]
    return str(error)[:300]
