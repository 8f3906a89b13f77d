"""`llmchat chats …`: the Typer group for saved chats (list, search, reindex, show, export,
delete). Only the flags live here; what each prints is cli/chats.py's job.
"""

from __future__ import annotations

from typing import Annotated

import typer

from llmchat.cli.chat_options import DebugOption
from llmchat.cli.presentation import VersionOption
from llmchat.environment import Environment
from llmchat.errors import UsageError

chats_app = typer.Typer(
    help="Saved chats: list, search, show, export, delete.", no_args_is_help=False
)


@chats_app.callback(invoke_without_command=True)
def chats_list(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("-n", "--limit", metavar="N", help="How many, newest first (default 20).")
    ] = 20,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            "-a",
            metavar="",
            help="Every saved chat, with those whose questions never got a reply"
            " (otherwise left out).",
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only chats written since DATE (YYYY-MM-DD)."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("-m", "--model", metavar="MODEL", help="Only this model.")
    ] = None,
    provider: Annotated[
        str | None, typer.Option("-p", "--provider", metavar="NAME", help="Only this provider.")
    ] = None,
    reindex: Annotated[
        bool,
        typer.Option("--reindex", metavar="", help="Rebuild the search index from the files."),
    ] = False,
    debug: DebugOption = False,
    version: VersionOption = False,
) -> None:
    """List saved chats, newest first: the latest 20 that got a reply (`llmchat chats`
    alone); --all lists every one."""
    if ctx.invoked_subcommand is not None:
        return
    from llmchat.cli import chats

    if limit < 1:
        raise UsageError(f"-n {limit}", "give a number of chats, 1 or more")
    env = Environment.from_process()
    if reindex:
        chats.reindex(env)
    options = chats.ListOptions(
        limit=limit,
        every=all_,
        since=chats.parse_day(since) if since else None,
        model=model,
        provider=provider,
    )
    chats.list_chats(env, options)


@chats_app.command("search")
def chats_search(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Text to look for.")],
    limit: Annotated[
        int, typer.Option("-n", "--limit", metavar="N", help="How many chats (default 20).")
    ] = 20,
    role: Annotated[
        str | None,
        typer.Option("--role", metavar="user|assistant", help="Only in questions, or answers."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Find saved chats that contain TEXT (any case, any script), best match first."""
    from llmchat.cli.chats import search_chats

    raise typer.Exit(search_chats(Environment.from_process(), text, limit, role))


@chats_app.command("reindex")
def chats_reindex(
    debug: DebugOption = False,
) -> None:
    """Rebuild the search index from the chat files (safe to interrupt)."""
    from llmchat.cli.chats import reindex

    reindex(Environment.from_process())


@chats_app.command("show")
def chats_show(
    chat_id: Annotated[str, typer.Argument(metavar="ID", help="Chat ID (a prefix will do).")],
) -> None:
    """Print a saved chat as Markdown."""
    from llmchat.cli.chats import export_chat

    export_chat(Environment.from_process(), chat_id, "md")


@chats_app.command("export")
def chats_export(
    chat_id: Annotated[str, typer.Argument(metavar="ID", help="Chat ID (a prefix will do).")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="md|json", help="md or json.")
    ] = "md",
) -> None:
    """Export a saved chat: Markdown to read, or JSON messages ready to replay."""
    from llmchat.cli.chats import export_chat

    export_chat(Environment.from_process(), chat_id, fmt)


@chats_app.command("delete")
def chats_delete(
    chat_id: Annotated[str, typer.Argument(metavar="ID", help="Chat ID (a prefix will do).")],
) -> None:
    """Delete a saved chat."""
    from llmchat.cli.chats import delete_chat

    delete_chat(Environment.from_process(), chat_id)
