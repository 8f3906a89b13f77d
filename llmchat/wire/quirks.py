"""What servers refused, remembered across runs: `<data_dir>/cache/server-quirks.json`.

A server that answers 400 to something we send by default (`stream_options`, the echo
of earlier reasoning in the history) does so every time; without a memory each one-shot
`llmchat "…"` pays a failed request before the one that works. The fallbacks record
what they learnt here, per base URL, and read it before the first request.

It is a cache: a missing, unreadable, corrupt or unwritable file means "nothing known",
never an error. Writes go through a temporary file and a rename (a crash or a second
process never leaves half a file), after merging what another process wrote meanwhile.
Standard library only; nothing on the start-up path imports it.

    quirks = ServerQuirks.in_data_dir(env.data_dir)
    if quirks.get(base_url, STREAM_OPTIONS) is False: ...   # refused before
    quirks.remember(base_url, STREAM_OPTIONS, False)         # it refused now
    quirks.forget(base_url, STREAM_OPTIONS)                  # it accepts it after all
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

CACHE_DIR = "cache"
QUIRKS_FILE = "server-quirks.json"
FORMAT_VERSION = 1

# Quirk names in use (values are JSON scalars; the meaning belongs to whoever sets them).
STREAM_OPTIONS = "stream_options"  # False: refuses stream_options={"include_usage": true}
ECHO_REASONING = "echo_reasoning"  # True/False: wants / refuses reasoning_content echoed

Value = bool | int | float | str


def _server_key(base_url: str) -> str:
    """One key per server however its URL was written (trailing slash, host case)."""
    url = base_url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


class ServerQuirks:
    """Per-server facts learnt from refusals; thread-safe; never raises on I/O."""

    def __init__(self, path: Path | None) -> None:
        """`path` None: remember for this process only (tests, no data dir)."""
        self.path = path
        self._lock = threading.Lock()
        self._servers: dict[str, dict[str, Value]] | None = None

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ServerQuirks:
        return cls(Path(data_dir) / CACHE_DIR / QUIRKS_FILE)

    def get(self, base_url: str, name: str) -> Value | None:
        """What was learnt about `name` for this server, or None if nothing was."""
        with self._lock:
            return self._loaded().get(_server_key(base_url), {}).get(name)

    def remember(self, base_url: str, name: str, value: Value) -> None:
        """Record a fact now and in the file (best effort: unwritable means this run only)."""
        self._update(base_url, name, value)

    def forget(self, base_url: str, name: str) -> None:
        """Drop a fact that turned out wrong (the server changed, or the 400 was another)."""
        self._update(base_url, name, None)

    def _update(self, base_url: str, name: str, value: Value | None) -> None:
        key = _server_key(base_url)
        with self._lock:
            servers = self._loaded()
            if servers.get(key, {}).get(name) == value:
                return
            on_disk = self._read()  # another process may have learnt something meanwhile
            for merged in (servers, on_disk):
                facts = merged.setdefault(key, {})
                if value is None:
                    facts.pop(name, None)
                else:
                    facts[name] = value
                if not facts:
                    merged.pop(key)
            self._write(on_disk)

    def _loaded(self) -> dict[str, dict[str, Value]]:
        if self._servers is None:
            self._servers = self._read()
        return self._servers

    def _read(self) -> dict[str, dict[str, Value]]:
        if self.path is None:
            return {}
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        servers = data.get("servers") if isinstance(data, dict) else None
        if not isinstance(servers, dict):
            return {}
        return {
            str(key): {
                str(name): value
                for name, value in facts.items()
                if isinstance(value, (bool, int, float, str))
            }
            for key, facts in servers.items()
            if isinstance(facts, dict)
        }

    def _write(self, servers: dict[str, dict[str, Value]]) -> None:
        if self.path is None:
            return
        text = json.dumps({"version": FORMAT_VERSION, "servers": servers}, indent=1, sort_keys=True)
        tmp_name = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp_name = tempfile.mkstemp(prefix=".quirks-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as tmp:
                tmp.write(text + "\n")
            os.replace(tmp_name, self.path)
            tmp_name = None
        except OSError:
            pass  # a cache: this run still knows, the next one asks again
        finally:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
