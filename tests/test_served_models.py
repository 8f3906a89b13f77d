"""`/model PROVIDER/<Tab>` completes from what the server listed, once it has said it,
remembered in memory and on disk (issue 12, item 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TEST_KEY, FakeOpenAI, RunLLMChat, Sandbox
from pty_chat import StartChat

from llmchat.config import CliFlags, FileConfig
from llmchat.config.resolve import resolve_settings
from llmchat.engine import served_models
from llmchat.engine.served_models import ServedModels, all_cached_names, cache_path
from llmchat.engine.session import ChatSession
from llmchat.repl.commands import completions_for

URL = "https://api.openai.com/v1"


@pytest.fixture
def bound(tmp_path: Path) -> Iterator[ServedModels]:
    cache = served_models.bind(tmp_path / "data")
    yield cache
    served_models.bind(None)


def _session() -> ChatSession:
    vars = {"OPENAI_API_KEY": TEST_KEY}
    return ChatSession(resolve_settings(CliFlags(), vars, FileConfig()))


def test_remembered_on_disk_and_read_by_a_new_process(tmp_path: Path) -> None:
    ServedModels(tmp_path).remember("openai", URL + "/", ["gpt-x", "gpt-y"])
    assert ServedModels(tmp_path).get("openai", URL) == ["gpt-x", "gpt-y"]
    assert ServedModels(tmp_path).get("openai", "http://elsewhere/v1") is None
    assert all_cached_names(tmp_path) == {"openai": ["gpt-x", "gpt-y"]}


def test_names_from_a_server_are_cleaned(tmp_path: Path) -> None:
    ServedModels(tmp_path).remember("x", URL, ["ok", "bad\x1b[2J", "two words", "", 7, "z" * 999])
    assert ServedModels(tmp_path).get("x", URL) == ["ok"]


def test_a_damaged_cache_is_no_cache(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    cache = ServedModels(tmp_path)
    assert cache.get("openai", URL) is None
    cache.remember("openai", URL, ["m"])  # and it is replaced, not a crash
    assert json.loads(path.read_text(encoding="utf-8"))["servers"]


def test_completion_uses_the_served_list_for_provider_prefixes(bound: ServedModels) -> None:
    session = _session()
    before = completions_for(session, "model")
    assert "openai/gpt-4o" in before  # built-in, prefixed, for the current provider too
    bound.remember("openai", session.provider.base_url, ["served-one", "served-two"])
    after = completions_for(session, "model")
    assert "openai/served-one" in after and "served-two" in after
    assert "openai/gpt-4o" not in after


def test_repl_completes_from_the_servers_list_now_and_next_time(
    start_chat: StartChat, fake_server: FakeOpenAI, sandbox: Sandbox
) -> None:
    fake_server.models = ["srv-alpha-7", "srv-beta-9"]
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    chat = start_chat(env=env)
    chat.send("/model")
    chat.expect("srv-beta-9")
    chat.wait_prompt()
    chat.child.send("/model openai/srv-al\t")
    chat.expect("pha-7")  # the completion, drawn after what was typed
    chat.child.send("\r")
    chat.expect("model: srv-alpha-7")
    chat.wait_prompt()
    assert ServedModels(sandbox.data_dir).get("openai", fake_server.base_url) == [
        "srv-alpha-7",
        "srv-beta-9",
    ]
    chat.child.sendeof()

    # A new REPL, which has not asked the server: completion reads the disk cache.
    asked = len([r for r in fake_server.requests if r.path.endswith("/models")])
    again = start_chat(env=env)
    again.child.send("/model openai/srv-b\t")
    again.expect("eta-9")
    again.child.send("\r")
    again.expect("model: srv-beta-9")
    again.wait_prompt()
    assert len([r for r in fake_server.requests if r.path.endswith("/models")]) == asked


def test_models_listing_fills_the_cache(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    fake_server.models = ["listed-a", "listed-b"]
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    assert run_llmchat("models", env=env).returncode == 0
    assert all_cached_names(sandbox.data_dir)["openai"] == ["listed-a", "listed-b"]
