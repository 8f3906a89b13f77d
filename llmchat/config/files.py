"""Reading the outside world: config.toml and .env, checked and parsed into records.

A misspelt setting is an error here, not a silent no-op.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llmchat.config.models import parse_model_tables
from llmchat.config.records import CONFIG_FILE, PARAM_NAMES, FileConfig, Params
from llmchat.errors import ConfigError, UsageError
from llmchat.providers.presets import Price

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


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
    "connect_timeout", "providers", "prices", "models", "thinking",
)  # fmt: skip
PROVIDER_KEYS = (
    "base_url", "api_key_env", "default_model", "label", "models", "context", "api_key_cmd",
    "api_key_cmd_timeout", "proxy", "no_proxy", "ca_bundle", "verify", "timeout",
    "connect_timeout", "headers",
)  # fmt: skip
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
        _check_provider_extras(table, name)

    prices: dict[str, Price] = {}
    raw_prices = data.get("prices", {})
    if not isinstance(raw_prices, dict):
        raise bad("[prices]", 'a table of tables, like [prices."model-name"]')
    for model, table in raw_prices.items():
        prices[model] = _parse_price(table, f"{where}: prices.{model}")

    thinking = opt_str(data, "thinking")
    if thinking is not None:
        from llmchat.providers.dialects import parse_thinking

        try:
            thinking = parse_thinking(thinking)
        except UsageError as exc:
            raise ConfigError(f"{where}: thinking: {exc.message}", exc.hint) from exc
    return FileConfig(
        path=path,
        thinking=thinking,
        models=parse_model_tables(data.get("models", {}), where),
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


def _check_provider_extras(table: Mapping[str, Any], name: str) -> None:
    """Network settings and `api_key_cmd` are checked now, not when the first request goes."""
    from llmchat.keys.command import parse_key_command, parse_key_command_timeout
    from llmchat.wire.network import parse_network_table

    parse_network_table(table, name)
    if table.get("api_key_cmd") is not None:
        parse_key_command(table["api_key_cmd"], name)
    parse_key_command_timeout(table.get("api_key_cmd_timeout"), name)


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
