"""`--version`/`--help` after any flag, `models --base-url`, value names in --help
(issue 12, item 14)."""

from __future__ import annotations

import re

import pytest
from conftest import TEST_KEY, FakeOpenAI, RunLLMChat


@pytest.mark.parametrize(
    "args",
    [
        ("-p", "deepseek", "--version"),
        ("--no-save", "-V"),
        ("models", "--offline", "--version"),
        ("providers", "-V"),
        ("chats", "--version"),
        ("-m", "gpt-4o", "--debug", "--version"),
    ],
)
def test_version_after_any_flag(run_llmchat: RunLLMChat, args: tuple[str, ...]) -> None:
    result = run_llmchat(*args)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"llmchat \S+\n", result.stdout)


def test_version_after_double_dash_is_the_question(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("--", "--version")  # a question, sent nowhere without a key
    assert not result.stdout.startswith("llmchat ")
    assert result.returncode == 2, result.stderr


@pytest.mark.parametrize("args", [("-p", "deepseek", "--help"), ("--no-save", "-h")])
def test_help_after_any_flag(run_llmchat: RunLLMChat, args: tuple[str, ...]) -> None:
    result = run_llmchat(*args, env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    assert "Usage: llmchat chat" in result.stdout


@pytest.mark.parametrize(
    "command",
    [(), ("chat",), ("models",), ("providers",), ("setup",), ("chats",), ("chats", "export")],
)
def test_help_names_values_not_python_types(
    run_llmchat: RunLLMChat, command: tuple[str, ...]
) -> None:
    result = run_llmchat(*command, "--help", env={"COLUMNS": "120"})
    assert result.returncode == 0, result.stderr
    assert "Show this message and exit" in result.stdout
    for python_type in ("<bool>", "<str>", "<list[str]>", "<float>", "<int>"):
        assert python_type not in result.stdout, result.stdout
    if command == ("chat",):
        assert re.search(r"--timeout\s+SECONDS", result.stdout)
        assert re.search(r"--model\s+-m\s+MODEL", result.stdout)


def test_models_asks_the_base_url_given(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.models = ["served-here-1", "served-here-2"]
    env = {"OPENAI_API_KEY": TEST_KEY}
    result = run_llmchat("models", "-p", "openai", "--base-url", fake_server.base_url, env=env)
    assert result.returncode == 0, result.stderr
    assert "served-here-1" in result.stdout and "served-here-2" in result.stdout
    assert fake_server.requests[-1].path.endswith("/models")


def test_models_base_url_must_be_a_url(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("models", "--base-url", "localhost", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode == 2
    assert result.stderr.startswith("llmchat: error: --base-url must be an http(s) URL")


def test_the_launchers_subcommands_are_the_apps() -> None:
    import typer

    from llmchat.cli.app import app
    from llmchat.launcher import SUBCOMMANDS

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert set(group.commands) == SUBCOMMANDS


def _imports_and_rest(stderr: str) -> tuple[set[str], list[str]]:
    """PYTHONPROFILEIMPORTTIME's lines on stderr: the modules imported, and the other lines."""
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }
    return imported, [line for line in stderr.splitlines() if not line.startswith("import time:")]


def test_a_plain_question_skips_typer_and_answers_as_the_chat_command(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    env["PYTHONPROFILEIMPORTTIME"] = "1"
    fake_server.reply(text="# Title\n\nSome **bold** text.")
    plain = run_llmchat("--no-save", "what", "--usage", "is this?", env=env)
    fake_server.reply(text="# Title\n\nSome **bold** text.")
    # "--" ends the options: the same question, parsed by Typer.
    parsed = run_llmchat("--no-save", "--usage", "--", "what", "is this?", env=env)
    assert plain.returncode == parsed.returncode == 0, plain.stderr + parsed.stderr
    assert plain.stdout == parsed.stdout == "# Title\n\nSome **bold** text.\n"
    plain_imports, plain_notes = _imports_and_rest(plain.stderr)
    parsed_imports, parsed_notes = _imports_and_rest(parsed.stderr)
    assert "typer" in parsed_imports and "typer" not in plain_imports
    assert plain_notes == parsed_notes and plain_notes[0].startswith("llmchat: usage: ")
    first, second = fake_server.requests
    assert first.body == second.body and first.messages[-1]["content"] == "what is this?"
