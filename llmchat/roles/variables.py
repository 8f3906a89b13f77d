"""`{{name}}` and `{{name|default}}` in a role's prompt, filled from `--var name=value`.

Only the role's prompt is ever scanned: text from stdin or a file goes to the model
untouched, so a diff or a template containing `{{` passes through as it is. Filling is
one pass, so a value that itself contains `{{x}}` is not expanded again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from llmchat.errors import UsageError

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(?:\|([^{}]*))?\}\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Variable:
    """One placeholder; `default` None means the user must give a value."""

    name: str
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None


def find_variables(prompt: str) -> list[Variable]:
    """Each variable once, in order of first use; the first default written wins."""
    found: dict[str, Variable] = {}
    for match in _PLACEHOLDER.finditer(prompt):
        name, default = match.group(1), match.group(2)
        known = found.get(name)
        if known is None or (known.default is None and default is not None):
            found[name] = Variable(name, default.strip() if default is not None else None)
    return list(found.values())


def missing_variables(prompt: str, values: Mapping[str, str]) -> list[str]:
    """Names with neither a value nor a default: what the REPL asks for, one-shot refuses."""
    return [v.name for v in find_variables(prompt) if v.required and v.name not in values]


def unused_values(prompt: str, values: Mapping[str, str]) -> list[str]:
    """`--var` names the prompt never uses (most likely a typo worth a warning)."""
    used = {v.name for v in find_variables(prompt)}
    return [name for name in values if name not in used]


def parse_var_flags(flags: Iterable[str]) -> dict[str, str]:
    """`--var name=value` flags → {name: value}; the last of a repeated name wins."""
    values: dict[str, str] = {}
    for flag in flags:
        name, equals, value = flag.partition("=")
        name = name.strip()
        if not equals or not _NAME.fullmatch(name):
            raise UsageError(f"--var {flag!r} is not name=value", "write it as --var lang=French")
        values[name] = value
    return values


def fill_variables(prompt: str, values: Mapping[str, str], role: str = "the role") -> str:
    """The prompt with every placeholder replaced; a missing value is a usage error (exit 2)."""
    missing = missing_variables(prompt, values)
    if missing:
        names = ", ".join(missing)
        example = " ".join(f"--var {name}=VALUE" for name in missing)
        plural = "s" if len(missing) > 1 else ""
        raise UsageError(f"{role} needs a value for variable{plural} {names}", f"add {example}")

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in values:
            return values[name]
        return default.strip() if default is not None else _default_of(prompt, name)

    return _PLACEHOLDER.sub(replace, prompt)


def _default_of(prompt: str, name: str) -> str:
    """A `{{name}}` written without a default where another use of it has one."""
    for variable in find_variables(prompt):
        if variable.name == name and variable.default is not None:
            return variable.default
    raise AssertionError(f"{name} was checked as present")  # pragma: no cover
