"""Where each setting came from: the `.env` file (filtered, trusted or not), the key chain,
each base URL's origin and each provider's network settings.

Why a module of its own: issue 18's rule ("a key goes only where its own source, or a
more trusted one, points") needs to know, per provider, who set the base URL and who
supplied the key; `llmchat providers` shows the same facts. Both read them from here,
so what is enforced and what is shown can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchat.config.trust import TrustStore, UrlOrigin, check_destination, filter_dotenv
from llmchat.errors import ConfigError
from llmchat.keys.sources import DotenvSource, KeyChain, KeyCommandRunner, build_key_chain
from llmchat.keys.store import Backend, KeyStore, open_key_store
from llmchat.providers.presets import PRESETS, Provider
from llmchat.wire.network import NetworkSettings, parse_network_table

if TYPE_CHECKING:
    from llmchat.config.registry import ProviderRegistry

DOTENV_NAME = ".env"
PRESET = UrlOrigin("preset")
CONFIG_TOML = UrlOrigin("config.toml")


@dataclass(frozen=True)
class DotenvFile:
    """The `.env` llmchat uses this run: only llmchat's own variables are kept."""

    path: Path | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    trusted: bool = False

    @property
    def label(self) -> str:
        return f".env at {self.path} ({'trusted' if self.trusted else 'untrusted'})"

    def origin(self, variable: str) -> UrlOrigin:
        return UrlOrigin(self.label, self.path, self.trusted, variable)


def find_dotenv_upward(start: Path) -> Path | None:
    """The nearest `.env` in `start` or a directory above it."""
    for folder in (start, *start.parents):
        candidate = folder / DOTENV_NAME
        if candidate.is_file():
            return candidate
    return None


def read_dotenv(
    config_dir: Path,
    *,
    env_file: Path | None,
    prefixes: Iterable[str],
    extra_key_vars: Iterable[str],
    cwd: Path | None = None,
) -> DotenvFile:
    """`--env-file PATH` (trusted: the user named it) or the nearest `.env` (trusted only
    if `llmchat trust` recorded this exact content), filtered to llmchat's variables."""
    from dotenv import dotenv_values

    if env_file is not None:
        path = env_file.expanduser()
        if not path.is_file():
            raise ConfigError(f"--env-file {path} does not exist", "check the path")
        trusted = True
    else:
        found = find_dotenv_upward(cwd or Path.cwd())
        if found is None:
            return DotenvFile()
        path, trusted = found, TrustStore.in_config_dir(config_dir).is_trusted(found)
    raw = {k: v for k, v in dotenv_values(path).items() if v is not None}
    kept, ignored = filter_dotenv(raw, prefixes, extra_key_vars)
    return DotenvFile(path.resolve(), kept, tuple(ignored), trusted)


def url_origin(
    provider: Provider,
    table: Mapping[str, Any],
    shell: Mapping[str, str],
    dotenv: DotenvFile,
) -> UrlOrigin:
    """Who set `provider`'s base URL, following build_registry's order (env > toml > preset)."""
    variables = [f"{provider.env_prefix}_BASE_URL"]
    if provider.name == "ollama" and not (
        shell.get("OLLAMA_BASE_URL", "").strip() or dotenv.values.get("OLLAMA_BASE_URL", "").strip()
    ):
        variables.append("OLLAMA_HOST")
    for variable in variables:
        if shell.get(variable, "").strip():
            return UrlOrigin("shell", variable=variable)
        if dotenv.values.get(variable, "").strip():
            return dotenv.origin(variable)
    if table.get("base_url") or not provider.builtin:
        return CONFIG_TOML
    return PRESET


