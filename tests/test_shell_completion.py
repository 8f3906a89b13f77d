"""Shell completion (issue 12, item 17): `llmchat completion bash|zsh|fish` prints a script
that completes subcommands, flags, providers, model names (catalog and the cached
/models answer) and saved chat IDs. The bash script is sourced into a real bash and its
completion function called as bash would call it on Tab."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TEST_KEY, FakeOpenAI, RunLLMChat, Sandbox

from llmchat.engine.served_models import ServedModels
from llmchat.store import ChatStore


@pytest.fixture
def bash_script(run_llmchat: RunLLMChat, sandbox: Sandbox) -> Path:
    result = run_llmchat("completion", "bash")
    assert result.returncode == 0, result.stderr
    path = sandbox.cwd / "llmchat.bash"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def _tab(script: Path, sandbox: Sandbox, llmchat_bin: Path, *words: str) -> list[str]:
    """COMPREPLY after Tab with the cursor at the end of `words` (the last may be '')."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in ("llmchat", *words))
    code = (
        f"source '{script}'\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n"
        'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}\n'
        "_llmchat\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    env = dict(sandbox.env)
    env["PATH"] = f"{llmchat_bin.parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", code],
        env=env,
        cwd=sandbox.cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_subcommands_and_flags(
    bash_script: Path, sandbox: Sandbox, llmchat_bin: Path
) -> None:
    assert set(_tab(bash_script, sandbox, llmchat_bin, "")) >= {
        "chat",
        "chats",
        "models",
        "providers",
        "completion",
        "setup",
    }
    assert _tab(bash_script, sandbox, llmchat_bin, "mod") == ["models"]
    assert _tab(bash_script, sandbox, llmchat_bin, "--mo") == ["--model"]
    assert "--base-url" in _tab(bash_script, sandbox, llmchat_bin, "models", "--")
    assert set(_tab(bash_script, sandbox, llmchat_bin, "chats", "")) >= {
        "delete",
        "export",
        "search",
        "show",
    }
    assert _tab(bash_script, sandbox, llmchat_bin, "chats", "export", "x", "-f", "") == [
        "md",
        "json",
    ]
    assert _tab(bash_script, sandbox, llmchat_bin, "completion", "") == ["bash", "zsh", "fish"]
    assert _tab(bash_script, sandbox, llmchat_bin, "-s", "") == []  # free text: nothing


def test_bash_completes_providers_including_configured_ones(
    bash_script: Path, sandbox: Sandbox, llmchat_bin: Path
) -> None:
    (sandbox.config_dir / "config.toml").write_text(
        '[providers.mybox]\nbase_url = "http://127.0.0.1:9/v1"\n', encoding="utf-8"
    )
    found = _tab(bash_script, sandbox, llmchat_bin, "-p", "")
    assert {"openai", "deepseek", "ollama", "mybox"} <= set(found)
    assert _tab(bash_script, sandbox, llmchat_bin, "models", "--provider", "deeps") == ["deepseek"]


def test_bash_completes_models_from_catalog_and_the_cached_models_answer(
    bash_script: Path, sandbox: Sandbox, llmchat_bin: Path
) -> None:
    ServedModels(sandbox.data_dir).remember("openai", "https://api.openai.com/v1", ["srv-zeta-1"])
    on_openai = _tab(bash_script, sandbox, llmchat_bin, "-p", "openai", "-m", "")
    assert "gpt-4o" in on_openai and "srv-zeta-1" in on_openai
    assert "deepseek-chat" not in on_openai
    assert _tab(bash_script, sandbox, llmchat_bin, "-m", "openai/srv-") == ["openai/srv-zeta-1"]
    on_deepseek = _tab(bash_script, sandbox, llmchat_bin, "-m", "deepseek/")
    assert on_deepseek and all(m.startswith("deepseek/deepseek-") for m in on_deepseek)


