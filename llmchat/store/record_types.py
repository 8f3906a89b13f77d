"""The records a saved chat is made of, and the store's errors: plain frozen data.

What each kind of line means lives here; how it is written as JSON and read back is
records.py's. Keys cannot reach disk through here: `params` passes an allow-list of
generation parameters, and there is no field that could hold a header or a key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from llmchat.errors import EXIT_USAGE, LLMChatError, UsageError, redact
from llmchat.events import Cost, Usage
from llmchat.store.figures import AnswerFigures

ROLES = ("system", "user", "assistant")

# Generation parameters worth remembering with a chat. Anything else a caller passes
# (an "api_key", "headers", "extra_headers", a base_url...) is dropped: an allow-list
# cannot be outgrown by a new way of leaking a key, a deny-list can.
ALLOWED_PARAMS: frozenset[str] = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "presence_penalty",
        "frequency_penalty",
        "seed",
        "stop",
        # reasoning switches, as the various servers spell them
        "reasoning_effort",
        "reasoning",
        "thinking",
        "enable_thinking",
        "thinking_budget",
        "include_reasoning",
    }
)

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
# The saved (JSON) form of config.JsonObject plus allow-listed vendor extras.
JsonObject: TypeAlias = "dict[str, JsonValue]"


class StoreError(LLMChatError):
    """Saving or reading a chat failed (disk full, permissions): the chat goes on unsaved.

    Where it ends the command instead (`-c` into a read-only data dir, `chats delete`),
    the exit status is 2, the one for a setting to fix: the API did not fail."""

    exit_code = EXIT_USAGE


class ChatNotFoundError(UsageError, StoreError):
    """No saved chat has that id or id prefix."""


class AmbiguousChatError(UsageError, StoreError):
    """An id prefix matches more than one chat; the hint lists them."""


def store_error(action: str, path: Path, exc: OSError) -> StoreError:
    reason = exc.strerror or str(exc)
    return StoreError(
        f"could not {action} {path}: {reason}",
        "check free space and permissions there, or run with --no-save",
    )


class RecordError(ValueError):
    """A line that is valid JSON but not a record we understand; the reason is user-facing."""


@dataclass(frozen=True)
class MetaRecord:
    """Chat-level facts. The first line holds all of them; later ones only what changed.

    `title_set` tells "title: null" (back to the automatic title) from "no title field".
    """

    id: str | None = None
    created: str | None = None
    provider: str | None = None
    model: str | None = None
    params: JsonObject | None = None
    title: str | None = None
    title_set: bool = False
    #: The role in force from here on; `role_set` tells "role: null" (dropped) from absent.
    role: str | None = None
    role_set: bool = False


@dataclass(frozen=True)
class MessageRecord:
    """One message as it happened, with what produced it and what it cost."""

    role: str
    content: str
    ts: str
    provider: str | None = None
    model: str | None = None
    params: JsonObject | None = None
    usage: Usage | None = None
    cost: Cost | None = None
    reasoning: str | None = None
    interrupted: bool = False
    #: One of several models' answers to the question before it (`/compare`): shown in
    #: `chats show` and export, never replayed; the reply picked is saved again, plainly.
    alternative: bool = False
    #: A compared answer that failed: its one-line reason (the content is what arrived).
    error: str | None = None
    #: A compared answer's scoreboard figures.
    figures: AnswerFigures | None = None

    @property
    def answers(self) -> bool:
        """An assistant message that says something: a compared model that failed before
        its first word does not make its question answered."""
        return self.role == "assistant" and (bool(self.content) or self.error is None)


@dataclass(frozen=True)
class ClearRecord:
    """The REPL's /clear: replay forgets what came before; the file keeps it."""

    ts: str | None = None


@dataclass(frozen=True)
class UndoRecord:
    """The REPL's /undo: replay drops the last question and its answer."""

    ts: str | None = None


@dataclass(frozen=True)
class PartialRecord:
    """Pieces of a reply still streaming (text and reasoning since the last such line),
    written about once a second while it arrives: if llmchat is killed mid-reply (SIGKILL,
    a closed SSH session, a power cut) the reader keeps what these hold as the reply,
    marked interrupted. The reply's own message line (or an undo) supersedes them.

    `usage` and `cost` are the whole reply's so far, not this piece's: what a Ctrl+C at
    that moment would have saved (estimated). The last line's are the killed reply's;
    lines written before they existed (2026-11-30) have none: its tokens are unknown."""

    text: str = ""
    reasoning: str = ""
    usage: Usage | None = None
    cost: Cost | None = None


Record: TypeAlias = "MetaRecord | MessageRecord | ClearRecord | UndoRecord | PartialRecord"


def _clean_value(value: object, depth: int = 0) -> JsonValue:
    """A JSON-safe copy of a parameter value; raises ValueError for anything else."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if isinstance(value, str):
        # A generation parameter has no business holding a key; if one got here by
        # mistake, it is masked rather than saved.
        return redact(value)
    if depth < 2 and isinstance(value, list | tuple):
        return [_clean_value(item, depth + 1) for item in value]
    if depth < 2 and isinstance(value, dict):
        return {str(k): _clean_value(v, depth + 1) for k, v in value.items()}
    raise ValueError(f"unsupported type {type(value).__name__}")


def clean_params(params: object) -> JsonObject:
    """Keep only allow-listed generation parameters with plain JSON values, None dropped.

    Accepts a mapping or an object with `as_dict()` (config.Params), so callers can
    pass what they hold. Unknown names and odd values are dropped silently: saving a
    chat must never fail, or leak, because of a parameter.
    """
    if params is None:
        return {}
    as_dict = getattr(params, "as_dict", None)
    raw = as_dict() if callable(as_dict) else params
    if not isinstance(raw, dict):
        return {}
    out: JsonObject = {}
    for name, value in raw.items():
        if name not in ALLOWED_PARAMS or value is None:
            continue
        try:
            out[name] = _clean_value(value)
        except ValueError:
            continue
    return out
