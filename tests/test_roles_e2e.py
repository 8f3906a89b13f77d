"""End to end: -r/--role, --var and -f/--file in one-shot mode, asserting on what was sent."""

from __future__ import annotations

from pathlib import Path

from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI

from llmchat.roles.builtins import BUILTIN_ROLES


def _env(server: FakeOpenAI) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def _role(sandbox: Sandbox, name: str, text: str) -> Path:
    path = sandbox.config_dir / "roles" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("llmchat: error: ")
    return lines[0]


def test_a_role_sends_its_prompt_defaults_and_variables(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    _role(
        sandbox,
        "tutor",
        "---\nmodel: fake-reasoner\ntemperature: 0.1\nmax_tokens: 300\n---\n"
        "Teach {{topic}} in {{lang|English}}.",
    )
    result = run_llmchat(
        "-r", "tutor", "--var", "topic=sets", "--temperature", "0.5", "go", env=_env(fake_server)
    )
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None
    assert body["model"] == "fake-reasoner"
    assert body["temperature"] == 0.5  # the flag beats the role
    assert body["max_tokens"] == 300
    assert fake_server.last.messages == [
        {"role": "system", "content": "Teach sets in English."},
        {"role": "user", "content": "go"},
    ]


def test_piped_input_with_braces_is_sent_verbatim_under_a_builtin_role(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    diff = "+ template = '{{name}} {{missing}}'\n"
    result = run_llmchat("-r", "reviewer", input=diff, env=_env(fake_server))
    assert result.returncode == 0, result.stderr
    system, user = fake_server.last.messages
    assert system["content"] == BUILTIN_ROLES["reviewer"].split("---\n", 2)[2].strip()
    assert user == {"role": "user", "content": diff.strip("\n")}


def test_a_missing_variable_or_unknown_role_exits_2_sending_nothing(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    _role(sandbox, "needs", "Write about {{subject}}.")
    result = run_llmchat("-r", "needs", "hi", env=_env(fake_server))
    assert result.returncode == 2
    line = _one_error_line(result.stderr)
    assert "variable subject" in line and "--var subject=VALUE" in line
    result = run_llmchat("-r", "reviwer", "hi", env=_env(fake_server))
    assert result.returncode == 2
    assert "did you mean 'reviewer'?" in _one_error_line(result.stderr)
    path = _role(sandbox, "typo", "---\ntemprature: 1\n---\nP")
    result = run_llmchat("-r", "typo", "hi", env=_env(fake_server))
    assert result.returncode == 2
    assert f"{path}:2: unknown key 'temprature'" in _one_error_line(result.stderr)
    assert fake_server.chat_requests() == []


def test_files_are_fenced_after_the_question(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.cwd / "app.py").write_text("print('{{x}}')\n", encoding="utf-8")
    result = run_llmchat(
        "-r", "reviewer", "-f", "app.py", "-f", "-", input="notes\n", env=_env(fake_server)
    )
    assert result.returncode == 0, result.stderr
    assert fake_server.last.messages[-1] == {
        "role": "user",
        "content": "File: app.py\n```python\nprint('{{x}}')\n```\n\nFile: stdin\n```\nnotes\n```",
    }


def test_bad_files_exit_2_with_one_line_and_send_nothing(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.cwd / "logo.png").write_bytes(b"\x89PNG\x00\x00")
    (sandbox.cwd / "src").mkdir()
    cases = {
        "logo.png": "logo.png is binary",
        "src": "src is a directory",
        "gone.py": "gone.py: no such file",
    }
    for path, expected in cases.items():
        result = run_llmchat("explain", "-f", path, env=_env(fake_server))
        assert result.returncode == 2, result.stderr
        assert expected in _one_error_line(result.stderr)
    result = run_llmchat("explain", input="\x00binary", env=_env(fake_server))
    assert result.returncode == 2
    assert "stdin is binary" in _one_error_line(result.stderr)
    assert fake_server.chat_requests() == []


def test_a_file_too_big_for_the_window_is_refused_with_the_figures(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        f'[providers.tiny]\nbase_url = "{fake_server.base_url}"\n'
        'models = ["tiny-model"]\ncontext = 400\n'
    )
    (sandbox.cwd / "big.txt").write_text("word " * 2000)
    result = run_llmchat("-p", "tiny", "summarise", "-f", "big.txt")
    assert result.returncode == 2
    line = _one_error_line(result.stderr)
    assert "tiny-model's window is 400" in line and "largest: big.txt" in line
    assert fake_server.chat_requests() == []


def test_a_roles_thinking_is_sent_in_the_providers_dialect_under_the_typed_flag(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    _role(sandbox, "deep", "---\nthinking: high\n---\nThink hard.")
    env = {"OPENAI_API_KEY": None, "DEEPSEEK_API_KEY": TEST_KEY}
    env["DEEPSEEK_BASE_URL"] = fake_server.base_url
    result = run_llmchat("-r", "deep", "why?", env=env)
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None
    assert body["thinking"] == {"type": "enabled"} and body["reasoning_effort"] == "high"
    result = run_llmchat("-r", "deep", "--no-think", "why?", env=env)
    assert result.returncode == 0, result.stderr
    body = fake_server.last.body
    assert body is not None
    assert body["thinking"] == {"type": "disabled"} and "reasoning_effort" not in body
