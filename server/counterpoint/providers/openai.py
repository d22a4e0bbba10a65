"""GPT through the official `openai` SDK: Chat Completions with a strict json_schema.

Chat Completions rather than Responses, because OpenAI-compatible servers (Ollama, vLLM,
OpenRouter) speak it too.
"""

from __future__ import annotations

import json

import openai

from counterpoint.model.calls import ModelReply, ProviderError, StructuredCall, Usage
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.base import SdkAdapter


class OpenAIClient(
    SdkAdapter, sdk=openai, client=openai.AsyncOpenAI, error=openai.OpenAIError, label="OpenAI"
):
    async def complete(self, call: StructuredCall, max_retries: int | None = None) -> ModelReply:
        completion, retries = await self._send(
            lambda sdk: sdk.chat.completions,
            max_retries,
            messages=[
                {"role": "system", "content": call.system},
                {"role": "user", "content": call.user},
            ],
            max_completion_tokens=call.max_tokens,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": call.schema_name, "strict": True, "schema": call.schema},
            },
        )
        usage = Usage()
        if completion.usage is not None:
            usage = Usage(completion.usage.prompt_tokens, completion.usage.completion_tokens)
        if not completion.choices:
            raise ProviderError(
                FailureKind.EMPTY, "GPT's reply had no choices", usage=usage, retries=retries
            )
        choice = completion.choices[0]
        message = choice.message
        if message.refusal:
            raise ProviderError(
                FailureKind.REFUSAL,
                f"GPT declined: {message.refusal[:200]}",
                usage=usage,
                retries=retries,
            )
        if choice.finish_reason == "length":
            raise ProviderError(
                FailureKind.TRUNCATED,
                "GPT's reply hit the token limit",
                usage=usage,
                retries=retries,
            )
        text = message.content or ""
        if not text.strip():
            raise ProviderError(
                FailureKind.EMPTY, "GPT's reply was empty", usage=usage, retries=retries
            )
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None  # the pipeline's tolerant parser looks at the text
        return ModelReply(
            data if isinstance(data, dict) else None,
            text,
            usage,
            completion.model,
            choice.finish_reason or "",
            retries=retries,
        )
