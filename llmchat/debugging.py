"""What `--debug` (and an unexpected crash) prints: the traceback, with every secret removed.

A 401 body often repeats the key, the SDK puts the body in its exception's message, and
our error is raised `from` that exception: a plain traceback would print the key whole.
So the whole chain is formatted as text first and only then written, redacted. Loaded
only when something failed: nothing here is on the start-up path.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from llmchat.errors import redact

#: Environment variables whose values are secrets by their name.
_SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD")


def known_secrets(vars: Mapping[str, str], config_dir: Path | None = None) -> list[str]:
    """Every secret llmchat may have used: key-like variables (.env too) and saved keys.

    Reading them must never fail: this runs while reporting another failure.
    """
    found = {v for k, v in vars.items() if v and any(p in k.upper() for p in _SECRET_NAME_PARTS)}
    try:
        from llmchat.config.files import load_dotenv_vars

        dotenv = load_dotenv_vars()
        found |= {v for k, v in dotenv.items() if any(p in k.upper() for p in _SECRET_NAME_PARTS)}
    except Exception:  # a broken .env must not hide the real error
        pass
    if config_dir is not None:
        try:
            from llmchat.setup.saving import read_keys

            found |= set(read_keys(config_dir).values())
        except Exception:  # nor must an unreadable key store
            pass
    # Longest first, so a key that contains another is replaced whole.
    return sorted((s for s in found if len(s) >= 8), key=len, reverse=True)


def redacted_traceback(exc: BaseException, secrets: list[str]) -> str:
    """The exception and everything chained to it (`from`, or during handling), redacted."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return redact(text, secrets)


def print_traceback(exc: BaseException, stream: TextIO) -> None:
    from llmchat.environment import Environment, process_vars

    env = Environment.from_process()
    stream.write(redacted_traceback(exc, known_secrets(process_vars(), env.config_dir)))
    stream.flush()
