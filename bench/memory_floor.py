"""Where the one-shot's peak memory goes: the 20,000-token pty one-shot of stream_bench.py,
built up in stages, each its own process with its peak RSS (GNU time's %M).

Every stage runs in the same 24x100 pty against the same fake server as
`stream_bench.py --pty`; a stage includes the ones above it:

- `python -c pass`, then `import openai` as it ships, then as llmchat imports it (the
  `openai.types` packages' `__init__` deferred: wire/sdk_types.py); the stages below import
  it as llmchat does;
- an SDK client (one SSL context), the POST, the whole streamed body read, not parsed;
- + the rich, markdown-it and pygments modules the one-shot imports;
- + every other module the one-shot imports (read from a first run of it);
- + wire/sse.py turning the body into events;
- the one-shot with its frames never drawn (LiveRenderer._frame a no-op), then as it is,
  then saving the chat as well (its JSONL file and the SQLite index).

    python bench/memory_floor.py [--runs 3] [--tokens 20000]

Run it from the repository root with the Python of the venv llmchat is installed in.
Linux only (/usr/bin/time, ptys). Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from fakeserver import FakeOpenAI, Reply  # noqa: E402
from render_bench import make_reply, sandbox_env  # noqa: E402
from stream_bench import TEST_KEY, run_in_pty  # noqa: E402

# Runs the one-shot; at its exit (the launcher leaves through os._exit) writes the names
# of the imported modules to argv[1]. With argv[2] == "noframes" nothing is drawn; with
# "save" the chat is saved.
ONE_SHOT = """
import os, sys
out, mode = sys.argv[1], sys.argv[2]
if mode == "noframes":
    import llmchat.render.live
    llmchat.render.live.LiveRenderer._frame = lambda self, final=False: None
leave = os._exit
def _exit(code):
    with open(out, "w") as f:
        f.write("\\n".join(sorted(sys.modules)))
    leave(code)
os._exit = _exit
sys.argv = ["llmchat", "Write it."] if mode == "save" else ["llmchat", "--no-save", "Write it."]
from llmchat.launcher import main
main()
"""

# argv: base URL, key, stage, file of module names.
STAGE = """
import importlib, sys
base_url, key, stage, listing = sys.argv[1:5]
from llmchat.wire.sdk_types import defer_sdk_types
defer_sdk_types()  # as llmchat imports the SDK
import httpx2, openai
names = [n for n in open(listing).read().split() if not n.startswith("__")]
def load(wanted):
    for name in names:
        if wanted(name.split(".")[0]):
            try:
                importlib.import_module(name)
            except Exception:
                pass
if stage in ("render", "all", "reader"):
    load(lambda top: top in ("rich", "markdown_it", "mdurl", "pygments"))
if stage in ("all", "reader"):
    load(lambda top: True)
client = openai.OpenAI(
    api_key=key,
    base_url=base_url,
    http_client=openai.DefaultHttpxClient(verify=httpx2.create_ssl_context()),
)
body = {
    "model": "fake-model",
    "messages": [{"role": "user", "content": "Write it."}],
    "stream": True,
    "stream_options": {"include_usage": True},
}
response = client.post("/chat/completions", cast_to=httpx2.Response, body=body, stream=True)
if stage == "reader":
    from llmchat.wire.sse import ChatStreamReader, StreamSource

    for _ in ChatStreamReader(StreamSource("bench", base_url)).events(response.iter_bytes()):
        pass
else:
    for _ in response.iter_bytes():
        pass
"""

DEFERRED = "from llmchat.wire.sdk_types import defer_sdk_types; defer_sdk_types(); import openai"

STAGES = {
    "sdk": "+ an SDK client (one SSL context), the POST, the 4 MB body read, not parsed",
    "render": "+ rich, markdown-it and pygments, as the one-shot imports them",
    "all": "+ the rest the one-shot imports (llmchat, dotenv, tomllib, …)",
    "reader": "+ our SSE reader turning the chunks into events",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=20000)
    args = parser.parse_args(argv)

    text = make_reply(args.tokens)
    chunk_size = max(1, round(len(text) / args.tokens))
    python = sys.executable
    rows: dict[str, list[int]] = {}

    def measure(label: str, argv: list[str], env: dict[str, str]) -> None:
        for _ in range(args.runs):
            rows.setdefault(label, []).append(run_in_pty(argv, env)[2])

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeOpenAI(default_reply=Reply(text=text, chunk_size=chunk_size)) as server,
    ):
        env = {**sandbox_env(Path(tmp)), "OPENAI_API_KEY": TEST_KEY}
        env["OPENAI_BASE_URL"] = server.base_url
        listing = str(Path(tmp) / "modules.txt")
        run_in_pty([python, "-c", ONE_SHOT, listing, "full"], env)  # also writes .pyc files
        measure("`python -c pass`", [python, "-c", "pass"], env)
        measure("`import openai` (as it ships)", [python, "-c", "import openai"], env)
        measure(
            "`import openai`, its types deferred as llmchat imports it",
            [python, "-c", DEFERRED],
            env,
        )
        for stage, label in STAGES.items():
            stage_argv = [python, "-c", STAGE, server.base_url, TEST_KEY, stage, listing]
            measure(label, stage_argv, env)
        scratch = str(Path(tmp) / "scratch.txt")
        measure(
            "the one-shot, frames never drawn",
            [python, "-c", ONE_SHOT, scratch, "noframes"],
            env,
        )
        measure(
            "the one-shot (`llmchat --no-save …`)", [python, "-c", ONE_SHOT, scratch, "full"], env
        )
        measure(
            "the one-shot, the chat saved (`llmchat …`)",
            [python, "-c", ONE_SHOT, scratch, "save"],
            env,
        )

    print(f"{args.tokens:,}-token reply into a 24x100 pty; peak RSS, median of {args.runs}.\n")
    print("| what the process does | peak MiB |")
    print("|---|---:|")
    for label, peaks in rows.items():
        print(f"| {label} | {statistics.median(peaks) / 1024:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
