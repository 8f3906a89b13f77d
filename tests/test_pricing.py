"""Usage parsing and cost arithmetic, checked against figures worked out by hand."""

from __future__ import annotations

import re
from datetime import date

import pytest

from llmchat.engine.pricing import (
    USAGE_HEADER,
    UsageLedger,
    cost_of,
    format_cost_text,
    format_money,
    parse_usage,
    price_age,
    price_for,
    spend_text,
)
from llmchat.events import Cost, Usage
from llmchat.providers.presets import Price, preset
from llmchat.repl.commands.display import usage_report

_CNY_PRICE = Price(2.0, 3.0, 0.2, "CNY")  # arithmetic fixture, not a catalog price


def _preset_price(provider: str, model: str) -> Price:
    p = preset(provider)
    assert p is not None
    info = p.model_info(model)
    assert info is not None and info.price is not None
    return info.price


# --- parse_usage --------------------------------------------------------------------------


def test_openai_usage_with_details() -> None:
    # The shape of `CompletionUsage.model_dump()` from the openai SDK.
    raw = {
        "completion_tokens": 1200,
        "prompt_tokens": 5000,
        "total_tokens": 6200,
        "completion_tokens_details": {
            "accepted_prediction_tokens": None,
            "audio_tokens": None,
            "reasoning_tokens": 800,
            "rejected_prediction_tokens": None,
        },
        "prompt_tokens_details": {"audio_tokens": None, "cached_tokens": 4096},
    }
    assert parse_usage(raw) == Usage(
        prompt_tokens=5000, completion_tokens=1200, cached_tokens=4096, reasoning_tokens=800
    )


def test_openai_usage_without_details() -> None:
    raw = {
        "completion_tokens": 5,
        "prompt_tokens": 10,
        "total_tokens": 15,
        "completion_tokens_details": None,
        "prompt_tokens_details": None,
    }
    assert parse_usage(raw) == Usage(prompt_tokens=10, completion_tokens=5)


def test_deepseek_usage() -> None:
    # DeepSeek reports cache hits at the top level (and may leave the OpenAI field unset).
    raw = {
        "prompt_tokens": 1000,
        "completion_tokens": 300,
        "total_tokens": 1300,
        "prompt_cache_hit_tokens": 640,
        "prompt_cache_miss_tokens": 360,
        "completion_tokens_details": {"reasoning_tokens": 250},
        "prompt_tokens_details": None,
    }
    usage = parse_usage(raw)
    assert usage == Usage(
        prompt_tokens=1000, completion_tokens=300, cached_tokens=640, reasoning_tokens=250
    )
    assert usage is not None and not usage.estimated


def test_deepseek_with_both_cache_fields_takes_openai_one() -> None:
    raw = {
        "prompt_tokens": 1000,
        "completion_tokens": 1,
        "prompt_cache_hit_tokens": 640,
        "prompt_tokens_details": {"cached_tokens": 640},
    }
    usage = parse_usage(raw)
    assert usage is not None and usage.cached_tokens == 640


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {},
        {"prompt_tokens": None, "completion_tokens": None, "total_tokens": None},
        {"prompt_tokens_details": {"cached_tokens": 5}},
    ],
)
def test_no_usage(raw: dict[str, object] | None) -> None:
    assert parse_usage(raw) is None


def test_odd_usage_values() -> None:
    # Only total and completion: the prompt is the difference.
    assert parse_usage({"total_tokens": 50, "completion_tokens": 20}) == Usage(
        prompt_tokens=30, completion_tokens=20
    )
    # Junk, negatives and floats do not crash and never go below zero.
    assert parse_usage({"prompt_tokens": "12", "completion_tokens": -3}) == Usage()
    assert parse_usage({"prompt_tokens": 12.0, "completion_tokens": True}) == Usage(
        prompt_tokens=12
    )
    # A cache hit larger than the prompt is clamped to the prompt.
    clamped = parse_usage({"prompt_tokens": 10, "prompt_cache_hit_tokens": 99})
    assert clamped is not None and clamped.cached_tokens == 10


