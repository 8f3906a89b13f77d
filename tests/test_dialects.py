"""Dialects without a terminal: each family's words for thinking, the history rules, and
the client against a fake server that refuses what the real provider refuses."""

from __future__ import annotations

import pytest
from conftest import TEST_KEY
from fakedialects import DeepSeekRules
from fakeserver import FakeOpenAI

from llmchat.config import Params, Timeouts
from llmchat.config.models import parse_model_tables
from llmchat.engine.request import ChatRequest
from llmchat.errors import ConfigError, UsageError
from llmchat.providers.catalog import alias_for, supports_json_object, supports_json_schema
from llmchat.providers.dialects import dialect, nearest_effort, parse_thinking, prepare_messages
from llmchat.providers.presets import preset
from llmchat.providers.records import ModelInfo, Provider
from llmchat.wire.client import ChatClient


def _info(provider: str, model: str) -> ModelInfo:
    p = preset(provider)
    assert p is not None
    info = p.model_info(model)
    assert info is not None
    return info


def _body(provider: str, model: str, thinking: str | None, *, stream: bool = True) -> dict:  # type: ignore[type-arg]
    info = _info(provider, model)
    return dialect(info.thinking).shape(info, thinking, stream=stream).body


def test_not_set_sends_nothing_anywhere() -> None:
    for p in ("openai", "deepseek", "qwen", "zhipu", "doubao", "moonshot", "openrouter"):
        provider = preset(p)
        assert provider is not None
        for info in provider.models:
            assert dialect(info.thinking).shape(info, None, stream=True).body == {}, info.name


@pytest.mark.parametrize(
    ("provider", "model", "thinking", "body"),
    [
        ("deepseek", "deepseek-v4-flash", "on", {"thinking": {"type": "enabled"}}),
        ("deepseek", "deepseek-v4-flash", "off", {"thinking": {"type": "disabled"}}),
        ("deepseek", "deepseek-v4-pro", "max",
         {"thinking": {"type": "enabled"}, "reasoning_effort": "max"}),
        ("qwen", "qwen-plus", "on", {"enable_thinking": True}),
        ("qwen", "qwen-plus", "off", {"enable_thinking": False}),
        ("zhipu", "glm-5.1", "off", {"thinking": {"type": "disabled"}}),
        ("zhipu", "glm-5.2", "low", {"thinking": {"type": "enabled"}, "reasoning_effort": "low"}),
        ("moonshot", "kimi-k2.6", "on", {"thinking": {"type": "enabled"}}),
        ("doubao", "doubao-seed-1-6-250615", "off", {"thinking": {"type": "disabled"}}),
        ("openai", "o3", "high", {"reasoning_effort": "high"}),
        ("openai", "gpt-5", "off", {"reasoning_effort": "minimal"}),
        ("openai", "o3", "max", {"reasoning_effort": "high"}),
        ("openrouter", "openrouter/auto", "medium", {"reasoning": {"effort": "medium"}}),
        ("openrouter", "openrouter/auto", "off", {"reasoning": {"enabled": False}}),
        ("openai", "gpt-4o", "on", {}),
        ("zhipu", "glm-4.7", "off", {}),
        ("qwen", "qwq-plus", "off", {}),
    ],
)  # fmt: skip
def test_each_family_says_it_in_its_own_words(
    provider: str,
    model: str,
    thinking: str,
    body: dict,  # type: ignore[type-arg]
) -> None:
    assert _body(provider, model, thinking) == body


def test_qwen_without_streaming_is_always_thinking_off() -> None:
    info = _info("qwen", "qwen3.8-flash")
    for wish in (None, "on", "off", "high"):
        shaped = dialect(info.thinking).shape(info, wish, stream=False)
        assert shaped.body == {"enable_thinking": False}
    assert "only when streaming" in dialect(info.thinking).shape(info, "on", stream=False).notes[0]


def test_nearest_effort_goes_up_on_a_tie() -> None:
    assert nearest_effort("medium", ("low", "high", "max")) == "high"
    assert nearest_effort("max", ("low", "medium", "high")) == "high"
    assert nearest_effort("low", ("minimal", "low", "medium", "high")) == "low"


