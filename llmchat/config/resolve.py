"""Settings resolution: flags > environment > .env > config.toml > presets, done once.

Everything from the outside world (strings in env vars, TOML values) is parsed and
checked here, so the rest of llmchat only ever sees typed, valid records.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from llmchat.errors import ConfigError, UsageError
from llmchat.providers.presets import PRESETS, ModelInfo, Price, Provider

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILE = "config.toml"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 120.0

PARAM_NAMES = ("temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty")


@dataclass(frozen=True)
class Params:
    """Generation parameters; None means "let the server decide" and is never sent."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None

    def as_request(self) -> dict[str, float | int]:
        return {name: value for name, value in self.as_dict().items() if value is not None}

    def as_dict(self) -> dict[str, float | int | None]:
        return {name: getattr(self, name) for name in PARAM_NAMES}

    def with_value(self, name: str, raw: str | float | int | None) -> Params:
        """A copy with one parameter set from user input (a string from /set or a flag)."""
        if name not in PARAM_NAMES:
            raise UsageError(
                f"unknown parameter {name!r}", f"choose one of: {', '.join(PARAM_NAMES)}"
            )
        values: dict[str, Any] = self.as_dict()
        values[name] = parse_param(name, raw)
        return Params(**values)


_PARAM_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
}


