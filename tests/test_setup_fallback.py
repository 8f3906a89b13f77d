"""No provider chosen and no key anywhere: a one-shot question (argv or a pipe) goes to a
local server that answers, else to the built-in model, else ends in the one-line error
whose hint names `pip install 'llmchat[local]'`. The built-in model's side is in
tests/test_setup_embedded.py (it needs the extra)."""

from __future__ import annotations

import pytest
from conftest import TEST_KEY, RunLLMChat
from fakeserver import FakeOpenAI

from llmchat.setup import embedded
from llmchat.setup.detect import PROBES_VAR

without_extra = pytest.mark.skipif(
    embedded.available(), reason="the [local] extra is installed: the built-in model answers"
)


@without_extra
@pytest.mark.parametrize("how", ["argv", "pipe"])
def test_nothing_usable_is_one_line_naming_the_local_extra(
    run_llmchat: RunLLMChat, how: str
) -> None:
    done = run_llmchat("hi") if how == "argv" else run_llmchat(input="hi\n")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("llmchat: error: no API key found for any provider — ")
    assert "llmchat setup" in lines[0]
    assert "pip install 'llmchat[local]'" in lines[0]


@pytest.mark.parametrize("how", ["argv", "pipe"])
def test_a_local_server_answers_a_one_shot_question_without_a_key(
    run_llmchat: RunLLMChat, fake_server: FakeOpenAI, how: str
) -> None:
    fake_server.models = ["llama3.2"]
    env = {PROBES_VAR: f"ollama=127.0.0.1:{fake_server.port}"}
    done = (
        run_llmchat("hello there", env=env)
        if how == "argv"
        else run_llmchat(input="hello there\n", env=env)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "echo: hello there\n"  # the answer alone on stdout
    assert done.stderr == (
        f"llmchat: no API key set: using Ollama at 127.0.0.1:{fake_server.port} · llama3.2\n"
    )
    assert fake_server.last.model == "llama3.2"


def test_a_model_asked_for_by_name_is_not_quietly_sent_elsewhere(
    run_llmchat: RunLLMChat, fake_server: FakeOpenAI
) -> None:
    env = {PROBES_VAR: f"ollama=127.0.0.1:{fake_server.port}"}
    done = run_llmchat("-m", "gpt-4o", "hi", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("llmchat: error: no API key found for any provider")
    assert fake_server.chat_requests() == []


def test_with_a_key_nothing_is_probed(run_llmchat: RunLLMChat, fake_server: FakeOpenAI) -> None:
    probes = f"ollama=127.0.0.1:{fake_server.port}"
    env = {PROBES_VAR: probes, "OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    done = run_llmchat("hi", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert [r.path for r in fake_server.requests] == ["/v1/chat/completions"]