def test_bash_completes_saved_chat_ids(
    bash_script: Path,
    sandbox: Sandbox,
    llmchat_bin: Path,
    fake_server: FakeOpenAI,
    run_llmchat: RunLLMChat,
) -> None:
    env = {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": fake_server.base_url}
    assert run_llmchat("a saved question", env=env).returncode == 0
    ids = ChatStore(sandbox.data_dir).ids()
    assert len(ids) == 1
    assert _tab(bash_script, sandbox, llmchat_bin, "chats", "show", "") == ids
    assert _tab(bash_script, sandbox, llmchat_bin, "--resume", ids[0][:4]) == ids


def test_complete_with_a_broken_config_prints_nothing(
    run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.config_dir / "config.toml").write_text("[[[ not toml", encoding="utf-8")
    result = run_llmchat("__complete", "providers")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_unknown_shell_is_a_usage_error(run_llmchat: RunLLMChat) -> None:
    result = run_llmchat("completion", "tcsh")
    assert result.returncode == 2
    assert result.stderr.startswith("llmchat: error: no completion for 'tcsh'")


def _script(run_llmchat: RunLLMChat, sandbox: Sandbox, shell: str) -> Path:
    result = run_llmchat("completion", shell)
    assert result.returncode == 0, result.stderr
    path = sandbox.cwd / f"llmchat.{shell}"
    path.write_text(result.stdout, encoding="utf-8")
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed here: only the bash script was exercised")
    check = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    return path


def _run(shell: str, code: str, sandbox: Sandbox, llmchat_bin: Path) -> list[str]:
    env = dict(sandbox.env)
    env["PATH"] = f"{llmchat_bin.parent}{os.pathsep}{env.get('PATH', '')}"
    args = [shell, "-f", "-c", code] if shell == "zsh" else [shell, "--no-config", "-c", code]
    done = subprocess.run(
        args, env=env, cwd=sandbox.cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [line.split("\t")[0] for line in done.stdout.splitlines() if line]


def test_fish_completes_like_bash(
    run_llmchat: RunLLMChat, sandbox: Sandbox, llmchat_bin: Path
) -> None:
    path = _script(run_llmchat, sandbox, "fish")

    def tab(line: str) -> list[str]:
        return _run("fish", f"source '{path}'; complete -C'{line}'", sandbox, llmchat_bin)

    assert {"chat", "chats", "models", "completion"} <= set(tab("llmchat "))
    assert tab("llmchat -p oll") == ["ollama"]
    assert set(tab("llmchat -p ollama -m ")) == {"llama3.2", "qwen2.5", "deepseek-r1"}
    assert "--base-url" in tab("llmchat models --")
    assert set(tab("llmchat chats ")) >= {"delete", "export", "search", "show"}
    assert tab("llmchat -s ") == []  # free text: no file names either


def test_zsh_script_candidates(
    run_llmchat: RunLLMChat, sandbox: Sandbox, llmchat_bin: Path
) -> None:
    """The zsh script's own functions, called as `_llmchat` calls them (compadd then
    filters by what was typed; that part is zsh's)."""
    path = _script(run_llmchat, sandbox, "zsh")

    def tab(*words: str) -> list[str]:
        quoted = " ".join("'" + w + "'" for w in ("llmchat", *words))
        code = (
            f"compdef() {{ :; }}; source '{path}'; emulate zsh -o ksh_arrays\n"
            f"_llmchat_words=({quoted}); _llmchat_cword={len(words)}\n"
            "_llmchat_scan\n"
            '_llmchat_candidates "${_llmchat_words[_llmchat_cword]}" '
            '"${_llmchat_words[_llmchat_cword-1]}"\n'
        )
        return _run("zsh", code, sandbox, llmchat_bin)

    assert {"chat", "chats", "models", "completion"} <= set(tab(""))
    assert "ollama" in tab("-p", "")
    assert set(tab("-p", "ollama", "-m", "")) == {"llama3.2", "qwen2.5", "deepseek-r1"}
    assert tab("chats", "export", "x", "-f", "") == ["md", "json"]
