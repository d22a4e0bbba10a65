"""GPT through the official `openai` SDK: streamed Chat Completions with a strict json_schema.

Chat Completions rather than Responses, because OpenAI-compatible servers (Ollama, vLLM,
OpenRouter) speak it too. The stream's content deltas are joined; with
`stream_options.include_usage` the last chunk (with no choices) carries the usage.
"""

from __future__ import annotations

import json
from typing import Any

import openai

from counterpoint.model.calls import ModelReply, ProviderError, StructuredCall, Usage
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.base import OutputMeter, SdkAdapter


class _Completion:
    """One call's stream: what its chunks said of the first choice, and the usage."""

    def __init__(self, model: str, call: StructuredCall) -> None:
        self.model, self.call = model, call
        self.content: list[str] = []
        self.refusal: list[str] = []
        self.finish_reason: str | None = None
        self.choices = 0  # chunks that carried the choice
        self.usage = Usage()

    async def send(self, sdk: openai.AsyncOpenAI) -> Any:
        call = self.call
        return await sdk.chat.completions.create(
            model=self.model,
            messages=[
                {"role": "system", "content": call.system},
                {"role": "user", "content": call.user},
            ],
            max_completion_tokens=call.max_tokens,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": call.schema_name, "strict": True, "schema": call.schema},
            },
            stream=True,
            stream_options={"include_usage": True},
        )

    def read(self, chunk: Any, meter: OutputMeter) -> None:
        self.model = chunk.model or self.model
        if chunk.usage is not None:  # the last chunk, with no choices
            self.usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            meter.count(chunk.usage.completion_tokens)
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            self.choices += 1
            delta = choice.delta
            if delta.content:
                self.content.append(delta.content)
                meter.wrote(len(delta.content))
            if delta.refusal:
                self.refusal.append(delta.refusal)
                meter.wrote(len(delta.refusal))
            if choice.finish_reason is not None:
                self.finish_reason = choice.finish_reason

    def reply(self, retries: int, first_token_s: float | None) -> ModelReply:
        usage = self.usage

        def failed(kind: FailureKind, message: str) -> ProviderError:
            return ProviderError(kind, message, usage=usage, retries=retries)

        if not self.choices:
            raise failed(FailureKind.EMPTY, "GPT's reply had no choices")
        if self.finish_reason is None:  # the connection closed mid-reply, without an error
            raise failed(FailureKind.MALFORMED, "OpenAI's stream ended before the reply was done")
        refusal = "".join(self.refusal)
        if refusal:
            raise failed(FailureKind.REFUSAL, f"GPT declined: {refusal[:200]}")
        if self.finish_reason == "length":
            raise failed(FailureKind.TRUNCATED, "GPT's reply hit the token limit")
        text = "".join(self.content)
        if not text.strip():
            raise failed(FailureKind.EMPTY, "GPT's reply was empty")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None  # the pipeline's tolerant parser looks at the text
        return ModelReply(
            data if isinstance(data, dict) else None,
            text,
            usage,
            self.model,
            self.finish_reason,
            retries=retries,
            first_token_s=first_token_s,
        )


class OpenAIClient(
    SdkAdapter, sdk=openai, client=openai.AsyncOpenAI, error=openai.OpenAIError, label="OpenAI"
):
    def streamed(self, call: StructuredCall) -> _Completion:
        return _Completion(self.model, call)
