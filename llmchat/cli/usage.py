"""`llmchat usage`: tokens and cost per provider and model over a period, from the index.

Money in different currencies is never added up: every total is per currency. A `~`
marks a figure in which some token count was estimated locally (the server sent none).
On a terminal a small bar chart of tokens per day follows (rich); into a pipe the same
facts come as plain columns, and `--json` gives them to scripts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from llmchat.environment import Environment
from llmchat.errors import UsageError
from llmchat.store.index_query import SpendDay, SpendLine

BAR_WIDTH = 30


@dataclass(frozen=True)
class Period:
    since: datetime | None
    until: datetime | None
    label: str


def period_for(since: str | None, month: str | None) -> Period:
    """--month 2026-11 is that calendar month (local time); --since DATE runs to now."""
    from llmchat.cli.chats import parse_day

    if since and month:
        raise UsageError("--since and --month both given", "use one of them")
    if month:
        try:
            start = datetime.strptime(month, "%Y-%m").astimezone()
        except ValueError:
            raise UsageError(f"--month: {month!r} is not a month", "use YYYY-MM") from None
        year, mon = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return Period(start, start.replace(year=year, month=mon), month)
    if since:
        return Period(parse_day(since), None, f"since {since}")
    return Period(None, None, "all time")


def _money(amount: float, currency: str | None, estimated: bool) -> str:
    from llmchat.engine.pricing import format_money

    return format_money(amount, currency, approx=estimated) if currency else "-"


def _line_cost(line: SpendLine) -> str:
    """A model's cost in the words `/usage` uses: "free (local)", "price unknown"."""
    from llmchat.engine.pricing import FREE_LOCAL, UNKNOWN_PRICE

    if line.local:
        return FREE_LOCAL
    if line.currency is None:
        return UNKNOWN_PRICE
    return _money(line.amount, line.currency, line.estimated)


def _tokens(n: int, estimated: bool) -> str:
    return f"{'~' if estimated else ''}{n:,}"


def totals(lines: list[SpendLine]) -> list[tuple[str, float, bool]]:
    """(currency, amount, estimated) per currency, largest first; never summed across."""
    sums: dict[str, tuple[float, bool]] = {}
    for line in lines:
        if line.currency and not line.local:
            amount, est = sums.get(line.currency, (0.0, False))
            sums[line.currency] = (amount + line.amount, est or line.estimated)
    return sorted(((c, a, e) for c, (a, e) in sums.items()), key=lambda t: -t[1])


def as_json(period: Period, lines: list[SpendLine], days: list[SpendDay]) -> str:
    return json.dumps(
        {
            "period": {
                "since": period.since.isoformat() if period.since else None,
                "until": period.until.isoformat() if period.until else None,
            },
            "models": [
                {
                    "provider": line.provider,
                    "model": line.model,
                    "currency": line.currency,
                    "requests": line.requests,
                    "prompt_tokens": line.prompt_tokens,
                    "completion_tokens": line.completion_tokens,
                    "cost": round(line.amount, 10) if line.currency else None,
                    "estimated": line.estimated,
                    "local": line.local,
                }
                for line in lines
            ],
            "totals": [
                {"currency": currency, "cost": round(amount, 10), "estimated": est}
                for currency, amount, est in totals(lines)
            ],
            "days": [
                {
                    "day": day.day,
                    "currency": day.currency,
                    "tokens": day.tokens,
                    "cost": round(day.amount, 10) if day.currency else None,
                    "estimated": day.estimated,
                    "local": day.local,
                }
                for day in days
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def model_table(lines: list[SpendLine]) -> list[list[str]]:
    rows = [["PROVIDER", "MODEL", "REQUESTS", "PROMPT", "COMPLETION", "COST"]]
    for line in lines:
        rows.append(
            [
                line.provider or "?",
                line.model or "?",
                f"{line.requests:,}",
                _tokens(line.prompt_tokens, line.estimated),
                _tokens(line.completion_tokens, line.estimated),
                _line_cost(line),
            ]
        )
    for currency, amount, est in totals(lines):
        rows.append(["TOTAL", currency, "", "", "", _money(amount, currency, est)])
    return rows


@dataclass
class _DayTotals:
    """One day's spend gathered over its currencies, local and unpriced lines."""

    tokens: int = 0
    tokens_estimated: bool = False
    money: dict[str, float] = field(default_factory=dict)
    estimated: set[str] = field(default_factory=set)
    local: bool = False
    unknown: bool = False


def day_rows(days: list[SpendDay]) -> list[tuple[str, int, str, bool]]:
    """(day, tokens, cost per currency joined, estimated): one row per day, its cost in
    the words `/usage` totals use ("$0.01 + ?", "free (local)", "price unknown")."""
    from llmchat.engine.pricing import spend_text

    merged: dict[str, _DayTotals] = {}
    for day in days:
        into = merged.setdefault(day.day, _DayTotals())
        into.tokens += day.tokens
        into.tokens_estimated = into.tokens_estimated or day.estimated
        if day.currency is None:
            into.unknown = True
        elif day.local:
            into.local = True
        else:
            into.money[day.currency] = into.money.get(day.currency, 0.0) + day.amount
            if day.estimated:
                into.estimated.add(day.currency)
    return [
        (
            d,
            m.tokens,
            spend_text(m.money, free_local=m.local, unknown=m.unknown, estimated=m.estimated)
            or "-",
            m.tokens_estimated,
        )
        for d, m in merged.items()
    ]


def print_usage(env: Environment, since: str | None, month: str | None, as_json_: bool) -> None:
    from llmchat.cli.chats import queries_for
    from llmchat.render.table import aligned as columns

    period = period_for(since, month)
    lines, days = queries_for(env).spend(period.since, period.until)
    if as_json_:
        env.stdout.write(as_json(period, lines, days) + "\n")
        return
    if not lines:
        env.stderr.write(f"no usage recorded ({period.label})\n")
        return
    per_day = day_rows(days)
    if not env.stdout_isatty:
        env.stdout.write("\n".join(columns(model_table(lines))) + "\n\n")
        table = [["DAY", "TOKENS", "COST"]]
        table += [[d, _tokens(t, e), money] for d, t, money, e in per_day]
        env.stdout.write("\n".join(columns(table)) + "\n")
        return
    _print_rich(env, period, lines, per_day)


def _print_rich(
    env: Environment,
    period: Period,
    lines: list[SpendLine],
    per_day: list[tuple[str, int, str, bool]],
) -> None:
    """The model table, then tokens per day as bars (the last 31 days that have any)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=env.stdout, no_color=env.no_color, highlight=False)
    models = model_table(lines)
    table = Table(title=f"usage, {period.label}", title_justify="left", box=None)
    for i, header in enumerate(models[0]):
        table.add_column(header, justify="right" if i >= 2 else "left")
    for row in models[1:]:
        table.add_row(*row, style="bold" if row[0] == "TOTAL" else None)
    console.print(table)
    shown = per_day[-31:]
    if not shown:
        return
    most = max(t for _, t, _, _ in shown) or 1
    chart = Table(title="tokens per day", title_justify="left", box=None, show_header=False)
    chart.add_column("day")
    chart.add_column("bar")
    chart.add_column("tokens", justify="right")
    chart.add_column("cost", justify="right")
    for day, tokens, money, est in shown:
        bar = "█" * max(1, round(tokens / most * BAR_WIDTH)) if tokens else ""
        chart.add_row(day, f"[cyan]{bar}[/cyan]", _tokens(tokens, est), money)
    console.print()
    console.print(chart)
