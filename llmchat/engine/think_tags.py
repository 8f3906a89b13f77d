"""Turns `<think>…</think>` at the start of a reply into reasoning events.

R1-style models served by Ollama, SiliconFlow or llama.cpp put their thinking inside
the content. It must be shown as thinking and never saved or sent back as the answer,
so the split happens in the engine, before any renderer or store sees the text.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

from llmchat.events import ChatEvent, ReasoningDelta, TextDelta

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


class ThinkSplitter:
    """A small state machine fed content deltas; tags may be split across chunks."""

    def __init__(self) -> None:
        self._state = "start"  # start -> thinking -> after_think -> answer
        self._pending = ""

    def feed(self, text: str) -> list[ChatEvent]:
        if self._state == "after_think":
            # The blank lines between "</think>" and the answer may come in later chunks.
            text = text.lstrip("\n")
            if not text:
                return []
            self._state = "answer"
        if self._state == "answer":
            return [TextDelta(text)] if text else []
        self._pending += text
        if self._state == "start":
            stripped = self._pending.lstrip()
            if not stripped:
                return []
            if OPEN_TAG.startswith(stripped):
                return []  # could still become "<think>"
            if not stripped.startswith(OPEN_TAG):
                self._state = "answer"
                out, self._pending = self._pending, ""
                return [TextDelta(out)]
            self._state = "thinking"
            self._pending = stripped[len(OPEN_TAG) :]
        return self._drain_thinking()

    def _drain_thinking(self) -> list[ChatEvent]:
        end = self._pending.find(CLOSE_TAG)
        if end >= 0:
            thought = self._pending[:end]
            rest = self._pending[end + len(CLOSE_TAG) :].lstrip("\n")
            self._pending = ""
            self._state = "answer" if rest else "after_think"
            events: list[ChatEvent] = []
            if thought:
                events.append(ReasoningDelta(thought))
            if rest:
                events.append(TextDelta(rest))
            return events
        # Keep back a tail that might be the start of "</think>".
        keep = 0
        for size in range(min(len(CLOSE_TAG) - 1, len(self._pending)), 0, -1):
            if CLOSE_TAG.startswith(self._pending[-size:]):
                keep = size
                break
        emit = self._pending[: len(self._pending) - keep]
        self._pending = self._pending[len(self._pending) - keep :]
        return [ReasoningDelta(emit)] if emit else []

    def flush(self) -> list[ChatEvent]:
        """At the end of the stream: whatever is held back is what it looked like."""
        pending, self._pending = self._pending, ""
        if not pending:
            return []
        if self._state == "thinking":
            return [ReasoningDelta(pending)]
        return [TextDelta(pending)]


def split_think_tags(events: Iterable[ChatEvent]) -> Generator[ChatEvent, None, None]:
    """Pass events through, rerouting a leading `<think>` block of the text to reasoning."""
    splitter = ThinkSplitter()
    for event in events:
        if isinstance(event, TextDelta):
            yield from splitter.feed(event.text)
        else:
            if not isinstance(event, ReasoningDelta):
                yield from splitter.flush()
            yield event
    yield from splitter.flush()
