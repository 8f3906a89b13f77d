"""Usage records and what they cost: per turn, per chat, per currency.

Pure arithmetic over `Usage` and `Price`; knows nothing of the screen or the SDK. A model
without a known price stays "price unknown": a cost of zero is only ever a real price.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from llmchat.events import Cost, Usage

if TYPE_CHECKING:  # names only: `chats` and `usage` format money without the presets
    from llmchat.providers.presets import Price, Provider

PER_TOKENS = 1_000_000  # prices are quoted per million tokens

_SYMBOLS = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£"}


def _count(value: object) -> int | None:
    """A token count from JSON, or None when absent; junk and negatives read as 0."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, float) and math.isfinite(value):
        return max(0, int(value))
    return 0


def _detail(raw: Mapping[str, Any], field: str, key: str) -> int | None:
    details = raw.get(field)
    return _count(details.get(key)) if isinstance(details, Mapping) else None


def parse_usage(raw: Mapping[str, Any] | None) -> Usage | None:
    """The server's usage object (as `chunk.usage.model_dump()`) as our `Usage`.

    Reads OpenAI's `prompt_tokens_details.cached_tokens` and
    `completion_tokens_details.reasoning_tokens`, and DeepSeek's top-level
    `prompt_cache_hit_tokens`. Missing or null fields count as zero; a usage with no
    counts at all is None, so the caller estimates instead of recording zeros.
    """
    if not raw:
        return None
    prompt = _count(raw.get("prompt_tokens"))
    completion = _count(raw.get("completion_tokens"))
    total = _count(raw.get("total_tokens"))
    if prompt is None and completion is None and total is None:
        return None
    if prompt is None and total is not None:
        # A few servers send only total and completion.
        prompt = max(0, total - (completion or 0))
    prompt = prompt or 0
    completion = completion or 0

    cached = _detail(raw, "prompt_tokens_details", "cached_tokens")
    if not cached:
        cached = _count(raw.get("prompt_cache_hit_tokens"))
    reasoning = _detail(raw, "completion_tokens_details", "reasoning_tokens")
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        # A hit can't exceed the prompt; clamp so cost never bills more than was sent.
        cached_tokens=min(cached or 0, prompt),
        reasoning_tokens=reasoning or 0,
    )


def cost_of(usage: Usage, price: Price | None) -> Cost | None:
    """What `usage` costs at `price`; None when the price is unknown.

    Cached prompt tokens are billed at `cached_input` (at `input` when the price list has
    no cache rate), the rest of the prompt at `input`, and the whole completion, which
    includes any reasoning tokens, at `output`.
    """
    if price is None:
        return None
    if price.free_local:
        return Cost(0.0, price.currency, free_local=True)
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    amount = (
        (usage.prompt_tokens - cached) * price.input
        + cached * cached_rate
        + usage.completion_tokens * price.output
    ) / PER_TOKENS
    return Cost(amount, price.currency)


def format_money(amount: float, currency: str, *, approx: bool = False) -> str:
    """`amount` for people: "$0.0012", "¥0.034", "$1.25", "~$0.50", "0.12 CHF".

    Two significant digits below one unit (up to six decimals), cents above; a positive
    amount too small to show is "<$0.000001", never a misleading "$0.00".
    """
    prefix = "~" if approx else ""
    symbol = _SYMBOLS.get(currency)
    magnitude = abs(amount)
    if 0 < magnitude < 0.000_001:
        text, prefix = "0.000001", "<"
    elif magnitude == 0 or magnitude >= 1:
        text = f"{magnitude:,.2f}"
    else:
        decimals = min(6, max(2, 1 - math.floor(math.log10(magnitude))))
        text = f"{magnitude:.{decimals}f}"
    sign = "-" if amount < 0 else ""
    if symbol is not None:
        return f"{prefix}{sign}{symbol}{text}"
    return f"{prefix}{sign}{text} {currency}"


def format_tokens(n: int, *, approx: bool = False) -> str:
    """A token count with thousands separators, "~" marking a local estimate."""
    return f"{'~' if approx else ''}{n:,}"


