"""What a bare `llmchat` on a terminal does when nothing is usable yet.

A local server that answers is used at once (and named in the banner); otherwise the
setup wizard runs, and the chat opens with what it saved. Only the launcher's bare-REPL
path calls this: one-shot use, pipes, `--version` and `--help` never get here, so they
keep today's one-line error and never wait for a probe.
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
    from llmchat.config import effective_vars
    from llmchat.setup.detect import detect_local

    server = detect_local(effective_vars(env))
    if server is not None:
        flags = CliFlags(
            provider=server.name,
            base_url=server.base_url,
            model=server.models[0] if server.models else None,
        )
        return FirstRun(flags, banner=server.banner())
    from llmchat.setup.wizard import run_setup

    code, result = run_setup(env)
    if result is None:
        return FirstRun(CliFlags(), exit_code=code)
    return FirstRun(CliFlags(), banner=banner_for(result.provider, result.model))


def banner_for(provider: str, model: str) -> str | None:
    """The embedded model's honest banner; None for everything else (the usual one)."""
    from llmchat.setup import embedded

    return embedded.BANNER if provider == embedded.LOCAL_PROVIDER.name else None
