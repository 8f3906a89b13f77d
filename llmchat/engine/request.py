"""ChatRequest: one request in neutral words, before any provider's dialect shapes it.

The engine builds it (model, messages, parameters, thinking wish, output needs); the
dialect (providers/dialects.py) turns it into this provider's body and the transport
(wire/client.py) sends it. Nothing here knows a provider's field names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmchat.config.records import Params
from llmchat.providers.records import ModelInfo


@dataclass(frozen=True)
class OutputFormat:
    """What shape the answer must have: "json_object", or "json_schema" with `schema`
    (`strict` where every object is closed and every field required: OpenAI's strict
    mode refuses anything else). structured/request.py decides it per provider."""

    kind: str
    schema: Mapping[str, Any] | None = None
    name: str = "answer"
    strict: bool = False


@dataclass(frozen=True)
class ChatRequest:
    """`thinking`: None sends nothing (the server decides), "on", "off", or an effort
    level (low|medium|high|max). `messages` may carry `reasoning_content` on assistant
    turns; the dialect decides whether it goes out. `info` is the catalog's entry for the
    model (dialect family, effort levels), `extra_body` fields from config.toml.
    `stop`, `seed` and `n` (answers wanted; above 1 the request is not streamed and the
    answers come numbered) are sent only when set."""

    model: str
    messages: Sequence[Mapping[str, Any]]
    params: Params
    stream: bool = True
    thinking: str | None = None
    output: OutputFormat | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    n: int = 1
    info: ModelInfo | None = None
    extra_body: Mapping[str, Any] = field(default_factory=dict)

    def sampling(self) -> dict[str, Any]:
        """The optional body fields besides the parameters: stop, seed, n."""
        more: dict[str, Any] = {}
        if self.stop:
            more["stop"] = list(self.stop)
        if self.seed is not None:
            more["seed"] = self.seed
        if self.n > 1:
            more["n"] = self.n
        return more

    @property
    def model_info(self) -> ModelInfo:
        return self.info if self.info is not None else ModelInfo(self.model)
