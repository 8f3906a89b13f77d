"""First run without a key: local server detection cost, and the built-in model's speed.

    python bench/local_bench.py [--runs N] [--questions N] [--threads N]

Detection: `detect_local` over the four default ports and over four closed loopback ports
(nothing listening), median of N runs. The built-in model (needs the [local] extra):
model load time, then per question the time to the first token and the tokens/s after it
(tokens as the model counts them), and the process's resident memory (peak included).
Figures go to docs/benchmarks-local.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import time

from llmchat.config import Params
from llmchat.events import TextDelta, Usage
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


def _rss_mb() -> tuple[float, float]:
    """This process's resident memory now and at its peak, in MB (Linux)."""
    now = 0.0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_model(questions: int, threads: int | None) -> None:
    if not embedded.available():
        print("built-in model: the [local] extra is not installed; skipped")
        return
    from llmchat.wire.client import ChatRequest

    before, _ = _rss_mb()
    client = embedded.EmbeddedClient(threads=threads)
    started = time.perf_counter()
    llama = client._load()
    loaded, _ = _rss_mb()
    took = (time.perf_counter() - started) * 1000
    print(f"model load: {took:.0f} ms, {llama.n_threads} thread(s); "
          f"RSS {before:.0f} MB before, {loaded:.0f} MB after")  # fmt: skip
    firsts, rates = [], []
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
                first = first or time.perf_counter()
            elif isinstance(event, Usage):
                tokens = event.completion_tokens
        end = time.perf_counter()
        assert first is not None
        rate = (tokens - 1) / (end - first) if end > first else 0.0
        firsts.append((first - started) * 1000)
        rates.append(rate)
        print(f"first token {firsts[-1]:6.0f} ms · {tokens:3d} tokens · "
              f"{rate:5.1f} tokens/s after it · {question!r}")  # fmt: skip
    # A chat near the window's end: ~1,400 tokens of history read before the reply.
    history = "The quick brown fox jumps over the lazy dog. " * 140
    request = ChatRequest(
        model=embedded.MODEL_NAME,
        messages=[{"role": "user", "content": history + "\nHow many foxes?"}],
        params=Params(temperature=0.0, max_tokens=16),
    )
    started = time.perf_counter()
    usage = next(e for e in client.events(request) if isinstance(e, Usage))
    print(f"a {usage.prompt_tokens:,}-token prompt: answered in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
    _, peak = _rss_mb()
    print(f"median: first token {statistics.median(firsts):.0f} ms, "
          f"{statistics.median(rates):.1f} tokens/s; peak RSS {peak:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp's own choice")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    bench_detection(args.runs)
    bench_model(args.questions, args.threads)


if __name__ == "__main__":
    main()
