"""`llmchat trust [PATH] [--list] [--remove]`: allow a `.env` to point your keys elsewhere.

Like `direnv allow`: the file's path and the sha256 of its content are recorded;
an edited file is untrusted again until trusted anew.
"""

from __future__ import annotations

from pathlib import Path

from llmchat.config.origins import find_dotenv_upward
from llmchat.config.trust import TrustStore, file_digest
from llmchat.environment import Environment
from llmchat.errors import ConfigError


def _target(path: Path | None) -> Path:
    if path is not None:
        return path.expanduser().resolve()
    found = find_dotenv_upward(Path.cwd())
    if found is None:
        raise ConfigError(
            "no .env in this directory or any above it", "name one: llmchat trust PATH"
        )
    return found.resolve()


def run_trust(env: Environment, path: Path | None, *, list_: bool, remove: bool) -> None:
    store = TrustStore.in_config_dir(env.config_dir)
    if list_:
        entries = store.list()
        if not entries:
            env.stdout.write("no trusted .env files\n")
        for entry in entries:
            try:
                state = "" if file_digest(entry.path) == entry.sha256 else "  (changed since)"
            except OSError:
                state = "  (missing)"
            env.stdout.write(f"{entry.path}  sha256:{entry.sha256[:12]}{state}\n")
        return
    target = _target(path)
    if remove:
        if not store.remove(target):
            raise ConfigError(f"{target} was not trusted", "see `llmchat trust --list`")
        env.stdout.write(f"no longer trusted: {target}\n")
        return
    trusted = store.trust(target)
    env.stdout.write(
        f"trusted {trusted.path} (sha256:{trusted.sha256[:12]}); trust it again after editing it\n"
    )
