"""Roles on disk: one file per role at `<config dir>/roles/NAME.md`, plus the built-ins.

List, find, create and delete. A file named like a built-in replaces it; deleting that
file brings the built-in back. Opening `$EDITOR` is the caller's job: this module only
reads and writes files, so it can be tested on a temporary directory.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path

from llmchat.errors import ConfigError, UsageError
from llmchat.roles.builtins import BUILTIN_ROLES
from llmchat.roles.frontmatter import parse_role
from llmchat.roles.model import Role

ROLES_DIR = "roles"
SUFFIX = ".md"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

NEW_ROLE_TEMPLATE = """\
---
# Settings for this role; delete the ones you do not need.
description: What this role is for
# model: gpt-4o-mini
# temperature: 0.2
# thinking: off
# output: json
# schema: score int, issues [title, suggestion]
# stop: ["END"]
---
You are ... Write the system prompt here. {{topic|a default}} is filled from --var topic=...
"""


def roles_dir(config_dir: Path) -> Path:
    return config_dir / ROLES_DIR


def check_name(name: str) -> str:
    """A role name is a file name too: letters, digits, `-`, `_`, `.`; no path parts."""
    if not _NAME.fullmatch(name) or name.endswith(".") or ".." in name:
        raise UsageError(
            f"{name!r} is not a valid role name",
            "use letters, digits, '-' and '_' (for example: code-review)",
        )
    return name


def role_path(config_dir: Path, name: str) -> Path:
    return roles_dir(config_dir) / f"{check_name(name)}{SUFFIX}"


def load_role_file(path: Path) -> Role:
    """One role file; the name is the file name without `.md`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", "save the role file as UTF-8") from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    role = parse_role(text, path.stem, path)
    if path.stem in BUILTIN_ROLES:
        role = replace(role, overrides_builtin=True)
    return role


def builtin_role(name: str) -> Role:
    return parse_role(BUILTIN_ROLES[name], name, None)


def _role_files(config_dir: Path) -> dict[str, Path]:
    folder = roles_dir(config_dir)
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if path.is_file() and _NAME.fullmatch(path.stem):
            found[path.stem] = path
    return found


def role_names(config_dir: Path) -> list[str]:
    """Every role's name without reading the files (for Tab completion)."""
    return sorted(set(BUILTIN_ROLES) | set(_role_files(config_dir)))


def list_roles(config_dir: Path) -> list[Role]:
    """Every role, files replacing built-ins of the same name, sorted by name.

    A broken file raises ConfigError naming its file and line: a role list that
    silently drops the user's role would hide the very mistake they need to fix.
    """
    files = _role_files(config_dir)
    roles = [load_role_file(path) for path in files.values()]
    roles += [builtin_role(name) for name in BUILTIN_ROLES if name not in files]
    return sorted(roles, key=lambda role: role.name)


def find_role(config_dir: Path, name: str) -> Role:
    """The role called `name`: its file if there is one, else the built-in."""
    path = role_path(config_dir, name)
    if path.is_file():
        return load_role_file(path)
    if name in BUILTIN_ROLES:
        return builtin_role(name)
    names = role_names(config_dir)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"roles: {', '.join(names)}"
    raise UsageError(f"no role named {name!r}", hint)


def role_text(config_dir: Path, name: str) -> str:
    """The role as its file reads (or the built-in's text), for `llmchat roles show`."""
    path = role_path(config_dir, name)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if name in BUILTIN_ROLES:
        return BUILTIN_ROLES[name]
    find_role(config_dir, name)  # raises the "no role named" error with a suggestion
    raise AssertionError("unreachable")  # pragma: no cover


def create_role_file(config_dir: Path, name: str, start_from: str | None = None) -> Path:
    """Write a new role file for the user to edit: a copy of role `start_from`, else of
    the built-in of the same name, else the template.

    An existing file is never overwritten: the caller opens it in the editor instead.
    """
    path = role_path(config_dir, name)
    if path.exists():
        raise UsageError(f"role {name!r} already exists: {path}", f"edit it: $EDITOR {path}")
    if start_from is not None:
        text = role_text(config_dir, start_from)
    else:
        text = BUILTIN_ROLES.get(name) or NEW_ROLE_TEMPLATE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path


def delete_role_file(config_dir: Path, name: str) -> Path:
    """Remove a role's file; for an override, the built-in of that name is back."""
    path = role_path(config_dir, name)
    if not path.is_file():
        if name in BUILTIN_ROLES:
            raise UsageError(
                f"{name!r} is a built-in role and has no file to delete",
                f"to change it: llmchat roles create {name}",
            )
        find_role(config_dir, name)  # raises "no role named …" with a suggestion
    try:
        path.unlink()
    except OSError as error:
        raise ConfigError(f"cannot delete {path}: {error.strerror or error}") from None
    return path
