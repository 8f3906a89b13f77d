"""Tokens, cost and the context window, end to end: the installed command against the
fake server, asserting on what the user is told and on what was actually sent."""

from __future__ import annotations

import json

from conftest import TEST_KEY, TEST_KEY_2, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat


def _env(server: FakeOpenAI) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def test_streamed_usage_with_cached_and_reasoning_tokens(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(
        text="ok",
        usage={
            "prompt_tokens": 2_000_000,
            "completion_tokens": 1_000_000,
            "total_tokens": 3_000_000,
            "prompt_tokens_details": {"cached_tokens": 1_000_000},
            "completion_tokens_details": {"reasoning_tokens": 400_000},
        },
    )
    result = run_llmchat("--usage", "-m", "gpt-4o-mini", "hi", env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert fake_server.last.body is not None
    assert fake_server.last.body["stream_options"] == {"include_usage": True}
    # gpt-4o-mini: 1M fresh input $0.15 + 1M cached $0.075 + 1M output $0.60 = $0.825
    line = next(x for x in result.stderr.splitlines() if "usage:" in x)
    assert "2,000,000" in line and "1,000,000 cached" in line and "400,000 reasoning" in line
    assert "$0.82" in line
    assert "~" not in line


def test_deepseek_cache_hits_are_priced_at_the_cache_rate(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(
        text="好",
        usage={
            "prompt_tokens": 1_000_000,
            "completion_tokens": 1_000_000,
            "total_tokens": 2_000_000,
            "prompt_cache_hit_tokens": 500_000,
            "prompt_cache_miss_tokens": 500_000,
        },
    )
    env = {"DEEPSEEK_API_KEY": TEST_KEY_2, "DEEPSEEK_BASE_URL": fake_server.base_url}
    result = run_llmchat("--usage", "-m", "deepseek-v4-flash", "hi", env=env)
    assert result.returncode == 0, result.stderr
    # Peak USD rates: 0.5M hits at $0.006 + 0.5M misses at $0.30 + 1M output at $1.20
    # = $0.003 + $0.15 + $1.20 = $1.353
    assert "$1.35" in result.stderr
    assert "500,000 cached" in result.stderr


def test_non_stream_usage_is_read_from_the_body(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(
        text="whole", usage={"prompt_tokens": 11, "completion_tokens": 22, "total_tokens": 33}
    )
    result = run_llmchat("--no-stream", "--usage", "hi", env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert "prompt 11" in result.stderr and "completion 22" in result.stderr


def test_no_usage_from_the_server_is_estimated_and_marked(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="an answer of a few words", send_usage=False)
    result = run_llmchat("--usage", "hi", env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if "usage:" in x)
    assert "prompt ~" in line and "completion ~" in line
    assert "~$" in line  # an estimated cost says so


def test_unknown_price_is_said_never_zero(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        f'[providers.mine]\nbase_url = "{fake_server.base_url}"\nmodels = ["house-model"]\n'
    )
    result = run_llmchat("-p", "mine", "--usage", "hi")
    assert result.returncode == 0, result.stderr
    assert "price unknown" in result.stderr
    assert "$0" not in result.stderr


def test_config_prices_override_the_table(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        '[prices."gpt-4o-mini"]\ninput = 1000\noutput = 1000\ncurrency = "USD"\n'
    )
    fake_server.reply(
        text="x", usage={"prompt_tokens": 1000, "completion_tokens": 1000, "total_tokens": 2000}
    )
    result = run_llmchat("--usage", "hi", env=_env(fake_server))
    assert "$2" in result.stderr, result.stderr


def test_old_turns_are_left_out_to_fit_the_window(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        "[providers.tiny]\n"
        f'base_url = "{fake_server.base_url}"\n'
        'models = ["tiny-model"]\n'
        "context = 400\n"
    )
    long_text = "word " * 60  # ~60+ tokens per message
    first = long_text + "1"
    result = run_llmchat("-p", "tiny", "-s", "SYSTEM PROMPT", "--max-tokens", "100", first)
    assert result.returncode == 0, result.stderr
    for n in range(2, 6):
        result = run_llmchat("-c", "--max-tokens", "100", long_text + str(n))
        assert result.returncode == 0, result.stderr
    assert "Left out" in result.stderr
    sent = fake_server.last.messages
    assert sent[0] == {"role": "system", "content": "SYSTEM PROMPT"}
    assert sent[-1] == {"role": "user", "content": long_text + "5"}
    assert len(sent) < 1 + 2 * 5  # older turns really were dropped
    assert {"role": "user", "content": long_text + "1"} not in sent
    # What was sent fits the window less the reply budget, even by a generous estimate.
    assert len(json.dumps(sent)) / 4 < 400


def test_stream_options_rejection_is_remembered(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    fake_server.reject_stream_options = True
    chat = start_chat(env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url})
    chat.ask("one", "echo: one")
    chat.ask("two", "echo: two")
    bodies = [r.body or {} for r in fake_server.chat_requests()]
    # one refused request, then two without stream_options: never asked twice
    assert ["stream_options" in b for b in bodies] == [True, False, False]


def test_usage_and_tokens_commands(start_chat: StartChat, fake_server: FakeOpenAI) -> None:
    fake_server.reply(
        text="sure",
        usage={"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    )
    fake_server.reply(text="again", send_usage=False)
    chat = start_chat(env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url})
    chat.ask("first", "sure")
    chat.ask("second", "again")
    chat.send("/usage")
    chat.expect("counted locally")
    chat.wait_prompt()
    chat.send("/tokens")
    chat.expect("128,000 tokens")
    chat.wait_prompt()


def test_compact_replaces_history_with_the_summary(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    chat = start_chat(env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url})
    chat.send("/compact")
    chat.expect("nothing to compact")
    chat.wait_prompt()
    padding = " and so on" * 40
    chat.ask("my name is Ada" + padding, "echo: my name is Ada")
    chat.ask("I like tea" + padding, "echo: I like tea")
    fake_server.reply(text="SUMMARY: too long " * 200)
    chat.send("/compact")  # a summary no shorter than the chat changes nothing
    chat.expect("no shorter")
    chat.wait_prompt()
    fake_server.reply(text="SUMMARY: Ada likes tea.")
    chat.send("/compact")
    chat.expect("compacted")
    chat.wait_prompt()
    summary_request = fake_server.last
    assert summary_request.body is not None and not summary_request.body.get("stream")
    assert "Summarise" in summary_request.messages[-1]["content"]
    chat.ask("what do I like?", "echo: what do I like?")
    contents = [m["content"] for m in fake_server.last.messages]
    assert not any("my name is Ada" in c for c in contents)
    assert "SUMMARY: Ada likes tea." in contents
    assert contents[-1] == "what do I like?"
