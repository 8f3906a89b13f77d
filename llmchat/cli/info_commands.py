"""`llmchat providers`, `models`, `setup` and `usage`: the Typer side of the small
subcommands, kept out of app.py (which registers them) so it stays small; their output
lives in cli/listing.py, setup/wizard.py and cli/usage.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmchat.cli.chat_options import DebugOption
from llmchat.cli.presentation import VersionOption
from llmchat.environment import Environment


def providers_command(
    env_file: Annotated[
        Path | None,
        typer.Option("--env-file", metavar="PATH", help="Read this .env instead of searching."),
    ] = None,
    debug: DebugOption = False,
    version: VersionOption = False,
) -> None:
    """List providers: each key (masked) and base URL, and where each came from."""
    from llmchat.cli.listing import print_providers
    from llmchat.config import CliFlags

    print_providers(Environment.from_process(), CliFlags(env_file=env_file))


def setup_command(
    debug: DebugOption = False,
    version: VersionOption = False,
) -> None:
    """Choose a provider, paste and check its key, choose a model; saved to config.toml."""
    from llmchat.setup.wizard import run_setup

    code, _ = run_setup(Environment.from_process())
    raise typer.Exit(code)


def models_command(
    provider: Annotated[
        str | None,
        typer.Option(
            "-p", "--provider", metavar="NAME", help="Provider (default: the current one)."
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option("--offline", metavar="", help="Show the built-in list; don't ask the server."),
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", metavar="URL", help="Ask this server instead of the provider's."
        ),
    ] = None,
    debug: DebugOption = False,
    version: VersionOption = False,
) -> None:
    """List a provider's models, from its /models endpoint (or the built-in list)."""
    from llmchat.cli.listing import print_models

    print_models(Environment.from_process(), provider, offline=offline, base_url=base_url)


def usage_command(
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="From DATE (YYYY-MM-DD) on.")
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", metavar="YYYY-MM", help="One calendar month.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", metavar="", help="Machine-readable output.")
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Tokens and cost of saved chats per provider and model, each currency apart."""
    from llmchat.cli.usage import print_usage

    print_usage(Environment.from_process(), since, month, as_json)
