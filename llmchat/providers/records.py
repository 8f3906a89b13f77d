"""The records provider knowledge is made of: prices, models, providers, aliases.

Plain frozen data, no logic beyond lookups: the catalog (catalog.py) and the presets
(presets.py) are built from these, and config.toml's `[models."name"]` tables are read
into the same records, so a user's entry and a built-in one behave alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NO_THINKING = "none"  # the dialect family of a model with no thinking switch


@dataclass(frozen=True)
class Price:
    """Cost per one million tokens. `cached_input` is the price of a prompt-cache hit.

    `checked` is the ISO date the price was read from `source` ("config" for a price
    from config.toml, "local" for a local server that costs nothing).
    """

    input: float
    output: float
    cached_input: float | None = None
    currency: str = "USD"
    checked: str = ""
    source: str = ""
    note: str = ""

    @property
    def free_local(self) -> bool:
        return self.checked == "local"


@dataclass(frozen=True)
class ModelInfo:
    """What we know of one model as its provider describes it.

    `thinking` names the dialect family that switches its thinking (dialects.py);
    `efforts` the effort levels it accepts, in the provider's own words;
    `default_thinking` whether it thinks when nothing is sent (None: no switch, or not
    confirmed); `json_modes` the `response_format` types it accepts; `verified` is False
    when the only source was third-party (a relay, an aggregator, a blog).
    `thinking_budget`: the token cap sent with "thinking on" to a model whose dialect
    takes one (Qwen's `thinking_budget`); None lets the server use the model's maximum.
    """

    name: str
    context: int | None = None
    price: Price | None = None
    max_output: int | None = None
    thinking: str = NO_THINKING
    efforts: tuple[str, ...] = ()
    default_thinking: bool | None = None
    json_modes: tuple[str, ...] = ()
    checked: str = ""
    source: str = ""
    verified: bool = True
    note: str = ""
    extra_body: tuple[tuple[str, object], ...] = ()
    thinking_budget: int | None = None


@dataclass(frozen=True)
class Provider:
    """One OpenAI-compatible endpoint and how to authenticate against it.

    `env_prefix` names the variables that override it: `<PREFIX>_BASE_URL`
    (and `<PREFIX>_API_KEY` unless `key_env` says otherwise).
    `key_env` is None for local servers that need no key. `thinking` is the dialect
    family of a model this provider serves that the catalog does not list; `json_modes`
    likewise its `response_format` types. `json_word`: JSON mode is refused unless the
    messages say "json" (OpenAI, DeepSeek, Qwen). `multiple_choices`: `n` > 1 is served.
    """

    name: str
    label: str
    base_url: str
    key_env: str | None
    env_prefix: str
    default_model: str
    models: tuple[ModelInfo, ...] = ()
    is_openai: bool = False
    local: bool = False
    builtin: bool = True
    custom_url: bool = False
    extra_key_envs: tuple[str, ...] = field(default=())
    thinking: str = NO_THINKING
    json_modes: tuple[str, ...] = ("json_object",)
    json_word: bool = True
    multiple_choices: bool = False
    checked: str = ""
    source: str = ""
    other_base_urls: tuple[tuple[str, str], ...] = ()  # (region, url)

    @property
    def needs_key(self) -> bool:
        return self.key_env is not None

    def model_names(self) -> list[str]:
        return [m.name for m in self.models]

    def model_info(self, model: str) -> ModelInfo | None:
        for info in self.models:
            if info.name == model:
                return info
        return None


@dataclass(frozen=True)
class Alias:
    """An old or retired name that keeps working on its provider's own service.

    It applies to the preset called `provider` (whatever its base URL: a relay the user
    chose, a test server) and to any provider whose base URL host is `host`; never to
    another host that still serves the old name. `thinking`: force it on/off, or None.
    """

    provider: str
    host: str
    old: str
    new: str
    thinking: bool | None
    note: str

    def says(self) -> str:
        """The one dim line shown the first time the alias is used."""
        how = {True: " with thinking", False: " without thinking", None: ""}[self.thinking]
        return f"{self.old} is now {self.new}{how}"