def price_for(provider: Provider, model: str, overrides: Mapping[str, Price]) -> Price | None:
    """The price of `model` at `provider`, None when nobody knows it.

    Prices from config.toml win: "provider/model" first, then the bare "model", then the
    preset. A model another provider also serves does not borrow that provider's price:
    relays and routers bill differently.
    """
    for key in (f"{provider.name}/{model}", model):
        price = overrides.get(key)
        if price is not None:
            return price
    info = provider.model_info(model)
    return info.price if info is not None else None


@dataclass(frozen=True)
class TurnRecord:
    """One request's usage and cost; `cost` is None when the model's price is unknown."""

    provider: str
    model: str
    usage: Usage
    cost: Cost | None
    checked: str = ""  # the price's date (ISO), "config", "local" or "" when unknown

    @property
    def estimated(self) -> bool:
        """True when the server gave no usage and we counted the tokens ourselves."""
        return self.usage.estimated


def settle(provider: str, model: str, usage: Usage, price: Price | None) -> TurnRecord:
    """A request's record at `price` (None: price unknown), in no ledger: what the
    ledger keeps for a turn, and what a reply still streaming has cost so far."""
    checked = price.checked if price is not None else ""
    return TurnRecord(provider, model, usage, cost_of(usage, price), checked)


def format_cost_text(record: TurnRecord) -> str:
    """One turn's cost for the reply's status line: "$0.0012", "~¥0.034", "price unknown"."""
    if record.cost is None:
        return UNKNOWN_PRICE
    if record.cost.free_local:
        return FREE_LOCAL
    return format_money(record.cost.amount, record.cost.currency, approx=record.estimated)


class UsageRow(NamedTuple):
    """One line of the `/usage` table, already formatted; "~" marks estimates."""

    label: str
    model: str
    prompt: str
    cached: str
    completion: str
    reasoning: str
    cost: str


USAGE_HEADER = UsageRow("#", "model", "prompt", "cached", "completion", "reasoning", "cost")

UNKNOWN_PRICE = "price unknown"
FREE_LOCAL = "free (local)"


def spend_text(
    by_currency: Mapping[str, float],
    *,
    free_local: bool = False,
    unknown: bool = False,
    estimated: Collection[str] = (),
) -> str:
    """What several turns cost, as `/usage` totals them: "$0.0021 + ¥0.05", "$0.0021 + ?"
    (some turns had no known price), "free (local)" (priced turns were all a local
    model's), "price unknown", or "" when no turn was costed at all.

    `by_currency` holds the priced turns only; `estimated` the currencies with a "~".
    """
    parts = [
        format_money(amount, currency, approx=currency in estimated)
        for currency, amount in by_currency.items()
    ]
    if parts:
        return " + ".join(parts) + (" + ?" if unknown else "")
    if free_local:
        return FREE_LOCAL
    return UNKNOWN_PRICE if unknown else ""


def price_age(checked: str, today: date | None = None) -> str:
    """How old a price is, for `/usage` and `llmchat models`: "checked 2026-11-29 (3 days
    ago)", "from config.toml", "" for a local server or an unknown date."""
    if checked == "config":
        return "from config.toml"
    try:
        day = date.fromisoformat(checked)
    except ValueError:
        return ""
    days = ((today or date.today()) - day).days
    ago = "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} ago"
    return f"checked {checked} ({ago})"


