"""Fitting a conversation into a model's context window by leaving out its oldest turns.

The system prompt and the newest message are always sent; older turns go whole, oldest
first, so the model never sees an answer without its question. Pure logic: counting is
the given TokenCounter's job, telling the user is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llmchat.engine.tokens import REPLY_PRIMING, TokenCounter

DEFAULT_REPLY_BUDGET = 4096
_LEADING_ROLES = frozenset({"system", "developer"})


def default_reply_budget(window: int | None) -> int:
    """Room kept for the reply when max_tokens is not set: 4,096, or a quarter of a small window."""
    if window is None:
        return DEFAULT_REPLY_BUDGET
    return max(0, min(DEFAULT_REPLY_BUDGET, window // 4))


@dataclass(frozen=True)
class FitResult:
    """What will be sent and what was left out.

    `prompt_tokens` counts `messages` as sent (the counter's estimate unless it is exact).
    `fits` is False when even the system prompt and the newest turn exceed the window
    less the reply budget; they are sent anyway and the server has the last word.
    """

    messages: list[dict[str, str]]
    dropped_turns: int
    prompt_tokens: int
    window: int | None
    reply_budget: int
    fits: bool = True

    def notice(self) -> str | None:
        """A line for the user when something was left out or cannot fit, else None."""
        if self.window is None:
            return None
        window = f"{self.window:,}-token context window"
        if not self.fits:
            return (
                f"The system prompt and newest message alone are about {self.prompt_tokens:,} "
                f"tokens: more than the {window} leaves after {self.reply_budget:,} for the "
                "reply. Sending anyway; consider /clear or a shorter message."
            )
        if self.dropped_turns:
            turns = "turn" if self.dropped_turns == 1 else "turns"
            return f"Left out the {self.dropped_turns} oldest {turns} to fit the {window}."
        return None


def _split_turns(
    messages: Sequence[dict[str, str]],
) -> tuple[list[dict[str, str]], list[list[dict[str, str]]]]:
    """Leading system messages, then turns: each user message with the replies after it."""
    start = 0
    while start < len(messages) and messages[start].get("role") in _LEADING_ROLES:
        start += 1
    head = list(messages[:start])
    turns: list[list[dict[str, str]]] = []
    for message in messages[start:]:
        if message.get("role") == "user" or not turns:
            turns.append([message])
        else:
            turns[-1].append(message)
    return head, turns


def fit_messages(
    messages: Sequence[dict[str, str]],
    *,
    window: int | None,
    reply_budget: int | None = None,
    counter: TokenCounter,
) -> FitResult:
    """The messages to send so that prompt plus `reply_budget` fits in `window`.

    Drops the fewest oldest turns that make it fit; `window=None` sends everything.
    `reply_budget` None means `default_reply_budget(window)`: pass max_tokens when set.
    Costs one cached count per message, so calling it before every request is cheap.
    """
    budget = default_reply_budget(window) if reply_budget is None else max(0, reply_budget)
    head, turns = _split_turns(messages)
    head_tokens = sum(counter.count_message(m) for m in head) + REPLY_PRIMING
    turn_tokens = [sum(counter.count_message(m) for m in turn) for turn in turns]
    total = head_tokens + sum(turn_tokens)

    dropped = 0
    if window is not None:
        limit = window - budget
        # The newest turn always stays, so at most len(turns) - 1 can go.
        while total > limit and dropped < len(turns) - 1:
            total -= turn_tokens[dropped]
            dropped += 1
    kept = head + [m for turn in turns[dropped:] for m in turn]
    fits = window is None or total <= window - budget
    return FitResult(
        messages=kept,
        dropped_turns=dropped,
        prompt_tokens=total,
        window=window,
        reply_budget=budget,
        fits=fits,
    )


def context_text(tokens: int, window: int | None, *, exact: bool) -> str:
    """For `/tokens`: "~12,345 / 128,000 tokens (9.6%)", or "~12,345 tokens (window unknown)"."""
    count = f"{'' if exact else '~'}{tokens:,}"
    if window is None or window <= 0:
        return f"{count} tokens (window unknown)"
    return f"{count} / {window:,} tokens ({100 * tokens / window:.1f}%)"
