"""The key store (file backend: modes, atomic writes, refusal of open files), the key
command runner (real subprocesses: success, failure, hang) and the key chain's order."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import TEST_KEY, TEST_KEY_2

from llmchat.errors import ConfigError
from llmchat.keys.command import parse_key_command, run_key_command
from llmchat.keys.sources import DotenvSource, KeyRequest, build_key_chain
from llmchat.keys.store import FileKeyStore, backend_is_usable, open_key_store

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
OPENAI = KeyRequest("openai", ("OPENAI_API_KEY",))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_file_store_is_private_and_round_trips(tmp_path: Path) -> None:
    config = tmp_path / "config"
    store = open_key_store(config, use_keyring=False)
    assert store.backend == "file" and store.path == str(config / "keys.json")
    store.set("openai", TEST_KEY + "\n")
    store.set("deepseek", TEST_KEY_2)
    assert _mode(config) == 0o700 and _mode(config / "keys.json") == 0o600
    assert store.get("openai") == TEST_KEY and store.list() == ["deepseek", "openai"]
    assert store.remove("openai") and not store.remove("openai")
    assert store.get("openai") is None and store.list() == ["deepseek"]
    assert [p.name for p in config.iterdir()] == ["keys.json"]  # no temp file left behind
    assert TEST_KEY not in (config / "keys.json").read_text()


@posix_only
def test_existing_open_config_dir_is_tightened(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o755)
    config.chmod(0o755)
    FileKeyStore(config / "keys.json").set("openai", TEST_KEY)
    assert _mode(config) == 0o700


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_keys_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    store = FileKeyStore(tmp_path / "keys.json")
    store.set("openai", TEST_KEY)
    store.file.chmod(mode)
    with pytest.raises(ConfigError) as info:
        store.get("openai")
    line = info.value.one_line()
    assert f"chmod 600 {store.file}" in line and "\n" not in line and TEST_KEY not in line


def test_damaged_keys_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text("{not json")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="damaged"):
        FileKeyStore(path).list()


def test_keys_with_line_breaks_or_empty_are_refused(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys.json")
    for bad in ("", "   ", "sk-a\nsk-b"):
        with pytest.raises(ConfigError):
            store.set("openai", bad)
    assert not store.file.exists()


def test_keyring_backends_that_cannot_work_are_refused() -> None:
    def backend(module: str, priority: object) -> object:
        return type("Keyring", (), {"__module__": module, "priority": priority})()

    assert not backend_is_usable(backend("keyring.backends.fail", 0))
    assert not backend_is_usable(backend("keyring.backends.chainer", 10))
    assert not backend_is_usable(backend("keyrings.alt.file", 0.5))
    assert not backend_is_usable(backend("keyring.backends.SecretService", 0))
    assert backend_is_usable(backend("keyring.backends.SecretService", 5))


# --- api_key_cmd ---------------------------------------------------------------------


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_key_command_first_line_stripped() -> None:
    argv = _py(f"print('  {TEST_KEY}  '); print('url: https://example')")
    assert run_key_command(argv, "deepseek") == TEST_KEY


def test_key_command_failure_never_shows_its_stderr() -> None:
    argv = _py(f"import sys; sys.stderr.write('{TEST_KEY}'); sys.exit(3)")
    with pytest.raises(ConfigError) as info:
        run_key_command(argv, "deepseek")
    line = info.value.one_line()
    assert "deepseek" in line and "exit status 3" in line
    assert Path(sys.executable).name in line and TEST_KEY not in line and "-c" not in line


def test_key_command_not_found_and_empty_output() -> None:
    with pytest.raises(ConfigError, match="not found"):
        run_key_command(["llmchat-no-such-program-x"], "qwen")
    with pytest.raises(ConfigError, match="printed nothing"):
        run_key_command(_py("print()"), "qwen")


@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
def test_key_command_that_hangs_is_killed_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The child sleeps in a grandchild too: the whole group must die.
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    with pytest.raises(ConfigError) as info:
        run_key_command(_py(code), "openai", timeout=1.0)
    assert "within 1 s" in info.value.message
    grandchild = int(pid_file.read_text())
    for _ in range(50):  # reaped by init shortly after SIGKILL
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        import time

        time.sleep(0.05)
    else:
        pytest.fail("the key command's child survived the timeout")


def test_parse_key_command() -> None:
    assert parse_key_command("pass show 'my key'", "x") == ("pass", "show", "my key")
    assert parse_key_command(["sh", "-c", "a | b"], "x") == ("sh", "-c", "a | b")
    for bad in ("", "pass 'open", 3, ["ok", 1]):
        with pytest.raises(ConfigError):
            parse_key_command(bad, "x")


# --- the chain -----------------------------------------------------------------------


def test_chain_order_and_labels(tmp_path: Path) -> None:
    store = FileKeyStore(tmp_path / "keys.json")
    store.set("openai", "sk-from-store-000000000000")
    runs: list[str] = []

    def run(argv: object, provider: str) -> str:
        runs.append(provider)
        return "sk-from-command-0000000000"

    dotenv = DotenvSource(tmp_path / ".env", {"OPENAI_API_KEY": "sk-dotenv-00000"}, False)

    def chain(shell: dict[str, str], flag: str | None = None, env: bool = True):  # type: ignore[no-untyped-def]
        return build_key_chain(
            shell_vars=shell,
            api_key_env=flag,
            dotenv=dotenv if env else None,
            commands={"openai": ["pass", "show", "openai"]},
            run_command=run,
            store=store,
        )

    shell = {"OPENAI_API_KEY": "sk-shell-0000", "WORK_KEY": "sk-work-0000"}
    assert chain(shell, "WORK_KEY").find(OPENAI).origin.label == "--api-key-env WORK_KEY"
    assert chain(shell).find(OPENAI).origin.label == "shell"
    found = chain({}).find(OPENAI)
    assert found is not None and found.origin.label == f".env at {tmp_path / '.env'} (untrusted)"
    assert not found.origin.trusted and found.key not in repr(found)
    assert chain({}, env=False).where(OPENAI).label == "config.toml key command"
    assert runs == []  # `where` never runs a command
    found = chain({}, env=False).find(OPENAI)
    assert found is not None and found.origin.label == "config.toml key command"
    assert runs == ["openai"]
    deepseek = KeyRequest("deepseek", ("DEEPSEEK_API_KEY",))
    assert chain({}).find(deepseek) is None
    store.set("deepseek", TEST_KEY_2)
    found = chain({}).find(deepseek)
    assert found is not None and found.key == TEST_KEY_2
    assert found.origin.label == "key store (file)"
