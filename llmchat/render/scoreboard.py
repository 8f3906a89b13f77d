"""The comparison's scoreboard: one row per model, the best figure in each column marked.

Plain text (aligned in terminal cells), so the terminal, `--usage` on stderr and the
saved chat all show the same table. Output tokens are shown but not ranked: more is not
better, and neither is fewer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from llmchat.engine.compare import LaneResult
from llmchat.render.common import INTERRUPTED, format_seconds

BEST = "*"
HEADERS = ["MODEL", "FIRST TOKEN", "TOTAL", "TOKENS", "TOK/S", "COST", "FINISH"]


def _best(
    results: Sequence[LaneResult],
    value: Callable[[LaneResult], float | None],
    *,
    lowest: bool,
    shown: Callable[[float], str] = str,
) -> set[int]:
    """Indexes of the lanes holding the best value; none if < 2 compete. Ties are all
    marked, and so is a figure shown the same as the best (0.4 s and 0.4 s: both)."""
    scored = [(i, v) for i, r in enumerate(results) if r.answered and (v := value(r)) is not None]
    if len(scored) < 2:
        return set()
    target = min(v for _, v in scored) if lowest else max(v for _, v in scored)
    return {i for i, v in scored if v == target or shown(v) == shown(target)}


def _speed(value: float) -> str:
    return f"{value:,.1f}"


def _cost_value(result: LaneResult) -> float | None:
    return result.cost.amount if result.cost is not None else None


def _finish(result: LaneResult) -> str:
    if result.state == "failed":
        return "failed"
    if result.state == "interrupted":
        return INTERRUPTED
    return result.finish_reason or "incomplete"


def scoreboard_rows(results: Sequence[LaneResult]) -> list[list[str]]:
    """Header and one row per lane, in lane order; `*` after each column's best figure."""
    currencies = {r.cost.currency for r in results if r.cost is not None}
    fastest_first = _best(results, lambda r: r.first_token, lowest=True, shown=format_seconds)
    fastest_total = _best(results, lambda r: r.total, lowest=True, shown=format_seconds)
    quickest = _best(results, lambda r: r.tokens_per_second, lowest=False, shown=_speed)
    cheapest = _best(results, _cost_value, lowest=True) if len(currencies) == 1 else set()

    def mark(text: str, index: int, best: set[int]) -> str:
        return f"{text} {BEST}" if index in best else text

    rows = [list(HEADERS)]
    for i, result in enumerate(results):
        usage = result.usage
        approx = "~" if usage is not None and usage.estimated else ""
        first = format_seconds(result.first_token) if result.first_token is not None else "-"
        speed = result.tokens_per_second
        rows.append(
            [
                result.label,
                mark(first, i, fastest_first),
                mark(format_seconds(result.total), i, fastest_total),
                f"{approx}{usage.completion_tokens:,}" if usage is not None else "-",
                mark(f"{approx}{_speed(speed)}" if speed is not None else "-", i, quickest),
                mark(result.cost_text or "-", i, cheapest),
                _finish(result),
            ]
        )
    return rows


def scoreboard_text(results: Sequence[LaneResult], width: int | None = None) -> str:
    """The table, then what its marks mean. Wider than `width` cells, each model's
    figures go under its name instead, wrapped (no row broken across the screen)."""
    from llmchat.render.table import aligned, cell_width

    rows = scoreboard_rows(results)
    lines = aligned(rows)
    if width is not None and max(cell_width(line) for line in lines) > width:
        lines = _by_model(rows, width)
    marked = any(BEST in cell for row in rows[1:] for cell in row[1:])
    notes = [f"{BEST} the best of the models"] if marked else []
    if any(r.usage is not None and r.usage.estimated for r in results):
        notes.append("~ counted locally")
    return "\n".join(lines + ([" · ".join(notes)] if notes else []))


def _by_model(rows: list[list[str]], width: int) -> list[str]:
    from llmchat.render.wrapping import wrap_text

    names = [header.lower() for header in rows[0][1:]]
    lines: list[str] = []
    for row in rows[1:]:
        lines.append(row[0])
        figures = " · ".join(f"{name} {value}" for name, value in zip(names, row[1:], strict=True))
        lines.extend(wrap_text("  " + figures, width))
    return lines
