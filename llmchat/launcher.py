"""The `llmchat` console script: fast paths first, then the Typer app in cli/app.py.

`--version`, a bare `llmchat` on a terminal (the REPL) and a plain `llmchat "question"`
are the commands people type most; they skip Typer (and the pydantic it loads) entirely.
Every LLMChatError from anywhere ends here as one line and its exit code; `--debug` shows
the traceback (redacted: a 401 body repeats the key, and the SDK's exception carries it).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO

from llmchat import __version__
from llmchat.errors import EXIT_INTERRUPTED, ErrorDisplay, LLMChatError


def print_error(err: LLMChatError, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    text = f"llmchat: error: {err.one_line()}"
    if stream.isatty():  # one line to a script; broken at words for a person
        import shutil

        from llmchat.render.wrapping import wrap_text

        text = "\n".join(wrap_text(text, shutil.get_terminal_size().columns))
    from llmchat.environment import is_dumb, process_vars

    colour = stream.isatty() and not process_vars().get("NO_COLOR") and not is_dumb(process_vars())
    stream.write(f"\x1b[31m{text}\x1b[0m\n" if colour else text + "\n")
    stream.flush()


def _bare_repl() -> int:
    from llmchat.config import CliFlags
    from llmchat.environment import Environment
    from llmchat.repl.loop import run_repl
    from llmchat.setup.firstrun import first_run
    from llmchat.start import StartOptions

    env = Environment.from_process()
    flags, banner = CliFlags(), None
    if env.stdout_isatty:
        start = first_run(env)  # nothing usable yet: a local server, the built-in model, the setup
        if start is not None and start.exit_code is not None:
            return start.exit_code
        if start is not None:
            flags, banner = start.flags, start.banner
    return run_repl(env, flags, StartOptions(), banner=banner)


def _chat_list(args: list[str]) -> int | None:
    """`llmchat chats`, `chats -n N`, `chats --all` and `chats search TEXT`, what people
    type most, without Typer (0.1–0.7 s of imports): None when the arguments need the
    full parser (`--debug` among them: Click parses it into the ErrorDisplay)."""
    if len(args) == 3 and args[1] == "search" and not args[2].startswith("-"):
        from llmchat.cli.chats import search_chats
        from llmchat.environment import Environment

        return search_chats(Environment.from_process(), args[2])
    limit, every = 20, False
    if args[1:] in (["--all"], ["-a"]):
        every = True
    elif args[1:2] == ["-n"] and len(args) == 3 and args[2].isdigit() and int(args[2]) > 0:
        limit = int(args[2])
    elif args != ["chats"]:
        return None
    from llmchat.cli.chats import ListOptions, list_chats
    from llmchat.environment import Environment

    list_chats(Environment.from_process(), ListOptions(limit=limit, every=every))
    return 0


#: The Typer app's subcommands (tests/test_cli_flags.py checks them against cli/app.py):
#: a first word among them is a command, never a question.
SUBCOMMANDS = frozenset(
    [
        "chat",
        "chats",
        "compare",
        "completion",
        "keys",
        "models",
        "providers",
        "roles",
        "setup",
        "trust",
        "usage",
    ]
)
#: The chat command's on/off options a plain question may carry and skip Typer.
PLAIN_SWITCHES = frozenset({"--no-save", "--raw", "--usage", "--no-stream", "--no-reasoning"})


def _plain_question(args: list[str]) -> int | None:
    """`llmchat "question"`, what people and scripts type most, without Typer: its import
    and its pydantic-checked parameters cost ~3 MiB of peak memory and ~0.1 s of CPU.
    None when the arguments need the full parser: any other option (`--`, `-m`, `--help`,
    `--debug`), a subcommand, or no question (stdin, or the REPL)."""
    if not args or args[0] in SUBCOMMANDS:
        return None
    words = [arg for arg in args if not arg.startswith("-")]
    switches = {arg for arg in args if arg.startswith("-")}
    if not switches <= PLAIN_SWITCHES or not " ".join(words).strip():
        return None
    from llmchat.cli.chat import ask_plain_question

    return ask_plain_question(words, switches)


def _typer_app(args: list[str], display: ErrorDisplay) -> int:
    from llmchat.cli.app import run_app

    return run_app(args, display)


def _print_traceback(exc: BaseException) -> None:
    """`--debug`'s traceback, chained exceptions included, with every key removed."""
    from llmchat.debugging import print_traceback

    print_traceback(exc, sys.stderr)


def _quit(code: int) -> None:
    """Exit without tearing down ~1,000 imported modules one by one (130 ms or more).

    Everything that matters is already on disk: saved chats are flushed and synced
    record by record, and the streams are flushed here.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _never_fail_to_print() -> None:
    """Where stdout/stderr cannot encode a character (PYTHONIOENCODING=latin-1, LC_ALL=C),
    print a replacement instead of dying: the glyphs we choose degrade to ASCII
    anyway (Environment.ascii_only), this covers the model's text and the user's."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") in (
            "strict",
            "surrogateescape",
        ):
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def _check_argv(args: list[str]) -> None:
    """Bytes that are not UTF-8 arrive as lone surrogates, which fail much later, far
    from their cause (sending them, saving them): say so now, in one line."""
    for position, arg in enumerate(args, start=1):
        if any("\udc80" <= char <= "\udcff" for char in arg):
            from llmchat.errors import UsageError

            raise UsageError(
                f"argument {position} is not valid text in UTF-8 "
                f"({arg.encode('utf-8', 'surrogateescape')[:40]!r})",
                "pass text in UTF-8, or pipe the file in (llmchat --force-text < FILE)",
            )


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    _never_fail_to_print()
    if args in (["--version"], ["-V"]):
        print(f"llmchat {__version__}")
        return
    if args[:1] == ["__complete"]:  # a shell asking for Tab candidates: no Typer
        from llmchat.cli.completion import run_complete

        code = run_complete(args[1:])
        if argv is None:
            _quit(code)
        sys.exit(code)
    display = ErrorDisplay()  # `--debug`, once the Typer app has parsed it
    try:
        _check_argv(args)
        if not args and sys.stdin.isatty():
            code = _bare_repl()
        else:
            fast = _chat_list(args) if args[:1] == ["chats"] else _plain_question(args)
            code = fast if fast is not None else _typer_app(args, display)
    except LLMChatError as err:
        if display.tracebacks:
            _print_traceback(err)
        else:
            print_error(err)
        code = err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # `llmchat ... | head`: the reader left; that is not a failure to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except Exception as exc:  # a bug, or --debug's Click error: shown, redacted
        _print_traceback(exc)
        code = 1
    if argv is None:
        _quit(code)
    sys.exit(code)
