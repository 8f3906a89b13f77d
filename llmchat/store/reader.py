"""Reading a saved chat back: parse its lines, survive damage, replay /clear and /undo.

Read-only and forgiving: a line that is not a record becomes a warning naming the
file and line, never an exception, so one bad byte cannot cost a user the whole chat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from llmchat.store.record_types import (
    ChatNotFoundError,
    ClearRecord,
    JsonObject,
    MessageRecord,
    MetaRecord,
    PartialRecord,
    Record,
    RecordError,
    store_error,
)
from llmchat.store.records import from_json
from llmchat.store.timestamps import parse_time, time_from_id

SUFFIX = ".jsonl"
TITLE_WIDTH = 60


@dataclass
class ChatSummary:
    """One line of the chat list. Turns, tokens and cost count everything the file
    records, cleared and undone turns included: they happened and were paid for."""

    id: str
    created: datetime
    updated: datetime
    title: str
    provider: str | None
    model: str | None
    turns: int
    tokens: int
    cost: dict[str, float]  # priced turns per currency; local models' turns are not in it
    path: Path
    answers: int = 0  # 0: the chat's questions never got a reply (a crash, a failure)
    free_local: bool = False  # some turn ran on a local model ("free (local)")
    unknown_price: bool = False  # some turn had no known price ("price unknown")
    #: Some reply was killed mid-stream before its saved pieces carried counts: its
    #: tokens (and cost) are not in `tokens` (and `cost`), and nobody knows them.
    unknown_tokens: bool = False
    estimated: bool = False  # some of `tokens` were counted locally (the server sent none)
    streaming: bool = False  # a reply is arriving now (the index knows; a file read does not)


@dataclass
class Compared:
    """Several models' answers to one question (`/compare`).

    `at` is the question's place in `replay`; when no answer was picked the question is
    not in `replay` (it is never sent again) and `at` is where it would stand.
    """

    at: int
    question: str
    answers: list[MessageRecord] = field(default_factory=list)
    picked: bool = False
    #: The chat went on without a pick: no later answer can be this one's pick.
    passed: bool = False


def _compared_step(
    rec: MessageRecord, replay: list[MessageRecord], compared: list[Compared]
) -> bool:
    """Fold one user/assistant record into `replay` and `compared`; False if not ours."""
    last = compared[-1] if compared else None
    if rec.alternative:
        asked = bool(replay) and replay[-1].role == "user"
        if last is None or last.picked or last.passed or last.at != len(replay) - 1:
            question = replay[-1].content if asked else ""
            last = Compared(at=len(replay) - 1 if asked else len(replay), question=question)
            compared.append(last)
        last.answers.append(rec)
        return True
    waiting = last is not None and not (last.picked or last.passed) and last.at == len(replay) - 1
    if waiting and replay and replay[-1].role == "user":
        assert last is not None
        if rec.role == "assistant":
            last.picked = True
        else:
            replay.pop()  # compared, nothing picked: the question is not sent again
            last.passed = True
    return False


def _drop_unpicked_tail(replay: list[MessageRecord], compared: list[Compared]) -> None:
    last = compared[-1] if compared else None
    if (
        last
        and not (last.picked or last.passed)
        and replay
        and replay[-1].role == "user"
        and last.at == len(replay) - 1
    ):
        replay.pop()


@dataclass
class LoadedChat:
    """A chat read back: its current settings, what replays, every record, and any damage.

    `replay` is the conversation as it stands after /clear and /undo: user and assistant
    records, system prompt excluded. A last question the crash left unanswered is not
    in it (replaying it would send two questions in a row); it is in `unanswered`.
    """

    id: str
    path: Path
    created: datetime
    updated: datetime
    provider: str | None
    model: str | None
    params: JsonObject
    title: str | None
    system: str | None
    replay: list[MessageRecord]
    unanswered: str | None
    records: list[Record]
    warnings: list[str] = field(default_factory=list)
    compared: list[Compared] = field(default_factory=list)
    #: The role in force when the chat was last written to (None: no role).
    role: str | None = None
    #: Bytes read: a writer opened later knows whether the file grew since (see
    #: ChatStore.open_for_append), without reading it again.
    size: int = 0
    #: Replies killed mid-stream whose pieces carried no usage (saved before they did).
    uncounted: int = 0

    @property
    def messages(self) -> list[dict[str, str]]:
        """The replay in OpenAI format, system prompt first: ready to send."""
        out = [{"role": "system", "content": self.system}] if self.system else []
        out.extend({"role": rec.role, "content": rec.content} for rec in self.replay)
        return out

    @property
    def open_comparison(self) -> Compared | None:
        """The comparison the chat ends with when no answer was picked (nothing after it):
        `/pick` can still take one of its answers."""
        last = self.compared[-1] if self.compared else None
        if last is None or last.picked or last.passed or last.at != len(self.replay):
            return None
        return last

    def exchanges(self) -> list[tuple[MessageRecord, MessageRecord | None]]:
        """The replay as (question, answer) pairs, answer None when there was none."""
        pairs: list[tuple[MessageRecord, MessageRecord | None]] = []
        for rec in self.replay:
            if rec.role == "user":
                pairs.append((rec, None))
            elif pairs and pairs[-1][1] is None:
                pairs[-1] = (pairs[-1][0], rec)
        return pairs

    def summary(self) -> ChatSummary:
        user_messages = [r for r in self._messages() if r.role == "user"]
        tokens = 0
        cost: dict[str, float] = {}
        free_local = unknown_price = estimated = False
        for rec in self._messages():
            if rec.usage is not None:
                tokens += rec.usage.total_tokens
                estimated = estimated or rec.usage.estimated
            if rec.cost is None:
                unknown_price = unknown_price or rec.usage is not None
            elif rec.cost.free_local:
                free_local = True
            else:
                cost[rec.cost.currency] = cost.get(rec.cost.currency, 0.0) + rec.cost.amount
        title = self.title or (short_title(user_messages[0].content) if user_messages else "")
        return ChatSummary(
            id=self.id,
            created=self.created,
            updated=self.updated,
            title=title or "(untitled)",
            provider=self.provider,
            model=self.model,
            turns=len(user_messages),
            tokens=tokens,
            cost=cost,
            path=self.path,
            answers=sum(1 for r in self._messages() if r.answers),
            free_local=free_local,
            unknown_price=unknown_price,
            unknown_tokens=self.uncounted > 0,
            estimated=estimated,
        )

    def _messages(self) -> Iterator[MessageRecord]:
        return (r for r in self.records if isinstance(r, MessageRecord))


def short_title(text: str, width: int = TITLE_WIDTH) -> str:
    """The first non-blank line, whitespace squeezed, cut at a word near `width` with '…'."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    if len(line) <= width:
        return line
    cut = line[: width - 1]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def snippet(text: str, needle: str, radius: int = 40) -> str | None:
    """One line around the first case-insensitive match, '…' where cut; None if no match."""
    flat = " ".join(text.split())
    # casefold can change length (ß -> ss); lower() keeps indexes aligned for slicing.
    at = flat.lower().find(needle.lower())
    if at < 0:
        if needle.casefold() not in flat.casefold():
            return None
        return flat[: 2 * radius] + ("…" if len(flat) > 2 * radius else "")
    start, end = max(0, at - radius), min(len(flat), at + len(needle) + radius)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


