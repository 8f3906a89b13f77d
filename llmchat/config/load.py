"""Reads the real world once (process env, .env, config.toml, key store) into Settings.

Shared by one-shot mode, the REPL and the listing commands so they can never
disagree about which provider, key, base URL or proxy is in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from llmchat.config.files import load_file_config, merge_env
from llmchat.config.origins import (
    DotenvFile,
    make_key_chain,
    network_settings,
    read_dotenv,
    url_origin,
)
from llmchat.config.records import CliFlags, FileConfig, Settings
from llmchat.config.resolve import (
    ProviderRegistry,
    build_registry,
    env_prefix_for,
    resolve_settings,
)
from llmchat.environment import Environment
from llmchat.errors import UsageError
from llmchat.providers.presets import PRESETS


def effective_vars(env: Environment) -> dict[str, str]:
    """What `llmchat setup` and the first-run check see: the process env over the `.env`
    (filtered as for a run) over the key store's keys, as their presets' variables.
    Requests never use this: build_full_registry keeps where each key came from."""
    from llmchat.providers.presets import preset
    from llmchat.setup.saving import read_keys

    dotenv = load_dotenv_file(env, load_file_config(env.config_dir), None)
    merged = merge_env(env.vars, dotenv.values)
    for name, key in read_keys(env.config_dir).items():
        provider = preset(name)
        if provider is not None and provider.key_env and not merged.get(provider.key_env):
            merged[provider.key_env] = key
    return merged


def load_dotenv_file(
    env: Environment, file_config: FileConfig, env_file: Path | None
) -> DotenvFile:
    """The `.env` for this run, keeping only llmchat's own variables (never proxies, SSL_*)."""
    prefixes = {p.env_prefix for p in PRESETS} | {env_prefix_for(n) for n in file_config.providers}
    key_vars = {v for p in PRESETS for v in (p.key_env, *p.extra_key_envs) if v}
    key_vars |= {
        str(t["api_key_env"]) for t in file_config.providers.values() if t.get("api_key_env")
    }
    return read_dotenv(
        env.config_dir, env_file=env_file, prefixes=prefixes, extra_key_vars=key_vars
    )


def _api_key_provider(flags: CliFlags, vars: dict[str, str], file_config: FileConfig) -> str:
    """`--api-key-env` is for one provider only: the one chosen explicitly."""
    chosen = flags.provider or vars.get("LLMCHAT_PROVIDER", "").strip() or file_config.provider
    if not chosen:
        raise UsageError(
            "--api-key-env needs to know which provider the key is for",
            "add -p PROVIDER (a key is never sent to another provider)",
        )
    return chosen.strip().lower()


def _stored_keys(env: Environment, tables: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """Providers with a stored key, looked up only when a custom provider names no key
    variable or command (the store is then its only possible key source)."""
    presets = {p.name for p in PRESETS}
    if all(
        name in presets or table.get("api_key_env") or table.get("api_key_cmd")
        for name, table in tables.items()
    ):
        return frozenset()
    from llmchat.keys.store import stored_names

    return stored_names(env.config_dir)


def build_full_registry(
    env: Environment, flags: CliFlags, file_config: FileConfig
) -> tuple[ProviderRegistry, dict[str, str]]:
    """The provider registry with its key chain, base-URL origins and network settings."""
    dotenv = load_dotenv_file(env, file_config, flags.env_file)
    vars = merge_env(env.vars, dotenv.values)
    tables = {name.lower(): table for name, table in file_config.providers.items()}
    registry = build_registry(vars, file_config, _stored_keys(env, tables))
    keys = make_key_chain(
        shell=env.vars,
        dotenv=dotenv,
        tables=tables,
        config_dir=env.config_dir,
        api_key_env=flags.api_key_env,
        api_key_provider=(
            _api_key_provider(flags, vars, file_config) if flags.api_key_env else None
        ),
    )
    origins = {
        p.name: url_origin(p, tables.get(p.name, {}), env.vars, dotenv) for p in registry.providers
    }
    network = network_settings(tables, flags.proxy)
    registry = replace(registry, keys=keys, url_origins=origins, network=network)
    return registry, vars


def load_settings(env: Environment, flags: CliFlags) -> Settings:
    file_config = load_file_config(env.config_dir)
    registry, vars = build_full_registry(env, flags, file_config)
    return resolve_settings(flags, vars, file_config, registry)


def load_registry(
    env: Environment, flags: CliFlags | None = None
) -> tuple[ProviderRegistry, FileConfig]:
    file_config = load_file_config(env.config_dir)
    registry, _ = build_full_registry(env, flags or CliFlags(), file_config)
    return registry, file_config
