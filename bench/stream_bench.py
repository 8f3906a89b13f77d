"""What does reading a streamed reply cost: our SSE reader against the `openai` SDK's stream?

A 20,000-token Markdown reply (render_bench.make_reply, ~20,000 SSE chunks) from the fake
server of tests/fakeserver.py, in-process on 127.0.0.1, read by three child processes
whose stdout is a pipe (drained by this process):

- **llmchat**: the installed `llmchat "…"` (default: wire/sse.py reads the raw body);
- **llmchat, SDK stream**: the same with `LLMCHAT_SDK_STREAM=1` (the old path);
- **bare SDK**: a minimal script: `openai.OpenAI(...).chat.completions.create(stream=True)`,
  printing each delta's content, flushing once at the end.

CPU is the child's own user+sys from `os.wait4()`, so start-up and `import openai` are
included in all three, and the server's CPU (this process) in none. Cases run
interleaved, --runs times; tables give the median and min–max.

Then, in this process, the parser alone: the recorded body of the same reply (bytes,
cut in 16 KiB blocks like network reads) through `ChatStreamReader.events`, best of 5,
as µs per chunk (json.loads alone beside it), and the SDK's per-chunk cost the same way
(its SSE decoder plus `ChatCompletionChunk` construction, as its Stream does).

    python bench/stream_bench.py [--runs 5] [--tokens 20000] [--pty] [--paced RATE]

With --pty the children's stdout is a 24x100 pseudo-terminal (llmchat renders Markdown
live, the bare loop prints plain text into the same pty) and each one's peak RSS is read
with GNU time (/usr/bin/time -f %M).

With --paced RATE the server sends RATE chunks a second, held to the clock, as a real
model would (use it with --pty and e.g. --tokens 2000): llmchat then paces its reads to
its frames, while the SDK's stream (and the bare loop) wake for every chunk.

Run it from the repository root with the Python of the venv llmchat is installed in.
Linux or macOS; no network. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from fakeserver import FakeOpenAI, Reply  # noqa: E402
from render_bench import make_reply, sandbox_env  # noqa: E402

TEST_KEY = "sk-test-xxxxxxxxxxxxxxxxxxxxxxxx"
BLOCK = 16 * 1024

BARE_SDK = """
import sys, openai
client = openai.OpenAI(api_key=sys.argv[2], base_url=sys.argv[1])
stream = client.chat.completions.create(
    model="fake-model", messages=[{"role": "user", "content": "Write it."}], stream=True,
    stream_options={"include_usage": True},
)
write = sys.stdout.write
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        write(chunk.choices[0].delta.content)
sys.stdout.flush()
"""


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """CPU seconds (user+sys) of the child, and the bytes it wrote to its stdout pipe."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    size = 0
    while block := proc.stdout.read(65536):
        size += len(block)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, size


