"""Saved chats on disk: round trips, replay of /clear and /undo, privacy, damage, concurrency.

Real files under tmp_path and real processes; nothing of ours is mocked.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchat.errors import LLMChatError, UsageError
from llmchat.events import Usage
from llmchat.store import (
    AmbiguousChatError,
    ChatNotFoundError,
    ChatStore,
    ChatWriter,
    Cost,
    MessageRecord,
    StoreError,
    export_json,
    export_markdown,
    short_title,
)

REPO = Path(__file__).resolve().parents[1]
PARAMS = {"temperature": 0.3, "max_tokens": 512}


@pytest.fixture
def store(tmp_path: Path) -> ChatStore:
    return ChatStore(tmp_path / "data")


def _say(writer: ChatWriter, question: str, answer: str, *, model: str = "deepseek-chat") -> None:
    writer.append_message("user", question, provider="deepseek", model=model)
    writer.append_message(
        "assistant",
        answer,
        provider="deepseek",
        model=model,
        params=PARAMS,
        usage=Usage(prompt_tokens=10, completion_tokens=5),
        cost=Cost(0.001, "USD"),
    )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _set_mtime(path: Path, seconds: float) -> None:
    os.utime(path, (seconds, seconds))


def _child_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path),
    }


# --- round trips -------------------------------------------------------------------------


def test_three_turn_chat_round_trips(store: ChatStore) -> None:
    writer = store.new_chat("deepseek", "deepseek-chat", PARAMS, system="Be brief.")
    _say(writer, "What is 2+2?", "4")
    _say(writer, "And 3+3?", "6")
    writer.append_message("user", "你好", provider="deepseek", model="deepseek-reasoner")
    writer.append_message(
        "assistant",
        "你好！",
        provider="deepseek",
        model="deepseek-reasoner",
        reasoning="The user greets me.",
        usage=Usage(prompt_tokens=20, completion_tokens=8, reasoning_tokens=3),
    )
    writer.close()

    loaded = store.load(writer.id)
    assert loaded.warnings == []
    assert (loaded.provider, loaded.model, loaded.params) == ("deepseek", "deepseek-chat", PARAMS)
    assert loaded.system == "Be brief."
    assert loaded.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "6"},
        {"role": "user", "content": "你好"},
        {"role": "assistant", "content": "你好！"},
    ]
    last_question, last_answer = loaded.exchanges()[-1]
    assert last_question.content == "你好"
    assert last_answer is not None
    assert last_answer.model == "deepseek-reasoner"
    assert last_answer.reasoning == "The user greets me."
    assert last_answer.usage == Usage(prompt_tokens=20, completion_tokens=8, reasoning_tokens=3)
    assert loaded.replay[1].cost == Cost(0.001, "USD")
    assert loaded.replay[1].params == PARAMS
    assert loaded.unanswered is None

    path = store.chats_dir / f"{writer.id}.jsonl"
    records = [json.loads(line) for line in _lines(path)]
    assert all(r["v"] == 1 for r in records)
    assert records[0]["type"] == "meta" and records[0]["id"] == writer.id
    assert records[0]["title"] is None
    assert "你好" in path.read_text(encoding="utf-8")  # readable, not \u-escaped
    for r in records[1:]:
        assert r["type"] == "message"
        assert r["ts"].endswith("+00:00")


def test_id_is_utc_time_plus_random_hex(store: ChatStore) -> None:
    first = store.new_chat("p", "m")
    second = store.new_chat("p", "m")
    date, clock, rand = first.id.split("-")
    assert len(date) == 8 and len(clock) == 6 and len(rand) == 6
    int(rand, 16)
    assert first.id != second.id


def test_new_chat_touches_disk_only_with_the_first_message(store: ChatStore) -> None:
    writer = store.new_chat("openai", "gpt-4o", system="sys")
    writer.set_title("Early title")
    writer.update_meta(model="gpt-4o-mini")
    writer.mark_clear()
    assert not writer.on_disk
    assert store.list_chats() == []
    assert store.latest() is None

    _say(writer, "hi", "hello")
    assert writer.on_disk
    loaded = store.load(writer.id)
    assert loaded.title == "Early title"
    assert loaded.model == "gpt-4o-mini"
    assert loaded.system == "sys"
    assert [m["role"] for m in loaded.messages] == ["system", "user", "assistant"]


def test_a_chat_never_written_leaves_nothing(store: ChatStore) -> None:
    with store.new_chat("p", "m", system="unused"):
        pass
    assert not store.chats_dir.exists() or list(store.chats_dir.iterdir()) == []


def test_meta_updates_last_value_wins(store: ChatStore) -> None:
    writer = store.new_chat("deepseek", "deepseek-chat", {"temperature": 1.0})
    _say(writer, "q1", "a1")
    writer.update_meta(provider="qwen", model="qwen-max")
    writer.update_meta(params={"temperature": 0.2, "top_p": 0.9})
    writer.set_title("Budget   planning\nfor May")
    writer.update_meta(provider="qwen", model="qwen-max")  # unchanged: no record
    path = writer.path
    count = len(_lines(path))
    writer.update_meta(model="qwen-max")
    writer.set_title("Budget planning for May")
    assert len(_lines(path)) == count

    loaded = store.load(writer.id)
    assert (loaded.provider, loaded.model) == ("qwen", "qwen-max")
    assert loaded.params == {"temperature": 0.2, "top_p": 0.9}
    assert loaded.title == "Budget planning for May"

    writer.set_title(None)  # back to the automatic title
    assert store.load(writer.id).title is None
    assert store.list_chats()[0].title == "q1"


def test_resume_continues_the_same_file(store: ChatStore) -> None:
    writer = store.new_chat("openai", "gpt-4o", PARAMS, system="S")
    _say(writer, "first", "one")
    writer.close()

    again = store.open_for_append(writer.id[:17])
    assert again.id == writer.id and again.on_disk
    again.update_meta(model="gpt-4o")  # same as saved: nothing written
    _say(again, "second", "two")
    again.close()

    loaded = store.load(writer.id)
    assert [m["content"] for m in loaded.messages] == ["S", "first", "one", "second", "two"]
    assert len(list(store.chats_dir.iterdir())) == 1
    assert sum(1 for r in _lines(loaded.path) if '"type":"meta"' in r) == 1


# --- replay ----------------------------------------------------------------------------------


def test_resume_from_the_loaded_chat_reads_the_file_once(
    store: ChatStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-c` loads the chat to replay it; the writer starts from that, not a second read,
    unless the file grew in between (another writer finished meanwhile)."""
    import llmchat.store.directory as directory

    with store.new_chat("p", "model-a") as writer:
        writer.append_message("user", "q1", provider="p", model="model-a")
        writer.append_message("assistant", "a1", provider="p", model="model-a")
        chat_id = writer.id
    reads: list[Path] = []
    real_read = directory.read_chat
    monkeypatch.setattr(directory, "read_chat", lambda path: reads.append(path) or real_read(path))
    loaded = store.load(chat_id)
    with store.open_for_append(loaded, exclusive=True) as writer:
        writer.append_message("user", "q2", provider="p", model="model-a")
    assert len(reads) == 1
    loaded = store.load(chat_id)
    with store.open_for_append(chat_id) as other:  # switches the model meanwhile
        other.update_meta(model="model-b")
    with store.open_for_append(loaded, exclusive=True) as writer:
        writer.update_meta(model="model-a")  # a change only against what the file says now
    assert store.load(chat_id).model == "model-a"
    assert [r.content for r in store.load(chat_id).replay] == ["q1", "a1"]