def test_parse_thinking() -> None:
    assert parse_thinking(" ON ") == "on"
    assert parse_thinking("default") is None
    with pytest.raises(UsageError):
        parse_thinking("hard")


def test_prepare_messages_merges_same_roles_and_drops_or_keeps_reasoning() -> None:
    history = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "x", "reasoning_content": "why"},
        {"role": "user", "content": "c"},
    ]
    dropped = prepare_messages(history, echo_reasoning=False)
    assert [m["role"] for m in dropped] == ["system", "user", "assistant", "user"]
    assert dropped[1]["content"] == "a\n\nb"
    assert "reasoning_content" not in dropped[2]
    assert prepare_messages(history, echo_reasoning=True)[2]["reasoning_content"] == "why"
    assert history[1] == {"role": "user", "content": "a"}  # the caller's list is untouched


def test_aliases_apply_on_the_preset_and_on_deepseeks_host_only() -> None:
    deepseek = preset("deepseek")
    assert deepseek is not None
    relay = Provider("relay", "Relay", "https://relay.example/v1", None, "RELAY", "m",
                     builtin=False)  # fmt: skip
    tutorial = Provider("openai", "OpenAI", "https://api.deepseek.com/v1", None, "OPENAI", "")
    alias = alias_for(deepseek, "deepseek-reasoner")
    assert alias is not None and (alias.new, alias.thinking) == ("deepseek-v4-flash", True)
    assert alias.says() == "deepseek-reasoner is now deepseek-v4-flash with thinking"
    assert alias_for(tutorial, "deepseek-chat") is not None
    assert alias_for(relay, "deepseek-chat") is None


def test_capabilities_for_json_output() -> None:
    openai, deepseek = preset("openai"), preset("deepseek")
    assert openai is not None and deepseek is not None
    assert supports_json_schema(openai, "gpt-4o") is True
    assert supports_json_schema(deepseek, "deepseek-v4-flash") is False
    assert supports_json_object(deepseek, "deepseek-v4-flash") is True
    assert supports_json_schema(deepseek, "my-own-model") is None


def test_model_tables_are_checked() -> None:
    tables = parse_model_tables({"ep-1": {"context": 8000, "input": 1, "output": 2}}, "cfg")
    assert tables["ep-1"].price is not None and tables["ep-1"].price.checked == "config"
    with pytest.raises(ConfigError) as info:
        parse_model_tables({"m": {"thinkng": "glm"}}, "cfg")
    assert "thinking" in info.value.one_line()
    with pytest.raises(ConfigError):
        parse_model_tables({"m": {"thinking": "telepathy"}}, "cfg")


def _client(server: FakeOpenAI) -> ChatClient:
    provider = Provider("deepseek", "DeepSeek", server.base_url, "K", "DEEPSEEK", "m")
    return ChatClient(provider, TEST_KEY, Timeouts(connect=5, read=10))


def _request(messages: list[dict[str, str]]) -> ChatRequest:
    info = _info("deepseek", "deepseek-v4-flash")
    return ChatRequest("deepseek-v4-flash", messages, Params(), stream=True, info=info)


def test_two_user_messages_in_a_row_are_merged_before_the_server_sees_them(
    fake_server: FakeOpenAI,
) -> None:
    fake_server.dialect = DeepSeekRules()
    messages = [{"role": "user", "content": "first"}, {"role": "user", "content": "second"}]
    list(_client(fake_server).events(_request(messages)))
    assert fake_server.last.messages == [{"role": "user", "content": "first\n\nsecond"}]


def test_a_server_that_rejects_reasoning_in_history_never_sees_it(
    fake_server: FakeOpenAI,
) -> None:
    fake_server.dialect = DeepSeekRules(history="reject")
    messages = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b", "reasoning_content": "r"},
        {"role": "user", "content": "c"},
    ]
    client = _client(fake_server)
    list(client.events(_request(messages)))
    assert len(fake_server.chat_requests()) == 1
    assert "reasoning_content" not in fake_server.last.messages[1]
