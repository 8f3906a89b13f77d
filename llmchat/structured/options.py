"""What a session asks for beyond the parameters: JSON or a schema, stop sequences, a seed.

Set by `--json`, `--schema`, `--stop`, `--seed`, a role's defaults, and the REPL's
`/json`, `/schema` and `/set stop|seed`; read once per request by `plan.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmchat.config.records import CliFlags
from llmchat.errors import UsageError

#: OpenAI accepts at most four stop sequences; most compatible servers copy that limit.
MAX_STOP = 4


@dataclass(frozen=True)
class OutputOptions:
    json: bool = False
    schema: Mapping[str, Any] | None = field(default=None, hash=False)
    stop: tuple[str, ...] = ()
    seed: int | None = None
    #: `-n N`: answers per request (one-shot mode only).
    choices: int = 1

    @property
    def wants_json(self) -> bool:
        return self.json or self.schema is not None

    def describe(self) -> str:
        """A few words for the toolbar: "json", "schema"; empty for plain text."""
        if self.schema is not None:
            return "schema"
        return "json" if self.json else ""


def check_stop(stop: tuple[str, ...]) -> tuple[str, ...]:
    if any(not item for item in stop):
        raise UsageError("a stop sequence cannot be empty", 'write --stop "END"')
    if len(stop) > MAX_STOP:
        raise UsageError(
            f"{len(stop)} stop sequences given; servers accept at most {MAX_STOP}",
            "keep the four that matter",
        )
    return stop


def parse_stop_words(text: str) -> tuple[str, ...]:
    """`/set stop END "\\n\\n"`: words, a quoted one read as JSON (for escapes); none unsets."""
    import json
    import shlex

    if text.strip().lower() in ("", "none", "off", "default"):
        return ()
    try:
        words = shlex.split(text, posix=False)
    except ValueError as error:
        raise UsageError(f"cannot read the stop sequences: {error}", 'quote them: "END"') from None
    stop: list[str] = []
    for word in words:
        if word.startswith('"') and word.endswith('"') and len(word) >= 2:
            try:
                word = json.loads(word)
            except json.JSONDecodeError:
                word = word[1:-1]
        stop.append(word)
    return check_stop(tuple(stop))


def parse_seed(raw: str | int | None) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "none", "off")):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UsageError(f"seed must be a whole number, not {raw!r}") from None


def options_from_flags(flags: CliFlags, choices: int = 1) -> OutputOptions:
    """What the user typed: `--json`, `--schema`, `--stop`, `--seed`, `-n`."""
    if choices < 1:
        raise UsageError(f"-n must be at least 1, not {choices}")
    return OutputOptions(
        json=bool(flags.json),
        schema=flags.schema,
        stop=check_stop(flags.stop),
        seed=flags.seed,
        choices=choices,
    )
