"""The REPL's bottom toolbar text, fitted to the terminal by dropping whole parts.

Which parts go first on a narrow terminal is a choice about importance: the token count
(the cost says more), then the cost, then the thinking setting, then "not saving" and
the modes (role, json/schema, files attached: each changes what the next message does,
so a user must not miss them); provider · model always stay,
since every other part is about them. A number is never cut: a part fits whole or goes.
"""

from __future__ import annotations

SEPARATOR = " · "
TOKENS_SUFFIX = " tok"
THINK_PREFIX = "think "


def _drop_order(part: str) -> int:
    """Lower goes first."""
    if part.endswith(TOKENS_SUFFIX):
        return 0
    if part == "not saving" or part in ("json", "schema") or part.startswith("role "):
        return 4
    if part.endswith(" attached"):
        return 4
    if part.startswith(THINK_PREFIX):
        return 3
    if part.startswith("price unknown"):
        return 1
    return 2  # a cost


def mode_parts(role: str | None, output: str, files: int) -> list[str]:
    """The modes that change what the next message does: role, json/schema, files."""
    parts = [f"role {role}"] if role is not None else []
    parts += [output] if output else []
    return parts + ([f"{files} file(s) attached"] if files else [])


def fit_toolbar(provider: str, model: str, extras: list[str], room: int) -> str:
    """`provider · model · extras…` in at most `room` columns (the model cut with "…"
    only when even provider · model alone do not fit)."""
    kept = list(extras)
    for part in sorted(extras, key=_drop_order):
        if len(SEPARATOR.join([provider, model, *kept])) <= room:
            break
        kept.remove(part)
    text = SEPARATOR.join([provider, model, *kept])
    if len(text) > room:
        text = text[: max(1, room - 1)] + "…"
    return text
