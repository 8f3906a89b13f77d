"""`llmchat chats …`: saved chats from the command line (list, search, show, export, delete)."""

from __future__ import annotations

from llmchat.environment import Environment
from llmchat.errors import UsageError
from llmchat.render import chat_table
from llmchat.store import store_for


def list_chats(env: Environment, *, show_all: bool = False) -> None:
    """The chat table; chats that never got a reply (a crash in the first answer, a
    failed first request) only with --all, and a line on stderr says how many."""
    every = store_for(env).list_chats()
    summaries = every if show_all else [chat for chat in every if chat.answers]
    hidden = len(every) - len(summaries)
    if summaries:
        width = env.width() if env.stdout_isatty else None
        env.stdout.write(chat_table(summaries, width) + "\n")
    elif not hidden:
        env.stderr.write("no saved chats yet\n")
    if hidden:
        plural = "s" if hidden != 1 else ""
        env.stderr.write(
            f"{hidden} unanswered chat{plural} not shown: llmchat chats --all lists them\n"
        )


def search_chats(env: Environment, text: str) -> int:
    """Like grep: exit status 1 when nothing matches."""
    found = store_for(env).search(text)
    if not found:
        env.stderr.write(f"no saved chat mentions {text!r}\n")
        return 1
    for chat, snippet in found:
        env.stdout.write(f"{chat.id}  {chat.title}\n    {snippet}\n")
    return 0


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