# --- cost ---------------------------------------------------------------------------------


def test_cost_usd_with_cache() -> None:
    # gpt-4o-mini: $0.15 in, $0.075 cached in, $0.60 out per 1M.
    # 8,000 × 0.15 + 4,000 × 0.075 + 3,000 × 0.60 = 1,200 + 300 + 1,800 = 3,300 per 1M
    usage = Usage(prompt_tokens=12_000, completion_tokens=3_000, cached_tokens=4_000)
    cost = cost_of(usage, _preset_price("openai", "gpt-4o-mini"))
    assert cost is not None
    assert cost.currency == "USD"
    assert cost.amount == pytest.approx(0.0033)


def test_cost_cny_reasoning_counts_as_output() -> None:
    # ¥2 in, ¥0.2 cached, ¥3 out per 1M; reasoning is inside completion.
    # 40,000 × 2 + 60,000 × 0.2 + 20,000 × 3 = 80,000 + 12,000 + 60,000 = 152,000 per 1M
    usage = Usage(
        prompt_tokens=100_000,
        completion_tokens=20_000,
        cached_tokens=60_000,
        reasoning_tokens=15_000,
    )
    cost = cost_of(usage, _CNY_PRICE)
    assert cost == Cost(pytest.approx(0.152), "CNY")  # type: ignore[arg-type]


def test_cost_without_cache_rate_bills_cached_as_input() -> None:
    # No cache price: ¥0.8 in, ¥2 out. 10,000 × 0.8 + 1,000 × 2 = 10,000 per 1M
    usage = Usage(prompt_tokens=10_000, completion_tokens=1_000, cached_tokens=5_000)
    cost = cost_of(usage, Price(0.8, 2.0, None, "CNY"))
    assert cost is not None and cost.amount == pytest.approx(0.01)


def test_unknown_and_free_prices() -> None:
    usage = Usage(prompt_tokens=100, completion_tokens=100)
    assert cost_of(usage, None) is None
    free = cost_of(usage, _preset_price("ollama", "llama3.2"))
    assert free == Cost(0.0, "USD", free_local=True)
    ledger = UsageLedger()
    record = ledger.add("ollama", "llama3.2", usage, _preset_price("ollama", "llama3.2"))
    assert format_cost_text(record) == "free (local)"
    assert ledger.summary_line() == "200 tok · free (local)"
    assert ledger.table_rows()[0].cost == "free (local)"


def test_usage_says_how_old_a_price_is() -> None:
    assert price_age("2026-11-29", date(2026, 12, 2)) == "checked 2026-11-29 (3 days ago)"
    assert price_age("2026-11-29", date(2026, 11, 29)) == "checked 2026-11-29 (today)"
    assert price_age("config") == "from config.toml"
    assert price_age("local") == price_age("") == ""
    ledger = UsageLedger()
    ledger.add("openai", "gpt-4o", Usage(prompt_tokens=1), _preset_price("openai", "gpt-4o"))
    assert ledger.price_ages()[0].startswith("price of gpt-4o: checked 2026-11-29 (")


@pytest.mark.parametrize(
    ("amount", "currency", "approx", "text"),
    [
        (0.0033, "USD", False, "$0.0033"),
        (0.00123, "USD", False, "$0.0012"),
        (0.034, "CNY", False, "¥0.034"),
        (0.152, "CNY", False, "¥0.15"),
        (0.5, "USD", True, "~$0.50"),
        (1.234, "USD", False, "$1.23"),
        (1234.5, "CNY", False, "¥1,234.50"),
        (0.0, "USD", False, "$0.00"),
        (0.00000004, "USD", False, "<$0.000001"),
        (0.12, "CHF", False, "0.12 CHF"),
    ],
)
def test_format_money(amount: float, currency: str, approx: bool, text: str) -> None:
    assert format_money(amount, currency, approx=approx) == text


