"""Several models, one question, at once: one Turn per model, each on its own thread.

Each lane is a ChatSession of its own (its provider's key, base URL and client), built
from the same settings and carrying the same history, so the comparison is fair and a
key can only reach its own provider. Nothing in Turn knows it is one of several. A lane
that fails records its one-line error and the others go on; Ctrl+C stops them all and
keeps what each had sent. The engine never draws: lanes report to a `LaneListener`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from llmchat.config import ModelChoice, Settings
from llmchat.engine.conversation import Conversation
from llmchat.engine.session import ChatSession
from llmchat.engine.turn import Turn
from llmchat.errors import LLMChatError, UsageError
from llmchat.events import ChatEvent, Cost, ReasoningDelta, TextDelta, Usage

if TYPE_CHECKING:
    from llmchat.engine.pricing import TurnRecord

MIN_MODELS = 2
MAX_MODELS = 6
# After Ctrl+C each lane gets this long to notice (at its next chunk) before we stop waiting.
STOP_GRACE_SECONDS = 0.3


@dataclass(frozen=True)
class LaneResult:
    """How one model did: its answer and the figures the scoreboard compares."""

    provider: str
    model: str
    answer: str
    reasoning: str
    state: str  # done | failed | interrupted
    usage: Usage | None
    cost: Cost | None
    cost_text: str | None  # "$0.0012", "~¥0.03", "price unknown"
    first_token: float | None  # seconds from the lane's request to its first token
    total: float  # seconds from the lane's request to its end
    finish_reason: str | None
    error: str | None
    record: TurnRecord | None = None

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    @property
    def answered(self) -> bool:
        """Complete: the server said it finished and nothing went wrong."""
        return self.state == "done" and self.error is None and self.finish_reason is not None

    @property
    def tokens_per_second(self) -> float | None:
        if self.usage is None or self.first_token is None or not self.usage.completion_tokens:
            return None
        generating = self.total - self.first_token
        return self.usage.completion_tokens / generating if generating > 0.05 else None


class LaneListener(Protocol):
    """Who watches the lanes (the multi-pane renderer). Called from the lanes' threads."""

    def lane_event(self, index: int, event: ChatEvent) -> None: ...

    def lane_done(self, index: int, result: LaneResult) -> None: ...


class _Silent:
    def lane_event(self, index: int, event: ChatEvent) -> None:
        pass

    def lane_done(self, index: int, result: LaneResult) -> None:
        pass


def check_count(specs: Sequence[str]) -> None:
    if not MIN_MODELS <= len(specs) <= MAX_MODELS:
        raise UsageError(
            f"compare needs {MIN_MODELS} to {MAX_MODELS} models, not {len(specs)}",
            "name each with -m, e.g. -m deepseek/deepseek-v4-flash -m qwen/qwen-plus",
        )


def lane_session(base: Settings, choice: ModelChoice, history: Conversation) -> ChatSession:
    """A session for one lane: `base`'s settings on `choice`'s provider, the same history.

    The lane asks in its own model's dialect (its requests go through session.request);
    an old name that implies thinking (deepseek-reasoner) sets it, as /model would."""
    base.registry.require_key(choice.provider)
    thinking = base.thinking
    if choice.alias is not None and choice.alias.thinking is not None:
        thinking = "on" if choice.alias.thinking else "off"
    settings = replace(
        base,
        provider=choice.provider,
        model=choice.model,
        switched_provider=False,
        thinking=thinking,
        alias=choice.alias,
    )
    session = ChatSession(settings)
    session.conversation = Conversation(history.system, list(history.exchanges))
    return session


