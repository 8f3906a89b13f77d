"""How long does llmchat take to start, to show its first prompt, and to answer once?

Times, over N interleaved runs (median, min–max), in a sealed sandbox (temporary HOME,
config and data dirs, empty tiktoken cache, proxies pointed at a closed port):

- `llmchat --version`, `llmchat --help`, `python -m llmchat --version`, and
  `python -c pass` as the floor any Python program pays;
- the REPL: from spawning `llmchat` in a pseudo-terminal until the prompt `›` is drawn,
  then Ctrl+D until it has exited; and (Linux) until its background SDK warm-up is done;
- one-shot `llmchat "hi"` into a pipe, streamed and `--no-stream`, against the fake
  OpenAI-compatible server of tests/fakeserver.py, next to a minimal script doing the
  same request with the `openai` SDK directly: the difference is llmchat's own overhead;
- CPU (user+sys) and peak RSS of each child.

It also runs `python -X importtime` on the start-up paths (`--version`, `--help`,
`import llmchat.repl.loop`, the real REPL in a pty up to its first prompt, one-shot) and
reports whether `openai`, `rich.markdown`, `pygments`, `tiktoken` or `pydantic` were
imported, and the 5 costliest imports (cumulative).

    python bench/startup_bench.py [--runs N] [--llmchat PATH]

Run it with the Python of the venv llmchat is installed in (the `llmchat` script next to
that interpreter is used). Standard library and pexpect only (hyperfine not needed); no
network. About 30 s with the default 5 runs. Not part of the test run. Prints Markdown
for docs/benchmarks.md.

How it measures: wall time with time.perf_counter() around spawn→exit; CPU of a plain
child from os.wait4() (its own rusage: what getrusage(RUSAGE_CHILDREN) deltas give, per
child). Peak RSS from GNU `/usr/bin/time -f %M` when present: Linux carries the forking
process's RSS high-water mark into the child's ru_maxrss across exec, so a child forked
from this ~24 MiB process would never report less; without GNU time, ru_maxrss is shown
only when clearly above this process's own peak. The REPL runs under pexpect: its
whole-session CPU comes from RUSAGE_CHILDREN deltas, and the figures *at the first
prompt* from /proc/PID/stat (CPU) and /proc/PID/status VmHWM (peak RSS so far), read the
moment `›` arrives (Linux only; elsewhere "n/a").
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import pexpect  # noqa: E402
from fakeserver import FakeOpenAI  # noqa: E402

TEST_KEY = "sk-test-xxxxxxxxxxxxxxxxxxxxxxxx"
DEAD_PROXY = "http://127.0.0.1:9"
LOOPBACK = "127.0.0.1,localhost,::1"
HEAVY = ("openai", "rich.markdown", "pygments", "tiktoken", "pydantic")
PROMPT = "›"
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
HAVE_PROC = Path("/proc/self/status").exists()

RAW_SDK = """\
import os, sys
import openai
c = openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url=os.environ["OPENAI_BASE_URL"])
msgs = [{"role": "user", "content": "hi"}]
if sys.argv[1] == "stream":
    for ch in c.chat.completions.create(model="fake-model", messages=msgs, stream=True):
        if ch.choices and ch.choices[0].delta.content:
            sys.stdout.write(ch.choices[0].delta.content)
    print()
else:
    print(c.chat.completions.create(model="fake-model", messages=msgs).choices[0].message.content)
"""

# The REPL with its background SDK import switched off (llmchat.engine.session.warm_up patched
# as the module loads, so import order and attribution stay as in `llmchat`): shows what
# the warm-up thread costs the first prompt. Diagnostic only; llmchat never runs like this.
# It starts the way the `llmchat` script does: llmchat.launcher.main with no arguments on
# a terminal, the bare-REPL path that never imports Typer (main() checks both below).
NO_WARMUP = """\
import sys
from importlib.machinery import PathFinder

