"""Configuration records: what the user asked for and what was resolved, typed and frozen.

Everything from the outside world is parsed into these before the rest of llmchat
sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchat.config.models import ModelTable
from llmchat.errors import UsageError
from llmchat.providers.presets import Price, Provider
from llmchat.providers.records import Alias

if TYPE_CHECKING:
    from llmchat.config.registry import ProviderRegistry

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
    thinking: str | None = None  # on | off | low | medium | high | max
    #: `--json`; a `--schema` (already parsed) implies JSON too.
    json: bool | None = None
    schema: Mapping[str, Any] | None = field(default=None, hash=False)
    #: `--stop SEQ` (repeatable); empty means "not given".
    stop: tuple[str, ...] = ()
    seed: int | None = None
    #: `--api-key-env NAME`: the chosen provider's key is in variable NAME, this run only.
    api_key_env: str | None = None
    #: `--proxy URL`: every request of this run goes through that proxy.
    proxy: str | None = None
    #: `--env-file PATH`: read this `.env` (trusted: the user named it) instead of searching.
    env_file: Path | None = None


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
    models: Mapping[str, ModelTable] = field(default_factory=dict)
    thinking: str | None = None


@dataclass(frozen=True)
class ModelChoice:
    """The outcome of resolving a model name: which provider serves it, and why.

    `alias` is set when an old name was renamed (it may force thinking on or off);
    `asked` is the name the user typed."""

    provider: Provider
    model: str
    switched_provider: bool = False
    alias: Alias | None = None
    asked: str = ""


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
    thinking: str | None = None
    alias: Alias | None = None