def parse_param(name: str, raw: str | float | int | None) -> float | int | None:
    """Check one generation parameter; `None`, "none" or "default" unset it."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "none", "default")):
        return None
    if isinstance(raw, bool):
        raise UsageError(f"{name} must be a number, not {raw!r}")
    if name == "max_tokens":
        if isinstance(raw, float) and not raw.is_integer():
            raise UsageError(f"max_tokens must be a whole number, not {raw!r}")
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise UsageError(f"max_tokens must be a whole number, not {raw!r}") from None
        if value < 1:
            raise UsageError(f"max_tokens must be at least 1, not {value}")
        return value
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number, not {raw!r}") from None
    low, high = _PARAM_RANGES[name]
    if not low <= number <= high:
        raise UsageError(f"{name} must be between {low:g} and {high:g}, not {number:g}")
    return number


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT


@dataclass(frozen=True)
class CliFlags:
    """What the user typed on the command line; None means "not given"."""

    provider: str | None = None
    model: str | None = None
    system: str | None = None
    base_url: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stream: bool | None = None
    show_reasoning: bool | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class FileConfig:
    """config.toml, parsed and checked."""

    path: Path | None = None
    provider: str | None = None
    model: str | None = None
    system: str | None = None
    params: Params = field(default_factory=Params)
    stream: bool | None = None
    show_reasoning: bool | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    providers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    prices: Mapping[str, Price] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelChoice:
    """The outcome of resolving a model name: which provider serves it, and why."""

    provider: Provider
    model: str
    switched_provider: bool = False


def env_prefix_for(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


@dataclass(frozen=True)
class ProviderRegistry:
    """All providers the user can pick (presets adjusted by env/config, plus their own),
    and the one place that knows which key belongs to which provider."""

    providers: tuple[Provider, ...]
    vars: Mapping[str, str] = field(default_factory=dict)

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

    def key_for(self, provider: Provider) -> str | None:
        """The provider's own key, from its own variable(s) only; never another provider's."""
        for var in (provider.key_env, *provider.extra_key_envs):
            if var and self.vars.get(var, "").strip():
                return self.vars[var].strip()
        return None

    def usable(self, provider: Provider) -> bool:
        return not provider.needs_key or self.key_for(provider) is not None

    def require_key(self, provider: Provider) -> str | None:
        """The key to send, or a ConfigError naming the variable to set."""
        if not provider.needs_key:
            return None
        key = self.key_for(provider)
        if key is None:
            raise ConfigError(
                f"no API key for {provider.label}",
                f"set {provider.key_env} in your environment or in a .env file",
            )
        return key

    def all_models(self) -> list[str]:
        seen: dict[str, None] = {}
        for provider in self.providers:
            for model in provider.model_names():
                seen.setdefault(model, None)
        return list(seen)

    def resolve_model(
        self, spec: str, current: Provider, *, provider_explicit: bool = False
    ) -> ModelChoice:
        """Which provider serves `spec` ("model" or "provider/model").

        A bare model that the current provider does not list, but another provider with
        a key does, moves to that provider: `-m deepseek-reasoner` while on OpenAI means
        DeepSeek. An explicitly chosen provider is never second-guessed.
        """
        spec = spec.strip()
        if not spec:
            raise UsageError("empty model name")
        if provider_explicit or spec in current.model_names():
            return ModelChoice(current, spec)
        head, sep, rest = spec.partition("/")
        if sep and rest and self.find(head) is not None and head == head.lower():
            provider = self.get(head)
            return ModelChoice(provider, rest, switched_provider=provider.name != current.name)
        if not current.models:
            # A provider whose model list we don't know may serve anything.
            return ModelChoice(current, spec)
        for provider in self.providers:
            serves = provider.name != current.name and spec in provider.model_names()
            if serves and self.usable(provider) and not provider.local:
                return ModelChoice(provider, spec, switched_provider=True)
        return ModelChoice(current, spec)

    def default_provider(self, preferred: str | None) -> Provider:
        if preferred:
            return self.get(preferred)
        for provider in self.providers:
            if provider.needs_key and self.key_for(provider):
                return provider
        raise ConfigError(
            "no API key found for any provider",
            "set one, e.g. OPENAI_API_KEY or DEEPSEEK_API_KEY (see `llmchat providers`), "
            "in your shell or in a .env file",
        )


@dataclass(frozen=True)
class Settings:
    """Everything a ChatSession needs to start, resolved and validated."""

    registry: ProviderRegistry
    provider: Provider
    model: str
    system: str | None
    params: Params
    stream: bool
    show_reasoning: bool
    timeouts: Timeouts
    prices: Mapping[str, Price]
    switched_provider: bool = False


# --- reading the outside world ---------------------------------------------------


def load_dotenv_vars(cwd: Path | None = None) -> dict[str, str]:
    """Variables from the nearest .env, searched from the current directory upward."""
    from dotenv import dotenv_values, find_dotenv

    path = find_dotenv(usecwd=True) if cwd is None else _find_upward(cwd, ".env")
    if not path:
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _find_upward(start: Path, name: str) -> str:
    for folder in (start, *start.parents):
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    return ""


def merge_env(process_env: Mapping[str, str], dotenv: Mapping[str, str]) -> dict[str, str]:
    """A variable already set in the process always beats the .env file."""
    merged = dict(dotenv)
    merged.update(process_env)
    return merged


def load_file_config(config_dir: Path) -> FileConfig:
    path = config_dir / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FileConfig()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", "fix that line") from exc
    return parse_file_config(data, path)


TOP_LEVEL_KEYS = (
    "provider", "model", "system", *PARAM_NAMES, "stream", "reasoning", "timeout",
    "connect_timeout", "providers", "prices",
)  # fmt: skip
PROVIDER_KEYS = ("base_url", "api_key_env", "default_model", "label", "models", "context")
PRICE_KEYS = ("input", "output", "cached_input", "currency")


def _reject_unknown(
    table: Mapping[str, Any], known: tuple[str, ...], where: str, prefix: str
) -> None:
    """A misspelt setting is an error, not a silent no-op: `tempreature = 0.2` must not pass."""
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            raise ConfigError(f"{where}: unknown setting {prefix}{key!r}", hint)


def parse_file_config(data: Mapping[str, Any], path: Path | None = None) -> FileConfig:
    where = str(path) if path else CONFIG_FILE

    def bad(key: str, expected: str) -> ConfigError:
        return ConfigError(f"{where}: {key} must be {expected}")

    def opt_str(table: Mapping[str, Any], key: str, prefix: str = "") -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise bad(prefix + key, "a string")
        return value

    def opt_bool(key: str) -> bool | None:
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise bad(key, "true or false")
        return value

    def opt_float(key: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise bad(key, "a positive number")
        return float(value)

    _reject_unknown(data, TOP_LEVEL_KEYS, where, "")
    params = Params()
    for name in PARAM_NAMES:
        if name in data:
            try:
                params = params.with_value(name, data[name])
            except UsageError as exc:
                raise ConfigError(f"{where}: {exc.message}") from exc

    providers = data.get("providers", {})
    if not isinstance(providers, dict) or not all(isinstance(v, dict) for v in providers.values()):
        raise bad("[providers]", "a table of tables, like [providers.NAME]")
    for name, table in providers.items():
        _reject_unknown(table, PROVIDER_KEYS, where, f"providers.{name}.")
        for key in ("base_url", "api_key_env", "default_model", "label"):
            opt_str(table, key, f"providers.{name}.")
        models = table.get("models", [])
        if not isinstance(models, list) or not all(isinstance(m, str | dict) for m in models):
            raise bad(f"providers.{name}.models", "a list of model names")
        context = table.get("context")
        if context is not None and not isinstance(context, int | dict):
            raise bad(f"providers.{name}.context", "a number or a table of model = number")

    prices: dict[str, Price] = {}
    raw_prices = data.get("prices", {})
    if not isinstance(raw_prices, dict):
        raise bad("[prices]", 'a table of tables, like [prices."model-name"]')
    for model, table in raw_prices.items():
        prices[model] = _parse_price(table, f"{where}: prices.{model}")

    return FileConfig(
        path=path,
        provider=opt_str(data, "provider"),
        model=opt_str(data, "model"),
        system=opt_str(data, "system"),
        params=params,
        stream=opt_bool("stream"),
        show_reasoning=opt_bool("reasoning"),
        timeout=opt_float("timeout"),
        connect_timeout=opt_float("connect_timeout"),
        providers=providers,
        prices=prices,
    )


def _parse_price(table: object, where: str) -> Price:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table with input and output prices")
    _reject_unknown(table, PRICE_KEYS, where, "")
    try:
        inp = float(table["input"])
        out = float(table["output"])
        cached = table.get("cached_input")
        cached_f = float(cached) if cached is not None else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: needs numbers input and output (per 1M tokens)", "e.g. input = 0.5"
        ) from exc
    currency = str(table.get("currency", "USD")).upper()
    return Price(input=inp, output=out, cached_input=cached_f, currency=currency, checked="config")


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


def build_registry(vars: Mapping[str, str], file_config: FileConfig) -> ProviderRegistry:
    """Presets adjusted by config and `<PREFIX>_BASE_URL`/`<PREFIX>_MODEL`, plus custom ones."""
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
            key_env=table.get("api_key_env") or _default_key_env(name, vars),
            env_prefix=env_prefix_for(name),
            default_model=default_model,
            models=models,
            builtin=False,
        )
        providers.append(_apply_overrides(custom, {}, vars))
    return ProviderRegistry(providers=tuple(providers), vars=vars)


def _default_key_env(name: str, vars: Mapping[str, str]) -> str | None:
    """A custom provider without `api_key_env` uses `<PREFIX>_API_KEY` if that is set,
    and no key at all otherwise (a local server)."""
    candidate = f"{env_prefix_for(name)}_API_KEY"
    return candidate if vars.get(candidate, "").strip() else None


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


def resolve_settings(flags: CliFlags, vars: Mapping[str, str], file_config: FileConfig) -> Settings:
    """Apply the precedence rules once: flags > environment (incl. .env) > config.toml > presets."""
    registry = build_registry(vars, file_config)
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
        provider = replace(provider, base_url=flags.base_url.rstrip("/"))

    choice = ModelChoice(provider, provider.default_model)
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
        prices=file_config.prices,
        switched_provider=choice.switched_provider,
    )
