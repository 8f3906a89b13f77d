"""`llmchat providers` and `llmchat models`: what is configured, keys masked."""

from __future__ import annotations

from llmchat.environment import Environment
from llmchat.errors import LLMChatError


def print_providers(env: Environment) -> None:
    from llmchat.config import load_registry
    from llmchat.render.listings import provider_table

    registry, _ = load_registry(env)
    env.stdout.write(provider_table(registry) + "\n")


def print_models(env: Environment, provider_name: str | None, *, offline: bool) -> None:
    from llmchat.config import CliFlags, load_registry, load_settings

    if provider_name:
        registry, _ = load_registry(env)
        provider = registry.get(provider_name)
    else:
        settings = load_settings(env, CliFlags())
        registry, provider = settings.registry, settings.provider
    names = provider.model_names()
    source = "built-in list"
    if not offline and not registry.usable(provider):
        env.stderr.write(f"llmchat: {provider.key_env} is not set; showing the built-in list\n")
    if not offline and registry.usable(provider):
        from llmchat.config import Timeouts
        from llmchat.wire.client import ChatClient

        client = ChatClient(
            provider, registry.key_for(provider), Timeouts(connect=5, read=15), registry.vars
        )
        try:
            names = client.list_models()
            source = f"{provider.base_url}/models"
        except LLMChatError as err:
            env.stderr.write(f"llmchat: {err.message}; showing the built-in list\n")
    for name in names:
        marker = "*" if name == provider.default_model else " "
        env.stdout.write(f"{marker} {name}\n")
    if env.stdout_isatty:
        env.stdout.write(f"({provider.name}: {len(names)} models from the {source}; * = default)\n")
