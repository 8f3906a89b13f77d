"""What is shown and how: /help /reasoning /raw /usage /tokens."""

from __future__ import annotations

import textwrap

from llmchat.engine.pricing import UNKNOWN_PRICE, USAGE_HEADER, UsageLedger
from llmchat.render.table import aligned
from llmchat.repl.commands.registry import ReplState, Reply, command, listed, lookup, toggle

#: /usage columns aligned left (the turn and the model); the numbers align right.
_LEFT_ALIGNED = {0, 1}


@command(
    "help", usage="/help [COMMAND]", complete=lambda s: [c.name for c in listed()], aliases=("?",)
)
def help_(state: ReplState, arg: str) -> Reply:
    """Show the commands, or one command in detail.

    Messages starting with "/" can be sent by doubling it: //etc/hosts is…
    Alt+Enter (or Esc Enter) inserts a newline; Ctrl+C stops a reply; Ctrl+D quits.
    """
    if arg:
        cmd = lookup(arg.lstrip("/"))
        aliases = f"  (also /{', /'.join(cmd.aliases)})" if cmd.aliases else ""
        return Reply(f"{cmd.usage}{aliases}\n{cmd.details}")
    commands = listed()
    column = max(len(cmd.usage) for cmd in commands) + 2
    room = max(20, state.env.width() - column - 1)
    lines = []
    for cmd in commands:
        wrapped = textwrap.wrap(cmd.summary, room, break_on_hyphens=False) or [""]
        lines.append(cmd.usage.ljust(column) + wrapped[0])
        lines.extend(" " * column + more for more in wrapped[1:])
    lines.append("")
    lines.append("Alt+Enter: newline · Ctrl+C: stop a reply · Ctrl+D: quit · //text sends '/text'")
    return Reply("\n".join(lines))


@command("reasoning", usage="/reasoning [on|off]")
def reasoning(state: ReplState, arg: str) -> Reply:
    """Show or hide a reasoning model's thinking."""
    session = state.session
    session.show_reasoning = toggle(arg, session.show_reasoning)
    return Reply(f"thinking is {'shown' if session.show_reasoning else 'hidden'}")


@command("raw", usage="/raw [on|off]")
def raw(state: ReplState, arg: str) -> Reply:
    """Show replies as raw Markdown text (for copying) instead of rendered."""
    state.raw = toggle(arg, state.raw)
    return Reply(f"raw output {'on' if state.raw else 'off'}")


@command("usage", usage="/usage")
def usage(state: ReplState, arg: str) -> Reply:
    """Tokens per turn and in total, with the cost (~ marks estimates)."""
    return Reply(usage_report(state.session.ledger, state.env.width()))


@command("tokens", usage="/tokens")
def tokens(state: ReplState, arg: str) -> Reply:
    """The conversation's size against the model's context window (~ marks an estimate)."""
    from llmchat.engine.context import context_text

    session = state.session
    size, exact = session.context_size()
    return Reply(f"context: {context_text(size, session.context_window, exact=exact)}")


def usage_report(ledger: UsageLedger, width: int | None = None) -> str:
    """`/usage` as plain text: an aligned table of the ledger's rows and what its marks mean.

    On a terminal narrower than the table, the model, reasoning and cached columns
    go first (in that order); the counts and the cost always stay.
    """
    if not ledger.turns:
        return "No requests yet in this chat."
    rows: list[tuple[str, ...]] = [USAGE_HEADER, *ledger.table_rows()]
    keep = list(range(len(USAGE_HEADER)))
    lines = _table(rows, keep)
    for column in (1, 5, 3):
        if width is None or max(len(line) for line in lines) <= width:
            break
        keep.remove(column)
        lines = _table(rows, keep)
    if ledger.totals().estimated:
        lines.append("~ counted locally: the server sent no usage for that turn")
    unknown = ledger.unknown_price_models()
    if unknown:
        lines.append(f"{UNKNOWN_PRICE} for {', '.join(sorted(unknown))}")
    for line in ledger.price_ages():
        # Prose, not a table: wrapped (never cut) on a narrow terminal.
        lines.extend(textwrap.wrap(line, width, subsequent_indent="  ") if width else [line])
    return "\n".join(lines)


def _table(rows: list[tuple[str, ...]], keep: list[int]) -> list[str]:
    kept = [[row[i] for i in keep] for row in rows]
    right = {j for j, i in enumerate(keep) if i not in _LEFT_ALIGNED}
    return aligned(kept, right=right)
