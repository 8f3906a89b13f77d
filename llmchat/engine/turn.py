"""Turn: one question on its way, from the request to what is kept of the reply.

Iterate `events()`; the turn collects the answer, reasoning, usage and finish as they
pass, and on the way out tells its session what happened: completed (kept), interrupted
or cut off (what arrived is kept, marked), or failed before any reply (the question is
taken back for /retry). The request itself is built by structured/shaping.py.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmchat.engine.pieces import TextPieces
from llmchat.events import (
    ChatEvent,
    Finish,
    ReadPacer,
    ReasoningDelta,
    TextDelta,
    TurnStats,
    Usage,
)
from llmchat.providers.records import Provider

if TYPE_CHECKING:
    from llmchat.engine.pricing import TurnRecord
    from llmchat.engine.session import ChatSession
    from llmchat.engine.tokens import TokenCounter


PROGRESS_SECONDS = 1.0
"""How often a streaming reply's new pieces are saved (see Turn._save_progress); the
first piece is saved as it arrives, before it is drawn."""


@dataclass
class Turn:
    """One question on its way: iterate `events()`, then read the outcome."""

    session: ChatSession
    question: str
    provider: Provider
    model: str
    messages: list[dict[str, str]]
    thinking: str | None = None
    notes: list[str] = field(default_factory=list)
    # Pieces, joined on demand (engine/pieces.py says why not a list or `+=`).
    _answer: TextPieces = field(default_factory=TextPieces)
    _reasoning: TextPieces = field(default_factory=TextPieces)
    usage: Usage | None = None
    finish_reason: str | None = None
    state: str = "new"  # new -> running -> done | interrupted | failed
    warnings: list[str] = field(default_factory=list)
    plain: bool = False  # a /check: plain text, whatever the session's output options
    # The turn's own results once it is kept: settled usage (the server's, or counted
    # locally) and its cost; None while running or when it failed.
    record: TurnRecord | None = None
    _events: Generator[ChatEvent, None, None] | None = None
    # How many characters of the answer and reasoning the recorder has (see _save_progress),
    # and their tokens as counted so far, piece by piece (see _progress_record).
    _saved: tuple[int, int] = (0, 0)
    _counted: tuple[int, int] = (0, 0)
    _prompt_tokens: int | None = None
    _counter: TokenCounter | None = None  # one per turn: its pieces counted alike
    _next_save: float = 0.0

    @property
    def answer(self) -> str:
        return self._answer.text()

    @property
    def reasoning(self) -> str:
        return self._reasoning.text()

    @property
    def incomplete(self) -> bool:
        """The stream ended without the server saying it was finished."""
        return self.state == "done" and self.finish_reason is None

    def events(self, pacer: ReadPacer | None = None) -> Iterator[ChatEvent]:
        """The reply's events as they arrive; `pacer` paces the network reads (see
        events.ReadPacer)."""
        from llmchat.engine.think_tags import split_think_tags
        from llmchat.structured.shaping import build_request

        request = build_request(self)
        self.state = "running"
        client = self.session.client_for(self.provider)
        self._events = split_think_tags(client.events(request, pacer))
        self._next_save = 0.0  # the first piece at once: what was drawn is on disk
        try:
            for event in self._events:
                if isinstance(event, TextDelta):
                    self._answer.append(event.text)
                    self._save_progress()
                elif isinstance(event, ReasoningDelta):
                    self._reasoning.append(event.text)
                    self._save_progress()
                elif isinstance(event, Usage):
                    self.usage = event
                elif isinstance(event, Finish):
                    self.finish_reason = event.reason
                yield event
        except KeyboardInterrupt:
            self.interrupt()
            raise
        except GeneratorExit:
            self.interrupt()
            raise
        except Exception:
            self._fail()
            raise
        self._complete()

    def _save_progress(self) -> None:
        """The first piece, then about once a second, hand the recorder what arrived since
        the last time, so a SIGKILL or a dropped SSH session mid-reply loses at most that
        second; with it the usage and cost a Ctrl+C now would save, so a killed reply is
        listed with its tokens like an interrupted one."""
        recorder = self.session.recorder
        if recorder is None or time.monotonic() < self._next_save:
            return
        self._next_save = time.monotonic() + PROGRESS_SECONDS
        answered, reasoned = self._saved
        self._saved = (self._answer.length, self._reasoning.length)
        text, reasoning = self._answer.text(answered), self._reasoning.text(reasoned)
        record = self._progress_record(text, reasoning)
        recorder.record_progress(self.session, text, reasoning, record)

    def _progress_record(self, text: str, reasoning: str) -> TurnRecord:
        """The reply's usage so far, as `ChatSession.account` would settle it, and its cost.

        Only the new pieces are counted (a long reply costs no more each second than a
        short one); a word cut between two pieces may count twice: an estimate, marked so.
        """
        from llmchat.engine.pricing import settle
        from llmchat.engine.tokens import counter_at_hand

        counter = self._counter = self._counter or counter_at_hand(self.model)
        if self._prompt_tokens is None:
            self._prompt_tokens = counter.count_messages(self.messages)  # counted when fitted
        answer_tokens, reasoning_tokens = self._counted
        answer_tokens += counter.count(text, remember=False)
        reasoning_tokens += counter.count(reasoning, remember=False)
        self._counted = (answer_tokens, reasoning_tokens)
        usage = self.usage or Usage(
            prompt_tokens=self._prompt_tokens,
            completion_tokens=answer_tokens + reasoning_tokens,
            reasoning_tokens=reasoning_tokens,
            estimated=True,
        )
        price = self.session.price_of(self.provider, self.model)
        return settle(self.provider.name, self.model, usage, price)

    def interrupt(self) -> None:
        """Stop here: keep what arrived, marked interrupted (idempotent). A turn stopped
        before its request was sent fails: the question waits for /retry."""
        if self.state not in ("new", "running"):
            return
        if self._events is not None:
            self._events.close()  # closes the HTTP response too
        if self._answer or self._reasoning:
            self.state = "interrupted"
            self.session.keep(self, interrupted=True)
        else:
            self._fail()
            self.state = "interrupted"

    def _fail(self) -> None:
        """The request failed. A reply cut short by the network or a stall is kept like
        an interrupted one (marked; /retry replaces it); with nothing received, the
        question is taken back for /retry."""
        if self._answer or self._reasoning:
            self.state = "failed"
            self.session.keep(self, interrupted=True)
            return
        self.state = "failed"
        self.session.forget(self)

    def _complete(self) -> None:
        self.state = "done"
        if self.finish_reason == "length":
            self.warnings.append(
                "the reply hit the token limit (finish_reason: length); raise max_tokens "
                "for a longer answer"
            )
        elif self.finish_reason == "content_filter":
            self.warnings.append("the provider's content filter stopped the reply")
        elif self.finish_reason is None:
            self.warnings.append("the reply may be incomplete: the stream ended without a finish")
        self.session.keep(self, interrupted=False)

    def stats(self) -> TurnStats:
        from llmchat.engine.pricing import format_cost_text

        record = self.record
        return TurnStats(
            usage=record.usage if record else None,
            cost=format_cost_text(record) if record else None,
            interrupted=self.state == "interrupted",
        )
