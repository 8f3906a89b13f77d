"""Reads a streamed chat completion from raw bytes: SSE lines, their JSON, our events.

Why not the SDK's stream: it builds a pydantic object for every chunk (~85 µs each),
which at a local server's 2,000 tokens/s takes most of a core. Here one `json.loads`
per chunk and a bytes-level line split do the same job in a few µs. The SDK still
sends the request (retries, timeouts, status errors); only the body is read here.

No `openai`, no regex, no network: the caller hands in byte blocks and maps its
transport's exceptions. What this module raises is ours (`LLMChatError` subclasses),
with the same one-line messages the SDK path gives, built by the helpers below so both
paths share the words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from llmchat.errors import ApiError, BadResponseError, redact
from llmchat.events import ChatEvent, Finish, ReasoningDelta, TextDelta, Usage

#: DeepSeek sends `reasoning_content`, OpenRouter and vLLM `reasoning`.
REASONING_FIELDS = ("reasoning_content", "reasoning")
MAX_SERVER_MESSAGE = 240
#: What the SDK says when an in-stream error carries no message.
_DEFAULT_STREAM_ERROR = "An error occurred during streaming"
_FIELDS = (b"data", b"event", b"id", b"retry")
_BOM = b"\xef\xbb\xbf"


# --- the words both paths use -----------------------------------------------------------


@dataclass(frozen=True)
class StreamSource:
    """Who is answering, for error messages; `secrets` are redacted from anything shown."""

    label: str
    base_url: str
    secrets: tuple[str | None, ...] = ()


def server_says(message: str, secrets: Iterable[str | None]) -> str:
    """A server's message as one short line, with keys removed (servers echo them)."""
    message = " ".join(redact(message, secrets).split())
    if len(message) > MAX_SERVER_MESSAGE:
        message = message[: MAX_SERVER_MESSAGE - 1] + "…"
    return message


def malformed_chunk_error(source: StreamSource) -> BadResponseError:
    return BadResponseError(
        f"{source.label} sent a malformed chunk (not JSON)",
        "the reply above is incomplete; try again, or check the server",
    )


def no_completion_error(source: StreamSource) -> BadResponseError:
    """Status 200 but no chunk at all: an HTML page, a JSON body, an empty stream."""
    return BadResponseError(
        f"{source.label} answered, but with no chat completion at {source.base_url}",
        "check the base URL (it usually ends in /v1)",
    )


def stream_error(source: StreamSource, error: Any) -> ApiError:
    """An `{"error": …}` object sent inside a 200 stream (overload, moderation, a crash)."""
    message = error.get("message") if isinstance(error, Mapping) else None
    if not isinstance(message, str) or not message:
        message = _DEFAULT_STREAM_ERROR
    return ApiError(f"{source.label}: {server_says(message, source.secrets)}")


# --- bytes to SSE events ------------------------------------------------------------------


class NotAnEventStream(ValueError):
    """The body does not start like server-sent events (an HTML page, a JSON body)."""


def _starts_like_sse(start: bytes) -> bool | None:
    """Whether a body's first bytes can begin an SSE stream; None: too few to tell yet."""
    if start[:1] == b":":
        return True
    line = start.split(b"\n", 1)[0].split(b"\r", 1)[0]
    name, colon, _ = line.partition(b":")
    if colon or len(line) < len(start):
        return name in _FIELDS
    if any(field.startswith(name) for field in _FIELDS):
        return None
    return False


