"""Check a model's JSON answer: strip a fence it added, parse, validate, name the first problem.

Validation is our own small validator, not the `jsonschema` package: the schemas we
send are the ones shortschema.py makes (type, properties, required, items, enum,
additionalProperties) plus what people write by hand in the same spirit, and the
package would bring four dependencies (one a compiled Rust extension) for keywords we
do not produce. Keywords outside that subset are reported by `unchecked_keywords`, so
the caller can say they were not checked rather than pretend; where the provider has
a strict schema mode, it enforces the full schema on its side anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from llmchat.errors import ApiError

CHECKED_KEYWORDS = frozenset(
    {"type", "properties", "required", "items", "enum", "additionalProperties", "const"}
)
#: Keywords that only describe or name things: nothing to check.
_DESCRIPTIVE = frozenset({"title", "description", "$schema", "$id", "default", "examples", "name"})

_FENCE = re.compile(r"\A\s*(`{3,}|~{3,})[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)\n?\s*\1\s*\Z", re.S)

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


class InvalidAnswerError(ApiError):
    """The model answered, but not with the JSON asked for (exit 1, like any bad reply)."""


@dataclass(frozen=True)
class CheckedAnswer:
    """`text` is what goes to stdout: the JSON exactly as the model wrote it, minus a fence."""

    text: str
    value: Any


def strip_fence(answer: str) -> str:
    """The inside of a code fence wrapping the whole answer; anything else unchanged."""
    match = _FENCE.match(answer)
    return match.group(3).strip() if match else answer.strip()


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name not in ("boolean",):
        return False  # True is an int in Python, never in JSON
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _PYTHON_TYPES.get(name, (object,)))


def _path(at: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{at}[{key}]"
    return f"{at}.{key}" if at else key


def first_problem(value: Any, schema: Mapping[str, Any], at: str = "") -> str | None:
    """The first place `value` breaks `schema`, in one line; None when it matches."""
    where = at or "the answer"
    expected = schema.get("type")
    if expected is not None:
        names = expected if isinstance(expected, list) else [expected]
        if not any(_is_type(value, name) for name in names):
            wanted = " or ".join(str(name) for name in names)
            return f"{where}: expected {wanted}, got {_describe(value)}"
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(json.dumps(choice) for choice in schema["enum"])
        return f"{where}: {json.dumps(value)} is not one of {choices}"
    if "const" in schema and value != schema["const"]:
        return f"{where}: must be {json.dumps(schema['const'])}"
    if isinstance(value, dict):
        return _object_problem(value, schema, at)
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            problem = first_problem(item, schema["items"], _path(at, index))
            if problem:
                return problem
    return None


def _object_problem(value: dict[str, Any], schema: Mapping[str, Any], at: str) -> str | None:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    for key in schema.get("required") or ():
        if key not in value:
            return f"{_path(at, key)}: missing (required)"
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            problem = first_problem(item, properties[key], _path(at, key))
        elif extra is False:
            problem = f"{_path(at, key)}: not allowed (no such field in the schema)"
        elif isinstance(extra, Mapping):
            problem = first_problem(item, extra, _path(at, key))
        else:
            problem = None
        if problem:
            return problem
    return None


def _keywords(schema: Any) -> Iterator[str]:
    if not isinstance(schema, Mapping):
        return
    for key, value in schema.items():
        yield key
        if key == "properties" and isinstance(value, Mapping):
            for child in value.values():
                yield from _keywords(child)
        elif key in ("items", "additionalProperties"):
            yield from _keywords(value)


def unchecked_keywords(schema: Mapping[str, Any]) -> list[str]:
    """Keywords in `schema` this validator ignores (`anyOf`, `pattern`, `$ref`…), sorted."""
    return sorted(set(_keywords(schema)) - CHECKED_KEYWORDS - _DESCRIPTIVE)


def check_answer(answer: str, schema: Mapping[str, Any] | None = None) -> CheckedAnswer:
    """The answer as clean JSON, or InvalidAnswerError naming the first problem.

    Without a schema the answer must be a JSON object (that is what JSON mode promises).
    """
    text = strip_fence(answer)
    if not text:
        raise InvalidAnswerError("the answer is empty, not JSON", "try again, or --retry-invalid 1")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidAnswerError(
            f"the answer is not valid JSON: {error.msg}"
            f" at line {error.lineno} column {error.colno}",
            "try --retry-invalid 1, or a model with a JSON mode",
        ) from None
    problem = first_problem(value, schema) if schema is not None else None
    if schema is None and not isinstance(value, dict):
        problem = f"the answer: expected a JSON object, got {_describe(value)}"
    if problem:
        raise InvalidAnswerError(
            f"the answer does not match the schema: {problem}",
            "try --retry-invalid 1, or a model with a schema mode",
        )
    return CheckedAnswer(text=text, value=value)


def retry_instruction(error: InvalidAnswerError) -> str:
    """What `--retry-invalid` sends back: the problem, and what to do about it."""
    return (
        f"Your previous answer was rejected: {error.message}. "
        "Reply again with only the corrected JSON: no code fences, no explanations."
    )
