"""The provider registry: every provider the user can pick, and what belongs to each.

The one place that knows which key belongs to which provider (never another's), where
that key and the base URL came from (issue 18's trust rule reads both), each provider's
network settings (issue 15), and which provider serves a model name. resolve.py builds
it from presets, the environment and config.toml; load.py adds the key chain.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from llmchat.config.models import ModelTable
from llmchat.config.records import ModelChoice
from llmchat.errors import ConfigError, NoProviderError, UsageError
from llmchat.providers.catalog import alias_for
from llmchat.providers.presets import ModelInfo, Provider

if TYPE_CHECKING:
    from llmchat.config.trust import UrlOrigin
    from llmchat.keys.sources import KeyChain, KeyOrigin, KeyRequest
    from llmchat.wire.network import NetworkSettings


@dataclass(frozen=True)
class ProviderRegistry:
    """All providers the user can pick (presets adjusted by env/config, plus their own),
    and the one place that knows which key belongs to which provider."""

    providers: tuple[Provider, ...]
    vars: Mapping[str, str] = field(default_factory=dict)
    #: Where keys come from (flag > shell > .env > key command > key store); None = `vars` only.
    keys: KeyChain | None = None
    #: Who set each provider's base URL (by provider name); missing = the preset.
    url_origins: Mapping[str, UrlOrigin] = field(default_factory=dict)
    #: Each provider's proxy, CA bundle, timeouts and headers (config.toml, `--proxy`).
    network: Mapping[str, NetworkSettings] = field(default_factory=dict)
    #: config.toml's `[models.*]` tables (thinking, price, alias_of), by model name.
    model_tables: Mapping[str, ModelTable] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [p.name for p in self.providers]

    def find(self, name: str) -> Provider | None:
        for provider in self.providers:
            if provider.name == name.strip().lower():
                return provider
        return None

    def get(self, name: str) -> Provider:
        provider = self.find(name)
        if provider is None:
            close = difflib.get_close_matches(name.lower(), self.names(), n=1)
            hint = f"did you mean {close[0]!r}?" if close else ""
            hint = (hint + " " if hint else "") + f"known: {', '.join(self.names())}"
            raise UsageError(f"unknown provider {name!r}", hint)
        return provider

    def key_request(self, provider: Provider) -> KeyRequest:
        from llmchat.keys.sources import KeyRequest

        names = (provider.key_env, *provider.extra_key_envs)
        return KeyRequest(provider.name, tuple(n for n in names if n))

    def _key_from_vars(self, provider: Provider) -> tuple[str, str] | None:
        for var in (provider.key_env, *provider.extra_key_envs):
            if var and self.vars.get(var, "").strip():
                return var, self.vars[var].strip()
        return None

    def key_for(self, provider: Provider) -> str | None:
        """The provider's own key, from its own sources only; never another provider's.
        May run the provider's key command (once per process)."""
        if self.keys is not None:
            found = self.keys.find(self.key_request(provider))
            return found.key if found else None
        from_vars = self._key_from_vars(provider)
        return from_vars[1] if from_vars else None

    def key_origin(self, provider: Provider) -> KeyOrigin | None:
        """Where the key would come from, without running a key command."""
        if self.keys is not None:
            return self.keys.where(self.key_request(provider))
        from llmchat.keys.sources import KeyOrigin

        from_vars = self._key_from_vars(provider)
        return KeyOrigin("shell", "environment", variable=from_vars[0]) if from_vars else None

    def url_origin(self, provider: Provider) -> UrlOrigin:
        """Who set the base URL `provider` would use (shell, `.env`, config.toml, preset)."""
        from llmchat.config.origins import effective_url_origin

        return effective_url_origin(self, provider)

    def destination_error(self, provider: Provider) -> ConfigError | None:
        """The error if `provider`'s key must not go to its base URL (issue 18), else None."""
        from llmchat.config.origins import destination_error

        return destination_error(self, provider)

    def network_for(self, provider: Provider) -> NetworkSettings:
        from llmchat.wire.network import NetworkSettings

        return self.network.get(provider.name) or NetworkSettings()

    def usable(self, provider: Provider) -> bool:
        return not provider.needs_key or self.key_origin(provider) is not None

    def require_key(self, provider: Provider) -> str | None:
        """The key to send, or a ConfigError naming the variable to set."""
        if not provider.needs_key:
            return None
        key = self.key_for(provider)
        if key is None:
            raise ConfigError(
                f"no API key for {provider.label}",
                f"set {provider.key_env} in your environment, or store it: "
                f"llmchat keys set {provider.name}",
            )
        return key

    def all_models(self) -> list[str]:
        seen: dict[str, None] = {}
        for provider in self.providers:
            for model in provider.model_names():
                seen.setdefault(model, None)
        return list(seen)

    def model_info(self, provider: Provider, model: str) -> ModelInfo:
        """Everything known of `model` on `provider`: its config.toml table laid over the
        catalog's entry (the provider's own, else any preset's of that name), else a bare
        entry speaking the provider's thinking dialect."""
        from llmchat.providers.catalog import find_model

        info = find_model(provider, model) or ModelInfo(model, thinking=provider.thinking)
        table = self.model_tables.get(f"{provider.name}/{model}") or self.model_tables.get(model)
        return table.apply(info) if table is not None else info

    def _serves(self, provider: Provider, spec: str) -> bool:
        return spec in provider.model_names() or alias_for(provider, spec) is not None

    def _renamed(self, choice: ModelChoice) -> ModelChoice:
        """Old names to new ones: config.toml's `alias_of`, then the catalog's aliases
        (which apply only on the provider's own service, never on a relay)."""
        asked = choice.model
        table = self.model_tables.get(asked)
        if table is not None and table.alias_of:
            choice = replace(choice, model=table.alias_of)
        alias = alias_for(choice.provider, choice.model)
        if alias is not None:
            choice = replace(choice, model=alias.new, alias=alias)
        return replace(choice, asked=asked)

    def resolve_model(
        self, spec: str, current: Provider, *, provider_explicit: bool = False
    ) -> ModelChoice:
        """Which provider serves `spec` ("model" or "provider/model").

        A bare model that the current provider does not list, but another provider with
        a key does, moves to that provider: `-m deepseek-reasoner` while on OpenAI means
        DeepSeek. An explicitly chosen provider is never second-guessed.
        """
        return self._renamed(self._where(spec.strip(), current, provider_explicit))

    def _where(self, spec: str, current: Provider, provider_explicit: bool) -> ModelChoice:
        if not spec:
            raise UsageError("empty model name")
        if provider_explicit or self._serves(current, spec) or spec in self.model_tables:
            return ModelChoice(current, spec)
        head, sep, rest = spec.partition("/")
        if sep and rest and self.find(head) is not None and head == head.lower():
            provider = self.get(head)
            return ModelChoice(provider, rest, switched_provider=provider.name != current.name)
        if not current.models:
            # A provider whose model list we don't know may serve anything.
            return ModelChoice(current, spec)
        for provider in self.providers:
            serves = provider.name != current.name and self._serves(provider, spec)
            if serves and self.usable(provider) and not provider.local:
                return ModelChoice(provider, spec, switched_provider=True)
        return ModelChoice(current, spec)

    def default_provider(self, preferred: str | None) -> Provider:
        if preferred:
            return self.get(preferred)
        for provider in self.providers:
            if provider.needs_key and self.key_origin(provider) is not None:
                return provider
        from llmchat.setup.embedded import no_provider_hint

        raise NoProviderError("no API key found for any provider", no_provider_hint())
