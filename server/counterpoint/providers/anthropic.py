"""Claude through the official `anthropic` SDK: the streaming Messages API with a forced tool
call, whose input arrives as `input_json_delta` pieces that the SDK's stream helper assembles."""

from __future__ import annotations

from typing import Any

import anthropic

from counterpoint.model.calls import ModelReply, ProviderError, StructuredCall, Usage
from counterpoint.model.vocabulary import FailureKind
from counterpoint.providers.base import OutputMeter, SdkAdapter


class _Message:
    """One call's stream: the SDK's accumulated Message (at message_stop), and the usage from
    message_start and each message_delta (whose counts are totals)."""

    def __init__(self, model: str, call: StructuredCall) -> None:
        self.model, self.call = model, call
        self.message: Any = None
        self.usage = Usage()

    async def send(self, sdk: anthropic.AsyncAnthropic) -> Any:
        call = self.call
        manager = sdk.messages.stream(
            model=self.model,
            max_tokens=call.max_tokens,
            system=call.system,
            messages=[{"role": "user", "content": call.user}],
            tools=[
                {
                    "name": call.schema_name,
                    "description": "Submit your answer in this structure.",
                    "input_schema": call.schema,
                }
            ],
            tool_choice={"type": "tool", "name": call.schema_name},
        )
        return await manager.__aenter__()  # the adapter closes the stream it gives

    def read(self, event: Any, meter: OutputMeter) -> None:
        if event.type == "message_start":
            usage = event.message.usage
            self.usage = Usage(usage.input_tokens, usage.output_tokens)
        elif event.type == "content_block_delta":
            delta = event.delta
            if delta.type == "input_json_delta":
                meter.wrote(len(delta.partial_json))
            elif delta.type == "text_delta":
                meter.wrote(len(delta.text))
        elif event.type == "message_delta":
            given = event.usage.input_tokens
            self.usage = Usage(
                self.usage.input_tokens if given is None else given, event.usage.output_tokens
            )
            meter.count(event.usage.output_tokens)
        elif event.type == "message_stop":
            self.message = event.message

    def reply(self, retries: int, first_token_s: float | None) -> ModelReply:
        usage, message, name = self.usage, self.message, self.call.schema_name
        if message is None:
            raise ProviderError(
                FailureKind.MALFORMED,
                "Anthropic's stream ended before message_stop",
                usage=usage,
                retries=retries,
            )
        data = None
        texts = []
        for block in message.content:
            if block.type == "tool_use" and block.name == name:
                data = block.input if isinstance(block.input, dict) else None
            elif block.type == "text":
                texts.append(block.text)
        text = "\n".join(texts)
        if message.stop_reason == "refusal":
            raise ProviderError(
                FailureKind.REFUSAL, f"Claude declined: {text[:200]}", usage=usage, retries=retries
            )
        if message.stop_reason == "max_tokens":
            raise ProviderError(
                FailureKind.TRUNCATED, "Claude's reply hit max_tokens", usage=usage, retries=retries
            )
        if data is None and not text.strip():
            raise ProviderError(
                FailureKind.EMPTY, "Claude's reply was empty", usage=usage, retries=retries
            )
        return ModelReply(
            data,
            text,
            usage,
            message.model,
            message.stop_reason or "",
            retries=retries,
            first_token_s=first_token_s,
        )


class AnthropicClient(
    SdkAdapter,
    sdk=anthropic,
    client=anthropic.AsyncAnthropic,
    error=anthropic.AnthropicError,
    label="Anthropic",
):
    def streamed(self, call: StructuredCall) -> _Message:
        return _Message(self.model, call)
