"""Writes what the setup chose: settings into config.toml, a pasted key into the key store.

config.toml is the user's file: it is edited line by line (their comments, order and other
settings stay), checked by parsing the result before it replaces the old one. Every write
is atomic (a temporary file in the same directory, fsync, rename), so an interrupted
setup leaves the old file or the new one, never half of either.
`save_key` hands a pasted key to the key store (llmchat/keys), the same one
`llmchat keys set` uses.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from llmchat.config import CONFIG_FILE, parse_file_config
from llmchat.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*=")


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes (\\", \\\\, \\n, \\uXXXX) are TOML's too."""
    return json.dumps(value, ensure_ascii=True)


def _table_name(line: str) -> str | None:
    match = _HEADER.match(line)
    if match is None or line.lstrip().startswith("[["):
        return None
    parts = [p.strip().strip("\"'") for p in match.group(1).split(".")]
    return ".".join(parts)


def _key_of(line: str) -> str | None:
    match = _ASSIGN.match(line)
    return match.group(1).strip("\"'") if match else None


def _table_bounds(lines: list[str], table: str | None) -> tuple[int, int] | None:
    """First and past-the-end line of `table`'s own keys; None if there is no such table."""
    start = 0
    if table is not None:
        found = next((i + 1 for i, line in enumerate(lines) if _table_name(line) == table), None)
        if found is None:
            return None
        start = found
    end = next(
        (i for i in range(start, len(lines)) if lines[i].lstrip().startswith("[")), len(lines)
    )
    return start, end


def set_values(text: str, table: str | None, values: Mapping[str, str]) -> str:
    """`text` with `key = "value"` set for each of `values` in `table` (None: top level).

    An existing line for a key is replaced in place; a missing key is added at the end of
    its table; a missing table is appended. Everything else is kept byte for byte.
    """
    lines = text.splitlines()
    bounds = _table_bounds(lines, table)
    if bounds is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(f"[{table}]")
        bounds = (len(lines), len(lines))
    start, end = bounds
    pending = dict(values)
    for index in range(start, end):
        key = _key_of(lines[index])
        if key in pending:
            lines[index] = f"{key} = {toml_string(pending.pop(key))}"
    insert_at = end
    while insert_at > start and not lines[insert_at - 1].strip():
        insert_at -= 1  # keep the blank line that separates a table from the next one
    lines[insert_at:insert_at] = [f"{key} = {toml_string(value)}" for key, value in pending.items()]
    return "\n".join(lines) + "\n"


def updated_config(
    text: str, provider: str, model: str, provider_urls: Mapping[str, str] | None = None
) -> str:
    """config.toml's text with the chosen provider and model (and a base URL for a local
    server found somewhere other than its preset), checked to still be a valid config."""
    text = set_values(text, None, {"provider": provider, "model": model})
    for name, url in (provider_urls or {}).items():
        text = set_values(text, f"providers.{name}", {"base_url": url})
    try:
        parse_file_config(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise ConfigError(
            f"cannot update {CONFIG_FILE}: the result would not be valid ({exc})",
            "fix the file by hand, or move it away and run `llmchat setup` again",
        ) from exc
    return text


def write_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace `path` with `text` in one step; the file has `mode` from its first byte."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode != 0o600:  # mkstemp's own mode
            os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def private_dir(path: Path) -> None:
    """Create `path` (and parents) readable by the owner alone; tighten it if it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)


def read_keys(config_dir: Path) -> dict[str, str]:
    """Keys in the key store (`llmchat keys`), by provider name."""
    from llmchat.keys.store import open_key_store

    store = open_key_store(config_dir)
    return {name: key for name in store.list() if (key := store.get(name))}


def save_key(config_dir: Path, provider: str, key: str) -> str:
    """Store `key` for `provider` in the key store (the keyring, or a 0600 file in a 0700
    dir); other providers' keys are kept. Returns where it went, for the user."""
    from llmchat.keys.store import open_key_store

    store = open_key_store(config_dir)
    store.set(provider, key)
    return store.path


def save_config(
    config_dir: Path, provider: str, model: str, provider_urls: Mapping[str, str] | None = None
) -> Path:
    """Merge the choice into config.toml (created 0600 if new; an old file keeps its mode)."""
    path = config_dir / CONFIG_FILE
    try:
        old = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        old, mode = "", 0o600
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    text = updated_config(old, provider, model, provider_urls)
    private_dir(config_dir)
    write_atomic(path, text, mode)
    return path
