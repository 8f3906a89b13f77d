"""End to end: the installed `llmchat` command, one-shot, against the loopback fake server.

Each test asserts on what a script would see (stdout, stderr, exit code) and on what
llmchat actually sent (the server's request log).
"""

from __future__ import annotations

from pathlib import Path

from conftest import TEST_KEY, TEST_KEY_2, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI


def _openai_env(server: FakeOpenAI) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def test_version_and_module_entry_point(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("llmchat ")


def test_question_from_argv_streams_plain_text_into_a_pipe(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="# Title\n\nSome **bold** 中文 text.")
    result = run_llmchat("what", "is", "this?", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "# Title\n\nSome **bold** 中文 text.\n"
    assert "\x1b" not in result.stdout
    sent = fake_server.last
    assert sent.messages == [{"role": "user", "content": "what is this?"}]
    assert sent.body is not None and sent.body["stream"] is True
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_stdin_is_appended_after_the_argv_text(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    result = run_llmchat(
        "-s",
        "You review code",
        "review this",
        input="def f():\n    pass\n",
        env=_openai_env(fake_server),
    )
    assert result.returncode == 0, result.stderr
    assert fake_server.last.messages == [
        {"role": "system", "content": "You review code"},
        {"role": "user", "content": "review this\n\ndef f():\n    pass"},
    ]


def test_stdin_alone_is_the_question(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    result = run_llmchat(input="2+2?\n", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "echo: 2+2?\n"


def test_empty_stdin_is_a_usage_error(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    result = run_llmchat(input="", env=_openai_env(fake_server))
    assert result.returncode == 2
    assert "nothing to ask" in result.stderr
    assert fake_server.chat_requests() == []


def test_flags_reach_the_request(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    result = run_llmchat(
        "-m",
        "gpt-4o",
        "--temperature",
        "0.2",
        "--top-p",
        "0.9",
        "--max-tokens",
        "50",
        "hi",
        env=_openai_env(fake_server),
    )
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None
    assert (body["model"], body["temperature"], body["top_p"], body["max_tokens"]) == (
        "gpt-4o",
        0.2,
        0.9,
        50,
    )


def test_no_stream_asks_for_a_whole_reply(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(text="whole answer")
    result = run_llmchat("--no-stream", "hi", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "whole answer\n"
    assert fake_server.last.body is not None and not fake_server.last.body.get("stream")


def test_reasoning_goes_to_stderr_never_stdout(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="42", reasoning="let me think about it")
    result = run_llmchat("question", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "42\n"
    assert "let me think about it" in result.stderr

    fake_server.reply(text="42", reasoning="hidden thoughts")
    result = run_llmchat("--no-reasoning", "question", env=_openai_env(fake_server))
    assert result.stdout == "42\n"
    assert "hidden thoughts" not in result.stderr + result.stdout


def test_think_tags_in_content_are_reasoning(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="<think>pondering</think>\n\nThe answer.", chunk_size=2)
    result = run_llmchat("q", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "The answer.\n"
    assert "pondering" in result.stderr


def test_model_of_another_provider_moves_there_with_its_own_key(
    fake_server: FakeOpenAI, second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    env = {
        **_openai_env(fake_server),
        "DEEPSEEK_API_KEY": TEST_KEY_2,
        "DEEPSEEK_BASE_URL": second_server.base_url,
    }
    result = run_llmchat("-m", "deepseek-reasoner", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert fake_server.chat_requests() == []
    sent = second_server.last
    # Retired name: renamed on DeepSeek's preset (even at a test URL), thinking on.
    assert sent.model == "deepseek-v4-flash"
    assert sent.body["thinking"] == {"type": "enabled"}
    assert "deepseek-reasoner is now deepseek-v4-flash with thinking" in result.stderr
    assert sent.headers["authorization"] == f"Bearer {TEST_KEY_2}"
    assert TEST_KEY not in str(sent.headers)


def test_provider_slash_model_syntax(
    fake_server: FakeOpenAI, second_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    env = {
        **_openai_env(fake_server),
        "DEEPSEEK_API_KEY": TEST_KEY_2,
        "DEEPSEEK_BASE_URL": second_server.base_url,
    }
    result = run_llmchat("-m", "deepseek/deepseek-chat", "hi", env=env)
    assert result.returncode == 0, result.stderr
    assert second_server.last.model == "deepseek-v4-flash"
    assert second_server.last.body["thinking"] == {"type": "disabled"}


def test_openai_org_headers_never_reach_other_providers(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    env = {
        "DEEPSEEK_API_KEY": TEST_KEY_2,
        "DEEPSEEK_BASE_URL": fake_server.base_url,
        "OPENAI_ORG_ID": "org-secret",
        "OPENAI_PROJECT_ID": "proj-secret",
    }
    result = run_llmchat("hi", env=env)
    assert result.returncode == 0, result.stderr
    headers = fake_server.last.headers
    assert "openai-organization" not in headers
    assert "openai-project" not in headers


def test_dotenv_in_the_current_directory_is_read(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.cwd / ".env").write_text(
        f"OPENAI_API_KEY={TEST_KEY}\nOPENAI_BASE_URL={fake_server.base_url}\n"
        "MODEL_NAME=my-tutorial-model\n"
    )
    result = run_llmchat("hi")
    assert result.returncode == 0, result.stderr
    assert fake_server.last.model == "my-tutorial-model"


def test_no_key_anywhere_is_a_config_error(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("hi")
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3


def test_unknown_provider_and_flag_are_usage_errors(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("-p", "nosuch", "hi", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode == 2
    assert "unknown provider 'nosuch'" in result.stderr
    result = run_llmchat("--frobnicate", "hi")
    assert result.returncode == 2
    assert "--frobnicate" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_config_names_the_line(run_llmchat: RunLLMChat, sandbox: Sandbox) -> None:
    (sandbox.config_dir / "config.toml").write_text('provider = "openai"\nmodel = \n')
    result = run_llmchat("hi", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode == 2
    assert "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_custom_provider_from_config(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        "[providers.mine]\n"
        f'base_url = "{fake_server.base_url}"\n'
        'api_key_env = "MINE_KEY"\n'
        'models = ["alpha", "beta"]\n'
        'default_model = "beta"\n'
    )
    result = run_llmchat("-p", "mine", "hi", env={"MINE_KEY": TEST_KEY_2})
    assert result.returncode == 0, result.stderr
    assert fake_server.last.model == "beta"
    assert fake_server.last.headers["authorization"] == f"Bearer {TEST_KEY_2}"


def _assert_one_line_error(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("llmchat: error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], stderr


def test_wrong_key_is_exit_1_and_the_key_is_never_shown(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(status=401)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "401", "OPENAI_API_KEY")
    assert TEST_KEY not in result.stderr + result.stdout


def test_unknown_model_is_exit_1(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(status=404)
    result = run_llmchat("-m", "nope-model", "hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "404", "llmchat models")


def test_rate_limit_after_the_sdk_retries(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(status=429, headers={"Retry-After": "0"}, repeat=3)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "429")
    assert len(fake_server.chat_requests()) == 3  # the SDK's own retries, none of ours


def test_server_error(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(status=500, headers={"Retry-After": "0"}, repeat=3)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "server error", "500")


def test_connection_refused(run_llmchat: RunLLMChat) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    result = run_llmchat("hi", env=env)
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "cannot reach")


def test_timeout(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(text="late", delay=3, repeat=3)
    result = run_llmchat("--timeout", "0.3", "hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "no answer")


def test_cut_stream_prints_what_arrived_then_the_error(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="abcdefghijklmnopqrstuvwxyz", chunk_size=4, cut_after=3)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    assert result.stdout.startswith("abcdefghijkl")
    _assert_one_line_error(result.stderr, "mid-reply")


def test_html_page_instead_of_an_api(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(html=True)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "base URL")
    fake_server.reply(html=True)
    result = run_llmchat("--no-stream", "hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    _assert_one_line_error(result.stderr, "web page")


def test_malformed_chunk(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(text="abcdefgh", chunk_size=2, malformed_after=2)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    assert result.stdout.startswith("abcd")
    _assert_one_line_error(result.stderr, "malformed")


def test_stream_without_finish_is_marked_incomplete(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="partial answer", end_without_done=True)
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 1
    assert result.stdout == "partial answer\n"
    assert "incomplete" in result.stderr


def test_length_finish_is_told(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(text="cut short", finish_reason="length")
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 0
    assert "token limit" in result.stderr


def test_server_rejecting_stream_options_still_works(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reject_stream_options = True
    fake_server.reply(text="fine")
    result = run_llmchat("hi", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "fine\n"
    assert "stream_options" not in (fake_server.last.body or {})


def test_debug_shows_the_traceback(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("--debug", "-p", "nosuch", "hi", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_debug_is_an_option_not_a_word_anywhere(run_llmchat: RunLLMChat) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY}
    after_the_question = run_llmchat("-p", "nosuch", "hi", "--debug", env=env)
    assert "Traceback" in after_the_question.stderr
    one_model_compared = run_llmchat("compare", "--debug", "-m", "gpt-4o", "hi", env=env)
    assert "Traceback" in one_model_compared.stderr
    for args in (("-s", "--debug", "hi"), ("--", "--debug")):  # a system prompt, a question
        result = run_llmchat("-p", "nosuch", *args, env=env)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("llmchat: error: "), result.stderr


def test_providers_lists_masked_keys(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("providers", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode == 0, result.stderr
    assert TEST_KEY not in result.stdout
    assert "sk-…" + TEST_KEY[-4:] in result.stdout
    assert "DEEPSEEK_API_KEY not set" in result.stdout
    assert "ollama" in result.stdout


def test_models_from_the_server_and_fallback(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.models = ["model-a", "model-b"]
    result = run_llmchat("models", env=_openai_env(fake_server))
    assert result.returncode == 0, result.stderr
    assert "model-a" in result.stdout and "model-b" in result.stdout

    result = run_llmchat("models", "-p", "deepseek", "--offline", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode == 0, result.stderr
    # The catalog: window, price as billed, the day it was checked, and where.
    line = next(x for x in result.stdout.splitlines() if "deepseek-v4-flash" in x)
    assert line.startswith("*") and "1M" in line and "$0.30" in line and "2026-11-29" in line
    assert "source: https://api-docs.deepseek.com/quick_start/pricing" in result.stdout
    assert "deepseek-reasoner is now deepseek-v4-flash with thinking" in result.stdout
    result = run_llmchat("models", "-p", "ollama", "--offline", env={"OPENAI_API_KEY": TEST_KEY})
    assert "free (local)" in result.stdout


def test_help_shows_no_key(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("chat", "--help", env={"OPENAI_API_KEY": TEST_KEY})
    assert result.returncode == 0
    assert TEST_KEY not in result.stdout
    assert "--model" in result.stdout


def test_nothing_leaks_the_key_into_files(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    fake_server.reply(status=401)
    run_llmchat("hi", env=_openai_env(fake_server))
    run_llmchat("hello", env=_openai_env(fake_server))
    for root in (sandbox.data_dir, sandbox.config_dir, sandbox.home):
        for path in Path(root).rglob("*"):
            if path.is_file():
                assert TEST_KEY not in path.read_text(errors="replace"), path
