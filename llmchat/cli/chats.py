"""`llmchat chats …`: saved chats from the command line (list, search, show, export, delete).

Listing and search go through the SQLite index beside the chat files (store/index.py),
which keeps them in milliseconds at tens of thousands of chats; show, export and delete
read and change the JSONL files themselves, which stay the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from llmchat.environment import Environment
from llmchat.errors import UsageError
from llmchat.render import chat_table
from llmchat.store import store_for

if TYPE_CHECKING:
    from llmchat.store.index import Progress
    from llmchat.store.index_query import ChatQueries, ChatRow, SearchHit
    from llmchat.store.reader import ChatSummary


@dataclass(frozen=True)
class ListOptions:
    """`llmchat chats` filters. `every` is --all: no limit, and chats whose questions
    never got a reply (a crash in the first answer, a failed first request) too."""

    limit: int | None = 20
    every: bool = False
    since: datetime | None = None
    model: str | None = None
    provider: str | None = None


def parse_day(text: str, flag: str = "--since") -> datetime:
    """`2026-11-01` (local midnight) or a full ISO time; a one-line usage error otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a date", "use YYYY-MM-DD") from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def queries_for(env: Environment) -> ChatQueries:
    """Queries over this data dir's index; index trouble is one `llmchat:` line on stderr."""
    from llmchat.store.index import ChatIndex
    from llmchat.store.index_query import ChatQueries

    def warn(text: str) -> None:
        env.stderr.write(f"llmchat: {text}\n")

    return ChatQueries(ChatIndex(env.data_dir, warn=warn, progress=_progress(env)))


def _progress(env: Environment) -> Progress | None:
    """Rebuilding thousands of chats takes a while: say how far, on a terminal only."""
    if not env.stderr_isatty:
        return None

    def show(done: int, total: int) -> None:
        if total >= 500:
            end = "\n" if done >= total else ""
            env.stderr.write(f"\rindexing saved chats: {done:,}/{total:,}{end}")
            env.stderr.flush()

    return show


def as_summaries(rows: list[ChatRow], chats_dir: Path) -> list[ChatSummary]:
    from llmchat.store.reader import ChatSummary

    return [
        ChatSummary(
            id=row.id,
            created=row.created,
            updated=row.updated,
            title=row.title,
            provider=row.provider,
            model=row.model,
            turns=row.turns,
            tokens=row.tokens,
            cost=dict(row.cost),
            path=chats_dir / f"{row.id}.jsonl",
            answers=row.answers,
            free_local=row.free_local,
            unknown_price=row.unknown_price,
            unknown_tokens=row.unknown_tokens,
            estimated=row.estimated,
            streaming=row.streaming,
        )
        for row in rows
    ]


def page(env: Environment, text: str) -> None:
    """Through $PAGER (or `less -R`) when stdout is a terminal and the text is taller
    than it; straight out otherwise (a pipe never gets a pager)."""
    import shutil

    lines = text.count("\n") + 1
    if env.stdout_isatty and lines >= shutil.get_terminal_size((80, 24)).lines:
        import shlex
        import subprocess

        command = shlex.split(env.vars.get("PAGER") or "less -R")
        try:
            subprocess.run(command, input=text + "\n", text=True, check=False)
            return
        except OSError:
            pass  # no such pager: print it
    env.stdout.write(text + "\n")


def list_chats(env: Environment, options: ListOptions = ListOptions()) -> None:
    """The chat table; unanswered chats only with --all, and a line on stderr says how
    many were left out."""
    queries = queries_for(env)
    since, model, provider = options.since, options.model, options.provider
    try:
        limit = None if options.every else options.limit
        rows = queries.latest(
            limit, since=since, model=model, provider=provider, unanswered=options.every
        )
        hidden = 0
        if not options.every:
            hidden = queries.count_unanswered(since=since, model=model, provider=provider)
    finally:
        queries.index.close()
    if rows:
        summaries = as_summaries(rows, env.data_dir / "chats")
        page(env, chat_table(summaries, env.width() if env.stdout_isatty else None))
    elif not hidden:
        filtered = options.since or options.model or options.provider
        env.stderr.write("no saved chats match\n" if filtered else "no saved chats yet\n")
    if hidden:
        plural = "s" if hidden != 1 else ""
        env.stderr.write(
            f"{hidden} unanswered chat{plural} not shown: llmchat chats --all lists them\n"
        )


def hit_lines(hits: list[SearchHit], color: bool) -> str:
    """`ID  title` and the snippet under it, the match in bold yellow on a terminal."""
    from llmchat.store.index_query import MARK_OFF, MARK_ON

    on, off = ("\x1b[1;33m", "\x1b[0m") if color else ("", "")
    out = []
    for hit in hits:
        snippet = hit.snippet.replace(MARK_ON, on).replace(MARK_OFF, off)
        out.append(f"{hit.chat.id}  {hit.chat.title}\n    {hit.role}: {snippet}")
    return "\n".join(out)


def search_chats(env: Environment, text: str, limit: int = 20, role: str | None = None) -> int:
    """Like grep: exit status 1 when nothing matches."""
    if role not in (None, "user", "assistant"):
        raise UsageError(f"--role {role!r}", "use --role user or --role assistant")
    queries = queries_for(env)
    hits = queries.search(text, limit, role=role)
    if queries.note:
        env.stderr.write(f"llmchat: {queries.note}\n")
    if not hits:
        env.stderr.write(f"no saved chat mentions {text!r}\n")
        return 1
    page(env, hit_lines(hits, env.color))
    return 0


def reindex(env: Environment) -> None:
    """Rebuild the index from the files; an interrupt keeps the batches already done."""
    queries = queries_for(env)
    started = datetime.now(timezone.utc)
    try:
        count = queries.index.rebuild()
    except KeyboardInterrupt:
        env.stderr.write(
            "\nllmchat: reindex interrupted; the chats indexed so far are kept"
            " and the next `llmchat chats` goes on from there\n"
        )
        raise
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    env.stderr.write(f"indexed {count:,} saved chats in {seconds:.1f} s\n")


def export_chat(env: Environment, chat_id: str, fmt: str) -> None:
    from llmchat.store import export_json, export_markdown

    if fmt not in ("md", "markdown", "json"):
        raise UsageError(f"unknown export format {fmt!r}", "use --format md or --format json")
    loaded = store_for(env).load(chat_id)
    for warning in loaded.warnings:
        env.stderr.write(f"llmchat: {warning}\n")
    text = export_json(loaded) if fmt == "json" else export_markdown(loaded)
    env.stdout.write(text if text.endswith("\n") else text + "\n")


def delete_chat(env: Environment, chat_id: str) -> None:
    deleted = store_for(env).delete(chat_id)
    env.stderr.write(f"deleted {deleted}\n")
