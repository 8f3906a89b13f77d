"""What a shell offers on Tab: `llmchat __complete KIND [PROVIDER]` prints the candidates.

The completion scripts (cli/completion_scripts.py) hold the subcommands and flags
themselves and call this only for values that change: provider names (config.toml adds
some), model names (the catalog and what servers listed, cached by `/model` and
`llmchat models`), saved chat IDs. The launcher routes `__complete` here before Typer,
and nothing here asks a server: a Tab must answer in milliseconds. Any failure prints
nothing (a shell prints our errors in the middle of the command line).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from llmchat.environment import Environment

KINDS = ("providers", "models", "chats", "shells")
SHELLS = ("bash", "zsh", "fish")


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


def provider_names(env: Environment) -> list[str]:
    from llmchat.config import load_registry

    registry, _ = load_registry(env)
    return registry.names()


def model_names(env: Environment, provider_name: str | None) -> list[str]:
    """One provider's models bare; without one, every model bare and as PROVIDER/MODEL.

    What a server listed comes first: it is what that server really serves.
    """
    from llmchat.config import load_registry
    from llmchat.engine.served_models import all_cached_names

    registry, _ = load_registry(env)
    cached = all_cached_names(env.data_dir)
    if provider_name:
        provider = registry.get(provider_name)
        return _unique([*cached.get(provider.name, []), *provider.model_names()])
    bare: list[str] = []
    prefixed: list[str] = []
    for provider in registry.providers:
        names = _unique([*cached.get(provider.name, []), *provider.model_names()])
        bare += names
        prefixed += [f"{provider.name}/{name}" for name in names]
    return _unique([*bare, *prefixed])


def chat_ids(env: Environment) -> list[str]:
    from llmchat.store import store_for

    return store_for(env).ids()


def candidates(kind: str, args: list[str], env: Environment) -> list[str]:
    if kind == "providers":
        return provider_names(env)
    if kind == "models":
        return model_names(env, args[0] if args and args[0] else None)
    if kind == "chats":
        return chat_ids(env)
    if kind == "shells":
        return list(SHELLS)
    return []


def run_complete(args: list[str], stdout: TextIO | None = None) -> int:
    """`llmchat __complete KIND [ARG]`: candidates one a line; always exit 0."""
    out = stdout or sys.stdout
    try:
        names = candidates(args[0] if args else "", args[1:], Environment.from_process())
    except Exception:  # a broken config.toml must not break the user's shell
        return 0
    for name in names:
        out.write(name + "\n")
    return 0
