"""Shared fixtures: fake API servers, a sealed sandbox environment, and the installed command.

Why a sandbox: llmchat reads keys, base URLs and config from the environment, `~`, the
current directory's `.env` and its config/data directories. A test that inherited the
developer's shell could read a real key, write into the real history, or reach the real
internet. Every subprocess here runs with an allow-listed environment, a throwaway HOME
and cwd, and proxies pointing at a closed port so any stray internet access fails fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

# Make `import fakeserver` work whether or not tests/ is a package.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from fakeserver import FakeOpenAI, Reply  # noqa: E402

__all__ = ["TEST_KEY", "TEST_KEY_2", "FakeOpenAI", "Reply", "RunLLMChat", "Sandbox"]

#: A key that looks real (so key-shaped redaction applies) and is easy to grep for.
TEST_KEY = "sk-test-" + "0123456789abcdefghijABCDEFGHIJ0123456789"
#: A second, distinct key for tests with two providers.
TEST_KEY_2 = "sk-test-" + "ZYXWVUTSRQzyxwvutsrq9876543210ZYXWVUTSRQ"

#: Only these are copied from the real environment; everything else (keys, base URLs,
#: OPENAI_ORG_ID, LLMCHAT_*, XDG_*, proxies, PYTHON*) is left behind.
_ALLOWED_VARS = (
    "PATH",
    "TERM",
    # Windows needs these for sockets, subprocesses and the temp dir to work at all.
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "TEMP",
    "TMP",
    "TMPDIR",
)

#: Where a stray internet access goes: the discard port on loopback, closed, so it fails
#: at once with "connection refused" instead of hanging or leaking.
DEAD_PROXY = "http://127.0.0.1:9"
#: Loopback bypasses that proxy so the fake servers stay reachable. Not `*`: with `*`
#: httpx and requests ignore the proxy variables entirely and the internet is open again.
LOOPBACK_NO_PROXY = "127.0.0.1,localhost,::1"


@dataclass
class Sandbox:
    """The throwaway world a test's llmchat subprocess lives in.

    `env` is the environment `run_llmchat` uses; tests may add to it (a key, a base URL)
    before running. The directories exist and are empty at the start of each test.
    """

    env: dict[str, str]
    home: Path
    config_dir: Path
    data_dir: Path
    cwd: Path
    tiktoken_cache: Path


RunLLMChat = Callable[..., subprocess.CompletedProcess[str]]


def build_sandbox(root: Path) -> Sandbox:
    """Create the sandbox directories under `root` and the environment that points at them."""
    home = root / "home"
    config_dir = root / "config"
    data_dir = root / "data"
    cwd = root / "cwd"
    tiktoken_cache = root / "tiktoken-cache"
    for d in (home, config_dir, data_dir, cwd, tiktoken_cache):
        d.mkdir(parents=True, exist_ok=True)

    env = {k: os.environ[k] for k in _ALLOWED_VARS if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("TERM", "xterm-256color")
    env.update(
        {
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(home),
            "USERPROFILE": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "APPDATA": str(home / "AppData" / "Roaming"),
            "LOCALAPPDATA": str(home / "AppData" / "Local"),
            "LLMCHAT_CONFIG_DIR": str(config_dir),
            "LLMCHAT_DATA_DIR": str(data_dir),
            "TIKTOKEN_CACHE_DIR": str(tiktoken_cache),
            "DATA_GYM_CACHE_DIR": str(tiktoken_cache),
            "NO_PROXY": LOOPBACK_NO_PROXY,
            "no_proxy": LOOPBACK_NO_PROXY,
            "HTTPS_PROXY": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "HTTP_PROXY": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
            "ALL_PROXY": DEAD_PROXY,
            "all_proxy": DEAD_PROXY,
            # No local-server detection unless a test points it at its fake server:
            # the default ports (Ollama, vLLM…) may be busy on a developer's machine.
            "LLMCHAT_LOCAL_PROBES": "",
            # Where the [local] extra is installed, no quiet fallback to the built-in
            # model: tests/test_setup_embedded.py turns it back on.
            "LLMCHAT_BUILTIN": "off",
        }
    )
    return Sandbox(
        env=env,
        home=home,
        config_dir=config_dir,
        data_dir=data_dir,
        cwd=cwd,
        tiktoken_cache=tiktoken_cache,
    )


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAI]:
    """A started fake OpenAI-compatible API; stopped after the test."""
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def second_server() -> Iterator[FakeOpenAI]:
    """Another, independent fake API (provider-switching tests check each one's log)."""
    with FakeOpenAI() as srv:
        yield srv


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    """Fresh HOME, config, data, cwd and tiktoken cache dirs plus a sealed environment."""
    return build_sandbox(tmp_path / "sandbox")


@pytest.fixture
def clean_env(sandbox: Sandbox) -> dict[str, str]:
    """The sandbox environment (the same dict `run_llmchat` uses: changes apply to it)."""
    return sandbox.env


@pytest.fixture
def test_key() -> str:
    """TEST_KEY, for tests that would rather not import from conftest."""
    return TEST_KEY


@pytest.fixture(scope="session")
def llmchat_bin() -> Path:
    """The installed `llmchat` console script of the interpreter running the tests.

    Missing, the end-to-end tests fail rather than skip: a green run must mean they ran."""
    name = "llmchat.exe" if sys.platform == "win32" else "llmchat"
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(
            f"`llmchat` is not installed next to {sys.executable} "
            f"(run `pip install -e .` in this venv first)"
        )
    return path


@pytest.fixture
def run_llmchat(llmchat_bin: Path, sandbox: Sandbox) -> RunLLMChat:
    """Run the installed command in the sandbox: `run(*args, input=None, env=None, timeout=30)`.

    `env` is laid over the sandbox environment (a value of None removes that variable),
    so `run("hi", env={"OPENAI_API_KEY": TEST_KEY})` keeps HOME, proxies and the rest.
    With `input=None` stdin is /dev/null (never the developer's terminal). `cwd` may
    override the sandbox's working directory. Output is decoded as UTF-8.
    """

    def run(
        *args: str,
        input: str | None = None,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 30,
        cwd: Path | str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = dict(sandbox.env)
        for k, v in (env or {}).items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        return subprocess.run(
            [str(llmchat_bin), *args],
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=full_env,
            cwd=str(cwd if cwd is not None else sandbox.cwd),
            timeout=timeout,
            check=False,
        )

    return run


# The pty REPL driver's fixture (imported last: pty_chat imports Sandbox from here).
from pty_chat import start_chat  # noqa: E402, F401


class Clock:
    """A clock tests move by hand, standing in for `time` in render/live.py (see `clock`)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The live renderer's clock, moved by hand: "three seconds later" without sleeping."""
    import time
    from types import SimpleNamespace

    import llmchat.render.live as live

    fake = Clock()
    monkeypatch.setattr(
        live, "time", SimpleNamespace(monotonic=fake.monotonic, thread_time=time.thread_time)
    )
    return fake
