"""`llmchat compare -m A -m B … "question"`: one question, several models, side by side.

On a terminal: live panes, then every answer in full and the scoreboard. Into a pipe:
one `## provider/model` section per model, in the order given. `--json`: one JSON object
per model, one a line. Exit 0 only if every model answered, 1 if any failed or came back
incomplete, 130 on Ctrl+C (what each had sent is kept, marked interrupted).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from llmchat.config import CliFlags
from llmchat.environment import Environment
from llmchat.errors import EXIT_API, EXIT_INTERRUPTED, EXIT_OK
from llmchat.render.common import INTERRUPTED

if TYPE_CHECKING:
    from llmchat.engine.compare import Comparison, LaneResult
    from llmchat.engine.session import ChatSession


@dataclass(frozen=True)
class CompareOptions:
    json: bool = False
    show_usage: bool = False
    raw: bool = False
    #: Save the comparison as a chat (`--no-save`: don't), as a one-shot question is.
    save: bool = True


def lane_sessions(env: Environment, flags: CliFlags, specs: Sequence[str]) -> list[ChatSession]:
    """One session per model, each resolved exactly as `llmchat -m SPEC` would be."""
    from llmchat.config import effective_vars, load_file_config, resolve_settings
    from llmchat.engine.compare import check_count
    from llmchat.engine.session import ChatSession

    check_count(specs)
    vars = effective_vars(env)
    file_config = load_file_config(env.config_dir)
    return [
        ChatSession(resolve_settings(replace(flags, model=spec), vars, file_config))
        for spec in specs
    ]


def result_json(result: LaneResult) -> dict[str, Any]:
    """What `--json` prints for one model; times in seconds from the common start."""
    usage = result.usage
    return {
        "model": result.model,
        "provider": result.provider,
        "answer": result.answer,
        "reasoning": result.reasoning,
        "usage": None
        if usage is None
        else {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cached_tokens": usage.cached_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "estimated": usage.estimated,
        },
        "cost": None
        if result.cost is None
        else {"amount": result.cost.amount, "currency": result.cost.currency},
        "time_to_first_token": None if result.first_token is None else round(result.first_token, 3),
        "total_time": round(result.total, 3),
        "tokens_per_second": None
        if result.tokens_per_second is None
        else round(result.tokens_per_second, 1),
        "finish_reason": result.finish_reason,
        "state": result.state,
        "error": result.error,
    }


def plain_sections(results: Sequence[LaneResult]) -> str:
    """The answers as text, one `## provider/model` section each, in lane order."""
    parts = []
    for result in results:
        body = result.answer.strip("\n")
        parts.append(f"## {result.label}\n\n{body}\n" if body else f"## {result.label}\n")
    return "\n".join(parts)


def _live(env: Environment, options: CompareOptions) -> bool:
    dumb = env.vars.get("TERM", "").lower() in ("dumb", "unknown")
    return env.stdout_isatty and not options.raw and not options.json and not dumb


def run_compare(
    env: Environment,
    flags: CliFlags,
    specs: Sequence[str],
    question: str,
    options: CompareOptions,
) -> int:
    from llmchat.cli.chat import note
    from llmchat.engine.compare import Comparison
    from llmchat.render.terminal import quiet_typeahead

    lanes = lane_sessions(env, flags, specs)
    comparison = Comparison(lanes, question)
    saving = _saving_session(env, flags, specs[0]) if options.save else None
    if saving is not None and saving.recorder is not None:
        saving.recorder.record_user(saving, question)  # on disk before any request leaves
    with quiet_typeahead(env):
        interrupted = _run(env, comparison, options, lanes[0].show_reasoning)
    results = comparison.results
    if saving is not None:
        _save(saving, question, results)
    if not _live(env, options):
        if options.json:
            for result in results:
                env.stdout.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
        else:
            env.stdout.write(plain_sections(results))
        env.stdout.flush()
        for result in results:
            if result.error:
                note(env, f"error: {result.label}: {result.error}")
    if options.show_usage:
        from llmchat.render.scoreboard import scoreboard_text

        note(env, "usage:\n" + scoreboard_text(results))
    if interrupted:
        note(env, INTERRUPTED)
        return EXIT_INTERRUPTED
    return EXIT_OK if all(r.answered for r in results) else EXIT_API


def _saving_session(env: Environment, flags: CliFlags, first: str) -> ChatSession:
    """A new chat for the comparison, saved as a one-shot question is; it carries the
    first model, which `llmchat -c` goes on with unless -m says otherwise."""
    from llmchat.cli.chat import note
    from llmchat.start import StartOptions, open_session

    session, _ = open_session(
        env, replace(flags, model=first), StartOptions(), warn=lambda text: note(env, text)
    )
    return session


def _save(session: ChatSession, question: str, results: Sequence[LaneResult]) -> None:
    from llmchat.start import record_compared
    from llmchat.store import StoreRecorder

    recorder = session.recorder
    if isinstance(recorder, StoreRecorder):
        record_compared(recorder, session, question, results)
        recorder.close()


def _run(
    env: Environment, comparison: Comparison, options: CompareOptions, reasoning: bool
) -> bool:
    """Run the lanes (live panes on a terminal); True when Ctrl+C stopped them."""
    if not _live(env, options):
        try:
            comparison.run()
        except KeyboardInterrupt:
            return True
        return False
    from llmchat.render.compare import show_comparison
    from llmchat.render.renderer import terminal_console

    return show_comparison(comparison, terminal_console(env), show_reasoning=reasoning)
