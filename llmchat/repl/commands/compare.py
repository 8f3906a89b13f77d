"""`/compare MODEL MODEL… [QUESTION]` and `/pick N` in the REPL.

The comparison asks every model with the current conversation as history; nothing joins
the conversation until `/pick N` makes answer N the reply. Every answer is saved in the
chat as an alternative; going on without a pick leaves the question out of the history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from llmchat.engine.conversation import Exchange
from llmchat.errors import UsageError
from llmchat.repl.commands.chats import _recorder
from llmchat.repl.commands.model import _model_names
from llmchat.repl.commands.registry import ReplState, Reply, command

if TYPE_CHECKING:
    from llmchat.engine.compare import LaneResult
    from llmchat.engine.session import ChatSession


@dataclass(frozen=True)
class _Compared:
    session: ChatSession
    question: str
    results: list[LaneResult]
    turns_before: int  # the conversation's length when asked: a pick after more turns is stale


_LAST: dict[int, _Compared] = {}  # by id(ReplState)


def _split_models(session: ChatSession, words: list[str]) -> tuple[list[str], str]:
    """Leading words that name models ("provider/model" or a known name), then the question."""
    known = set(session.registry.all_models()) | set(session.known_models())
    names = set(session.registry.names())
    models: list[str] = []
    for index, word in enumerate(words):
        head = word.partition("/")[0]
        if word in known or ("/" in word and head in names):
            models.append(word)
        else:
            return models, " ".join(words[index:])
    return models, ""


@command("compare", usage="/compare MODEL MODEL… [QUESTION]", complete=_model_names)
def compare(state: ReplState, arg: str) -> Reply:
    """Ask 2–6 models the same question at once, with this chat as history; /pick N keeps one.

    Without a question, the next prompt is prefilled with the command: type it there.
    """
    from llmchat.engine.compare import Comparison, account, check_count, lane_session

    session = state.session
    models, question = _split_models(session, arg.split())
    check_count(models)
    if not question.strip():
        return Reply(prefill=f"/compare {' '.join(models)} ")
    base = replace(
        session.settings,
        params=session.params,
        system=session.conversation.system,
        show_reasoning=session.show_reasoning,
        thinking=session.thinking,
    )
    lanes = [
        lane_session(
            base, session.registry.resolve_model(spec, session.provider), session.conversation
        )
        for spec in models
    ]
    comparison = Comparison(lanes, question)
    recorder = _recorder(state)
    if recorder is not None:
        recorder.record_user(session, question)
    interrupted = _show(state, comparison)
    results = comparison.results
    account(session, results)
    if recorder is not None:
        for result in results:
            if result.record is not None and (result.answer or result.reasoning):
                recorder.record_answer(
                    session, _exchange(question, result), result.record, alternative=True
                )
    _LAST[id(state)] = _Compared(session, question, results, len(session.conversation))
    picks = [str(i) for i, r in enumerate(results, start=1) if r.answer.strip()]
    hint = f"/pick {' or '.join(picks)} to go on with that answer" if picks else "no answer to pick"
    return Reply(("[interrupted] · " if interrupted else "") + hint)


def _exchange(question: str, result: LaneResult) -> Exchange:
    return Exchange(
        user=question,
        assistant=result.answer,
        reasoning=result.reasoning,
        interrupted=result.state == "interrupted",
        model=result.model,
    )


def _show(state: ReplState, comparison: object) -> bool:
    """The live panes, every answer in full, the scoreboard; True if Ctrl+C stopped it."""
    from llmchat.engine.compare import Comparison
    from llmchat.render.compare import show_comparison
    from llmchat.render.renderer import terminal_console

    assert isinstance(comparison, Comparison)
    return show_comparison(
        comparison, terminal_console(state.env), show_reasoning=state.session.show_reasoning
    )


@command("pick", usage="/pick N")
def pick(state: ReplState, arg: str) -> Reply:
    """Go on with answer N of the last /compare as the reply (the others stay saved)."""
    compared = _LAST.get(id(state))
    session = state.session
    if compared is None or compared.session is not session:
        raise UsageError("nothing to pick from", "run /compare MODEL MODEL… QUESTION first")
    if len(session.conversation) != compared.turns_before:
        raise UsageError("the chat went on since that /compare; its answers are saved in the chat")
    if not arg.strip().isdigit() or not 1 <= int(arg) <= len(compared.results):
        raise UsageError(f"pick a number from 1 to {len(compared.results)}")
    result = compared.results[int(arg) - 1]
    if not result.answer.strip() or result.record is None:
        raise UsageError(f"answer {arg} is empty ({result.state}); pick another")
    exchange = _exchange(compared.question, result)
    session.conversation.add(exchange)
    del _LAST[id(state)]
    recorder = _recorder(state)
    if recorder is not None:
        recorder.record_answer(session, exchange, result.record, alternative=False)
    return Reply(f"going on with answer {arg} ({result.label})")
