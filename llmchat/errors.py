"""One exception tree for everything a user can cause; the launcher maps it to exit codes.

Each error carries a one-line `message` (what went wrong) and a `hint` (the fix).
Nothing here imports `openai`: client.py translates SDK exceptions into these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class ErrorDisplay:
    """How the launcher shows an LLMChatError: one line, or (`--debug`) its traceback.

    Mutable on purpose: the launcher makes one before the command line is parsed, and
    Click turns `tracebacks` on when it parses the `--debug` option. Click, not a scan
    of argv, so `-s --debug` (a system prompt) and `-- --debug` (a question) stay text.
    A plain class, not a dataclass: `dataclasses` (and the `inspect` it loads) would be
    16 more modules on the `--version` path.
    """

    __slots__ = ("tracebacks",)

    def __init__(self) -> None:
        self.tracebacks = False


class LLMChatError(Exception):
    """Base of every error llmchat reports to the user in one line."""

    exit_code = EXIT_API

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(LLMChatError):
    """Settings that cannot work: a missing key, bad TOML, an unknown provider."""

    exit_code = EXIT_USAGE


class NoProviderError(ConfigError):
    """No provider was chosen and none has a key: the one case a fallback (a local
    server, the built-in model) may answer instead of this error."""


class UsageError(LLMChatError):
    """Bad input on the command line or in a slash-command."""

    exit_code = EXIT_USAGE


class ApiError(LLMChatError):
    """The API failed: the network, the server, or what it sent back."""

    exit_code = EXIT_API


class AuthError(ApiError):
    """401/403: the key is wrong, expired, or lacks access."""


class ModelNotFoundError(ApiError):
    """404: the model (or the endpoint) does not exist on that server."""


class RateLimitError(ApiError):
    """429 after the SDK's own retries."""


class ServerError(ApiError):
    """5xx after the SDK's own retries."""


class NetworkError(ApiError):
    """The server could not be reached, or dropped the connection."""


class ApiTimeoutError(ApiError):
    """No answer within the read timeout."""


class BadResponseError(ApiError):
    """The server answered, but not with a chat completion (HTML, bad JSON, no chunks)."""


class StreamCutError(ApiError):
    """The reply stopped mid-way; what arrived has been shown already."""


_KEY_PATTERN = re.compile(
    r"\b(?:"
    # Prefixes providers give their keys: OpenAI/Anthropic/DeepSeek, Hugging Face, Groq,
    # xAI, Google, GitHub, Perplexity, Replicate, NVIDIA.
    r"(?:sk|xai|pplx|nvapi)-[A-Za-z0-9_\-]{6,}|(?:hf|gsk|ghp|r8)_[A-Za-z0-9]{6,}"
    r"|AIza[A-Za-z0-9_\-]{20,}"
    r"|Bearer\s+[A-Za-z0-9._\-]{8,}"
    # Anything long that mixes upper case, lower case and digits is treated as a token:
    # words, paths, module names and hex digests never do all three at that length.
    r"|(?=[A-Za-z0-9._\-]*[A-Z])(?=[A-Za-z0-9._\-]*[a-z])(?=[A-Za-z0-9._\-]*[0-9])"
    r"[A-Za-z0-9._\-]{32,}"
    r")"
)


def mask_key(key: str | None) -> str:
    """A key shown as `sk-…9f2c`: enough to tell keys apart, useless to anyone who sees it."""
    if not key:
        return "(not set)"
    if len(key) < 12:
        return "…" + key[-2:]
    # Only a prefix every such key shares is safe to show; anything else is secret.
    prefix = key[:3] if key.startswith(("sk-", "hf_")) else ""
    return f"{prefix}…{key[-4:]}"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove every known secret and anything shaped like a key from `text`.

    Servers echo the key in 401 bodies; the SDK puts that body in its message.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask_key(secret))
    return _KEY_PATTERN.sub(lambda m: mask_key(m.group(0).split()[-1]), text)