def test_clear_and_undo_replay(store: ChatStore) -> None:
    writer = store.new_chat("p", "m", system="sys")
    _say(writer, "q1", "a1")
    writer.mark_clear()
    _say(writer, "q2", "a2")
    _say(writer, "q3", "a3")
    writer.mark_undo()
    _say(writer, "q4", "a4")
    writer.append_message("user", "q5 failed", provider="p", model="m")
    writer.mark_undo()  # a failed request leaves no half-turn behind

    loaded = store.load(writer.id)
    assert [m["content"] for m in loaded.messages] == ["sys", "q2", "a2", "q4", "a4"]
    assert loaded.unanswered is None
    # Everything stays on disk and counts in the totals.
    summary = store.list_chats()[0]
    assert summary.turns == 5
    assert summary.tokens == 4 * 15
    assert summary.title == "q1"


def test_undo_with_nothing_to_undo_is_harmless(store: ChatStore) -> None:
    writer = store.new_chat("p", "m")
    _say(writer, "q", "a")
    writer.mark_undo()
    writer.mark_undo()
    loaded = store.load(writer.id)
    assert loaded.messages == [] and loaded.warnings == []


def test_unanswered_last_question_is_kept_apart(store: ChatStore) -> None:
    writer = store.new_chat("p", "m")
    _say(writer, "q1", "a1")
    writer.append_message("user", "q2 (crashed)", provider="p", model="m")
    loaded = store.load(writer.id)
    assert loaded.messages[-1] == {"role": "assistant", "content": "a1"}
    assert loaded.unanswered == "q2 (crashed)"


