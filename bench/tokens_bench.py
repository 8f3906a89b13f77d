"""How much does counting a long conversation cost before each request?

Builds a deterministic 200-turn chat (English prose, code, Chinese) and times counting
it cold, again with the per-text cache, and once more after one new turn, for the
offline estimate and, when an encoding is cached on this machine, for tiktoken.
Then times the estimate on pathological input (long runs of one punctuation mark, of
one CJK character, of one letter: where a careless regex lookahead goes quadratic) at
100,000, 200,000 and 400,000 characters, in CPU time (steady on a shared machine):
linear means four times the text costs about four times as much.
With FILES, also compares the estimate to tiktoken on those files (calibration).

    python bench/tokens_bench.py [--turns 200] [--model gpt-4o] [FILES...]

Not part of the test run. Needs no network: tiktoken is used only if its file is cached
(TIKTOKEN_CACHE_DIR), exactly as llmchat does.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmchat.engine.context import fit_messages
from llmchat.engine.tokens import (
    EncodingLike,
    TokenCounter,
    encoding_name_for,
    estimate_tokens,
    load_cached_encoding,
)

PROSE = [
    "The quick brown fox jumps over the lazy dog while the build server hums along.",
    "Streaming replies make a terminal client feel fast, even when the model is slow.",
    "Every request carries the whole conversation, so long chats grow expensive quickly.",
    "Caching the count of each message means only the newest text is ever tokenized.",
    "When the context window is full, the oldest turns are left out, never the newest.",
]
CODE = [
    "def fib(n: int) -> int:\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "for i, line in enumerate(lines):\n    if line.strip().startswith('#'):\n        continue\n",
    "const res = await fetch(url, { method: 'POST', body: JSON.stringify(payload) });\n",
    "SELECT id, name, created_at FROM users WHERE active = 1 ORDER BY created_at DESC;\n",
]
CHINESE = [
    "大语言模型按词元计费，每个模型都有上下文窗口的限制。",
    "当对话太长时，客户端需要丢弃最早的几轮对话，但必须保留系统提示和最新的一条消息。",
    "如果服务器没有返回用量，我们就在本地估算词元数量，并用波浪号标出。",
]


def _paragraph(rng: random.Random, n: int) -> str:
    parts: list[str] = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.6:
            parts.append(rng.choice(PROSE))
        elif kind < 0.85:
            parts.append("```python\n" + rng.choice(CODE) + "```")
        else:
            parts.append(rng.choice(CHINESE))
    return "\n".join(parts)


def conversation(turns: int, seed: int = 6) -> list[dict[str, str]]:
    """A chat like a long working session: short questions, long answers with code."""
    rng = random.Random(seed)
    messages = [{"role": "system", "content": "You are a concise, helpful assistant."}]
    for i in range(turns):
        messages.append({"role": "user", "content": f"Q{i}: " + _paragraph(rng, rng.randint(1, 4))})
        messages.append({"role": "assistant", "content": _paragraph(rng, rng.randint(6, 24))})
    return messages


def _ms(fn: Callable[[], object], repeat: int = 1) -> float:
    """Median wall time of `fn` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_counter(
    label: str, make: Callable[[], TokenCounter], messages: list[dict[str, str]]
) -> None:
    counter = make()
    cold = _ms(lambda: counter.count_messages(messages))
    warm = _ms(lambda: counter.count_messages(messages), repeat=20)
    new_turn = [*messages, {"role": "user", "content": "One more question: " + PROSE[0] * 3}]
    next_turn = _ms(lambda: counter.count_messages(new_turn))
    fit = _ms(
        lambda: fit_messages(new_turn, window=32_768, reply_budget=None, counter=counter), repeat=20
    )
    total = counter.count_messages(messages)
    print(
        f"| {label} | {total:,} | {cold:.1f} | {warm:.2f} | {next_turn:.2f} | {fit:.2f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--model", default="gpt-4o")
    parser.add_argument("files", nargs="*", type=Path, help="texts to calibrate the estimate on")
    args = parser.parse_args()

    messages = conversation(args.turns)
    chars = sum(len(m["content"]) for m in messages)
    print(f"{args.turns} turns, {len(messages)} messages, {chars:,} characters\n")

    name = encoding_name_for(args.model)
    start = time.perf_counter()
    encoding = load_cached_encoding(name)
    load_ms = (time.perf_counter() - start) * 1000

    print("| counter | tokens | cold ms | cached ms | +1 turn ms | fit_messages ms |")
    print("|---|---:|---:|---:|---:|---:|")
    bench_counter("estimate", TokenCounter, messages)
    if encoding is not None:
        bench_counter(f"tiktoken {name}", lambda: TokenCounter(encoding), messages)
        print(f"\nLoading {name} from the cache: {load_ms:.0f} ms (once per run)")
    else:
        print(f"\n{name} is not cached here ({load_ms:.1f} ms to find out): estimate only")

    text = "\n".join(m["content"] for m in messages)
    est_ms = _ms(lambda: estimate_tokens(text), repeat=5)
    print(f"\nestimate_tokens throughput: {len(text) / est_ms / 1000:.1f} MB/s", end="")
    if encoding is not None:
        tik_ms = _ms(lambda: encoding.encode_ordinary(text), repeat=5)
        exact = len(encoding.encode_ordinary(text))
        estimate = estimate_tokens(text)
        print(f"; tiktoken {len(text) / tik_ms / 1000:.1f} MB/s")
        print(
            f"whole chat: estimate {estimate:,} vs {name} {exact:,} ({estimate / exact - 1:+.1%})"
        )
    else:
        print()

    bench_pathological()

    if args.files:
        if encoding is None:
            sys.exit("calibration needs a cached encoding (set TIKTOKEN_CACHE_DIR)")
        calibrate(encoding, args.files)