class LazyKeyStore:
    """The key store, opened on first use: detecting a keyring may cost seconds, and most
    runs find their key in the shell before ever asking the store."""

    def __init__(self, config_dir: Path) -> None:
        self._config_dir = config_dir
        self._store: KeyStore | None = None

    def _open(self) -> KeyStore:
        if self._store is None:
            self._store = open_key_store(self._config_dir)
        return self._store

    @property
    def backend(self) -> Backend:
        return self._open().backend

    @property
    def path(self) -> str:
        return self._open().path

    def get(self, provider: str) -> str | None:
        return self._open().get(provider)

    def set(self, provider: str, key: str) -> None:
        self._open().set(provider, key)

    def remove(self, provider: str) -> bool:
        return self._open().remove(provider)

    def list(self) -> list[str]:
        return self._open().list()


def key_commands(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """`api_key_cmd` per provider, split into argument lists (not run here)."""
    from llmchat.keys.command import parse_key_command

    return {
        name.lower(): parse_key_command(table["api_key_cmd"], name)
        for name, table in tables.items()
        if table.get("api_key_cmd") is not None
    }


def key_command_runner(tables: Mapping[str, Mapping[str, Any]]) -> KeyCommandRunner:
    """Runs a provider's key command with that provider's `api_key_cmd_timeout`."""
    from llmchat.keys.command import parse_key_command_timeout, run_key_command

    timeouts = {
        name.lower(): parse_key_command_timeout(table.get("api_key_cmd_timeout"), name)
        for name, table in tables.items()
    }

    def run(argv: Sequence[str], provider: str) -> str:
        return run_key_command(argv, provider, timeout=timeouts[provider])

    return run


def network_settings(
    tables: Mapping[str, Mapping[str, Any]], proxy: str | None
) -> dict[str, NetworkSettings]:
    """Each configured provider's network settings; `--proxy` (one run) applies to all."""
    settings = {name.lower(): parse_network_table(t, name) for name, t in tables.items()}
    if proxy is not None:
        names = {p.name for p in PRESETS} | set(settings)
        settings = {n: settings.get(n, NetworkSettings()).with_proxy(proxy) for n in names}
    return settings


def make_key_chain(
    *,
    shell: Mapping[str, str],
    dotenv: DotenvFile,
    tables: Mapping[str, Mapping[str, Any]],
    config_dir: Path,
    api_key_env: str | None = None,
    api_key_provider: str | None = None,
) -> KeyChain:
    """The documented order: --api-key-env > shell > .env > key command > key store."""
    source = (
        DotenvSource(dotenv.path, dotenv.values, dotenv.trusted)
        if dotenv.path is not None
        else None
    )
    return build_key_chain(
        shell_vars=shell,
        api_key_env=api_key_env,
        api_key_provider=api_key_provider,
        dotenv=source,
        commands=key_commands(tables),
        run_command=key_command_runner(tables),
        store=LazyKeyStore(config_dir),
    )


def effective_url_origin(registry: ProviderRegistry, provider: Provider) -> UrlOrigin:
    """Who set the base URL `provider` would use; a URL unlike the registry's is `--base-url`."""
    listed = registry.find(provider.name)
    if listed is not None and listed.base_url != provider.base_url:
        return UrlOrigin("--base-url")
    return registry.url_origins.get(provider.name) or PRESET


def destination_error(registry: ProviderRegistry, provider: Provider) -> ConfigError | None:
    """The error if `provider`'s key must not go to its base URL (issue 18), else None.

    Only a base URL from an untrusted `.env` is checked, and only then is the key looked
    up (which may run a key command: the request is about to need it anyway)."""
    if not provider.needs_key or registry.keys is None:
        return None
    origin = effective_url_origin(registry, provider)
    if origin.trusted or origin.dotenv is None:
        return None
    found = registry.keys.find(registry.key_request(provider))
    if found is None:
        return None
    key_dotenv = found.origin.dotenv if found.origin.kind == "dotenv" else None
    label = found.origin.label
    if found.origin.variable and found.origin.kind == "shell":
        label = f"shell ({found.origin.variable})"
    return check_destination(provider.name, provider.base_url, origin, key_dotenv, label)