class Comparison:
    """N lanes asked one question concurrently; `run` returns their results in lane order."""

    def __init__(self, lanes: Sequence[ChatSession], question: str) -> None:
        if not question.strip():
            raise UsageError("nothing to send: the message is empty")
        self.lanes = list(lanes)
        self.question = question
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._turns: list[Turn | None] = [None] * len(self.lanes)
        self._first: list[float | None] = [None] * len(self.lanes)
        self._results: list[LaneResult | None] = [None] * len(self.lanes)
        self._started = [0.0] * len(self.lanes)
        self._listener: LaneListener = _Silent()

    def run(self, listener: LaneListener | None = None) -> list[LaneResult]:
        """All lanes at once; KeyboardInterrupt (after keeping the partials) if stopped."""
        import llmchat.wire.client  # noqa: F401  # imported once, outside every lane's clock

        self._listener = listener or _Silent()
        for index, lane in enumerate(self.lanes):
            # Clients and requests (history fitted, tokens counted) first, so every
            # request leaves at the same moment; a lane that cannot start reports it below.
            with contextlib.suppress(LLMChatError):
                lane.client_for(lane.provider)
                self._turns[index] = lane.start_turn(self.question)
        now = time.monotonic()
        self._started = [now] * len(self.lanes)
        threads = [
            threading.Thread(target=self._work, args=(i,), name=f"llmchat-lane-{i}", daemon=True)
            for i in range(len(self.lanes))
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                # A short join in a loop: the main thread must stay free for Ctrl+C.
                while thread.is_alive():
                    thread.join(0.05)
        except KeyboardInterrupt:
            self.stop(threads)
            raise
        return self.results

    @property
    def results(self) -> list[LaneResult]:
        """Every lane's result (a lane still running reads as interrupted)."""
        return [
            result if result is not None else self._settle(i, "interrupted", None)
            for i, result in enumerate(self._results)
        ]

    def stop(self, threads: Sequence[threading.Thread] = ()) -> None:
        """Stop every lane; what each had received is kept, marked interrupted."""
        self._stop.set()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for index in range(len(self.lanes)):
            self._finish(index, "interrupted", None)

    def _work(self, index: int) -> None:
        try:
            session = self.lanes[index]
            session.client_for(session.provider)  # built already, or raises here
            turn = self._turns[index] or session.start_turn(self.question)
            self._turns[index] = turn
            self._started[index] = time.monotonic()
            events = turn.events()
            try:
                for event in events:
                    if self._stop.is_set():
                        break
                    if self._first[index] is None and isinstance(event, TextDelta | ReasoningDelta):
                        self._first[index] = time.monotonic() - self._started[index]
                    self._listener.lane_event(index, event)
            finally:
                # Closing the generator after a break: the turn keeps its partial, interrupted.
                close = getattr(events, "close", None)
                if close is not None:
                    close()
        except LLMChatError as err:
            self._finish(index, "failed", err.one_line())
            return
        except Exception as err:  # a fault stays in its lane; the others go on
            self._finish(index, "failed", f"{type(err).__name__}: {err}")
            return
        stopped = self._stop.is_set() or (turn.state == "interrupted")
        self._finish(index, "interrupted" if stopped else "done", None)

    def _finish(self, index: int, state: str, error: str | None) -> None:
        with self._lock:
            if self._results[index] is not None:
                return
            result = self._settle(index, state, error)
            self._results[index] = result
        self._listener.lane_done(index, result)

    def _settle(self, index: int, state: str, error: str | None) -> LaneResult:
        """The lane's result now: the turn's settled record, or one made from what arrived."""
        from llmchat.engine.pricing import TurnRecord, cost_of, format_cost_text
        from llmchat.engine.tokens import counter_for, estimate_usage

        session = self.lanes[index]
        turn = self._turns[index]
        answer = turn.answer if turn else ""
        reasoning = turn.reasoning if turn else ""
        record = turn.record if turn else None
        if record is None and turn is not None and (answer or reasoning) and state != "failed":
            usage = turn.usage or estimate_usage(
                counter_for(turn.model), turn.messages, answer, reasoning
            )
            price = session.price_of(turn.provider, turn.model)
            record = TurnRecord(turn.provider.name, turn.model, usage, cost_of(usage, price))
        return LaneResult(
            provider=session.provider.name,
            model=session.model,
            answer=answer,
            reasoning=reasoning,
            state=state,
            usage=record.usage if record else None,
            cost=record.cost if record else None,
            cost_text=format_cost_text(record) if record else None,
            first_token=self._first[index],
            total=time.monotonic() - self._started[index],
            finish_reason=turn.finish_reason if turn else None,
            error=error,
            record=record,
        )


def account(session: ChatSession, results: Sequence[LaneResult]) -> None:
    """Every lane's usage into `session`'s ledger: a comparison costs what all lanes cost."""
    for result in results:
        if result.record is None:
            continue
        provider = session.registry.find(result.provider) or session.provider
        session.ledger.add(
            result.provider,
            result.model,
            result.record.usage,
            session.price_of(provider, result.model),
        )
