"""The chat index: a cache beside the JSONL files that lists and searches like reading them.

Real files written by the real ChatStore, a real SQLite file, real processes; the index
is damaged the way disks and people damage files, and every answer is checked against
what the files say.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from llmchat.events import Usage
from llmchat.store import ChatStore
from llmchat.store.index import INDEX_FILE, ChatIndex
from llmchat.store.index_query import MARK_OFF, MARK_ON, ChatQueries
from llmchat.store.records import Cost

REPO = Path(__file__).resolve().parents[1]


def _chat(store: ChatStore, exchanges: list[tuple[str, str]], **kw: str) -> str:
    provider, model = kw.get("provider", "deepseek"), kw.get("model", "deepseek-chat")
    with store.new_chat(provider, model) as writer:
        for question, answer in exchanges:
            writer.append_message("user", question, provider=provider, model=model)
            writer.append_message(
                "assistant",
                answer,
                provider=provider,
                model=model,
                usage=Usage(prompt_tokens=10, completion_tokens=5, estimated="~" in kw),
                cost=Cost(0.5, kw.get("currency", "USD")),
            )
        return writer.id


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def chats(data: Path) -> dict[str, str]:
    store = ChatStore(data, durable=False)
    made = {
        "k8s": _chat(store, [("how do I scale kubernetes pods?", "use kubectl scale")]),
        "zh": _chat(
            store,
            [("请解释一下量子计算的基本原理", "量子计算利用量子叠加和纠缠。")],
            provider="qwen",
            model="qwen-max",
            currency="CNY",
        ),
        "py": _chat(store, [("python list comprehension", "squares = [x*x for x in xs]")]),
    }
    _age(data, made["k8s"], 300)
    _age(data, made["zh"], 200)
    _age(data, made["py"], 100)
    return made


def _age(data: Path, chat_id: str, seconds: int) -> None:
    """Make a chat look last written `seconds` ago, so the order is known."""
    path = data / "chats" / f"{chat_id}.jsonl"
    when = datetime.now(timezone.utc).timestamp() - seconds
    os.utime(path, (when, when))


def _queries(data: Path, warnings: list[str] | None = None) -> ChatQueries:
    """Queries whose index must be the file one unless the test passes `warnings`."""
    if warnings is not None:
        return ChatQueries(ChatIndex(data, warn=warnings.append))

    def unexpected(message: str) -> None:
        raise AssertionError(f"unexpected fallback: {message}")

    return ChatQueries(ChatIndex(data, warn=unexpected))


def _ids(data: Path) -> list[str]:
    return [row.id for row in _queries(data).latest(None)]


def _found(data: Path, text: str, **kw: str) -> list[str]:
    return [hit.chat.id for hit in _queries(data).search(text, **kw)]  # type: ignore[arg-type]


def _jsonl_digest(data: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((data / "chats").iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def test_latest_is_newest_first_with_filters(data: Path, chats: dict[str, str]) -> None:
    queries = _queries(data)
    assert [r.id for r in queries.latest()] == [chats["py"], chats["zh"], chats["k8s"]]
    assert [r.id for r in queries.latest(1)] == [chats["py"]]
    assert [r.id for r in queries.latest(model="qwen-max")] == [chats["zh"]]
    assert [r.id for r in queries.latest(provider="deepseek")] == [chats["py"], chats["k8s"]]
    since = datetime.now(timezone.utc) - timedelta(seconds=150)
    assert [r.id for r in queries.latest(since=since)] == [chats["py"]]
    zh = queries.latest(model="qwen-max")[0]
    assert (zh.title, zh.turns, zh.tokens, zh.cost) == (
        "请解释一下量子计算的基本原理",
        1,
        15,
        (("CNY", 0.5),),
    )


def test_search_ranks_and_highlights(data: Path, chats: dict[str, str]) -> None:
    hits = _queries(data).search("Kubernetes")
    assert [h.chat.id for h in hits] == [chats["k8s"]]
    assert f"{MARK_ON}kubernetes{MARK_OFF}" in hits[0].snippet
    assert _found(data, "kubectl", role="user") == []
    assert _found(data, "kubectl", role="assistant") == [chats["k8s"]]
    assert _found(data, "no such words anywhere") == []


@pytest.mark.parametrize("needle", ["量子计算", "叠加", "量"])
def test_chinese_substring_search_finds_its_chat(
    data: Path, chats: dict[str, str], needle: str
) -> None:
    hits = _queries(data).search(needle)
    assert [h.chat.id for h in hits] == [chats["zh"]]
    assert f"{MARK_ON}{needle}{MARK_OFF}" in hits[0].snippet


def test_spend_keeps_currencies_apart_and_marks_estimates(data: Path) -> None:
    store = ChatStore(data, durable=False)
    _chat(store, [("a", "b"), ("c", "d")])
    _chat(store, [("e", "f")], provider="qwen", model="qwen-max", currency="CNY")
    _chat(store, [("g", "h")], model="deepseek-chat", **{"~": "1"})
    lines, days = _queries(data).spend(since=datetime.now(timezone.utc) - timedelta(days=1))
    by_key = {(s.provider, s.model, s.currency): s for s in lines}
    usd = by_key[("deepseek", "deepseek-chat", "USD")]
    assert (usd.amount, usd.requests, usd.prompt_tokens, usd.estimated) == (1.5, 3, 30, True)
    cny = by_key[("qwen", "qwen-max", "CNY")]
    assert (cny.amount, cny.estimated) == (0.5, False)
    assert {(d.currency, d.amount) for d in days} == {("USD", 1.5), ("CNY", 0.5)}
    assert _queries(data).spend(until=datetime(2000, 1, 1, tzinfo=timezone.utc)) == ([], [])


@pytest.mark.parametrize("damage", ["delete", "corrupt", "truncate", "other-version"])
def test_damaged_index_is_rebuilt(data: Path, chats: dict[str, str], damage: str) -> None:
    expected = _ids(data)
    index = data / INDEX_FILE
    if damage == "delete":
        index.unlink()
    elif damage == "corrupt":
        with index.open("r+b") as f:
            f.seek(0)
            f.write(b"this is not a database" * 50)
    elif damage == "truncate":
        with index.open("r+b") as f:
            f.truncate(index.stat().st_size // 3)
    else:
        import sqlite3

        conn = sqlite3.connect(index)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
    before = _jsonl_digest(data)
    assert _ids(data) == expected
    assert _found(data, "量子") == [chats["zh"]]
    assert _found(data, "kubectl") == [chats["k8s"]]
    assert _jsonl_digest(data) == before


def test_stale_index_catches_up_with_a_line_appended_behind_its_back(
    data: Path, chats: dict[str, str]
) -> None:
    assert _found(data, "helm charts") == []
    line = (
        '{"v":1,"type":"message","role":"user","content":"and helm charts?",'
        '"ts":"2030-01-01T00:00:00+00:00","provider":"deepseek","model":"deepseek-chat"}\n'
    )
    with (data / "chats" / f"{chats['k8s']}.jsonl").open("a", encoding="utf-8") as f:
        f.write(line)
    assert _found(data, "helm charts") == [chats["k8s"]]
    assert _ids(data)[0] == chats["k8s"]  # written to last
    assert _queries(data).latest(1)[0].turns == 2


def test_rewritten_and_deleted_files_are_noticed(data: Path, chats: dict[str, str]) -> None:
    assert _found(data, "kubectl") == [chats["k8s"]]
    path = data / "chats" / f"{chats['k8s']}.jsonl"
    path.write_bytes(path.read_bytes().replace(b"kubectl", b"oc cmd!"))
    assert _found(data, "kubectl") == []
    assert _found(data, "oc cmd!") == [chats["k8s"]]
    (data / "chats" / f"{chats['py']}.jsonl").unlink()
    assert _ids(data) == [chats["k8s"], chats["zh"]]
    assert _found(data, "comprehension") == []


def test_note_write_indexes_one_appended_message(data: Path, chats: dict[str, str]) -> None:
    index = ChatIndex(data)
    queries = ChatQueries(index)
    assert queries.count() == 3
    store = ChatStore(data, durable=False)
    with store.open_for_append(chats["py"]) as writer:
        writer.append_message("user", "and generators?", provider="deepseek", model="x")
        index.note_write(writer.id)
    row = index.open().execute("SELECT turns FROM chats WHERE id = ?", (chats["py"],))
    assert row.fetchone()[0] == 2
    assert [h.chat.id for h in queries.search("generators")] == [chats["py"]]


def test_unanswered_chats_are_left_out_until_their_answer_arrives(
    data: Path, chats: dict[str, str]
) -> None:
    store = ChatStore(data, durable=False)
    with store.new_chat("deepseek", "deepseek-chat") as writer:
        writer.append_message(
            "user", "asked, then the request failed", provider="deepseek", model="x"
        )
        lonely = writer.id
    index = ChatIndex(data)
    queries = ChatQueries(index)
    assert lonely not in [r.id for r in queries.latest(None, unanswered=False)]
    assert queries.count_unanswered() == 1
    assert queries.count_unanswered(provider="qwen") == 0
    everything = queries.latest(None)
    assert [r.answers for r in everything if r.id == lonely] == [0]
    with store.open_for_append(lonely) as writer:
        writer.append_message("assistant", "answered at last", provider="deepseek", model="x")
        index.note_write(writer.id)
    assert lonely in [r.id for r in queries.latest(None, unanswered=False)]
    assert queries.count_unanswered() == 0


def test_unanswered_chats_are_counted_from_their_own_index_even_in_an_older_file(
    data: Path, chats: dict[str, str]
) -> None:
    """The listing counts unanswered chats on every run: from a partial index, not a scan
    of every row; an index file from before it gets it on open, without a rebuild."""
    count_sql = "SELECT count(*) FROM chats WHERE turns > 0 AND updated_ns >= ? AND answers = 0"
    queries = _queries(data)
    assert queries.count_unanswered() == 0
    conn = queries.index.open()
    plan = " ".join(str(row) for row in conn.execute(f"EXPLAIN QUERY PLAN {count_sql}", (0,)))
    assert "chats_unanswered" in plan
    conn.execute("DROP INDEX chats_unanswered")  # as an index written before it existed
    queries.index.close()
    reopened = _queries(data)
    assert reopened.count_unanswered() == 0
    names = reopened.index.open().execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    assert "chats_unanswered" in [name for (name,) in names]
    assert _ids(data) == [chats["py"], chats["zh"], chats["k8s"]]


def test_index_of_an_older_version_is_rebuilt(data: Path, chats: dict[str, str]) -> None:
    index = ChatIndex(data)
    conn = index.open()
    conn.execute("PRAGMA user_version = 2")  # before chats.answers
    index.close()
    rows = _queries(data, warnings=[]).latest(None, unanswered=False)
    assert sorted(r.id for r in rows) == sorted(chats.values())
    assert all(r.answers == 1 for r in rows)


def test_unwritable_index_falls_back_with_one_warning(data: Path, chats: dict[str, str]) -> None:
    (data / INDEX_FILE).unlink(missing_ok=True)
    (data / INDEX_FILE).mkdir()  # a directory where the database should be: cannot open
    warnings: list[str] = []
    queries = _queries(data, warnings)
    assert [r.id for r in queries.latest()] == [chats["py"], chats["zh"], chats["k8s"]]
    assert [h.chat.id for h in queries.search("量子计算")] == [chats["zh"]]
    assert len(warnings) == 1 and "reading every chat" in warnings[0]


def test_interrupted_rebuild_keeps_its_batches(
    data: Path, chats: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from llmchat.store import index as chat_index

    monkeypatch.setattr(chat_index, "BATCH", 1)
    seen: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> None:
        seen.append((done, total))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ChatIndex(data, progress=stop).open()
    assert seen == [(1, 3)]
    conn = sqlite3.connect(data / INDEX_FILE)
    assert conn.execute("SELECT id FROM chats").fetchall() == [(chats["k8s"],)]  # oldest first
    conn.close()
    assert _ids(data) == [chats["py"], chats["zh"], chats["k8s"]]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from llmchat.store.index import ChatIndex
    from llmchat.store import ChatStore
    data, word = Path(sys.argv[1]), sys.argv[2]
    index = ChatIndex(data)
    with ChatStore(data, durable=False).new_chat("p", "m") as writer:
        for i in range(40):
            writer.append_message("user", f"{word} question {i}", provider="p", model="m")
            index.note_write(writer.id)
            writer.append_message("assistant", f"answer {i}", provider="p", model="m")
            index.note_write(writer.id)
    """
)