def record_body(base_url: str) -> bytes:
    """The raw SSE body of one streamed reply, as llmchat would receive it."""
    body = {
        "model": "fake-model",
        "messages": [{"role": "user", "content": "Write it."}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    request = urllib.request.Request(
        base_url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return bytes(response.read())


def best_of(work: Callable[[], object], times: int = 5) -> float:
    """The least CPU time of `times` runs: the least disturbed by other processes."""
    results = []
    for _ in range(times):
        start = time.process_time()
        work()
        results.append(time.process_time() - start)
    return min(results)


def parse_costs(raw: bytes) -> dict[str, float]:
    """µs per chunk: our reader, json.loads alone, the SDK's decoder + chunk objects."""
    from openai._models import construct_type
    from openai._streaming import SSEDecoder
    from openai.types.chat import ChatCompletionChunk

    from llmchat.wire.sse import ChatStreamReader, StreamSource

    blocks = [raw[i : i + BLOCK] for i in range(0, len(raw), BLOCK)]
    source = StreamSource("bench", "http://127.0.0.1/v1")
    reader = ChatStreamReader(source)
    for _ in reader.events(blocks):
        pass
    chunks = reader.chunks
    datas = [line[6:] for line in raw.split(b"\n\n") if line.startswith(b"data: {")]

    def ours() -> None:
        for _ in ChatStreamReader(source).events(blocks):
            pass

    def loads() -> None:
        for data in datas:
            json.loads(data)

    def sdk() -> None:
        # What openai.Stream does per chunk (its client's default, no strict validation):
        # decode SSE, json, build the model with construct_type.
        for sse in SSEDecoder().iter_bytes(iter(blocks)):
            if sse.data.startswith("[DONE]"):
                break
            construct_type(type_=ChatCompletionChunk, value=sse.json())

    return {
        "chunks": chunks,
        "ours_us": best_of(ours) / chunks * 1e6,
        "loads_us": best_of(loads) / chunks * 1e6,
        "sdk_us": best_of(sdk, 3) / chunks * 1e6,
    }


def run_in_pty(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """CPU seconds of the child with its stdout on a 24x100 pty, the bytes it wrote
    there, and its peak RSS in KiB (GNU time's %M)."""
    from render_bench import run

    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as out:
        rss_path = out.name
    try:
        cpu, size = run(["/usr/bin/time", "-f", "%M", "-o", rss_path, *argv], tty=True, env=env)
        rss = int(Path(rss_path).read_text().split()[-1])
    finally:
        os.unlink(rss_path)
    return cpu, size, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument(
        "--pty", action="store_true", help="stdout a 24x100 pty instead of a pipe (+ peak RSS)"
    )
    parser.add_argument(
        "--paced", type=float, default=0.0, help="the server sends this many chunks a second"
    )
    args = parser.parse_args(argv)

    text = make_reply(args.tokens)
    chunk_size = max(1, round(len(text) / args.tokens))
    pace = {"chunk_delay": 1 / args.paced, "paced": True} if args.paced else {}
    llmchat = str(Path(sys.executable).parent / "llmchat")
    cases = {
        "llmchat (our SSE reader)": ([llmchat, "--no-save", "Write it."], {}),
        "llmchat, LLMCHAT_SDK_STREAM=1": (
            [llmchat, "--no-save", "Write it."],
            {"LLMCHAT_SDK_STREAM": "1"},
        ),
        "bare SDK loop": ([sys.executable, "-c", BARE_SDK], {}),
    }
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    rss: dict[str, list[int]] = {name: [] for name in cases}
    written: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeOpenAI(default_reply=Reply(text=text, chunk_size=chunk_size, **pace)) as server,
    ):
        env = {**sandbox_env(Path(tmp)), "OPENAI_API_KEY": TEST_KEY}
        env["OPENAI_BASE_URL"] = server.base_url
        raw = record_body(server.base_url)
        for round_ in range(args.runs + 1):  # round 0 writes .pyc files, untimed
            for name, (cmd, extra) in cases.items():
                if name == "bare SDK loop":
                    cmd = [*cmd, server.base_url, TEST_KEY]
                if args.pty:
                    seconds, size, peak = run_in_pty(cmd, {**env, **extra})
                else:
                    (seconds, size), peak = run_child(cmd, {**env, **extra}), 0
                if round_:
                    cpu[name].append(seconds)
                    rss[name].append(peak)
                    written[name] = size
        costs = parse_costs(raw)
    report(args, text, chunk_size, len(raw), cpu, written, costs, rss)
    return 0


def report(
    args: argparse.Namespace,
    text: str,
    chunk_size: int,
    body_bytes: int,
    cpu: dict[str, list[float]],
    written: dict[str, int],
    costs: dict[str, float],
    rss: dict[str, list[int]],
) -> None:
    import openai

    bare = statistics.median(cpu["bare SDK loop"])
    print(
        f"Reply: {args.tokens:,} tokens of Markdown, {len(text):,} characters, sent in "
        f"{costs['chunks']:,.0f} SSE chunks of {chunk_size} characters ({body_bytes:,} bytes "
        f"of body"
        + (f", {args.paced:g} chunks a second" if args.paced else "")
        + f"). Python {platform.python_version()}, openai {openai.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; "
        f"{args.runs} runs each.\n"
    )
    into = "into a 24x100 pty" if args.pty else "into a pipe"
    extra = " peak RSS MiB, median |" if args.pty else ""
    print(f"| {into} | CPU s (user+sys), median (min–max) | × bare SDK | stdout bytes |{extra}")
    print("|---|---:|---:|---:|" + ("---:|" if args.pty else ""))
    for name, values in cpu.items():
        median = statistics.median(values)
        peak = f" {statistics.median(rss[name]) / 1024:.0f} |" if args.pty else ""
        print(
            f"| {name} | {median:.2f} ({min(values):.2f}–{max(values):.2f}) | "
            f"{median / bare:.2f} | {written[name]:,} |{peak}"
        )
    print()
    print("| parsing alone (in-process, best of 5) | µs per chunk |")
    print("|---|---:|")
    print(f"| ours: ChatStreamReader.events, bytes to events | {costs['ours_us']:.1f} |")
    print(f"| of which json.loads | {costs['loads_us']:.1f} |")
    print(f"| SDK: its SSEDecoder + construct_type(ChatCompletionChunk) | {costs['sdk_us']:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
