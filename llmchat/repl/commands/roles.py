"""Slash-commands for roles, attached files and second opinions: /role, /file, /check.

Registered like every theme module (the package imports it), so /help and Tab
completion list them like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchat.errors import UsageError
from llmchat.repl.commands.model import _model_names
from llmchat.repl.commands.registry import ReplState, Reply, command

if TYPE_CHECKING:
    from llmchat.roles.model import Role


def _role_names(state: ReplState) -> list[str]:
    from llmchat.roles.files import role_names

    return [*role_names(state.env.config_dir), "off"]


def _ask_variables(state: ReplState, prompt: str, values: dict[str, str]) -> dict[str, str]:
    """Ask for each variable without a value or default, in order of first use."""
    from llmchat.roles.variables import find_variables

    if state.ask_user is None:
        return values
    for variable in find_variables(prompt):
        if variable.required and variable.name not in values:
            values[variable.name] = state.ask_user(f"{variable.name}: ")
    return values


def _list_roles(state: ReplState) -> Reply:
    from llmchat.roles.files import list_roles

    active = state.session.role
    lines = []
    for role in list_roles(state.env.config_dir):
        mark = "*" if role.name == active else " "
        origin = "" if role.is_builtin else "  (your file)"
        lines.append(f"{mark} {role.name:<12} {role.description}{origin}")
    lines.append("/role NAME uses one · /role off drops it · llmchat roles create NAME adds one")
    return Reply("\n".join(lines))


@command(
    "role", usage="/role [NAME [VAR=VALUE…]|off]", complete_state=_role_names, aliases=("roles",)
)
def role(state: ReplState, arg: str) -> Reply:
    """Use a role (its system prompt and defaults), list them, or drop the active one.

    Variables the role needs are asked for, or given inline: /role shell os=macOS.
    The conversation so far is kept; the role applies from the next message.
    """
    from llmchat.roles.apply import drop_role
    from llmchat.roles.files import find_role
    from llmchat.roles.variables import parse_var_flags

    if not arg:
        return _list_roles(state)
    name, *assignments = arg.split()
    session = state.session
    if name.lower() in ("off", "none"):
        if session.role is None:
            return Reply("no role is active")
        dropped = session.role
        drop_role(session, state.flags.system or session.settings.system, state.flags)
        return Reply(f"role {dropped} dropped; the system prompt is back to the default")
    chosen = find_role(state.env.config_dir, name)
    notes = start_role(state, chosen, parse_var_flags(assignments))
    return Reply("\n".join([*notes, f"role: {chosen.name} · model: {session.model}"]))


def start_role(state: ReplState, chosen: Role, values: dict[str, str]) -> tuple[str, ...]:
    """Put a role in force in the REPL, asking for the variables it still needs."""
    from llmchat.roles.apply import apply_role

    values = _ask_variables(state, chosen.prompt, values)
    return apply_role(state.session, chosen, values, state.flags).notes


@command("file", usage="/file PATH…", paths=True, aliases=("attach",))
def file(state: ReplState, arg: str) -> Reply:
    """Attach text files to your next message, each fenced under its path (Tab completes).

    /file alone lists what is attached; /file off drops it all.
    """
    import shlex

    from llmchat.inputs.attachments import read_file

    if not arg:
        if not state.pending_files:
            return Reply("nothing attached (/file PATH… attaches files to the next message)")
        names = ", ".join(a.label for a in state.pending_files)
        return Reply(f"attached to the next message: {names}")
    if arg.strip().lower() in ("off", "none", "clear"):
        state.pending_files.clear()
        return Reply("attachments dropped")
    try:
        paths = shlex.split(arg)
    except ValueError as error:
        raise UsageError(f"cannot read the paths: {error}", "quote paths with spaces") from None
    read = [read_file(path) for path in paths]  # all or nothing: one bad path attaches none
    state.pending_files.extend(read)
    sizes = ", ".join(f"{a.label} ({len(a.text):,} chars)" for a in read)
    return Reply(f"attached: {sizes} — sent with your next message")


@command("check", usage="/check [MODEL]", complete=_model_names)
def check(state: ReplState, arg: str) -> Reply:
    """Ask this model (or MODEL) to check the last answer for factual and logical errors.

    The check is a reply of its own; the model you chat with stays the same.
    """
    from llmchat.engine.check import start_check

    turn = start_check(state.session, arg.strip())
    return Reply(f"checking with {turn.model}…", turn=turn)
