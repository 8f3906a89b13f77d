"""The key store: the system keyring when one really works, else a private file.

Keys live here and nowhere else (never in config.toml, logs or saved chats).
The `keyring` package is an optional extra (`pip install 'llmchat[keyring]'`); it is
used only when it is installed AND its chosen backend is a real one: on a headless
machine it falls back to a "fail" or chainer backend, or could block on D-Bus, and
llmchat must then neither hang nor prompt — it uses the file instead.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from llmchat.errors import ConfigError
from llmchat.keys.private_file import read_private, write_private_atomic

#: The service name entries are stored under in the system keyring.
KEYRING_SERVICE = "llmchat"
KEYS_FILE_NAME = "keys.json"
#: Names (never keys) of the providers stored in the keyring: keyrings cannot list entries.
KEYRING_INDEX_NAME = "keyring-index.json"
#: Backends that exist to say "no keyring here", or that store secrets in plain files.
_REJECTED_BACKEND_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
#: Picking a keyring backend may talk to D-Bus; past this many seconds, use the file.
_DETECT_SECONDS = 3.0

Backend = Literal["keyring", "file"]


class KeyStore(Protocol):
    """Where `llmchat keys set` puts a key, and the last source in the key chain."""

    @property
    def backend(self) -> Backend: ...

    @property
    def path(self) -> str: ...

    def get(self, provider: str) -> str | None: ...

    def set(self, provider: str, key: str) -> None: ...

    def remove(self, provider: str) -> bool: ...

    def list(self) -> list[str]: ...


def _check_entry(provider: str, key: str | None = None) -> None:
    if not provider or any(c.isspace() for c in provider):
        raise ConfigError(f"not a provider name: {provider!r}", "see `llmchat providers`")
    if key is not None and (not key.strip() or any(c in key.strip() for c in "\r\n\0")):
        raise ConfigError(
            f"the key for {provider} is empty or has a line break", "paste the key alone"
        )


@dataclass
class FileKeyStore:
    """Keys in one JSON file, 0600 inside a 0700 config dir, rewritten atomically."""

    file: Path
    backend: Backend = "file"

    @property
    def path(self) -> str:
        return str(self.file)

    def _load(self) -> dict[str, str]:
        text = read_private(self.file, "keys file")
        if text is None:
            return {}
        try:
            data = json.loads(text)
            keys = data["keys"]
            if not isinstance(keys, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
            ):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f"keys file {self.file} is damaged",
                "remove it and store the keys again with `llmchat keys set PROVIDER`",
            ) from None
        return dict(keys)

    def _save(self, keys: dict[str, str]) -> None:
        text = json.dumps({"version": 1, "keys": dict(sorted(keys.items()))}, indent=2)
        write_private_atomic(self.file, text + "\n")

    def get(self, provider: str) -> str | None:
        return self._load().get(provider)

    def set(self, provider: str, key: str) -> None:
        _check_entry(provider, key)
        keys = self._load()
        keys[provider] = key.strip()
        self._save(keys)

    def remove(self, provider: str) -> bool:
        keys = self._load()
        if keys.pop(provider, None) is None:
            return False
        self._save(keys)
        return True

    def list(self) -> list[str]:
        return sorted(self._load())


@dataclass
class KeyringKeyStore:
    """Keys in the system keyring (service "llmchat", user = provider name)."""

    keyring: Any  # the chosen keyring backend object
    index_file: Path
    backend: Backend = "keyring"

    @property
    def path(self) -> str:
        return f"system keyring ({type(self.keyring).__name__})"

    def _index(self) -> set[str]:
        text = read_private(self.index_file, "key index")
        try:
            names = json.loads(text) if text else []
        except ValueError:
            names = []
        return {n for n in names if isinstance(n, str)}

    def _save_index(self, names: set[str]) -> None:
        write_private_atomic(self.index_file, json.dumps(sorted(names)) + "\n")

    def get(self, provider: str) -> str | None:
        value = self.keyring.get_password(KEYRING_SERVICE, provider)
        return value if isinstance(value, str) and value else None

    def set(self, provider: str, key: str) -> None:
        _check_entry(provider, key)
        self.keyring.set_password(KEYRING_SERVICE, provider, key.strip())
        self._save_index(self._index() | {provider})

    def remove(self, provider: str) -> bool:
        found = self.get(provider) is not None
        if found:
            self.keyring.delete_password(KEYRING_SERVICE, provider)
        names = self._index()
        if provider in names:
            self._save_index(names - {provider})
        return found

    def list(self) -> list[str]:
        return sorted(p for p in self._index() if self.get(p) is not None)


def backend_is_usable(backend: object) -> bool:
    """A real, secure keyring: not the fail/null/plain-text ones, not a chainer, priority > 0.

    The chainer is refused because it may hold nothing usable yet look fine, and it would
    hide which keyring the key went to.
    """
    cls = type(backend)
    module = cls.__module__
    if module.startswith(_REJECTED_BACKEND_MODULES) or "chainer" in module.lower():
        return False
    try:
        # A class property that raises when the backend cannot work on this machine.
        priority = float(getattr(cls, "priority", 0))
    except Exception:
        return False
    return priority > 0


def detect_keyring(timeout: float = _DETECT_SECONDS) -> Any | None:
    """The system keyring backend, or None: not installed, no real backend, or too slow."""
    try:
        # By name, so mypy --strict passes whether or not the optional extra is installed.
        keyring = importlib.import_module("keyring")
    except Exception:  # ImportError, or a broken install: either way, no keyring
        return None
    found: list[Any] = []

    def pick() -> None:
        with contextlib.suppress(Exception):  # any failure means: no usable keyring
            found.append(keyring.get_keyring())

    worker = threading.Thread(target=pick, name="llmchat-keyring-detect", daemon=True)
    worker.start()
    worker.join(timeout)
    if not found or not backend_is_usable(found[0]):
        return None
    return found[0]


def stored_names(config_dir: Path) -> frozenset[str]:
    """Providers with a stored key, from the keys file and the keyring's index, without
    detecting a keyring (which may take seconds): lets a custom provider's key come from
    the store alone, with no variable to name it."""
    names: set[str] = set()
    names.update(FileKeyStore(config_dir / KEYS_FILE_NAME).list())
    index = KeyringKeyStore(None, config_dir / KEYRING_INDEX_NAME)._index()
    return frozenset(names | index)


def open_key_store(config_dir: Path, *, use_keyring: bool = True) -> KeyStore:
    """The keyring store when usable (and wanted), else the file store in `config_dir`."""
    if use_keyring:
        backend = detect_keyring()
        if backend is not None:
            return KeyringKeyStore(backend, config_dir / KEYRING_INDEX_NAME)
    return FileKeyStore(config_dir / KEYS_FILE_NAME)
