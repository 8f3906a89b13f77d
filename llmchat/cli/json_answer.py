"""One-shot `--json` / `--schema`: stdout is exactly the validated JSON, or exit 1 with
one line naming the first problem; `--retry-invalid N` asks again with that problem.

The reply is not drawn while it arrives: a half-written JSON object on the screen is
of no use to anyone, and stdout must hold the clean answer only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchat.environment import Environment
from llmchat.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession
    from llmchat.engine.turn import Turn


def _drain(turn: Turn) -> bool:
    """Run the turn to its end without drawing it; False when Ctrl+C stopped it."""
    try:
        for _ in turn.events():
            pass
    except KeyboardInterrupt:
        turn.interrupt()
        return False
    return True


def run_json_answer(env: Environment, session: ChatSession, question: str, retries: int) -> int:
    from llmchat.cli.chat import note
    from llmchat.structured.output import (
        InvalidAnswerError,
        check_answer,
        retry_instruction,
        unchecked_keywords,
    )

    schema = session.output.schema
    if schema is not None:
        skipped = unchecked_keywords(schema)
        if skipped:
            note(env, f"note: the schema's {', '.join(skipped)} are not checked here")
    ask = question
    for attempt in range(retries + 1):
        turn = session.start_turn(ask)
        for remark in turn.notes:
            note(env, remark)
        if not _drain(turn):
            return EXIT_INTERRUPTED
        if turn.incomplete or turn.finish_reason == "length":
            for warning in turn.warnings:
                note(env, "warning: " + warning)
            return EXIT_API
        try:
            checked = check_answer(turn.answer, schema)
        except InvalidAnswerError as error:
            if attempt == retries:
                raise
            note(env, f"{error.message}: asking again ({attempt + 1} of {retries})")
            ask = retry_instruction(error)
            continue
        env.stdout.write(checked.text + "\n")
        env.stdout.flush()
        return EXIT_OK
    raise AssertionError("unreachable")  # pragma: no cover
