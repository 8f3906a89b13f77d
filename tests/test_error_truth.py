"""Errors that say what happened: attempts made, seconds waited, the server's Retry-After,
and the host that answered when it is not the preset's (issue 12, items 12 and 13).

The SDK retries timeouts, refused connections, 429 and 5xx twice; it does not retry a
429 whose Retry-After is over two minutes. Both stream readers (ours, and the SDK's with
LLMCHAT_SDK_STREAM=1) must word these alike.
"""

from __future__ import annotations

import re

import pytest
from conftest import TEST_KEY, FakeOpenAI, RunLLMChat

from llmchat.wire.attempts import Attempts, duration, retry_after

STREAM_PATHS = pytest.mark.parametrize("sdk_stream", ["0", "1"])


def _env(server: FakeOpenAI, sdk_stream: str = "0") -> dict[str, str | None]:
    return {
        "OPENAI_API_KEY": TEST_KEY,
        "OPENAI_BASE_URL": server.base_url,
        "LLMCHAT_SDK_STREAM": sdk_stream,
    }


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("llmchat: error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@STREAM_PATHS
def test_timeout_counts_every_attempt_and_the_time_waited(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sdk_stream: str
) -> None:
    fake_server.reply(text="late", delay=3, repeat=3)
    result = run_llmchat("--timeout", "0.3", "hi", env=_env(fake_server, sdk_stream))
    assert result.returncode == 1
    line = _error_line(result.stderr)
    assert len(fake_server.chat_requests()) == 3
    assert "3 attempts of 0.3 s each" in line, line
    assert "within 0.3 s" not in line
    waited = re.search(r"([\d.]+) s in all", line)
    assert waited is not None, line
    assert float(waited.group(1)) >= 0.9  # three timeouts at least: the figure is not the timeout


@STREAM_PATHS
def test_429_with_a_long_retry_after_says_one_request_and_the_wait(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sdk_stream: str
) -> None:
    fake_server.reply(status=429, headers={"Retry-After": "300"}, repeat=3)
    result = run_llmchat("hi", env=_env(fake_server, sdk_stream))
    assert result.returncode == 1
    line = _error_line(result.stderr)
    assert len(fake_server.chat_requests()) == 1  # the SDK does not wait 5 minutes
    assert "1 request" in line and "after retries" not in line, line
    assert "the server asks to wait 5 min" in line, line
    assert "try again in 5 min" in line, line


def test_429_retried_says_three_attempts(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(status=429, headers={"Retry-After": "0"}, repeat=3)
    result = run_llmchat("hi", env=_env(fake_server))
    line = _error_line(result.stderr)
    assert len(fake_server.chat_requests()) == 3
    assert "(429, 3 attempts over" in line, line


def test_server_error_says_three_attempts(fake_server: FakeOpenAI, run_llmchat: RunLLMChat) -> None:
    fake_server.reply(status=503, headers={"Retry-After": "0"}, repeat=3)
    result = run_llmchat("--no-stream", "hi", env=_env(fake_server))
    line = _error_line(result.stderr)
    assert "(503, 3 attempts over" in line, line


def test_connection_refused_says_three_attempts(run_llmchat: RunLLMChat) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    line = _error_line(run_llmchat("hi", env=env).stderr)
    assert "cannot reach http://127.0.0.1:9/v1 (3 attempts over" in line, line


# --- item 13: the host, not "OpenAI" ---------------------------------------------------


@STREAM_PATHS
def test_a_custom_base_url_is_named_by_its_host(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sdk_stream: str
) -> None:
    fake_server.reply(html=True)
    result = run_llmchat("hi", env=_env(fake_server, sdk_stream))
    line = _error_line(result.stderr)
    host = f"127.0.0.1:{fake_server.port}"
    assert f"{host} answered, but with no chat completion" in line, line
    assert "OpenAI" not in line


def test_base_url_flag_is_named_by_its_host(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(status=401)
    env = {"OPENAI_API_KEY": TEST_KEY}
    result = run_llmchat("--base-url", fake_server.base_url, "hi", env=env)
    line = _error_line(result.stderr)
    assert f"127.0.0.1:{fake_server.port} rejected the API key (401)" in line, line
    assert "OpenAI rejected" not in line


# --- the helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.42, "0.4 s"), (5.24, "5.2 s"), (45, "45 s"), (300, "5 min"), (7200, "2 h")],
)
def test_duration(seconds: float, words: str) -> None:
    assert duration(seconds) == words


def test_retry_after_reads_seconds_milliseconds_and_dates() -> None:
    assert retry_after({"retry-after": "300"}) == 300
    assert retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after({"retry-after": "soon"}) is None
    later = retry_after({"retry-after": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert later is not None and later > 0
    assert retry_after({}) is None


def test_attempts_summary() -> None:
    assert Attempts(1, 0.2).summary() == "1 request"
    assert Attempts(3, 5.2).summary() == "3 attempts over 5.2 s"
