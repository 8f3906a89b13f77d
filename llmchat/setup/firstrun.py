"""What a bare `llmchat` on a terminal does when nothing is usable yet.

A local server that answers is used at once (and named in the banner), else the
built-in model when the `[local]` extra is installed (setup/fallback.py); otherwise
the setup wizard runs, and the chat opens with what it saved. Only the launcher's bare-REPL
path calls this: one-shot use and pipes take the same fallback (`with_fallback`) only
after the no-key error, never the wizard; `--version` and `--help` never wait for a probe.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmchat.config import CliFlags
from llmchat.environment import Environment


@dataclass(frozen=True)
class FirstRun:
    """How the REPL should start: its flags, and the banner line to show (None: the usual)."""

    flags: CliFlags
    banner: str | None = None
    exit_code: int | None = None  # set when the user left the setup: don't open a chat


def nothing_usable(env: Environment) -> bool:
    """No provider chosen anywhere and no hosted provider with a key: a first run."""
    from llmchat.config import effective_vars, load_registry

    registry, file_config = load_registry(env)
    vars = effective_vars(env)
    chosen = ("LLMCHAT_PROVIDER", "LLMCHAT_MODEL", "MODEL_NAME")
    if file_config.provider or any(vars.get(name, "").strip() for name in chosen):
        return False
    return not any(registry.usable(p) for p in registry.providers if p.needs_key)


def first_run(env: Environment) -> FirstRun | None:
    """None when this is not a first run; else how to start (or the setup's exit code)."""
    if not nothing_usable(env):
        return None
    from llmchat.setup.fallback import find_fallback

    found = find_fallback(env)
    if found is not None:
        return FirstRun(found.flags, banner=found.banner)
    from llmchat.setup.wizard import run_setup

    code, result = run_setup(env)
    if result is None:
        return FirstRun(CliFlags(), exit_code=code)
    return FirstRun(CliFlags(), banner=banner_for(result.provider, result.model))


def banner_for(provider: str, model: str) -> str | None:
    """The embedded model's honest banner; None for everything else (the usual one)."""
    from llmchat.setup import embedded

    return embedded.BANNER if provider == embedded.LOCAL_PROVIDER.name else None
