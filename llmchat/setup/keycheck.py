"""Checks a pasted API key with one cheap request, before anything is saved.

`GET {base_url}/models` with the key costs nothing at every provider that has it; where
that endpoint is missing (404/405), one chat request for a single token decides instead.
Standard library only: the wizard must not wait half a second for the SDK, and the key
goes to this provider's own base URL and nowhere else.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Literal

CHECK_TIMEOUT = 10.0

Outcome = Literal["ok", "refused", "unreachable", "unknown"]


@dataclass(frozen=True)
class KeyCheck:
    """What the provider said about a key; `models` is its list when it sent one."""

    outcome: Outcome
    detail: str = ""
    models: tuple[str, ...] = ()


def _request(
    url: str, key: str, body: dict[str, object] | None, timeout: float
) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Accept", "application/json")
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read(2_000_000))
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _model_ids(payload: bytes) -> tuple[str, ...]:
    try:
        data = json.loads(payload)
    except ValueError:
        return ()
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return ()
    ids = (entry.get("id") for entry in entries if isinstance(entry, dict))
    return tuple(sorted(i for i in ids if isinstance(i, str) and i))


def check_key(base_url: str, key: str, model: str, timeout: float = CHECK_TIMEOUT) -> KeyCheck:
    """Ask the provider whether it accepts `key`. Never raises for network trouble."""
    base = base_url.rstrip("/")
    try:
        status, payload = _request(f"{base}/models", key, None, timeout)
        if status in (404, 405) and model:
            probe = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
            status, payload = _request(
                f"{base}/chat/completions", key, {**probe, "max_tokens": 1}, timeout
            )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return KeyCheck("unreachable", str(reason) or type(exc).__name__)
    if status in (401, 403):
        return KeyCheck("refused", f"HTTP {status}")
    if 200 <= status < 300:
        return KeyCheck("ok", models=_model_ids(payload))
    return KeyCheck("unknown", f"HTTP {status}")
