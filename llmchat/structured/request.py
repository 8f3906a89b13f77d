"""What to send for JSON or schema output, given what the provider can do.

The catalog knows what each model accepts (`ModelInfo.json_modes`; the provider's own
`json_modes` for a model it does not list, and whether JSON mode needs the word "json");
`output_capability` reads it there and this module decides: the `OutputFormat`
(json_schema, json_object or none; the wire client spells it as `response_format`) and
the instruction to add to the system prompt where the model lacks a schema mode or the
provider insists on seeing the word "json" (OpenAI's JSON mode answers 400 without it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmchat.engine.request import OutputFormat
from llmchat.providers.catalog import JSON_OBJECT, JSON_SCHEMA
from llmchat.providers.records import ModelInfo, Provider

JSON_INSTRUCTION = (
    "Reply with a single valid JSON object and nothing else: no code fences, no explanations."
)


@dataclass(frozen=True)
class OutputCapability:
    """What a provider's API accepts for structured output."""

    json_mode: bool = True
    schema_mode: bool = False
    #: The API rejects JSON mode unless the messages contain the word "json".
    needs_json_word: bool = False


def output_capability(provider: Provider, info: ModelInfo) -> OutputCapability:
    """From the catalog: the model's own entry when it has one, else its provider's."""
    modes = info.json_modes if info.checked else provider.json_modes
    return OutputCapability(JSON_OBJECT in modes, JSON_SCHEMA in modes, provider.json_word)


@dataclass(frozen=True)
class OutputPlan:
    """The request's output format (None: send none) and a system-prompt addition."""

    output: OutputFormat | None = None
    instruction: str | None = None

    def system_prompt(self, prompt: str | None) -> str | None:
        """The system prompt with the instruction appended (or alone, if there was none)."""
        if not self.instruction:
            return prompt
        return f"{prompt}\n\n{self.instruction}" if prompt else self.instruction


def is_strict_compatible(schema: Mapping[str, Any]) -> bool:
    """Whether OpenAI's strict mode takes it: every object closed and all fields required."""
    if schema.get("type") == "object" or "properties" in schema:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required") or ()) != set(properties):
            return False
        return all(is_strict_compatible(child) for child in properties.values())
    items = schema.get("items")
    return is_strict_compatible(items) if isinstance(items, Mapping) else True


def schema_instruction(schema: Mapping[str, Any]) -> str:
    shape = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    return (
        f"{JSON_INSTRUCTION} The JSON must match this JSON schema; "
        f"use null for a field you have nothing for:\n{shape}"
    )


def plan_output(
    capability: OutputCapability,
    *,
    want_json: bool = False,
    schema: Mapping[str, Any] | None = None,
    name: str = "answer",
) -> OutputPlan:
    """The request-side half of `--json` / `--schema`; plain text output needs nothing."""
    if schema is not None:
        if capability.schema_mode:
            strict = is_strict_compatible(schema)
            return OutputPlan(OutputFormat(JSON_SCHEMA, dict(schema), name, strict))
        fallback = OutputFormat(JSON_OBJECT) if capability.json_mode else None
        return OutputPlan(fallback, schema_instruction(schema))
    if not want_json:
        return OutputPlan()
    if not capability.json_mode:
        return OutputPlan(None, JSON_INSTRUCTION)
    instruction = JSON_INSTRUCTION if capability.needs_json_word else None
    return OutputPlan(OutputFormat(JSON_OBJECT), instruction)
