"""The model catalog: every model llmchat knows, with the page and day it was read.

Plain data (sources, prices, windows, thinking dialect, JSON modes) plus the lookups the
rest of llmchat asks: which entry a model has, which alias renames it, what it can do.
Prose, sources and the doubtful points: docs/providers.md. Prices are per 1M tokens in
the currency the provider bills; None means "not confirmed on the provider's own page"
(shown as "price unknown", never a guessed zero). Checked 2026-11-29 (research branch
`catalog`); the DeepSeek names follow the maintainers' decision (deepseek-v4-flash).
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlparse

from llmchat.providers.dialects import (
    ALWAYS,
    DEEPSEEK_V4,
    DOUBAO,
    GLM,
    KIMI,
    NONE,
    OPENAI_EFFORT,
    OPENROUTER,
    QWEN_ALWAYS,
    QWEN_HYBRID,
)
from llmchat.providers.records import Alias, ModelInfo, Price, Provider

CHECKED = "2026-11-29"
JSON_OBJECT = "json_object"
JSON_SCHEMA = "json_schema"

DS = "https://api-docs.deepseek.com/quick_start/pricing"
DS_THINK = "https://api-docs.deepseek.com/guides/thinking_mode"
QW = "https://www.alibabacloud.com/help/en/model-studio/models"
ZP = "https://docs.bigmodel.cn/cn/guide/capabilities/thinking"
ARK = "https://www.volcengine.com/docs/82379/1330310"
KIMI_SRC = "https://platform.kimi.com/docs/pricing/chat-k26"
OAI = "https://developers.openai.com/api/docs/pricing"
OR = "https://openrouter.ai/docs/use-cases/reasoning-tokens"
SF = "https://siliconflow.cn/models"
HF = "https://huggingface.co/docs/inference-providers"

FREE_LOCAL = Price(input=0.0, output=0.0, cached_input=0.0, currency="USD", checked="local")


def _m(
    name: str,
    context: int | None,
    max_output: int | None,
    prices: tuple[float, float, float] | None,
    currency: str,
    source: str,
    *,
    thinking: str = NONE,
    efforts: tuple[str, ...] = (),
    default: bool | None = None,
    json: tuple[str, ...] = (),
    verified: bool = True,
    note: str = "",
) -> ModelInfo:
    """One entry; `prices` is (input, cached input, output), or None when unconfirmed."""
    price = None
    if prices is not None:
        inp, cached, out = prices
        price = Price(inp, out, cached, currency, CHECKED, source, note)
    return ModelInfo(
        name=name,
        context=context,
        price=price,
        max_output=max_output,
        thinking=thinking,
        efforts=efforts,
        default_thinking=default,
        json_modes=json,
        checked=CHECKED,
        source=source,
        verified=verified,
        note=note,
    )


_OBJ = (JSON_OBJECT,)
_BOTH = (JSON_OBJECT, JSON_SCHEMA)
_GPT5 = ("minimal", "low", "medium", "high")
_GPT54 = ("none", "low", "medium", "high", "xhigh")
_O_SERIES = ("low", "medium", "high")
_GLM52 = ("max", "xhigh", "high", "medium", "low", "minimal", "none")
# DeepSeek's `reasoning_effort` takes low|high|max (minimal->low, medium/xhigh->high,
# ultra->max on the server); issue 11 listed low|medium|high|max: the docs win.
# Source: DS_THINK (EN and zh-cn), re-checked 2026-11-29.
_DS_EFFORT = ("low", "high", "max")
_PEAK = "peak rate (Beijing weekday hours); off-peak is half"

_oai = partial(_m, currency="USD", source=OAI, json=_BOTH, verified=False)
_oai_r = partial(_oai, thinking=OPENAI_EFFORT, default=True)
_ds = partial(_m, currency="USD", source=DS, thinking=DEEPSEEK_V4, default=True, json=_OBJ)
_qw = partial(_m, currency="CNY", source=QW, thinking=QWEN_HYBRID, json=_BOTH, verified=False)
_zp = partial(_m, currency="CNY", source=ZP, thinking=GLM, default=True, json=_OBJ, verified=False)
_ark = partial(_m, currency="CNY", source=ARK, thinking=DOUBAO, json=_BOTH, verified=False)
_kimi = partial(_m, currency="CNY", source=KIMI_SRC, json=_OBJ, verified=False)
_other = partial(_m, verified=False)

# fmt: off
MODELS: dict[str, tuple[ModelInfo, ...]] = {
    "openai": (
        _oai("gpt-4o-mini", 128_000, 16_384, (0.15, 0.075, 0.60)),
        _oai("gpt-4o", 128_000, 16_384, (2.50, 1.25, 10.00)),
        _oai("gpt-4.1", 1_047_576, 32_768, (2.00, 0.50, 8.00)),
        _oai("gpt-4.1-mini", 1_047_576, 32_768, (0.40, 0.10, 1.60)),
        _oai("gpt-4.1-nano", 1_047_576, 32_768, (0.10, 0.025, 0.40)),
        _oai_r("gpt-5", 400_000, 128_000, (1.25, 0.125, 10.00), efforts=_GPT5),
        _oai_r("gpt-5-mini", 400_000, 128_000, (0.25, 0.025, 2.00), efforts=_GPT5),
        _oai_r("gpt-5.4", None, None, (2.50, 0.25, 15.00), efforts=_GPT54),
        _oai_r("gpt-5.4-mini", None, None, (0.75, 0.075, 4.50), efforts=_GPT54),
        _oai_r("o3", 200_000, 100_000, (2.00, 0.50, 8.00), efforts=_O_SERIES),
        _oai_r("o4-mini", 200_000, 100_000, (1.10, 0.275, 4.40), efforts=_O_SERIES),
    ),
    "deepseek": (
        # The pricing page (re-checked 2026-11-29, EN and zh-cn) names V4.1-Flash-1017
        # "deepseek-flash" and still accepts the legacy deepseek-v4-flash and
        # deepseek-v4-flash-vision-exp, served by V4.1-Flash at Flash prices. llmchat's
        # default stays deepseek-v4-flash (the maintainers' clarification wins).
        _ds("deepseek-v4-flash", 1_000_000, 384_000, (0.30, 0.006, 1.20), efforts=_DS_EFFORT,
            note=_PEAK),
        _ds("deepseek-flash", 1_000_000, 384_000, (0.30, 0.006, 1.20), efforts=_DS_EFFORT,
            note=_PEAK),
        _ds("deepseek-v4-pro", 1_000_000, 384_000, (1.32, 0.044, 3.96), efforts=_DS_EFFORT,
            note=_PEAK),
        _ds("deepseek-v4-flash-vision-exp", 1_000_000, 384_000, (0.30, 0.006, 1.20),
            efforts=_DS_EFFORT, note=f"legacy name, served by V4.1-Flash; {_PEAK}"),
    ),
    "qwen": (
        _qw("qwen-plus", 1_000_000, 32_768, None, default=False),
        _qw("qwen-turbo", 131_072, 16_384, None, default=False, verified=True,
            source="https://www.alibabacloud.com/help/en/model-studio/qwen-turbo"),
        _qw("qwen-flash", 1_000_000, 32_768, None, default=False),
        _qw("qwen3.7-max", None, None, None, source="https://help.aliyun.com/zh/model-studio/models"),
        _qw("qwen3.8-flash", 991_000, 128_000, None),
        _qw("qwq-plus", None, None, None, thinking=QWEN_ALWAYS, default=True, json=()),
    ),
    "zhipu": (
        _zp("glm-5.2", None, None, None, efforts=_GLM52),
        _zp("glm-5.1", 200_000, 131_072, None),
        _zp("glm-5", 200_000, 131_072, None),
        _zp("glm-4.7", 200_000, None, None, thinking=ALWAYS),
        _zp("glm-4.6", 200_000, None, None),
        _zp("glm-4.5", 128_000, 96_000, None),
    ),
    "doubao": (
        _ark("doubao-seed-1-6-250615", 256_000, 16_000, None, default=True),
        _ark("doubao-seed-1-6-thinking-250615", 256_000, 16_000, None, thinking=ALWAYS,
             default=True, json=()),
        _ark("doubao-seed-1-8-251228", 256_000, None, None,
             efforts=("minimal", "low", "medium", "high")),
    ),
    "moonshot": (
        _kimi("kimi-k2.6", 262_144, None, None, thinking=KIMI, verified=True),
        _kimi("kimi-k2.5", 262_144, None, None, thinking=KIMI, default=True),
        _kimi("kimi-k2.7-code", 262_144, None, None, thinking=ALWAYS, default=True),
        _kimi("kimi-k2.7-code-highspeed", 262_144, None, None, thinking=ALWAYS, default=True),
        _kimi("kimi-k3", None, None, None, thinking=ALWAYS, default=True, json=()),
    ),
    "openrouter": (
        _other("openrouter/auto", None, None, None, "USD", OR, thinking=OPENROUTER,
               efforts=("xhigh", "high", "medium", "low", "minimal", "none")),
    ),
    "siliconflow": (
        _other("deepseek-ai/DeepSeek-V3", 128_000, None, None, "CNY", SF, json=_OBJ),
        _other("Qwen/Qwen3-235B-A22B", 131_072, None, None, "CNY", SF, thinking=QWEN_HYBRID,
               json=_OBJ),
    ),
    "yi": (_other("yi-lightning", 16_384, None, None, "CNY", "https://platform.01.ai/docs"),),
    "chatanywhere": (
        _other("gpt-4o-mini", 128_000, 16_384, None, "CNY", "https://api.chatanywhere.tech"),
        _other("gpt-4o", 128_000, 16_384, None, "CNY", "https://api.chatanywhere.tech"),
    ),
    "huggingface": (
        _other("deepseek-ai/DeepSeek-R1", 128_000, None, None, "USD", HF, thinking=ALWAYS,
               default=True),
        _other("meta-llama/Llama-3.1-8B-Instruct", 128_000, None, None, "USD", HF),
    ),
}
# fmt: on

_RETIRED = "retired 2026-07-24"
_KIMI_GONE = "discontinued 2026-05-25"
ALIASES: tuple[Alias, ...] = (
    Alias("deepseek", "api.deepseek.com", "deepseek-chat", "deepseek-v4-flash", False, _RETIRED),
    Alias("deepseek", "api.deepseek.com", "deepseek-reasoner", "deepseek-v4-flash", True, _RETIRED),
    Alias("moonshot", "api.moonshot.cn", "kimi-k2-0905-preview", "kimi-k2.6", False, _KIMI_GONE),
    Alias("moonshot", "api.moonshot.cn", "kimi-k2-0711-preview", "kimi-k2.6", False, _KIMI_GONE),
    Alias("moonshot", "api.moonshot.cn", "kimi-k2-turbo-preview", "kimi-k2.6", False, _KIMI_GONE),
    Alias("moonshot", "api.moonshot.cn", "kimi-k2-thinking", "kimi-k2.6", True, _KIMI_GONE),
    Alias("moonshot", "api.moonshot.cn", "kimi-k2-thinking-turbo", "kimi-k2.6", True, _KIMI_GONE),
    Alias("moonshot", "api.moonshot.cn", "kimi-latest", "kimi-k2.6", None, _KIMI_GONE),
)
_ALIAS_HOSTS = {"api.moonshot.cn": ("api.moonshot.cn", "api.moonshot.ai")}


def alias_for(provider: Provider, model: str) -> Alias | None:
    """The alias that renames `model` for `provider`: its own preset (whatever base URL
    the user gave it) or any provider pointed at that service's host; never a relay."""
    host = (urlparse(provider.base_url).hostname or "").lower()
    for alias in ALIASES:
        if alias.old != model:
            continue
        own_preset = provider.builtin and provider.name == alias.provider
        if own_preset or host in _ALIAS_HOSTS.get(alias.host, (alias.host,)):
            return alias
    return None


def aliases_of(provider: Provider) -> list[str]:
    """Old names completion should still offer on `provider`."""
    return [a.old for a in ALIASES if alias_for(provider, a.old) is not None]


def find_model(provider: Provider, model: str) -> ModelInfo | None:
    """`model`'s entry: the provider's own, else the first catalog entry of that name
    (the tutorial .env points OPENAI_BASE_URL at DeepSeek and names its model)."""
    info = provider.model_info(model)
    if info is not None:
        return info
    for entries in MODELS.values():
        for entry in entries:
            if entry.name == model:
                return entry
    return None


def supports_json_object(provider: Provider, model: str) -> bool | None:
    """Whether `response_format: {"type": "json_object"}` is accepted; None: unknown."""
    info = find_model(provider, model)
    return None if info is None or not info.checked else JSON_OBJECT in info.json_modes


def supports_json_schema(provider: Provider, model: str) -> bool | None:
    """Whether `response_format: {"type": "json_schema", ...}` is accepted; None: unknown."""
    info = find_model(provider, model)
    return None if info is None or not info.checked else JSON_SCHEMA in info.json_modes
