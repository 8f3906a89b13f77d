"""One-shot mode: one question from argv and/or stdin, one answer, an exit code scripts trust.

Exit codes: 0 answered, 1 the API failed (or the reply came back incomplete),
2 usage or configuration error, 130 interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmchat.config import CliFlags
from llmchat.environment import Environment
from llmchat.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK, UsageError
from llmchat.start import StartOptions

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession


@dataclass(frozen=True)
class OneShotOptions:
    raw: bool = False
    show_usage: bool = False


def stdin_text(data: bytes, *, force_text: bool) -> str:
    """Piped bytes as text; not-text (NUL bytes, or not UTF-8) is refused unless forced,
    rather than sent to the API as a page of replacement characters."""
    try:
        text = data.decode("utf-8")
        if "\0" not in text:
            return text
    except UnicodeDecodeError:
        pass
    if force_text:
        return data.decode("utf-8", errors="replace").replace("\0", "\ufffd")
    raise UsageError(
        "stdin is not UTF-8 text (binary data, or another encoding); nothing sent",
        "convert it (iconv -t UTF-8), or pass --force-text to send it anyway",
    )


def gather_question(words: list[str], env: Environment, *, force_text: bool = False) -> str | None:
    """argv text first, then piped stdin; None means "no question: open the REPL"."""
    typed = " ".join(words).strip()
    piped = ""
    if not env.stdin_isatty:
        data = env.stdin.buffer.read() if hasattr(env.stdin, "buffer") else env.stdin.read()
        piped = stdin_text(data, force_text=force_text) if isinstance(data, bytes) else data
        piped = piped.strip("\n")
    if not typed and not piped.strip():
        if env.stdin_isatty:
            return None
        raise UsageError("nothing to ask: stdin was empty", 'pass a prompt: llmchat "question"')
    if typed and piped.strip():
        return f"{typed}\n\n{piped}"
    return typed or piped


def note(env: Environment, text: str) -> None:
    """A remark for the human, on stderr so it never mixes with the answer."""
    colour = env.stderr_isatty and not env.no_color
    line = f"\x1b[2m{text}\x1b[0m" if colour else text
    env.stderr.write(f"llmchat: {line}\n" if not colour else line + "\n")
    env.stderr.flush()


def usage_line(session: ChatSession) -> str:
    """`--usage`: every count the server gave (or our estimate, marked ~) and the cost."""
    from llmchat.engine.pricing import format_cost_text, format_tokens

    if not session.ledger.turns:
        return "usage: nothing was counted"
    record = session.ledger.turns[-1]
    usage, approx = record.usage, record.usage.estimated
    prompt = f"prompt {format_tokens(usage.prompt_tokens, approx=approx)}"
    if usage.cached_tokens:
        prompt += f" ({usage.cached_tokens:,} cached)"
    completion = f"completion {format_tokens(usage.completion_tokens, approx=approx)}"
    if usage.reasoning_tokens:
        completion += f" ({usage.reasoning_tokens:,} reasoning)"
    where = f"{record.provider}/{record.model}"
    return f"usage: {prompt} · {completion} · {format_cost_text(record)} · {where}"


def run_one_shot(
    env: Environment, flags: CliFlags, start: StartOptions, question: str, options: OneShotOptions
) -> int:
    from llmchat.render import make_renderer, show_turn
    from llmchat.render.terminal import quiet_typeahead
    from llmchat.start import open_session

    session, _ = open_session(env, flags, start, warn=lambda text: note(env, text))
    if session.settings.switched_provider:
        note(env, f"{session.model} is served by {session.provider.label}: using it")
    turn = session.start_turn(question)
    for remark in turn.notes:
        note(env, remark)
    renderer = make_renderer(env, show_reasoning=session.show_reasoning, raw=options.raw)
    with quiet_typeahead(env):
        shown = show_turn(turn, renderer, interrupted_note="interrupted")
    if not shown:
        return EXIT_INTERRUPTED
    for warning in turn.warnings:
        note(env, "warning: " + warning)
    if options.show_usage:
        note(env, usage_line(session))
    return EXIT_API if turn.incomplete else EXIT_OK