def test_interrupted_reply_is_marked(store: ChatStore) -> None:
    writer = store.new_chat("p", "m")
    writer.append_message("user", "long story", provider="p", model="m")
    writer.append_message("assistant", "Once upon", provider="p", model="m", interrupted=True)
    loaded = store.load(writer.id)
    assert loaded.replay[-1].interrupted
    assert "*(interrupted)*" in export_markdown(loaded)


# --- privacy ---------------------------------------------------------------------------------


def test_private_permissions_even_with_umask_zero(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = ChatStore(tmp_path / "fresh" / "data")
        writer = store.new_chat("p", "m")
        _say(writer, "q", "a")
        writer.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.chats_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(writer.path.stat().st_mode) == 0o600


def test_loose_chats_dir_is_tightened(tmp_path: Path) -> None:
    chats = tmp_path / "data" / "chats"
    chats.mkdir(parents=True)
    chats.chmod(0o755)
    store = ChatStore(tmp_path / "data")
    _say(store.new_chat("p", "m"), "q", "a")
    assert stat.S_IMODE(chats.stat().st_mode) == 0o700


def test_an_unwritable_data_dir_is_one_readable_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the directory should be")
    store = ChatStore(tmp_path / "data")
    writer = store.new_chat("p", "m")
    with pytest.raises(StoreError) as failed:
        writer.append_message("user", "q", provider="p", model="m")
    assert str(tmp_path / "data") in failed.value.message
    assert "--no-save" in failed.value.hint
    assert failed.value.exit_code == 2  # a setting to fix (README), not an API failure
    with pytest.raises(StoreError, match="could not read"):
        store.list_chats()


def test_params_allow_list_drops_keys_and_headers(store: ChatStore) -> None:
    secret = "sk-test-0123456789abcdefSECRET"
    params = {
        "temperature": 0.5,
        "api_key": secret,
        "headers": {"Authorization": f"Bearer {secret}"},
        "extra_headers": {"x": secret},
        "base_url": "https://example.invalid",
        "stop": [f"key {secret}"],  # allowed name, key-shaped value: masked
        "top_p": None,
    }
    writer = store.new_chat("p", "m", params)
    writer.append_message("user", "q", provider="p", model="m", params=params)
    writer.update_meta(params={**params, "temperature": 0.7})
    loaded = store.load(writer.id)
    assert set(loaded.params) == {"temperature", "stop"}
    assert loaded.params["temperature"] == 0.7
    question = next(r for r in loaded.records if isinstance(r, MessageRecord))
    assert question.params is not None
    assert set(question.params) == {"temperature", "stop"}
    text = writer.path.read_text(encoding="utf-8")
    assert secret not in text and "SECRET" not in text and "example.invalid" not in text


def test_params_object_with_as_dict_is_accepted(store: ChatStore) -> None:
    class Params:
        def as_dict(self) -> dict[str, float | None]:
            return {"temperature": 0.1, "top_p": None}

    writer = store.new_chat("p", "m", Params())
    _say(writer, "q", "a")
    assert store.load(writer.id).params == {"temperature": 0.1}


# --- damage ----------------------------------------------------------------------------------


def test_truncated_and_corrupt_lines_are_skipped_with_warnings(store: ChatStore) -> None:
    writer = store.new_chat("p", "m")
    _say(writer, "q1", "a1")
    _say(writer, "q2", "a2")
    writer.close()
    path = writer.path
    lines = _lines(path)
    lines[2] = lines[2][:15] + "\x00garbage"  # line 3: a1, corrupted in the middle
    text = "\n".join(lines) + "\n" + '{"v":1,"type":"message","role":"user","cont'
    path.write_text(text, encoding="utf-8")

    loaded = store.load(writer.id)
    assert [m["content"] for m in loaded.messages] == ["q1", "q2", "a2"]
    assert len(loaded.warnings) == 2
    assert f"{path} line 3: corrupt record skipped" in loaded.warnings[0]
    assert f"{path} line 6: incomplete last record skipped" in loaded.warnings[1]


def test_appending_after_a_cut_line_starts_a_fresh_line(store: ChatStore) -> None:
    writer = store.new_chat("p", "m")
    _say(writer, "q1", "a1")
    writer.close()
    with writer.path.open("ab") as f:
        f.write(b'{"v":1,"type":"message","role":"assistant","content":"hal')

    resumed = store.open_for_append(writer.id)
    _say(resumed, "q2", "a2")
    loaded = store.load(writer.id)
    assert [m["content"] for m in loaded.messages] == ["q1", "a1", "q2", "a2"]
    assert loaded.warnings == [f"{writer.path} line 4: corrupt record skipped"]


def test_records_we_do_not_understand_are_skipped(store: ChatStore) -> None:
    writer = store.new_chat("p", "m")
    _say(writer, "q1", "a1")
    with writer.path.open("a", encoding="utf-8") as f:
        f.write('{"v":1,"type":"message","role":"tool","content":"x"}\n')
        f.write('{"v":9,"type":"message","role":"user","content":"future"}\n')
        f.write("[1, 2]\n\n")
        f.write(b"\xff\xfe\n".decode("latin-1"))
    _say(writer, "q2", "a2")
    loaded = store.load(writer.id)
    assert [m["content"] for m in loaded.messages] == ["q1", "a1", "q2", "a2"]
    assert [w.split(": ", 1)[1] for w in loaded.warnings] == [
        "unknown role 'tool', record skipped",
        "written by a newer llmchat (schema v9), record skipped",
        "not a JSON object, record skipped",
        "corrupt record skipped",
    ]


def test_a_lost_meta_line_still_loads(store: ChatStore) -> None:
    writer = store.new_chat("deepseek", "deepseek-chat")
    _say(writer, "q", "a")
    lines = _lines(writer.path)
    writer.path.write_text("\n".join(["{oops", *lines[1:]]) + "\n", encoding="utf-8")
    loaded = store.load(writer.id)
    assert (loaded.provider, loaded.model) == ("deepseek", "deepseek-chat")
    assert loaded.created.strftime("%Y%m%d-%H%M%S") == writer.id[:15]
    assert len(loaded.warnings) == 1


# --- finding ---------------------------------------------------------------------------------


def _chat_file(store: ChatStore, chat_id: str, question: str = "q") -> Path:
    store.ensure_dirs()
    path = store.chats_dir / f"{chat_id}.jsonl"
    meta = {"v": 1, "type": "meta", "id": chat_id, "provider": "p", "model": "m", "title": None}
    msg = {"v": 1, "type": "message", "role": "user", "content": question, "ts": ""}
    path.write_text(json.dumps(meta) + "\n" + json.dumps(msg) + "\n", encoding="utf-8")
    return path


def test_resolve_prefixes(store: ChatStore) -> None:
    _chat_file(store, "20240101-120000-aaaaaa")
    _chat_file(store, "20240101-120000-aabbbb")
    _chat_file(store, "20240202-090000-cccccc")
    assert store.resolve("20240202") == "20240202-090000-cccccc"
    assert store.resolve("20240101-120000-aab") == "20240101-120000-aabbbb"
    assert store.resolve("20240101-120000-aaaaaa") == "20240101-120000-aaaaaa"

    with pytest.raises(AmbiguousChatError) as ambiguous:
        store.resolve("20240101")
    assert "20240101-120000-aaaaaa" in ambiguous.value.hint
    assert "20240101-120000-aabbbb" in ambiguous.value.hint
    assert isinstance(ambiguous.value, UsageError)

    for bad in ("2023", "", "../chats/20240202-090000-cccccc", "20240202-090000-cccccc/"):
        with pytest.raises(ChatNotFoundError) as missing:
            store.resolve(bad)
        assert isinstance(missing.value, StoreError)
        assert isinstance(missing.value, LLMChatError)
        assert missing.value.exit_code == 2


def test_resolve_in_an_empty_store(store: ChatStore) -> None:
    with pytest.raises(ChatNotFoundError, match="no saved chat matches"):
        store.load("2024")


def test_list_newest_first_with_titles_turns_tokens_cost(store: ChatStore) -> None:
    old = store.new_chat("deepseek", "deepseek-chat")
    _say(old, "How do I " + "really " * 20 + "parse TOML?", "Use tomllib.")
    old.close()
    new = store.new_chat("qwen", "qwen-max")
    _say(new, "q1", "a1")
    _say(new, "q2", "a2")
    new.append_message(
        "assistant", "a2b", provider="qwen", model="qwen-max", cost=Cost(0.02, "CNY")
    )
    new.set_title("Named chat")
    new.close()
    _set_mtime(old.path, 1_700_000_000)
    _set_mtime(new.path, 1_700_000_100)

    chats = store.list_chats()
    assert [c.id for c in chats] == [new.id, old.id]
    assert store.latest() == new.id
    first, second = chats
    assert (first.title, first.provider, first.model) == ("Named chat", "qwen", "qwen-max")
    assert (first.turns, first.tokens) == (2, 30)
    assert first.cost == pytest.approx({"USD": 0.002, "CNY": 0.02})
    assert first.path == new.path
    assert first.updated.timestamp() == 1_700_000_100
    assert second.title.startswith("How do I really") and second.title.endswith("…")
    assert len(second.title) <= 60
    assert (second.turns, second.tokens) == (1, 15)

    # Writing to the old chat makes it the latest.
    resumed = store.open_for_append(old.id)
    _say(resumed, "more", "sure")
    _set_mtime(old.path, 1_700_000_200)
    assert store.latest() == old.id
    assert store.list_chats()[0].id == old.id


def test_short_title() -> None:
    assert short_title("\n\n  first   line \nsecond") == "first line"
    assert short_title("x" * 100) == "x" * 59 + "…"
    assert short_title("") == ""


def test_files_that_are_not_chats_are_ignored(store: ChatStore) -> None:
    _chat_file(store, "20240101-120000-aaaaaa")
    (store.chats_dir / "notes.txt").write_text("hi")
    (store.chats_dir / ".hidden.jsonl").write_text("{}\n")
    assert [c.id for c in store.list_chats()] == ["20240101-120000-aaaaaa"]


def test_search_titles_and_contents(store: ChatStore) -> None:
    a = store.new_chat("p", "m", system="You are a helpful assistant.")
    _say(a, "How do I use asyncio.gather?", "Pass the coroutines: " + "x " * 50 + "and AWAIT it.")
    b = store.new_chat("p", "m")
    _say(b, "Rust lifetimes", "They describe borrows.")
    b.set_title("Borrow checker")
    _set_mtime(a.path, 1_700_000_000)
    _set_mtime(b.path, 1_700_000_100)

    hits = store.search("await")
    assert [(s.id, snip) for s, snip in hits] == [(a.id, hits[0][1])]
    assert "AWAIT" in hits[0][1] and hits[0][1].startswith("…")
    assert [s.id for s, _ in store.search("BORROW")] == [b.id]
    assert [s.id for s, _ in store.search("How")] == [a.id]
    assert [s.id for s, _ in store.search(" ")] == []
    assert store.search("nowhere") == []
    assert store.search("helpful") == []  # the system prompt is not conversation
    both = store.search("e")
    assert [s.id for s, _ in both] == [b.id, a.id]


def test_delete(store: ChatStore) -> None:
    keep = store.new_chat("p", "m")
    _say(keep, "keep me", "ok")
    drop = store.new_chat("p", "m")
    _say(drop, "drop me", "ok")
    assert store.delete(drop.id[:-2]) == drop.id
    assert not drop.path.exists()
    assert [c.id for c in store.list_chats()] == [keep.id]
    with pytest.raises(ChatNotFoundError):
        store.delete(drop.id)


# --- export ----------------------------------------------------------------------------------


def test_export_json_replays_the_conversation(store: ChatStore) -> None:
    writer = store.new_chat("deepseek", "deepseek-chat", PARAMS, system="Be brief.")
    _say(writer, "q1", "a1")
    writer.mark_undo()
    _say(writer, "q2", "a2")
    loaded = store.load(writer.id)
    body = json.loads(export_json(loaded))
    assert body["messages"] == loaded.messages
    assert body["model"] == "deepseek-chat"
    assert body["temperature"] == 0.3 and body["max_tokens"] == 512
    assert set(body) == {"model", "messages", "temperature", "max_tokens"}


def test_export_markdown_has_roles_and_model(store: ChatStore) -> None:
    writer = store.new_chat("deepseek", "deepseek-reasoner", system="Be brief.")
    writer.append_message("user", "Why is the sky blue?", provider="deepseek", model="x")
    writer.append_message(
        "assistant",
        "Rayleigh scattering.",
        provider="deepseek",
        model="deepseek-reasoner",
        reasoning="Short wavelengths scatter more.",
    )
    writer.set_title("Sky")
    loaded = store.load(writer.id)
    md = export_markdown(loaded)
    assert md.startswith("# Sky\n")
    assert "- Model: deepseek/deepseek-reasoner" in md
    assert "## System\n\nBe brief." in md
    assert "## You\n\nWhy is the sky blue?" in md
    assert "## Assistant (deepseek-reasoner)" in md
    assert "<details><summary>Reasoning</summary>" in md
    assert md.index("Short wavelengths") < md.index("Rayleigh scattering.")
    assert "Short wavelengths" not in export_markdown(loaded, reasoning=False)


# --- processes -------------------------------------------------------------------------------

_WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from llmchat.store import ChatStore

    data, shared_id, tag, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = ChatStore(Path(data))
    own = store.new_chat("p", "m")
    shared = store.open_for_append(shared_id)
    print(own.id, flush=True)
    sys.stdin.readline()  # start together
    big = "x" * 5000  # larger than a pipe buffer: still one line
    for i in range(n):
        own.append_message("user", f"{tag} own {i}", provider="p", model="m")
        shared.append_message("user", f"{tag} shared {i} {big}", provider="p", model="m")
    """
)


def test_two_processes_writing_at_once_never_corrupt(store: ChatStore, tmp_path: Path) -> None:
    shared = store.new_chat("p", "m")
    _say(shared, "shared start", "ok")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER_SCRIPT, str(store.data_dir), shared.id, tag, "200"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_child_env(tmp_path),
            text=True,
        )
        for tag in ("A", "B")
    ]
    own_ids = [p.stdout.readline().strip() for p in procs if p.stdout]
    for p in procs:
        assert p.stdin
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        assert p.wait(timeout=60) == 0

    for own_id, tag in zip(own_ids, ("A", "B"), strict=True):
        loaded = store.load(own_id)
        assert loaded.warnings == []
        assert loaded.unanswered == f"{tag} own 199"
        assert sum(1 for r in loaded.records if getattr(r, "role", None) == "user") == 200
    shared_path = store.chats_dir / f"{shared.id}.jsonl"
    for line in _lines(shared_path):
        json.loads(line)
    loaded = store.load(shared.id)
    assert loaded.warnings == []
    contents = [getattr(r, "content", "") for r in loaded.records]
    for tag in ("A", "B"):
        mine = [c.split()[2] for c in contents if c.startswith(f"{tag} shared ")]
        assert mine == [str(i) for i in range(200)]  # each writer's order is kept


_KILLED_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from llmchat.store import ChatStore

    store = ChatStore(Path(sys.argv[1]))
    chat = store.new_chat("p", "m", system="sys")
    i = 0
    while True:
        chat.append_message("user", f"q{i}", provider="p", model="m")
        chat.append_message("assistant", f"a{i} " + "y" * 3000, provider="p", model="m")
        print(chat.id, i, flush=True)
        i += 1
    """
)


