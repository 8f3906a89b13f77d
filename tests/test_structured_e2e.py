"""End to end: --json, --schema, --retry-invalid, --stop, --seed and -n, asserting on
what the fake server received and on exactly what reached stdout."""

from __future__ import annotations

import json

from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat


def _openai(server: FakeOpenAI) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def _deepseek(server: FakeOpenAI) -> dict[str, str | None]:
    return {
        "OPENAI_API_KEY": None,
        "DEEPSEEK_API_KEY": TEST_KEY,
        "DEEPSEEK_BASE_URL": server.base_url,
    }


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("llmchat: error: ")
    return lines[0]


def test_json_strips_the_fence_and_asks_for_json_mode(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text='Here you go:\n```json\n{"score": 7}\n```')
    fake_server.reply(text='```json\n{"score": 7, "ok": true}\n```')
    result = run_llmchat("--json", "rate it", env=_openai(fake_server))
    assert result.returncode == 1  # prose around the fence is not JSON
    assert "not valid JSON" in _one_error_line(result.stderr)
    assert result.stdout == ""
    result = run_llmchat("--json", "rate it", env=_openai(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"score": 7, "ok": true}\n'
    body = fake_server.last.body
    assert body is not None and body["response_format"] == {"type": "json_object"}
    # OpenAI's JSON mode refuses a request whose messages never say "json".
    assert "JSON" in fake_server.last.messages[0]["content"]


def test_a_schema_mismatch_exits_1_naming_the_first_problem(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text='{"score": "high", "issues": []}')
    result = run_llmchat(
        "--schema", "score int, issues [title, suggestion]", "review", env=_openai(fake_server)
    )
    assert result.returncode == 1
    line = _one_error_line(result.stderr)
    assert "score: expected integer, got a string" in line
    assert result.stdout == ""


def test_schema_mode_where_supported_and_the_prompt_where_not(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    answer = '{"score": 8, "issues": [{"title": "t", "suggestion": "s"}]}'
    fake_server.reply(text=answer, repeat=2)
    spec = "score int, issues [title, suggestion]"
    result = run_llmchat("--schema", spec, "review", env=_openai(fake_server))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(answer)
    body = fake_server.last.body
    assert body is not None
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]["schema"]
    assert schema["properties"]["score"] == {"type": "integer"}
    assert response_format["json_schema"]["strict"] is True
    assert fake_server.last.messages == [{"role": "user", "content": "review"}]

    result = run_llmchat("-p", "deepseek", "--schema", spec, "review", env=_deepseek(fake_server))
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None and body["response_format"] == {"type": "json_object"}
    system = fake_server.last.messages[0]
    assert system["role"] == "system" and '"score":{"type":"integer"}' in system["content"]


def test_retry_invalid_sends_the_problem_back(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text='{"score": "high"}')
    fake_server.reply(text='{"score": 9}')
    result = run_llmchat(
        "--schema", "score int", "--retry-invalid", "2", "rate", env=_openai(fake_server)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"score": 9}\n'
    assert "asking again (1 of 2)" in result.stderr
    _, second = fake_server.chat_requests()
    assert second.messages[:2] == [
        {"role": "user", "content": "rate"},
        {"role": "assistant", "content": '{"score": "high"}'},
    ]
    retry = second.messages[2]["content"]
    assert "score: expected integer, got a string" in retry and "only the corrected JSON" in retry


def test_stop_seed_and_n_arrive_and_n_answers_are_numbered(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    fake_server.reply(text="first", choices=["second"])
    result = run_llmchat(
        "--stop", "END", "--stop", "\n\n", "--seed", "7", "-n", "2", "hi", env=_openai(fake_server)
    )
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None
    assert body["stop"] == ["END", "\n\n"] and body["seed"] == 7 and body["n"] == 2
    assert not body.get("stream")  # several answers come whole
    assert result.stdout == ("--- answer 1 of 2 ---\nfirst\n\n--- answer 2 of 2 ---\nsecond\n")
    fake_server.clear()
    result = run_llmchat("-p", "deepseek", "-n", "2", "hi", env=_deepseek(fake_server))
    assert result.returncode == 2
    assert "does not give several answers" in _one_error_line(result.stderr)
    assert fake_server.chat_requests() == []


def test_a_role_can_ask_for_a_schema_and_a_seed(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    path = sandbox.config_dir / "roles" / "grader.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nschema: grade int\nseed: 3\n---\nGrade it.", encoding="utf-8")
    fake_server.reply(text='{"grade": 4}')
    result = run_llmchat("-r", "grader", "essay", env=_openai(fake_server))
    assert result.returncode == 0, result.stderr
    assert result.stdout == '{"grade": 4}\n'
    body = fake_server.last.body
    assert body is not None and body["seed"] == 3
    assert body["response_format"]["type"] == "json_schema"


def test_json_schema_and_set_stop_in_the_repl(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    chat = start_chat(env={k: v for k, v in _openai(fake_server).items() if v})
    chat.ask('/set stop END "\\n\\n"', 'stop = "END" "\\n\\n"')
    chat.ask("/set seed 5", "seed = 5")
    chat.ask("/json on", "JSON answers on")
    fake_server.reply(text="not json")
    chat.ask("q1", "not valid JSON")  # shown, then named as a problem
    body = fake_server.last.body
    assert body is not None
    assert body["response_format"] == {"type": "json_object"}
    assert body["stop"] == ["END", "\n\n"] and body["seed"] == 5
    chat.ask("/schema name str", "schema set")
    fake_server.reply(text='{"name": "x"}')
    chat.ask("q2", '"x"')
    body = fake_server.last.body
    assert body is not None and body["response_format"]["type"] == "json_schema"
    chat.ask("/json off", "JSON answers off")
    chat.ask("q3", "echo: q3")
    body = fake_server.last.body
    assert body is not None and "response_format" not in body
