"""One-shot mode: one question from argv and/or stdin, one answer, an exit code scripts trust.

Exit codes: 0 answered, 1 the API failed (or the reply came back incomplete),
2 usage or configuration error, 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, BinaryIO

from llmchat.config import CliFlags
from llmchat.environment import Environment
from llmchat.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK, UsageError
from llmchat.start import StartOptions

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.inputs.attachments import Attachment
    from llmchat.roles.model import Role


@dataclass(frozen=True)
class OneShotOptions:
    raw: bool = False
    show_usage: bool = False
    attachments: tuple[Attachment, ...] = ()


def _stdin_bytes(env: Environment) -> BinaryIO | None:
    buffer = getattr(env.stdin, "buffer", None)
    return buffer if buffer is not None else None


def stdin_text(data: bytes, *, force_text: bool) -> str:
    """Piped bytes as text; not-text (NUL bytes, or not UTF-8) is refused unless forced,
    rather than sent to the API as a page of replacement characters."""
    from llmchat.inputs.attachments import decode_text

    try:
        return decode_text(data, "stdin", force=force_text)
    except UsageError as error:
        raise UsageError(
            error.message, "convert it (iconv -t UTF-8), or pass --force-text to send it anyway"
        ) from None


def gather_question(
    words: list[str],
    env: Environment,
    attachments: Sequence[Attachment] = (),
    *,
    force_text: bool = False,
) -> str | None:
    """argv text, then piped stdin, then `-f` files; None means "no question: open the REPL".

    Stdin that is not text is refused (exit 2) unless forced. With `-f -` stdin is
    already an attachment and is not read again.
    """
    from llmchat.inputs.attachments import compose_question

    typed = " ".join(words).strip()
    piped = ""
    if not env.stdin_isatty and not any(a.label == "stdin" for a in attachments):
        binary = _stdin_bytes(env)
        data: str | bytes = binary.read() if binary is not None else env.stdin.read()
        piped = stdin_text(data, force_text=force_text) if isinstance(data, bytes) else data
        piped = piped.strip("\n")
    if not typed and not piped.strip() and not attachments:
        if env.stdin_isatty:
            return None
        raise UsageError("nothing to ask: stdin was empty", 'pass a prompt: llmchat "question"')
    question = f"{typed}\n\n{piped}" if typed and piped.strip() else typed or piped
    return compose_question(question, attachments)


def apply_role(flags: CliFlags, role: Role, values: dict[str, str]) -> CliFlags:
    """The role's prompt (variables filled) and defaults, under what the user typed."""
    from llmchat.roles.variables import fill_variables

    prompt = fill_variables(role.prompt, values, role=f"role {role.name!r}")
    d = role.defaults
    return replace(
        flags,
        system=flags.system if flags.system is not None else prompt,
        model=flags.model if flags.model is not None else d.model,
        provider=flags.provider if flags.provider is not None else d.provider,
        temperature=flags.temperature if flags.temperature is not None else d.temperature,
        top_p=flags.top_p if flags.top_p is not None else d.top_p,
        max_tokens=flags.max_tokens if flags.max_tokens is not None else d.max_tokens,
    )


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


def check_attachments_fit(
    session: ChatSession, question: str, attachments: Sequence[Attachment]
) -> None:
    """Refuse, before anything is sent, files that leave the model no room to answer."""
    window = session.context_window
    if window is None:
        return
    from llmchat.engine.context import default_reply_budget
    from llmchat.engine.tokens import counter_for
    from llmchat.inputs.attachments import check_fits

    counter = counter_for(session.model)
    files = [(a.label, counter.count(a.fenced())) for a in attachments]
    rest = counter.count_messages(session.conversation.messages(pending_user=question))
    parts = [("the rest of the question", max(rest - sum(n for _, n in files), 0)), *files]
    reply_room = session.params.max_tokens or default_reply_budget(window)
    check_fits(parts, window=window, reply_room=reply_room, model=session.model)


def run_one_shot(
    env: Environment, flags: CliFlags, start: StartOptions, question: str, options: OneShotOptions
) -> int:
    from llmchat.render import make_renderer, show_turn
    from llmchat.render.terminal import quiet_typeahead
    from llmchat.start import open_session

    session, _ = open_session(env, flags, start, warn=lambda text: note(env, text))
    if session.settings.switched_provider:
        note(env, f"{session.model} is served by {session.provider.label}: using it")
    if options.attachments:
        check_attachments_fit(session, question, options.attachments)
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
