"""A comparison is saved like any chat: `llmchat compare` writes the question and every
model's answer as an alternative (figures, errors and interruptions with them), `-c`
goes on without an unpicked comparison and says so, and `/pick` takes an answer by
number, model name or prefix, in the chat that ran it or after `-c`.

The installed CLI against three fake providers, each accepting only its own key.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pexpect
from conftest import FakeOpenAI, Reply, RunLLMChat, Sandbox
from pty_chat import StartChat
from test_compare_e2e import ANSI, KEYS, MODELS, provider_env, script, servers, spawn

__all__ = ["servers"]  # the fixture, shared with test_compare_e2e

ALL = [a for m in MODELS for a in ("-m", m)]


def saved_lines(sandbox: Sandbox) -> list[dict[str, object]]:
    (path,) = (sandbox.data_dir / "chats").glob("*.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def answers(lines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in lines if r.get("role") == "assistant"]


def test_one_shot_compare_is_saved_with_every_lane_and_its_figures(
    run_llmchat: RunLLMChat, sandbox: Sandbox, servers: dict[str, FakeOpenAI]
) -> None:
    script(
        servers,
        openai=Reply(text="ALPHA answer", reasoning="pondering"),
        deepseek=Reply(status=401),  # fails before its first word
        qwen=Reply(text="GAMMA answer"),
    )
    result = run_llmchat("compare", *ALL, "Which sort?", env=provider_env(servers))
    assert result.returncode == 1
    lines = saved_lines(sandbox)
    assert lines[0]["model"] == "gpt-x"  # the first model: what -c goes on with
    (question,) = [r for r in lines if r.get("role") == "user"]
    assert question["content"] == "Which sort?"
    saved = answers(lines)
    assert [(r["provider"], r["model"], r["content"]) for r in saved] == [
        ("openai", "gpt-x", "ALPHA answer"),
        ("deepseek", "deepseek-v4-flash", ""),
        ("qwen", "qwen-plus", "GAMMA answer"),
    ]
    assert all(r["alternative"] is True for r in saved)
    assert saved[0]["reasoning"] == "pondering"
    assert saved[0]["figures"]["finish_reason"] == "stop"  # type: ignore[index]
    assert saved[0]["usage"]["completion_tokens"] > 0  # type: ignore[index]
    assert "rejected the API key" in str(saved[1]["error"])
    assert KEYS["deepseek"] not in json.dumps(lines)

    shown = run_llmchat("chats", "show", str(lines[0]["id"])).stdout
    assert "*(compared; no reply picked)*" in shown
    assert "### Alternative (openai/gpt-x)" in shown and "ALPHA answer" in shown
    assert "### Alternative (deepseek/deepseek-v4-flash)" in shown
    assert "*(failed: " in shown
    table = [line for line in shown.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| model | first token | total | tokens | tok/s | cost | finish")
    assert [row.split(" | ")[-1] for row in table[1:]] == ["stop |", "failed |", "stop |"]
    assert table[1].split(" | ")[5] == "price unknown"  # gpt-x: as its scoreboard said
    exported = run_llmchat("chats", "export", str(lines[0]["id"])).stdout
    assert "GAMMA answer" in exported
    listed = run_llmchat("chats").stdout
    assert "Which sort?" in listed  # two answers: an answered chat


def test_no_save_writes_nothing(
    run_llmchat: RunLLMChat, sandbox: Sandbox, servers: dict[str, FakeOpenAI]
) -> None:
    args = ["compare", "--no-save", "-m", MODELS[0], "-m", MODELS[1], "q"]
    result = run_llmchat(*args, env=provider_env(servers))
    assert result.returncode == 0, result.stderr
    assert not list((sandbox.data_dir / "chats").glob("*.jsonl"))


def test_continue_after_compare_asks_without_it_and_says_how_to_pick(
    run_llmchat: RunLLMChat, sandbox: Sandbox, servers: dict[str, FakeOpenAI]
) -> None:
    env = provider_env(servers)
    assert run_llmchat("compare", "-s", "Be brief.", *ALL, "First?", env=env).returncode == 0
    result = run_llmchat("-c", "Second?", env=env)
    assert result.returncode == 0, result.stderr
    assert "ends in a comparison with no answer picked" in result.stderr
    assert "/pick N" in result.stderr
    follow_up = servers["openai"].last  # the first model given, with the same system prompt
    assert follow_up.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Second?"},
    ]
    shown = run_llmchat("chats", "show", str(saved_lines(sandbox)[0]["id"])).stdout
    # The comparison stays where it happened, not as alternatives to the later reply.
    assert shown.index("First?") < shown.index("compared; no reply picked")
    assert shown.index("### Alternative (qwen/qwen-plus)") < shown.index("Second?")
    assert shown.index("Second?") < shown.index("## Assistant (gpt-x)")


def test_pick_by_model_name_after_continue_then_follow_up_carries_it(
    run_llmchat: RunLLMChat,
    start_chat: StartChat,
    sandbox: Sandbox,
    servers: dict[str, FakeOpenAI],
) -> None:
    env = provider_env(servers)
    script(
        servers,
        openai=Reply(text="ANSWER-ONE"),
        deepseek=Reply(text="ANSWER-TWO"),
        qwen=Reply(text="ANSWER-THREE"),
    )
    assert run_llmchat("compare", *ALL, "Colour?", env=env).returncode == 0
    chat = start_chat("-c", env=env, cols=120)
    transcript = ANSI.sub("", chat.transcript())
    assert "compared, no answer picked: 1 openai/gpt-x · 2 deepseek/deepseek-v4-flash" in transcript
    chat.child.send("/pick deeps\t")  # Tab completes the model's name
    chat.expect("deepseek-v4-flash")
    chat.send("")
    chat.expect("going on with answer 2 (deepseek/deepseek-v4-flash)")
    chat.wait_prompt()
    chat.ask("Why?", expect="echo: Why?")
    assert servers["openai"].last.messages[-3:] == [
        {"role": "user", "content": "Colour?"},
        {"role": "assistant", "content": "ANSWER-TWO"},
        {"role": "user", "content": "Why?"},
    ]
    chat.child.sendeof()
    chat.child.expect(pexpect.EOF)
    exported = json.loads(run_llmchat("chats", "export", "2", "-f", "json").stdout)
    assert [m["content"] for m in exported["messages"]] == [
        "Colour?",
        "ANSWER-TWO",
        "Why?",
        "echo: Why?",
    ]


def test_pick_keys_bad_and_ambiguous_get_one_line_listing_the_choices(
    start_chat: StartChat, servers: dict[str, FakeOpenAI]
) -> None:
    models = ["deepseek/deepseek-v4-flash", "deepseek/deepseek-v4-pro", "qwen/qwen-plus"]
    chat = start_chat("-m", MODELS[0], env=provider_env(servers), cols=120)
    chat.send(f"/compare {' '.join(models)} Which?")
    chat.expect("(or a model's name)", timeout=60)
    chat.wait_prompt()
    choices = "1 deepseek/deepseek-v4-flash · 2 deepseek/deepseek-v4-pro · 3 qwen/qwen-plus"
    for key, message in [
        ("deepseek-v4", "'deepseek-v4' matches 2 answers"),
        ("llama", "no answer 'llama'"),
        ("7", "no answer '7'"),
    ]:
        before = len(chat.transcript())
        chat.send(f"/pick {key}")
        chat.expect("pick one of")
        chat.wait_prompt()
        # One line (the terminal breaks it at words): the error, then every choice.
        said = " ".join(ANSI.sub("", chat.transcript()[before:]).split())
        assert f"{message} — pick one of {choices}" in said
    chat.send("/pick QWEN/")
    chat.expect("going on with answer 3 (qwen/qwen-plus)")
    chat.wait_prompt()
    chat.send("/pick 1")
    chat.expect("nothing to pick from")


def test_ctrl_c_saves_what_each_lane_had_marked_interrupted(
    llmchat_bin: Path, sandbox: Sandbox, servers: dict[str, FakeOpenAI]
) -> None:
    slow = "word " * 400
    script(
        servers,
        openai=Reply(text="OPENAI-START " + slow, chunk_delay=0.05, chunk_size=5),
        deepseek=Reply(text="DEEPSEEK-START " + slow, chunk_delay=0.05, chunk_size=5),
    )
    child = spawn(llmchat_bin, sandbox, ["compare", *ALL[:4], "go"], provider_env(servers), 120)
    child.expect_exact("streaming")
    time.sleep(0.5)
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    saved = answers(saved_lines(sandbox))
    assert [r["interrupted"] for r in saved] == [True, True]
    assert re.match(r"OPENAI-START (word )+", str(saved[0]["content"]))
    assert str(saved[1]["content"]).startswith("DEEPSEEK-START word")
