"""`api_key_cmd`: ask a password manager for a provider's key, only when it is needed.

The command comes from config.toml (`api_key_cmd = "pass show deepseek"`). It is run
without a shell: a string is split like a shell would split words (shlex), a TOML array
is taken as the argument list. Pipes, `$VAR` and `~` are deliberately not interpreted —
the config line must mean exactly what it says; whoever needs a shell writes one:
`api_key_cmd = ["sh", "-c", "pass show deepseek | head -n1"]`.

The key is the first line of stdout, stripped (the `pass`/`gopass` convention: the
password is the entry's first line). stdin is closed (llmchat's stdin may be the
question), stderr is captured and never shown (it could echo the secret). A command
that runs past its timeout (`api_key_cmd_timeout`, 10 s by default) is killed with its
whole process group.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from llmchat.errors import ConfigError

DEFAULT_TIMEOUT = 10.0
_POSIX = sys.platform != "win32"


def parse_key_command(raw: object, provider: str) -> tuple[str, ...]:
    """The argument list for a config value: a string (shlex-split) or a list of strings."""
    where = f"api_key_cmd for {provider} in config.toml"
    if isinstance(raw, str):
        try:
            argv = shlex.split(raw, posix=_POSIX)
        except ValueError as exc:  # an unclosed quote
            raise ConfigError(
                f"{where} cannot be split into words: {exc}", "check its quotes"
            ) from None
    elif isinstance(raw, (list, tuple)) and all(isinstance(a, str) for a in raw):
        argv = list(raw)
    else:
        raise ConfigError(f"{where} must be a string or a list of strings", 'e.g. "pass show x"')
    if not argv or not argv[0]:
        raise ConfigError(f"{where} is empty", 'e.g. api_key_cmd = "pass show deepseek"')
    return tuple(argv)


def parse_key_command_timeout(raw: object, provider: str) -> float:
    """`api_key_cmd_timeout` (seconds): a password manager that asks for a PIN on a
    hardware token may need longer than the default; a stuck one should fail sooner."""
    if raw is None:
        return DEFAULT_TIMEOUT
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise ConfigError(
            f"api_key_cmd_timeout for {provider} in config.toml must be a positive number "
            "of seconds",
            f"e.g. api_key_cmd_timeout = 30 (the default is {DEFAULT_TIMEOUT:g})",
        )
    return float(raw)


def _program(argv: Sequence[str]) -> str:
    """The program's name only: its arguments might hold a secret (a token, a vault path)."""
    return Path(argv[0]).name or argv[0]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        if _POSIX:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()


def run_key_command(
    argv: Sequence[str],
    provider: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    """Run the command and return the key it prints; any failure is one ConfigError line."""
    program = _program(argv)
    what = f"the key command for {provider} ({program})"
    fix = f"run it yourself to see why, or change api_key_cmd for {provider} in config.toml"
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=_POSIX,  # its own process group, so a timeout kills its children too
            creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )
    except FileNotFoundError:
        raise ConfigError(
            f"{what} was not found", f"install {program} or fix api_key_cmd"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{what} could not start: {exc.strerror}", fix) from None
    try:
        out, _err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ConfigError(
            f"{what} gave no key within {timeout:g} s and was stopped",
            f"is it waiting for a password or a prompt? {fix}",
        ) from None
    except BaseException:  # Ctrl+C while waiting: leave no password manager behind
        _kill_group(proc)
        proc.wait()
        raise
    if proc.returncode != 0:
        status = (
            f"was killed by signal {-proc.returncode}"
            if proc.returncode < 0
            else f"failed with exit status {proc.returncode}"
        )
        raise ConfigError(f"{what} {status}", fix)
    lines = out.decode("utf-8", errors="replace").strip().splitlines()
    key = lines[0].strip() if lines else ""
    if not key:
        raise ConfigError(f"{what} printed nothing", fix)
    return key
