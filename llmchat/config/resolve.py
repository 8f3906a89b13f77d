"""Settings resolution: flags > environment > .env > config.toml > presets, done once.

Everything from the outside world (strings in env vars, TOML values) is parsed and
checked here, so the rest of llmchat only ever sees typed, valid records.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from llmchat.config.records import (
    CONFIG_FILE,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    PARAM_NAMES,
    CliFlags,
    FileConfig,
    ModelChoice,
    Settings,
    Timeouts,
)
from llmchat.config.registry import ProviderRegistry
from llmchat.errors import ConfigError, UsageError
from llmchat.providers.presets import PRESETS, ModelInfo, Price, Provider

__all__ = ["ProviderRegistry", "build_registry", "env_prefix_for", "resolve_settings"]


def env_prefix_for(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


# --- building the registry --------------------------------------------------------


def _models_from_table(
    table: Mapping[str, Any], base: tuple[ModelInfo, ...]
) -> tuple[ModelInfo, ...]:
    context = table.get("context")
    raw_models = table.get("models")
    infos: list[ModelInfo] = list(base)
    if raw_models is not None:
        infos = []
        for entry in raw_models:
            if isinstance(entry, dict):
                name = str(entry.get("name", ""))
                ctx = entry.get("context")
                known = next((m for m in base if m.name == name), None)
                infos.append(
                    ModelInfo(
                        name,
                        int(ctx) if ctx else (known.context if known else None),
                        known.price if known else None,
                    )
                )
            else:
                known = next((m for m in base if m.name == entry), None)
                infos.append(known or ModelInfo(entry))
    if isinstance(context, int):
        infos = [replace(m, context=context) for m in infos]
    elif isinstance(context, dict):
        infos = [
            replace(m, context=int(context.get(m.name, m.context or 0)) or None) for m in infos
        ]
    return tuple(infos)


def build_registry(
    vars: Mapping[str, str], file_config: FileConfig, stored_keys: Collection[str] = ()
) -> ProviderRegistry:
    """Presets adjusted by config and `<PREFIX>_BASE_URL`/`<PREFIX>_MODEL`, plus custom ones.

    `stored_keys`: providers with a key in the key store (`llmchat keys set`)."""
    providers: list[Provider] = []
    tables = {name.lower(): table for name, table in file_config.providers.items()}
    for preset in PRESETS:
        table = tables.pop(preset.name, {})
        providers.append(_apply_overrides(preset, table, vars))
    for name, table in tables.items():
        base_url = table.get("base_url")
        if not base_url:
            raise ConfigError(
                f"{file_config.path or CONFIG_FILE}: providers.{name} needs a base_url",
                'e.g. base_url = "https://example.com/v1"',
            )
        models = _models_from_table(table, ())
        default_model = table.get("default_model") or (models[0].name if models else "")
        custom = Provider(
            name=name.lower(),
            label=table.get("label") or name,
            base_url=base_url,
            key_env=table.get("api_key_env")
            or _default_key_env(name, vars, bool(table.get("api_key_cmd")) or name in stored_keys),
            env_prefix=env_prefix_for(name),
            default_model=default_model,
            models=models,
            builtin=False,
        )
        providers.append(_apply_overrides(custom, {}, vars))
    from llmchat.setup.embedded import LOCAL_PROVIDER

    if all(p.name != LOCAL_PROVIDER.name for p in providers):
        providers.append(LOCAL_PROVIDER)  # in-process: no URL to override
    return ProviderRegistry(
        providers=tuple(providers), vars=vars, model_tables=dict(file_config.models)
    )


def _default_key_env(name: str, vars: Mapping[str, str], has_key_elsewhere: bool) -> str | None:
    """A custom provider without `api_key_env` uses `<PREFIX>_API_KEY` if that is set or
    a key command or the key store has its key, and no key at all otherwise (a local
    server)."""
    candidate = f"{env_prefix_for(name)}_API_KEY"
    return candidate if has_key_elsewhere or vars.get(candidate, "").strip() else None


def _apply_overrides(
    provider: Provider, table: Mapping[str, Any], vars: Mapping[str, str]
) -> Provider:
    base_url = table.get("base_url") or provider.base_url
    default_model = table.get("default_model") or provider.default_model
    key_env = table.get("api_key_env") or provider.key_env
    models = _models_from_table(table, provider.models)
    prefix = provider.env_prefix
    base_url = vars.get(f"{prefix}_BASE_URL", "").strip() or base_url
    default_model = vars.get(f"{prefix}_MODEL", "").strip() or default_model
    if provider.name == "ollama" and vars.get("OLLAMA_HOST") and not vars.get("OLLAMA_BASE_URL"):
        host = vars["OLLAMA_HOST"].strip().rstrip("/")
        if not host.startswith(("http://", "https://")):
            host = "http://" + host
        if urlparse(host).port is None:
            host += ":11434"  # Ollama's own default when OLLAMA_HOST names no port
        base_url = host + "/v1"
    _check_url(base_url, provider.name)
    custom_url = provider.builtin and base_url.rstrip("/") != provider.base_url.rstrip("/")
    return replace(
        provider,
        custom_url=custom_url,
        base_url=base_url.rstrip("/"),
        default_model=default_model,
        key_env=key_env,
        models=models,
        label=table.get("label") or provider.label,
    )


def _check_url(url: str, provider: str) -> None:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(
            f"base URL for {provider} is not an http(s) URL: {url!r}",
            "it should look like https://api.example.com/v1",
        )


# --- resolving settings ---------------------------------------------------------


def _env_float(vars: Mapping[str, str], name: str) -> float | None:
    raw = vars.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value


def _env_bool(vars: Mapping[str, str], name: str) -> bool | None:
    raw = vars.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def resolve_settings(
    flags: CliFlags,
    vars: Mapping[str, str],
    file_config: FileConfig,
    registry: ProviderRegistry | None = None,
) -> Settings:
    """Apply the precedence rules once: flags > environment (incl. .env) > config.toml > presets.

    `registry` is the one load.py built with the key chain and origins; without it, keys
    come from `vars` alone."""
    registry = registry or build_registry(vars, file_config)
    preferred = flags.provider or vars.get("LLMCHAT_PROVIDER", "").strip() or file_config.provider
    if flags.base_url:
        _check_url(flags.base_url, flags.provider or "the provider")

    provider_explicit = bool(flags.provider)
    model_spec = flags.model
    if model_spec is None and not provider_explicit:
        env_model = vars.get("LLMCHAT_MODEL", "").strip() or vars.get("MODEL_NAME", "").strip()
        model_spec = env_model or file_config.model
        if not env_model and vars.get("LLMCHAT_PROVIDER", "").strip():
            # A provider chosen in the environment outranks a model from config.toml.
            provider_explicit = True
    if model_spec and "/" in model_spec and not preferred:
        head = model_spec.split("/", 1)[0]
        if registry.find(head) is not None and head == head.lower():
            preferred = head
    try:
        provider = registry.default_provider(preferred)
    except UsageError as err:
        if not flags.provider and preferred:
            source = (
                "LLMCHAT_PROVIDER"
                if vars.get("LLMCHAT_PROVIDER", "").strip()
                else (f"provider in {file_config.path or CONFIG_FILE}")
            )
            raise ConfigError(f"{err.message} (from {source})", err.hint) from err
        raise
    if flags.model is None and provider.custom_url:
        # The tutorial .env (OPENAI_BASE_URL + MODEL_NAME) means "that model, on that
        # server": a default model never moves the user off a URL they chose.
        provider_explicit = True
    if flags.base_url:
        url = flags.base_url.rstrip("/")
        custom = provider.custom_url or (provider.builtin and url != provider.base_url)
        provider = replace(provider, base_url=url, custom_url=custom)

    choice = ModelChoice(provider, provider.default_model, asked=provider.default_model)
    if model_spec:
        choice = registry.resolve_model(model_spec, provider, provider_explicit=provider_explicit)
    if not choice.model:
        raise ConfigError(
            f"no model chosen for {choice.provider.label}",
            f"pass -m MODEL or set {choice.provider.env_prefix}_MODEL",
        )
    registry.require_key(choice.provider)

    params = file_config.params
    for name in PARAM_NAMES:
        value = getattr(flags, name, None)
        if value is not None:
            params = params.with_value(name, value)

    read_timeout = (
        flags.timeout
        or _env_float(vars, "LLMCHAT_TIMEOUT")
        or file_config.timeout
        or DEFAULT_READ_TIMEOUT
    )
    connect_timeout = (
        _env_float(vars, "LLMCHAT_CONNECT_TIMEOUT")
        or file_config.connect_timeout
        or DEFAULT_CONNECT_TIMEOUT
    )
    system = (
        flags.system
        if flags.system is not None
        else (vars.get("LLMCHAT_SYSTEM") or file_config.system)
    )
    stream = flags.stream
    if stream is None:
        stream = _env_bool(vars, "LLMCHAT_STREAM")
    if stream is None:
        stream = file_config.stream if file_config.stream is not None else True
    show_reasoning = flags.show_reasoning
    if show_reasoning is None:
        show_reasoning = _env_bool(vars, "LLMCHAT_REASONING")
    if show_reasoning is None:
        show_reasoning = (
            file_config.show_reasoning if file_config.show_reasoning is not None else True
        )

    return Settings(
        registry=registry,
        provider=choice.provider,
        model=choice.model,
        system=system or None,
        params=params,
        stream=stream,
        show_reasoning=show_reasoning,
        timeouts=Timeouts(connect=connect_timeout, read=read_timeout),
        prices={**_table_prices(file_config), **file_config.prices},
        switched_provider=choice.switched_provider,
        thinking=_thinking(flags, vars, file_config, choice),
        alias=choice.alias,
    )


def _table_prices(file_config: FileConfig) -> dict[str, Price]:
    return {name: t.price for name, t in file_config.models.items() if t.price is not None}


def _thinking(
    flags: CliFlags, vars: Mapping[str, str], file_config: FileConfig, choice: ModelChoice
) -> str | None:
    """--think/--no-think/--effort > what an alias implies (deepseek-reasoner means
    thinking on) > LLMCHAT_THINKING > config.toml > unset (the server decides)."""
    from llmchat.providers.dialects import parse_thinking

    if flags.thinking is not None:
        return flags.thinking
    if choice.alias is not None and choice.alias.thinking is not None:
        return "on" if choice.alias.thinking else "off"
    raw = vars.get("LLMCHAT_THINKING", "").strip()
    if raw:
        try:
            return parse_thinking(raw)
        except UsageError as exc:
            raise ConfigError(f"LLMCHAT_THINKING: {exc.message}", exc.hint) from exc
    return file_config.thinking
