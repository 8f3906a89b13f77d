"""`llmchat compare`: the installed CLI against three fake providers at once.

Each server only accepts its own provider's key (a 401 otherwise), so every answer that
arrives proves the key went to the right place; the servers' logs prove the requests
really overlapped in time.
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import FakeOpenAI, Reply, RunLLMChat, Sandbox
from pty_chat import StartChat

KEYS = {
    "openai": "sk-test-openai-" + "a" * 30,
    "deepseek": "sk-test-deepseek-" + "b" * 30,
    "qwen": "sk-test-qwen-" + "c" * 30,
}
PREFIX = {"openai": "OPENAI", "deepseek": "DEEPSEEK", "qwen": "DASHSCOPE"}
KEY_VAR = {"openai": "OPENAI_API_KEY", "deepseek": "DEEPSEEK_API_KEY", "qwen": "DASHSCOPE_API_KEY"}
MODELS = ["openai/gpt-x", "deepseek/deepseek-v4-flash", "qwen/qwen-plus"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@pytest.fixture
def servers() -> Iterator[dict[str, FakeOpenAI]]:
    started = {name: FakeOpenAI().start() for name in KEYS}
    for name, server in started.items():
        server.require_key = KEYS[name]
    yield started
    for server in started.values():
        server.stop()


def provider_env(servers: dict[str, FakeOpenAI]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, server in servers.items():
        env[KEY_VAR[name]] = KEYS[name]
        env[f"{PREFIX[name]}_BASE_URL"] = server.base_url
    return env


def script(servers: dict[str, FakeOpenAI], **replies: Reply) -> None:
    for name, reply in replies.items():
        servers[name].push(reply)


def assert_overlapped(servers: dict[str, FakeOpenAI]) -> None:
    """The first requests of each server: each arrived before any had been fully answered."""
    requests = [server.chat_requests()[0] for server in servers.values()]
    latest_start = max(r.received for r in requests)
    earliest_end = min(r.answered or float("inf") for r in requests)
    assert latest_start < earliest_end, "the requests ran one after another"


def test_pipe_sections_in_given_order_each_key_to_its_own_server(
    run_llmchat: RunLLMChat, servers: dict[str, FakeOpenAI]
) -> None:
    # The first model finishes last: the output order is still the order given.
    script(
        servers,
        openai=Reply(text="Answer from **A**.", chunk_delay=0.05, chunk_size=2),
        deepseek=Reply(text="Answer from B, 你好。", chunk_delay=0.02),
        qwen=Reply(text="Answer from C.", chunk_delay=0.02),
    )
    args = ["compare", *[a for m in MODELS for a in ("-m", m)], "Which is best?"]
    result = run_llmchat(*args, env=provider_env(servers))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "## openai/gpt-x\n\nAnswer from **A**.\n\n"
        "## deepseek/deepseek-v4-flash\n\nAnswer from B, 你好。\n\n"
        "## qwen/qwen-plus\n\nAnswer from C.\n"
    )
    for name, server in servers.items():
        (request,) = server.chat_requests()
        assert request.api_key == KEYS[name]
        assert request.messages[-1] == {"role": "user", "content": "Which is best?"}
    assert_overlapped(servers)


def test_each_lane_asks_in_its_own_models_dialect(
    run_llmchat: RunLLMChat, servers: dict[str, FakeOpenAI]
) -> None:
    # One --think, three dialects: DeepSeek's `thinking` object (and the retired name
    # renamed), Qwen's `enable_thinking`, and nothing for a model without a switch.
    models = ["openai/gpt-x", "deepseek/deepseek-reasoner", "qwen/qwen-plus"]
    args = ["compare", "--think", *[a for m in models for a in ("-m", m)], "Think twice"]
    result = run_llmchat(*args, env=provider_env(servers))
    assert result.returncode == 0, result.stderr
    deepseek, qwen, openai = (servers[n].last for n in ("deepseek", "qwen", "openai"))
    assert deepseek.model == "deepseek-v4-flash"
    assert deepseek.body["thinking"] == {"type": "enabled"}
    assert qwen.body["enable_thinking"] is True
    assert "thinking" not in openai.body and "enable_thinking" not in openai.body


def test_stdin_is_the_question_like_one_shot(
    run_llmchat: RunLLMChat, servers: dict[str, FakeOpenAI]
) -> None:
    args = ["compare", "-m", MODELS[0], "-m", MODELS[1], "review this"]
    result = run_llmchat(*args, input="def f(): pass\n", env=provider_env(servers))
    assert result.returncode == 0, result.stderr
    for name in ("openai", "deepseek"):
        content = servers[name].last.messages[-1]["content"]
        assert content == "review this\n\ndef f(): pass"


def test_json_one_object_per_model_with_every_field(
    run_llmchat: RunLLMChat, servers: dict[str, FakeOpenAI]
) -> None:
    script(
        servers,
        openai=Reply(text="alpha"),
        deepseek=Reply(text="beta", reasoning="thinking it over"),
    )
    args = ["compare", "--json", "-m", MODELS[0], "-m", MODELS[1], "q"]
    result = run_llmchat(*args, env=provider_env(servers))
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["provider"], o["model"], o["answer"]) for o in objects] == [
        ("openai", "gpt-x", "alpha"),
        ("deepseek", "deepseek-v4-flash", "beta"),
    ]
    for obj in objects:
        assert set(obj) >= {
            "model", "provider", "answer", "reasoning", "usage", "cost",
            "time_to_first_token", "total_time", "finish_reason", "error",
        }  # fmt: skip
        assert obj["finish_reason"] == "stop" and obj["error"] is None
        assert obj["usage"]["completion_tokens"] > 0
        assert 0 <= obj["time_to_first_token"] <= obj["total_time"]
    assert objects[1]["reasoning"] == "thinking it over"
    assert objects[1]["cost"]["currency"] == "USD"  # DeepSeek bills V4 in USD: a known price
    assert objects[0]["cost"] is None  # gpt-x is not in any price list


def test_one_server_failing_does_not_stop_the_others(
    run_llmchat: RunLLMChat, servers: dict[str, FakeOpenAI]
) -> None:
    script(
        servers,
        openai=Reply(text="first answer, complete", chunk_delay=0.02),
        deepseek=Reply(status=401),  # a bad key, answered at once
        qwen=Reply(text="third answer, complete", chunk_delay=0.02),
    )
    args = ["compare", "--usage", *[a for m in MODELS for a in ("-m", m)], "q"]
    result = run_llmchat(*args, env=provider_env(servers))
    assert result.returncode == 1
    assert "first answer, complete" in result.stdout
    assert "third answer, complete" in result.stdout
    assert "## deepseek/deepseek-v4-flash\n" in result.stdout
    error_lines = [line for line in result.stderr.splitlines() if "rejected the API key" in line]
    assert len(error_lines) == 1 and "deepseek/deepseek-v4-flash" in error_lines[0]
    assert KEYS["deepseek"] not in result.stderr  # the echoed key is redacted
    assert "Traceback" not in result.stderr
    assert re.search(r"deepseek/deepseek-v4-flash .* failed", result.stderr)


def test_too_few_models_is_a_usage_error(
    run_llmchat: RunLLMChat, servers: dict[str, FakeOpenAI]
) -> None:
    result = run_llmchat("compare", "-m", MODELS[0], "q", env=provider_env(servers))
    assert result.returncode == 2
    assert "compare needs 2 to 6 models" in result.stderr
    assert not servers["openai"].chat_requests()


def spawn(
    llmchat_bin: Path, sandbox: Sandbox, args: list[str], env: dict[str, str], cols: int
) -> pexpect.spawn:
    full_env = {**sandbox.env, "TERM": "xterm-256color", **env}
    return pexpect.spawn(
        str(llmchat_bin),
        args,
        env=full_env,
        cwd=str(sandbox.cwd),
        dimensions=(24, cols),
        encoding="utf-8",
        timeout=20,
    )


def test_ctrl_c_in_a_pty_keeps_partials_and_exits_130(
    llmchat_bin: Path, sandbox: Sandbox, servers: dict[str, FakeOpenAI]
) -> None:
    slow = "word " * 400
    script(
        servers,
        openai=Reply(text="OPENAI-START " + slow, chunk_delay=0.05, chunk_size=5),
        deepseek=Reply(text="DEEPSEEK-START " + slow, chunk_delay=0.05, chunk_size=5),
    )
    args = ["compare", "-m", MODELS[0], "-m", MODELS[1], "go"]
    child = spawn(llmchat_bin, sandbox, args, provider_env(servers), cols=120)
    child.expect_exact("streaming")
    time.sleep(0.5)
    child.kill(signal.SIGINT)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    screen = ANSI.sub("", child.before or "")
    tail = screen[screen.rfind("── openai/gpt-x") :]
    assert "OPENAI-START word" in tail and "DEEPSEEK-START word" in tail
    rows = [row.rstrip() for row in tail.split("MODEL", 1)[0].splitlines()]
    # Under each answer, where a single reply's status line would be: a blank row, then it.
    marks = [i for i, row in enumerate(rows) if row == "interrupted"]
    assert len(marks) == 2 and all(rows[i - 1] == "" for i in marks)
    assert "[interrupted]" not in screen
    assert "interrupted" in tail.split("MODEL", 1)[1]  # the scoreboard says so too


@pytest.mark.parametrize(("cols", "side_by_side"), [(120, True), (80, False)])
def test_columns_when_wide_stacked_panels_when_narrow(
    llmchat_bin: Path,
    sandbox: Sandbox,
    servers: dict[str, FakeOpenAI],
    cols: int,
    side_by_side: bool,
) -> None:
    script(
        servers,
        openai=Reply(text="alpha " * 300, chunk_delay=0.03, chunk_size=12),
        deepseek=Reply(text="beta " * 300, chunk_delay=0.03, chunk_size=12),
    )
    args = ["compare", "-m", MODELS[0], "-m", MODELS[1], "go"]
    child = spawn(llmchat_bin, sandbox, args, provider_env(servers), cols=cols)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    screen = ANSI.sub("", child.before or "")
    frames = screen.split("── openai/gpt-x")[0]
    assert "streaming" in frames
    headers_on_one_line = any(
        "openai/gpt-x" in line and "deepseek/deepseek-v4-flash" in line
        for line in frames.splitlines()
    )
    assert headers_on_one_line == side_by_side
    if not side_by_side:
        assert "│" not in frames  # stacked panels: no column separator
    # Afterwards: both answers in full, one after the other, then the scoreboard.
    final = screen[screen.find("── openai/gpt-x") :]
    # The scoreboard last: a table when it fits, else the figures under each name.
    assert final.index("── deepseek/deepseek-v4-flash") < final.lower().index("first token")
    assert final.count("alpha") == 300 and final.count("beta") == 300


def test_repl_compare_then_pick_2_then_follow_up_carries_answer_2(
    start_chat: StartChat,
    run_llmchat: RunLLMChat,
    sandbox: Sandbox,
    servers: dict[str, FakeOpenAI],
) -> None:
    script(
        servers,
        openai=Reply(text="ANSWER-ONE from openai", chunk_delay=0.2),
        deepseek=Reply(text="ANSWER-TWO from deepseek", chunk_delay=0.2),
    )
    chat = start_chat("-m", MODELS[0], env=provider_env(servers), cols=120)
    chat.send(f"/compare {MODELS[0]} {MODELS[1]} Which colour?")
    chat.expect("/pick 1 or 2", timeout=60)  # the first request imports the SDK
    chat.wait_prompt()
    chat.send("/pick 2")
    chat.expect("going on with answer 2")
    chat.wait_prompt()
    chat.ask("And why?", expect="echo: And why?")
    follow_up = servers["openai"].last
    assert follow_up.api_key == KEYS["openai"]
    assert follow_up.messages[-3:] == [
        {"role": "user", "content": "Which colour?"},
        {"role": "assistant", "content": "ANSWER-TWO from deepseek"},
        {"role": "user", "content": "And why?"},
    ]
    assert_overlapped({name: servers[name] for name in ("openai", "deepseek")})
    chat.child.sendeof()
    chat.child.expect(pexpect.EOF)
    # The saved chat: answer 2 is the reply, and both answers are shown as alternatives.
    shown = run_llmchat("chats", "show", "2", env=provider_env(servers)).stdout
    assert "ANSWER-TWO from deepseek" in shown
    assert "### Alternative (openai/gpt-x)" in shown and "ANSWER-ONE from openai" in shown
    exported = json.loads(run_llmchat("chats", "export", "2", "-f", "json").stdout)
    assert [m["content"] for m in exported["messages"]] == [
        "Which colour?",
        "ANSWER-TWO from deepseek",
        "And why?",
        "echo: And why?",
    ]
