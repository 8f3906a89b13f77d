"""Fitting a conversation into the context window: what stays, what goes, what it says."""

from __future__ import annotations

import random

import pytest

from llmchat.engine.context import (
    DEFAULT_REPLY_BUDGET,
    context_text,
    default_reply_budget,
    fit_messages,
)
from llmchat.engine.tokens import TokenCounter

SYSTEM = {"role": "system", "content": "You are a helpful assistant. Answer briefly."}


def _chat(turns: int, words: int = 50) -> list[dict[str, str]]:
    messages = [SYSTEM]
    for i in range(turns):
        messages.append({"role": "user", "content": f"question {i} " + "lorem ipsum " * words})
        messages.append({"role": "assistant", "content": f"answer {i} " + "dolor sit " * words})
    messages.append({"role": "user", "content": "and the newest question?"})
    return messages


def test_no_window_sends_everything() -> None:
    counter = TokenCounter()
    messages = _chat(50)
    result = fit_messages(messages, window=None, counter=counter)
    assert result.messages == messages
    assert result.dropped_turns == 0
    assert result.fits
    assert result.prompt_tokens == counter.count_messages(messages)
    assert result.notice() is None


def test_a_conversation_that_fits_is_untouched() -> None:
    counter = TokenCounter()
    messages = _chat(3)
    result = fit_messages(messages, window=128_000, counter=counter)
    assert result.messages == messages
    assert result.dropped_turns == 0
    assert result.reply_budget == DEFAULT_REPLY_BUDGET
    assert result.notice() is None


def test_trimming_keeps_system_and_newest_and_fits() -> None:
    counter = TokenCounter()
    messages = _chat(40)
    window, budget = 3_000, 500
    assert counter.count_messages(messages) + budget > window

    result = fit_messages(messages, window=window, reply_budget=budget, counter=counter)

    assert result.fits
    assert result.messages[0] is SYSTEM
    assert result.messages[-1] is messages[-1]
    assert result.prompt_tokens == counter.count_messages(result.messages)
    assert result.prompt_tokens + budget <= window
    # Whole exchanges go: what is left is the newest tail of the conversation, and the
    # first message after the system prompt is a question, never an orphaned answer.
    assert result.messages[1:] == messages[len(messages) - len(result.messages) + 1 :]
    assert result.messages[1]["role"] == "user"
    assert result.dropped_turns == (len(messages) - len(result.messages)) // 2
    # As few turns as possible were dropped: one more would not have fitted.
    one_more = [SYSTEM, *messages[len(messages) - len(result.messages) - 1 :]]
    assert counter.count_messages(one_more) + budget > window
    notice = result.notice()
    assert notice is not None
    assert f"Left out the {result.dropped_turns} oldest turns" in notice
    assert "3,000-token context window" in notice


def test_newest_message_too_big_is_sent_anyway_and_said() -> None:
    counter = TokenCounter()
    messages = [*_chat(5)[:-1], {"role": "user", "content": "word " * 5_000}]
    result = fit_messages(messages, window=2_000, reply_budget=500, counter=counter)
    assert not result.fits
    assert result.messages == [SYSTEM, messages[-1]]
    assert result.dropped_turns == 5
    notice = result.notice()
    assert notice is not None and "Sending anyway" in notice


def test_only_system_and_newest() -> None:
    counter = TokenCounter()
    messages = [SYSTEM, {"role": "user", "content": "hi"}]
    result = fit_messages(messages, window=100, reply_budget=10, counter=counter)
    assert result.messages == messages and result.fits and result.dropped_turns == 0


def test_no_system_prompt_and_a_leading_greeting() -> None:
    counter = TokenCounter()
    greeting = {"role": "assistant", "content": "Hello! " * 200}
    messages = [greeting, *_chat(2, words=200)[1:]]
    result = fit_messages(messages, window=1_000, reply_budget=100, counter=counter)
    assert result.messages[-1] is messages[-1]
    assert greeting not in result.messages
    assert result.messages[0]["role"] == "user"
    assert result.fits


def test_replies_in_the_newest_turn_stay_with_it() -> None:
    # After a reply the newest turn is question + answer; it is kept whole.
    counter = TokenCounter()
    messages = _chat(10)[:-1]
    result = fit_messages(messages, window=500, reply_budget=100, counter=counter)
    assert result.messages[-2:] == messages[-2:]
    assert [m["role"] for m in result.messages[1:]][:1] == ["user"]


def test_default_reply_budget() -> None:
    assert default_reply_budget(None) == 4096
    assert default_reply_budget(128_000) == 4096
    assert default_reply_budget(8_192) == 2048
    assert default_reply_budget(0) == 0


def test_random_conversations_keep_the_invariants() -> None:
    rng = random.Random(6)
    counter = TokenCounter()
    for _ in range(200):
        messages: list[dict[str, str]] = [SYSTEM] if rng.random() < 0.8 else []
        for _ in range(rng.randint(0, 12)):
            messages.append({"role": "user", "content": "q " * rng.randint(1, 300)})
            for _ in range(rng.randint(0, 2)):
                messages.append({"role": "assistant", "content": "a " * rng.randint(1, 300)})
        messages.append({"role": "user", "content": "newest " * rng.randint(1, 300)})
        window = rng.randint(50, 3_000)
        budget = rng.randint(0, window // 3)

        result = fit_messages(messages, window=window, reply_budget=budget, counter=counter)

        assert result.messages[-1] is messages[-1]
        if messages[0] is SYSTEM:
            assert result.messages[0] is SYSTEM
        assert result.prompt_tokens == counter.count_messages(result.messages)
        assert result.fits == (result.prompt_tokens + budget <= window)
        if not result.fits:
            assert len(result.messages) == (2 if messages[0] is SYSTEM else 1)
        tail = result.messages[1:] if messages[0] is SYSTEM else result.messages
        assert tail == messages[len(messages) - len(tail) :]


@pytest.mark.parametrize(
    ("tokens", "window", "exact", "text"),
    [
        (12_345, 128_000, False, "~12,345 / 128,000 tokens (9.6%)"),
        (500, 1_000, True, "500 / 1,000 tokens (50.0%)"),
        (42, None, False, "~42 tokens (window unknown)"),
    ],
)
def test_context_text(tokens: int, window: int | None, exact: bool, text: str) -> None:
    assert context_text(tokens, window, exact=exact) == text
