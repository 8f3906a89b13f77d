"""Times and chat ids as the store writes them: ISO 8601 in UTC, and ids that sort by age.

Kept apart from records.py (what a line means) so that the writer, reader and index
share one clock format without going through the record types.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone


def now_iso() -> str:
    """The current time, UTC, ISO 8601 with an explicit offset (3.10's fromisoformat reads it)."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_chat_id(now: datetime | None = None) -> str:
    """`YYYYMMDD-HHMMSS-xxxxxx`: UTC creation time, so ids sort by age, plus 24 random bits.

    The random part keeps two processes starting in the same second apart; the
    store also creates the file with O_EXCL and draws again on the rare clash.
    """
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{stamp:%Y%m%d-%H%M%S}-{os.urandom(3).hex()}"


def parse_time(text: str | None) -> datetime | None:
    """An aware datetime from our ISO timestamps, or None when absent or unreadable."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def time_from_id(chat_id: str) -> datetime | None:
    """The creation time encoded in an id, when the id has our shape."""
    try:
        return datetime.strptime(chat_id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
