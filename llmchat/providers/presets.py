"""Built-in provider presets as plain data: where each API lives, its key, models, windows, prices.

No logic beyond lookups; config/resolve.py merges these with the environment and config.toml.
Prices are per 1M tokens in the provider's billing currency, checked on the date given;
a model without a price here shows "price unknown", never a made-up zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Price:
    """Cost per one million tokens. `cached_input` is the price of a prompt-cache hit."""

    input: float
    output: float
    cached_input: float | None = None
    currency: str = "USD"
    checked: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """What we know of one model: its context window (tokens) and its price, if known."""

    name: str
    context: int | None = None
    price: Price | None = None


@dataclass(frozen=True)
class Provider:
    """One OpenAI-compatible endpoint and how to authenticate against it.

    `env_prefix` names the variables that override it: `<PREFIX>_BASE_URL`
    (and `<PREFIX>_API_KEY` unless `key_env` says otherwise).
    `key_env` is None for local servers that need no key.
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


def _usd(inp: float, out: float, cached: float | None = None, checked: str = "2026-11") -> Price:
    return Price(input=inp, output=out, cached_input=cached, currency="USD", checked=checked)


def _cny(inp: float, out: float, cached: float | None = None, checked: str = "2026-11") -> Price:
    return Price(input=inp, output=out, cached_input=cached, currency="CNY", checked=checked)


_FREE_LOCAL = Price(input=0.0, output=0.0, cached_input=0.0, currency="USD", checked="local")

