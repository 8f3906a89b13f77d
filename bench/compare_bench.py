"""Issue 13's speed targets for `llmchat compare`: 3 models × 5,000 tokens at 300 tok/s each.

    python bench/compare_bench.py [--tokens 5000] [--rate 300] [--skip-cli]

The reply is render_bench's Markdown document (headings, lists, code, tables, CJK) of
`tokens` tokens. Two parts, every run in its own child on a 24×160 pseudo-terminal:

1. **Rendering alone** (the 3.5× target). A child feeds the reply, token by token at
   `rate` tokens/s, to the live renderer of one reply (`make_renderer`), or from three
   threads at once to the comparison's renderer (`CompareRenderer`, columns at 160
   cells) followed by its full answers and scoreboard, exactly as `llmchat compare`
   draws them. Its CPU from start to the last byte, minus the same feeding with no
   renderer, is the rendering cost. "behind" is how late the feeding got against its
   schedule (a renderer holding a lock too long would show there).
2. **The CLI end to end** (wall time, keeping up). Three fake servers, each its own
   process (tests/fakeserver.py, chunks held to the clock), stream the reply at `rate`;
   `llmchat compare` into the pty and into a pipe, then each model alone into the pty.
   Each lane's pace is read from the saved chat's figures: tokens / (total − first token).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import render_bench  # noqa: E402
from render_bench import _cpu, make_reply, run, split_tokens  # noqa: E402

ROWS, COLUMNS = 24, 160
render_bench.ROWS, render_bench.COLUMNS = ROWS, COLUMNS  # the size `run` gives its pty
PROVIDERS = {"openai": "OPENAI", "deepseek": "DEEPSEEK", "qwen": "DASHSCOPE"}
KEY_VARS = {"openai": "OPENAI_API_KEY", "deepseek": "DEEPSEEK_API_KEY", "qwen": "DASHSCOPE_API_KEY"}
MODELS = ["openai/gpt-x", "deepseek/deepseek-v4-flash", "qwen/qwen-plus"]


# --- part 1: the renderers alone, in a child on the pty --------------------------------


def _paced_feed(tokens: list[str], rate: float, feed: Any, behind: list[float]) -> None:
    began = time.monotonic()
    for index, token in enumerate(tokens):
        due = began + index / rate
        now = time.monotonic()
        if now < due:
            time.sleep(due - now)
        else:
            behind[0] = max(behind[0], now - due)
        feed(token)


def child(mode: str, doc_path: str, rate: float, result_path: str) -> None:
    """Feed the document at `rate` to one renderer ("single"), to the comparison's
    ("compare"), or to nothing ("null-1", "null-3"); write CPU and timings as JSON."""
    import llmchat.render.live
    import llmchat.render.markdown  # noqa: F401  (imports are not rendering)
    from llmchat.engine.compare import LaneResult
    from llmchat.environment import Environment
    from llmchat.events import TextDelta, TurnStats, Usage
    from llmchat.render.compare import CompareRenderer
    from llmchat.render.renderer import make_renderer, terminal_console
    from llmchat.render.scoreboard import scoreboard_text

    tokens = split_tokens(Path(doc_path).read_text(encoding="utf-8"))
    text = "".join(tokens)
    env = Environment.from_process()
    lanes = 3 if mode in ("compare", "null-3") else 1
    behind = [[0.0] for _ in range(lanes)]
    cpu, wall = _cpu(), time.perf_counter()
    result: dict[str, Any] = {}
    if mode == "single":
        renderer = make_renderer(env)
        renderer.start()
        _paced_feed(tokens, rate, lambda t: renderer.feed(TextDelta(t)), behind[0])
        last = time.monotonic()
        renderer.finish(TurnStats(usage=Usage(completion_tokens=len(tokens))))
        result["finish_s"] = time.monotonic() - last
    else:
        labels = MODELS[:lanes]
        multi = CompareRenderer(terminal_console(env), labels) if mode == "compare" else None

        def lane(index: int) -> None:
            feed = (lambda t: multi.lane_event(index, TextDelta(t))) if multi else (lambda t: None)
            _paced_feed(tokens, rate, feed, behind[index])

        if multi is not None:
            multi.start()
        threads = [threading.Thread(target=lane, args=(i,)) for i in range(lanes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        last = time.monotonic()
        if multi is not None:
            results = [
                LaneResult(
                    *label.split("/"),
                    text,
                    "",
                    "done",
                    Usage(completion_tokens=len(tokens)),
                    None,
                    None,
                    0.2,
                    len(tokens) / rate,
                    "stop",
                    None,
                )
                for label in labels
            ]
            multi.finish(results)
            multi.print_lines(scoreboard_text(results))
            result["frames"] = multi.frames
        result["finish_s"] = time.monotonic() - last
    sys.stdout.flush()
    result["cpu_s"] = _cpu() - cpu
    result["wall_s"] = time.perf_counter() - wall
    result["behind_s"] = max(b[0] for b in behind)
    Path(result_path).write_text(json.dumps(result))


def run_child(mode: str, doc: Path, rate: float, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        result_path = out.name
    try:
        argv = [sys.executable, __file__, "--child", mode, str(doc), str(rate), result_path]
        _, written = run(argv, tty=True, env={**env, "COLUMNS": str(COLUMNS)})
        result: dict[str, Any] = json.loads(Path(result_path).read_text())
    finally:
        os.unlink(result_path)
    result["bytes"] = written
    return result


# --- part 2: the CLI against three server processes ------------------------------------


def start_server(doc: Path, chunk: int, delay: float) -> tuple[subprocess.Popen[str], str]:
    server = str(HERE.parent / "tests" / "fakeserver.py")
    argv = [
        sys.executable,
        server,
        "--reply-file",
        str(doc),
        "--chunk-size",
        str(chunk),
        "--chunk-delay",
        str(delay),
        "--paced",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def cli(args: list[str], env: dict[str, str], *, tty: bool) -> tuple[float, float]:
    """(wall s, CPU s) of one `llmchat` run."""
    began = time.perf_counter()
    llmchat = str(Path(sys.executable).parent / "llmchat")
    cpu, _ = run([llmchat, *args], tty=tty, env=env)
    return time.perf_counter() - began, cpu


def lane_paces(data_dir: Path, tokens: int) -> list[tuple[str, float, float]]:
    """(model, total s, tokens/s while streaming) per lane, from the newest saved chat."""
    newest = max((data_dir / "chats").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    out = []
    for line in newest.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        figures = record.get("figures")
        if record.get("alternative") and figures:
            streaming = figures["total"] - (figures["first_token"] or 0.0)
            out.append(
                (f"{record['provider']}/{record['model']}", figures["total"], tokens / streaming)
            )
    return out


def cli_part(doc: Path, tokens: int, rate: float, env: dict[str, str]) -> dict[str, Any]:
    # The server cuts the text into chunks of `chunk` characters (about a token each, a
    # few more chunks than tokens); the delay makes it send `rate` *tokens* a second.
    length = len(doc.read_text(encoding="utf-8"))
    chunk = max(1, length // tokens)
    delay = tokens / rate / -(-length // chunk)
    servers = [start_server(doc, chunk, delay) for _ in PROVIDERS]
    try:
        for (name, prefix), (_, url) in zip(PROVIDERS.items(), servers, strict=True):
            env[KEY_VARS[name]] = "sk-bench"
            env[f"{prefix}_BASE_URL"] = url
        compare = ["compare", *[a for m in MODELS for a in ("-m", m)], "go"]
        cli(["-m", MODELS[0], "--no-save", "warm up"], env, tty=False)  # .pyc, caches
        figures: dict[str, Any] = {"compare_pty": cli(compare, env, tty=True)}
        figures["lanes"] = lane_paces(Path(env["LLMCHAT_DATA_DIR"]), tokens)
        figures["compare_pipe"] = cli([*compare[:-1], "--no-save", "go"], env, tty=False)
        figures["singles"] = [cli(["-m", m, "--no-save", "go"], env, tty=True) for m in MODELS]
        figures["single_pipe"] = cli(["-m", MODELS[0], "--no-save", "go"], env, tty=False)
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--skip-cli", action="store_true", help="only the renderers")
    parser.add_argument("--skip-render", action="store_true", help="only the CLI runs")
    opts = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        doc = root / "reply.md"
        doc.write_text(make_reply(opts.tokens), encoding="utf-8")
        tokens = len(split_tokens(doc.read_text(encoding="utf-8")))
        env = dict(
            os.environ,
            HOME=str(root),
            LLMCHAT_DATA_DIR=str(root / "data"),
            LLMCHAT_CONFIG_DIR=str(root / "cfg"),
            TERM="xterm-256color",
            NO_PROXY="127.0.0.1",
            LINES=str(ROWS),
        )
        env.pop("NO_COLOR", None)
        render = {
            mode: run_child(mode, doc, opts.rate, env)
            for mode in ("single", "null-1", "compare", "null-3")
        }
        figures = None if opts.skip_cli else cli_part(doc, tokens, opts.rate, env)
    report(opts, tokens, load_before, render, figures)
    return 0


def report(
    opts: argparse.Namespace,
    tokens: int,
    load_before: tuple[float, float, float],
    render: dict[str, dict[str, Any]],
    cli_figures: dict[str, Any] | None,
) -> None:
    load = " / ".join(f"{a:.1f}" for a in load_before)
    after = " / ".join(f"{a:.1f}" for a in os.getloadavg())
    print(
        f"{tokens:,} tokens per model at {opts.rate:g} tok/s ({tokens / opts.rate:.1f} s), "
        f"pty {ROWS}x{COLUMNS}; load average (1/5/15 min) {load} before, "
        f"{after} after\n"
    )
    if render:
        render_table(render)
    if cli_figures is not None:
        cli_table(cli_figures, tokens / opts.rate)


def render_table(render: dict[str, dict[str, Any]]) -> None:
    one = render["single"]["cpu_s"] - render["null-1"]["cpu_s"]
    three = render["compare"]["cpu_s"] - render["null-3"]["cpu_s"]
    print(
        "| renderer | CPU s | feeding alone s | **rendering s** | feed behind max ms "
        "| after the last token ms | bytes to the pty |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode, base, cost in (("single", "null-1", one), ("compare", "null-3", three)):
        got = render[mode]
        print(
            f"| {mode} | {got['cpu_s']:.2f} | {render[base]['cpu_s']:.2f} | **{cost:.2f}** "
            f"| {got['behind_s'] * 1000:.0f} | {got['finish_s'] * 1000:.0f} "
            f"| {got['bytes'] / 1e3:.0f} kB |"
        )
    print(
        f"\nrendering the comparison / rendering one reply: **{three / one:.2f}x** (target ≤ 3.5x)"
    )


def cli_table(cli_figures: dict[str, Any], ideal: float) -> None:
    c_pty, c_pipe = cli_figures["compare_pty"], cli_figures["compare_pipe"]
    singles, s_pipe = cli_figures["singles"], cli_figures["single_pipe"]
    print("\n| run | wall s | CPU s |\n|---|---:|---:|")
    print(f"| compare, 3 models, pty | {c_pty[0]:.1f} | {c_pty[1]:.2f} |")
    print(f"| compare, 3 models, pipe | {c_pipe[0]:.1f} | {c_pipe[1]:.2f} |")
    for model, (wall, cpu) in zip(MODELS, singles, strict=True):
        print(f"| {model} alone, pty | {wall:.1f} | {cpu:.2f} |")
    print(f"| {MODELS[0]} alone, pipe | {s_pipe[0]:.1f} | {s_pipe[1]:.2f} |")
    walls = [wall for wall, _ in singles]
    print(
        f"\nwall: three at once {c_pty[0]:.1f} s (pty), {c_pipe[0]:.1f} s (pipe); alone: slowest "
        f"{max(walls):.1f} s, sum {sum(walls):.1f} s"
    )
    print(
        "CLI rendering (pty − pipe CPU): compare "
        f"{c_pty[1] - c_pipe[1]:.2f} s, one reply {singles[0][1] - s_pipe[1]:.2f} s"
    )
    for model, total, pace in cli_figures["lanes"]:
        print(
            f"lane {model}: total {total:.1f} s (the server's pace: {ideal:.1f} s), "
            f"streamed at {pace:.0f} tok/s"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(main())
