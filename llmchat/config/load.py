"""Reads the real world once (process env, .env, config.toml) into Settings.

Shared by one-shot mode, the REPL and the listing commands so they can never
disagree about which provider, key or model is in force.
"""

from __future__ import annotations

from llmchat.config.files import load_dotenv_vars, load_file_config, merge_env
from llmchat.config.records import CliFlags, FileConfig, Settings
from llmchat.config.resolve import ProviderRegistry, build_registry, resolve_settings
from llmchat.environment import Environment


def effective_vars(env: Environment) -> dict[str, str]:
    """Process env over .env over the keys `llmchat setup` saved (the lowest rank)."""
    from llmchat.providers.presets import preset
    from llmchat.setup.saving import read_keys

    merged = merge_env(env.vars, load_dotenv_vars())
    for name, key in read_keys(env.config_dir).items():
        provider = preset(name)
        if provider is not None and provider.key_env and not merged.get(provider.key_env):
            merged[provider.key_env] = key
    return merged


def load_settings(env: Environment, flags: CliFlags) -> Settings:
    return resolve_settings(flags, effective_vars(env), load_file_config(env.config_dir))


def load_registry(env: Environment) -> tuple[ProviderRegistry, FileConfig]:
    file_config = load_file_config(env.config_dir)
    return build_registry(effective_vars(env), file_config), file_config
