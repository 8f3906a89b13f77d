"""Built-in presets: where each provider's API lives, its key, default model and dialect.

Data only; the models come from catalog.py (one source of truth), config/resolve.py
merges these with the user's environment and config.toml. Checked 2026-11-29; sources
and doubts in docs/providers.md.
"""

from __future__ import annotations

from functools import partial

from llmchat.providers import catalog as c
from llmchat.providers.dialects import DEEPSEEK_V4, DOUBAO, GLM, KIMI, OPENROUTER, QWEN_HYBRID
from llmchat.providers.records import ModelInfo, Price, Provider

__all__ = ["PRESETS", "ModelInfo", "Price", "Provider", "preset"]

_P = partial(Provider, checked=c.CHECKED)
_BOTH = (c.JSON_OBJECT, c.JSON_SCHEMA)
# Structured output (catalog entries say it per model; these cover the rest): Ollama,
# llama.cpp and vLLM constrain output to a schema and need no "json" word.
_LOCAL = partial(_P, local=True, json_modes=_BOTH, json_word=False)
_QWEN_REGIONS = (
    ("singapore", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"),
    ("us-virginia", "https://dashscope-us.aliyuncs.com/compatible-mode/v1"),
    ("hong-kong", "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1"),
)


def _local(*names: str) -> tuple[ModelInfo, ...]:
    return tuple(ModelInfo(name, price=c.FREE_LOCAL) for name in names)


PRESETS: tuple[Provider, ...] = (
    _P("openai", "OpenAI", "https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI",
       "gpt-4o-mini", c.MODELS["openai"], is_openai=True, source=c.OAI,
       json_modes=_BOTH, multiple_choices=True),
    _P("deepseek", "DeepSeek", "https://api.deepseek.com", "DEEPSEEK_API_KEY", "DEEPSEEK",
       "deepseek-v4-flash", c.MODELS["deepseek"], thinking=DEEPSEEK_V4, source=c.DS),
    _P("qwen", "Qwen (Alibaba Model Studio)", "https://dashscope.aliyuncs.com/compatible-mode/v1",
       "DASHSCOPE_API_KEY", "DASHSCOPE", "qwen-plus", c.MODELS["qwen"], thinking=QWEN_HYBRID,
       source="https://www.alibabacloud.com/help/doc-detail/2833609.html",
       other_base_urls=_QWEN_REGIONS),
    _P("zhipu", "Zhipu GLM (BigModel)", "https://open.bigmodel.cn/api/paas/v4", "ZHIPUAI_API_KEY",
       "ZHIPUAI", "glm-5.1", c.MODELS["zhipu"], thinking=GLM, source=c.ZP, json_word=False,
       other_base_urls=(("international", "https://api.z.ai/api/paas/v4"),)),
    # Doubao accounts often call endpoint IDs (ep-...): they pass through untouched and
    # get a price and window from a [models."ep-..."] table in config.toml.
    _P("doubao", "Doubao (Volcengine Ark)", "https://ark.cn-beijing.volces.com/api/v3",
       "ARK_API_KEY", "ARK", "doubao-seed-1-6-250615", c.MODELS["doubao"], thinking=DOUBAO,
       source=c.ARK, json_modes=_BOTH, json_word=False),
    _P("moonshot", "Kimi (Moonshot)", "https://api.moonshot.cn/v1", "MOONSHOT_API_KEY",
       "MOONSHOT", "kimi-k2.6", c.MODELS["moonshot"], thinking=KIMI, source=c.KIMI_SRC,
       other_base_urls=(("international", "https://api.moonshot.ai/v1"),)),
    _P("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
       "OPENROUTER", "openrouter/auto", c.MODELS["openrouter"], thinking=OPENROUTER,
       source=c.OR),
    _P("siliconflow", "SiliconFlow", "https://api.siliconflow.cn/v1", "SILICONFLOW_API_KEY",
       "SILICONFLOW", "deepseek-ai/DeepSeek-V3", c.MODELS["siliconflow"], source=c.SF,
       json_word=False,
       other_base_urls=(("international", "https://api.siliconflow.com/v1"),)),
    _P("yi", "01.AI (Yi)", "https://api.lingyiwanwu.com/v1", "YI_API_KEY", "YI",
       "yi-lightning", c.MODELS["yi"], source="https://platform.01.ai/docs"),
    _P("chatanywhere", "ChatAnywhere (OpenAI relay)", "https://api.chatanywhere.tech/v1",
       "CHATANYWHERE_API_KEY", "CHATANYWHERE", "gpt-4o-mini", c.MODELS["chatanywhere"],
       source="https://api.chatanywhere.tech"),
    _P("huggingface", "Hugging Face router", "https://router.huggingface.co/v1", "HF_TOKEN",
       "HF", "meta-llama/Llama-3.1-8B-Instruct", c.MODELS["huggingface"], source=c.HF),
    _LOCAL("ollama", "Ollama (local)", "http://localhost:11434/v1", None, "OLLAMA", "llama3.2",
           _local("llama3.2", "qwen2.5", "deepseek-r1"),
           source="https://ollama.com/blog/thinking"),
    _LOCAL("llamacpp", "llama.cpp server (local)", "http://localhost:8080/v1", None, "LLAMACPP",
           "default", _local("default"), multiple_choices=True,
           source="https://github.com/ggml-org/llama.cpp"),
    # vLLM serves exactly the model it was started with: VLLM_MODEL.
    _LOCAL("vllm", "vLLM server (local)", "http://localhost:8000/v1", None, "VLLM", "", (),
           multiple_choices=True, source="https://docs.vllm.ai"),
    # Whatever model is loaded in the app: LMSTUDIO_MODEL, or its /models.
    _P("lmstudio", "LM Studio (local)", "http://localhost:1234/v1", None, "LMSTUDIO", "", (),
       local=True, source="https://lmstudio.ai/docs"),
)  # fmt: skip


def preset(name: str) -> Provider | None:
    for provider in PRESETS:
        if provider.name == name:
            return provider
    return None
