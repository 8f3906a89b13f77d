"""`llmchat roles …`: list, show, create (in $EDITOR) and delete roles from the command line.

The Typer group and its output; the role files themselves are roles/files.py's job.
"""

from __future__ import annotations

from typing import Annotated

import typer

from llmchat.environment import Environment
from llmchat.errors import ConfigError, LLMChatError


def print_roles(env: Environment) -> None:
    """One line per role: name, what it is for, and where it comes from."""
    from llmchat.roles.files import list_roles

    roles = list_roles(env.config_dir)
    width = max(len(role.name) for role in roles)
    for role in roles:
        origin = "built-in" if role.is_builtin else str(role.source)
        if role.overrides_builtin:
            origin += " (replaces the built-in)"
        env.stdout.write(f"{role.name:<{width}}  {role.description or '-'}  [{origin}]\n")
    if env.stdout_isatty:
        env.stderr.write(
            "llmchat -r NAME uses one · llmchat roles show NAME · llmchat roles create NAME\n"
        )


def show_role(env: Environment, name: str) -> None:
    """The role exactly as its file reads (or the built-in's text), checked first."""
    from llmchat.roles.files import find_role, role_text

    role = find_role(env.config_dir, name)  # a broken file says so here, with its line
    text = role_text(env.config_dir, name)
    if env.stdout_isatty:
        env.stderr.write(f"# {role.origin}\n")
    env.stdout.write(text if text.endswith("\n") else text + "\n")


def create_role(env: Environment, name: str, start_from: str | None, *, edit: bool) -> None:
    """Write the new role's file, open it in $EDITOR, then check what was saved.

    A file that does not read is kept (the work in it is the user's), and the error
    names its line, so `$EDITOR <path>` and a second look fix it.
    """
    from llmchat.repl.editor import edit_file
    from llmchat.roles.files import create_role_file, load_role_file

    path = create_role_file(env.config_dir, name, start_from)
    env.stderr.write(f"created {path}\n")
    if edit:
        edit_file(path, env, failed="the role file is kept as it was", fix="to save it")
    try:
        role = load_role_file(path)
    except LLMChatError as error:
        hint = f"{error.hint}; " if error.hint else ""
        raise ConfigError(error.message, f"{hint}fix it: $EDITOR {path}") from None
    env.stderr.write(f"role {role.name} is ready: llmchat -r {role.name} QUESTION\n")


def delete_role(env: Environment, name: str) -> None:
    from llmchat.roles.builtins import BUILTIN_ROLES
    from llmchat.roles.files import delete_role_file

    path = delete_role_file(env.config_dir, name)

    back = " (the built-in of that name is back)" if name in BUILTIN_ROLES else ""
    env.stderr.write(f"deleted {path}{back}\n")


roles_app = typer.Typer(
    help="Roles (a system prompt with defaults): list, show, create, delete.",
    no_args_is_help=False,
)


@roles_app.callback(invoke_without_command=True)
def roles_list(ctx: typer.Context) -> None:
    """List roles: built-ins and your files in <config dir>/roles/ (`llmchat roles` alone)."""
    if ctx.invoked_subcommand is None:
        print_roles(Environment.from_process())


_ROLE_NAME = typer.Argument(metavar="NAME", help="The role's name.")


@roles_app.command("show")
def roles_show(name: Annotated[str, _ROLE_NAME]) -> None:
    """Print a role as its file reads: settings between --- lines, then the prompt."""
    show_role(Environment.from_process(), name)


@roles_app.command("create")
def roles_create(
    name: Annotated[str, _ROLE_NAME],
    start_from: Annotated[
        str | None,
        typer.Option("--from", metavar="ROLE", help="Start from a copy of this role."),
    ] = None,
    no_edit: Annotated[
        bool, typer.Option("--no-edit", metavar="", help="Write the file; don't open $EDITOR.")
    ] = False,
) -> None:
    """Write roles/NAME.md (a copy of the built-in, of --from ROLE, or a template); open $EDITOR."""
    create_role(Environment.from_process(), name, start_from, edit=not no_edit)


@roles_app.command("delete")
def roles_delete(name: Annotated[str, _ROLE_NAME]) -> None:
    """Delete your role file NAME (a built-in it replaced comes back)."""
    delete_role(Environment.from_process(), name)
