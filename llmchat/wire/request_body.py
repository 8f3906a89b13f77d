"""The chat request in one provider's dialect: the SDK's `create` arguments, or its JSON body.

Kept apart from client.py (the only importer of `openai`): nothing here needs the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmchat.engine.request import ChatRequest
from llmchat.providers.dialects import dialect, prepare_messages, response_format
from llmchat.providers.records import Provider
from llmchat.providers.sampling import shape_params


def sdk_arguments(provider: Provider, request: ChatRequest, *, echo: bool) -> dict[str, Any]:
    """The request in this provider's dialect: SDK arguments plus `extra_body`.

    `echo`: whether past replies' reasoning goes back as `reasoning_content`.
    """
    info = request.model_info
    shaped = dialect(info.thinking).shape(info, request.thinking, stream=request.stream)
    extra: dict[str, Any] = {**dict(info.extra_body), **shaped.body, **request.extra_body}
    params = shape_params(provider, info, request.params.as_request()).body
    # Sent as they are: the SDK's type walk costs ~0.2 ms a message, changes nothing.
    extra["messages"] = prepare_messages(request.messages, echo_reasoning=echo)
    kwargs: dict[str, Any] = dict(
        model=request.model,
        messages=(),
        extra_body=extra,
        **params,
        **request.sampling(),
    )
    if request.output is not None:
        kwargs["response_format"] = response_format(request.output)
    return kwargs


def json_body(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body `create(**arguments)` sends: the named fields, then `extra_body`'s
    over them (its `messages` replace the empty stub the SDK's signature requires)."""
    named = {name: value for name, value in arguments.items() if name != "extra_body"}
    return {**named, **arguments.get("extra_body", {})}
