"""Dialects: how each provider family says "think", "don't think" and "this hard".

The engine asks in neutral words (`Thinking`: on, off or an effort level; None sends
nothing); a `Dialect` turns that into the fields this provider's body takes, sent
through the SDK's `extra_body`, plus the one-line notes the user should read when the
wish cannot be spoken (a model that thinks always, or has no switch). It also says what
history the provider accepts: whether past reasoning is echoed back. Parameter values
follow each provider's current documentation (docs/providers.md); where issue 11 lists
other values, the docs win. No `if provider == ...` outside this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmchat.providers.records import NO_THINKING, ModelInfo

if TYPE_CHECKING:
    from llmchat.engine.request import OutputFormat

# Dialect families (ModelInfo.thinking names one).
DEEPSEEK_V4 = "deepseek-v4"
QWEN_HYBRID = "qwen-hybrid"
QWEN_ALWAYS = "qwen-always"
GLM = "glm"
DOUBAO = "doubao"
KIMI = "kimi"
OPENAI_EFFORT = "openai-effort"
OPENROUTER = "openrouter"
ALWAYS = "always"
NONE = NO_THINKING

ON, OFF = "on", "off"
BUDGET = "budget"  # "budget 8192": a token cap on thinking, for dialects that take one
EFFORTS = ("low", "medium", "high", "max")  # what the user may ask for
THINK_CHOICES = (ON, OFF, *EFFORTS)
# Every level any provider names, weakest first: "nearest" is measured on this scale.
_SCALE = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def parse_thinking(raw: str) -> str | None:
    """A user's `/think` / `--effort` word as a Thinking value; "default" unsets it.
    A number, or "budget N", is a token budget for thinking ("budget N")."""
    word = " ".join(raw.strip().lower().split())
    if word in ("", "default", "auto", "unset"):
        return None
    word = {"true": ON, "yes": ON, "false": OFF, "no": OFF}.get(word, word)
    if word.startswith(f"{BUDGET} ") or word.replace("_", "").isdigit():
        return budget_thinking(parse_budget(word.removeprefix(f"{BUDGET} ")))
    if word not in THINK_CHOICES:
        from llmchat.errors import UsageError

        choices = "|".join(THINK_CHOICES)
        raise UsageError(f"unknown thinking setting {raw!r}", f"use {choices}|budget N")
    return word


def parse_budget(raw: str) -> int:
    """A thinking budget in tokens: a whole number of at least 1."""
    from llmchat.errors import UsageError

    try:
        tokens = int(raw.strip().replace("_", ""))
    except ValueError:
        raise UsageError(f"a thinking budget is a number of tokens, not {raw!r}") from None
    if tokens < 1:
        raise UsageError(f"a thinking budget must be at least 1 token, not {tokens}")
    return tokens


def budget_thinking(tokens: int) -> str:
    return f"{BUDGET} {tokens}"


def budget_of(thinking: str | None) -> int | None:
    """The token budget a Thinking value asks for ("budget 8192" -> 8192), else None."""
    if thinking is None or not thinking.startswith(f"{BUDGET} "):
        return None
    return int(thinking.removeprefix(f"{BUDGET} "))


def nearest_effort(wanted: str, levels: Sequence[str]) -> str:
    """The level in `levels` closest to `wanted` on the common scale; ties go up
    (DeepSeek's docs map medium to high)."""
    if wanted in levels or not levels:
        return wanted
    rank = _SCALE.index(wanted) if wanted in _SCALE else _SCALE.index("medium")
    usable = [lvl for lvl in levels if lvl in _SCALE and lvl not in ("none",)]
    if not usable:
        return wanted
    return min(usable, key=lambda lvl: (abs(_SCALE.index(lvl) - rank), -_SCALE.index(lvl)))


@dataclass(frozen=True)
class Shaped:
    """What a dialect adds to one request: body fields, and remarks for the user."""

    body: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dialect:
    """One provider family's words for thinking, and its history rule.

    `echo_reasoning`: whether past replies' reasoning goes back as `reasoning_content`
    (the first guess; a 400 about it flips the guess once and the client remembers).
    """

    name: str
    echo_reasoning: bool = False
    stream_only_thinking: bool = False  # thinking on + stream off is refused (Qwen)

    def shape(
        self, info: ModelInfo, thinking: str | None, *, stream: bool
    ) -> Shaped:  # pragma: no cover - every family overrides
        return Shaped()


def _effort_note(model: str, wanted: str, sent: str) -> tuple[str, ...]:
    return () if wanted == sent else (f"{model} takes effort {sent}, not {wanted}: sent {sent}",)


@dataclass(frozen=True)
class NoSwitch(Dialect):
    """A model with no thinking parameter: say so, send nothing."""

    def shape(self, info: ModelInfo, thinking: str | None, *, stream: bool) -> Shaped:
        if thinking is None:
            return Shaped()
        return Shaped(notes=(f"{info.name} has no thinking switch: nothing sent",))


@dataclass(frozen=True)
class AlwaysThinks(Dialect):
    """A model that thinks whatever is asked; a "disabled" would be refused."""

    def shape(self, info: ModelInfo, thinking: str | None, *, stream: bool) -> Shaped:
        if thinking is None:
            return Shaped()
        return Shaped(notes=(f"{info.name} always thinks: no thinking setting sent",))


@dataclass(frozen=True)
class ThinkingType(Dialect):
    """`thinking: {"type": "enabled"|"disabled"}` (DeepSeek V4, GLM, Doubao, Kimi), plus
    `reasoning_effort` where the model lists effort levels."""

    def shape(self, info: ModelInfo, thinking: str | None, *, stream: bool) -> Shaped:
        if thinking is None:
            return Shaped()
        if thinking == OFF:
            return Shaped({"thinking": {"type": "disabled"}})
        body: dict[str, Any] = {"thinking": {"type": "enabled"}}
        if thinking == ON:
            return Shaped(body)
        if budget_of(thinking) is not None:
            return Shaped(body, (f"{info.name} takes no thinking budget: thinking on",))
        if not info.efforts:
            note = f"{info.name} has no effort levels: thinking on, effort {thinking} not sent"
            return Shaped(body, (note,))
        sent = nearest_effort(thinking, info.efforts)
        body["reasoning_effort"] = sent
        return Shaped(body, _effort_note(info.name, thinking, sent))


# DashScope caps thinking with a token budget, not levels: `enable_thinking` +
# `thinking_budget` (unset = the model's own maximum chain-of-thought length) —
# https://www.alibabacloud.com/help/en/model-studio/deep-thinking, checked 2026-11-29 (the
# budget's semantics also per https://docs.siliconflow.cn/en/userguide/capabilities/reasoning).
# Issue 11 spoke of effort levels; the docs have none and win, so a level is llmchat's own
# mapping onto a budget (per-model maxima not captured), and "max" sends no cap at all.
QWEN_EFFORT_BUDGETS = {"low": 2_048, "medium": 8_192, "high": 32_768}


@dataclass(frozen=True)
class QwenHybrid(Dialect):
    """`enable_thinking: true|false` (DashScope) and `thinking_budget: N`. Thinking output
    is stream-only: a non-streamed call with thinking on is refused, so it is sent with
    thinking off. A budget from config.toml (`thinking_budget`) caps "on" and the default."""

    def shape(self, info: ModelInfo, thinking: str | None, *, stream: bool) -> Shaped:
        notes: list[str] = []
        if not stream:
            if thinking not in (None, OFF):
                notes.append(f"{info.name} thinks only when streaming: thinking off for this call")
            return Shaped({"enable_thinking": False}, tuple(notes))
        if thinking == OFF:
            return Shaped({"enable_thinking": False})
        body: dict[str, Any] = {} if thinking is None else {"enable_thinking": True}
        budget = budget_of(thinking)
        if thinking in QWEN_EFFORT_BUDGETS:
            budget = QWEN_EFFORT_BUDGETS[thinking]
            notes.append(
                f"{info.name} takes a thinking budget, not levels: "
                f"effort {thinking} sent as thinking_budget {budget}"
            )
        elif thinking == "max":
            notes.append(
                f"{info.name} takes a thinking budget, not levels: effort max sends none "
                "(the model's own maximum)"
            )
        elif thinking in (None, ON):
            budget = info.thinking_budget
        if budget is not None:
            body["thinking_budget"] = budget
        return Shaped(body, tuple(notes))


@dataclass(frozen=True)
class OpenAIEffort(Dialect):
    """`reasoning_effort` (OpenAI o-series and gpt-5): these models always reason; "off"
    is the lowest level the model lists ("none" or "minimal"), when it has one."""

    def shape(self, info: ModelInfo, thinking: str | None, *, stream: bool) -> Shaped:
        if thinking is None:
            return Shaped()
        if thinking == ON:
            return Shaped(notes=(f"{info.name} always reasons: nothing sent",))
        if budget_of(thinking) is not None:
            return Shaped(notes=(f"{info.name} takes effort levels, not a budget: nothing sent",))
        levels = info.efforts or ("low", "medium", "high")
        if thinking == OFF:
            lowest = next((lvl for lvl in ("none", "minimal") if lvl in levels), None)
            if lowest is None:
                return Shaped(notes=(f"{info.name} always reasons: it has no off switch",))
            return Shaped({"reasoning_effort": lowest})
        sent = nearest_effort(thinking, levels)
        return Shaped({"reasoning_effort": sent}, _effort_note(info.name, thinking, sent))


@dataclass(frozen=True)
class OpenRouterReasoning(Dialect):
    """`reasoning: {"effort": ...}`, `{"max_tokens": N}` or `{"enabled": bool}`
    (OpenRouter's unified field)."""

    def shape(self, info: ModelInfo, thinking: str | None, *, stream: bool) -> Shaped:
        if thinking is None:
            return Shaped()
        if thinking in (ON, OFF):
            return Shaped({"reasoning": {"enabled": thinking == ON}})
        budget = budget_of(thinking)
        if budget is not None:  # OpenRouter's Anthropic-style cap
            return Shaped({"reasoning": {"max_tokens": budget}})
        # OpenRouter's levels: xhigh|high|medium|low|minimal|none; "max" is not one.
        sent = nearest_effort(thinking, info.efforts or ("low", "medium", "high", "xhigh"))
        return Shaped({"reasoning": {"effort": sent}}, _effort_note(info.name, thinking, sent))


DIALECTS: Mapping[str, Dialect] = {
    NONE: NoSwitch(NONE),
    ALWAYS: AlwaysThinks(ALWAYS),
    QWEN_ALWAYS: AlwaysThinks(QWEN_ALWAYS),
    DEEPSEEK_V4: ThinkingType(DEEPSEEK_V4),
    GLM: ThinkingType(GLM),
    DOUBAO: ThinkingType(DOUBAO),
    KIMI: ThinkingType(KIMI),
    QWEN_HYBRID: QwenHybrid(QWEN_HYBRID, stream_only_thinking=True),
    OPENAI_EFFORT: OpenAIEffort(OPENAI_EFFORT),
    OPENROUTER: OpenRouterReasoning(OPENROUTER),
}


def dialect(name: str) -> Dialect:
    """The dialect called `name`; an unknown name (a typo in config.toml is caught
    there) speaks no thinking at all."""
    return DIALECTS.get(name, DIALECTS[NONE])


# --- history -----------------------------------------------------------------------


def prepare_messages(
    messages: Sequence[Mapping[str, Any]], *, echo_reasoning: bool
) -> list[dict[str, Any]]:
    """The messages as this provider accepts them: past reasoning kept or dropped, and
    consecutive same-role messages merged (a failed or interrupted turn, /undo, /retry
    or /load can leave two user messages in a row, which several providers refuse)."""
    out: list[dict[str, Any]] = []
    for message in messages:
        item = dict(message)
        if not echo_reasoning or item.get("role") != "assistant":
            item.pop("reasoning_content", None)
        if out and out[-1].get("role") == item.get("role") and item.get("role") != "system":
            merged = out[-1]
            merged["content"] = f"{merged.get('content') or ''}\n\n{item.get('content') or ''}"
            if "reasoning_content" in item:
                merged["reasoning_content"] = item["reasoning_content"]
            continue
        out.append(item)
    return out


def mentions_reasoning_content(message: str) -> bool:
    """A 400 whose text is about reasoning in the history (either way round)."""
    return "reasoning_content" in message


def response_format(output: OutputFormat) -> dict[str, Any]:
    """The wire's `response_format` for an output wish: a JSON schema, else any JSON object."""
    if output.kind == "json_schema" and output.schema is not None:
        schema = {"name": output.name, "schema": dict(output.schema), "strict": output.strict}
        return {"type": "json_schema", "json_schema": schema}
    return {"type": "json_object"}
