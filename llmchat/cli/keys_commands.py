"""`llmchat keys …` and `llmchat trust`: the Typer side of the key store and `.env` trust.

Kept out of app.py (which registers them) so it stays small; the output lives in
cli/keys.py and cli/trust.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmchat.cli.chat_options import DebugOption
from llmchat.environment import Environment

keys_app = typer.Typer(help="API keys in the key store: set, list, remove, path.")


@keys_app.command("set")
def keys_set(
    provider: Annotated[str, typer.Argument(metavar="PROVIDER", help="e.g. openai, deepseek.")],
    debug: DebugOption = False,
) -> None:
    """Store PROVIDER's key: typed without echo, or piped on stdin."""
    from llmchat.cli.keys import set_key

    set_key(Environment.from_process(), provider)


@keys_app.command("list")
def keys_list(debug: DebugOption = False) -> None:
    """Each provider's key source and the key, masked (sk-…cdef)."""
    from llmchat.cli.keys import list_keys

    list_keys(Environment.from_process())


@keys_app.command("remove")
def keys_remove(
    provider: Annotated[str, typer.Argument(metavar="PROVIDER", help="The provider's name.")],
    debug: DebugOption = False,
) -> None:
    """Delete PROVIDER's key from the key store."""
    from llmchat.cli.keys import remove_key

    remove_key(Environment.from_process(), provider)


@keys_app.command("path")
def keys_path(debug: DebugOption = False) -> None:
    """Where the key store is (the keyring, or the 0600 keys file)."""
    from llmchat.cli.keys import print_path

    print_path(Environment.from_process())


def trust_command(
    path: Annotated[
        Path | None,
        typer.Argument(metavar="[PATH]", help="The .env to trust (default: the nearest one)."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", metavar="", help="List trusted .env files.")
    ] = False,
    remove: Annotated[
        bool, typer.Option("--remove", metavar="", help="Stop trusting PATH.")
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Allow a .env to set base URLs for keys from your shell, config or key store."""
    from llmchat.cli.trust import run_trust

    run_trust(Environment.from_process(), path, list_=list_, remove=remove)
