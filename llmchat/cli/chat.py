"""One-shot mode: one question from argv and/or stdin, one answer, an exit code scripts trust.

Exit codes: 0 answered, 1 the API failed (or the reply came back incomplete),
2 usage or configuration error, 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from llmchat.config import CliFlags
from llmchat.environment import Environment
from llmchat.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK, UsageError
from llmchat.start import StartOptions

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.inputs.attachments import Attachment
    from llmchat.roles.model import Role
    from llmchat.store import LoadedChat


@dataclass(frozen=True)
class RoleChoice:
    """`-r NAME` with its `--var` values, applied once the session exists."""

    role: Role
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OneShotOptions:
    raw: bool = False
    show_usage: bool = False
    attachments: tuple[Attachment, ...] = ()
    role: RoleChoice | None = None
    #: `--check`: after the answer, ask this model ("" = the same one) to check it.
    check: str | None = None
    #: `-n N`: answers in one request.
    choices: int = 1
    #: `--retry-invalid N`: ask again up to N times when the JSON does not check out.
    retry_invalid: int = 0
    debug: bool = False


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
    from llmchat.setup.fallback import with_fallback
    from llmchat.start import open_session
    from llmchat.structured.options import options_from_flags

    def open_with(flags: CliFlags) -> tuple[ChatSession, LoadedChat | None]:
        return open_session(env, flags, start, warn=lambda text: note(env, text))

    (session, loaded), flags, fallback = with_fallback(env, flags, open_with)
    if fallback is not None:
        note(env, fallback.note)  # no key: a local server or the built-in model answers
    if loaded is not None and loaded.open_comparison is not None:
        note(
            env,
            f"chat {loaded.id} ends in a comparison with no answer picked: asking without it"
            " (to go on with one: llmchat -c, then /pick N)",
        )
    if options.debug:
        from llmchat.render.listings import origins_line

        note(env, origins_line(session.registry, session.provider))
    session.output = options_from_flags(flags, options.choices)
    switched = session.settings.switched_provider
    if options.role is not None:
        from llmchat.roles.apply import apply_role

        applied = apply_role(session, options.role.role, options.role.values, flags)
        switched = switched or applied.switched_provider
        for remark in applied.notes:
            note(env, remark)
    if switched:
        note(env, f"{session.model} is served by {session.provider.label}: using it")
    if options.attachments:
        from llmchat.inputs.fit import check_attachments_fit

        check_attachments_fit(session, question, options.attachments)
    check_choices(session)
    if session.output.wants_json:
        from llmchat.cli.json_answer import run_json_answer

        code = run_json_answer(env, session, question, options.retry_invalid)
        if code == EXIT_OK and options.check is not None:
            return run_check(env, session, options.check, raw=options.raw)
        return code
    turn = session.start_turn(question)
    for remark in turn.notes:
        note(env, remark)
    renderer = make_renderer(env, show_reasoning=session.show_reasoning, raw=options.raw)
    with quiet_typeahead(env):
        shown = show_turn(turn, renderer)
    if not shown:
        return EXIT_INTERRUPTED
    for warning in turn.warnings:
        note(env, "warning: " + warning)
    if options.show_usage:
        note(env, usage_line(session))
    if turn.incomplete:
        return EXIT_API
    if options.check is not None:
        return run_check(env, session, options.check, raw=options.raw)
    return EXIT_OK


def ask_plain_question(words: Sequence[str], switches: Collection[str]) -> int:
    """`llmchat WORDS…` with some of `PLAIN_SWITCHES`, run as the chat command runs it with
    every other option at its default; the launcher sends it here without Typer."""
    env = Environment.from_process()
    flags = CliFlags(
        stream=False if "--no-stream" in switches else None,
        show_reasoning=False if "--no-reasoning" in switches else None,
    )
    start = StartOptions(save="--no-save" not in switches)
    question = gather_question(list(words), env)
    assert question is not None  # the launcher sends only words that are not blank
    options = OneShotOptions(raw="--raw" in switches, show_usage="--usage" in switches)
    return run_one_shot(env, flags, start, question, options)


def check_choices(session: ChatSession) -> None:
    """`-n N` only where the provider answers several times in one request."""
    if session.output.choices <= 1:
        return
    if session.output.wants_json:
        raise UsageError(
            "-n with --json or --schema is not supported", "drop -n, or run it N times"
        )
    if not session.provider.multiple_choices:
        raise UsageError(
            f"{session.provider.label} does not give several answers in one request (-n)",
            "drop -n, or run llmchat N times",
        )


def run_check(env: Environment, session: ChatSession, model_spec: str, *, raw: bool) -> int:
    """`--check`: the second opinion goes to stderr, so stdout stays exactly the answer."""
    from dataclasses import replace

    from llmchat.engine.check import start_check
    from llmchat.render.renderer import make_renderer, show_turn

    turn = start_check(session, model_spec)
    note(env, f"check by {turn.model}:")
    on_stderr = replace(env, stdout=env.stderr, stdout_isatty=env.stderr_isatty)
    renderer = make_renderer(on_stderr, show_reasoning=False, raw=raw)
    if not show_turn(turn, renderer):
        return EXIT_INTERRUPTED
    for warning in turn.warnings:
        note(env, "warning: " + warning)
    return EXIT_API if turn.incomplete else EXIT_OK
