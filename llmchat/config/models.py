"""`[models."name"]` tables in config.toml: next month's model without a release.

Each table may give `context`, prices (`input`, `output`, `cached_input`, `currency`),
`thinking` (a dialect family: how to switch its thinking), `thinking_budget` (tokens of
thinking to allow when it thinks, for a dialect that takes a cap: Qwen's
`thinking_budget`), `extra_body` (a table merged into every request for that model) and
`alias_of` (send this other name instead). Read
into the same records as the built-in catalog, so a Doubao `ep-…` endpoint ID gets a
price and a window exactly as a listed model does.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from llmchat.errors import ConfigError
from llmchat.providers.dialects import DIALECTS
from llmchat.providers.records import ModelInfo, Price

MODEL_KEYS = (
    "context", "input", "output", "cached_input", "currency", "thinking", "thinking_budget",
    "extra_body", "alias_of",
)  # fmt: skip


@dataclass(frozen=True)
class ModelTable:
    """One `[models."name"]` table, checked; None means "not given: keep the catalog's"."""

    name: str
    context: int | None = None
    price: Price | None = None
    thinking: str | None = None
    thinking_budget: int | None = None
    extra_body: tuple[tuple[str, object], ...] = ()
    alias_of: str | None = None

    def apply(self, info: ModelInfo) -> ModelInfo:
        """`info` with what this table says laid over it."""
        return replace(
            info,
            context=self.context if self.context is not None else info.context,
            price=self.price if self.price is not None else info.price,
            thinking=self.thinking if self.thinking is not None else info.thinking,
            thinking_budget=(
                self.thinking_budget if self.thinking_budget is not None else info.thinking_budget
            ),
            extra_body=(*info.extra_body, *self.extra_body),
        )


def parse_model_tables(raw: object, where: str) -> dict[str, ModelTable]:
    """All `[models."name"]` tables; a misspelt key or a wrong type is a ConfigError."""
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ConfigError(f'{where}: [models] must be tables, like [models."model-name"]')
    return {name: _parse_one(name, table, f"{where}: models.{name}") for name, table in raw.items()}


def _parse_one(name: str, table: Mapping[str, Any], where: str) -> ModelTable:
    for key in table:
        if key not in MODEL_KEYS:
            close = difflib.get_close_matches(key, MODEL_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(MODEL_KEYS)}"
            raise ConfigError(f"{where}: unknown setting {key!r}", hint)
    context = table.get("context")
    if context is not None and (isinstance(context, bool) or not isinstance(context, int)):
        raise ConfigError(f"{where}.context must be a whole number of tokens")
    thinking = table.get("thinking")
    if thinking is not None and thinking not in DIALECTS:
        raise ConfigError(
            f"{where}.thinking: unknown dialect {thinking!r}", f"known: {', '.join(DIALECTS)}"
        )
    budget = table.get("thinking_budget")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or budget < 1
    ):
        raise ConfigError(f"{where}.thinking_budget must be a whole number of tokens (1 or more)")
    extra = table.get("extra_body", {})
    if not isinstance(extra, dict):
        raise ConfigError(f"{where}.extra_body must be a table", "e.g. extra_body = { top_k = 20 }")
    alias_of = table.get("alias_of")
    if alias_of is not None and (not isinstance(alias_of, str) or not alias_of.strip()):
        raise ConfigError(f"{where}.alias_of must be a model name")
    return ModelTable(
        name=name,
        context=context,
        price=_price(table, where),
        thinking=thinking,
        thinking_budget=budget,
        extra_body=tuple(extra.items()),
        alias_of=alias_of.strip() if alias_of else None,
    )


def _price(table: Mapping[str, Any], where: str) -> Price | None:
    if "input" not in table and "output" not in table:
        return None
    try:
        inp, out = float(table["input"]), float(table["output"])
        cached = table.get("cached_input")
        cached_f = float(cached) if cached is not None else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: a price needs numbers input and output (per 1M tokens)", "e.g. input = 0.5"
        ) from exc
    currency = str(table.get("currency", "USD")).upper()
    return Price(inp, out, cached_f, currency, checked="config", source="config.toml")