# --- price lookup -------------------------------------------------------------------------


def test_price_for_prefers_config_overrides() -> None:
    openai = preset("openai")
    relay = preset("chatanywhere")
    assert openai is not None and relay is not None
    mine = Price(input=1.0, output=2.0, currency="USD", checked="config")
    theirs = Price(input=3.0, output=4.0, currency="USD", checked="config")

    assert price_for(openai, "gpt-4o", {}) == _preset_price("openai", "gpt-4o")
    assert price_for(openai, "gpt-4o", {"gpt-4o": mine}) == mine
    assert price_for(openai, "gpt-4o", {"gpt-4o": mine, "openai/gpt-4o": theirs}) == theirs
    # A relay's model has no price of its own and does not borrow OpenAI's.
    assert price_for(relay, "gpt-4o", {}) is None
    assert price_for(relay, "gpt-4o", {"chatanywhere/gpt-4o": mine}) == mine
    assert price_for(openai, "my-finetune", {}) is None


# --- the ledger ---------------------------------------------------------------------------


def test_ledger_two_currencies_and_an_unknown_price() -> None:
    ledger = UsageLedger()
    ledger.add(
        "openai",
        "gpt-4o-mini",
        Usage(prompt_tokens=12_000, completion_tokens=3_000, cached_tokens=4_000),
        _preset_price("openai", "gpt-4o-mini"),
    )
    ledger.add(
        "deepseek",
        "deepseek-chat",
        Usage(prompt_tokens=100_000, completion_tokens=20_000, cached_tokens=60_000),
        _CNY_PRICE,
    )
    ledger.add(
        "deepseek",
        "deepseek-chat",
        Usage(prompt_tokens=1_000),
        _CNY_PRICE,
    )
    ledger.add(
        "huggingface",
        "meta-llama/Llama-3.1-8B-Instruct",
        Usage(prompt_tokens=10, completion_tokens=5),
        None,
    )

    assert ledger.totals() == Usage(
        prompt_tokens=113_010, completion_tokens=23_005, cached_tokens=64_000
    )
    costs = ledger.cost_by_currency()
    assert list(costs) == ["USD", "CNY"]
    assert costs["USD"] == pytest.approx(0.0033)
    assert costs["CNY"] == pytest.approx(0.152 + 0.002)
    assert ledger.unknown_price_models() == {"meta-llama/Llama-3.1-8B-Instruct"}
    assert ledger.summary_line() == (
        "136,015 tok · $0.0033 + ¥0.15 · price unknown for meta-llama/Llama-3.1-8B-Instruct"
    )

    rows = ledger.table_rows()
    assert len(rows) == 5
    assert rows[0] == ("1", "gpt-4o-mini", "12,000", "4,000", "3,000", "0", "$0.0033")
    assert rows[3].cost == "price unknown"
    assert rows[-1].label == "total"
    assert rows[-1].model == "3 models"
    assert rows[-1].prompt == "113,010"
    assert rows[-1].cost == "$0.0033 + ¥0.15 + ?"
    assert len(USAGE_HEADER) == len(rows[0])
    assert ledger.toolbar_text() == ledger.summary_line()
    report = usage_report(ledger).splitlines()
    table, notes = report[:6], report[6:]
    assert [re.split(" {2,}", line) for line in table] == [
        ["#", "model", "prompt", "cached", "completion", "reasoning", "cost"],
        ["1", "gpt-4o-mini", "12,000", "4,000", "3,000", "0", "$0.0033"],
        ["2", "deepseek-chat", "100,000", "60,000", "20,000", "0", "¥0.15"],
        ["3", "deepseek-chat", "1,000", "0", "0", "0", "¥0.0020"],
        ["4", "meta-llama/Llama-3.1-8B-Instruct", "10", "0", "5", "0", "price unknown"],
        ["total", "3 models", "113,010", "64,000", "23,005", "0", "$0.0033 + ¥0.15 + ?"],
    ]
    assert len({len(line) for line in table}) == 1  # numbers and costs right-aligned
    assert notes[0] == "price unknown for meta-llama/Llama-3.1-8B-Instruct"
    assert [n.split(":")[0] for n in notes[1:]] == ["price of gpt-4o-mini"]  # fixtures undated


