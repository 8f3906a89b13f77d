"""Structured output: the short schema form, the request plan per capability, answer checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmchat.engine.request import OutputFormat
from llmchat.errors import EXIT_API, EXIT_USAGE, UsageError
from llmchat.providers.catalog import find_model
from llmchat.providers.presets import preset
from llmchat.providers.records import ModelInfo
from llmchat.structured.output import (
    InvalidAnswerError,
    check_answer,
    first_problem,
    retry_instruction,
    strip_fence,
    unchecked_keywords,
)
from llmchat.structured.request import (
    JSON_INSTRUCTION,
    OutputCapability,
    OutputPlan,
    is_strict_compatible,
    output_capability,
    plan_output,
)
from llmchat.structured.shortschema import load_schema, parse_short_schema


def obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


# --- short form ----------------------------------------------------------------------


def test_the_issue_example_becomes_a_closed_strict_schema() -> None:
    schema = parse_short_schema("score int, issues [title, suggestion]")
    assert schema == obj(
        {
            "score": {"type": "integer"},
            "issues": {
                "type": "array",
                "items": obj({"title": {"type": "string"}, "suggestion": {"type": "string"}}),
            },
        }
    )
    assert is_strict_compatible(schema)


def test_types_optional_fields_scalar_lists_and_nesting() -> None:
    schema = parse_short_schema(
        "ratio float, ok bool, note str?, tags [str], meta {by, at int?},"
        " groups [name, items [id int]]"
    )
    props = schema["properties"]
    assert props["ratio"] == {"type": "number"} and props["ok"] == {"type": "boolean"}
    assert props["note"] == {"type": ["string", "null"]}
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["meta"] == obj({"by": {"type": "string"}, "at": {"type": ["integer", "null"]}})
    inner = props["groups"]["items"]["properties"]["items"]
    assert inner == {"type": "array", "items": obj({"id": {"type": "integer"}})}
    assert schema["required"] == ["ratio", "ok", "note", "tags", "meta", "groups"]
    assert parse_short_schema("list [a]?")["properties"]["list"]["type"] == ["array", "null"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("score int,", "expected a field name but the schema ends at column 11"),
        ("issues [title", "expected ',' or ']', found None"),
        ("score integr", "unknown type 'integr' at column 7"),
        ("a, a", "field 'a' appears twice at column 4"),
        ("a int]", "expected ',' or 'the end', found ']' at column 6"),
        ("a = 1", "unexpected '=' at column 3"),
        ("   ", "the schema is empty"),
    ],
)
def test_short_form_mistakes_name_the_column(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_short_schema(text)
    assert problem in caught.value.message
    assert caught.value.exit_code == EXIT_USAGE


def test_load_schema_reads_a_file_inline_json_or_the_short_form(tmp_path: Path) -> None:
    schema = obj({"x": {"type": "integer"}})
    (tmp_path / "s.json").write_text(json.dumps(schema))
    (tmp_path / "wrapped.json").write_text(json.dumps({"name": "w", "schema": schema}))
    (tmp_path / "broken.json").write_text("{nope")
    (tmp_path / "list.json").write_text("[1]")
    assert load_schema(str(tmp_path / "s.json")) == schema
    assert load_schema("wrapped.json", tmp_path) == schema
    assert load_schema(json.dumps(schema)) == schema
    assert load_schema("x int") == schema
    with pytest.raises(UsageError, match=r"broken\.json is not JSON"):
        load_schema("broken.json", tmp_path)
    with pytest.raises(UsageError, match="is not a JSON schema"):
        load_schema("list.json", tmp_path)
    with pytest.raises(UsageError, match="does not exist"):
        load_schema("nothing.json", tmp_path)


# --- request plan ----------------------------------------------------------------------

SCHEMA = parse_short_schema("score int, issues [title, suggestion]")


def test_schema_mode_sends_json_schema_and_no_instruction() -> None:
    plan = plan_output(OutputCapability(schema_mode=True), schema=SCHEMA, name="review")
    assert plan.output == OutputFormat("json_schema", SCHEMA, "review", strict=True)
    assert plan.instruction is None
    assert plan.system_prompt("Be brief.") == "Be brief."


def test_without_schema_mode_the_schema_goes_into_the_prompt_with_json_mode() -> None:
    plan = plan_output(OutputCapability(json_mode=True, schema_mode=False), schema=SCHEMA)
    assert plan.output == OutputFormat("json_object")
    assert plan.instruction is not None and "json" in plan.instruction.lower()
    assert json.dumps(SCHEMA, separators=(",", ":")) in plan.instruction
    assert plan.system_prompt("Be brief.") == f"Be brief.\n\n{plan.instruction}"
    bare = plan_output(OutputCapability(json_mode=False), schema=SCHEMA)
    assert bare.output is None and bare.instruction == plan.instruction


def test_json_mode_adds_the_word_json_only_where_the_provider_needs_it() -> None:
    assert plan_output(OutputCapability(), want_json=True) == OutputPlan(
        OutputFormat("json_object")
    )
    needy = plan_output(OutputCapability(needs_json_word=True), want_json=True)
    assert needy == OutputPlan(OutputFormat("json_object"), JSON_INSTRUCTION)
    assert needy.system_prompt(None) == JSON_INSTRUCTION
    assert plan_output(OutputCapability(json_mode=False), want_json=True).output is None
    assert plan_output(OutputCapability(schema_mode=True)) == OutputPlan()


def test_a_hand_written_open_schema_is_sent_non_strict() -> None:
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    plan = plan_output(OutputCapability(schema_mode=True), schema=loose)
    assert plan.output is not None and plan.output.strict is False


def test_capabilities_come_from_the_catalog_then_the_provider() -> None:
    openai, deepseek, ollama = preset("openai"), preset("deepseek"), preset("ollama")
    assert openai is not None and deepseek is not None and ollama is not None
    gpt = find_model(openai, "gpt-4o-mini")
    assert gpt is not None
    assert output_capability(openai, gpt) == OutputCapability(True, True, True)
    v4 = find_model(deepseek, "deepseek-v4-flash")
    assert v4 is not None
    assert output_capability(deepseek, v4) == OutputCapability(True, False, True)
    # A model no catalog entry vouches for: what its provider serves.
    assert output_capability(ollama, ModelInfo("mistral")) == OutputCapability(True, True, False)
    assert output_capability(deepseek, ModelInfo("mine")) == OutputCapability(True, False, True)


# --- checking the answer -------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        '```json\n{"a": 1}\n```',
        '  ```\n{"a": 1}\n```\n',
        '~~~JSON\n{"a": 1}\n~~~',
        '{"a": 1}',
        '\n{"a": 1}\n\n',
    ],
)
def test_a_fence_around_the_whole_answer_is_stripped(answer: str) -> None:
    assert strip_fence(answer) == '{"a": 1}'
    assert check_answer(answer).text == '{"a": 1}'


def test_prose_around_a_fence_is_not_json() -> None:
    with pytest.raises(InvalidAnswerError, match="not valid JSON: Expecting value at line 1"):
        check_answer('Here it is:\n```json\n{"a": 1}\n```')


def test_the_model_formatting_is_kept_and_the_value_parsed() -> None:
    answer = '{\n  "score": 7,\n  "issues": []\n}'
    checked = check_answer(answer, SCHEMA)
    assert checked.text == answer
    assert checked.value == {"score": 7, "issues": []}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"issues": []}, "score: missing (required)"),
        ({"score": "7", "issues": []}, "score: expected integer, got a string"),
        ({"score": True, "issues": []}, "score: expected integer, got a boolean"),
        ({"score": 7, "issues": {}}, "issues: expected array, got an object"),
        ({"score": 7, "issues": [{"title": "t"}]}, "issues[0].suggestion: missing (required)"),
        (
            {
                "score": 7,
                "issues": [{"title": "t", "suggestion": "s"}, {"title": 1, "suggestion": ""}],
            },
            "issues[1].title: expected string, got an integer",
        ),
        ({"score": 7, "issues": [], "extra": 1}, "extra: not allowed"),
        ([], "the answer: expected object, got an array"),
    ],
)
def test_the_first_problem_is_named_with_its_path(value: Any, problem: str) -> None:
    assert problem in str(first_problem(value, SCHEMA))
    with pytest.raises(InvalidAnswerError) as caught:
        check_answer(json.dumps(value), SCHEMA)
    assert caught.value.exit_code == EXIT_API
    assert problem in caught.value.message
    assert "\n" not in caught.value.one_line()


def test_enum_const_nullable_numbers_and_open_objects() -> None:
    schema = {
        "type": "object",
        "properties": {
            "level": {"enum": ["low", "high"]},
            "v": {"const": 1},
            "n": {"type": ["number", "null"]},
        },
        "additionalProperties": {"type": "integer"},
    }
    assert first_problem({"level": "low", "v": 1, "n": None, "x": 3}, schema) is None
    assert first_problem({"n": 2.0}, {"properties": {"n": {"type": "integer"}}}) is None
    assert first_problem({"level": "mid"}, schema) == 'level: "mid" is not one of "low", "high"'
    assert first_problem({"v": 2}, schema) == "v: must be 1"
    assert first_problem({"x": "s"}, schema) == "x: expected integer, got a string"


def test_without_a_schema_the_answer_must_be_a_json_object() -> None:
    with pytest.raises(InvalidAnswerError, match="expected a JSON object, got an array"):
        check_answer("[1, 2]")
    with pytest.raises(InvalidAnswerError, match="the answer is empty"):
        check_answer("```json\n```")


def test_keywords_the_validator_ignores_are_reported() -> None:
    schema = {
        "type": "object",
        "description": "d",
        "properties": {"a": {"type": "string", "pattern": "^x"}, "b": {"anyOf": []}},
        "items": {"minItems": 1},
    }
    assert unchecked_keywords(schema) == ["anyOf", "minItems", "pattern"]
    assert unchecked_keywords(SCHEMA) == []


def test_the_retry_instruction_carries_the_problem() -> None:
    with pytest.raises(InvalidAnswerError) as caught:
        check_answer('{"issues": []}', SCHEMA)
    text = retry_instruction(caught.value)
    assert "score: missing (required)" in text and "only the corrected JSON" in text
