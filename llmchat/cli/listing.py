"""`llmchat providers` and `llmchat models`: what is configured, keys masked."""

from __future__ import annotations

from llmchat.environment import Environment
from llmchat.errors import LLMChatError, mask_key


def columns(rows: list[list[str]]) -> list[str]:
    """Rows as aligned text columns, measured in terminal cells (CJK lines up)."""
    from rich.cells import cell_len

    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines


def print_providers(env: Environment) -> None:
    from llmchat.config import load_registry

    registry, _ = load_registry(env)
    rows = [["PROVIDER", "KEY", "BASE URL", "DEFAULT MODEL"]]
    for provider in registry.providers:
        if not provider.needs_key:
            key = "(no key needed)"
        else:
            value = registry.key_for(provider)
            key = (
                f"{provider.key_env}={mask_key(value)}" if value else f"{provider.key_env} not set"
            )
        rows.append([provider.name, key, provider.base_url, provider.default_model or "-"])
    env.stdout.write("\n".join(columns(rows)) + "\n")


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
