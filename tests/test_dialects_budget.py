"""Thinking budgets and the parameters each model accepts, without a terminal: Qwen's
`thinking_budget`, OpenRouter's `reasoning.max_tokens`, and OpenAI's reasoning models
(`max_completion_tokens`, default-only sampling) — on OpenAI's own service only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from llmchat.cli.chat_options import thinking_flag
from llmchat.config.models import parse_model_tables
from llmchat.errors import ConfigError, UsageError
from llmchat.providers.dialects import budget_of, dialect, parse_thinking
from llmchat.providers.presets import preset
from llmchat.providers.records import ModelInfo, Provider
from llmchat.providers.sampling import shape_params


def _provider(name: str) -> Provider:
    found = preset(name)
    assert found is not None
    return found


def _info(provider: str, model: str) -> ModelInfo:
    info = _provider(provider).model_info(model)
    assert info is not None
    return info


def _shape(info: ModelInfo, thinking: str | None, *, stream: bool = True) -> tuple[dict, tuple]:  # type: ignore[type-arg]
    shaped = dialect(info.thinking).shape(info, thinking, stream=stream)
    return shaped.body, shaped.notes


def test_a_budget_is_a_thinking_value() -> None:
    assert parse_thinking("budget 8192") == "budget 8192"
    assert parse_thinking("  Budget   4_096 ") == "budget 4096"
    assert parse_thinking("500") == "budget 500"
    assert budget_of("budget 500") == 500
    assert budget_of("high") is None and budget_of(None) is None
    for bad in ("budget 0", "budget lots", "budget -5"):
        with pytest.raises(UsageError):
            parse_thinking(bad)


def test_think_budget_flag_implies_thinking_and_refuses_contradictions() -> None:
    assert thinking_flag(None, None, 700) == "budget 700"
    assert thinking_flag(True, None, 700) == "budget 700"
    with pytest.raises(UsageError, match="--no-think and --think-budget"):
        thinking_flag(False, None, 700)
    with pytest.raises(UsageError, match="--effort and --think-budget"):
        thinking_flag(None, "high", 700)
    with pytest.raises(UsageError):
        thinking_flag(None, None, 0)


def test_qwen_speaks_budgets_and_maps_levels_onto_them() -> None:
    info = _info("qwen", "qwen-plus")
    assert _shape(info, "budget 900") == ({"enable_thinking": True, "thinking_budget": 900}, ())
    body, notes = _shape(info, "low")
    assert body == {"enable_thinking": True, "thinking_budget": 2048}
    assert notes == ("qwen-plus takes a thinking budget, not levels: "
                     "effort low sent as thinking_budget 2048",)  # fmt: skip
    body, notes = _shape(info, "max")
    assert body == {"enable_thinking": True} and "sends none" in notes[0]
    # Not streamed: thinking off whatever was asked, and no budget for a call that can't think.
    assert _shape(info, "budget 900", stream=False)[0] == {"enable_thinking": False}


def test_a_configured_budget_caps_on_and_the_default_not_off() -> None:
    info = replace(_info("qwen", "qwen3.8-flash"), thinking_budget=1234)
    assert _shape(info, "on")[0] == {"enable_thinking": True, "thinking_budget": 1234}
    assert _shape(info, None)[0] == {"thinking_budget": 1234}
    assert _shape(info, "off")[0] == {"enable_thinking": False}
    assert _shape(info, "budget 99")[0] == {"enable_thinking": True, "thinking_budget": 99}


def test_other_dialects_on_a_budget() -> None:
    router = _info("openrouter", "openrouter/auto")
    assert _shape(router, "budget 3000") == ({"reasoning": {"max_tokens": 3000}}, ())
    body, notes = _shape(_info("deepseek", "deepseek-v4-flash"), "budget 3000")
    assert body == {"thinking": {"type": "enabled"}}
    assert notes == ("deepseek-v4-flash takes no thinking budget: thinking on",)
    body, notes = _shape(_info("openai", "o3"), "budget 3000")
    assert body == {} and "takes effort levels, not a budget" in notes[0]


def test_model_tables_take_a_thinking_budget() -> None:
    tables = parse_model_tables({"qwen-plus": {"thinking_budget": 4096}}, "config.toml")
    assert tables["qwen-plus"].apply(_info("qwen", "qwen-plus")).thinking_budget == 4096
    for bad in (0, "lots", True, 1.5):
        with pytest.raises(ConfigError, match="thinking_budget"):
            parse_model_tables({"qwen-plus": {"thinking_budget": bad}}, "config.toml")


_ASKED = {"max_tokens": 50, "temperature": 0.3, "top_p": 0.9}


@pytest.mark.parametrize("model", ["o3", "gpt-5", "gpt-5.9-mini", "o7"])
def test_openai_reasoning_models_get_what_they_accept(model: str) -> None:
    openai = _provider("openai")
    info = openai.model_info(model) or ModelInfo(model)
    shaped = shape_params(openai, info, _ASKED)
    assert shaped.body == {"max_completion_tokens": 50}
    assert shaped.notes == (f"{model} takes only the default temperature, top_p: not sent",)
    # Only max_tokens asked: renamed, nothing to remark.
    only = shape_params(openai, info, {"max_tokens": 9})
    assert (only.body, only.notes) == ({"max_completion_tokens": 9}, ())


def test_other_models_and_other_services_get_the_parameters_unchanged() -> None:
    openai = _provider("openai")
    for model in ("gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest"):
        info = openai.model_info(model) or ModelInfo(model)
        assert shape_params(openai, info, _ASKED).body == _ASKED
    o3 = _info("openai", "o3")
    # A relay that serves OpenAI's names gets what the user set (OpenRouter documents
    # max_tokens and translates it itself).
    for relay in ("openrouter", "chatanywhere"):
        assert shape_params(_provider(relay), o3, _ASKED).body == _ASKED
    # Azure OpenAI refuses max_tokens on reasoning models too (Microsoft's docs).
    azure = Provider(
        "work", "Azure", "https://acme.openai.azure.com/openai/v1", "AZURE_KEY", "WORK", "o3",
        builtin=False,
    )  # fmt: skip
    assert shape_params(azure, o3, _ASKED).body == {"max_completion_tokens": 50}
    # OpenAI's host named by a user-defined provider counts too.
    own = replace(azure, base_url="https://api.openai.com/v1")
    assert shape_params(own, o3, {"max_tokens": 5}).body == {"max_completion_tokens": 5}
