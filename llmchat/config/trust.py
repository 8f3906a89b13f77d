"""Trust for `.env` files (issue 18): a `.env` you did not write must not steer your key.

A `.env` is found by searching up the directory tree, so a cloned repository can plant
one. Its own key may go to its own URL (the tutorial layout), but a base URL from an
untrusted `.env` never receives a key from a trusted source (shell, flags, config.toml,
key store, key command). `llmchat trust PATH` records the file's path and the sha256 of
its content in the config dir (0600); an edited file must be trusted again, like
`direnv allow`. This module also says which variables a `.env` may set at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from llmchat.errors import ConfigError
from llmchat.keys.private_file import read_private, write_private_atomic

TRUST_FILE_NAME = "trusted-env-files.json"

# --- which variables a .env may set ---------------------------------------------

#: llmchat's own settings that are safe to take from a `.env` (besides per-provider ones).
_GLOBAL_DOTENV_VARS = frozenset(
    {
        "LLMCHAT_PROVIDER",
        "LLMCHAT_MODEL",
        "MODEL_NAME",
        "LLMCHAT_SYSTEM",
        "LLMCHAT_STREAM",
        "LLMCHAT_REASONING",
        "LLMCHAT_TIMEOUT",
        "LLMCHAT_CONNECT_TIMEOUT",
        "OLLAMA_HOST",
    }
)
#: Per-provider suffixes: `<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL`, `<PREFIX>_MODEL`.
_PROVIDER_SUFFIXES = ("_API_KEY", "_BASE_URL", "_MODEL")
#: Never from a `.env`, whatever the prefixes say: what Python, the SDK or TLS act on.
_NEVER = re.compile(
    r"^(?:.*_PROXY|SSL_.*|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|LLMCHAT_.*_DIR|PYTHON.*"
    r"|OPENAI_ORG_ID|OPENAI_PROJECT_ID|OPENAI_LOG|HOME|PATH|XDG_.*)$",
    re.IGNORECASE,
)
#: Variables naming where requests go: a value from an untrusted `.env` is gated.
BASE_URL_SUFFIX = "_BASE_URL"


def dotenv_var_allowed(
    name: str, prefixes: Iterable[str], extra_key_vars: Iterable[str] = ()
) -> bool:
    """Whether a `.env` may set `name`: llmchat's own variables only.

    `prefixes` are the providers' variable prefixes ("OPENAI", "DEEPSEEK", ...);
    `extra_key_vars` are key variables named in config.toml (`api_key_env`) or presets.
    """
    if _NEVER.match(name):
        return False
    if name in _GLOBAL_DOTENV_VARS or name in set(extra_key_vars):
        return True
    return any(name == f"{p}{suffix}" for p in prefixes for suffix in _PROVIDER_SUFFIXES)


def filter_dotenv(
    values: Mapping[str, str], prefixes: Iterable[str], extra_key_vars: Iterable[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """(kept, ignored names): the `.env` values llmchat reads, and the ones it ignores."""
    prefixes, extra = tuple(prefixes), tuple(extra_key_vars)
    kept = {k: v for k, v in values.items() if dotenv_var_allowed(k, prefixes, extra)}
    return kept, sorted(k for k in values if k not in kept)


# --- the trust store ------------------------------------------------------------


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class TrustedFile:
    path: Path
    sha256: str


@dataclass(frozen=True)
class TrustStore:
    """`.env` files the user allowed, by absolute path and content hash."""

    file: Path

    @classmethod
    def in_config_dir(cls, config_dir: Path) -> TrustStore:
        return cls(config_dir / TRUST_FILE_NAME)

    def _load(self) -> dict[str, str]:
        text = read_private(self.file, "trust file")
        if not text:
            return {}
        try:
            data = json.loads(text)["files"]
            if not isinstance(data, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f"trust file {self.file} is damaged",
                "remove it and trust your .env files again with `llmchat trust PATH`",
            ) from None
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, entries: Mapping[str, str]) -> None:
        text = json.dumps({"version": 1, "files": dict(sorted(entries.items()))}, indent=2)
        write_private_atomic(self.file, text + "\n")

    def trust(self, path: Path) -> TrustedFile:
        """Record `path` with its current content's hash (trusting it again after an edit)."""
        resolved = path.expanduser().resolve()
        try:
            digest = file_digest(resolved)
        except OSError as exc:
            raise ConfigError(f"cannot read {resolved}: {exc.strerror}", "check the path") from None
        entries = self._load()
        entries[str(resolved)] = digest
        self._save(entries)
        return TrustedFile(resolved, digest)

    def remove(self, path: Path) -> bool:
        entries = self._load()
        if entries.pop(str(path.expanduser().resolve()), None) is None:
            return False
        self._save(entries)
        return True

    def list(self) -> list[TrustedFile]:
        return [TrustedFile(Path(p), h) for p, h in sorted(self._load().items())]

    def is_trusted(self, path: Path) -> bool:
        """True only if this exact content was trusted: an edited file is untrusted again."""
        resolved = path.expanduser().resolve()
        recorded = self._load().get(str(resolved))
        if recorded is None:
            return False
        try:
            return file_digest(resolved) == recorded
        except OSError:
            return False


# --- may this request go? -------------------------------------------------------


@dataclass(frozen=True)
class UrlOrigin:
    """Where a provider's base URL came from."""

    label: str  # "preset", "config.toml", "shell", "flag", ".env at PATH (untrusted)"
    dotenv: Path | None = None
    trusted: bool = True
    variable: str | None = None  # "OPENAI_BASE_URL"


class UntrustedEnvError(ConfigError):
    """A base URL from an untrusted `.env` would receive a key it did not supply."""


def check_destination(
    provider: str,
    base_url: str,
    url_origin: UrlOrigin,
    key_dotenv: Path | None,
    key_label: str,
) -> UntrustedEnvError | None:
    """The error to raise (exit 2) if the key must not go to `base_url`, else None.

    Pure: the caller passes where the URL and the key came from. A key taken from the
    same `.env` as the URL goes there (its owner wrote both); any other key does not
    follow a URL from a `.env` that was not trusted.
    """
    if url_origin.trusted or url_origin.dotenv is None:
        return None
    if key_dotenv is not None and _same_file(key_dotenv, url_origin.dotenv):
        return None
    host = urlsplit(base_url).hostname or base_url
    variable = url_origin.variable or "the base URL"
    return UntrustedEnvError(
        f"{variable} in {url_origin.dotenv} (not trusted) would send your {provider} key "
        f"from the {key_label} to {host}; nothing was sent",
        f"if you wrote that file: llmchat trust {url_origin.dotenv}",
    )


def _same_file(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()
