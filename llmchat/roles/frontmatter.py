"""A role file's text → Role: a `key: value` block between `---` lines, then the prompt.

Why this format and not TOML between `+++`: a role file is Markdown, and `---` front
matter is what people already know from Jekyll, Hugo and Obsidian. Values need no
quotes (`model: gpt-4o-mini`); a value in double quotes is a JSON string, for the
rare stop sequence with `\\n` in it. Every key is checked here, and a mistake is one
line naming the file and the line, with the closest key when it looks misspelt.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from llmchat.errors import ConfigError, UsageError
from llmchat.providers.dialects import EFFORTS
from llmchat.roles.model import Role, RoleDefaults
from llmchat.structured.shortschema import load_schema

FENCE = "---"

_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}
_ON = ("on", "true", "yes", "enabled")
_OFF = ("off", "false", "no", "disabled")


class _Problem(Exception):
    """A bad value; the caller adds the file and line."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _text(raw: str) -> str:
    """A scalar: bare text as typed, 'single' quotes dropped, "double" quotes read as JSON."""
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise _Problem(
                f"unreadable quoted text {raw}", 'close the quote: "like this"'
            ) from None
        if not isinstance(value, str):
            raise _Problem(f"expected text, got {raw}")
        return value
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    return raw


def _number(name: str, raw: str) -> float:
    try:
        number = float(raw)
    except ValueError:
        raise _Problem(f"{name} must be a number, not {raw!r}") from None
    low, high = _RANGES[name]
    if not low <= number <= high:
        raise _Problem(f"{name} must be between {low:g} and {high:g}, not {number:g}")
    return number


def _whole(name: str, raw: str, minimum: int | None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _Problem(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise _Problem(f"{name} must be at least {minimum}, not {value}")
    return value


def _thinking(raw: str) -> dict[str, Any]:
    word = raw.lower()
    if word in _ON:
        return {"thinking": True}
    if word in _OFF:
        return {"thinking": False}
    if word in EFFORTS:
        return {"thinking": True, "effort": word}
    raise _Problem(
        f"thinking must be on, off or an effort, not {raw!r}",
        f"use on, off or one of: {', '.join(EFFORTS)}",
    )


def _output(raw: str) -> dict[str, Any]:
    word = raw.lower()
    if word not in ("text", "json"):
        raise _Problem(f"output must be text or json, not {raw!r}", "use: output: json")
    return {"output": word}


def _stop(raw: str) -> dict[str, Any]:
    if not raw.startswith("["):
        return {"stop": (_text(raw),)}
    try:
        items = json.loads(raw)
    except json.JSONDecodeError:
        raise _Problem(
            f"unreadable list {raw}", 'write stop: ["END", "\\n\\n"] (double quotes)'
        ) from None
    if not all(isinstance(item, str) and item for item in items):
        raise _Problem("stop must be a list of non-empty texts")
    return {"stop": tuple(items)}


_Reader = Callable[[str, Path | None], dict[str, Any]]

_KEYS: dict[str, _Reader] = {
    "description": lambda raw, _: {"description": _text(raw)},
    "model": lambda raw, _: {"model": _text(raw)},
    "provider": lambda raw, _: {"provider": _text(raw)},
    "temperature": lambda raw, _: {"temperature": _number("temperature", raw)},
    "top_p": lambda raw, _: {"top_p": _number("top_p", raw)},
    "presence_penalty": lambda raw, _: {"presence_penalty": _number("presence_penalty", raw)},
    "frequency_penalty": lambda raw, _: {"frequency_penalty": _number("frequency_penalty", raw)},
    "max_tokens": lambda raw, _: {"max_tokens": _whole("max_tokens", raw, 1)},
    "seed": lambda raw, _: {"seed": _whole("seed", raw, None)},
    "thinking": lambda raw, _: _thinking(raw),
    "output": lambda raw, _: _output(raw),
    "stop": lambda raw, _: _stop(raw),
    "schema": lambda raw, base: {"schema": load_schema(_text(raw), base)},
}

#: Every key a role file may set, in the order `llmchat roles show` prints them.
ROLE_KEYS: tuple[str, ...] = tuple(_KEYS)


def _split(text: str, where: str) -> tuple[list[tuple[int, str]], str]:
    """(numbered front-matter lines, prompt body); no opening `---` means all prompt."""
    lines = text.removeprefix("\ufeff").split("\n")
    if lines[0].rstrip() != FENCE:
        return [], text.removeprefix("\ufeff").strip()
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FENCE:
            head = [(number + 2, line) for number, line in enumerate(lines[1:index])]
            return head, "\n".join(lines[index + 1 :]).strip()
    raise ConfigError(
        f"{where}:1: the front matter opened with '---' is never closed",
        "end the settings with a line of three dashes, then write the prompt",
    )


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, ROLE_KEYS, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known keys: {', '.join(ROLE_KEYS)}"


def parse_role(text: str, name: str, source: Path | None, where: str | None = None) -> Role:
    """Read one role's text; `where` names it in errors (the path, or `built-in NAME`)."""
    where = where or (str(source) if source else f"built-in role {name}")
    head, prompt = _split(text, where)
    base = source.parent if source else None
    seen: dict[str, int] = {}
    values: dict[str, Any] = {}
    for number, line in head:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, colon, raw = stripped.partition(":")
        key = key.strip().lower().replace("-", "_")
        if not colon:
            raise ConfigError(f"{where}:{number}: expected 'key: value', got {stripped!r}", "")
        if key not in _KEYS:
            raise ConfigError(f"{where}:{number}: unknown key '{key}'", _suggest(key))
        if key in seen:
            raise ConfigError(f"{where}:{number}: '{key}' is set twice (first on line {seen[key]})")
        seen[key] = number
        raw = raw.strip()
        if not raw:
            raise ConfigError(f"{where}:{number}: '{key}' has no value", f"write {key}: VALUE")
        try:
            values.update(_KEYS[key](raw, base))
        except _Problem as problem:
            raise ConfigError(f"{where}:{number}: {problem.message}", problem.hint) from None
        except (ConfigError, UsageError) as error:  # a schema file or short form that does not read
            raise ConfigError(f"{where}:{number}: {error.message}", error.hint) from None
    if not prompt:
        raise ConfigError(
            f"{where}: the role has no prompt", "write the prompt after the '---' line"
        )
    description = values.pop("description", "")
    return Role(
        name=name,
        prompt=prompt,
        description=description,
        defaults=replace(RoleDefaults(), **values),
        source=source,
    )
