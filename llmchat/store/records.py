"""One line of a saved chat as JSON and back: `to_json`, `from_json` and their checks.

Pure data, no file I/O, so the writer, the reader and the index share one definition.
The record types, the store's errors and the parameter allow-list are record_types.py's;
they are named here too, for callers that take them with the format (tests, bench/).
"""

from __future__ import annotations

from dataclasses import fields

from llmchat.events import Cost, Usage
from llmchat.store.figures import AnswerFigures
from llmchat.store.record_types import (
    ROLES,
    AmbiguousChatError,
    ChatNotFoundError,
    ClearRecord,
    JsonObject,
    JsonValue,
    MessageRecord,
    MetaRecord,
    PartialRecord,
    Record,
    RecordError,
    StoreError,
    UndoRecord,
    clean_params,
    store_error,
)

__all__ = [
    "MARKLESS_LOCAL_PROVIDERS",
    "SCHEMA_VERSION",
    "AmbiguousChatError",
    "ChatNotFoundError",
    "ClearRecord",
    "Cost",
    "JsonObject",
    "JsonValue",
    "MessageRecord",
    "MetaRecord",
    "PartialRecord",
    "Record",
    "RecordError",
    "StoreError",
    "UndoRecord",
    "Usage",
    "clean_params",
    "from_json",
    "store_error",
    "to_json",
    "usage_from_json",
    "usage_to_json",
]

SCHEMA_VERSION = 1

# A local model's turns cost nothing and say "free (local)", never "$0.00": a saved cost
# carries `"local": true` for them. Lines saved before that mark existed (2026-11-29) held
# a bare zero; from the providers that priced as local then, a zero is read as local.
# History, not a provider list to keep up to date: new lines say so themselves.
MARKLESS_LOCAL_PROVIDERS: frozenset[str] = frozenset(
    {"local", "ollama", "llamacpp", "vllm", "lmstudio"}
)


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


def _put_spend(out: dict[str, JsonValue], usage: Usage | None, cost: Cost | None) -> None:
    """A message's (or a streaming reply's so far) usage and cost, when there are any."""
    if usage is not None:
        out["usage"] = usage_to_json(usage)
    if cost is not None:
        saved: JsonObject = {"amount": cost.amount, "currency": cost.currency}
        if cost.free_local:
            saved["local"] = True
        out["cost"] = saved


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
        _put_spend(out, record.usage, record.cost)
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
        _put_spend(out, record.usage, record.cost)
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


def _spend(obj: dict[str, object], provider: str | None) -> tuple[Usage | None, Cost | None]:
    usage = usage_from_json(obj["usage"]) if obj.get("usage") is not None else None
    cost = _cost(obj["cost"], provider) if obj.get("cost") is not None else None
    return usage, cost


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
        usage, cost = _spend(obj, _opt_str(obj, "provider"))
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
        usage, cost = _spend(obj, None)  # written after the `local` mark: no history
        return PartialRecord(
            text=_opt_str(obj, "text") or "",
            reasoning=_opt_str(obj, "reasoning") or "",
            usage=usage,
            cost=cost,
        )
    raise RecordError(f"unknown record type {kind!r}")
