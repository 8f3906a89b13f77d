"""`llmchat providers` and `llmchat models`: what is configured, keys masked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchat.environment import Environment
from llmchat.errors import LLMChatError, UsageError
from llmchat.providers.catalog import alias_for, aliases_of
from llmchat.providers.records import Price, Provider


def with_base_url(provider: Provider, base_url: str) -> Provider:
    """`--base-url`: the same provider (its key, its models) at another address."""
    from dataclasses import replace
    from urllib.parse import urlparse

    url = base_url.strip().rstrip("/")
    if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
        raise UsageError(
            f"--base-url must be an http(s) URL, not {base_url!r}", "e.g. http://localhost:8080/v1"
        )
    custom = provider.custom_url or (provider.builtin and url != provider.base_url)
    return replace(provider, base_url=url, custom_url=custom)


if TYPE_CHECKING:
    from llmchat.config import CliFlags


def print_providers(env: Environment, flags: CliFlags | None = None) -> None:
    from llmchat.config import load_registry
    from llmchat.render.listings import provider_table

    registry, _ = load_registry(env, flags)
    env.stdout.write(provider_table(registry) + "\n")


def print_models(
    env: Environment, provider_name: str | None, *, offline: bool, base_url: str | None = None
) -> None:
    from llmchat.config import CliFlags, load_registry, load_settings

    if provider_name:
        registry, _ = load_registry(env)
        provider = registry.get(provider_name)
    else:
        settings = load_settings(env, CliFlags())
        registry, provider = settings.registry, settings.provider
    if base_url:
        provider = with_base_url(provider, base_url)
    names = provider.model_names()
    source = "built-in list"
    if not offline and not registry.usable(provider):
        env.stderr.write(f"llmchat: {provider.key_env} is not set; showing the built-in list\n")
    if not offline and registry.usable(provider):
        from llmchat.config import Timeouts
        from llmchat.wire.client import ChatClient

        refused = registry.destination_error(provider)
        if refused is not None:
            raise refused
        client = ChatClient(
            provider,
            registry.key_for(provider),
            Timeouts(connect=5, read=15),
            registry.vars,
            net=registry.network_for(provider),
        )
        try:
            names = client.list_models()
            from llmchat.engine.served_models import ServedModels

            ServedModels(env.data_dir).remember(provider.name, provider.base_url, names)
            source = f"{provider.base_url}/models"
        except LLMChatError as err:
            env.stderr.write(f"llmchat: {err.message}; showing the built-in list\n")
    rows = [["", "MODEL", "CONTEXT", "PRICE PER 1M (in · cached · out)", "CHECKED"]]
    sources: dict[str, None] = {}
    for name in names:
        marker = "*" if name == provider.default_model else " "
        info = registry.model_info(provider, name)
        if info.source and (info.checked or provider.local):
            sources.setdefault(info.source, None)
        rows.append([marker, name, _context(info.context), _price(info.price), info.checked])
    for old in aliases_of(provider):
        alias = alias_for(provider, old)
        if alias is not None:
            rows.append([" ", old, "", f"→ {alias.says()}", alias.note])
    from llmchat.render.table import aligned

    env.stdout.write("\n".join(aligned(rows)) + "\n")
    if env.stdout_isatty:
        env.stdout.write(f"({provider.name}: {len(names)} models from the {source}; * = default)\n")
    for url in sources:
        env.stdout.write(f"source: {url}\n")


def _context(tokens: int | None) -> str:
    if tokens is None:
        return "?"
    return f"{tokens // 1_000_000}M" if tokens % 1_000_000 == 0 else f"{tokens // 1000:,}K"


def _price(price: Price | None) -> str:
    """A catalog price as the provider bills it; local servers cost nothing."""
    from llmchat.engine.pricing import FREE_LOCAL, UNKNOWN_PRICE, format_money

    if price is None:
        return UNKNOWN_PRICE
    if price.free_local:
        return FREE_LOCAL
    cached = price.input if price.cached_input is None else price.cached_input
    money = [format_money(x, price.currency) for x in (price.input, cached, price.output)]
    return " · ".join(money) + (" (peak)" if "peak" in price.note else "")
