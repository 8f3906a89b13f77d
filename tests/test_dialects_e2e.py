"""Each provider's dialect, end to end: the installed command (one-shot and the REPL in a
pty) against a fake server that refuses what the real provider refuses
(tests/fakedialects.py); the assertions are on the requests the server logged."""

from __future__ import annotations

from conftest import TEST_KEY, TEST_KEY_2, RunLLMChat, Sandbox
from fakedialects import DeepSeekRules, OpenAIReasoningRules, QwenRules, ThinkingTypeRules
from fakeserver import FakeOpenAI
from pty_chat import StartChat


def _as(prefix: str, server: FakeOpenAI) -> dict[str, str | None]:
    """The sandbox pointed at `server` as provider `prefix` (DEEPSEEK, DASHSCOPE, ...)."""
    return {f"{prefix}_API_KEY": TEST_KEY_2, f"{prefix}_BASE_URL": server.base_url}


def test_repl_model_deepseek_reasoner_then_a_second_turn(
    fake_server: FakeOpenAI, second_server: FakeOpenAI, start_chat: StartChat
) -> None:
    second_server.dialect = DeepSeekRules(history="require")
    second_server.default_reply = None
    second_server.reply(text="first answer", reasoning="pondering one", repeat=1)
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    chat = start_chat(env={**env, **_as("DEEPSEEK", second_server)})  # type: ignore[dict-item]
    chat.send("/model deepseek-reasoner")
    chat.expect("deepseek-reasoner is now deepseek-v4-flash with thinking")
    chat.wait_prompt()
    chat.ask("one", "first answer")
    chat.ask("two", "echo: two")
    chat.ask("three", "echo: three")
    sent = second_server.chat_requests()
    assert fake_server.chat_requests() == []
    # The retired name never reaches the server (it would answer "Model Not Exist").
    assert {r.model for r in sent} == {"deepseek-v4-flash"}
    assert all(r.body["thinking"] == {"type": "enabled"} for r in sent)
    # Turn two: sent without past reasoning, refused (thinking mode wants it echoed),
    # sent again with it; turn three goes right the first time (remembered).
    assert len(sent) == 4
    assert "reasoning_content" not in sent[1].messages[-2]
    assert sent[2].messages[-2] == {
        "role": "assistant",
        "content": "first answer",
        "reasoning_content": "pondering one",
    }
    assert sent[3].messages[1]["reasoning_content"] == "pondering one"


def test_repl_think_off_on_qwen_then_compact(
    second_server: FakeOpenAI, start_chat: StartChat
) -> None:
    second_server.dialect = QwenRules()
    chat = start_chat("-p", "qwen", "-m", "qwen3.8-flash", env=_as("DASHSCOPE", second_server))  # type: ignore[arg-type]
    chat.send("/think off")
    chat.expect("thinking: off")
    chat.wait_prompt()
    question = "tell me about the moon " + "and its phases " * 40
    chat.ask(question, "echo: tell me")
    second_server.reply(text="moon talk")
    chat.ask("/compact", "compacted")
    ask, compact = second_server.chat_requests()
    assert ask.stream and ask.body["enable_thinking"] is False
    # /compact is not streamed: a Qwen3 model must hear "thinking off" or it refuses.
    assert not compact.stream and compact.body["enable_thinking"] is False


