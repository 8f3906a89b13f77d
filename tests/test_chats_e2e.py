"""Saved chats end to end: what a user does with `llmchat chats …`, `-c`, `--resume` and
the REPL's /chats, /load, /title, /save, against the fake server and real files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat


def _env(server: FakeOpenAI) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def _chat_ids(run_llmchat: RunLLMChat) -> list[str]:
    listing = run_llmchat("chats").stdout.splitlines()[1:]
    return [line.split()[0] for line in listing]


def test_one_shot_chats_are_saved_and_continued(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    assert run_llmchat("first question", env=_env(fake_server)).returncode == 0
    assert run_llmchat("-c", "follow up", env=_env(fake_server)).returncode == 0
    assert [m["content"] for m in fake_server.last.messages] == [
        "first question",
        "echo: first question",
        "follow up",
    ]
    listing = run_llmchat("chats")
    assert listing.returncode == 0
    assert "first question" in listing.stdout
    files = list((Path(sandbox.data_dir) / "chats").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_no_save_writes_nothing(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    assert run_llmchat("--no-save", "secret question", env=_env(fake_server)).returncode == 0
    chats = Path(sandbox.data_dir) / "chats"
    assert not chats.exists() or not any(chats.iterdir())


def test_resume_by_prefix_with_its_provider_model_and_system_prompt(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    run_llmchat(
        "-m", "gpt-4o", "-s", "be terse", "--temperature", "0.3", "one", env=_env(fake_server)
    )
    run_llmchat("another chat", env=_env(fake_server))
    ids = _chat_ids(run_llmchat)
    older = ids[-1]
    result = run_llmchat("--resume", older[:17], "two", env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None
    assert body["model"] == "gpt-4o"
    assert body["temperature"] == 0.3
    assert [m["content"] for m in fake_server.last.messages] == [
        "be terse",
        "one",
        "echo: one",
        "two",
    ]


def test_unknown_or_ambiguous_resume_is_a_usage_error(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    result = run_llmchat("--resume", "nosuchchat", "hi", env=_env(fake_server))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    run_llmchat("a", env=_env(fake_server))
    run_llmchat("b", env=_env(fake_server))
    result = run_llmchat("--resume", "2", "hi", env=_env(fake_server))
    assert result.returncode == 2
    assert "ambiguous" in result.stderr.lower() or "more than one" in result.stderr.lower()


def test_search_show_export_delete(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(text="Paris is the capital of **France**.")
    run_llmchat("capital of France?", env=_env(fake_server))
    run_llmchat("something else", env=_env(fake_server))

    found = run_llmchat("chats", "search", "FRANCE")
    assert found.returncode == 0
    assert "capital of France?" in found.stdout
    assert "something else" not in found.stdout
    chat_id = found.stdout.split()[0]

    shown = run_llmchat("chats", "show", chat_id)
    assert "capital of France?" in shown.stdout
    assert "Paris is the capital of **France**." in shown.stdout
    assert "gpt-4o-mini" in shown.stdout

    exported = json.loads(run_llmchat("chats", "export", chat_id, "--format", "json").stdout)
    assert exported["messages"] == [
        {"role": "user", "content": "capital of France?"},
        {"role": "assistant", "content": "Paris is the capital of **France**."},
    ]

    deleted = run_llmchat("chats", "delete", chat_id)
    assert deleted.returncode == 0
    assert chat_id not in run_llmchat("chats").stdout


def test_json_export_replays_to_the_same_request(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    run_llmchat("-s", "sys", "q1", env=_env(fake_server))
    run_llmchat("-c", "q2", env=_env(fake_server))
    chat_id = _chat_ids(run_llmchat)[0]
    exported = json.loads(run_llmchat("chats", "export", chat_id, "-f", "json").stdout)
    # The last request carried everything up to q2; the export adds q2's answer.
    assert exported["messages"][:-1] == fake_server.last.messages
    assert exported["messages"][-1] == {"role": "assistant", "content": "echo: q2"}


def test_damaged_file_loads_with_a_warning(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    run_llmchat("kept", env=_env(fake_server))
    path = next((Path(sandbox.data_dir) / "chats").iterdir())
    with path.open("a") as handle:
        handle.write('{"type": "message", "role": "us\n')  # corrupt line
        handle.write('{"v": 1, "type": "mess')  # truncated last line
    result = run_llmchat("-c", "after damage", env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert path.name in result.stderr and "line" in result.stderr
    assert [m["content"] for m in fake_server.last.messages] == [
        "kept",
        "echo: kept",
        "after damage",
    ]


def test_repl_chats_load_title_and_save(
    start_chat: StartChat, fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    run_llmchat("an older chat", env=_env(fake_server))
    older = _chat_ids(run_llmchat)[0]
    chat = start_chat(env=_env(fake_server))
    chat.ask("/chats", "an older chat")
    chat.send(f"/load {older[:18]}")
    chat.expect("loaded")
    chat.expect("echo: an older chat")  # the last exchange, for context
    chat.wait_prompt()
    chat.ask("/title My 中文 title", "title:")
    chat.ask("continuing", "echo: continuing")
    assert [m["content"] for m in fake_server.last.messages] == [
        "an older chat",
        "echo: an older chat",
        "continuing",
    ]
    chat.ask("/save off", "not saving")
    chat.ask("off the record", "echo: off the record")
    chat.ask("/save on", "saving again")
    chat.ask("back on the record", "echo: back on the record")
    listing = run_llmchat("chats").stdout
    assert "My 中文 title" in listing
    texts = [path.read_text() for path in (Path(sandbox.data_dir) / "chats").iterdir()]
    assert not any("off the record" in text for text in texts)
    assert any("back on the record" in text for text in texts)


def test_a_failed_first_request_keeps_the_question_out_of_the_listing(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    fake_server.reply(status=401)
    assert run_llmchat("doomed", env=_env(fake_server)).returncode == 1
    listing = run_llmchat("chats")
    assert listing.stdout.strip() == ""
    assert "1 unanswered chat not shown" in listing.stderr
    # The question was on disk before the request left (issue 12): nothing typed is lost.
    (saved,) = (Path(sandbox.data_dir) / "chats").iterdir()
    assert "doomed" in saved.read_text()
    # A failure later in a chat is taken back, and the chat goes on cleanly.
    run_llmchat("works", env=_env(fake_server))
    fake_server.reply(status=401)
    run_llmchat("-c", "fails", env=_env(fake_server))
    run_llmchat("-c", "works again", env=_env(fake_server))
    assert [m["content"] for m in fake_server.last.messages] == [
        "works",
        "echo: works",
        "works again",
    ]