class SSEDecoder:
    """Incremental SSE parser: `feed(bytes)` returns the events whose blank line arrived.

    An event is `(event name or None, data bytes)`. Lines end in LF, CRLF or CR, any of
    them split across blocks; bytes stay bytes until `json.loads`, so a UTF-8 character
    split across network reads needs no care. Comments and `id:`/`retry:` are dropped;
    an event without data is not dispatched, nor one the body ends before its blank
    line (the SSE spec; the SDK does the same).
    """

    __slots__ = ("_data", "_event", "_parts", "_started")

    def __init__(self) -> None:
        self._parts: list[bytes] = []  # an unfinished line, possibly ending in a lone CR
        self._data: list[bytes] = []
        self._event: bytes | None = None
        self._started = False

    def feed(self, block: bytes) -> list[tuple[bytes | None, bytes]]:
        """Raises NotAnEventStream when the body's first line cannot be SSE."""
        if not self._started:
            return self._feed_start(block)
        if b"\n" not in block and b"\r" not in block:
            self._parts.append(block)  # a long line arriving piecemeal: join once
            return []
        if self._parts:
            self._parts.append(block)
            block = b"".join(self._parts)
            self._parts.clear()
        if b"\r" in block:
            held = b""
            if block[-1:] == b"\r":  # a CRLF may be split across blocks: decide later
                block, held = block[:-1], b"\r"
            block = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            lines = block.split(b"\n")
            rest = lines.pop() + held
        else:
            lines = block.split(b"\n")
            rest = lines.pop()
        if rest:
            self._parts.append(rest)
        return self._lines(lines)

    def _feed_start(self, block: bytes) -> list[tuple[bytes | None, bytes]]:
        """Before the first line: skip a BOM and blank lines, refuse what is not SSE.

        Refusing early means an HTML page or a JSON body is not read to its end.
        """
        self._parts.append(block)
        start = b"".join(self._parts)
        if start.startswith(_BOM):
            start = start[3:]
        start = start.lstrip(b"\r\n")
        if not start:
            return []
        verdict = _starts_like_sse(start)
        if verdict is None:
            return []  # "da": wait for more
        if not verdict:
            raise NotAnEventStream(start[:80])
        self._parts.clear()
        self._started = True
        return self.feed(start)

    def _lines(self, lines: list[bytes]) -> list[tuple[bytes | None, bytes]]:
        events: list[tuple[bytes | None, bytes]] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append((self._event, data[0] if len(data) == 1 else b"\n".join(data)))
                    data = self._data = []
                self._event = None
            elif line[:5] == b"data:":
                data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif line[:1] == b":":
                continue
            else:
                name, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if name == b"event":
                    self._event = value
                elif name == b"data":  # "data" alone: an empty data line
                    data.append(b"")
                # id, retry and unknown fields: nothing a chat reply needs
        return events


# --- SSE events to chat events ------------------------------------------------------------


class ChatStreamReader:
    """Turns the byte blocks of one streamed reply into ChatEvents, ending with a Finish.

    Reads what the SDK path reads: choice 0's `content`, `reasoning_content` and
    `reasoning`, its `finish_reason`, the chunk's `usage` (cached and reasoning tokens
    included, via pricing.parse_usage), the model name. Raises only `LLMChatError`s of
    its own making; whatever the block iterator raises (timeouts, a cut connection)
    passes through for the caller to map, and `chunks` then tells it whether the reply
    had started (a stall mid-reply reads differently from no answer at all).
    """

    def __init__(self, source: StreamSource) -> None:
        self.source = source
        self.chunks = 0

    def events(self, blocks: Iterable[bytes]) -> Iterator[ChatEvent]:
        # The hot path: one pass per chunk, no per-chunk helper calls or objects beyond
        # json.loads and the events themselves (see bench/stream_bench.py).
        decoder = SSEDecoder()
        loads = json.loads
        finish: Finish | None = None
        try:
            for block in blocks:
                for event, data in decoder.feed(block):
                    if data[:6] == b"[DONE]":
                        yield from self._end(finish)
                        return  # the rest of the body, if any, is not read
                    try:
                        chunk = loads(data)
                    except ValueError as exc:  # JSONDecodeError, and UTF-8 that is not
                        raise malformed_chunk_error(self.source) from exc
                    if type(chunk) is not dict:
                        raise malformed_chunk_error(self.source)
                    if event is not None or "error" in chunk:
                        self._check_error(event, chunk)
                    self.chunks += 1
                    choices = chunk.get("choices")
                    # Choice 0 only: with n > 1 the other choices are not this reply.
                    choice = choices[0] if choices and type(choices) is list else None
                    if type(choice) is dict and choice.get("index", 0) == 0:
                        delta = choice.get("delta")
                        if delta and type(delta) is dict:
                            if "reasoning_content" in delta or "reasoning" in delta:
                                yield from _reasoning(delta)
                            content = delta.get("content")
                            if content and type(content) is str:
                                yield TextDelta(content)
                        reason = choice.get("finish_reason")
                        if reason and type(reason) is str:
                            finish = Finish(reason, chunk.get("model"))
                    usage = chunk.get("usage")
                    if usage is not None:
                        yield from _usage(usage)
        except NotAnEventStream as exc:
            raise no_completion_error(self.source) from exc
        yield from self._end(finish)

    def _end(self, finish: Finish | None) -> Iterator[ChatEvent]:
        if not self.chunks:
            raise no_completion_error(self.source)
        yield finish or Finish(None)

    def _check_error(self, event: bytes | None, chunk: dict[str, Any]) -> None:
        if chunk.get("error"):
            raise stream_error(self.source, chunk["error"])
        if event == b"error":
            raise stream_error(self.source, chunk)


def _reasoning(delta: Mapping[str, Any]) -> Iterator[ReasoningDelta]:
    for name in REASONING_FIELDS:
        thought = delta.get(name)
        if thought and isinstance(thought, str):
            yield ReasoningDelta(thought)


def _usage(raw: Any) -> Iterator[Usage]:
    from llmchat.engine.pricing import parse_usage

    usage = parse_usage(raw if isinstance(raw, Mapping) else None)
    if usage is not None:
        yield usage