class NoWarmUp:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "llmchat.engine.session":
            return None
        spec = PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            assert callable(module.warm_up), "llmchat.engine.session.warm_up is gone"
            module.warm_up = lambda: None
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, NoWarmUp)
from llmchat.launcher import main
sys.argv[0] = "llmchat"
main()
"""


# --- measuring -------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float | None  # seconds, user+sys
    rss: int | None  # KiB


@dataclass
class Case:
    name: str
    run: Callable[[], Sample]
    samples: list[Sample] = field(default_factory=list)
    note: str = ""


def _maxrss_kib(ru: resource.struct_rusage) -> int:
    # Linux reports KiB, macOS bytes.
    return ru.ru_maxrss // 1024 if sys.platform == "darwin" else ru.ru_maxrss


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_child(argv: Sequence[str], env: dict[str, str], cwd: str) -> tuple[Sample, bytes]:
    """Run argv to completion (stdout to a pipe, stderr to a file): wall, CPU, peak RSS.

    A child forked from this process starts with this process's RSS high-water mark in
    its ru_maxrss (Linux keeps it across exec), so small children would all read ~24 MiB.
    With GNU time present the child is forked by `time` instead and `%M` is its own peak.
    """
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss_file:
        cmd = list(argv)
        if TIME:
            cmd = [TIME, "-q", "-f", "%M", "-o", rss_file.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-800:]
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {tail}")
        rss: int | None = _maxrss_kib(ru)
        if TIME:
            lines = rss_file.read().split()
            rss = int(lines[-1]) if lines and lines[-1].isdigit() else None
        elif rss is not None and rss <= 1.05 * _maxrss_kib(
            resource.getrusage(resource.RUSAGE_SELF)
        ):
            rss = None  # only this process's own peak, inherited: unknown
    return Sample(wall, ru.ru_utime + ru.ru_stime, rss), out


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _proc_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _proc_hwm(pid: int) -> int | None:
    try:
        m = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def _proc_threads(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return None


@dataclass
class ReplRun:
    prompt: Sample  # spawn → `›` drawn (CPU and peak RSS so far)
    warm: Sample | None  # spawn → background threads finished (Linux)
    exit: Sample  # Ctrl+D → EOF on the pty; CPU of the whole session


def run_repl(argv: Sequence[str], env: dict[str, str], cwd: str, wait_warm: bool) -> ReplRun:
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    child = pexpect.spawn(
        argv[0], list(argv[1:]), env=env, cwd=cwd, dimensions=(24, 100), encoding="utf-8"
    )
    child.delaybeforesend = None  # pexpect sleeps 50 ms before each send by default
    child.delayafterclose = 0.0
    child.ptyproc.delayafterclose = 0.0
    try:
        child.expect_exact(PROMPT, timeout=20)
        prompt = Sample(time.perf_counter() - t0, _proc_cpu(child.pid), _proc_hwm(child.pid))
        warm = None
        if wait_warm and HAVE_PROC:
            # The warm-up thread exits once the SDK is imported: wait for one thread left.
            deadline = time.perf_counter() + 10
            while (_proc_threads(child.pid) or 1) > 1 and time.perf_counter() < deadline:
                time.sleep(0.001)
            warm = Sample(time.perf_counter() - t0, _proc_cpu(child.pid), _proc_hwm(child.pid))
        t_quit = time.perf_counter()
        child.sendcontrol("d")
        child.expect(pexpect.EOF, timeout=20)
        t_exit = time.perf_counter() - t_quit
    finally:
        child.close(force=True)
    if child.exitstatus not in (0, None):
        raise RuntimeError(f"REPL exited {child.exitstatus}: {child.before!r}")
    return ReplRun(prompt, warm, Sample(t_exit, _children_cpu() - cpu0, None))


# --- import checks -----------------------------------------------------------------------


@dataclass
class ImportReport:
    label: str
    modules: set[str]
    top: list[tuple[str, int]]  # (module, cumulative µs)

    def has(self, name: str) -> bool:
        return any(m == name or m.startswith(name + ".") for m in self.modules)


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
_SKIP = {"site", "encodings", "_frozen_importlib_external", "builtins", "runpy"}


def parse_importtime(log: str, label: str) -> ImportReport:
    """Modules seen, and the 5 largest cumulative import times.

    -X importtime prints a module after its children, indented one more space per level.
    A module whose cumulative time is mostly one child (`prompt_toolkit` →
    `prompt_toolkit.application` → …) would fill the list with one chain: a child is
    left out when its parent is listed (or left out) and the child is over 80% of the parent.
    """
    rows: list[tuple[int, str, int]] = []  # depth, module, cumulative µs
    for line in log.splitlines():
        m = _IMPORT_LINE.match(line.strip("\r"))
        if m:
            rows.append((len(m.group(3)), m.group(4), int(m.group(2))))
    parent: dict[int, int] = {}
    pending: list[int] = []
    for i, (depth, _, _) in enumerate(rows):
        while pending and rows[pending[-1]][0] > depth:
            parent[pending.pop()] = i
        pending.append(i)
    order = sorted(range(len(rows)), key=lambda i: -rows[i][2])
    chosen: list[int] = []
    covered: set[int] = set()  # listed, or left out as part of a listed chain
    for i in order:
        if rows[i][1] in _SKIP:
            continue
        p = parent.get(i)
        if p is not None and p in covered and rows[i][2] > 0.8 * rows[p][2]:
            covered.add(i)
            continue
        chosen.append(i)
        covered.add(i)
        if len(chosen) == 5:
            break
    return ImportReport(label, {r[1] for r in rows}, [(rows[i][1], rows[i][2]) for i in chosen])


def import_report(label: str, argv: Sequence[str], env: dict[str, str], cwd: str) -> ImportReport:
    proc = subprocess.run(
        argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    return parse_importtime(proc.stderr, label)


def repl_import_report(
    label: str, argv: Sequence[str], env: dict[str, str], cwd: str
) -> ImportReport:
    """-X importtime of the REPL in a pty, up to the first prompt (stderr is the pty)."""
    child = pexpect.spawn(
        argv[0], list(argv[1:]), env=env, cwd=cwd, dimensions=(24, 200), encoding="utf-8"
    )
    child.delaybeforesend = None
    try:
        child.expect_exact(PROMPT, timeout=20)
        log = child.before or ""
        child.sendcontrol("d")
        child.expect(pexpect.EOF, timeout=20)
    finally:
        child.close(force=True)
    return parse_importtime(log, label)


# --- output -----------------------------------------------------------------------------


def _fmt(values: list[float | None], scale: float, digits: int = 0) -> str:
    vals = [v * scale for v in values if v is not None]
    if not vals:
        return "n/a"
    med = statistics.median(vals)
    if len(vals) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(vals):.{digits}f}–{max(vals):.{digits}f})"


def _median(case: Case, attr: str) -> float | None:
    values: list[float] = [v for s in case.samples if (v := getattr(s, attr)) is not None]
    return statistics.median(values) if values else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    ap.add_argument("--llmchat", help="the llmchat script (default: next to this Python)")
    args = ap.parse_args(argv)
    runs = max(1, args.runs)

    python = sys.executable
    script = args.llmchat or str(Path(python).with_name("llmchat"))
    if not os.access(script, os.X_OK):
        found = shutil.which("llmchat")
        if not found:
            print("no `llmchat` script found; pip install -e . into this venv", file=sys.stderr)
            return 2
        script = found

    tmp = tempfile.TemporaryDirectory(prefix="llmchat-bench-")
    root = Path(tmp.name)
    dirs = {n: root / n for n in ("home", "config", "data", "cwd", "tiktoken")}
    for d in dirs.values():
        d.mkdir()
    cwd = str(dirs["cwd"])

    srv = FakeOpenAI().start()
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(dirs["home"]),
        "XDG_CONFIG_HOME": str(dirs["home"] / ".config"),
        "XDG_DATA_HOME": str(dirs["home"] / ".local/share"),
        "XDG_CACHE_HOME": str(dirs["home"] / ".cache"),
        "LLMCHAT_CONFIG_DIR": str(dirs["config"]),
        "LLMCHAT_DATA_DIR": str(dirs["data"]),
        "TIKTOKEN_CACHE_DIR": str(dirs["tiktoken"]),
        "OPENAI_API_KEY": TEST_KEY,
        "OPENAI_BASE_URL": srv.base_url,
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "NO_PROXY": LOOPBACK,
        "no_proxy": LOOPBACK,
        "HTTP_PROXY": DEAD_PROXY,
        "http_proxy": DEAD_PROXY,
        "HTTPS_PROXY": DEAD_PROXY,
        "https_proxy": DEAD_PROXY,
        "ALL_PROXY": DEAD_PROXY,
        "all_proxy": DEAD_PROXY,
    }

    def plain(*cmd: str, expect: str | None = None) -> Callable[[], Sample]:
        def go() -> Sample:
            sample, out = run_child(cmd, env, cwd)
            if expect is not None and expect not in out.decode(errors="replace"):
                raise RuntimeError(f"{cmd}: expected {expect!r} in output, got {out[:200]!r}")
            return sample

        return go

    repl_runs: list[ReplRun] = []
    nowarm_runs: list[ReplRun] = []

    def repl(wait_warm: bool) -> Callable[[], Sample]:
        def go() -> Sample:
            r = run_repl([script], env, cwd, wait_warm)
            repl_runs.append(r)
            return r.prompt

        return go

    def repl_nowarm() -> Sample:
        r = run_repl([python, "-c", NO_WARMUP], env, cwd, wait_warm=False)
        nowarm_runs.append(r)
        return r.prompt

    cases = [
        Case("`python -c pass` (floor)", plain(python, "-c", "pass")),
        Case("`llmchat --version`", plain(script, "--version", expect="llmchat ")),
        Case("`python -m llmchat --version`", plain(python, "-m", "llmchat", "--version")),
        Case("`llmchat --help`", plain(script, "--help", expect="Usage")),
        Case("REPL: spawn → first prompt `›`", repl(wait_warm=True)),
        Case("REPL, SDK warm-up off (diagnostic)", repl_nowarm),
        Case("`python -c 'import openai'`", plain(python, "-c", "import openai")),
        Case('`llmchat "hi"` → pipe (stream)', plain(script, "hi", expect="echo: hi")),
        Case(
            "raw SDK script, stream",
            plain(python, "-c", RAW_SDK, "stream", expect="echo: hi"),
        ),
        Case(
            '`llmchat --no-stream "hi"` → pipe',
            plain(script, "--no-stream", "hi", expect="echo: hi"),
        ),
        Case(
            "raw SDK script, no stream",
            plain(python, "-c", RAW_SDK, "nostream", expect="echo: hi"),
        ),
    ]

    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    t_start = time.perf_counter()
    try:
        # One untimed round first: writes .pyc files, warms the page cache.
        for case in cases:
            case.run()
        repl_runs.clear()
        nowarm_runs.clear()
        # Interleaved rounds, so drift (thermal, other load) spreads over every case.
        for _ in range(runs):
            for case in cases:
                case.samples.append(case.run())

        pm = [python, "-X", "importtime", "-m", "llmchat"]
        reports = [
            import_report("`-m llmchat --version`", [*pm, "--version"], env, cwd),
            import_report("`-m llmchat --help`", [*pm, "--help"], env, cwd),
            import_report(
                "`-c 'import llmchat.repl.loop'` (REPL path)",
                [python, "-X", "importtime", "-c", "import llmchat.repl.loop"],
                env,
                cwd,
            ),
            repl_import_report(
                "REPL in a pty, to the first prompt (SDK warm-up off)",
                [python, "-X", "importtime", "-c", NO_WARMUP],
                env,
                cwd,
            ),
            import_report('`-m llmchat "hi"` (one-shot, pipe)', [*pm, "hi"], env, cwd),
        ]
    finally:
        srv.stop()
        tmp.cleanup()
    if any(r.has("typer") for r in reports if "SDK warm-up off" in r.label):
        raise RuntimeError("the warm-up-off diagnostic went through Typer: not the real start")
    elapsed = time.perf_counter() - t_start
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else None

    # Derived rows from the REPL runs.
    by_name = {c.name: c for c in cases}
    out_rows: list[tuple[str, list[Sample]]] = []
    for case in cases:
        out_rows.append((case.name, case.samples))
        if case.name.startswith("REPL: spawn"):
            warm = [r.warm for r in repl_runs if r.warm is not None]
            if warm:
                out_rows.append(("REPL: spawn → background SDK import done", warm))
            out_rows.append(
                ("REPL: Ctrl+D → exited (CPU: whole session)", [r.exit for r in repl_runs])
            )

    print(f"## Start-up and one-shot ({runs} runs each; median (min–max))\n")
    print("| what | wall ms | CPU ms (user+sys) | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    for name, samples in out_rows:
        wall = _fmt([s.wall for s in samples], 1000)
        cpu = _fmt([s.cpu for s in samples], 1000)
        rss = _fmt([s.rss for s in samples], 1 / 1024, 1)
        print(f"| {name} | {wall} | {cpu} | {rss} |")

    def diff(a: str, b: str) -> str:
        parts = []
        for attr, scale, unit, digits in (
            ("wall", 1000, "ms wall", 0),
            ("cpu", 1000, "ms CPU", 0),
            ("rss", 1 / 1024, "MiB RSS", 1),
        ):
            ma, mb = _median(by_name[a], attr), _median(by_name[b], attr)
            delta = "n/a" if ma is None or mb is None else f"{(ma - mb) * scale:+.{digits}f}"
            parts.append(f"{delta} {unit}")
        return ", ".join(parts)

    print()
    print(
        "- llmchat's one-shot overhead over the raw SDK script (medians): streamed "
        + diff('`llmchat "hi"` → pipe (stream)', "raw SDK script, stream")
        + "; `--no-stream` "
        + diff('`llmchat --no-stream "hi"` → pipe', "raw SDK script, no stream")
        + "."
    )
    print(
        "- `llmchat --version` over `python -c pass`: "
        + diff("`llmchat --version`", "`python -c pass` (floor)")
        + "."
    )
    print(
        "- First prompt, SDK warm-up thread on vs off: "
        + diff("REPL: spawn → first prompt `›`", "REPL, SDK warm-up off (diagnostic)")
        + "."
    )

    print("\n## Imports on the start-up paths (`python -X importtime`)\n")
    print("| path | " + " | ".join(f"`{h}`" for h in HEAVY) + " | modules | top 5 cumulative |")
    print("|---|" + ":-:|" * len(HEAVY) + "---:|---|")
    for rep in reports:
        marks = " | ".join("**yes**" if rep.has(h) else "no" for h in HEAVY)
        top = ", ".join(f"{m} {us / 1000:.0f}" for m, us in rep.top)
        print(f"| {rep.label} | {marks} | {len(rep.modules)} | {top} ms |")

    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = f"; load average {load0:.2f} → {load1:.2f}" if load0 is not None else ""
    print(
        f"\nMachine: nproc {ncpu}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.platform()}{load}; "
        f"peak RSS by {'GNU time %M' if TIME else 'wait4 ru_maxrss'}; "
        f"benchmark took {elapsed:.0f} s."
    )
    if load0 is not None and max(load0, load1 or 0) > 0.5 * (ncpu or 1):
        print("Note: the machine was busy; wall times are inflated, CPU times less so.")
    print(f"Command: `{Path(python).name} bench/startup_bench.py --runs {runs}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
