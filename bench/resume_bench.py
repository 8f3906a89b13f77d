"""What `-c` (continue the latest chat) costs over `--no-save`, taken apart.

Whole-process CPU time on a shared 2-core machine swings by ±100 ms between runs, more
than the 50 ms being measured; so this measures the two parts separately, each stable:

1. the work: `main(["-c", "hi"])` vs `main(["--no-save", "hi"])` in one warm process
   (imports already paid), CPU time of each call, interleaved, against tests/fakeserver.py;
2. the imports: modules `-c` loads that `--no-save` does not (`python -X importtime`).

Use a data dir made by chats_bench.py; a chat of `--exchanges` exchanges is written
there first (as llmchat writes it) and is what `-c` continues (one more exchange a run).

    python bench/resume_bench.py [--dir /tmp/llmchat-bench-50k] [--runs 20] [--exchanges 30]

Not part of the test run; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chats_bench import _resume_target
from fakeserver import FakeOpenAI


@contextlib.contextmanager
def _sessions_closed() -> Iterator[None]:
    """One-shot mode leaves closing to the process exit (os._exit); in one process the
    chat's lock must be let go after each call, or the next `-c` would branch."""
    import llmchat.start as start

    opened: list[Any] = []
    real = start.open_session

    def open_session(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        opened.append(result[0])
        return result

    start.open_session = open_session  # type: ignore[assignment]
    try:
        yield
    finally:
        start.open_session = real  # type: ignore[assignment]
        for session in opened:
            if session.recorder is not None:
                session.recorder.close()


def _call(args: list[str]) -> float:
    from llmchat.launcher import main

    with _sessions_closed(), contextlib.redirect_stdout(io.StringIO()):
        t0 = time.process_time()
        try:
            main(args)
        except SystemExit as done:
            assert done.code == 0, (args, done.code)
        return (time.process_time() - t0) * 1000


def _work(runs: int) -> None:
    _call(["--no-save", "hi"])
    _call(["-c", "hi"])  # both paths' imports paid before timing
    nosave, cont = [], []
    for _ in range(runs):
        nosave.append(_call(["--no-save", "hi"]))
        cont.append(_call(["-c", "hi"]))
    pairs = statistics.median(c - n for c, n in zip(cont, nosave, strict=True))
    print(
        f"in one warm process, CPU ms best/median of {runs}: --no-save {min(nosave):.1f}/"
        f"{statistics.median(nosave):.1f}, -c {min(cont):.1f}/{statistics.median(cont):.1f}; "
        f"-c minus --no-save: best {min(cont) - min(nosave):+.1f}, median of pairs {pairs:+.1f}"
    )


def _imports(args: list[str], env: dict[str, str]) -> dict[str, int]:
    exe = shutil.which("llmchat")
    assert exe, "install llmchat in this environment first"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", exe, *args], env=env, capture_output=True, text=True
    )
    found = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            found[match.group(2)] = int(match.group(1))
    return found


def _extra_imports(env: dict[str, str], runs: int) -> None:
    best: dict[str, int] = {}
    for _ in range(runs):
        plain, cont = _imports(["--no-save", "hi"], env), _imports(["-c", "hi"], env)
        for name in cont.keys() - plain.keys():
            best[name] = min(best.get(name, cont[name]), cont[name])
    total = sum(best.values()) / 1000
    names = ", ".join(f"{n} {us / 1000:.1f}" for n, us in sorted(best.items(), key=lambda x: -x[1]))
    print(f"imported by -c only: {len(best)} modules, {total:.1f} ms (best of {runs}): {names}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=Path("/tmp/llmchat-bench-50k"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exchanges", type=int, default=30)
    args = parser.parse_args()
    _resume_target(args.dir, args.exchanges)
    with FakeOpenAI() as server:
        env = {
            **os.environ,
            "LLMCHAT_DATA_DIR": str(args.dir),
            "LLMCHAT_CONFIG_DIR": str(args.dir / "config"),
            "OPENAI_API_KEY": "sk-bench-0123456789",
            "OPENAI_BASE_URL": server.base_url,
        }
        _extra_imports(env, 3)
        os.environ.update(env)
        _work(args.runs)


if __name__ == "__main__":
    main()
