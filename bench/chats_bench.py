"""How fast are listing and search over many saved chats with the SQLite index?

Generates N synthetic chats (mixed English/Chinese, 10 exchanges each) once into a data
dir, in the bytes the real ChatWriter writes (its `_encode` of real records), then
measures: a full index rebuild (time, index size vs JSONL size); the installed
`llmchat` command as a user runs it (`--version`, `chats`, `chats search` for a common
phrase, a rare word, a Chinese word, a two-character Chinese word and a miss, `-c` vs
`--no-save` against the fake server); the same queries in-process on an open index; a
full size/mtime sweep; and one appended message (JSONL write + fsync, index transaction).

    nice python bench/chats_bench.py [--chats 50000] [--dir /tmp/llmchat-bench-50k]
        [--skip-rebuild | --rebuild-only] [--runs 5]

Not part of the test run; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmchat.events import Usage
from llmchat.store import ChatStore
from llmchat.store.index import INDEX_FILE, SWEEP_EVERY_S, ChatIndex
from llmchat.store.index_query import ChatQueries, ChatRow
from llmchat.store.records import Cost, MessageRecord, MetaRecord
from llmchat.store.writer import _encode

EN = [
    "deploy the service behind a load balancer and watch the latency graphs closely",
    "python generators keep memory flat while reading large files line by line",
    "a database index trades disk space for faster lookups on the columns you filter",
    "retry with exponential backoff when the upstream api answers with a rate limit",
    "the terminal renders markdown tables, code blocks and lists as they stream in",
]
ZH = [
    "量子计算利用叠加和纠缠来并行处理信息",
    "这个函数的时间复杂度是线性的，可以放心使用",
    "请把这段代码改成异步的版本，并加上错误处理",
    "数据库索引可以加快查询，但会占用更多磁盘空间",
    "在终端里流式显示回答，让等待显得更短",
]
RARE = "zanzibarquux"  # appears in one chat in a thousand
MODELS = [
    ("deepseek", "deepseek-chat", "USD"),
    ("openai", "gpt-4o", "USD"),
    ("qwen", "qwen-max", "CNY"),
]


def _text(rng: random.Random, parts: int) -> str:
    return " ".join(rng.choice(EN if rng.random() < 0.6 else ZH) for _ in range(parts))


def generate(data: Path, count: int) -> None:
    chats = data / "chats"
    chats.mkdir(parents=True, exist_ok=True, mode=0o700)
    rng = random.Random(17)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(count):
        when = start + timedelta(minutes=15 * i)
        provider, model, currency = MODELS[i % len(MODELS)]
        chat_id = f"{when:%Y%m%d-%H%M%S}-{i:06x}"
        records: list[object] = [
            MetaRecord(chat_id, when.isoformat(), provider, model, {}, None, True)
        ]
        for turn in range(10):
            ts = (when + timedelta(minutes=turn)).isoformat()
            question = _text(rng, 1) + (f" {RARE}" if i % 1000 == 7 and turn == 3 else "")
            records.append(MessageRecord("user", question, ts, provider, model))
            records.append(
                MessageRecord(
                    "assistant",
                    _text(rng, 4),
                    ts,
                    provider,
                    model,
                    usage=Usage(prompt_tokens=200 + turn * 150, completion_tokens=120),
                    cost=Cost(0.0004, currency),
                )
            )
        path = chats / f"{chat_id}.jsonl"
        path.write_bytes(b"".join(_encode(r) for r in records))  # type: ignore[arg-type]
        stamp = when.timestamp() + 600
        os.utime(path, (stamp, stamp))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def _best(runs: int, action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000, result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class ProcessTimes:
    """One command run `runs` times: best wall, best and median CPU (user+sys), in ms.
    On a shared machine wall time is mostly waiting for a core; CPU time is what the
    process itself cost."""

    wall: float
    cpu: float
    cpu_median: float

    def __str__(self) -> str:
        return f"{self.cpu:.0f} ms CPU (median {self.cpu_median:.0f}), {self.wall:.0f} ms wall"


def _process(runs: int, action: Callable[[], object]) -> tuple[ProcessTimes, object]:
    walls, cpus, result = [], [], None
    for _ in range(runs):
        c0, t0 = _children_cpu(), time.perf_counter()
        result = action()
        walls.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - c0)
    times = ProcessTimes(min(walls) * 1000, min(cpus) * 1000, statistics.median(cpus) * 1000)
    return times, result


SEARCHES = [
    ("common", "load balancer"),
    ("rare", RARE),
    ("Chinese", "量子计算"),
    ("Chinese, 2 chars", "索引"),
    ("miss", "nothing like this"),
]


def _rebuild(data: Path, jsonl: int, count: int) -> None:
    (data / INDEX_FILE).unlink(missing_ok=True)
    t0, cpu0 = time.perf_counter(), time.process_time()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 10:
            last[0] = time.perf_counter()
            print(f"  rebuild {done:,}/{total:,}", flush=True)

    ChatIndex(data, progress=progress).rebuild()
    rebuild, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    index_size = sum(p.stat().st_size for p in data.iterdir() if p.name.startswith(INDEX_FILE))
    print(
        f"rebuild: {rebuild:.1f} s wall, {cpu:.1f} s CPU ({cpu / count * 1000:.2f} ms/chat);"
        f" index {index_size / 1e6:,.0f} MB "
        f"({index_size / jsonl:.2f}x the JSONL)"
    )


def _resume_target(data: Path, exchanges: int) -> str:
    """A chat of a realistic size written last, as llmchat writes it (index told of
    each line), for `-c` to continue; each `-c` run adds one exchange to it."""
    rng = random.Random(1017)
    index = ChatIndex(data)
    with ChatStore(data).new_chat("openai", "gpt-4o") as writer:
        for _ in range(exchanges):
            writer.append_message("user", _text(rng, 1), provider="openai", model="gpt-4o")
            writer.append_message(
                "assistant",
                _text(rng, 4),
                provider="openai",
                model="gpt-4o",
                usage=Usage(prompt_tokens=900, completion_tokens=120),
                cost=Cost(0.0004, "USD"),
            )
            index.note_write(writer.id)
        chat_id = writer.id
    index.close()
    return chat_id


def _cli(data: Path, runs: int, exchanges: int) -> None:
    """The installed command, as a user types it; stdout into a pipe (no pager)."""
    exe = shutil.which("llmchat")
    assert exe, "install llmchat in this environment first"
    env = {**os.environ, "LLMCHAT_DATA_DIR": str(data)}

    def run(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [exe, *args], env={**env, **(extra or {})}, capture_output=True, text=True
        )

    version, _ = _process(runs, lambda: run("--version"))
    print(f"CLI llmchat --version: {version}")
    listing, _ = _process(runs, lambda: run("chats"))
    print(
        f"CLI llmchat chats (latest 20): {listing} "
        f"(+{listing.cpu - version.cpu:.0f} ms CPU, +{listing.wall - version.wall:.0f} ms wall)"
    )
    for label, needle in SEARCHES:
        times, res = _process(runs, lambda n=needle: run("chats", "search", n))  # type: ignore[misc]
        hits = sum(1 for line in res.stdout.splitlines() if not line.startswith(" "))  # type: ignore[attr-defined]
        print(f"CLI chats search {label} {needle!r}: {times}, {hits} hits")

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from fakeserver import FakeOpenAI

    target = _resume_target(data, exchanges)
    with FakeOpenAI() as server:
        api = {"OPENAI_API_KEY": "sk-bench-0123456789", "OPENAI_BASE_URL": server.base_url}
        # Interleaved, so both see the same load; -c appends to the latest chat each time.
        nosave: list[float] = []
        cont: list[float] = []
        for _ in range(runs):
            nosave.append(_process(1, lambda: run("--no-save", "hi", extra=api))[0].cpu)
            cont.append(_process(1, lambda: run("-c", "hi", extra=api))[0].cpu)
        grown = ChatStore(data).load(target)
        assert len(grown.exchanges()) == exchanges + runs, "-c did not continue the latest chat"
        pairs = statistics.median(c - n for c, n in zip(cont, nosave, strict=True))
        print(
            f"CLI one-shot, CPU ms best/median of {runs} interleaved: --no-save "
            f"{min(nosave):.0f}/{statistics.median(nosave):.0f}, -c {min(cont):.0f}/"
            f"{statistics.median(cont):.0f} (chat of {exchanges}–{exchanges + runs} "
            f"exchanges); -c minus --no-save: best {min(cont) - min(nosave):+.0f}, median "
            f"{statistics.median(cont) - statistics.median(nosave):+.0f}, median of pairs "
            f"{pairs:+.0f} ms"
        )


def _in_process(data: Path, runs: int, count: int) -> list[ChatRow]:
    def fresh() -> ChatQueries:
        return ChatQueries(ChatIndex(data))

    ms, _ = _best(runs, lambda: fresh().count())
    print(f"open + freshness check ({count:,} chats): {ms:.1f} ms")
    index = ChatIndex(data)
    index.open()
    ms, _ = _best(runs, lambda: index.sync(full=True))
    print(f"full size/mtime sweep of every file (every {SWEEP_EVERY_S} s at most): {ms:.0f} ms")
    index.close()
    ms, rows = _best(runs, lambda: fresh().latest(20))
    print(f"latest 20 (open + check + query): {ms:.1f} ms")
    warm = fresh()
    warm.count()
    ms, _ = _best(runs, lambda: warm.latest(20))
    print(f"latest 20 (query alone): {ms:.1f} ms")
    for label, needle in SEARCHES:
        ms_open, hits = _best(runs, lambda n=needle: fresh().search(n))  # type: ignore[misc]
        ms_q, _ = _best(runs, lambda n=needle: warm.search(n))  # type: ignore[misc]
        print(
            f"search {label} {needle!r}: {ms_open:.1f} ms with open, {ms_q:.1f} ms query "
            f"({len(hits)} hits)"  # type: ignore[arg-type]
        )
    return rows  # type: ignore[return-value]


def _append(data: Path, chat_id: str) -> None:
    store = ChatStore(data)  # durable: fsync like a real chat
    index = ChatIndex(data)
    index.open()
    writer = store.open_for_append(chat_id)
    jsonl_ms, index_ms = [], []
    for i in range(20):
        t0 = time.perf_counter()
        writer.append_message("user", f"one more question {i}", provider="p", model="m")
        t1 = time.perf_counter()
        index.note_write(writer.id)
        t2 = time.perf_counter()
        jsonl_ms.append((t1 - t0) * 1000)
        index_ms.append((t2 - t1) * 1000)
    writer.close()
    print(
        f"append one message: JSONL write+fsync {statistics.median(jsonl_ms):.2f} ms, "
        f"index transaction {statistics.median(index_ms):.2f} ms (median of 20)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=50_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/llmchat-bench-50k"))
    parser.add_argument("--skip-rebuild", action="store_true", help="keep an existing index")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild-only", action="store_true", help="stop after the rebuild")
    parser.add_argument("--exchanges", type=int, default=30, help="size of the chat -c continues")
    args = parser.parse_args()
    data: Path = args.dir
    marker = data / f"generated-{args.chats}"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        t0 = time.perf_counter()
        generate(data, args.chats)
        marker.touch()
        print(f"generated {args.chats:,} chats in {time.perf_counter() - t0:.1f} s")
    jsonl = _size(data / "chats")
    print(f"JSONL: {jsonl / 1e6:,.0f} MB in {args.chats:,} files")
    if not (args.skip_rebuild and (data / INDEX_FILE).exists()):
        _rebuild(data, jsonl, args.chats)
    if args.rebuild_only:
        return
    ChatIndex(data).open().close()  # settle: the next opens find it in step
    rows = _in_process(data, args.runs, args.chats)
    _cli(data, args.runs, args.exchanges)
    _append(data, rows[0].id)


if __name__ == "__main__":
    main()
