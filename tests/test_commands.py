"""Slash-commands: parsing, lookup with suggestions, help, and what each does to a real session.

Sessions are real ChatSessions built from resolve_settings; nothing is sent anywhere.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from llmchat.config import PARAM_NAMES, CliFlags, FileConfig, Params, resolve_settings
from llmchat.engine.conversation import Exchange
from llmchat.engine.session import ChatSession
from llmchat.environment import Environment
from llmchat.errors import ConfigError, UsageError
from llmchat.repl.commands import (
    REGISTRY,
    ReplState,
    completions_for,
    dispatch,
    lookup,
    parse,
    unescape,
)

OPENAI_KEY = "sk-openai-" + "a" * 26 + "K1o9"
DEEPSEEK_KEY = "sk-deepseek-" + "b" * 26 + "D2s8"

# --- parsing and lookup (no session needed) --------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/model gpt-4o", ("model", "gpt-4o")),
        ("  /model   deepseek/deepseek-chat  ", ("model", "deepseek/deepseek-chat")),
        ("/MODEL gpt-4o", ("model", "gpt-4o")),
        ("/clear", ("clear", "")),
        ("/system You are\nterse.", ("system", "You are\nterse.")),
        ("/set temperature 0.3", ("set", "temperature 0.3")),
    ],
)
def test_parse_commands(line: str, expected: tuple[str, str]) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize(
    "line", ["hello", "", "   ", "what does /model do?", "//etc/hosts is mine", "  //x"]
)
def test_parse_messages_are_not_commands(line: str) -> None:
    assert parse(line) is None


def test_double_slash_sends_a_message_starting_with_one_slash() -> None:
    assert unescape("//etc/hosts is mine") == "/etc/hosts is mine"
    assert unescape("plain text") == "plain text"
    assert unescape("a // b") == "a // b"


def test_parse_accepts_any_whitespace_after_the_name() -> None:
    assert parse("/model\tgpt-4o") == ("model", "gpt-4o")
    assert parse("/system\nBe brief.") == ("system", "Be brief.")


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("modle", "model"), ("hlep", "help"), ("claer", "clear"), ("sytem", "system")],
)
def test_lookup_suggests_the_command_meant(typo: str, meant: str) -> None:
    with pytest.raises(UsageError) as info:
        lookup(typo)
    assert info.value.message == f"unknown command /{typo}"
    assert f"/{meant}" in info.value.hint
    assert info.value.exit_code == 2


def test_lookup_of_nonsense_points_at_help() -> None:
    with pytest.raises(UsageError) as info:
        lookup("xyzzyplugh")
    assert "/help" in info.value.hint


def test_aliases_resolve() -> None:
    assert lookup("?").name == "help"
    assert lookup("quit").name == "exit"
    assert lookup("q").name == "exit"


def test_every_command_has_a_one_line_summary_and_a_usage() -> None:
    for name in ("help", "exit", "model", "provider", "providers", "clear", "system"):
        assert name in REGISTRY
    for name in ("retry", "undo", "copy", "edit", "set", "reasoning", "raw", "usage"):
        assert name in REGISTRY
    for name, cmd in REGISTRY.items():
        assert cmd.name == name
        assert cmd.summary, name
        assert "\n" not in cmd.summary
        assert len(cmd.summary) <= 100, name
        assert cmd.usage.startswith(f"/{name}"), name


# --- a real session ------------------------------------------------------------------


@pytest.fixture
def state(tmp_path: Path) -> ReplState:
    """A REPL state on openai, with OpenAI and DeepSeek keys (and no others)."""
    vars = {"OPENAI_API_KEY": OPENAI_KEY, "DEEPSEEK_API_KEY": DEEPSEEK_KEY}
    settings = resolve_settings(CliFlags(system="Be brief."), vars, FileConfig())
    env = Environment(
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        vars=vars,
    )
    return ReplState(session=ChatSession(settings), env=env)


def test_help_lists_every_command(state: ReplState) -> None:
    text = dispatch(state, "/help").text
    flat = " ".join(text.split())  # summaries are wrapped to the terminal's width
    for cmd in REGISTRY.values():
        assert cmd.usage in text
        assert " ".join(cmd.summary.split()) in flat
    assert dispatch(state, "/?").text == text


def test_help_for_one_command(state: ReplState) -> None:
    text = dispatch(state, "/help model").text
    assert text.startswith("/model [PROVIDER/]NAME")
    assert "deepseek-reasoner" in text  # the second paragraph of its docstring
    assert dispatch(state, "/help /model").text == text
    assert "/quit" in dispatch(state, "/help exit").text
    with pytest.raises(UsageError) as info:
        dispatch(state, "/help modle")
    assert "/model" in info.value.hint


def test_unknown_command_through_dispatch(state: ReplState) -> None:
    with pytest.raises(UsageError) as info:
        dispatch(state, "/modle gpt-4o")
    assert "/model" in info.value.hint
    with pytest.raises(UsageError):
        dispatch(state, "just a message")


def test_exit(state: ReplState) -> None:
    assert dispatch(state, "/exit").exit
    assert dispatch(state, "/quit").exit


def test_model_switch_within_a_provider(state: ReplState) -> None:
    reply = dispatch(state, "/model gpt-4o")
    assert (state.session.provider.name, state.session.model) == ("openai", "gpt-4o")
    assert "gpt-4o" in reply.text and "switched" not in reply.text


def test_model_served_only_by_another_keyed_provider_switches_provider(
    state: ReplState,
) -> None:
    assert state.session.provider.name == "openai"
    reply = dispatch(state, "/model deepseek-reasoner")
    # The retired name moves to DeepSeek and is renamed there, with thinking on.
    assert (state.session.provider.name, state.session.model) == ("deepseek", "deepseek-v4-flash")
    assert state.session.thinking == "on"
    assert "DeepSeek" in reply.text
    assert "deepseek-reasoner is now deepseek-v4-flash with thinking" in reply.text
    # Said once: asking again does not repeat it.
    assert "is now" not in dispatch(state, "/model deepseek-reasoner").text
    assert state.session.registry.require_key(state.session.provider) == DEEPSEEK_KEY


def test_model_with_provider_prefix(state: ReplState) -> None:
    dispatch(state, "/model deepseek/deepseek-chat")
    assert (state.session.provider.name, state.session.model) == ("deepseek", "deepseek-v4-flash")
    assert state.session.thinking == "off"
    dispatch(state, "/model openai/gpt-4.1")
    assert (state.session.provider.name, state.session.model) == ("openai", "gpt-4.1")


def test_model_of_a_provider_without_key_fails_and_changes_nothing(state: ReplState) -> None:
    with pytest.raises(ConfigError) as info:
        dispatch(state, "/model qwen/qwen-max")
    assert "DASHSCOPE_API_KEY" in info.value.hint
    assert (state.session.provider.name, state.session.model) == ("openai", "gpt-4o-mini")
    # A bare model only a keyless provider serves stays where it is.
    dispatch(state, "/model qwen-max")
    assert (state.session.provider.name, state.session.model) == ("openai", "qwen-max")


def test_model_alone_lists_models_marking_the_current(state: ReplState) -> None:
    text = dispatch(state, "/model").text
    assert "* gpt-4o-mini" in text
    assert "  gpt-4o" in text


def test_provider_switch_to_its_default_model(state: ReplState) -> None:
    dispatch(state, "/provider deepseek")
    assert (state.session.provider.name, state.session.model) == ("deepseek", "deepseek-v4-flash")
    assert "deepseek" in dispatch(state, "/provider").text


def test_unknown_provider_is_a_usage_error_with_a_suggestion(state: ReplState) -> None:
    with pytest.raises(UsageError) as info:
        dispatch(state, "/provider deepsek")
    assert "deepseek" in info.value.hint
    assert state.session.provider.name == "openai"


def test_provider_without_key_names_its_variable(state: ReplState) -> None:
    with pytest.raises(ConfigError) as info:
        dispatch(state, "/provider zhipu")
    assert "ZHIPUAI_API_KEY" in info.value.hint
    assert state.session.provider.name == "openai"


def test_providers_shows_keys_masked(state: ReplState) -> None:
    text = dispatch(state, "/providers").text
    assert OPENAI_KEY not in text and DEEPSEEK_KEY not in text
    assert "K1o9" in text and "D2s8" in text
    assert "DASHSCOPE_API_KEY not set" in text
    assert "no key needed" in text  # ollama
    assert any(line.startswith("* openai") for line in text.splitlines())


def test_set_updates_params(state: ReplState) -> None:
    dispatch(state, "/set temperature 0.3")
    dispatch(state, "/set max_tokens 256")
    assert state.session.params == Params(temperature=0.3, max_tokens=256)
    dispatch(state, "/set temperature none")
    assert state.session.params == Params(max_tokens=256)
    listing = dispatch(state, "/set").text
    assert "max_tokens" in listing and "256" in listing and "(server default)" in listing


@pytest.mark.parametrize(
    "line",
    ["/set temperature 9", "/set temperature", "/set max_tokens 0", "/set warmth 0.3"],
)
def test_bad_set_is_a_usage_error_and_changes_nothing(state: ReplState, line: str) -> None:
    dispatch(state, "/set temperature 0.5")
    with pytest.raises(UsageError) as info:
        dispatch(state, line)
    assert info.value.hint  # says how to do it right
    assert state.session.params == Params(temperature=0.5)


def test_system_show_set_and_remove(state: ReplState) -> None:
    assert dispatch(state, "/system").text == "system: Be brief."
    dispatch(state, "/system Answer in French.")
    assert state.session.conversation.system == "Answer in French."
    assert state.session.conversation.messages()[0] == {
        "role": "system",
        "content": "Answer in French.",
    }
    dispatch(state, "/system off")
    assert state.session.conversation.system is None
    assert dispatch(state, "/system").text == "no system prompt"
    assert state.session.conversation.messages() == []


def add_exchanges(state: ReplState, n: int) -> None:
    for i in range(n):
        state.session.conversation.add(Exchange(user=f"question {i}", assistant=f"answer {i}"))


def test_clear_forgets_turns_but_keeps_the_system_prompt(state: ReplState) -> None:
    add_exchanges(state, 3)
    dispatch(state, "/clear")
    assert len(state.session.conversation) == 0
    assert state.session.conversation.messages() == [{"role": "system", "content": "Be brief."}]


def test_undo_drops_the_last_exchange(state: ReplState) -> None:
    assert dispatch(state, "/undo").text == "nothing to undo"
    add_exchanges(state, 2)
    reply = dispatch(state, "/undo")
    assert "question 1" in reply.text
    assert [e.user for e in state.session.conversation.exchanges] == ["question 0"]


def test_undo_preview_is_shortened(state: ReplState) -> None:
    state.session.conversation.add(Exchange(user="word " * 40, assistant="ok"))
    text = dispatch(state, "/undo").text
    assert len(text) <= len("dropped: ") + 50
    assert text.endswith("…")


def test_retry_asks_the_last_question_again(state: ReplState) -> None:
    with pytest.raises(UsageError):
        dispatch(state, "/retry")
    add_exchanges(state, 2)
    assert dispatch(state, "/retry").ask == "question 1"
    assert len(state.session.conversation) == 1


def test_copy_the_last_reply(state: ReplState) -> None:
    assert dispatch(state, "/copy").error
    add_exchanges(state, 1)
    assert dispatch(state, "/copy").copy == "answer 0"


def test_toggles(state: ReplState) -> None:
    assert state.session.show_reasoning
    dispatch(state, "/reasoning off")
    assert not state.session.show_reasoning
    dispatch(state, "/reasoning")
    assert state.session.show_reasoning
    dispatch(state, "/raw")
    assert state.raw
    dispatch(state, "/raw off")
    assert not state.raw
    with pytest.raises(UsageError):
        dispatch(state, "/raw sometimes")


def test_usage_with_no_turns_yet(state: ReplState) -> None:
    text = dispatch(state, "/usage").text
    assert isinstance(text, str) and text


def test_completions(state: ReplState) -> None:
    models = completions_for(state.session, "model")
    assert "gpt-4o" in models
    assert "deepseek/deepseek-v4-flash" in models
    assert "deepseek/deepseek-reasoner" in models  # old names are still offered
    assert not any(m.startswith("qwen/") for m in models)  # no DASHSCOPE key
    assert "deepseek" in completions_for(state.session, "provider")
    assert completions_for(state.session, "set") == [*PARAM_NAMES, "stop", "seed"]
    assert "model" in completions_for(state.session, "help")
    assert completions_for(state.session, "nosuch") == []
    assert completions_for(state.session, "clear") == []