def test_ledger_with_estimates_and_no_price_never_shows_zero() -> None:
    ledger = UsageLedger()
    ledger.add(
        "custom", "my-model", Usage(prompt_tokens=300, completion_tokens=10, estimated=True), None
    )
    assert ledger.summary_line() == "~310 tok · price unknown"
    assert ledger.cost_by_currency() == {}
    row = ledger.table_rows()[0]
    assert row.prompt == "~300" and row.cost == "price unknown"
    assert ledger.table_rows()[-1].cost == "price unknown"
    assert "~ counted locally" in usage_report(ledger)


def test_ledger_marks_estimated_costs() -> None:
    ledger = UsageLedger()
    price = _preset_price("openai", "gpt-4o")  # $2.50 in, $10 out
    ledger.add("openai", "gpt-4o", Usage(prompt_tokens=1_000, completion_tokens=100), price)
    ledger.add(
        "openai", "gpt-4o", Usage(prompt_tokens=2_000, completion_tokens=100, estimated=True), price
    )
    # 3,000 × 2.5 + 200 × 10 = 9,500 per 1M
    assert ledger.summary_line() == "~3,200 tok · ~$0.0095"
    assert ledger.table_rows()[1].cost == "~$0.0060"
    assert ledger.table_rows()[0].cost == "$0.0035"
    first, second = ledger.turns
    assert format_cost_text(first) == "$0.0035"
    assert format_cost_text(second) == "~$0.0060"
    unpriced = ledger.add("custom", "mystery", Usage(prompt_tokens=5), None)
    assert format_cost_text(unpriced) == "price unknown"


def test_ledger_reset() -> None:
    ledger = UsageLedger()
    ledger.add("openai", "gpt-4o", Usage(prompt_tokens=1), None)
    ledger.reset()
    assert ledger.turns == ()
    assert ledger.table_rows() == []
    assert ledger.summary_line() == "0 tok"
    assert ledger.toolbar_text() == ""
    assert usage_report(ledger) == "No requests yet in this chat."


def test_spend_text_speaks_as_the_usage_total_does() -> None:
    """One wording for what several turns cost: `/usage`'s total, `llmchat chats`, `usage`."""
    assert spend_text({"USD": 0.0021, "CNY": 0.05}) == "$0.0021 + ¥0.050"
    assert spend_text({"USD": 0.0021}, unknown=True, free_local=True) == "$0.0021 + ?"
    assert spend_text({"USD": 0.01}, estimated={"USD"}) == "~$0.010"
    assert spend_text({}, free_local=True) == "free (local)"
    assert spend_text({}, free_local=True, unknown=True) == "free (local)"
    assert spend_text({}, unknown=True) == "price unknown"
    assert spend_text({}) == ""
    assert spend_text({"USD": 0.0}) == "$0.00"  # a real zero price stays a zero


def test_a_local_model_costs_free_local_in_the_ledger_total() -> None:
    ledger = UsageLedger()
    local = Price(0.0, 0.0, 0.0, "USD", checked="local")
    ledger.add("local", "smollm2-135m", Usage(prompt_tokens=10, completion_tokens=5), local)
    assert ledger.table_rows()[-1].cost == "free (local)"
    ledger.add("custom", "my-model", Usage(prompt_tokens=10, completion_tokens=5), None)
    assert ledger.table_rows()[-1].cost == ledger.cost_text() == "free (local)"
