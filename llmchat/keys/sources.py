"""The key chain: where a provider's key comes from, in one documented order.

    --api-key-env NAME  >  shell environment  >  .env  >  config.toml key command  >  key store

Each source is a small object with a `label` that `llmchat providers` shows ("shell",
".env at PATH (untrusted)", "config.toml key command", "key store (file)"), so the
answer to "which key is this?" is data, not a guess. The trust rules of issue 18
(config/trust.py) read `KeyOrigin.dotenv`/`trusted` to decide where a key may go.
Key commands run only in `find`, never in `where` (a listing must not wake a password
manager for every provider).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from llmchat.keys.store import KeyStore

OriginKind = Literal["flag", "shell", "dotenv", "command", "store"]


@dataclass(frozen=True)
class KeyOrigin:
    """Where a key came from; never holds the key."""

    kind: OriginKind
    label: str
    #: The `.env` file the key came from (kind "dotenv" only).
    dotenv: Path | None = None
    #: False only for a `.env` the user has not trusted (`llmchat trust`).
    trusted: bool = True
    #: The variable that held it, when there was one ("OPENAI_API_KEY").
    variable: str | None = None


@dataclass(frozen=True)
class FoundKey:
    """A key and its origin. `repr` never shows the key."""

    key: str = field(repr=False)
    origin: KeyOrigin


@dataclass(frozen=True)
class KeyRequest:
    """What a source needs to find one provider's key."""

    provider: str
    #: The provider's key variables, first one first (e.g. ("DASHSCOPE_API_KEY", "QWEN_API_KEY")).
    key_envs: tuple[str, ...]


class KeySource(Protocol):
    def where(self, request: KeyRequest) -> KeyOrigin | None:
        """The origin this source would give, without running anything costly."""

    def find(self, request: KeyRequest) -> FoundKey | None:
        """The key, or None when this source has none for the provider."""


def _from_vars(
    vars: Mapping[str, str], names: Sequence[str], make: Callable[[str], KeyOrigin]
) -> FoundKey | None:
    for name in names:
        value = vars.get(name, "").strip()
        if value:
            return FoundKey(value, make(name))
    return None


@dataclass(frozen=True)
class FlagSource:
    """`--api-key-env NAME`: the key is in the process environment under NAME, for this run."""

    variable: str | None
    vars: Mapping[str, str]
    #: The one provider the flag is for (None: any); another provider never gets this key.
    provider: str | None = None

    def find(self, request: KeyRequest) -> FoundKey | None:
        if not self.variable or (self.provider and request.provider != self.provider):
            return None
        label = f"--api-key-env {self.variable}"
        return _from_vars(
            self.vars, [self.variable], lambda n: KeyOrigin("flag", label, variable=n)
        )

    def where(self, request: KeyRequest) -> KeyOrigin | None:
        found = self.find(request)
        return found.origin if found else None


@dataclass(frozen=True)
class EnvSource:
    """The shell's environment (the process env, before any `.env` is merged in)."""

    vars: Mapping[str, str]

    def find(self, request: KeyRequest) -> FoundKey | None:
        return _from_vars(
            self.vars, request.key_envs, lambda n: KeyOrigin("shell", "shell", variable=n)
        )

    def where(self, request: KeyRequest) -> KeyOrigin | None:
        found = self.find(request)
        return found.origin if found else None


@dataclass(frozen=True)
class DotenvSource:
    """A `.env` file's values (already filtered to llmchat's own variables)."""

    path: Path
    values: Mapping[str, str]
    trusted: bool

    @property
    def label(self) -> str:
        return f".env at {self.path} ({'trusted' if self.trusted else 'untrusted'})"

    def find(self, request: KeyRequest) -> FoundKey | None:
        return _from_vars(
            self.values,
            request.key_envs,
            lambda n: KeyOrigin("dotenv", self.label, self.path, self.trusted, n),
        )

    def where(self, request: KeyRequest) -> KeyOrigin | None:
        found = self.find(request)
        return found.origin if found else None


KeyCommandRunner = Callable[[Sequence[str], str], str]


@dataclass
class CommandSource:
    """`api_key_cmd` per provider in config.toml; each command runs at most once per process."""

    commands: Mapping[str, Sequence[str]]
    run: KeyCommandRunner
    _cache: dict[str, str] = field(default_factory=dict, repr=False)

    origin = KeyOrigin("command", "config.toml key command")

    def where(self, request: KeyRequest) -> KeyOrigin | None:
        return self.origin if request.provider in self.commands else None

    def find(self, request: KeyRequest) -> FoundKey | None:
        argv = self.commands.get(request.provider)
        if argv is None:
            return None
        if request.provider not in self._cache:
            self._cache[request.provider] = self.run(argv, request.provider)
        return FoundKey(self._cache[request.provider], self.origin)


@dataclass(frozen=True)
class StoreSource:
    """`llmchat keys set`: the keyring or the keys file."""

    store: KeyStore

    @property
    def origin(self) -> KeyOrigin:
        return KeyOrigin("store", f"key store ({self.store.backend})")

    def find(self, request: KeyRequest) -> FoundKey | None:
        key = self.store.get(request.provider)
        return FoundKey(key, self.origin) if key else None

    def where(self, request: KeyRequest) -> KeyOrigin | None:
        return self.origin if self.store.get(request.provider) else None


@dataclass(frozen=True)
class KeyChain:
    """The sources in precedence order; the first that has a key wins."""

    sources: tuple[KeySource, ...]

    def find(self, request: KeyRequest) -> FoundKey | None:
        for source in self.sources:
            found = source.find(request)
            if found is not None:
                return found
        return None

    def where(self, request: KeyRequest) -> KeyOrigin | None:
        for source in self.sources:
            origin = source.where(request)
            if origin is not None:
                return origin
        return None


def build_key_chain(
    *,
    shell_vars: Mapping[str, str],
    api_key_env: str | None = None,
    api_key_provider: str | None = None,
    dotenv: DotenvSource | None = None,
    commands: Mapping[str, Sequence[str]] | None = None,
    run_command: KeyCommandRunner | None = None,
    store: KeyStore | None = None,
) -> KeyChain:
    """The documented order: flag > shell > .env > key command > key store."""
    sources: list[KeySource] = [
        FlagSource(api_key_env, shell_vars, api_key_provider),
        EnvSource(shell_vars),
    ]
    if dotenv is not None:
        sources.append(dotenv)
    if commands:
        if run_command is None:
            from llmchat.keys.command import run_key_command

            run_command = run_key_command
        sources.append(CommandSource(commands, run_command))
    if store is not None:
        sources.append(StoreSource(store))
    return KeyChain(tuple(sources))
