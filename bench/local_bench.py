"""First run without a key: local server detection cost, and the built-in model's speed.

    python bench/local_bench.py [--runs N] [--questions N]

Detection: `detect_local` over the four default ports and over four closed loopback ports
(nothing listening), median of N runs. The built-in model (needs the [local] extra):
model load time, then per question the time to the first token and the tokens/s after it.
Figures go to docs/benchmarks-local.md.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import time

from llmchat.config import Params
from llmchat.events import TextDelta
from llmchat.setup import embedded
from llmchat.setup.detect import PROBES_VAR, detect_local

QUESTIONS = (
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain in two sentences what a compiler does.",
    "List three fruits.",
    "Say hello in Spanish.",
)


def _closed_ports(count: int) -> list[int]:
    ports = []
    for _ in range(count):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            ports.append(int(sock.getsockname()[1]))
    return ports


def bench_detection(runs: int) -> None:
    closed = ",".join(f"p{i}=127.0.0.1:{port}" for i, port in enumerate(_closed_ports(4)))
    for name, vars in (("default ports", {}), ("4 closed ports", {PROBES_VAR: closed})):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            found = detect_local(vars)
            times.append((time.perf_counter() - started) * 1000)
        what = found.banner() if found else "nothing found"
        print(f"detect_local, {name}: median {statistics.median(times):.2f} ms, "
              f"max {max(times):.2f} ms ({what})")  # fmt: skip


def bench_model(questions: int) -> None:
    if not embedded.available():
        print("built-in model: the [local] extra is not installed; skipped")
        return
    from llmchat.wire.client import ChatRequest

    client = embedded.EmbeddedClient()
    started = time.perf_counter()
    client._load()
    print(f"model load: {(time.perf_counter() - started) * 1000:.0f} ms")
    for question in QUESTIONS[:questions]:
        request = ChatRequest(
            model=embedded.MODEL_NAME,
            messages=[{"role": "user", "content": question}],
            params=Params(temperature=0.0, max_tokens=128),
        )
        started = time.perf_counter()
        first: float | None = None
        tokens = 0
        for event in client.events(request):
            if isinstance(event, TextDelta):
                tokens += 1
                first = first or time.perf_counter()
        end = time.perf_counter()
        assert first is not None
        rate = (tokens - 1) / (end - first) if end > first else 0.0
        print(f"first token {(first - started) * 1000:6.0f} ms · {tokens:3d} tokens · "
              f"{rate:5.1f} tokens/s after it · {question!r}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    args = parser.parse_args()
    bench_detection(args.runs)
    bench_model(args.questions)


if __name__ == "__main__":
    main()
