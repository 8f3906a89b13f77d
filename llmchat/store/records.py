"""What one line of a saved chat means: the record types, their JSON form and their checks,
plus the store's errors.

Pure data, no file I/O, so the store, the loader and the exporters share one definition.
Keys cannot reach disk through here: `params` passes an allow-list of generation
parameters, and there is no field that could hold a header or a key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeAlias

from llmchat.errors import EXIT_USAGE, LLMChatError, UsageError, redact
from llmchat.events import Cost, Usage
from llmchat.store.figures import AnswerFigures

SCHEMA_VERSION = 1
ROLES = ("system", "user", "assistant")

# A local model's turns cost nothing and say "free (local)", never "$0.00": a saved cost
# carries `"local": true` for them. Lines saved before that mark existed (2026-11-29) held
# a bare zero; from the providers that priced as local then, a zero is read as local.
# History, not a provider list to keep up to date: new lines say so themselves.
MARKLESS_LOCAL_PROVIDERS: frozenset[str] = frozenset(
    {"local", "ollama", "llamacpp", "vllm", "lmstudio"}
)

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
    marked interrupted. The reply's own message line (or an undo) supersedes them."""

    text: str = ""
    reasoning: str = ""


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


def usage_to_json(usage: Usage) -> dict[str, JsonValue]:
    return {f.name: getattr(usage, f.name) for f in fields(usage)}


def usage_from_json(obj: object) -> Usage:
    if not isinstance(obj, dict):
        raise RecordError("usage is not an object")
    values: dict[str, int | bool] = {}
    for f in fields(Usage):
        if f.name not in obj:
            continue
        value = obj[f.name]
        if f.name == "estimated":
            if not isinstance(value, bool):
                raise RecordError("usage.estimated is not a boolean")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RecordError(f"usage.{f.name} is not a token count")
        values[f.name] = value
    return Usage(**values)  # type: ignore[arg-type]  # checked per field above


def to_json(record: Record) -> dict[str, JsonValue]:
    """The dict written as one line; optional fields appear only when they say something."""
    out: dict[str, JsonValue] = {"v": SCHEMA_VERSION}
    if isinstance(record, MetaRecord):
        out["type"] = "meta"
        for name in ("id", "created", "provider", "model"):
            value = getattr(record, name)
            if value is not None:
                out[name] = value
        if record.params is not None:
            out["params"] = record.params
        if record.title_set:
            out["title"] = record.title
        if record.role_set:
            out["role"] = record.role
    elif isinstance(record, MessageRecord):
        out["type"] = "message"
        out["role"] = record.role
        out["content"] = record.content
        out["ts"] = record.ts
        out["provider"] = record.provider
        out["model"] = record.model
        if record.params:
            out["params"] = record.params
        if record.usage is not None:
            out["usage"] = usage_to_json(record.usage)
        if record.cost is not None:
            cost: JsonObject = {"amount": record.cost.amount, "currency": record.cost.currency}
            if record.cost.free_local:
                cost["local"] = True
            out["cost"] = cost
        if record.reasoning:
            out["reasoning"] = record.reasoning
        if record.interrupted:
            out["interrupted"] = True
        if record.alternative:
            out["alternative"] = True
        if record.error:
            out["error"] = record.error
        if record.figures is not None:
            out["figures"] = record.figures.to_json()
    elif isinstance(record, PartialRecord):
        out["type"] = "partial"
        if record.text:
            out["text"] = record.text
        if record.reasoning:
            out["reasoning"] = record.reasoning
    elif isinstance(record, ClearRecord):
        out["type"] = "clear"
        if record.ts:
            out["ts"] = record.ts
    else:
        out["type"] = "undo"
        if record.ts:
            out["ts"] = record.ts
    return out


def _opt_str(obj: dict[str, object], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise RecordError(f"{key} is not a string")
    return value


def _opt_params(obj: dict[str, object]) -> JsonObject | None:
    if "params" not in obj or obj["params"] is None:
        return None
    if not isinstance(obj["params"], dict):
        raise RecordError("params is not an object")
    # Re-cleaned on the way in too: a hand-edited file cannot smuggle a key into a request.
    return clean_params(obj["params"])


def _figures(obj: object) -> AnswerFigures | None:
    try:
        return AnswerFigures.from_json(obj) if obj else None
    except ValueError as err:
        raise RecordError(str(err)) from None


def _cost(raw: object, provider: str | None) -> Cost:
    """A saved cost; `local` marks a local model's (see MARKLESS_LOCAL_PROVIDERS)."""
    if not isinstance(raw, dict):
        raise RecordError("cost is not an object")
    amount, currency = raw.get("amount"), raw.get("currency")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise RecordError("cost.amount is not a number")
    if not isinstance(currency, str):
        raise RecordError("cost.currency is not a string")
    local = raw.get("local")
    if local is None:
        local = amount == 0 and provider in MARKLESS_LOCAL_PROVIDERS
    elif not isinstance(local, bool):
        raise RecordError("cost.local is not a boolean")
    return Cost(float(amount), currency, free_local=local)


def from_json(obj: object) -> Record:
    """The record a decoded line holds; RecordError says why it is not one."""
    if not isinstance(obj, dict):
        raise RecordError("not a JSON object")
    version = obj.get("v", SCHEMA_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise RecordError("schema version is not a number")
    if version > SCHEMA_VERSION:
        raise RecordError(f"written by a newer llmchat (schema v{version})")
    kind = obj.get("type")
    if kind == "meta":
        return MetaRecord(
            id=_opt_str(obj, "id"),
            created=_opt_str(obj, "created"),
            provider=_opt_str(obj, "provider"),
            model=_opt_str(obj, "model"),
            params=_opt_params(obj),
            title=_opt_str(obj, "title"),
            title_set="title" in obj,
            role=_opt_str(obj, "role"),
            role_set="role" in obj,
        )
    if kind == "message":
        role = obj.get("role")
        if role not in ROLES:
            raise RecordError(f"unknown role {role!r}")
        content = obj.get("content")
        if not isinstance(content, str):
            raise RecordError("content is not a string")
        usage = usage_from_json(obj["usage"]) if obj.get("usage") is not None else None
        cost = (
            _cost(obj["cost"], _opt_str(obj, "provider")) if obj.get("cost") is not None else None
        )
        interrupted = obj.get("interrupted", False)
        alternative = obj.get("alternative", False)
        if not isinstance(interrupted, bool) or not isinstance(alternative, bool):
            raise RecordError("interrupted or alternative is not a boolean")
        return MessageRecord(
            role=str(role),
            content=content,
            ts=_opt_str(obj, "ts") or "",
            provider=_opt_str(obj, "provider"),
            model=_opt_str(obj, "model"),
            params=_opt_params(obj),
            usage=usage,
            cost=cost,
            reasoning=_opt_str(obj, "reasoning"),
            interrupted=interrupted,
            alternative=alternative,
            error=_opt_str(obj, "error"),
            figures=_figures(obj.get("figures")),
        )
    if kind == "clear":
        return ClearRecord(ts=_opt_str(obj, "ts"))
    if kind == "undo":
        return UndoRecord(ts=_opt_str(obj, "ts"))
    if kind == "partial":
        return PartialRecord(
            text=_opt_str(obj, "text") or "", reasoning=_opt_str(obj, "reasoning") or ""
        )
    raise RecordError(f"unknown record type {kind!r}")
