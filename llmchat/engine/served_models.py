"""The model names each server listed on its /models, remembered in memory and on disk.

Why: `/model openai/<Tab>` and shell completion should offer what the server really
serves once it has said so, not only the built-in list; asking the server on every
Tab would block typing. `/model` and `llmchat models` remember what they were told;
completion only reads. The file is `<data dir>/cache/models.json`, one entry per
provider and base URL. Names come from a server: control characters are dropped
and the list is capped, so a hostile server cannot garble a terminal or fill a disk.
A cache that cannot be read or written is no cache, never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

CACHE_DIR = "cache"
CACHE_FILE = "models.json"
MAX_MODELS = 2000
MAX_NAME = 200


def cache_path(data_dir: Path) -> Path:
    return data_dir / CACHE_DIR / CACHE_FILE


def _entry_key(provider: str, base_url: str) -> str:
    return f"{provider} {base_url.rstrip('/')}"


def _clean(names: Iterable[object]) -> list[str]:
    kept: list[str] = []
    for name in names:
        if (
            isinstance(name, str)
            and 0 < len(name) <= MAX_NAME
            and name.isprintable()
            and not any(c.isspace() for c in name)
        ):
            kept.append(name)
        if len(kept) >= MAX_MODELS:
            break
    return kept


class ServedModels:
    """What servers listed, by (provider, base URL); reads the file once, writes through."""

    def __init__(self, data_dir: Path | None) -> None:
        self.path = cache_path(data_dir) if data_dir is not None else None
        self._entries: dict[str, list[str]] | None = None

    def get(self, provider: str, base_url: str) -> list[str] | None:
        """The names last listed by that server, or None if it never said."""
        return self._load().get(_entry_key(provider, base_url))

    def remember(self, provider: str, base_url: str, names: Iterable[object]) -> None:
        entries = self._load()
        cleaned = _clean(names)
        key = _entry_key(provider, base_url)
        if entries.get(key) == cleaned:
            return
        entries[key] = cleaned
        self._save(entries)

    def _load(self) -> dict[str, list[str]]:
        if self._entries is None:
            self._entries = read_entries(self.path) if self.path is not None else {}
        return self._entries

    def _save(self, entries: dict[str, list[str]]) -> None:
        if self.path is None:
            return
        import tempfile  # only when a server has listed something new

        data = {"version": 1, "saved": int(time.time()), "servers": entries}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".models.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, ensure_ascii=False)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


def read_entries(path: Path) -> dict[str, list[str]]:
    """The cache file's entries; {} when it is missing, unreadable or not ours."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    servers = data.get("servers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        return {}
    return {k: _clean(v) for k, v in servers.items() if isinstance(k, str) and isinstance(v, list)}


def all_cached_names(data_dir: Path) -> dict[str, list[str]]:
    """Provider name → every model any of its servers listed (for shell completion)."""
    by_provider: dict[str, list[str]] = {}
    for key, names in read_entries(cache_path(data_dir)).items():
        provider = key.split(" ", 1)[0]
        seen = by_provider.setdefault(provider, [])
        seen.extend(n for n in names if n not in seen)
    return by_provider


_bound = ServedModels(None)


def bind(data_dir: Path | None) -> ServedModels:
    """Use the cache in `data_dir` for this process (the REPL calls it once at start).

    Completion functions see only the session, not the environment; this is how they
    find the cache without each of them being handed a path.
    """
    global _bound
    if _bound.path != (cache_path(data_dir) if data_dir is not None else None):
        _bound = ServedModels(data_dir)
    return _bound


def bound() -> ServedModels:
    """The process's cache: memory only until `bind` gives it a directory."""
    return _bound
