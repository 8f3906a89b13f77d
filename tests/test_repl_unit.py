"""REPL pieces without a terminal: completion and the toolbar, typed into a real
PromptSession through prompt_toolkit's pipe input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import TEST_KEY, TEST_KEY_2
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from llmchat.config import CliFlags, FileConfig, resolve_settings
from llmchat.engine.session import ChatSession
from llmchat.environment import Environment
from llmchat.events import Usage
from llmchat.repl.commands import ReplState, dispatch
from llmchat.repl.completion import SlashCompleter
from llmchat.repl.loop import Repl


@pytest.fixture
def state(tmp_path: object) -> ReplState:
    vars = {"OPENAI_API_KEY": TEST_KEY, "DEEPSEEK_API_KEY": TEST_KEY_2}
    settings = resolve_settings(CliFlags(), vars, FileConfig())
    return ReplState(session=ChatSession(settings), env=Environment(vars=vars))


@pytest.fixture
def repl(state: ReplState, tmp_path: object) -> Iterator[Repl]:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    state.env.data_dir = tmp_path
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield Repl(state.env, state)


def _complete(state: ReplState, text: str) -> list[str]:
    completer = SlashCompleter(state)
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_completes_commands_then_their_arguments(state: ReplState) -> None:
    assert _complete(state, "/mo") == ["/model"]
    assert "/provider" in _complete(state, "/pro") and "/providers" in _complete(state, "/pro")
    models = _complete(state, "/model gpt-4o")
    assert "gpt-4o" in models and "gpt-4o-mini" in models
    assert "deepseek/deepseek-reasoner" in _complete(state, "/model deepseek/")
    assert _complete(state, "/provider deep") == ["deepseek"]
    assert _complete(state, "/set temp") == ["temperature"]
    assert _complete(state, "hello /mo") == []


def test_model_completion_offers_old_and_new_names_on_the_current_provider(
    state: ReplState,
) -> None:
    """On DeepSeek itself, bare names: the current ones and the retired ones users still
    type (deepseek-reasoner), which the alias then renames."""
    dispatch(state, "/provider deepseek")
    offered = _complete(state, "/model deepseek-")
    assert {"deepseek-v4-flash", "deepseek-v4-pro", "deepseek-flash"} <= set(offered)
    assert {"deepseek-chat", "deepseek-reasoner"} <= set(offered)
    assert _complete(state, "/model deepseek-rea") == ["deepseek-reasoner"]
    # On OpenAI, the retired names are offered only under their provider.
    dispatch(state, "/provider openai")
    assert "deepseek-reasoner" not in _complete(state, "/model deepseek-")
    assert "deepseek/deepseek-reasoner" in _complete(state, "/model deepseek/deepseek-r")


def test_think_completes_levels_and_a_budget(repl: Repl, state: ReplState) -> None:
    assert _complete(state, "/think b") == ["budget"]
    assert set(_complete(state, "/think ")) >= {"on", "off", "low", "max", "default"}
    dispatch(state, "/think budget 500")
    assert state.session.thinking == "budget 500"
    assert "think budget 500" in "".join(fragment[1] for fragment in repl._toolbar())


def test_toolbar_shows_provider_model_tokens_and_cost(repl: Repl, state: ReplState) -> None:
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert "openai · gpt-4o-mini" in text
    assert "tok" not in text  # nothing counted before the first request
    session = state.session
    price = session.provider.model_info("gpt-4o-mini")
    assert price is not None
    session.ledger.add("openai", "gpt-4o-mini", Usage(1000, 1000), price.price)
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert "2,000 tok" in text and "$0.00075" in text
    state.saving = False
    assert "not saving" in "".join(fragment[1] for fragment in repl._toolbar())


def test_our_prompt_takes_chinese_and_escape_enter_newlines(
    state: ReplState, tmp_path: object
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    state.env.data_dir = tmp_path
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        repl = Repl(state.env, state)
        pipe.send_text("你好，\x1b\r世界\r")
        assert repl.prompt.prompt("› ") == "你好，\n世界"


def test_narrow_toolbar_drops_the_least_important_parts_first(repl: Repl, state: ReplState) -> None:
    session = state.session
    info = session.provider.model_info("gpt-4o-mini")
    assert info is not None
    session.ledger.add("openai", "gpt-4o-mini", Usage(700, 115), info.price)
    state.saving = False
    state.env.columns = 100
    wide = "".join(fragment[1] for fragment in repl._toolbar())
    assert wide.strip() == "openai · gpt-4o-mini · 815 tok · $0.00017 · not saving"
    state.env.columns = 50
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert text.strip() == "openai · gpt-4o-mini · $0.00017 · not saving"  # tokens go first
    state.env.columns = 36
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert text.strip() == "openai · gpt-4o-mini · not saving"  # the whole cost, or none
    state.env.columns = 24
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert text.strip() == "openai · gpt-4o-mini"  # provider and model stay
    state.env.columns = 16
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert len(text) <= 16 and text.startswith(" openai · gpt")


def test_usage_table_fits_a_narrow_terminal(state: ReplState) -> None:
    from llmchat.repl.commands import dispatch

    session = state.session
    info = session.provider.model_info("gpt-4o-mini")
    assert info is not None
    session.ledger.add("openai", "gpt-4o-mini", Usage(16, 799, reasoning_tokens=13), info.price)
    state.env.columns = 40
    text = dispatch(state, "/usage").text
    assert all(len(line) <= 40 for line in text.splitlines()), text
    assert "799" in text and "$0.00048" in text
    state.env.columns = 120
    assert "gpt-4o-mini" in dispatch(state, "/usage").text


def test_toolbar_shows_the_thinking_setting(repl: Repl, state: ReplState) -> None:
    assert "think" not in "".join(fragment[1] for fragment in repl._toolbar())
    dispatch(state, "/think medium")
    assert " · think medium" in "".join(fragment[1] for fragment in repl._toolbar())


def test_toolbar_shows_the_role_and_attached_files(repl: Repl, state: ReplState) -> None:
    from llmchat.inputs.attachments import Attachment

    state.session.role = "reviewer"
    state.pending_files.append(Attachment("app.py", "x = 1\n", "python"))
    text = "".join(fragment[1] for fragment in repl._toolbar())
    assert "role reviewer" in text and "1 file(s) attached" in text


def test_role_names_complete_from_builtins_and_files(state: ReplState, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    state.env.config_dir = tmp_path
    (tmp_path / "roles").mkdir()
    (tmp_path / "roles" / "rust-tutor.md").write_text("Teach Rust.", encoding="utf-8")
    assert _complete(state, "/role r") == ["reviewer", "rust-tutor"]
    assert _complete(state, "/check gpt-4o-m") == ["gpt-4o-mini"]


def test_a_long_input_is_summed_up_by_its_lines_a_last_newline_starting_none() -> None:
    from llmchat.repl.transcript import input_summary

    pasted = "".join(f"line {n}\n" for n in range(1, 501))
    assert input_summary(pasted, 80) == ["line 1", "line 2", "… 500 lines"]
    assert input_summary(pasted.rstrip("\n"), 80)[-1] == "… 500 lines"
    assert input_summary(pasted + "\n", 80)[-1] == "… 501 lines"  # a blank last line
