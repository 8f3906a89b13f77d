"""Which generation parameters a model accepts, and under which name.

OpenAI's reasoning models (o-series, the gpt-5 family) refuse `max_tokens` ("Use
'max_completion_tokens' instead") and any temperature, top_p or penalty but the default
("Only the default (1) value is supported"): a user's `max_tokens` goes out as
`max_completion_tokens`, and the sampling knobs are left out with a one-line remark.
Sources, checked 2026-11-29: OpenAI's API reference (`max_tokens` "not compatible with o1
series models", via https://platform.openai.com/docs/api-reference/chat/create) and
Microsoft's https://learn.microsoft.com/azure/ai-services/openai/how-to/reasoning
("Reasoning models will only work with the max_completion_tokens parameter"; temperature,
top_p, presence_penalty, frequency_penalty "not supported").

Only OpenAI itself is spoken to this way: the `openai` preset (whatever base URL it was
given), api.openai.com and Azure OpenAI (`*.openai.azure.com`). OpenRouter documents
`max_tokens` and translates it per model (https://openrouter.ai/docs/api-reference/overview);
other relays get what the user set, unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from llmchat.providers.dialects import OPENAI_EFFORT, Shaped
from llmchat.providers.records import ModelInfo, Provider

# Reasoning models the catalog does not list yet (o5, gpt-5.3-mini, ...); the chat
# snapshots (gpt-5-chat-latest) are not reasoning models.
_REASONING_NAME = re.compile(r"^(o[1-9]|gpt-5)(?!.*-chat)")
_OPENAI_HOSTS = ("api.openai.com",)
_AZURE_SUFFIX = ".openai.azure.com"
_DEFAULT_ONLY = ("temperature", "top_p", "presence_penalty", "frequency_penalty")


def is_openai_reasoning(info: ModelInfo) -> bool:
    return info.thinking == OPENAI_EFFORT or _REASONING_NAME.match(info.name) is not None


def is_openai_service(provider: Provider) -> bool:
    """OpenAI's own API or Azure OpenAI: never a relay that happens to serve gpt-5."""
    host = (urlparse(provider.base_url).hostname or "").lower()
    own_preset = provider.builtin and provider.is_openai
    return own_preset or host in _OPENAI_HOSTS or host.endswith(_AZURE_SUFFIX)


def shape_params(provider: Provider, info: ModelInfo, params: Mapping[str, Any]) -> Shaped:
    """The parameters as this model accepts them, and what the user should know."""
    body = dict(params)
    if not (is_openai_service(provider) and is_openai_reasoning(info)):
        return Shaped(body)
    if "max_tokens" in body:
        body["max_completion_tokens"] = body.pop("max_tokens")
    dropped = [name for name in _DEFAULT_ONLY if body.pop(name, None) is not None]
    if not dropped:
        return Shaped(body)
    names = ", ".join(dropped)
    return Shaped(body, (f"{info.name} takes only the default {names}: not sent",))
