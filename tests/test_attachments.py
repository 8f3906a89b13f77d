"""-f/--file and stdin: text fenced under its path; binary, directories, missing, huge refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from llmchat.errors import EXIT_USAGE, UsageError
from llmchat.inputs.attachments import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    check_fits,
    compose_question,
    language_for,
    read_attachments,
    read_file,
    read_stdin,
)


def refused(call: object, *args: object, **kwargs: object) -> UsageError:
    with pytest.raises(UsageError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.exit_code == EXIT_USAGE
    assert "\n" not in caught.value.one_line()
    return caught.value


def test_a_text_file_is_fenced_under_its_path_with_a_language(tmp_path: Path) -> None:
    path = tmp_path / "app.py"
    path.write_text("def f():\n    return '{{not a var}}'\n", encoding="utf-8")
    attachment = read_file(str(path))
    assert attachment == Attachment(str(path), "def f():\n    return '{{not a var}}'\n", "python")
    assert attachment.fenced() == (
        f"File: {path}\n```python\ndef f():\n    return '{{{{not a var}}}}'\n```"
    )


def test_a_fence_inside_the_file_gets_a_longer_fence(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("Intro\n```sh\nls\n```", encoding="utf-8")
    fenced = read_file(str(path)).fenced()
    assert fenced.startswith(f"File: {path}\n````markdown\n")
    assert fenced.endswith("```\n````")


@pytest.mark.parametrize(
    ("name", "language"),
    [("x.ts", "typescript"), ("Dockerfile", "dockerfile"), ("a.TOML", "toml"), ("notes", "")],
)
def test_language_tags_come_from_the_name(name: str, language: str) -> None:
    assert language_for(name) == language


def test_a_bom_is_dropped_and_cjk_text_kept(tmp_path: Path) -> None:
    path = tmp_path / "zh.txt"
    path.write_bytes("\ufeff你好，世界\n".encode())
    assert read_file(str(path)).text == "你好，世界\n"


def test_binary_files_are_refused_naming_why(tmp_path: Path) -> None:
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert refused(read_file, str(png)).message == f"{png} is binary (a NUL byte at offset 8)"
    latin = tmp_path / "old.txt"
    latin.write_bytes("café".encode("latin-1"))
    error = refused(read_file, str(latin))
    assert error.message == f"{latin} is not UTF-8 text (byte 0xe9 at offset 3)"
    assert "iconv" in error.hint


def test_directories_missing_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    assert refused(read_file, str(tmp_path)).message == f"{tmp_path} is a directory"
    missing = tmp_path / "nope.py"
    assert refused(read_file, str(missing)).message == f"{missing}: no such file"
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.txt"
        locked.write_text("secret")
        locked.chmod(0)
        assert refused(read_file, str(locked)).message == f"{locked}: permission denied"


def test_a_file_beyond_the_hard_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    with big.open("wb") as handle:
        handle.truncate(MAX_ATTACHMENT_BYTES + 10)
    assert "larger than 10 MB" in refused(read_file, str(big)).message


def test_dash_reads_stdin_once_and_never_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "a.go"
    path.write_text("package main\n")
    got = read_attachments([str(path), "-"], io.BytesIO(b"diff --git {{x}}\n"), stdin_is_tty=False)
    assert [a.label for a in got] == [str(path), "stdin"]
    assert got[1].text == "diff --git {{x}}\n"
    assert (
        "stdin is a terminal"
        in refused(read_attachments, ["-"], io.BytesIO(b"x"), stdin_is_tty=True).message
    )
    assert (
        "more than once"
        in refused(read_attachments, ["-", "-"], io.BytesIO(b"x"), stdin_is_tty=False).message
    )


def test_the_stdin_reader_refuses_binary_unless_forced_and_skips_a_tty() -> None:
    assert read_stdin(io.BytesIO(b"plain {{text}}"), is_tty=False) == "plain {{text}}"
    assert read_stdin(io.BytesIO(b"never read"), is_tty=True) is None
    assert read_stdin(None, is_tty=False) is None
    error = refused(read_stdin, io.BytesIO(b"ELF\x00\x01"), is_tty=False)
    assert error.message == "stdin is binary (a NUL byte at offset 3)"
    assert read_stdin(io.BytesIO(b"ELF\x00\xff!"), is_tty=False, force=True) == "ELF\ufffd!"


def test_the_question_comes_first_then_each_file() -> None:
    files = [Attachment("a.py", "x = 1", "python"), Attachment("stdin", "raw\n")]
    assert compose_question("Review these.", files) == (
        "Review these.\n\nFile: a.py\n```python\nx = 1\n```\n\nFile: stdin\n```\nraw\n```"
    )
    assert compose_question("  ", files[1:]) == "File: stdin\n```\nraw\n```"


def test_check_fits_refuses_with_the_figures() -> None:
    check_fits([("question", 100), ("a.py", 3_000)], window=8_192, reply_room=4_096, model="m")
    error = refused(
        check_fits,
        [("question", 100), ("big.py", 9_000), ("a.py", 50)],
        window=8_192,
        reply_room=1_000,
        model="gpt-x",
    )
    assert error.message == (
        "the question is about 9,150 tokens, but gpt-x's window is 8,192 with 1,000 kept"
        " for the reply (largest: big.py, 9,000 tokens)"
    )
    assert "larger window" in error.hint
