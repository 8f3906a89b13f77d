"""The `--schema` argument → a JSON schema: a file, inline JSON, or the short form.

Short form: `'score int, issues [title, suggestion]'`
- a field is `name` (text) or `name TYPE`, TYPE one of int, float, str, bool;
- `name [a, b]` is a list of objects with fields a and b; `name [str]` a list of texts;
- `name {a, b int}` is one nested object; any of these nest;
- `name str?` (or `name?`) is optional: the model answers null when it has nothing.

Optional fields stay in `required` with a nullable type, and every object is closed
(`additionalProperties: false`): that is the shape OpenAI's strict schema mode accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from llmchat.errors import UsageError

JsonSchema = dict[str, Any]

TYPES: dict[str, str] = {
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "str": "string",
    "string": "string",
    "text": "string",
    "bool": "boolean",
    "boolean": "boolean",
}
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_-]*)|([,\[\]{}?])|(\S))")
_HINT = "short form: 'name type, list [field, field]'; types: int, float, str, bool"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, int]] = []
        for match in _TOKEN.finditer(text):
            if match.group(3):
                self.fail(f"unexpected {match.group(3)!r}", match.start(3))
            token = match.group(1) or match.group(2)
            if token:
                self.tokens.append((token, match.start(1) if match.group(1) else match.start(2)))
        self.at = 0

    def fail(self, problem: str, column: int | None = None) -> None:
        where = len(self.text) if column is None else column
        raise UsageError(f"schema {self.text!r}: {problem} at column {where + 1}", _HINT)

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def column(self) -> int | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None, what: str | None = None) -> str:
        token = self.peek()
        if token is None:
            wanted = what or (repr(expected) if expected else "more")
            self.fail(f"expected {wanted} but the schema ends")
        if expected is not None and token != expected:
            self.fail(f"expected {expected!r}, found {token!r}", self.column())
        self.at += 1
        return token  # type: ignore[return-value]  # fail() never returns

    def fields(self, closer: str | None) -> JsonSchema:
        properties: dict[str, JsonSchema] = {}
        while True:
            column = self.column()
            name = self.take(what="a field name")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
                self.fail(f"expected a field name, found {name!r}", column)
            if name in properties:
                self.fail(f"field {name!r} appears twice", column)
            properties[name] = self.field_type()
            token = self.peek()
            if token == ",":
                self.take(",")
                continue
            if token == closer:
                break
            self.fail(f"expected ',' or {closer or 'the end'!r}, found {token!r}", self.column())
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    def field_type(self) -> JsonSchema:
        token = self.peek()
        schema: JsonSchema
        if token in TYPES:
            schema = {"type": TYPES[self.take()]}
        elif token == "[":
            self.take("[")
            after = self.tokens[self.at + 1][0] if self.at + 1 < len(self.tokens) else None
            if self.peek() in TYPES and after == "]":
                items: JsonSchema = {"type": TYPES[self.take()]}
            else:
                items = self.fields("]")
            self.take("]")
            schema = {"type": "array", "items": items}
        elif token == "{":
            self.take("{")
            schema = self.fields("}")
            self.take("}")
        elif token is None or token in (",", "]", "}", "?"):
            schema = {"type": "string"}
        else:
            self.fail(f"unknown type {token!r}", self.column())
            raise AssertionError  # pragma: no cover
        if self.peek() == "?":
            self.take("?")
            schema = {**schema, "type": [schema["type"], "null"]}
        return schema


def parse_short_schema(text: str) -> JsonSchema:
    """The short form → a JSON schema object; a mistake names the column (exit 2)."""
    if not text.strip():
        raise UsageError("the schema is empty", _HINT)
    return _Parser(text).fields(None)


def _as_schema(value: Any, where: str) -> JsonSchema:
    if isinstance(value, dict) and isinstance(value.get("schema"), dict) and "name" in value:
        value = value["schema"]  # OpenAI's response_format.json_schema wrapper, pasted whole
    if not isinstance(value, dict) or not ({"type", "properties", "$ref", "anyOf"} & set(value)):
        raise UsageError(
            f"{where} is not a JSON schema", 'it needs at least "type" or "properties"'
        )
    return value


def load_schema(argument: str, base: Path | None = None) -> JsonSchema:
    """`--schema` / a role's `schema:` → JSON schema: a `.json` file, inline JSON, or short form.

    A relative file path is read from `base` (a role file's folder) or the current one.
    """
    text = argument.strip()
    if text.startswith("{"):
        try:
            return _as_schema(json.loads(text), "the inline schema")
        except json.JSONDecodeError as error:
            raise UsageError(f"the inline schema is not JSON: {error}") from None
    if text.endswith(".json") or "/" in text:
        path = Path(text).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"schema file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read schema file {path}: {error}") from None
        try:
            return _as_schema(json.loads(content), f"schema file {path}")
        except json.JSONDecodeError as error:
            raise UsageError(f"schema file {path} is not JSON: {error}") from None
    return parse_short_schema(text)