#: The inputs tests/test_tokens.py checks for a positive estimate, as functions of size.
PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "`=` × n": lambda n: "=" * n,
    "`(` × n + `x`": lambda n: "(" * n + "x",
    "`-(` × n/2": lambda n: "-(" * (n // 2),
    "`中` × n": lambda n: "中" * n,
    "`a` × n": lambda n: "a" * n,
}


def _cpu_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU time of `fn` in ms: steadier than wall time on a shared machine."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def bench_pathological(sizes: tuple[int, ...] = (100_000, 200_000, 400_000)) -> None:
    """estimate_tokens on inputs built to make a regex backtrack: CPU ms at each size."""
    head = " | ".join(f"n={n:,}" for n in sizes)
    print(f"\n| pathological input, CPU ms | {head} | {sizes[-1] // sizes[0]}x the text costs |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    at_200k = 0.0
    for label, make in PATHOLOGICAL.items():
        costs = []
        for n in sizes:
            text = make(n)
            costs.append(_cpu_ms(lambda text=text: estimate_tokens(text), repeat=11))
            if n == 200_000:
                at_200k += costs[-1]
        cells = " | ".join(f"{ms:.1f}" for ms in costs)
        print(f"| {label} | {cells} | {costs[-1] / costs[0]:.1f}x |")
    if at_200k:
        print(f"\nAll five at n=200,000 (what tests/test_tokens.py checks): {at_200k:.0f} ms CPU")


def calibrate(encoding: EncodingLike, files: list[Path], chunk: int = 1500) -> None:
    """Estimate vs tiktoken per file, and spread over chunks the size of a long message."""
    print(f"\n| file | chars | {encoding.name} | estimate | error |", end="")
    print(" chunks | p10 | median | p90 | worst |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    everything: list[float] = []
    for path in files:
        body = path.read_text(encoding="utf-8", errors="replace")
        exact = len(encoding.encode_ordinary(body))
        estimate = estimate_tokens(body)
        pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
        errors = sorted(
            estimate_tokens(p) / n - 1
            for p in pieces
            if len(p) > 200 and (n := len(encoding.encode_ordinary(p)))
        )
        everything += errors
        if not exact or not errors:
            continue
        worst = max(errors, key=abs)
        error = estimate / exact - 1
        print(
            f"| {path.name} | {len(body):,} | {exact:,} | {estimate:,} | {error:+.0%} "
            f"| {len(errors)} | {_pct(errors, 0.1):+.0%} | {statistics.median(errors):+.0%} "
            f"| {_pct(errors, 0.9):+.0%} | {worst:+.0%} |"
        )
    if everything:
        within = sum(abs(e) <= 0.25 for e in everything) / len(everything)
        print(f"\n{len(everything)} chunks of {chunk} characters: {within:.1%} within ±25%")


def _pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


if __name__ == "__main__":
    main()
