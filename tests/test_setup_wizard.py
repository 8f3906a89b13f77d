"""The first-run setup as a newcomer meets it: `python -m llmchat.setup.wizard` in a real
pseudo-terminal (pexpect) against the loopback fake server, plus the config merge it does."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import TEST_KEY, Sandbox
from fakeserver import FakeOpenAI

from llmchat.setup.detect import PROBES_VAR
from llmchat.setup.saving import read_keys, save_key, updated_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

WRONG_KEY = "sk-wrong-" + "9" * 40


class Setup:
    """A running setup in a pty; everything it printed is in `screen()`."""

    def __init__(self, child: pexpect.spawn, log: io.StringIO) -> None:
        self.child = child
        self.log = log

    def expect(self, text: str) -> None:
        self.child.expect_exact(text)

    def answer(self, prompt: str, text: str) -> None:
        self.expect(prompt)
        self.child.send(text + "\r")

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return int(self.child.exitstatus)

    def screen(self) -> str:
        return self.log.getvalue()


StartSetup = Callable[..., Setup]


@pytest.fixture
def start_setup(sandbox: Sandbox, fake_server: FakeOpenAI) -> Iterator[StartSetup]:
    children: list[pexpect.spawn] = []

    def start(**env: str) -> Setup:
        log = io.StringIO()
        full_env = {
            **sandbox.env,
            "OPENAI_BASE_URL": fake_server.base_url,
            PROBES_VAR: "",  # never the machine's real ports 8000/8080
            **env,
        }
        child = pexpect.spawn(
            sys.executable,
            ["-m", "llmchat.setup.wizard"],
            env=full_env,
            cwd=str(sandbox.cwd),
            encoding="utf-8",
            timeout=20,
            dimensions=(40, 120),
        )
        child.logfile_read = log
        children.append(child)
        return Setup(child, log)

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_hosted_provider_key_refused_then_accepted_and_saved(
    start_setup: StartSetup,
    sandbox: Sandbox,
    fake_server: FakeOpenAI,
) -> None:
    fake_server.require_key = TEST_KEY
    fake_server.models = ["gpt-4o-mini", "fake-model"]
    setup = start_setup()
    setup.expect("OpenAI")
    setup.answer("Provider [", "openai")
    setup.answer("API key (hidden): ", WRONG_KEY)
    setup.expect("key refused by OpenAI (HTTP 401)")
    setup.answer("API key (hidden): ", TEST_KEY)
    setup.expect("key accepted")
    setup.expect("Models: fake-model, gpt-4o-mini")
    setup.answer("Model [Enter for gpt-4o-mini]: ", "fake-model")
    setup.expect("saved openai · fake-model")
    assert setup.finish() == 0

    screen = setup.screen()
    assert TEST_KEY not in screen and WRONG_KEY not in screen
    # Exactly two checks: the wrong key, then the right one, each to its own /models.
    assert [(r.path, r.api_key) for r in fake_server.requests] == [
        ("/v1/models", WRONG_KEY),
        ("/v1/models", TEST_KEY),
    ]
    config = sandbox.config_dir / "config.toml"
    assert tomllib.loads(config.read_text()) == {"provider": "openai", "model": "fake-model"}
    assert read_keys(sandbox.config_dir) == {"openai": TEST_KEY}
    assert _mode(sandbox.config_dir / "keys.json") == 0o600
    assert _mode(config) == 0o600
    assert _mode(sandbox.config_dir) == 0o700


def test_existing_config_is_merged_not_replaced(
    start_setup: StartSetup,
    sandbox: Sandbox,
) -> None:
    config = sandbox.config_dir / "config.toml"
    config.write_text(
        '# mine\ntemperature = 0.3\nmodel = "old"\n\n[prices."x"]\ninput = 1\noutput = 2\n'
    )
    setup = start_setup(OPENAI_API_KEY=TEST_KEY)  # a key in the environment: nothing to paste
    setup.expect("(key in OPENAI_API_KEY)")
    setup.answer("Enter for openai]: ", "")
    setup.answer("Model [Enter for gpt-4o-mini]: ", "")
    assert setup.finish() == 0
    text = config.read_text()
    assert text.startswith("# mine\ntemperature = 0.3\n")
    assert tomllib.loads(text) == {
        "temperature": 0.3,
        "model": "gpt-4o-mini",
        "provider": "openai",
        "prices": {"x": {"input": 1, "output": 2}},
    }
    assert not (sandbox.config_dir / "keys.json").exists()  # the env key is not copied


def test_ctrl_c_after_the_key_was_accepted_writes_nothing(
    start_setup: StartSetup,
    sandbox: Sandbox,
) -> None:
    setup = start_setup()
    setup.answer("Provider [", "1")
    setup.answer("API key (hidden): ", TEST_KEY)
    setup.expect("key accepted")
    setup.expect("Model [")
    setup.child.sendintr()
    setup.expect("setup cancelled; nothing was saved")
    assert setup.finish() == 130
    assert TEST_KEY not in setup.screen()
    assert list(sandbox.config_dir.iterdir()) == []


def test_ctrl_d_at_the_key_prompt_writes_nothing(
    start_setup: StartSetup,
    sandbox: Sandbox,
) -> None:
    setup = start_setup()
    setup.answer("Provider [", "deepseek")
    setup.expect("DeepSeek API key (hidden): ")
    setup.child.sendeof()
    setup.expect("nothing was saved")
    assert setup.finish() == 130
    assert list(sandbox.config_dir.iterdir()) == []


def test_a_local_server_found_is_marked_and_chosen_by_default(
    start_setup: StartSetup,
    sandbox: Sandbox,
    second_server: FakeOpenAI,
) -> None:
    second_server.models = ["llama3.2", "qwen2.5"]
    setup = start_setup(**{PROBES_VAR: f"ollama=127.0.0.1:{second_server.port}"})
    setup.expect(f"(running at 127.0.0.1:{second_server.port})")
    setup.answer("Enter for ollama]: ", "")
    setup.answer("Model [Enter for llama3.2]: ", "qwen2.5")
    assert setup.finish() == 0
    assert tomllib.loads((sandbox.config_dir / "config.toml").read_text()) == {
        "provider": "ollama",
        "model": "qwen2.5",
        "providers": {"ollama": {"base_url": second_server.base_url}},
    }


def test_a_pipe_never_prompts(sandbox: Sandbox) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "llmchat.setup.wizard"],
        input="1\n" + TEST_KEY + "\n",
        capture_output=True,
        text=True,
        env={**sandbox.env, PROBES_VAR: ""},
        cwd=sandbox.cwd,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "llmchat: error: setup needs a terminal — run `llmchat setup` in one, "
        "or set a key such as OPENAI_API_KEY"
    )
    assert list(sandbox.config_dir.iterdir()) == []


def test_config_merge_keeps_tables_and_rejects_what_would_break(tmp_path: Path) -> None:
    text = '[providers.ollama]\nbase_url = "http://h:1/v1"\n'
    merged = updated_config(text, "ollama", "llama3.2", {"ollama": "http://127.0.0.1:5/v1"})
    assert tomllib.loads(merged) == {
        "provider": "ollama",
        "model": "llama3.2",
        "providers": {"ollama": {"base_url": "http://127.0.0.1:5/v1"}},
    }
    from llmchat.errors import ConfigError

    with pytest.raises(ConfigError, match="would not be valid"):
        updated_config("tempreature = 1\n", "openai", "gpt-4o-mini")


def test_saved_keys_keep_each_other(tmp_path: Path) -> None:
    save_key(tmp_path / "cfg", "openai", TEST_KEY)
    save_key(tmp_path / "cfg", "deepseek", 'odd"key\\')
    assert read_keys(tmp_path / "cfg") == {"openai": TEST_KEY, "deepseek": 'odd"key\\'}
    assert [p.name for p in (tmp_path / "cfg").iterdir()] == ["keys.json"]  # no temp left


def test_setup_again_can_replace_a_saved_key(
    start_setup: StartSetup,
    sandbox: Sandbox,
    fake_server: FakeOpenAI,
) -> None:
    save_key(sandbox.config_dir, "openai", "sk-old-" + "1" * 40)
    fake_server.require_key = TEST_KEY
    setup = start_setup()
    setup.expect("(key saved)")
    setup.answer("Enter for openai]: ", "")
    setup.answer("Keep the saved key? [Y/n] ", "n")
    setup.answer("API key (hidden): ", TEST_KEY)
    setup.answer("Model [Enter for gpt-4o-mini]: ", "")
    assert setup.finish() == 0
    assert read_keys(sandbox.config_dir) == {"openai": TEST_KEY}
    assert "sk-old-" not in setup.screen() and TEST_KEY not in setup.screen()