class UsageLedger:
    """Every turn of a chat with its usage and cost, and the totals the UI shows."""

    def __init__(self) -> None:
        self._turns: list[TurnRecord] = []

    def add(self, provider: str, model: str, usage: Usage, price: Price | None) -> TurnRecord:
        """Record one turn, costing it at `price` (None: price unknown)."""
        record = settle(provider, model, usage, price)
        self._turns.append(record)
        return record

    @property
    def turns(self) -> tuple[TurnRecord, ...]:
        return tuple(self._turns)

    def reset(self) -> None:
        self._turns.clear()

    def totals(self) -> Usage:
        """All turns summed; `estimated` if any of them was."""
        return Usage(
            prompt_tokens=sum(t.usage.prompt_tokens for t in self._turns),
            completion_tokens=sum(t.usage.completion_tokens for t in self._turns),
            cached_tokens=sum(t.usage.cached_tokens for t in self._turns),
            reasoning_tokens=sum(t.usage.reasoning_tokens for t in self._turns),
            estimated=any(t.estimated for t in self._turns),
        )

    def cost_by_currency(self) -> dict[str, float]:
        """Known costs summed per currency, in the order the currencies first appeared."""
        totals: dict[str, float] = {}
        for turn in self._turns:
            if turn.cost is not None and not turn.cost.free_local:
                totals[turn.cost.currency] = totals.get(turn.cost.currency, 0.0) + turn.cost.amount
        return totals

    def unknown_price_models(self) -> set[str]:
        """Models used in this chat whose price is unknown (their turns cost nothing known)."""
        return {t.model for t in self._turns if t.cost is None}

    def _estimated_currencies(self) -> set[str]:
        return {t.cost.currency for t in self._turns if t.cost is not None and t.estimated}

    def cost_text(self) -> str:
        """The chat's cost: "$0.0021 + ¥0.05", "~$0.01", or "price unknown"."""
        estimated = self._estimated_currencies()
        parts = [
            format_money(amount, currency, approx=currency in estimated)
            for currency, amount in self.cost_by_currency().items()
        ]
        if not parts and any(t.cost is not None for t in self._turns):
            return FREE_LOCAL
        return " + ".join(parts) if parts else UNKNOWN_PRICE

    def summary_line(self) -> str:
        """One line for the toolbar or `--usage`: "1,234 tok · $0.0021 + ¥0.05".

        Turns without a price add "price unknown for MODEL" rather than a zero.
        """
        total = self.totals()
        parts = [format_tokens(total.total_tokens, approx=total.estimated) + " tok"]
        costs = self.cost_by_currency()
        unknown = self.unknown_price_models()
        if costs or self.cost_text() == FREE_LOCAL:
            parts.append(self.cost_text())
        if unknown:
            # With nothing priced, "price unknown" says it all; beside a cost, say for what.
            parts.append(
                f"{UNKNOWN_PRICE} for {', '.join(sorted(unknown))}" if costs else UNKNOWN_PRICE
            )
        return " · ".join(parts)

    def table_rows(self) -> list[UsageRow]:
        """`/usage` rows: one per turn, then a total row (header: `USAGE_HEADER`)."""
        rows = [_row(str(i), t.model, t.usage, t.cost) for i, t in enumerate(self._turns, 1)]
        if self._turns:
            total = self.totals()
            models = {t.model for t in self._turns}
            model = next(iter(models)) if len(models) == 1 else f"{len(models)} models"
            rows.append(_row("total", model, total, None)._replace(cost=self._total_cost()))
        return rows

    def toolbar_text(self) -> str:
        """`summary_line()` for the REPL toolbar, or "" before the first request."""
        return self.summary_line() if self._turns else ""

    def price_ages(self) -> list[str]:
        """One line per priced model saying where its price came from and how old it is:
        catalog prices are what the provider's page said on that day."""
        ages: dict[str, str] = {}
        for turn in self._turns:
            age = price_age(turn.checked)
            if age:
                ages.setdefault(turn.model, age)
        return [f"price of {model}: {age}" for model, age in ages.items()]

    def _total_cost(self) -> str:
        return spend_text(
            self.cost_by_currency(),
            free_local=any(t.cost is not None and t.cost.free_local for t in self._turns),
            unknown=bool(self.unknown_price_models()),
            estimated=self._estimated_currencies(),
        )


def _row(label: str, model: str, usage: Usage, cost: Cost | None) -> UsageRow:
    approx = usage.estimated
    if cost is None:
        money = UNKNOWN_PRICE
    elif cost.free_local:
        money = FREE_LOCAL
    else:
        money = format_money(cost.amount, cost.currency, approx=approx)
    return UsageRow(
        label=label,
        model=model,
        prompt=format_tokens(usage.prompt_tokens, approx=approx),
        cached=format_tokens(usage.cached_tokens, approx=approx),
        completion=format_tokens(usage.completion_tokens, approx=approx),
        reasoning=format_tokens(usage.reasoning_tokens, approx=approx),
        cost=money,
    )
