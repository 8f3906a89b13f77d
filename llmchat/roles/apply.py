"""A role as a layer on a live session: under what the user typed, over everything else.

One path for one-shot mode (`-r NAME`) and the REPL (`/role NAME`): the role's prompt
becomes the system prompt and each default fills a setting the user did not set on the
command line. CliFlags stays what the user typed, so `/new` and `/role` can apply
another role on top of the same typed flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from llmchat.config import PARAM_NAMES, CliFlags
from llmchat.roles.model import Role

if TYPE_CHECKING:
    from llmchat.engine.session import ChatSession


@dataclass(frozen=True)
class RoleApplied:
    """What changed, in words for the user (`notes`), and whether the model moved."""

    notes: tuple[str, ...] = ()
    switched_provider: bool = False


def apply_role(
    session: ChatSession, role: Role, values: Mapping[str, str], typed: CliFlags | None = None
) -> RoleApplied:
    """Put `role` in force on `session`; a missing variable is a UsageError naming it."""
    from llmchat.roles.variables import fill_variables

    typed = typed or CliFlags()
    prompt = fill_variables(role.prompt, values, role=f"role {role.name!r}")
    defaults = role.defaults
    notes: list[str] = []
    switched = False
    configured = session.settings.thinking
    if typed.system is None:
        session.conversation.system = prompt
    else:
        notes.append(f"role {role.name}: your -s system prompt is kept instead of the role's")
    if typed.provider is None and typed.model is None:
        if defaults.provider is not None:
            session.use_provider(defaults.provider)
        if defaults.model is not None:
            before = session.provider.name
            choice = session.use_model(defaults.model)
            switched = choice.provider.name != before
            if choice.alias is not None and choice.alias.thinking is not None:
                configured = session.thinking  # an old name that implies it: kept
    params = session.params
    for name in PARAM_NAMES:
        wanted = getattr(defaults, name)
        if wanted is not None and getattr(typed, name, None) is None:
            params = params.with_value(name, wanted)
    session.params = params
    session.thinking = role_thinking(role, configured, typed)
    session.role = role.name
    apply_output_defaults(session, role, typed)
    return RoleApplied(tuple(notes), switched)


def apply_output_defaults(session: ChatSession, role: Role, typed: CliFlags) -> None:
    """JSON/schema, stop and seed: what the session sends beyond the parameters.

    Starts again from what the user typed, so switching roles never leaves the previous
    role's schema in force.
    """
    from llmchat.structured.options import options_from_flags

    d = role.defaults
    output = replace(options_from_flags(typed), choices=session.output.choices)
    if typed.json is None and typed.schema is None and (d.output or d.schema is not None):
        output = replace(output, json=d.output == "json", schema=d.schema)
    if not typed.stop and d.stop:
        output = replace(output, stop=d.stop)
    if typed.seed is None and d.seed is not None:
        output = replace(output, seed=d.seed)
    session.output = output


def role_thinking(role: Role, configured: str | None, typed: CliFlags) -> str | None:
    """The session's thinking wish under `role`: --think/--effort win, then the role's
    `thinking:` (an effort implies on), then config.toml's (`configured`)."""
    d = role.defaults
    if typed.thinking is not None:
        return typed.thinking
    if d.effort is not None:
        return d.effort
    if d.thinking is not None:
        return "on" if d.thinking else "off"
    return configured


def drop_role(session: ChatSession, config_system: str | None, typed: CliFlags) -> None:
    """`/role off`: back to the configured system prompt, thinking and the typed output
    options; parameters stay as they are (they may have been /set since)."""
    from llmchat.structured.options import options_from_flags

    session.role = None
    session.thinking = session.settings.thinking
    session.conversation.system = config_system
    session.output = replace(options_from_flags(typed), choices=session.output.choices)