PRESETS: tuple[Provider, ...] = (
    Provider(
        name="openai",
        label="OpenAI",
        base_url="https://api.openai.com/v1",
        key_env="OPENAI_API_KEY",
        env_prefix="OPENAI",
        default_model="gpt-4o-mini",
        is_openai=True,
        models=(
            ModelInfo("gpt-4o-mini", 128_000, _usd(0.15, 0.60, 0.075)),
            ModelInfo("gpt-4o", 128_000, _usd(2.50, 10.00, 1.25)),
            ModelInfo("gpt-4.1", 1_047_576, _usd(2.00, 8.00, 0.50)),
            ModelInfo("gpt-4.1-mini", 1_047_576, _usd(0.40, 1.60, 0.10)),
            ModelInfo("gpt-4.1-nano", 1_047_576, _usd(0.10, 0.40, 0.025)),
            ModelInfo("gpt-5", 400_000, _usd(1.25, 10.00, 0.125)),
            ModelInfo("gpt-5-mini", 400_000, _usd(0.25, 2.00, 0.025)),
            ModelInfo("o3", 200_000, _usd(2.00, 8.00, 0.50)),
            ModelInfo("o4-mini", 200_000, _usd(1.10, 4.40, 0.275)),
        ),
    ),
    Provider(
        name="deepseek",
        label="DeepSeek",
        base_url="https://api.deepseek.com/v1",
        key_env="DEEPSEEK_API_KEY",
        env_prefix="DEEPSEEK",
        default_model="deepseek-chat",
        models=(
            ModelInfo("deepseek-chat", 128_000, _cny(2.00, 3.00, 0.20)),
            ModelInfo("deepseek-reasoner", 128_000, _cny(2.00, 3.00, 0.20)),
        ),
    ),
    Provider(
        name="qwen",
        label="Qwen (Alibaba DashScope)",
        base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
        key_env="DASHSCOPE_API_KEY",
        env_prefix="DASHSCOPE",
        default_model="qwen-plus",
        models=(
            ModelInfo("qwen-turbo", 1_000_000, _cny(0.30, 0.60)),
            ModelInfo("qwen-plus", 131_072, _cny(0.80, 2.00)),
            ModelInfo("qwen-max", 32_768, _cny(2.40, 9.60)),
        ),
    ),
    Provider(
        name="zhipu",
        label="Zhipu GLM (BigModel)",
        base_url="https://open.bigmodel.cn/api/paas/v4",
        key_env="ZHIPUAI_API_KEY",
        env_prefix="ZHIPUAI",
        default_model="glm-4-flash",
        models=(
            ModelInfo("glm-4-plus", 128_000, _cny(5.00, 5.00)),
            ModelInfo("glm-4-flash", 128_000, _cny(0.00, 0.00)),
        ),
    ),
    Provider(
        name="doubao",
        label="Doubao (Volcengine Ark)",
        base_url="https://ark.cn-beijing.volces.com/api/v3",
        key_env="ARK_API_KEY",
        env_prefix="ARK",
        default_model="doubao-1-5-pro-32k-250115",
        models=(
            ModelInfo("doubao-1-5-pro-32k-250115", 32_768, _cny(0.80, 2.00, 0.16)),
            ModelInfo("doubao-1-5-lite-32k-250115", 32_768, _cny(0.30, 0.60, 0.06)),
            ModelInfo("doubao-seed-1-6-250615", 256_000, _cny(0.80, 8.00, 0.16)),
        ),
    ),
    Provider(
        name="siliconflow",
        label="SiliconFlow",
        base_url="https://api.siliconflow.cn/v1",
        key_env="SILICONFLOW_API_KEY",
        env_prefix="SILICONFLOW",
        default_model="deepseek-ai/DeepSeek-V3",
        models=(
            ModelInfo("deepseek-ai/DeepSeek-V3", 128_000, _cny(2.00, 8.00)),
            ModelInfo("deepseek-ai/DeepSeek-R1", 128_000, _cny(4.00, 16.00)),
            ModelInfo("Qwen/Qwen2.5-72B-Instruct", 32_768, _cny(4.13, 4.13)),
            ModelInfo("Qwen/Qwen2.5-7B-Instruct", 32_768, _cny(0.00, 0.00)),
        ),
    ),
    Provider(
        name="yi",
        label="01.AI (Yi)",
        base_url="https://api.lingyiwanwu.com/v1",
        key_env="YI_API_KEY",
        env_prefix="YI",
        default_model="yi-lightning",
        models=(ModelInfo("yi-lightning", 16_384, _cny(0.99, 0.99)),),
    ),
    Provider(
        name="chatanywhere",
        label="ChatAnywhere (OpenAI relay)",
        base_url="https://api.chatanywhere.tech/v1",
        key_env="CHATANYWHERE_API_KEY",
        env_prefix="CHATANYWHERE",
        default_model="gpt-4o-mini",
        # Relay prices change often and are not published in a stable form: left unknown.
        models=(
            ModelInfo("gpt-4o-mini", 128_000),
            ModelInfo("gpt-4o", 128_000),
            ModelInfo("gpt-3.5-turbo", 16_385),
        ),
    ),
    Provider(
        name="huggingface",
        label="Hugging Face router",
        base_url="https://router.huggingface.co/v1",
        key_env="HF_TOKEN",
        env_prefix="HF",
        default_model="meta-llama/Llama-3.1-8B-Instruct",
        # Billed per inference provider behind the router: no single price to show.
        models=(
            ModelInfo("meta-llama/Llama-3.1-8B-Instruct", 128_000),
            ModelInfo("Qwen/Qwen2.5-72B-Instruct", 32_768),
            ModelInfo("deepseek-ai/DeepSeek-R1", 128_000),
        ),
    ),
    Provider(
        name="ollama",
        label="Ollama (local)",
        base_url="http://localhost:11434/v1",
        key_env=None,
        env_prefix="OLLAMA",
        default_model="llama3.2",
        local=True,
        models=(
            ModelInfo("llama3.2", 128_000, _FREE_LOCAL),
            ModelInfo("qwen2.5", 32_768, _FREE_LOCAL),
            ModelInfo("deepseek-r1", 128_000, _FREE_LOCAL),
        ),
    ),
    Provider(
        name="llamacpp",
        label="llama.cpp server (local)",
        base_url="http://localhost:8080/v1",
        key_env=None,
        env_prefix="LLAMACPP",
        default_model="default",
        local=True,
        models=(ModelInfo("default", None, _FREE_LOCAL),),
    ),
    Provider(
        name="vllm",
        label="vLLM server (local)",
        base_url="http://localhost:8000/v1",
        key_env=None,
        env_prefix="VLLM",
        default_model="",  # vLLM serves exactly the model it was started with: VLLM_MODEL
        local=True,
        models=(),
    ),
    Provider(
        name="lmstudio",
        label="LM Studio (local)",
        base_url="http://localhost:1234/v1",
        key_env=None,
        env_prefix="LMSTUDIO",
        default_model="",  # whatever model is loaded in the app: LMSTUDIO_MODEL, or its /models
        local=True,
        models=(),
    ),
)


def preset(name: str) -> Provider | None:
    for provider in PRESETS:
        if provider.name == name:
            return provider
    return None
