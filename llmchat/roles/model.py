"""The Role record: a named system prompt plus the defaults it brings.

Pure data, no I/O: files.py and frontmatter.py build these, the settings code applies
them under the command line's flags (a flag the user typed beats a role's default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

OutputMode = Literal["text", "json"]


@dataclass(frozen=True)
class RoleDefaults:
    """What a role sets when the command line does not; None means "not set by the role"."""

    model: str | None = None
    provider: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    #: True / False switch thinking on or off; None leaves the model's own default.
    thinking: bool | None = None
    #: A reasoning depth, in --effort's words (implies thinking on); the dialect maps it
    #: onto each provider's own levels.
    effort: str | None = None
    #: "json" asks for a JSON object; a schema (below) implies JSON too.
    output: OutputMode | None = None
    #: A JSON schema the answer must match (already parsed from the short form or a file).
    schema: Mapping[str, Any] | None = field(default=None, hash=False, compare=True)
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def is_empty(self) -> bool:
        return self == RoleDefaults()


@dataclass(frozen=True)
class Role:
    """A named system prompt; `source` is the file it came from, None for a built-in."""

    name: str
    prompt: str
    description: str = ""
    defaults: RoleDefaults = field(default_factory=RoleDefaults)
    source: Path | None = None
    #: True when a file of the same name replaces a built-in role.
    overrides_builtin: bool = False

    @property
    def is_builtin(self) -> bool:
        return self.source is None

    @property
    def origin(self) -> str:
        """Where the role comes from, in words for `llmchat roles`."""
        if self.source is None:
            return "built-in"
        return (
            f"{self.source} (overrides the built-in)"
            if self.overrides_builtin
            else str(self.source)
        )
