"""Issue 12, "input and terminals": encodings, TERM=dumb, binary stdin, a long paste.

The installed `llmchat` in a pty (pexpect) or a plain subprocess, against the fake server.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pexpect
import pytest
from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI
from pty_chat import StartChat
from terminal_screen import shown_rows


def _env(server: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url, **extra}


def _one_shot_in_pty(
    llmchat_bin: Path, sandbox: Sandbox, args: list[str], env: dict[str, str]
) -> tuple[int, bytes]:
    child = pexpect.spawn(
        str(llmchat_bin),
        args,
        env={**sandbox.env, **env},
        cwd=str(sandbox.cwd),
        dimensions=(24, 80),
        timeout=20,
    )
    child.expect(pexpect.EOF)
    child.close()
    output = child.before or b""
    assert isinstance(output, bytes)
    return child.exitstatus or 0, output


ASCII_ONLY_LOCALES = [
    pytest.param({"PYTHONIOENCODING": "latin-1"}, id="PYTHONIOENCODING=latin-1"),
    pytest.param({"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}, id="LC_ALL=C"),
]


@pytest.mark.parametrize("locale", ASCII_ONLY_LOCALES)
def test_one_shot_degrades_to_ascii_where_the_output_cannot_encode(
    llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI, locale: dict[str, str]
) -> None:
    fake_server.reply(text="plain answer", delay=0.5)
    code, output = _one_shot_in_pty(
        llmchat_bin, sandbox, ["question"], {**_env(fake_server), **locale}
    )
    assert b"Traceback" not in output
    assert any("plain answer" in row for row in shown_rows(output))
    assert code == 0


@pytest.mark.parametrize("locale", ASCII_ONLY_LOCALES)
def test_the_repl_degrades_to_ascii_where_the_output_cannot_encode(
    start_chat: StartChat, fake_server: FakeOpenAI, locale: dict[str, str]
) -> None:
    fake_server.reply(text="plain answer", delay=0.5)
    chat = start_chat(env={**_env(fake_server), **locale}, prompt=">")
    chat.send("question")
    chat.expect("plain answer")
    chat.wait_prompt()
    chat.ask("again", "echo: again")
    assert "Traceback" not in (chat.child.before or "")
    assert chat.child.isalive()


def test_an_argument_that_is_not_utf8_is_one_line_and_exit_2(
    llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    done = subprocess.run(
        [str(llmchat_bin).encode(), b"bad \xff\xfe"],
        env={**sandbox.env, **_env(fake_server)},
        cwd=sandbox.cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.decode().count("\n") == 1
    assert done.stderr.startswith(b"llmchat: error:")
    assert fake_server.chat_requests() == []


def test_binary_stdin_is_refused_unless_forced(
    llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI
) -> None:
    garbage = bytes(range(256)) * 4

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(llmchat_bin), *args],
            input=garbage,
            env={**sandbox.env, **_env(fake_server)},
            cwd=sandbox.cwd,
            capture_output=True,
            check=False,
        )

    refused = run("what is this?")
    assert refused.returncode == 2
    assert refused.stderr.decode().count("\n") == 1
    assert b"--force-text" in refused.stderr
    assert fake_server.chat_requests() == []
    forced = run("--force-text", "what is this?")
    assert forced.returncode == 0
    assert "\ufffd" in fake_server.last.messages[-1]["content"]


def test_text_stdin_in_utf8_is_still_accepted(
    run_llmchat: RunLLMChat, fake_server: FakeOpenAI
) -> None:
    done = run_llmchat("summarise", input="héllo wörld 你好\n", env=_env(fake_server))
    assert done.returncode == 0
    assert "你好" in fake_server.last.messages[-1]["content"]


def test_term_dumb_gets_no_escape_sequences_at_all(
    llmchat_bin: Path, sandbox: Sandbox, fake_server: FakeOpenAI, start_chat: StartChat
) -> None:
    fake_server.reply(text="**bold** answer", delay=0.4)
    code, output = _one_shot_in_pty(
        llmchat_bin, sandbox, ["question"], {**_env(fake_server), "TERM": "dumb"}
    )
    assert code == 0
    assert b"bold" in output
    assert b"\x1b" not in output
    chat = start_chat(env={**_env(fake_server), "TERM": "dumb"})
    chat.ask("hello", "echo: hello")
    chat.ask("/help", "/exit")
    chat.send("/exit")
    chat.child.expect(pexpect.EOF)
    # Everything the REPL wrote, banner to goodbye.
    assert "\x1b" not in chat.transcript()


def test_a_500_line_paste_is_one_summary_line_in_the_transcript(
    start_chat: StartChat, fake_server: FakeOpenAI
) -> None:
    fake_server.reply(text="got it")
    chat = start_chat(env=_env(fake_server), rows=30, cols=100)
    lines = [f"pasted line {n}" for n in range(1, 501)]
    chat.child.send("\x1b[200~" + "\n".join(lines) + "\x1b[201~")
    chat.child.send("\r")
    chat.expect("got it")
    chat.wait_prompt()
    assert len(fake_server.last.messages[-1]["content"].splitlines()) == 500
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", chat.transcript())
    summary_at = screen.rfind("… 500 lines")
    assert summary_at >= 0
    assert "› pasted line 1\r\n  pasted line 2\r\n  … 500 lines" in screen
    assert "pasted line" not in screen[summary_at:]  # the paste is not drawn again


def _visible_lines(chat_text: str) -> list[str]:
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x08", "", chat_text)
    return [line for line in re.split(r"\r\n|\n|\r", plain) if line.strip()]


def test_banner_errors_and_the_replayed_exchange_wrap_at_words_at_40_columns(
    start_chat: StartChat, fake_server: FakeOpenAI, run_llmchat: RunLLMChat
) -> None:
    long_answer = "a reply that is long enough to need wrapping at forty columns, every word"
    fake_server.reply(text=long_answer)
    run_llmchat("an opening question that is also rather long", env=_env(fake_server))
    fake_server.reply(status=401)
    chat = start_chat("-c", env=_env(fake_server), cols=40)
    chat.send("hello")
    chat.expect("/retry")
    chat.wait_prompt()
    lines = _visible_lines(chat.transcript())
    too_long = [line for line in lines if len(line) > 40 and "›" not in line]
    assert too_long == []
    words = " ".join(lines).split()
    for word in long_answer.split():
        assert word.strip(",") in " ".join(words)  # every word whole, none cut in two
    assert any("Alt+Enter" in line for line in lines)


def _under_the_reply(rows: list[str], needle: str) -> tuple[str, str, str]:
    """The reply's last row, the row after it and the status row (the last with `needle`)."""
    rows = [row.rstrip() for row in rows]
    at = max(i for i, row in enumerate(rows) if needle in row)
    return rows[at - 2], rows[at - 1], rows[at]


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"])
def test_the_status_line_sits_under_a_blank_line_finished_or_interrupted(
    start_chat: StartChat, fake_server: FakeOpenAI, term: str
) -> None:
    """TERM=dumb (the plain renderer) lays a reply out as the live renderer does: a blank
    row, then the status line, which after Ctrl+C ends with the one word "interrupted"."""
    chat = start_chat(env={**_env(fake_server), "TERM": term}, cols=100)
    fake_server.reply(
        text="a short answer",
        usage={"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
    )
    since = chat.since()
    chat.ask("finish", "3 tokens")
    last, gap, status = _under_the_reply(since.rows(), "3 tokens")
    assert (last, gap) == ("a short answer", "")
    assert status.startswith("3 tokens · ") and "interrupted" not in status
    fake_server.reply(text="tick " * 300, chunk_size=5, chunk_delay=0.05)
    since = chat.since()
    chat.send("count slowly")
    chat.expect("tick tick")
    chat.child.sendintr()
    chat.expect("interrupted")
    chat.wait_prompt()
    last, gap, status = _under_the_reply(since.rows(), "interrupted")
    assert last.endswith("tick") and gap == ""
    assert re.fullmatch(r"~\d+ tokens · .* · interrupted", status), status
    assert "[interrupted]" not in chat.transcript()
