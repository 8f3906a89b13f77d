"""What one saved message costs on disk: the syscalls of `llmchat -c "hi"` under strace.

Makes a throwaway data dir with one chat (indexed by a listing), runs `llmchat -c hi`
against tests/fakeserver.py under `strace -f -y`, and prints, in order, what touched the
chat's JSONL file and the index: opens, writes, fsyncs, and the index's write
transactions (SQLite takes the WAL write lock, byte 120 of the -shm file, once per
transaction). Two messages are saved (the question, then the answer); each should be
one JSONL write + fdatasync, then one index transaction of a few WAL pages.

    python bench/append_syscalls.py          # needs strace (apt-get install strace)

Not part of the test run; the figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakeserver import FakeOpenAI

TRACED = "openat,write,pwrite64,fsync,fdatasync,fcntl"


def _event(line: str) -> str | None:
    if ".jsonl" in line:
        if "openat(" in line:
            return "JSONL opened " + ("to read" if "O_RDONLY" in line else "to append")
        for call in ("write", "fdatasync", "fsync"):
            if re.search(rf"\b{call}\(", line):
                return f"JSONL {call}"
        return None
    if "sqlite3-shm" in line and "F_WRLCK" in line and "l_start=120," in line:
        return "index: write transaction (WAL write lock)"
    if "sqlite3-wal" in line and "pwrite64(" in line:
        return "index: WAL write (frame header or page)"
    if "sqlite3" in line and re.search(r"\bf(data)?sync\(", line):
        return (
            "index: "
            + ("fdatasync" if "fdatasync" in line else "fsync")
            + " of "
            + ("the WAL" if "-wal" in line else "the database")
        )
    return None


def main() -> None:
    exe, strace = shutil.which("llmchat"), shutil.which("strace")
    assert exe and strace, "needs the installed llmchat and strace"
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        env = {
            **os.environ,
            "LLMCHAT_DATA_DIR": f"{tmp}/data",
            "LLMCHAT_CONFIG_DIR": f"{tmp}/config",
            "OPENAI_API_KEY": "sk-bench-0123456789",
            "OPENAI_BASE_URL": server.base_url,
        }
        subprocess.run([exe, "first question"], env=env, check=True, capture_output=True)
        subprocess.run([exe, "chats"], env=env, check=True, capture_output=True)
        log = f"{tmp}/strace.log"
        command = [strace, "-f", "-y", "-e", f"trace={TRACED}", "-o", log, exe, "-c", "hi"]
        subprocess.run(command, env=env, check=True, capture_output=True)
        events = [e for e in map(_event, Path(log).read_text().splitlines()) if e]
    # Before the first message, the write lock is the WAL index being set up on open.
    first = events.index("JSONL write") if "JSONL write" in events else len(events)
    events = [
        "index: opened (WAL index set up)" if e.startswith("index: write") and i < first else e
        for i, e in enumerate(events)
    ]
    runs: list[list[object]] = []
    for event in events:
        if runs and runs[-1][0] == event:
            runs[-1][1] = int(str(runs[-1][1])) + 1
        else:
            runs.append([event, 1])
    for event, count in runs:
        print(f"{count:>3} × {event}")


if __name__ == "__main__":
    main()
