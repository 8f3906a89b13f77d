"""A turn → the neutral ChatRequest: the session's output options, shaped per model.

JSON and schema needs become `response_format` and, where the provider needs it, an
instruction appended to the system prompt of this request only (the conversation and
the saved chat keep the prompt the user chose). Stop, seed and n pass through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from llmchat.structured.options import OutputOptions
from llmchat.structured.request import OutputPlan, plan_output

if TYPE_CHECKING:
    from llmchat.engine.request import ChatRequest
    from llmchat.engine.turn import Turn


def with_instruction(
    messages: Sequence[Mapping[str, str]], plan: OutputPlan
) -> list[Mapping[str, str]]:
    """The messages with the plan's instruction in the system prompt (added if none)."""
    if not plan.instruction:
        return list(messages)
    if messages and messages[0].get("role") == "system":
        content = plan.system_prompt(messages[0].get("content")) or ""
        first = {**messages[0], "content": content}
        return [first, *messages[1:]]
    return [{"role": "system", "content": plan.instruction}, *messages]


def build_request(turn: Turn) -> ChatRequest:
    """The session's neutral request (thinking included) plus the turn's output needs.

    Several answers (`-n`) come in one non-streamed reply, so such a request is not
    streamed, and the dialect shapes it knowing that.
    """
    from llmchat.structured.request import output_capability

    session = turn.session
    options = OutputOptions() if turn.plain else session.output
    messages: Sequence[Mapping[str, str]] = turn.messages
    output = None
    if options.wants_json:
        info = session.model_info(turn.provider, turn.model)
        capability = output_capability(turn.provider, info)
        plan = plan_output(capability, want_json=options.json, schema=options.schema)
        output = plan.output
        messages = with_instruction(messages, plan)
    stream = session.stream and options.choices <= 1
    request = session.request(
        turn.provider, turn.model, messages, stream=stream, thinking=turn.thinking
    )
    return replace(request, output=output, stop=options.stop, seed=options.seed, n=options.choices)
