"""What does rendering a streamed reply cost, and does the cost stay linear in its length?

Synthetic Markdown replies of 1,000, 5,000 and 20,000 tokens (headings, paragraphs,
emphasis, links, lists, quotes, Python code blocks, tables, Chinese and Japanese text)
are rendered by:

- **cli-pty / cli-pipe**: the installed `llmchat "…"` against the fake server of
  tests/fakeserver.py (reply = the document, sent as fast as it can in chunks of a few
  characters, one chunk per token), its stdout a 24×100 pseudo-terminal or a pipe. The
  rendering's own cost is cli-pty minus cli-pipe: same process, same SDK, same reply.
- **live / plain**: the renderer alone, fed the same reply as TextDelta events as fast as
  possible by a small child process whose stdout is the pty (live Markdown renderer) or
  a pipe (plain renderer): no network, no SDK.
- **once-rich / once-ours**: the finished document rendered once into the pty, by rich's
  own Markdown and by ours (CJK line breaking): the reference for "at most 2x".
- **naive**: the baseline: `rich.live.Live` showing `Markdown(everything so far)`,
  refreshed for every token. Quadratic, so only 1,000 and 3,000 tokens.
- **paced**: the live renderer fed at 1,000 tokens/s (a fast real model): how far behind
  schedule the feed loop ever got, and how long `finish` took after the last token.

CPU is user+sys. Children that render measure their own CPU around the work (after
imports) and read their peak RSS (VmHWM) at the end; the CLI's CPU is the whole
process's (os.wait4) and its peak RSS comes from GNU `/usr/bin/time -f %M`. Each case
runs --runs times, interleaved; tables give the median.

    python bench/render_bench.py [--runs 3] [--sizes 1000,5000,20000] [--naive 1000,3000]

Run it from the repository root with the Python of the venv llmchat is installed in.
Linux or macOS (it needs a pty); no network; about two minutes. Prints Markdown for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import fcntl
import itertools
import json
import os
import platform
import pty
import random
import re
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

ROWS, COLUMNS = 24, 100
TEST_KEY = "sk-test-xxxxxxxxxxxxxxxxxxxxxxxx"
DEAD_PROXY = "http://127.0.0.1:9"
LOOPBACK = "127.0.0.1,localhost,::1"

# Roughly how a BPE tokenizer cuts text: words with their leading space, short digit
# runs, and each CJK character or punctuation mark on its own.
TOKEN = re.compile(r" ?[A-Za-z]+| ?\d{1,3}|[^\S\n]+|\n+| ?[^\sA-Za-z\d]")

WORDS = re.findall(
    r"\w+",
    "stream render token terminal buffer parser block table column width latency python "
    "function request response server client cache memory screen output simple fast linear "
    "cost measure result value update frame line",
)
CJK = (
    "流式渲染需要在每个令牌到达时更新屏幕，但不能重复绘制已经完成的部分。",
    "终端的宽度有限，中文字符占两个单元格，所以换行必须在字符之间进行。",
    "表格和代码块是最难处理的，因为它们的布局取决于全部内容。",
    "ストリーミング表示では、完成したブロックを一度だけ出力します。",
    "長い返信でも画面がちらつかず、スクロールバックが正しく残ることが大切です。",
)


def _sentence(rnd: random.Random) -> str:
    words = rnd.sample(WORDS, rnd.randint(6, 14))
    pick = rnd.random()
    if pick < 0.2:
        words[1] = f"*{words[1]}*"
    elif pick < 0.4:
        words[2] = f"**{words[2]}**"
    elif pick < 0.6:
        words[3] = f"`{words[3]}()`"
    elif pick < 0.7:
        words[0] = f"[{words[0]}](https://example.com/{words[0]})"
    return " ".join(words).capitalize() + "."


def _section(rnd: random.Random, number: int) -> str:
    """One part of a reply: a heading and a few blocks of the kinds models write."""
    parts = [f"## {number}. {rnd.choice(WORDS).capitalize()} {rnd.choice(WORDS)}"]
    parts.append(" ".join(_sentence(rnd) for _ in range(rnd.randint(2, 5))))
    parts.append("".join(rnd.sample(CJK, 2)) + " Mixed English 和中文 text.")
    kind = number % 4
    if kind == 0:
        items = [f"- {_sentence(rnd)}" for _ in range(rnd.randint(3, 6))]
        items.insert(2, f"  - nested: {rnd.choice(CJK)}")
        parts.append("\n".join(items))
        parts.append("\n".join(f"{i}. {_sentence(rnd)}" for i in range(1, rnd.randint(3, 6))))
    elif kind == 1:
        lines = ["```python", f"def {rnd.choice(WORDS)}_{number}(items, limit=10):"]
        for i in range(rnd.randint(12, 40)):
            a, b = rnd.sample(WORDS, 2)
            lines.append(f"    {a}_{i} = {b}(items[{i}], limit)  # {rnd.choice(WORDS)}")
        lines += ["    return items", "```"]
        parts.append("\n".join(lines))
    elif kind == 2:
        rows = ["| name | 说明 | value |", "|---|---|--:|"]
        for i in range(rnd.randint(4, 9)):
            rows.append(f"| {rnd.choice(WORDS)} | {rnd.choice(CJK)[:12]} | {i * 37} |")
        parts.append("\n".join(rows))
    else:
        parts.append("> " + _sentence(rnd) + "\n> " + rnd.choice(CJK))
    return "\n\n".join(parts)


def make_reply(tokens: int, seed: int = 7) -> str:
    """A Markdown reply of about `tokens` tokens (by TOKEN's count)."""
    rnd = random.Random(seed)
    sections = ["Here is the overview you asked for."]
    count = len(TOKEN.findall(sections[0]))
    number = 1
    while count < tokens:
        section = _section(rnd, number)
        sections.append(section)
        count += len(TOKEN.findall(section)) + 1
        number += 1
    return "\n\n".join(sections) + "\n"


def split_tokens(text: str) -> list[str]:
    pieces = TOKEN.findall(text)
    assert "".join(pieces) == text, "the token pattern must cover the text"
    return pieces


# --- the child side: render a document, report CPU and memory -----------------------


def _vm_hwm_kib() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _watch_frames(renderer: Any) -> list[float]:
    """When each frame of a live renderer finished drawing (monotonic seconds)."""
    drawn: list[float] = []
    screen = getattr(renderer, "_screen", None)
    if screen is None:
        return drawn
    draw = screen.draw

    def timed(*args: Any, **kwargs: Any) -> Any:
        result = draw(*args, **kwargs)
        drawn.append(time.monotonic())
        return result

    screen.draw = timed
    return drawn


def _display_lag(
    dues: list[float], fed: list[float], drawn: list[float], began: float
) -> dict[str, Any]:
    """How long each token waited, from when the stream had it (its due time) to the end
    of the first frame that ended after `feed` was called with it (`fed`): the display's
    lag behind the stream, the feed loop's own delays included.

    Also the longest gap between frames while tokens came (what "one frame" is at that
    point: frames are spaced by the live part's cost), and the worst lag per 10 s window
    (a lag that grows shows as a rising row of windows)."""
    lags: list[float] = []
    frame = 0
    for due, start in zip(dues, fed, strict=True):
        while frame < len(drawn) and drawn[frame] < start:
            frame += 1
        if frame == len(drawn):
            break
        lags.append(drawn[frame] - due)
    in_stream = [t for t in drawn if t <= (dues[-1] if dues else began)]
    gaps = [b - a for a, b in itertools.pairwise(in_stream)]
    windows: dict[int, float] = {}
    for due, lag in zip(dues, lags, strict=False):
        window = int((due - began) // 10)
        windows[window] = max(windows.get(window, 0.0), lag)
    ordered = sorted(lags)
    return {
        "lag_max_s": ordered[-1] if ordered else 0.0,
        "lag_p99_s": ordered[int(len(ordered) * 0.99)] if ordered else 0.0,
        "frame_gap_max_s": max(gaps, default=0.0),
        "frames": len(drawn),
        "lag_windows_s": [windows[w] for w in sorted(windows)],
    }


def child(mode: str, doc_path: str, result_path: str) -> None:
    """Render the document at `doc_path` to stdout as `mode` says; write figures as JSON."""
    from llmchat.environment import Environment
    from llmchat.events import TextDelta, TurnStats, Usage
    from llmchat.render.renderer import make_renderer

    before_import = _cpu()
    import llmchat.render.live  # noqa: F401  (measured apart: the REPL preloads it)

    import_s = _cpu() - before_import
    text = Path(doc_path).read_text(encoding="utf-8")
    tokens = split_tokens(text)
    # The events are built before the clock starts: building them is the wire's work
    # (wire/sse.py), which the paced loop alone does not do either.
    events = [TextDelta(token) for token in tokens]
    env = Environment.from_process()
    result: dict[str, Any] = {"tokens": len(tokens), "import_s": import_s}
    cpu, wall = _cpu(), time.perf_counter()
    rate = 1000.0 if mode == "paced" else float(mode[6:]) if mode.startswith("paced-") else 0.0
    if mode.startswith("final-"):
        rate = float(mode[6:])  # paced, but no frame is drawn until the reply ends
    chunkwise = mode.startswith("chunkwise-")
    if chunkwise:
        rate = float(mode[10:])  # paced, each chunk fed as it comes (reads not paced)
    if mode.startswith("idle-"):
        # The paced loop alone (its sleeps and clock reads wake the process 2,000 times
        # a minute): what the paced figures hold that is not the renderer's.
        # Its bookkeeping is the paced loop's, less the renderer.
        began, idle_rate = time.monotonic(), float(mode[5:])
        idle_dues: list[float] = []
        idle_fed: list[float] = []
        for index in range(len(events)):
            due = began + index / idle_rate
            idle_dues.append(due)
            now = time.monotonic()
            if now < due:
                time.sleep(due - now)
            idle_fed.append(time.monotonic())
    elif mode in ("live", "plain") or rate:
        renderer = make_renderer(env)
        if mode.startswith("final-"):
            # The floor under any frame rate: the reply fed at its pace and rendered only
            # when it ends (what the fed tokens and the final rendering cost by themselves).
            from llmchat.render.live import LiveRenderer
            from llmchat.render.renderer import terminal_console

            renderer = LiveRenderer(terminal_console(env), frame_seconds=1e9)
        drawn = _watch_frames(renderer)
        renderer.start()
        # Where the wire would wait for the network, it asks the renderer how long it may
        # leave the bytes unread (wire/body.py); the tokens due meanwhile are
        # then fed at once, as one read would bring them.
        pacer = None if chunkwise or mode.startswith("final-") else renderer.before_read
        began = time.monotonic()
        behind = 0.0
        dues: list[float] = []
        fed: list[float] = []
        for index, event in enumerate(events):
            if rate:
                due = began + index / rate
                dues.append(due)
                now = time.monotonic()
                if now < due:
                    pause = pacer() if pacer is not None else 0.0
                    time.sleep(max(due, now + pause) - now)
                else:
                    behind = max(behind, now - due)
            if rate:
                fed.append(time.monotonic())
            renderer.feed(event)
        last = time.monotonic()
        renderer.finish(TurnStats(usage=Usage(completion_tokens=len(tokens))))
        result["finish_s"] = time.monotonic() - last
        result["behind_s"] = behind
        if rate:
            result.update(_display_lag(dues, fed, drawn, began))
        screen = getattr(renderer, "_screen", None)
        result["screen_bytes"] = getattr(screen, "bytes_written", None)
    elif mode in ("once-rich", "once-ours"):
        from rich.console import Console
        from rich.markdown import Markdown

        from llmchat.render.markdown import answer_markdown

        console = Console(file=sys.stdout, force_terminal=True)
        console.print(Markdown(text) if mode == "once-rich" else answer_markdown(text))
    elif mode == "naive":
        from rich.console import Console
        from rich.live import Live
        from rich.markdown import Markdown

        console = Console(file=sys.stdout, force_terminal=True)
        so_far = ""
        with Live(console=console, auto_refresh=False, vertical_overflow="visible") as live:
            for token in tokens:
                so_far += token
                live.update(Markdown(so_far), refresh=True)
    else:
        raise SystemExit(f"unknown mode {mode}")
    sys.stdout.flush()
    result["cpu_s"] = _cpu() - cpu
    result["wall_s"] = time.perf_counter() - wall
    result["rss_kib"] = _vm_hwm_kib()
    Path(result_path).write_text(json.dumps(result))


# --- the parent side: run children into a pty or a pipe ------------------------------


def _drain(fd: int, sink: list[int]) -> None:
    """Read the pty until the child closes it, counting bytes (a terminal that keeps up)."""
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            return
        if not data:
            return
        sink[0] += len(data)


def run(argv: Sequence[str], *, tty: bool, env: dict[str, str]) -> tuple[float, int]:
    """Run argv with stdout on a fresh 24x100 pty (or a pipe); its CPU and output bytes."""
    count = [0]
    if tty:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env=env
        )
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master, count))
    else:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        assert proc.stdout is not None
        reader = threading.Thread(target=_drain, args=(proc.stdout.fileno(), count))
    reader.start()
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if tty:
        os.close(master)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed ({proc.returncode}): {errors.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, count[0]


def run_child(mode: str, doc: Path, *, tty: bool, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        result_path = out.name
    try:
        argv = [sys.executable, __file__, "--child", mode, str(doc), result_path]
        _, written = run(argv, tty=tty, env=env)
        result: dict[str, Any] = json.loads(Path(result_path).read_text())
    finally:
        os.unlink(result_path)
    result["bytes"] = written
    return result


def run_cli(doc: Path, chunk: int, *, tty: bool, env: dict[str, str]) -> dict[str, Any]:
    """`llmchat "…"` against a fake server replying with the document."""
    from fakeserver import FakeOpenAI, Reply

    llmchat = Path(sys.executable).parent / "llmchat"
    text = doc.read_text(encoding="utf-8")
    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as out:
        rss_path = out.name
    try:
        with FakeOpenAI(default_reply=Reply(text=text, chunk_size=chunk)) as server:
            cli_env = {**env, "OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss_path, str(llmchat), "Write it."]
            cpu, written = run(argv, tty=tty, env=cli_env)
        rss = int(Path(rss_path).read_text().split()[-1])
    finally:
        os.unlink(rss_path)
    return {"cpu_s": cpu, "rss_kib": rss, "bytes": written}


def sandbox_env(root: Path) -> dict[str, str]:
    """A sealed environment: throwaway HOME and dirs, proxies closed, a 256-colour terminal."""
    home = root / "home"
    for sub in ("home", "config", "data", "tiktoken"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "LLMCHAT_CONFIG_DIR": str(root / "config"),
        "LLMCHAT_DATA_DIR": str(root / "data"),
        "TIKTOKEN_CACHE_DIR": str(root / "tiktoken"),
        "PYTHONPATH": str(ROOT),
        "NO_PROXY": LOOPBACK,
        "no_proxy": LOOPBACK,
        "HTTPS_PROXY": DEAD_PROXY,
        "HTTP_PROXY": DEAD_PROXY,
        "ALL_PROXY": DEAD_PROXY,
    }


def _median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in results if r.get(key) is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--naive", default="1000,3000", help="sizes for the naive baseline")
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "DOC", "RESULT"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--paced",
        default="",
        help="RATES[:TOKENS]: only the paced cases (issue 16), e.g. 20,100,1000:2000",
    )
    parser.add_argument(
        "--sustained", type=int, default=0, help="with --paced: 2,000 tok/s for this many s"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="with --paced: also each pace with no frame drawn until the end (the floor)",
    )
    parser.add_argument(
        "--chunkwise",
        action="store_true",
        help="with --paced: also each pace with every chunk fed as it comes (reads not paced)",
    )
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if args.paced:
        return paced_main(
            args.paced, args.sustained, args.runs, floor=args.floor, chunkwise=args.chunkwise
        )

    sizes = [int(s) for s in args.sizes.split(",")]
    naive_sizes = [int(s) for s in args.naive.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = sandbox_env(root)
        docs: dict[int, Path] = {}
        for size in sorted({*sizes, *naive_sizes}):
            docs[size] = root / f"reply-{size}.md"
            docs[size].write_text(make_reply(size), encoding="utf-8")

        cases: list[tuple[str, int]] = []
        for size in sizes:
            cases += [(mode, size) for mode in ("cli-pty", "cli-pipe", "live", "plain")]
            cases += [("once-rich", size), ("once-ours", size)]
        cases += [("naive", size) for size in naive_sizes]
        cases.append(("paced", 5000 if 5000 in docs else sizes[0]))
        results: dict[tuple[str, int], list[dict[str, Any]]] = {case: [] for case in cases}

        for mode, size in cases:  # one untimed round: .pyc files, lexer imports
            if mode in ("cli-pty", "live") and size == sizes[0]:
                _one(mode, size, docs, env)
        for round_number in range(args.runs):
            for mode, size in cases:
                if mode in ("naive", "paced") and round_number > 0:
                    continue  # slow, and steady enough once
                results[(mode, size)].append(_one(mode, size, docs, env))
                print(f"  {mode} {size}: {results[(mode, size)][-1]}", file=sys.stderr)
        report(results, sizes, naive_sizes, docs, args.runs)
    return 0


def _one(mode: str, size: int, docs: dict[int, Path], env: dict[str, str]) -> dict[str, Any]:
    doc = docs[size]
    if mode.startswith("cli-"):
        chunk = max(1, round(len(doc.read_text(encoding="utf-8")) / size))
        return run_cli(doc, chunk, tty=mode == "cli-pty", env=env)
    return run_child(mode, doc, tty=mode != "plain", env=env)


def report(
    results: dict[tuple[str, int], list[dict[str, Any]]],
    sizes: list[int],
    naive_sizes: list[int],
    docs: dict[int, Path],
    runs: int,
) -> None:
    print(
        f"`python bench/render_bench.py --runs {runs}`: nproc {os.cpu_count()}, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}, "
        f"rich {_version('rich')}; "
        f"pty {ROWS}x{COLUMNS}, TERM=xterm-256color. Medians of {runs} runs.\n"
    )
    print(
        "| tokens | chars | CLI pty CPU s | CLI pipe CPU s | **rendering (pty − pipe) s** "
        "| CLI peak RSS pty / pipe MiB | bytes to the pty |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    render_cost: dict[int, float] = {}
    for size in sizes:
        tty, pipe = results[("cli-pty", size)], results[("cli-pipe", size)]
        render_cost[size] = _median(tty, "cpu_s") - _median(pipe, "cpu_s")
        chars = len(docs[size].read_text(encoding="utf-8"))
        print(
            f"| {size:,} | {chars:,} | {_median(tty, 'cpu_s'):.2f} | {_median(pipe, 'cpu_s'):.2f} "
            f"| **{render_cost[size]:.2f}** | {_median(tty, 'rss_kib') / 1024:.0f} / "
            f"{_median(pipe, 'rss_kib') / 1024:.0f} | {_median(tty, 'bytes') / 1e3:,.0f} kB |"
        )
    imports = _median(results[("live", sizes[0])], "import_s")
    print(
        f"\nThe pty runs also import rich's Markdown and pygments, which the pipe runs never "
        f"load: {imports:.2f} s of CPU of each difference above."
    )
    print()
    print(
        "| tokens | live renderer → pty CPU s | plain → pipe CPU s | **live − plain** "
        "| rich Markdown once s | ours once s | live / rich once | peak RSS live MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    live_cost: dict[int, float] = {}
    for size in sizes:
        live, plain = results[("live", size)], results[("plain", size)]
        once_rich = _median(results[("once-rich", size)], "cpu_s")
        once_ours = _median(results[("once-ours", size)], "cpu_s")
        live_cost[size] = _median(live, "cpu_s") - _median(plain, "cpu_s")
        print(
            f"| {size:,} | {_median(live, 'cpu_s'):.2f} | {_median(plain, 'cpu_s'):.2f} "
            f"| **{live_cost[size]:.2f}** | {once_rich:.2f} | {once_ours:.2f} "
            f"| {live_cost[size] / once_rich:.1f}x | {_median(live, 'rss_kib') / 1024:.0f} |"
        )
    if 5000 in sizes and 20000 in sizes:
        print(
            f"\nLinearity, 20,000 vs 5,000 tokens (target ≤ 4.5x): CLI rendering "
            f"{render_cost[20000] / render_cost[5000]:.1f}x, renderer alone "
            f"{live_cost[20000] / live_cost[5000]:.1f}x."
        )
    if naive_sizes:
        print("\n| naive `Live(Markdown(all))`, refresh per token | CPU s | wall s |")
        print("|---:|---:|---:|")
        for size in naive_sizes:
            naive = results[("naive", size)]
            cpu, wall = _median(naive, "cpu_s"), _median(naive, "wall_s")
            print(f"| {size:,} tokens | {cpu:.1f} | {wall:.1f} |")
    paced = next(key for key in results if key[0] == "paced")
    figures = results[paced][0]
    print(
        f"\nPaced at 1,000 tokens/s ({paced[1]:,} tokens, live renderer into the pty): "
        f"the feed loop was at most {figures['behind_s'] * 1000:.0f} ms behind schedule, "
        f"`finish` took {figures['finish_s'] * 1000:.0f} ms after the last token, and "
        f"rendering used {figures['cpu_s'] / figures['wall_s'] * 100:.0f}% of one core."
    )


def paced_main(
    spec: str, sustained: int, runs: int, *, floor: bool = False, chunkwise: bool = False
) -> int:
    """Issue 16's paced cases: a reply fed at real models' paces into the pty."""
    rates_text, _, size_text = spec.partition(":")
    size = int(size_text or 2000)
    rates = [int(r) for r in rates_text.split(",") if r]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = sandbox_env(root)
        doc = root / "reply.md"
        doc.write_text(make_reply(size), encoding="utf-8")
        long_doc = root / "long.md"
        if sustained:
            long_doc.write_text(make_reply(2000 * sustained), encoding="utf-8")
        run_child("live", doc, tty=True, env=env)  # untimed: .pyc files, lexer imports
        rows: dict[str, list[dict[str, Any]]] = {}
        for _ in range(runs):
            paced = [mode for r in rates for mode in (f"paced-{r}", f"idle-{r}")]
            paced += [f"final-{r}" for r in rates] if floor else []
            paced += [f"chunkwise-{r}" for r in rates] if chunkwise else []
            for mode in ("once-rich", "once-ours", *paced):
                rows.setdefault(mode, []).append(run_child(mode, doc, tty=True, env=env))
                print(f"  {mode}: {rows[mode][-1]}", file=sys.stderr)
        if sustained:
            rows["sustained"] = [run_child("paced-2000", long_doc, tty=True, env=env)]
            print(f"  sustained: {rows['sustained'][-1]}", file=sys.stderr)
    once_rich = _median(rows["once-rich"], "cpu_s")
    once_bytes = _median(rows["once-ours"], "bytes")
    rich_bytes = _median(rows["once-rich"], "bytes")
    print(
        f"`python bench/render_bench.py --paced {spec} --runs {runs}`: load average "
        f"{os.getloadavg()[0]:.1f} at the end; {size:,}-token reply, "
        f"pty {ROWS}x{COLUMNS}, medians of {runs}. One rich render: {once_rich:.3f} s CPU, "
        f"{rich_bytes / 1e3:.1f} kB; ours once: {once_bytes / 1e3:.1f} kB.\n"
    )
    print(
        "| tok/s | CPU s | the paced loop alone s | renderer CPU s (CPU − loop) | × rich once "
        "| bytes to the pty | × ours once | × rich once "
        "| frames | display lag max / p99 ms | longest frame gap ms | finish ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rate, kind in [(r, k) for r in rates for k in ("paced", "chunkwise")]:
        if f"{kind}-{rate}" not in rows:
            continue
        got = rows[f"{kind}-{rate}"]
        cpu, written = _median(got, "cpu_s"), _median(got, "bytes")
        idle = _median(rows[f"idle-{rate}"], "cpu_s")
        label = f"{rate:,}" + (", reads not paced" if kind == "chunkwise" else "")
        print(
            f"| {label} | {cpu:.2f} | {idle:.2f} | {cpu - idle:.2f} "
            f"| {(cpu - idle) / once_rich:.1f} "
            f"| {written / 1e3:.1f} kB "
            f"| {written / once_bytes:.2f} | {written / rich_bytes:.2f} "
            f"| {_median(got, 'frames'):.0f} "
            f"| {_median(got, 'lag_max_s') * 1000:.0f} / {_median(got, 'lag_p99_s') * 1000:.0f} "
            f"| {_median(got, 'frame_gap_max_s') * 1000:.0f} "
            f"| {_median(got, 'finish_s') * 1000:.0f} |"
        )
    for rate in rates if floor else []:
        final = _median(rows[f"final-{rate}"], "cpu_s") - _median(rows[f"idle-{rate}"], "cpu_s")
        print(
            f"\nFloor at {rate:,} tok/s (fed at that pace, no frame drawn until the end): "
            f"renderer CPU {final:.2f} s = {final / once_rich:.1f}× one rich render."
        )
    if sustained:
        got = rows["sustained"][0]
        windows = ", ".join(f"{lag * 1000:.0f}" for lag in got["lag_windows_s"])
        print(
            f"\nSustained 2,000 tok/s, {got['tokens']:,} tokens ({got['wall_s']:.0f} s): "
            f"CPU {got['cpu_s']:.1f} s = {got['cpu_s'] / got['wall_s'] * 100:.0f}% of one core; "
            f"display lag max {got['lag_max_s'] * 1000:.0f} ms, p99 "
            f"{got['lag_p99_s'] * 1000:.0f} ms, worst per 10 s window: {windows} ms; "
            f"longest frame gap {got['frame_gap_max_s'] * 1000:.0f} ms; feed at most "
            f"{got['behind_s'] * 1000:.0f} ms behind schedule, `finish` "
            f"{got['finish_s'] * 1000:.0f} ms; {got['bytes'] / 1e6:.1f} MB to the pty; "
            f"peak RSS {got['rss_kib'] / 1024:.0f} MiB."
        )
    return 0


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main())