def test_two_processes_writing_two_chats_at_once(data: Path, chats: dict[str, str]) -> None:
    ChatIndex(data).open()  # both writers find an index to update
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(data), word], cwd=REPO)
        for word in ("alphaword", "betaword")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert len(_ids(data)) == 5
    for word in ("alphaword", "betaword"):
        hits = _queries(data).search(word)
        assert len(hits) == 1 and hits[0].chat.turns == 40


def test_latest_written_answers_from_an_index_in_step_and_never_builds_one(
    data: Path, chats: dict[str, str]
) -> None:
    """`-c` asks latest_written(): None sends it to the files; it must never pay for a
    (re)build, which takes minutes at 50,000 chats."""
    index_file = data / INDEX_FILE
    assert ChatIndex(data).latest_written() is None  # no index yet: none is made
    assert not index_file.exists()
    assert _ids(data)[0] == chats["py"]  # a listing builds it
    index = ChatIndex(data)
    assert index.latest_written() == chats["py"]
    index.close()
    _age(data, chats["k8s"], 10)  # written behind its back, and now the newest
    assert ChatIndex(data).latest_written() == chats["k8s"]
    for suffix in ("-wal", "-shm"):
        Path(f"{index_file}{suffix}").unlink(missing_ok=True)
    with index_file.open("r+b") as f:
        f.seek(0)
        f.write(b"this is not a database" * 50)
    damaged = index_file.read_bytes()
    assert ChatIndex(data).latest_written() is None
    assert index_file.read_bytes() == damaged  # left for the next listing to rebuild


def test_latest_written_catches_up_with_a_few_new_chats_only(
    data: Path, chats: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import llmchat.store.index as index_module

    def indexed() -> int:
        conn = sqlite3.connect(data / INDEX_FILE)
        try:
            return int(conn.execute("SELECT count(*) FROM chats").fetchone()[0])
        finally:
            conn.close()

    assert len(_ids(data)) == 3
    store = ChatStore(data, durable=False)
    copied = _chat(store, [("a chat copied in", "from elsewhere")])
    assert ChatIndex(data).latest_written() == copied
    assert indexed() == 4  # caught up on the way, no listing needed
    monkeypatch.setattr(index_module, "RECENT", 1)
    many = [_chat(store, [(f"restored {n}", "from a backup")]) for n in range(2)]
    _age(data, many[0], 5)
    assert ChatIndex(data).latest_written() == many[1]
    assert indexed() == 4  # more than RECENT new files: a rebuild's work, left to a listing
    assert _ids(data)[0] == many[1]
    assert indexed() == 6
