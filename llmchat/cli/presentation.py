"""How the command line presents itself: `--help`, `--version`, `completion SHELL`.

`--help` names values (MODEL, URL, SECONDS) or nothing, never Python types.

Typer's help table has a type column that shows `<bool>` beside every flag and
`<list[str]>` beside QUESTION: words for programmers, not for people typing a command.
Typer offers no setting for it, so its two display methods are replaced here, once,
before any help is drawn. Only the Typer path (cli/app.py) loads this module.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from llmchat import __version__


def _version(value: bool) -> None:
    if value:
        print(f"llmchat {__version__}")
        raise typer.Exit()


#: `--version` on the app and on every command, so it works after any flag
#: (`llmchat -p deepseek --version`): Click only looks for the group's own options
#: before the subcommand. Parsed by Click, so `-s --version` and `-- --version` stay text.
VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        "-V",
        metavar="",
        help="Print the version and exit.",
        callback=_version,
        is_eager=True,
    ),
]


def _option_value_name(self: Any, ctx: Any) -> str | None:
    """An option's metavar ("" for a flag); a flag without one shows nothing."""
    if self.metavar is not None:
        return str(self.metavar) or None
    if getattr(self, "is_flag", False) or getattr(self, "is_bool_flag", False):
        return None
    return str(self.name).upper()


def _argument_value_name(self: Any, ctx: Any) -> str | None:
    """An argument's name is already in the first column: nothing to add."""
    return None


def name_values_in_help() -> None:
    """Install the two methods above on Typer's option and argument classes."""
    from typer import core

    for cls, method in (
        (getattr(core, "TyperOption", None), _option_value_name),
        (getattr(core, "TyperArgument", None), _argument_value_name),
    ):
        if cls is not None and hasattr(cls, "display_type_rich"):
            cls.display_type_rich = method


def present(app: typer.Typer) -> None:
    """Value names in `--help`, and `llmchat completion SHELL` (cli/completion_scripts.py)."""
    name_values_in_help()

    @app.command("completion")
    def completion_command(
        shell: Annotated[str, typer.Argument(metavar="bash|zsh|fish", help="Your shell.")],
    ) -> None:
        """Print a Tab-completion script for your shell (see the README to load it)."""
        from llmchat.cli.completion_scripts import script

        print(script(shell), end="")
