"""What a failed request really cost: attempts, seconds waited, the server's Retry-After.

The SDK retries timeouts, refused connections, 429 and 5xx twice (three attempts),
and does not retry a 429 whose Retry-After is over two minutes. An error that says "no
answer within 1 s" after five seconds and three attempts, or "after retries" after one
request, is not true; these helpers (and the words) let client.py say what happened.
They read the SDK exception's request and response by attribute only: no `openai` here.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from llmchat.errors import RateLimitError

if TYPE_CHECKING:
    from llmchat.providers.records import Provider

#: Header the SDK puts on each attempt: how many retries came before it.
_RETRY_COUNT_HEADER = "x-stainless-retry-count"


@dataclass(frozen=True)
class Attempts:
    """How a request that failed was tried."""

    count: int  # requests sent, retries included
    waited: float  # seconds from the first attempt to the error
    retry_after: float | None = None  # what the server asked for, in seconds

    def summary(self) -> str:
        """ "3 attempts over 5.2 s", "1 request": for the error line's parenthesis."""
        if self.count <= 1:
            return "1 request" if self.waited < 1 else f"1 request, {duration(self.waited)}"
        return f"{self.count} attempts over {duration(self.waited)}"


def duration(seconds: float) -> str:
    """A wait as a person reads it: 0.4 s, 5.2 s, 45 s, 5 min, 2 h."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def _headers(obj: Any) -> Mapping[str, str]:
    headers = getattr(obj, "headers", None)
    return headers if headers is not None else {}


def attempt_count(exc: Any) -> int:
    """Attempts made, from the last request's retry-count header (1 when unknown)."""
    request = getattr(exc, "request", None)
    if request is None:
        response = getattr(exc, "response", None)
        request = getattr(response, "request", None) if response is not None else None
    try:
        return int(_headers(request).get(_RETRY_COUNT_HEADER, "0")) + 1
    except (TypeError, ValueError, RuntimeError):
        return 1


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The server's Retry-After (or retry-after-ms) in seconds: a number or an HTTP date."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


def attempts_of(exc: Any, started: float) -> Attempts:
    """The attempts behind `exc`, an SDK error, for a request begun at `started` (monotonic)."""
    response = getattr(exc, "response", None)
    return Attempts(
        count=attempt_count(exc),
        waited=max(0.0, time.monotonic() - started),
        retry_after=retry_after(_headers(response)) if response is not None else None,
    )


def no_answer_message(who: str, tried: Attempts, read_timeout: float) -> str:
    """A timeout before any reply: one attempt, or all of them and the time they took."""
    read = f"{read_timeout:g} s"
    if tried.count <= 1:
        return f"no answer from {who} within {read}"
    waited = duration(tried.waited)
    return f"no answer from {who}: {tried.count} attempts of {read} each, {waited} in all"


def rate_limited_error(who: str, tried: Attempts, said: str) -> RateLimitError:
    """429: the attempts made and, when the server said, how long it asks to wait."""
    wait = tried.retry_after
    if wait is None or wait <= 0:
        return RateLimitError(
            f"{who} is rate-limiting this key (429, {tried.summary()}): {said}",
            "wait a little and try again, or check your quota",
        )
    return RateLimitError(
        f"{who} is rate-limiting this key (429, {tried.summary()}; "
        f"the server asks to wait {duration(wait)}): {said}",
        f"try again in {duration(wait)}, or check your quota",
    )


def error_name(provider: Provider) -> str:
    """Who errors say answered: the preset's name, or the host when the URL is not the preset's.

    "OpenAI answered, but…" about http://127.0.0.1:8080 sends people to OpenAI's status page.
    """
    if not provider.custom_url:
        return provider.label
    return urlparse(provider.base_url).netloc or provider.base_url