def test_no_stream_on_a_qwen3_model_sends_thinking_off(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    second_server.dialect = QwenRules()
    env = _as("DASHSCOPE", second_server)
    result = run_llmchat("-p", "qwen", "-m", "qwen3.8-flash", "--no-stream", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["enable_thinking"] is False
    # Asking for thinking too: still off for this call, and the user is told why.
    result = run_llmchat(
        "-p", "qwen", "-m", "qwen3.8-flash", "--no-stream", "--think", "hi", env=env
    )
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["enable_thinking"] is False
    assert "thinks only when streaming" in result.stderr
    # Streamed, the wish is spoken as asked.
    result = run_llmchat("-p", "qwen", "-m", "qwen3.8-flash", "--think", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["enable_thinking"] is True


def test_effort_maps_to_the_nearest_level_the_provider_takes(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    second_server.dialect = DeepSeekRules()
    result = run_llmchat(
        "-p", "deepseek", "--effort", "medium", "hi", env=_as("DEEPSEEK", second_server)
    )
    assert result.returncode == 0, result.stderr
    body = second_server.last.body
    assert (body["model"], body["thinking"], body["reasoning_effort"]) == (
        "deepseek-v4-flash",
        {"type": "enabled"},
        "high",  # DeepSeek takes low|high|max; its docs map medium to high
    )
    assert "takes effort high, not medium" in result.stderr


def test_not_set_sends_nothing(second_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("-p", "deepseek", "hi", env=_as("DEEPSEEK", second_server))
    assert result.returncode == 0, result.stderr
    body = second_server.last.body
    assert "thinking" not in body and "reasoning_effort" not in body
    assert body["model"] == "deepseek-v4-flash"


def test_a_model_that_always_thinks_gets_no_off_switch(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    second_server.dialect = ThinkingTypeRules()
    env = _as("ZHIPUAI", second_server)
    result = run_llmchat("-p", "zhipu", "-m", "glm-4.7", "--no-think", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert "glm-4.7 always thinks" in result.stderr
    assert "thinking" not in second_server.last.body
    # A switchable GLM model hears it.
    result = run_llmchat("-p", "zhipu", "-m", "glm-5.1", "--no-think", "hi", env=env)
    assert second_server.last.body["thinking"] == {"type": "disabled"}


def test_doubao_endpoint_id_passes_through_with_a_price_from_config(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        '[models."ep-20261129-abcde"]\n'
        'context = 32000\ninput = 2.0\noutput = 8.0\ncurrency = "CNY"\n'
        'thinking = "doubao"\nextra_body = { service_tier = "default" }\n',
        encoding="utf-8",
    )
    second_server.reply(
        text="ok",
        usage={
            "prompt_tokens": 1_000_000,
            "completion_tokens": 1_000_000,
            "total_tokens": 2_000_000,
        },
    )
    env = _as("ARK", second_server)
    result = run_llmchat(
        "-p", "doubao", "-m", "ep-20261129-abcde", "--no-think", "--usage", "hi", env=env
    )
    assert result.returncode == 0, result.stderr
    body = second_server.last.body
    assert body["model"] == "ep-20261129-abcde"
    assert body["thinking"] == {"type": "disabled"}
    assert body["service_tier"] == "default"
    line = next(x for x in result.stderr.splitlines() if "usage:" in x)
    assert "¥10.00" in line  # 1M in at ¥2 + 1M out at ¥8


def test_aliases_stay_off_other_hosts(second_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    """A relay that still serves deepseek-chat gets that name unchanged."""
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": second_server.base_url}
    result = run_llmchat("-m", "deepseek-chat", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.model == "deepseek-chat"
    assert "thinking" not in second_server.last.body


def test_qwen_thinking_budget_from_the_flag_a_level_and_config(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    second_server.dialect = QwenRules()
    env = _as("DASHSCOPE", second_server)
    qwen = ("-p", "qwen", "-m", "qwen3.8-flash")
    result = run_llmchat(*qwen, "--think-budget", "500", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["enable_thinking"] is True
    assert second_server.last.body["thinking_budget"] == 500
    # A level becomes a budget (DashScope has no levels), and the user is told so.
    result = run_llmchat(*qwen, "--effort", "low", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["thinking_budget"] == 2048
    assert "effort low sent as thinking_budget 2048" in result.stderr
    # Not streamed: thinking off, no budget (the server would refuse thinking).
    result = run_llmchat(*qwen, "--no-stream", "--think-budget", "500", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["enable_thinking"] is False
    assert "thinking_budget" not in second_server.last.body
    # config.toml caps "on" for that model.
    (sandbox.config_dir / "config.toml").write_text(
        '[models."qwen3.8-flash"]\nthinking_budget = 1234\n', encoding="utf-8"
    )
    result = run_llmchat(*qwen, "--think", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["thinking_budget"] == 1234
    result = run_llmchat(*qwen, "--no-think", "--think-budget", "9", "hi", env=env)
    assert result.returncode == 2
    assert "--no-think and --think-budget contradict each other" in result.stderr


def test_repl_think_budget_on_qwen(second_server: FakeOpenAI, start_chat: StartChat) -> None:
    second_server.dialect = QwenRules()
    chat = start_chat("-p", "qwen", "-m", "qwen-plus", env=_as("DASHSCOPE", second_server))  # type: ignore[arg-type]
    chat.send("/think budget 700")
    chat.expect("thinking: budget 700")
    chat.wait_prompt()
    chat.ask("hello", "echo: hello")
    assert second_server.last.body["enable_thinking"] is True
    assert second_server.last.body["thinking_budget"] == 700


def test_openai_reasoning_model_gets_max_completion_tokens(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    second_server.dialect = OpenAIReasoningRules()
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": second_server.base_url}
    asked = ("--max-tokens", "50", "--temperature", "0.3", "hi")
    result = run_llmchat("-m", "o3", *asked, env=env)
    assert result.returncode == 0, result.stderr
    body = second_server.last.body
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body and "temperature" not in body
    assert result.stderr.count("o3 takes only the default temperature: not sent") == 1
    # A model the catalog does not list yet, by its family's name.
    result = run_llmchat("-m", "gpt-5.9", *asked, env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.body["max_completion_tokens"] == 50
    # Not a reasoning model: what the user set goes out unchanged.
    result = run_llmchat("-m", "gpt-4o", *asked, env=env)
    assert result.returncode == 0, result.stderr
    assert (second_server.last.body["max_tokens"], second_server.last.body["temperature"]) == (
        50,
        0.3,
    )
    assert "not sent" not in result.stderr


def test_a_relay_serving_openai_names_gets_max_tokens(
    second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    """OpenRouter and other relays take max_tokens and translate it themselves."""
    for prefix, provider in (("CHATANYWHERE", "chatanywhere"), ("OPENROUTER", "openrouter")):
        env = _as(prefix, second_server)
        result = run_llmchat("-p", provider, "-m", "o3", "--max-tokens", "50", "hi", env=env)
        assert result.returncode == 0, result.stderr
        assert second_server.last.body["max_tokens"] == 50
        assert "max_completion_tokens" not in second_server.last.body