class _CutReply:
    """The pieces of a reply whose own line never came (llmchat was killed mid-reply),
    and the usage and cost the last of them carried for the whole reply so far."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.last: PartialRecord | None = None
        self.uncounted = 0  # replies kept with no usage (pieces saved before they had one)

    def __bool__(self) -> bool:
        return bool(self.text or self.reasoning)

    def add(self, rec: PartialRecord) -> None:
        self.text.append(rec.text)
        self.reasoning.append(rec.reasoning)
        if rec.usage is not None:
            self.last = rec

    def clear(self) -> None:
        self.text.clear()
        self.reasoning.clear()
        self.last = None

    def keep(
        self, replay: list[MessageRecord], *, provider: str | None, model: str | None
    ) -> list[MessageRecord]:
        """What arrived, as the interrupted reply Ctrl+C would have saved, added to
        `replay`; none when no question is waiting there (a damaged file)."""
        if not replay or replay[-1].role != "user":
            return []
        asked = replay[-1]
        reply = MessageRecord(
            role="assistant",
            content="".join(self.text),
            ts=asked.ts,
            provider=asked.provider or provider,
            model=asked.model or model,
            usage=self.last.usage if self.last else None,
            cost=self.last.cost if self.last else None,
            reasoning="".join(self.reasoning) or None,
            interrupted=True,
        )
        replay.append(reply)
        self.uncounted += self.last is None
        return [reply]


def read_chat(path: Path) -> LoadedChat:
    """Parse one chat file. A line that is not a record (cut short by a crash, damaged,
    from a newer schema) is skipped with a warning naming file and line; the rest loads."""
    try:
        data = path.read_bytes()
        mtime = path.stat().st_mtime
    except FileNotFoundError as exc:
        raise ChatNotFoundError(f"no saved chat at {path}") from exc
    except OSError as exc:
        raise store_error("read", path, exc) from exc

    lines = data.split(b"\n")
    complete = data.endswith(b"\n")  # else the last element is a line cut short
    records: list[Record] = []
    warnings: list[str] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last_cut = number == len(lines) and not complete
        try:
            records.append(from_json(json.loads(raw)))
        except RecordError as exc:
            warnings.append(f"{path} line {number}: {exc}, record skipped")
        except ValueError:
            what = "incomplete last record" if last_cut else "corrupt record"
            warnings.append(f"{path} line {number}: {what} skipped")

    chat_id = path.name[: -len(SUFFIX)]
    updated = datetime.fromtimestamp(mtime, timezone.utc)
    provider = model = title = system = created = role = None
    params: JsonObject = {}
    replay: list[MessageRecord] = []
    compared: list[Compared] = []
    cut = _CutReply()
    parsed, records = records, []
    for rec in parsed:
        records.append(rec)
        if isinstance(rec, PartialRecord):
            cut.add(rec)
            continue
        if cut and not (isinstance(rec, MessageRecord) and rec.role == "assistant"):
            records[-1:-1] = cut.keep(replay, provider=provider, model=model)
        cut.clear()
        if isinstance(rec, MetaRecord):
            created = created or rec.created
            provider = rec.provider or provider
            model = rec.model or model
            params = rec.params if rec.params is not None else params
            title = rec.title if rec.title_set else title
            role = rec.role if rec.role_set else role
        elif isinstance(rec, MessageRecord):
            if rec.role == "system":
                system = rec.content or None  # a later system prompt replaces the earlier
            elif not _compared_step(rec, replay, compared):
                replay.append(rec)
            provider = provider or rec.provider
            model = model or rec.model
        elif isinstance(rec, ClearRecord):
            replay.clear()
            compared.clear()
        else:
            users = [i for i, r in enumerate(replay) if r.role == "user"]
            if users:
                del replay[users[-1] :]
            compared = [c for c in compared if c.at < len(replay)]
    if cut:
        records.extend(cut.keep(replay, provider=provider, model=model))
        warnings.append(f"{path}: the last reply was cut off mid-stream; kept what arrived")
    _drop_unpicked_tail(replay, compared)
    unanswered = None
    if replay and replay[-1].role == "user":
        unanswered = replay.pop().content
    return LoadedChat(
        id=chat_id,
        path=path,
        created=parse_time(created) or time_from_id(chat_id) or updated,
        updated=updated,
        provider=provider,
        model=model,
        params=params,
        title=title,
        system=system,
        replay=replay,
        unanswered=unanswered,
        records=records,
        warnings=warnings,
        compared=compared,
        role=role,
        size=len(data),
        uncounted=cut.uncounted,
    )
