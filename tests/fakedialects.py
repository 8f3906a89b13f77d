"""Provider dialects for the fake server: what each real service refuses, as its docs say.

A `Rules` object looks at a chat request body and returns the error the real provider
would answer (status, message), or None to let the fake server reply. Kept apart from
fakeserver.py so each provider's rules read in a few lines. Sources: docs/providers.md.

    srv.dialect = DeepSeekRules(history="require")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def _thinking_type(body: dict[str, Any]) -> str | None:
    thinking = body.get("thinking")
    return thinking.get("type") if isinstance(thinking, dict) else None


def _assistants(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body.get("messages", []) if m.get("role") == "assistant"]


def _two_in_a_row(body: dict[str, Any]) -> Refusal | None:
    """Several providers refuse consecutive messages of the same role."""
    roles = [m.get("role") for m in body.get("messages", [])]
    for before, after in itertools.pairwise(roles):
        if before == after and before in ("user", "assistant"):
            return Refusal(400, "messages with role 'user' must alternate with 'assistant'")
    return None


@dataclass
class DeepSeekRules:
    """DeepSeek after 2026-07-24: the old names are gone; V4 thinks by default.

    `history`: "reject" answers 400 to any `reasoning_content` in the history; "require"
    (thinking mode with tools, per DeepSeek's guide) answers 400 when the history carries
    none (the fake cannot tell which past replies had reasoning);
    "ignore" accepts either.
    """

    history: str = "ignore"
    retired: tuple[str, ...] = ("deepseek-chat", "deepseek-reasoner")

    def check(self, body: dict[str, Any]) -> Refusal | None:
        if body.get("model") in self.retired:
            return Refusal(400, "Model Not Exist")
        echoed = [m for m in _assistants(body) if "reasoning_content" in m]
        if self.history == "reject" and echoed:
            return Refusal(400, "reasoning_content is not allowed in assistant messages")
        thinking = _thinking_type(body) != "disabled"
        if self.history == "require" and thinking and _assistants(body) and not echoed:
            return Refusal(
                400, "The reasoning_content in the thinking mode must be passed back to the API."
            )
        return _two_in_a_row(body)


@dataclass
class QwenRules:
    """DashScope: a hybrid Qwen3 model refuses thinking without streaming (and thinks by
    default, so saying nothing is refused too); a thinking-only model refuses "off"; a
    `thinking_budget` must be a positive whole number."""

    hybrid_default_on: tuple[str, ...] = ("qwen3.8-flash", "qwen3.7-max")
    thinking_only: tuple[str, ...] = ("qwq-plus",)

    def check(self, body: dict[str, Any]) -> Refusal | None:
        model = body.get("model")
        enable = body.get("enable_thinking")
        if model in self.thinking_only and enable is False:
            return Refusal(400, "The value of the enable_thinking parameter is restricted to True.")
        budget = body.get("thinking_budget")
        if budget is not None and (not isinstance(budget, int) or budget < 1):
            return Refusal(400, "The value of thinking_budget must be a positive integer.")
        thinks = enable is True or (enable is None and model in self.hybrid_default_on)
        if thinks and not body.get("stream"):
            return Refusal(
                400, "parameter.enable_thinking must be set to false for non-streaming calls"
            )
        return _two_in_a_row(body)


@dataclass
class ThinkingTypeRules:
    """GLM / Kimi / Doubao: `thinking.type`; a model that always thinks refuses "disabled"."""

    always: tuple[str, ...] = ("glm-4.7",)

    def check(self, body: dict[str, Any]) -> Refusal | None:
        if body.get("model") in self.always and _thinking_type(body) == "disabled":
            return Refusal(400, f"thinking.type disabled is not supported by {body['model']}")
        return _two_in_a_row(body)


@dataclass
class OpenAIReasoningRules:
    """OpenAI's reasoning models (o-series, gpt-5): `max_tokens` is refused in favour of
    `max_completion_tokens`, and sampling knobs only take their default. Messages as
    the API words them (quoted in Azure's and OpenAI's issue threads)."""

    models: tuple[str, ...] = ("o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.9")

    def check(self, body: dict[str, Any]) -> Refusal | None:
        if body.get("model") not in self.models:
            return None
        if "max_tokens" in body:
            return Refusal(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
            )
        for name, default in (("temperature", 1), ("top_p", 1)):
            if name in body and body[name] != default:
                return Refusal(
                    400,
                    f"Unsupported value: '{name}' does not support {body[name]} with this "
                    f"model. Only the default ({default}) value is supported.",
                )
        for name in ("presence_penalty", "frequency_penalty"):
            if body.get(name):
                return Refusal(400, f"Unsupported parameter: '{name}' is not supported.")
        return None