def test_sigkill_mid_chat_loses_nothing_written(store: ChatStore, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SCRIPT, str(store.data_dir)],
        stdout=subprocess.PIPE,
        env=_child_env(tmp_path),
        text=True,
    )
    assert proc.stdout
    chat_id, done = "", -1
    deadline = time.monotonic() + 30
    while done < 20 and time.monotonic() < deadline:
        chat_id, count = proc.stdout.readline().split()
        done = int(count)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert done >= 20

    loaded = store.load(chat_id)
    assert len(loaded.warnings) <= 1  # at most the record being written
    answers = [m["content"] for m in loaded.messages if m["role"] == "assistant"]
    assert len(answers) >= done + 1
    assert [a.split()[0] for a in answers] == [f"a{i}" for i in range(len(answers))]
    assert loaded.system == "sys"


# --- import cost -----------------------------------------------------------------------------


def test_store_imports_neither_openai_nor_rich(tmp_path: Path) -> None:
    code = (
        "import sys, llmchat.store.writer, llmchat.store.export; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'rich')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=_child_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


@pytest.fixture(autouse=True)
def _no_stray_files(tmp_path: Path) -> Iterator[None]:
    """Nothing outside the data dir: the store writes only where it is told."""
    yield
    stray = [p for p in tmp_path.iterdir() if p.name not in ("data", "fresh")]
    assert stray == []


# --- a local model's cost ----------------------------------------------------------------


def test_a_local_models_cost_is_saved_marked_and_read_back_free(store: ChatStore) -> None:
    with store.new_chat("local", "smollm2-135m") as writer:
        writer.append_message("user", "hi", provider="local", model="smollm2-135m")
        writer.append_message(
            "assistant",
            "hello",
            provider="local",
            model="smollm2-135m",
            usage=Usage(prompt_tokens=3, completion_tokens=2),
            cost=Cost(0.0, "USD", free_local=True),
        )
        path = writer.path
    assert '"cost":{"amount":0.0,"currency":"USD","local":true}' in _lines(path)[-1]
    loaded = store.load(writer.id)
    assert loaded.replay[-1].cost == Cost(0.0, "USD", free_local=True)
    summary = loaded.summary()
    assert (summary.cost, summary.free_local, summary.unknown_price) == ({}, True, False)


@pytest.mark.parametrize(
    ("provider", "cost", "free_local"),
    [
        ("local", {"amount": 0.0, "currency": "USD"}, True),  # saved before the mark
        ("ollama", {"amount": 0, "currency": "USD"}, True),
        ("openrouter", {"amount": 0.0, "currency": "USD"}, False),  # a real zero price
        ("ollama", {"amount": 0.5, "currency": "USD"}, False),  # priced in config.toml
        ("openrouter", {"amount": 0.0, "currency": "USD", "local": True}, True),
    ],
)
def test_a_cost_saved_without_the_local_mark_is_read_as_the_product_priced_it(
    provider: str, cost: dict[str, object], free_local: bool
) -> None:
    from llmchat.store.records import from_json

    record = from_json(
        {"type": "message", "role": "assistant", "content": "x", "provider": provider, "cost": cost}
    )
    assert isinstance(record, MessageRecord) and record.cost is not None
    assert record.cost.free_local is free_local


def test_a_chat_of_unknown_price_says_so_in_its_summary(store: ChatStore) -> None:
    with store.new_chat("custom", "my-model") as writer:
        writer.append_message("user", "hi", provider="custom", model="my-model")
        writer.append_message(
            "assistant", "hello", provider="custom", model="my-model", usage=Usage(3, 2)
        )
    summary = store.load(writer.id).summary()
    assert (summary.cost, summary.free_local, summary.unknown_price) == ({}, False, True)
