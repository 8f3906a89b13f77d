"""`llmchat compare` with 3 models × 5,000 tokens at once, paced at 300 tokens/s each.

    python bench/compare_bench.py [--tokens 5000] [--rate 300]

Three fake servers (tests/fakeserver.py), one per provider, each streaming one token per
chunk at `rate` tokens/s. Runs, each in its own child with its CPU from os.wait4():
- compare into a 24×160 pty (live columns) and into a pipe: the difference is the
  rendering cost of the comparison;
- one model alone (`llmchat -m …`) into the pty and into a pipe: one reply's rendering cost;
- each model alone, to compare the slowest single wall time with the concurrent one.
The scoreboard's TOTAL column says whether any stream fell behind the servers' pace.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakeserver import FakeOpenAI, Reply

PROVIDERS = {"openai": "OPENAI", "deepseek": "DEEPSEEK", "qwen": "DASHSCOPE"}
KEY_VARS = {"openai": "OPENAI_API_KEY", "deepseek": "DEEPSEEK_API_KEY", "qwen": "DASHSCOPE_API_KEY"}
MODELS = ["openai/gpt-x", "deepseek/deepseek-v4-flash", "qwen/qwen-plus"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def document(tokens: int) -> str:
    words = []
    for i in range(tokens):
        if i % 120 == 0 and i:
            words.append(f"\n\n## Part {i // 120}\n\n")
        words.append(" word" if i % 7 else " **bold**")
    return "".join(words)


def run_child(args: list[str], env: dict[str, str], *, pty: bool) -> tuple[float, float, str]:
    """(wall s, CPU s, output) of one llmchat run."""
    began = time.perf_counter()
    if pty:
        child = pexpect.spawn(
            "llmchat", args, env=env, dimensions=(24, 160), encoding="utf-8", timeout=300
        )
        out = child.read()
        _, _status, usage = os.wait4(child.pid, 0)
    else:
        proc = subprocess.Popen(
            ["llmchat", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        out = proc.stdout.read() if proc.stdout else ""
        _, _status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    return wall, usage.ru_utime + usage.ru_stime, ANSI.sub("", out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=300.0)
    opts = parser.parse_args()
    text = document(opts.tokens)
    chunk = max(1, len(text) // opts.tokens)
    servers = {
        name: FakeOpenAI(
            default_reply=Reply(text=text, chunk_size=chunk, chunk_delay=1 / opts.rate)
        ).start()
        for name in PROVIDERS
    }
    home = tempfile.mkdtemp()
    env = dict(
        os.environ,
        HOME=home,
        LLMCHAT_DATA_DIR=home + "/data",
        LLMCHAT_CONFIG_DIR=home + "/cfg",
        TERM="xterm-256color",
        NO_PROXY="127.0.0.1",
    )
    for name, server in servers.items():
        env[KEY_VARS[name]] = "sk-bench"
        env[f"{PROVIDERS[name]}_BASE_URL"] = server.base_url
    compare = ["compare", *[a for m in MODELS for a in ("-m", m)], "go"]
    rows = []
    c_pty = run_child(compare, env, pty=True)
    c_pipe = run_child(compare, env, pty=False)
    singles = [run_child(["-m", m, "--no-save", "go"], env, pty=True) for m in MODELS]
    s_pipe = run_child(["-m", MODELS[0], "--no-save", "go"], env, pty=False)
    board = c_pty[2][c_pty[2].rfind("MODEL") :]
    one_render = singles[0][1] - s_pipe[1]
    compare_render = c_pty[1] - c_pipe[1]
    rows.append(f"tokens per model: {opts.tokens:,} at {opts.rate:g} tok/s, {len(text):,} chars")
    rows.append(
        f"compare pty: wall {c_pty[0]:.1f} s, CPU {c_pty[1]:.2f} s; pipe: wall {c_pipe[0]:.1f} s, CPU {c_pipe[1]:.2f} s"  # noqa: E501
    )
    rows.append(
        f"single pty ({MODELS[0]}): wall {singles[0][0]:.1f} s, CPU {singles[0][1]:.2f} s; pipe CPU {s_pipe[1]:.2f} s"  # noqa: E501
    )
    rows.append(
        f"render cost: compare {compare_render:.2f} s vs one reply {one_render:.2f} s = {compare_render / one_render if one_render > 0 else float('nan'):.1f}x"  # noqa: E501
    )
    walls = [s[0] for s in singles]
    rows.append(
        f"wall: compare {c_pty[0]:.1f} s; singles {', '.join(f'{w:.1f}' for w in walls)} s (slowest {max(walls):.1f}, sum {sum(walls):.1f})"  # noqa: E501
    )
    rows.append(f"ideal stream time at {opts.rate:g} tok/s: {opts.tokens / opts.rate:.1f} s")
    print("\n".join(rows))
    print(board)
    for server in servers.values():
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
