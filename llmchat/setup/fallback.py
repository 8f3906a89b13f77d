"""What answers when no provider is chosen and none has a key: a local server, else the
built-in model, else nothing (and the usual one-line error).

Asked only after that error (`with_fallback`), never on the way to a chat that has a
provider, so a configured llmchat pays nothing for it: the probe (well under 100 ms when
nothing listens) runs only for someone who has no key at all. One-shot mode says so in
one line on stderr; the REPL in its banner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from llmchat.config import CliFlags
from llmchat.environment import Environment
from llmchat.errors import NoProviderError

Opened = TypeVar("Opened")


@dataclass(frozen=True)
class Fallback:
    """The provider to use instead, and what to tell the user about it.

    `banner`: what the REPL's first line names (a second line may follow);
    `note`: one line for one-shot's stderr."""

    flags: CliFlags
    banner: str
    note: str

    def applied_to(self, flags: CliFlags) -> CliFlags:
        chosen = self.flags
        return replace(
            flags, provider=chosen.provider, base_url=chosen.base_url, model=chosen.model
        )


def can_fall_back(flags: CliFlags) -> bool:
    """Only a bare question falls back: a model or base URL that was asked for by name
    keeps its own error (no key for it) rather than quietly going elsewhere."""
    return flags.provider is None and flags.model is None and flags.base_url is None


def find_fallback(env: Environment) -> Fallback | None:
    """A local server that answers (Ollama, llama.cpp, vLLM, LM Studio), else the
    built-in model when the `[local]` extra is installed (and LLMCHAT_BUILTIN is not
    off), else None."""
    from llmchat.config import effective_vars
    from llmchat.setup import embedded
    from llmchat.setup.detect import detect_local

    vars = effective_vars(env)
    server = detect_local(vars)
    if server is not None:
        flags = CliFlags(
            provider=server.name,
            base_url=server.base_url,
            model=server.models[0] if server.models else None,
        )
        note = f"no API key set: using {server.banner()}"
        return Fallback(flags, banner=server.banner(), note=note)
    if embedded.may_fall_back(vars) and embedded.available():
        return Fallback(
            CliFlags(provider=embedded.LOCAL_PROVIDER.name),
            banner=f"{embedded.BANNER}\n{embedded.REPL_NOTE}",
            note=embedded.FALLBACK_NOTE,
        )
    return None


def with_fallback(
    env: Environment, flags: CliFlags, open_with: Callable[[CliFlags], Opened]
) -> tuple[Opened, CliFlags, Fallback | None]:
    """`open_with(flags)`; after the no-key error, `open_with` the fallback's flags.

    Returns what was opened, the flags it was opened with, and the fallback used (None:
    the flags as given worked). Without a fallback the error stands."""
    try:
        return open_with(flags), flags, None
    except NoProviderError:
        found = find_fallback(env) if can_fall_back(flags) else None
        if found is None:
            raise
    flags = found.applied_to(flags)
    return open_with(flags), flags, found
