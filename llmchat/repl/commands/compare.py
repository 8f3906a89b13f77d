"""`/compare MODEL MODEL… [QUESTION]` and `/pick N|MODEL` in the REPL.

The comparison asks every model with the current conversation as history; nothing joins
the conversation until `/pick` makes one answer the reply. Every answer is saved in the
chat as an alternative; going on without a pick leaves the question out of the history.
A chat resumed (`llmchat -c`, `/load`) that ends in a comparison nobody picked from can
still be picked from: the answers are read back from the saved chat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from llmchat.engine.conversation import Exchange
from llmchat.errors import UsageError
from llmchat.render.common import INTERRUPTED
from llmchat.repl.commands.chats import _recorder
from llmchat.repl.commands.model import _model_names
from llmchat.repl.commands.registry import ReplState, Reply, command

if TYPE_CHECKING:
    from llmchat.engine.compare import LaneResult
    from llmchat.engine.session import ChatSession
    from llmchat.store.record_types import MessageRecord


@dataclass(frozen=True)
class Candidate:
    """One answer `/pick` can take: from a comparison just run, or read back from disk."""

    provider: str
    model: str
    answer: str
    reasoning: str
    state: str  # done | failed | interrupted

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    @staticmethod
    def of_result(result: LaneResult) -> Candidate:
        return Candidate(
            result.provider, result.model, result.answer, result.reasoning, result.state
        )

    @staticmethod
    def of_record(record: MessageRecord) -> Candidate:
        state = "failed" if record.error else "interrupted" if record.interrupted else "done"
        provider, model = record.provider or "", record.model or ""
        return Candidate(provider, model, record.content, record.reasoning or "", state)


@dataclass(frozen=True)
class _Compared:
    session: ChatSession
    question: str
    candidates: list[Candidate]
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
    """Ask 2–6 models the same question at once, with this chat as history; /pick keeps one.

    Without a question, the next prompt is prefilled with the command: type it there.
    """
    from llmchat.engine.compare import Comparison, account, check_count, lane_session
    from llmchat.start import record_compared

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
        record_compared(recorder, session, question, results)
    candidates = [Candidate.of_result(result) for result in results]
    _LAST[id(state)] = _Compared(session, question, candidates, len(session.conversation))
    return Reply((f"{INTERRUPTED} · " if interrupted else "") + pick_hint(candidates))


def pick_hint(candidates: list[Candidate]) -> str:
    picks = [str(i) for i, c in enumerate(candidates, start=1) if c.answer.strip()]
    if not picks:
        return "no answer to pick"
    return f"/pick {' or '.join(picks)} (or a model's name) to go on with that answer"


def _show(state: ReplState, comparison: object) -> bool:
    """The live panes, every answer in full, the scoreboard; True if Ctrl+C stopped it."""
    from llmchat.engine.compare import Comparison
    from llmchat.render.compare import show_comparison
    from llmchat.render.renderer import terminal_console

    assert isinstance(comparison, Comparison)
    return show_comparison(
        comparison, terminal_console(state.env), show_reasoning=state.session.show_reasoning
    )


def _from_disk(state: ReplState) -> _Compared | None:
    """The comparison a resumed chat ends with, nobody having picked from it."""
    from llmchat.errors import LLMChatError

    recorder = _recorder(state)
    if recorder is None or not recorder.writer.on_disk:
        return None
    try:
        from llmchat.store import store_for

        loaded = store_for(state.env).load(recorder.chat_id)
    except LLMChatError:
        return None
    compared = loaded.open_comparison
    if compared is None or len(loaded.exchanges()) != len(state.session.conversation):
        return None
    candidates = [Candidate.of_record(record) for record in compared.answers]
    return _Compared(state.session, compared.question, candidates, len(state.session.conversation))


def _pending(state: ReplState) -> _Compared | None:
    compared = _LAST.get(id(state))
    if compared is not None and compared.session is state.session:
        return compared
    return _from_disk(state)


def _choices(candidates: list[Candidate]) -> str:
    return " · ".join(f"{i} {c.label}" for i, c in enumerate(candidates, start=1))


def choose(candidates: list[Candidate], key: str) -> int:
    """The index `key` names: a number from 1, `provider/model`, the model's name, or an
    unambiguous prefix of either (any case). One line listing the choices otherwise."""
    key = key.strip()
    if key.isdigit() and 1 <= int(key) <= len(candidates):
        return int(key) - 1
    wanted = key.lower()
    for exact in (True, False):
        found = [
            i
            for i, c in enumerate(candidates)
            if any(
                name == wanted if exact else name.startswith(wanted)
                for name in (c.label.lower(), c.model.lower())
            )
        ]
        if len(found) == 1 and wanted:
            return found[0]
        if len(found) > 1:
            raise UsageError(
                f"{key!r} matches {len(found)} answers", f"pick one of {_choices(candidates)}"
            )
    what = f"no answer {key!r}" if key else "which answer?"
    raise UsageError(what, f"pick one of {_choices(candidates)}")


def pick_keys(state: ReplState) -> list[str]:
    """Tab after /pick: the answers that can be taken, by model and by provider/model."""
    compared = _pending(state)
    if compared is None:
        return []
    takeable = [c for c in compared.candidates if c.answer.strip()]
    names = [c.model for c in takeable] + [c.label for c in takeable]
    return list(dict.fromkeys(names))


@command("pick", usage="/pick N|MODEL", complete_state=pick_keys)
def pick(state: ReplState, arg: str) -> Reply:
    """Go on with one answer of the last /compare as the reply: its number or its model
    (a prefix will do). The others stay saved in the chat."""
    compared = _pending(state)
    session = state.session
    if compared is None:
        if _LAST.get(id(state)) is None:
            raise UsageError("nothing to pick from", "run /compare MODEL MODEL… QUESTION first")
        raise UsageError("the chat went on since that /compare; its answers are saved in the chat")
    if len(session.conversation) != compared.turns_before:
        raise UsageError("the chat went on since that /compare; its answers are saved in the chat")
    index = choose(compared.candidates, arg)
    candidate = compared.candidates[index]
    if not candidate.answer.strip():
        raise UsageError(
            f"answer {index + 1} ({candidate.label}) is empty ({candidate.state})",
            f"pick one of {_choices(compared.candidates)}",
        )
    exchange = Exchange(
        user=compared.question,
        assistant=candidate.answer,
        reasoning=candidate.reasoning,
        interrupted=candidate.state == "interrupted",
        model=candidate.model,
    )
    session.conversation.add(exchange)
    _LAST.pop(id(state), None)
    recorder = _recorder(state)
    if recorder is not None:
        recorder.record_answer(
            session, exchange, None, alternative=False, provider=candidate.provider
        )
    return Reply(f"going on with answer {index + 1} ({candidate.label})")
