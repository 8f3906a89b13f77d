"""What servers refused is remembered across runs (wire/quirks.py), and a cache that
cannot be written or read never stops a reply."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from conftest import TEST_KEY, RunLLMChat, Sandbox
from fakeserver import FakeOpenAI

from llmchat.wire.quirks import (
    CACHE_DIR,
    ECHO_REASONING,
    QUIRKS_FILE,
    STREAM_OPTIONS,
    ServerQuirks,
)


def _env(server: FakeOpenAI) -> dict[str, str | None]:
    return {"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": server.base_url}


def _asked_for_usage(server: FakeOpenAI) -> list[bool]:
    return ["stream_options" in (r.body or {}) for r in server.chat_requests()]


def test_a_refusal_is_remembered_by_the_next_process(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    fake_server.reject_stream_options = True
    for question in ("one", "two", "three"):
        fake_server.reply(text=f"answer {question}")
        result = run_llmchat("--no-save", question, env=_env(fake_server))
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"answer {question}\n"
    # One refused request in the first run; the later runs never ask again.
    assert _asked_for_usage(fake_server) == [True, False, False, False]
    saved = json.loads((sandbox.data_dir / CACHE_DIR / QUIRKS_FILE).read_text())
    assert saved["servers"][fake_server.base_url.rstrip("/")] == {STREAM_OPTIONS: False}


def test_an_unwritable_cache_costs_a_request_but_never_the_reply(
    fake_server: FakeOpenAI, run_llmchat: RunLLMChat, sandbox: Sandbox
) -> None:
    (sandbox.data_dir / CACHE_DIR).write_text("a file where the cache directory should be")
    fake_server.reject_stream_options = True
    for question in ("one", "two"):
        fake_server.reply(text="fine")
        result = run_llmchat("--no-save", question, env=_env(fake_server))
        assert result.returncode == 0, result.stderr
        assert (result.stdout, result.stderr) == ("fine\n", "")
    assert _asked_for_usage(fake_server) == [True, False, True, False]


def test_a_corrupt_cache_is_nothing_known(tmp_path: Path) -> None:
    path = tmp_path / CACHE_DIR / QUIRKS_FILE
    path.parent.mkdir()
    for junk in ("{not json", '["a list"]', '{"servers": {"http://x/v1": [1]}}', "\xff"):
        path.write_text(junk, encoding="latin-1")
        assert ServerQuirks(path).get("http://x/v1", STREAM_OPTIONS) is None
    quirks = ServerQuirks(path)
    quirks.remember("http://x/v1", STREAM_OPTIONS, False)  # replaces the junk
    assert ServerQuirks(path).get("http://x/v1", STREAM_OPTIONS) is False


def test_facts_are_per_server_merged_between_processes_and_can_be_forgotten(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quirks.json"
    first, second = ServerQuirks(path), ServerQuirks(path)
    assert first.get("http://a/v1", STREAM_OPTIONS) is None  # both have read the file
    assert second.get("http://a/v1", STREAM_OPTIONS) is None
    first.remember("http://A/v1/", STREAM_OPTIONS, False)  # same server as http://a/v1
    second.remember("http://b/v1", ECHO_REASONING, True)
    fresh = ServerQuirks(path)
    assert fresh.get("http://a/v1", STREAM_OPTIONS) is False  # not lost to second's write
    assert fresh.get("http://b/v1", ECHO_REASONING) is True
    assert fresh.get("http://b/v1", STREAM_OPTIONS) is None
    fresh.forget("http://a/v1", STREAM_OPTIONS)
    assert ServerQuirks(path).get("http://a/v1", STREAM_OPTIONS) is None
    assert [p.name for p in tmp_path.iterdir()] == ["quirks.json"], "no temporary left"


def test_threads_remembering_at_once_lose_nothing(tmp_path: Path) -> None:
    quirks = ServerQuirks(tmp_path / "quirks.json")
    threads = [
        threading.Thread(target=quirks.remember, args=(f"http://s{n}/v1", STREAM_OPTIONS, False))
        for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fresh = ServerQuirks(tmp_path / "quirks.json")
    assert all(fresh.get(f"http://s{n}/v1", STREAM_OPTIONS) is False for n in range(8))
