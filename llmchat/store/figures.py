"""A compared answer's scoreboard figures as saved with it (`figures` in a message line).

Pure data, no I/O; records.py reads and writes it with the rest of the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmchat.store.record_types import JsonValue


@dataclass(frozen=True)
class AnswerFigures:
    """What the scoreboard showed for one compared answer: seconds from its request to the
    first token and to the end, and the server's finish reason (None: it sent none)."""

    first_token: float | None
    total: float
    finish_reason: str | None

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "first_token": self.first_token,
            "total": self.total,
            "finish_reason": self.finish_reason,
        }

    @staticmethod
    def from_json(obj: object) -> AnswerFigures:
        """The figures a saved line holds; ValueError says why they are not."""
        if not isinstance(obj, dict):
            raise ValueError("figures is not an object")
        first, total, reason = obj.get("first_token"), obj.get("total"), obj.get("finish_reason")
        for name, value in (("first_token", first), ("total", total)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise ValueError(f"figures.{name} is not a number")
        if reason is not None and not isinstance(reason, str):
            raise ValueError("figures.finish_reason is not a string")
        return AnswerFigures(None if first is None else float(first), float(total or 0.0), reason)
